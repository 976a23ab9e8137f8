//! WasmEdge's numbering of graph encodings, execution targets and tensor types (>= 0.15).

use crate::errno::{Errno, NnResult};

/// Graph encodings by WasmEdge's numbering, with the names `--nn-preload` accepts.
pub const ENCODINGS: &[(u32, &str)] = &[
    (0, "openvino"),
    (1, "onnx"),
    (2, "tensorflow"),
    (3, "pytorch"),
    (4, "tensorflowlite"),
    (5, "autodetect"),
    (6, "ggml"),
    (7, "neuralspeed"),
    (9, "whisper"),
    (10, "mlx"),
    (11, "piper"),
    (12, "chattts"),
    (13, "openvinogenai"),
    (14, "bitnet"),
];

/// Encoding number of ONNX.
pub const ENCODING_ONNX: u32 = 1;

/// Encoding number of GGML (GGUF language models).
pub const ENCODING_GGML: u32 = 6;

/// The encoding number of a `--nn-preload` name (case-insensitive).
pub fn encoding_by_name(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    if lower == "pytorchaoti" {
        return Some(3);
    }
    ENCODINGS.iter().find(|(_, n)| *n == lower).map(|(v, _)| *v)
}

/// Execution target names by number (CPU = 0, GPU = 1, TPU = 2, AUTO = 3).
pub const TARGETS: &[&str] = &["cpu", "gpu", "tpu", "auto"];

/// The target number of a `--nn-preload` name (case-insensitive).
pub fn target_by_name(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    TARGETS.iter().position(|t| *t == lower).map(|i| i as u32)
}

/// A tensor element type (WasmEdge >= 0.15 numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorType {
    /// 16-bit float (0).
    F16,
    /// 32-bit float (1).
    F32,
    /// 64-bit float (2).
    F64,
    /// Unsigned byte (3).
    U8,
    /// 32-bit integer (4).
    I32,
    /// 64-bit integer (5).
    I64,
}

impl TensorType {
    /// The type a guest's `set_input` names; only the low byte counts (guests built with the
    /// low-level bindings leave garbage in the padding). F64 and I64 are refused as input,
    /// as in WasmEdge.
    pub fn for_input(raw: u32) -> NnResult<TensorType> {
        match raw & 0xff {
            0 => Ok(TensorType::F16),
            1 => Ok(TensorType::F32),
            3 => Ok(TensorType::U8),
            4 => Ok(TensorType::I32),
            _ => Err(Errno::InvalidArgument),
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            TensorType::F16 => 2,
            TensorType::F32 | TensorType::I32 => 4,
            TensorType::F64 | TensorType::I64 => 8,
            TensorType::U8 => 1,
        }
    }
}
