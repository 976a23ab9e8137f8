//! Chat guest, like LlamaEdge's `llama-chat` (written against `wasmedge-wasi-nn`, so it runs
//! on WasmEdge too): applies the ChatML template to one prompt, runs it through the GGML
//! model preloaded as `default` (`--nn-preload default:GGML:AUTO:model.gguf`) and prints
//! the answer, streamed token by token with `compute_single`.
//!
//! `nn-chat.wasm --prompt TEXT [--system TEXT] [--model-alias NAME] [--n-predict N]
//! [--ctx-size N] [--temp T] [--threads N] [--ignore-eos] [--no-stream] [--stats]`
//!
//! `--no-stream` uses one `compute` instead. `--stats` prints to stderr
//! `stats: prompt_tokens=N first_token_ms=X gen_tokens=M gen_ms=Y` (the first
//! `compute_single` evaluates the prompt; the rest generate one token each), for benchmarks.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;
use wasmedge_wasi_nn::{
    BackendError, Error, ExecutionTarget, GraphBuilder, GraphEncoding, GraphExecutionContext,
    TensorType,
};

/// The end-of-turn marker of ChatML; `compute` keeps it at the end of the answer.
const END_OF_TURN: &str = "<|im_end|>";

/// Command-line options.
struct Options {
    prompt: String,
    system: String,
    alias: String,
    n_predict: i64,
    ctx_size: u32,
    temp: f64,
    threads: Option<u32>,
    ignore_eos: bool,
    stream: bool,
    stats: bool,
}

/// Parses the command line.
fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        prompt: String::new(),
        system: "You are a helpful assistant.".into(),
        alias: "default".into(),
        n_predict: 256,
        ctx_size: 2048,
        temp: 0.0,
        threads: None,
        ignore_eos: false,
        stream: true,
        stats: false,
    };
    let mut it = args.iter().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<f64>().map_err(|_| format!("bad {flag} `{v}`"));
        match flag.as_str() {
            "--prompt" | "-p" => o.prompt = value()?,
            "--system" | "-s" => o.system = value()?,
            "--model-alias" | "-a" => o.alias = value()?,
            "--n-predict" | "-n" => o.n_predict = number(value()?)? as i64,
            "--ctx-size" | "-c" => o.ctx_size = number(value()?)? as u32,
            "--temp" => o.temp = number(value()?)?,
            "--threads" | "-t" => o.threads = Some(number(value()?)? as u32),
            "--ignore-eos" => o.ignore_eos = true,
            "--no-stream" => o.stream = false,
            "--stats" => o.stats = true,
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    if o.prompt.is_empty() {
        return Err(
            "usage: nn-chat.wasm --prompt TEXT [--system TEXT] [--model-alias NAME] \
                    [--n-predict N] [--ctx-size N] [--temp T] [--threads N] [--ignore-eos] \
                    [--no-stream] [--stats]"
                .into(),
        );
    }
    Ok(o)
}

/// The ChatML prompt for a system message and one user message.
fn chatml(system: &str, user: &str) -> String {
    format!(
        "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n\
         <|im_start|>assistant\n"
    )
}

/// The backend's metadata JSON for these options.
fn config(o: &Options) -> String {
    let mut json = format!(
        r#"{{"ctx-size": {}, "n-predict": {}, "temp": {}, "ignore-eos": {}"#,
        o.ctx_size, o.n_predict, o.temp, o.ignore_eos
    );
    if let Some(t) = o.threads {
        json += &format!(r#", "threads": {t}"#);
    }
    json + "}"
}

/// A number field of the token-count JSON (output index 1).
fn usage(ctx: &GraphExecutionContext, field: &str) -> Result<u64, String> {
    let mut buf = vec![0u8; 4096];
    let n = ctx
        .get_output(1, &mut buf)
        .map_err(|e| format!("get_output 1: {e}"))?;
    let json = String::from_utf8_lossy(&buf[..n]);
    let key = format!("\"{field}\":");
    let at = json.find(&key).ok_or(format!("no {field} in {json}"))? + key.len();
    let digits: String = json[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().map_err(|_| format!("bad {field} in {json}"))
}

/// Runs the chat; the answer goes to stdout.
fn run(o: &Options) -> Result<(), String> {
    let graph = GraphBuilder::new(GraphEncoding::Ggml, ExecutionTarget::AUTO)
        .config(config(o))
        .build_from_cache(&o.alias)
        .map_err(|e| format!("loading the model `{}`: {e}", o.alias))?;
    let mut ctx = graph
        .init_execution_context()
        .map_err(|e| format!("init_execution_context: {e}"))?;
    let prompt = chatml(&o.system, &o.prompt);
    ctx.set_input(0, TensorType::U8, &[1], prompt.as_bytes())
        .map_err(|e| format!("set_input: {e}"))?;
    let mut out = std::io::stdout().lock();
    let mut buf = vec![0u8; 1 << 16];
    let start = Instant::now();
    let mut first_token_ms = 0.0;
    if o.stream {
        let mut generated = 0i64;
        loop {
            match ctx.compute_single() {
                Ok(()) => {}
                Err(Error::BackendError(BackendError::EndOfSequence)) => break,
                Err(Error::BackendError(BackendError::ContextFull)) => {
                    eprintln!("nn-chat: the context is full (--ctx-size)");
                    break;
                }
                Err(e) => return Err(format!("compute_single: {e}")),
            }
            if generated == 0 {
                first_token_ms = start.elapsed().as_secs_f64() * 1000.0;
            }
            generated += 1;
            // A piece can end inside a UTF-8 sequence; the bytes concatenate on stdout.
            let n = ctx
                .get_output_single(0, &mut buf)
                .map_err(|e| format!("get_output_single: {e}"))?;
            out.write_all(&buf[..n]).map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())?;
            if o.n_predict >= 0 && generated >= o.n_predict {
                break;
            }
        }
    } else {
        match ctx.compute() {
            Ok(()) => {}
            Err(Error::BackendError(BackendError::ContextFull)) => {
                eprintln!("nn-chat: the context is full (--ctx-size)");
            }
            Err(e) => return Err(format!("compute: {e}")),
        }
        let n = ctx
            .get_output(0, &mut buf)
            .map_err(|e| format!("get_output: {e}"))?;
        let text = String::from_utf8_lossy(&buf[..n]);
        let answer = text.strip_suffix(END_OF_TURN).unwrap_or(&text);
        out.write_all(answer.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let total_ms = start.elapsed().as_secs_f64() * 1000.0;
    writeln!(out).map_err(|e| e.to_string())?;
    if o.stats {
        let prompt_tokens = usage(&ctx, "input_tokens")?;
        let gen_tokens = usage(&ctx, "output_tokens")?;
        eprintln!(
            "stats: prompt_tokens={prompt_tokens} first_token_ms={first_token_ms:.3} \
             gen_tokens={gen_tokens} gen_ms={:.3}",
            total_ms - first_token_ms
        );
    }
    if o.stream {
        ctx.fini_single().map_err(|e| format!("fini_single: {e}"))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match options(&args).and_then(|o| run(&o)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nn-chat: {e}");
            ExitCode::from(1)
        }
    }
}
