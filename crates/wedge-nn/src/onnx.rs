//! The ONNX encoding (1): picks the backend for each `load` (tract, built in, or ONNX
//! Runtime, loaded at run time) from the environment, and dispatches to it.
//!
//! - `WEDGE_NN_ONNX_BACKEND`: `tract`, `ort` or `auto` (the default: ONNX Runtime when its
//!   library loads and it takes the model, else tract).
//! - `WEDGE_NN_ORT_LIB` (or ONNX Runtime's own `ORT_DYLIB_PATH`): the `libonnxruntime.so` to
//!   load; without either, `libonnxruntime.so` on the system's library search path.
//! - `WEDGE_NN_ORT_THREADS`: ONNX Runtime's intra-op threads (default 1; 0 = its own
//!   default, one per physical core).

use crate::errno::{Errno, NnResult};
use crate::onnx_ort::{self, OrtGraph};
use crate::onnx_tract::TractGraph;
use crate::tensor::InputTensor;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// A loaded ONNX model, on the backend chosen at load.
pub enum OnnxGraph {
    /// On tract.
    Tract(TractGraph),
    /// On ONNX Runtime.
    Ort(OrtGraph),
}

/// Which backend the environment asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Choice {
    Tract,
    Ort,
    Auto,
}

/// The intra-op thread count for ONNX Runtime when `WEDGE_NN_ORT_THREADS` is not set:
/// one, like tract (on a busy machine more threads mostly wait for each other; see
/// docs/WASI-NN.md "Speed").
const DEFAULT_ORT_THREADS: usize = 1;

impl OnnxGraph {
    /// Loads a model (its one builder, the `.onnx` bytes) on the chosen backend.
    pub fn load(builders: &[Vec<u8>]) -> NnResult<OnnxGraph> {
        let choice = match std::env::var("WEDGE_NN_ONNX_BACKEND").as_deref() {
            Err(_) | Ok("") | Ok("auto") => Choice::Auto,
            Ok("tract") => Choice::Tract,
            Ok("ort") => Choice::Ort,
            Ok(other) => {
                eprintln!(
                    "wasi_ephemeral_nn: WEDGE_NN_ONNX_BACKEND={other} is not tract, ort or auto"
                );
                return Err(Errno::InvalidEncoding);
            }
        };
        if choice == Choice::Tract {
            return TractGraph::load(builders).map(OnnxGraph::Tract);
        }
        let (path, named) = ort_library();
        match onnx_ort::runtime(&path) {
            Ok(env) => match OrtGraph::load(env, builders, ort_threads()) {
                Ok(graph) => Ok(OnnxGraph::Ort(graph)),
                // `auto` gives tract a try on models ONNX Runtime refuses (e.g. operators of
                // opsets before 7, which it no longer implements).
                Err(e) if choice == Choice::Ort => Err(e),
                Err(e) => TractGraph::load(builders)
                    .map(OnnxGraph::Tract)
                    .map_err(|_| e),
            },
            Err(why) if choice == Choice::Ort => {
                eprintln!("wasi_ephemeral_nn: WEDGE_NN_ONNX_BACKEND=ort: {why}");
                Err(Errno::InvalidEncoding)
            }
            Err(why) => {
                // A library that was named but does not load is worth a word (once); none
                // found on the search path is the ordinary tract-only setup.
                static TOLD: AtomicBool = AtomicBool::new(false);
                if named && !TOLD.swap(true, Ordering::Relaxed) {
                    eprintln!("wasi_ephemeral_nn: {why}; using tract for ONNX");
                }
                TractGraph::load(builders).map(OnnxGraph::Tract)
            }
        }
    }

    /// How many inputs the model takes.
    pub fn input_count(&self) -> usize {
        match self {
            OnnxGraph::Tract(g) => g.input_count(),
            OnnxGraph::Ort(g) => g.input_count(),
        }
    }

    /// Runs the model on `inputs` (one per model input, in order); the outputs' bytes.
    pub fn compute(&self, inputs: &[InputTensor]) -> NnResult<Vec<Vec<u8>>> {
        match self {
            OnnxGraph::Tract(g) => g.compute(inputs),
            OnnxGraph::Ort(g) => g.compute(inputs),
        }
    }
}

/// The ONNX Runtime library to load, and whether the environment named it.
fn ort_library() -> (PathBuf, bool) {
    for var in ["WEDGE_NN_ORT_LIB", "ORT_DYLIB_PATH"] {
        if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            return (PathBuf::from(p), true);
        }
    }
    let name = format!(
        "{}onnxruntime{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    (PathBuf::from(name), false)
}

/// ONNX Runtime's intra-op threads (`WEDGE_NN_ORT_THREADS`, else the default).
fn ort_threads() -> usize {
    std::env::var("WEDGE_NN_ORT_THREADS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_ORT_THREADS)
}
