//! The ONNX backend on tract (pure Rust): models are parsed at `load` and optimised for the
//! input shapes of the first `compute` (re-planned when the shapes change).

use crate::errno::{Errno, NnResult};
use crate::tensor::InputTensor;
use crate::types::TensorType;
use std::sync::{Arc, Mutex};
use tract_onnx::prelude::*;

/// An optimised plan and the input shapes it was made for.
type Plan = (Vec<(Vec<usize>, DatumType)>, Arc<TypedRunnableModel>);

/// A loaded ONNX model.
pub struct TractGraph {
    model: InferenceModel,
    inputs: usize,
    plan: Mutex<Option<Plan>>,
}

impl TractGraph {
    /// Parses a model from its one builder (the `.onnx` bytes).
    pub fn load(builders: &[Vec<u8>]) -> NnResult<TractGraph> {
        let [bytes] = builders else {
            return Err(Errno::InvalidArgument);
        };
        let model = tract_onnx::onnx()
            .model_for_read(&mut bytes.as_slice())
            .map_err(|_| Errno::InvalidArgument)?;
        let inputs = model
            .input_outlets()
            .map_err(|_| Errno::InvalidArgument)?
            .len();
        Ok(TractGraph {
            model,
            inputs,
            plan: Mutex::new(None),
        })
    }

    /// How many inputs the model takes.
    pub fn input_count(&self) -> usize {
        self.inputs
    }

    /// Runs the model on `inputs` (one per model input, in order); the outputs' bytes.
    pub fn compute(&self, inputs: &[InputTensor]) -> NnResult<Vec<Vec<u8>>> {
        if inputs.len() != self.inputs {
            return Err(Errno::InvalidArgument);
        }
        let shapes: Vec<(Vec<usize>, DatumType)> = inputs
            .iter()
            .map(|t| (t.dims.clone(), datum_type(t.ty)))
            .collect();
        let plan = self.plan_for(&shapes)?;
        let values: TVec<TValue> = inputs
            .iter()
            .map(to_tensor)
            .collect::<NnResult<Vec<Tensor>>>()?
            .into_iter()
            .map(TValue::from)
            .collect();
        let outputs = plan.run(values).map_err(|_| Errno::RuntimeError)?;
        outputs
            .iter()
            .map(|t| {
                if t.datum_type().is_copy() {
                    Ok(t.as_bytes().to_vec())
                } else {
                    Err(Errno::UnsupportedOperation)
                }
            })
            .collect()
    }

    /// The plan for these input shapes (the cached one, or a new one).
    fn plan_for(&self, shapes: &[(Vec<usize>, DatumType)]) -> NnResult<Arc<TypedRunnableModel>> {
        let mut cached = self.plan.lock().map_err(|_| Errno::RuntimeError)?;
        if let Some((s, plan)) = cached.as_ref() {
            if s == shapes {
                return Ok(plan.clone());
            }
        }
        let mut model = self.model.clone();
        for (i, (dims, dt)) in shapes.iter().enumerate() {
            model = model
                .with_input_fact(i, InferenceFact::dt_shape(*dt, dims.as_slice()))
                .map_err(|_| Errno::InvalidArgument)?;
        }
        // Shapes or types the model cannot take fail here.
        let plan = model
            .into_optimized()
            .and_then(|m| m.into_runnable())
            .map_err(|_| Errno::InvalidArgument)?;
        *cached = Some((shapes.to_vec(), plan.clone()));
        Ok(plan)
    }
}

/// tract's element type for a WASI-NN tensor type.
fn datum_type(ty: TensorType) -> DatumType {
    match ty {
        TensorType::F16 => DatumType::F16,
        TensorType::F32 => DatumType::F32,
        TensorType::F64 => DatumType::F64,
        TensorType::U8 => DatumType::U8,
        TensorType::I32 => DatumType::I32,
        TensorType::I64 => DatumType::I64,
    }
}

/// A tract tensor from the guest's little-endian bytes (length already checked).
fn to_tensor(t: &InputTensor) -> NnResult<Tensor> {
    let d = &t.data;
    let tensor = match t.ty {
        TensorType::F16 => {
            let v: Vec<f16> = d
                .chunks_exact(2)
                .map(|c| f16::from_bits(u16::from_le_bytes([c[0], c[1]])))
                .collect();
            Tensor::from_shape(&t.dims, &v)
        }
        TensorType::F32 => {
            let v: Vec<f32> = d
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            Tensor::from_shape(&t.dims, &v)
        }
        TensorType::U8 => Tensor::from_shape(&t.dims, d),
        TensorType::I32 => {
            let v: Vec<i32> = d
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            Tensor::from_shape(&t.dims, &v)
        }
        TensorType::F64 | TensorType::I64 => return Err(Errno::InvalidArgument),
    };
    tensor.map_err(|_| Errno::InvalidArgument)
}
