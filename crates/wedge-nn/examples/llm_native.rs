//! The native baseline of `benches/llm.sh`: the same llama.cpp build (`llama-cpp-2`) and the
//! same settings the GGML backend uses for the chat guest (ChatML prompt, greedy sampling,
//! penalties off, same context, batch and threads), driven directly, with the same timing
//! points as `nn-chat.wasm --stats`: the first step evaluates the prompt and generates one
//! token, each further step generates one token.
//!
//! `cargo run --release -p wedge-nn --features ggml --example llm_native -- MODEL PROMPT
//! N_PREDICT THREADS [CTX_SIZE]` prints the answer and, on stderr,
//! `stats: prompt_tokens=N first_token_ms=X gen_tokens=M gen_ms=Y`.
//!
//! `llm_native --print-prompt-tokens MODEL PROMPT` prints the token ids of that chat prompt,
//! comma-separated, and exits: `benches/llm-candle` evaluates exactly these tokens.

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use std::io::Write;
use std::num::NonZeroU32;
use std::time::Instant;

/// Decodes `tokens` from position `pos`, with logits for the last one.
fn decode(
    ctx: &mut llama_cpp_2::context::LlamaContext<'_>,
    tokens: &[LlamaToken],
    pos: usize,
) -> Result<(), String> {
    let mut batch = LlamaBatch::new(tokens.len(), 1);
    for (i, t) in tokens.iter().enumerate() {
        batch
            .add(*t, (pos + i) as i32, &[0], i + 1 == tokens.len())
            .map_err(|e| e.to_string())?;
    }
    ctx.decode(&mut batch).map_err(|e| e.to_string())
}

/// The prompt in SmolLM2's chat template (ChatML), as the chat guest sends it.
fn chat_prompt(prompt: &str) -> String {
    format!(
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
    )
}

/// Prints the comma-separated token ids of the chat prompt for `prompt`.
fn print_prompt_tokens(backend: &LlamaBackend, model: &str, prompt: &str) -> Result<(), String> {
    let model = LlamaModel::load_from_file(backend, model, &LlamaModelParams::default())
        .map_err(|e| e.to_string())?;
    let tokens = model
        .vocab()
        .tokenize(chat_prompt(prompt).as_bytes(), true, true);
    let ids: Vec<String> = tokens.iter().map(|t| t.0.to_string()).collect();
    println!("{}", ids.join(","));
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, model, prompt] = args.as_slice() {
        if flag == "--print-prompt-tokens" {
            let mut backend = LlamaBackend::init().map_err(|e| e.to_string())?;
            backend.void_logs();
            return print_prompt_tokens(&backend, model, prompt);
        }
    }
    let [_, model, prompt, n_predict, threads, rest @ ..] = args.as_slice() else {
        return Err("usage: llm_native MODEL PROMPT N_PREDICT THREADS [CTX_SIZE] | --print-prompt-tokens MODEL PROMPT".into());
    };
    let n_predict: usize = n_predict.parse().map_err(|_| "bad N_PREDICT")?;
    let threads: i32 = threads.parse().map_err(|_| "bad THREADS")?;
    let ctx_size: u32 = match rest.first() {
        Some(c) => c.parse().map_err(|_| "bad CTX_SIZE")?,
        None => 2048,
    };
    let mut backend = LlamaBackend::init().map_err(|e| e.to_string())?;
    backend.void_logs();
    let model = LlamaModel::load_from_file(&backend, model, &LlamaModelParams::default())
        .map_err(|e| e.to_string())?;
    // The backend's defaults: batch 2048, ubatch 512.
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(ctx_size))
        .with_n_batch(2048)
        .with_n_ubatch(512)
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    let mut ctx = model
        .new_context(&backend, params)
        .map_err(|e| e.to_string())?;
    let vocab = model.vocab();
    let tokens = vocab.tokenize(chat_prompt(prompt).as_bytes(), true, true);
    let mut sampler = LlamaSampler::chain_simple([
        LlamaSampler::penalties(model.n_vocab(), 64, 1.0, 0.0, 0.0),
        LlamaSampler::greedy(),
    ]);
    let mut out = std::io::stdout().lock();
    let start = Instant::now();
    decode(&mut ctx, &tokens, 0)?;
    let mut first_token_ms = 0.0;
    for i in 0..n_predict {
        let token = sampler.sample(&ctx, -1);
        let piece = vocab.token_to_piece(token, true, None);
        out.write_all(&piece).map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
        decode(&mut ctx, &[token], tokens.len() + i)?;
        if i == 0 {
            first_token_ms = start.elapsed().as_secs_f64() * 1000.0;
        }
    }
    let total_ms = start.elapsed().as_secs_f64() * 1000.0;
    writeln!(out).map_err(|e| e.to_string())?;
    eprintln!(
        "stats: prompt_tokens={} first_token_ms={first_token_ms:.3} gen_tokens={n_predict} gen_ms={:.3}",
        tokens.len(),
        total_ms - first_token_ms
    );
    Ok(())
}
