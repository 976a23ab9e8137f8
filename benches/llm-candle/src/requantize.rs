//! `requantize`: writes a copy of a GGUF model whose quantized weight matrices are converted to
//! another block type (dequantized to f32, then quantized), metadata kept, so that both engines
//! can be compared on a type that each has a SIMD kernel for.

use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::Device;

/// llama.cpp's `general.file_type` value ("mostly" that type) for the types offered here.
fn file_type(dtype: GgmlDType) -> u32 {
    match dtype {
        GgmlDType::Q4_0 => 2,
        _ => 7, // Q8_0
    }
}

/// Converts INPUT's quantized 2-D weights to DTYPE (`q4_0` or `q8_0`) and writes OUTPUT.
pub fn run(input: &str, output: &str, dtype: &str) -> Result<(), String> {
    let dtype = match dtype {
        "q4_0" => GgmlDType::Q4_0,
        "q8_0" => GgmlDType::Q8_0,
        _ => return Err(format!("unsupported type {dtype:?} (q4_0 or q8_0)")),
    };
    let device = Device::Cpu;
    let mut file = std::fs::File::open(input).map_err(|e| format!("{input}: {e}"))?;
    let content = gguf_file::Content::read(&mut file).map_err(|e| format!("{input}: {e}"))?;
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    let mut tensors: Vec<(String, QTensor)> = Vec::with_capacity(names.len());
    for name in names {
        let q = content
            .tensor(&mut file, name, &device)
            .map_err(|e| format!("{name}: {e}"))?;
        let quantized = !matches!(q.dtype(), GgmlDType::F32 | GgmlDType::F16 | GgmlDType::BF16);
        let q = if quantized && q.shape().rank() == 2 && q.dtype() != dtype {
            let f = q.dequantize(&device).map_err(|e| format!("{name}: {e}"))?;
            QTensor::quantize(&f, dtype).map_err(|e| format!("{name}: {e}"))?
        } else {
            q
        };
        tensors.push((name.clone(), q));
    }
    let ftype = gguf_file::Value::U32(file_type(dtype));
    let mut metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .filter(|(k, _)| k.as_str() != "general.file_type")
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    metadata.push(("general.file_type", &ftype));
    let tensors: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut out = std::fs::File::create(output).map_err(|e| format!("{output}: {e}"))?;
    gguf_file::write(&mut out, &metadata, &tensors).map_err(|e| format!("{output}: {e}"))?;
    Ok(())
}
