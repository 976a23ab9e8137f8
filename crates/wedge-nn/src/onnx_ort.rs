//! The ONNX backend on ONNX Runtime (the `ort` crate): the library is loaded at run time
//! (dlopen) from the path the environment names, once per process; each graph is an ONNX
//! Runtime session.

use crate::errno::{Errno, NnResult};
use crate::tensor::InputTensor;
use crate::types::TensorType;
use ort::environment::Environment;
use ort::error::ErrorCode;
use ort::logging::LogLevel;
use ort::memory::Allocator;
use ort::session::{Session, SessionInputValue};
use ort::value::{DynTensor, DynTensorValueType, TensorElementType, ValueRef, ValueType};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// The process's ONNX Runtime environment, once its library has loaded.
static RUNTIME: OnceLock<Environment> = OnceLock::new();

/// Loads ONNX Runtime from `path` unless it is loaded already (then `path` is ignored); a
/// failure is not remembered, so a later call may name another library.
pub fn runtime(path: &Path) -> Result<&'static Environment, String> {
    static LOADING: Mutex<()> = Mutex::new(());
    if let Some(env) = RUNTIME.get() {
        return Ok(env);
    }
    let _one_at_a_time = LOADING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(env) = RUNTIME.get() {
        return Ok(env);
    }
    let builder = ort::init_from(path)
        .map_err(|e| format!("cannot load ONNX Runtime from {}: {e}", path.display()))?;
    let env = builder.with_name("wedge-nn").build().map_err(|e| {
        format!(
            "ONNX Runtime from {} gave no environment: {e}",
            path.display()
        )
    })?;
    Ok(RUNTIME.get_or_init(|| env))
}

/// What a model input takes: element type and dimensions (-1 where any size goes).
struct InputSpec {
    ty: TensorElementType,
    dims: Vec<i64>,
}

/// A loaded ONNX model: an ONNX Runtime session (run by one caller at a time).
pub struct OrtGraph {
    session: Mutex<Session>,
    inputs: Vec<InputSpec>,
}

impl OrtGraph {
    /// Makes a session from the one builder (the `.onnx` bytes) with `threads` intra-op
    /// threads (0: ONNX Runtime's default, one per physical core).
    pub fn load(env: &Environment, builders: &[Vec<u8>], threads: usize) -> NnResult<OrtGraph> {
        let [bytes] = builders else {
            return Err(Errno::InvalidArgument);
        };
        let mut builder = Session::builder(env)
            .and_then(|b| b.with_log_level(LogLevel::Fatal).map_err(Into::into))
            .and_then(|b| b.with_intra_threads(threads).map_err(Into::into))
            .and_then(|b| b.with_inter_threads(1).map_err(Into::into))
            .map_err(|_| Errno::RuntimeError)?;
        // ONNX Runtime reports a corrupt or unsupported model as an error (its C API catches
        // the C++ exceptions), which is InvalidArgument as with tract.
        let session = builder
            .commit_from_memory(bytes)
            .map_err(|_| Errno::InvalidArgument)?;
        let inputs = session
            .inputs()
            .iter()
            .map(|i| match i.dtype() {
                ValueType::Tensor { ty, shape, .. } => Ok(InputSpec {
                    ty: *ty,
                    dims: shape.iter().copied().collect(),
                }),
                _ => Err(Errno::UnsupportedOperation),
            })
            .collect::<NnResult<Vec<_>>>()?;
        Ok(OrtGraph {
            session: Mutex::new(session),
            inputs,
        })
    }

    /// How many inputs the model takes.
    pub fn input_count(&self) -> usize {
        self.inputs.len()
    }

    /// Runs the model on `inputs` (one per model input, in order); the outputs' bytes.
    pub fn compute(&self, inputs: &[InputTensor]) -> NnResult<Vec<Vec<u8>>> {
        if inputs.len() != self.inputs.len() {
            return Err(Errno::InvalidArgument);
        }
        let values = inputs
            .iter()
            .zip(&self.inputs)
            .map(|(t, spec)| to_value(t, spec).map(SessionInputValue::from))
            .collect::<NnResult<Vec<_>>>()?;
        let mut session = self.session.lock().map_err(|_| Errno::RuntimeError)?;
        let outputs = session.run(values.as_slice()).map_err(|e| match e.code() {
            ErrorCode::InvalidArgument => Errno::InvalidArgument,
            _ => Errno::RuntimeError,
        })?;
        outputs.values().map(output_bytes).collect()
    }
}

/// ONNX Runtime's element type for a WASI-NN tensor type.
fn element_type(ty: TensorType) -> TensorElementType {
    match ty {
        TensorType::F16 => TensorElementType::Float16,
        TensorType::F32 => TensorElementType::Float32,
        TensorType::F64 => TensorElementType::Float64,
        TensorType::U8 => TensorElementType::Uint8,
        TensorType::I32 => TensorElementType::Int32,
        TensorType::I64 => TensorElementType::Int64,
    }
}

/// An ONNX Runtime tensor holding the guest's bytes, if the model input takes its type and
/// shape (InvalidArgument otherwise, as tract refuses such a tensor).
fn to_value(t: &InputTensor, spec: &InputSpec) -> NnResult<DynTensor> {
    let ty = element_type(t.ty);
    let fits = ty == spec.ty
        && t.dims.len() == spec.dims.len()
        && t.dims
            .iter()
            .zip(&spec.dims)
            .all(|(&d, &want)| want < 0 || d as i64 == want);
    if !fits {
        return Err(Errno::InvalidArgument);
    }
    let shape: Vec<i64> = t.dims.iter().map(|&d| d as i64).collect();
    let mut value =
        DynTensor::new(&Allocator::default(), ty, shape).map_err(|_| Errno::MissingMemory)?;
    if !t.data.is_empty() {
        let dst = value.data_ptr_mut().cast::<u8>();
        // SAFETY: ONNX Runtime allocated the tensor on the CPU for these dims and this type,
        // i.e. dims product times element size bytes, which `read_tensor` checked is exactly
        // `t.data.len()`; the regions are distinct allocations.
        unsafe { std::ptr::copy_nonoverlapping(t.data.as_ptr(), dst, t.data.len()) };
    }
    Ok(value)
}

/// The little-endian bytes of an output tensor (UnsupportedOperation for strings, maps and
/// sequences, which have no raw bytes).
fn output_bytes(value: ValueRef<'_>) -> NnResult<Vec<u8>> {
    let tensor = value
        .downcast::<DynTensorValueType>()
        .map_err(|_| Errno::UnsupportedOperation)?;
    if *tensor.data_type() == TensorElementType::String {
        return Err(Errno::UnsupportedOperation);
    }
    let len = tensor.size().ok_or(Errno::UnsupportedOperation)?;
    let src = tensor.data_ptr().cast::<u8>();
    if len == 0 || src.is_null() {
        return Ok(Vec::new());
    }
    // SAFETY: the CPU execution provider's output tensor holds `len` bytes (its element
    // count times the element size) at `src`, alive while `value` is borrowed.
    Ok(unsafe { std::slice::from_raw_parts(src, len) }.to_vec())
}
