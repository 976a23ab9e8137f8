//! The timed run: load, evaluate the prompt tokens, generate greedily, print the `stats:` line.

use crate::pieces::Pieces;
use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use candle_transformers::models::quantized_llama::ModelWeights;
use std::io::Write;
use std::time::Instant;

/// Runs MODEL on the comma-separated TOKEN_IDS and generates N_PREDICT tokens greedily
/// (end-of-generation ignored), printing the text on stdout and the timings on stderr.
pub fn run(model: &str, tokens: &str, n_predict: &str) -> Result<(), String> {
    let tokens: Vec<u32> = tokens
        .split(',')
        .map(|t| t.trim().parse().map_err(|_| format!("bad token id {t:?}")))
        .collect::<Result<_, _>>()?;
    if tokens.is_empty() {
        return Err("no prompt tokens".into());
    }
    let n_predict: usize = n_predict.parse().map_err(|_| "bad N_PREDICT")?;
    let device = Device::Cpu;
    let mut file = std::fs::File::open(model).map_err(|e| format!("{model}: {e}"))?;
    let content = gguf_file::Content::read(&mut file).map_err(|e| format!("{model}: {e}"))?;
    let pieces = Pieces::from_gguf(&content)?;
    let mut weights =
        ModelWeights::from_gguf(content, &mut file, &device).map_err(|e| e.to_string())?;

    let mut out = std::io::stdout().lock();
    let start = Instant::now();
    let mut logits = forward(&mut weights, &tokens, 0, &device)?;
    let mut first_token_ms = 0.0;
    for i in 0..n_predict {
        let token = argmax(&logits)?;
        out.write_all(&pieces.bytes(token))
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
        logits = forward(&mut weights, &[token], tokens.len() + i, &device)?;
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

/// Evaluates `tokens` at position `pos` and returns the logits of the last one.
fn forward(
    weights: &mut ModelWeights,
    tokens: &[u32],
    pos: usize,
    device: &Device,
) -> Result<Tensor, String> {
    let input = Tensor::new(tokens, device)
        .and_then(|t| t.unsqueeze(0))
        .map_err(|e| e.to_string())?;
    weights.forward(&input, pos).map_err(|e| e.to_string())
}

/// The id of the largest logit (greedy sampling).
fn argmax(logits: &Tensor) -> Result<u32, String> {
    logits
        .squeeze(0)
        .and_then(|l| l.argmax(0))
        .and_then(|t| t.to_scalar::<u32>())
        .map_err(|e| e.to_string())
}
