//! WASI-NN guest (written against `wasmedge-wasi-nn`, so it runs on WasmEdge too).
//!
//! `nn.wasm MODEL|preload:NAME INPUT DIMS OUTPUT [RUNS]`: loads an ONNX model from the file
//! MODEL (or the model preloaded under NAME with `--nn-preload`), feeds the f32 tensor in the
//! raw little-endian file INPUT with dimensions DIMS (`1,3,224,224`), computes, and writes
//! output 0 as raw bytes to OUTPUT. Prints `output: N bytes` on success, or the error and
//! exits 1. With RUNS, computes that many more times and prints the mean time per run
//! (`per run: X ms`), for benchmarks.

use std::process::ExitCode;
use wasmedge_wasi_nn::{ExecutionTarget, GraphBuilder, GraphEncoding, TensorType};

fn run(args: &[String]) -> Result<usize, String> {
    let (model, input, dims, output, runs) = match args {
        [_, m, i, d, o] => (m, i, d, o, 0u32),
        [_, m, i, d, o, r] => (m, i, d, o, r.parse().map_err(|_| format!("bad RUNS `{r}`"))?),
        _ => return Err("usage: nn.wasm MODEL|preload:NAME INPUT DIMS OUTPUT [RUNS]".into()),
    };
    let builder = GraphBuilder::new(GraphEncoding::Onnx, ExecutionTarget::CPU);
    let graph = match model.strip_prefix("preload:") {
        Some(name) => builder.build_from_cache(name),
        None => {
            let bytes = std::fs::read(model).map_err(|e| format!("{model}: {e}"))?;
            builder.build_from_bytes([&bytes])
        }
    }
    .map_err(|e| format!("load: {e}"))?;
    let raw = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
    let data: Vec<f32> = raw
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let dims: Vec<usize> = dims
        .split(',')
        .map(|d| d.trim().parse().map_err(|_| format!("bad dimension `{d}`")))
        .collect::<Result<_, _>>()?;
    let mut ctx = graph
        .init_execution_context()
        .map_err(|e| format!("init_execution_context: {e}"))?;
    ctx.set_input(0, TensorType::F32, &dims, &data)
        .map_err(|e| format!("set_input: {e}"))?;
    ctx.compute().map_err(|e| format!("compute: {e}"))?;
    let mut out = vec![0u8; 1 << 22];
    let n = ctx
        .get_output(0, &mut out)
        .map_err(|e| format!("get_output: {e}"))?;
    std::fs::write(output, &out[..n]).map_err(|e| format!("{output}: {e}"))?;
    if runs > 0 {
        let start = std::time::Instant::now();
        for _ in 0..runs {
            ctx.set_input(0, TensorType::F32, &dims, &data)
                .map_err(|e| format!("set_input: {e}"))?;
            ctx.compute().map_err(|e| format!("compute: {e}"))?;
            ctx.get_output(0, &mut out)
                .map_err(|e| format!("get_output: {e}"))?;
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
        println!("per run: {ms:.3} ms");
    }
    Ok(n)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match run(&args) {
        Ok(n) => {
            println!("output: {n} bytes");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nn: {e}");
            ExitCode::from(1)
        }
    }
}
