//! Embeddings guest (written against `wasmedge-wasi-nn`, so it runs on WasmEdge too): the
//! embedding of each sentence from the GGML model preloaded as `default`, then the cosine
//! similarity of every pair.
//!
//! `nn-embed.wasm [--model-alias NAME] [--ctx-size N] SENTENCE...` prints
//! `dimension: N` and one line `cos(I, J) = X` per pair (sentences counted from 0).

use std::process::ExitCode;
use wasmedge_wasi_nn::{ExecutionTarget, GraphBuilder, GraphEncoding, TensorType};

/// The values of the backend's `{"n_embedding": N, "embedding": [...]}` output.
fn parse_embedding(json: &str) -> Result<Vec<f64>, String> {
    let key = "\"embedding\":";
    let at = json.find(key).ok_or("no embedding in the output")? + key.len();
    let rest = json[at..].trim_start();
    let body = rest
        .strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .ok_or("the embedding is not an array")?;
    body.split(',')
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().parse().map_err(|_| format!("bad value `{v}`")))
        .collect()
}

/// Cosine similarity.
fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

fn run(args: &[String]) -> Result<(), String> {
    let mut alias = "default".to_string();
    let mut ctx_size = 512u32;
    let mut sentences = Vec::new();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--model-alias" => alias = it.next().ok_or("--model-alias needs a value")?.clone(),
            "--ctx-size" => {
                let v = it.next().ok_or("--ctx-size needs a value")?;
                ctx_size = v.parse().map_err(|_| format!("bad --ctx-size `{v}`"))?;
            }
            _ => sentences.push(a.clone()),
        }
    }
    if sentences.is_empty() {
        return Err("usage: nn-embed.wasm [--model-alias NAME] [--ctx-size N] SENTENCE...".into());
    }
    let config =
        format!(r#"{{"embedding": true, "ctx-size": {ctx_size}, "batch-size": {ctx_size}}}"#);
    let graph = GraphBuilder::new(GraphEncoding::Ggml, ExecutionTarget::AUTO)
        .config(config)
        .build_from_cache(&alias)
        .map_err(|e| format!("loading the model `{alias}`: {e}"))?;
    let mut ctx = graph
        .init_execution_context()
        .map_err(|e| format!("init_execution_context: {e}"))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut vectors = Vec::new();
    for s in &sentences {
        ctx.set_input(0, TensorType::U8, &[1], s.as_bytes())
            .map_err(|e| format!("set_input: {e}"))?;
        ctx.compute().map_err(|e| format!("compute: {e}"))?;
        let n = ctx
            .get_output(0, &mut buf)
            .map_err(|e| format!("get_output: {e}"))?;
        vectors.push(parse_embedding(&String::from_utf8_lossy(&buf[..n]))?);
    }
    println!("dimension: {}", vectors[0].len());
    for i in 0..vectors.len() {
        for j in i + 1..vectors.len() {
            println!("cos({i}, {j}) = {:.4}", cosine(&vectors[i], &vectors[j]));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nn-embed: {e}");
            ExitCode::from(1)
        }
    }
}
