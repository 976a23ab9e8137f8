//! candle's side of the engine comparison in `benches/llm.sh`: runs a GGUF llama model with
//! `candle-transformers`' quantized llama on the CPU, on prompt token ids taken from llama.cpp
//! (`llm_native --print-prompt-tokens`), greedy, a fixed number of generated tokens, with the
//! same timing points and `stats:` line as `crates/wedge-nn/examples/llm_native.rs`.
//! Threads: `RAYON_NUM_THREADS` (candle's matmul pool follows it).
//!
//! ```text
//! llm-candle run MODEL TOKEN_IDS N_PREDICT      # TOKEN_IDS: comma-separated
//! llm-candle requantize IN OUT q4_0|q8_0         # every quantized 2-D weight to that type
//! llm-candle info MODEL                          # tensor types of a GGUF
//! ```

mod generate;
mod gguf_info;
mod pieces;
mod requantize;

use std::process::ExitCode;

const USAGE: &str =
    "usage: llm-candle run MODEL TOKEN_IDS N_PREDICT | requantize IN OUT q4_0|q8_0 | info MODEL";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["run", model, tokens, n_predict] => generate::run(model, tokens, n_predict),
        ["requantize", input, output, dtype] => requantize::run(input, output, dtype),
        ["info", model] => gguf_info::run(model),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("llm-candle: {e}");
            ExitCode::FAILURE
        }
    }
}
