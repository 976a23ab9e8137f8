//! `info`: how many tensors of each type a GGUF file holds.

use candle_core::quantized::gguf_file;
use std::collections::BTreeMap;

/// Prints the tensor-type counts and the output/embedding tensors' types of MODEL.
pub fn run(model: &str) -> Result<(), String> {
    let mut file = std::fs::File::open(model).map_err(|e| format!("{model}: {e}"))?;
    let content = gguf_file::Content::read(&mut file).map_err(|e| format!("{model}: {e}"))?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (name, info) in &content.tensor_infos {
        *counts.entry(format!("{:?}", info.ggml_dtype)).or_default() += 1;
        if name == "token_embd.weight" || name == "output.weight" {
            println!("{name}: {:?} {:?}", info.ggml_dtype, info.shape.dims());
        }
    }
    for (dtype, n) in counts {
        println!("{dtype}: {n} tensors");
    }
    Ok(())
}
