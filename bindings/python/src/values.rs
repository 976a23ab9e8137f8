//! Converting values between Python and WebAssembly.
//!
//! i32/i64 are Python ints (signed or unsigned in range), f32/f64 floats, v128 an int of 128
//! bits, funcref a `Func` or None, externref any Python object or None; other references
//! (anyref, exnref, ...) come out as opaque `Ref` objects that can be passed back.

use crate::error::wedge_err;
use crate::func::Func;
use crate::store::StoreData;
use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use wedge::{Val, ValType};

/// The host data of an externref made from a Python object.
pub struct PyData(pub Py<PyAny>);

/// A reference Python has no better type for (anyref, exnref, an externalized internal
/// reference); pass it back to wasm as is.
#[pyclass(frozen, module = "wedge")]
pub struct Ref {
    val: Val,
    store_id: u64,
}

#[pymethods]
impl Ref {
    fn __repr__(&self) -> String {
        match self.val {
            Val::AnyRef(Some(r)) => match r.as_i31() {
                Some(i) => format!("<Ref i31 {i}>"),
                None => "<Ref any>".into(),
            },
            Val::ExnRef(_) => "<Ref exn>".into(),
            _ => "<Ref extern>".into(),
        }
    }
}

fn int_range(obj: &Bound<'_, PyAny>, bits: u32) -> PyResult<u64> {
    if let Ok(v) = obj.extract::<i64>() {
        let min = -(1i128 << (bits - 1));
        let max = (1i128 << bits) - 1;
        if (v as i128) < min || (v as i128) > max {
            return Err(PyOverflowError::new_err(format!(
                "{v} does not fit in i{bits}"
            )));
        }
        return Ok(v as u64);
    }
    if bits == 64 {
        if let Ok(v) = obj.extract::<u64>() {
            return Ok(v);
        }
    }
    Err(PyTypeError::new_err(format!(
        "expected an int that fits in i{bits}, got {}",
        obj.get_type().name()?
    )))
}

/// Converts a Python number to a value of the numeric type `ty` (not a reference type).
pub fn number(obj: &Bound<'_, PyAny>, ty: ValType) -> PyResult<Val> {
    Ok(match ty {
        ValType::I32 => Val::I32(int_range(obj, 32)? as u32 as i32),
        ValType::I64 => Val::I64(int_range(obj, 64)? as i64),
        ValType::F32 => Val::F32((obj.extract::<f64>()? as f32).to_bits()),
        ValType::F64 => Val::F64(obj.extract::<f64>()?.to_bits()),
        ValType::V128 => match obj.extract::<u128>() {
            Ok(v) => Val::V128(v),
            Err(_) => Val::V128(obj.extract::<i128>()? as u128),
        },
        ValType::Ref(_) => return Err(PyTypeError::new_err(format!("{ty} is not a number type"))),
    })
}

/// Converts a Python object to a value of type `ty`.
pub fn to_val(
    store: &mut wedge::Store<StoreData>,
    obj: &Bound<'_, PyAny>,
    ty: ValType,
) -> PyResult<Val> {
    Ok(match ty {
        ValType::Ref(r) => {
            if obj.is_none() {
                return Ok(Val::null_of(r));
            }
            let id = store.data().id;
            if let Ok(f) = obj.cast::<Func>() {
                let f = f.get();
                check_id(f.store_id, id)?;
                return Ok(Val::FuncRef(Some(f.func)));
            }
            if let Ok(o) = obj.cast::<Ref>() {
                let o = o.get();
                check_id(o.store_id, id)?;
                return Ok(o.val);
            }
            if r.is_extern() {
                let data = PyData(obj.clone().unbind());
                return Ok(Val::ExternRef(Some(wedge::ExternRef::new(store, data))));
            }
            return Err(PyTypeError::new_err(format!(
                "cannot pass a {} as {ty}",
                obj.get_type().name()?
            )));
        }
        _ => number(obj, ty)?,
    })
}

fn check_id(object: u64, store: u64) -> PyResult<()> {
    if object == store {
        Ok(())
    } else {
        Err(wedge_err(
            "a wedge object was used with a store it does not belong to",
        ))
    }
}

/// Converts a value to a Python object.
pub fn from_val(
    py: Python<'_>,
    store: &mut wedge::Store<StoreData>,
    val: Val,
) -> PyResult<Py<PyAny>> {
    let store_id = store.data().id;
    Ok(match val {
        Val::I32(v) => v.into_pyobject(py)?.into_any().unbind(),
        Val::I64(v) => v.into_pyobject(py)?.into_any().unbind(),
        Val::F32(bits) => f32::from_bits(bits).into_pyobject(py)?.into_any().unbind(),
        Val::F64(bits) => f64::from_bits(bits).into_pyobject(py)?.into_any().unbind(),
        Val::V128(v) => v.into_pyobject(py)?.into_any().unbind(),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
            py.None()
        }
        Val::FuncRef(Some(func)) => {
            let ty = func.ty(&*store);
            Py::new(py, Func { func, ty, store_id })?.into_any()
        }
        Val::ExternRef(Some(r)) => match r.data(&*store).and_then(|d| d.downcast_ref::<PyData>()) {
            Some(d) => d.0.clone_ref(py),
            None => Py::new(py, Ref { val, store_id })?.into_any(),
        },
        Val::AnyRef(Some(_)) | Val::ExnRef(Some(_)) => {
            Py::new(py, Ref { val, store_id })?.into_any()
        }
    })
}
