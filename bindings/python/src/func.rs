//! Functions: calling wasm from Python, and Python callables as host functions.

use crate::error::{call_err, wedge_err};
use crate::store::{run_wasm, store_of, Caller, Store, StoreData};
use crate::types::FuncType;
use crate::values::{from_val, to_val};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::sync::atomic::{AtomicPtr, Ordering::SeqCst};
use wedge::{AsContextMut, Val, ValType};

/// A function in a store (exported by an instance, or a Python host function).
///
/// Call it with its store and arguments: `func(store, 1, 2)`; it returns None, the one
/// result, or a tuple of results.
#[pyclass(frozen, module = "wedge")]
pub struct Func {
    pub func: wedge::Func,
    pub ty: wedge::FuncType,
    pub store_id: u64,
}

/// Raw slots a numeric call passes on the stack (more go through the general path).
const NUMERIC_SLOTS: usize = 8;

/// Whether a call of this signature can pass raw slots (numbers only, few enough).
fn numeric(ty: &wedge::FuncType) -> bool {
    let slots = |ts: &[ValType]| {
        ts.iter()
            .map(|t| if *t == ValType::V128 { 2 } else { 1 })
            .sum::<usize>()
    };
    !ty.params()
        .iter()
        .chain(ty.results())
        .any(|t| matches!(t, ValType::Ref(_)))
        && slots(ty.params()).max(slots(ty.results())) <= NUMERIC_SLOTS
}

/// Converts a Python number to the raw slot(s) of a value of type `ty`.
fn to_slots(obj: &Bound<'_, PyAny>, ty: ValType, io: &mut [u64]) -> PyResult<usize> {
    match crate::values::number(obj, ty)? {
        Val::I32(x) => io[0] = x as u32 as u64,
        Val::I64(x) => io[0] = x as u64,
        Val::F32(x) => io[0] = x as u64,
        Val::F64(x) => io[0] = x,
        Val::V128(x) => {
            io[0] = x as u64;
            io[1] = (x >> 64) as u64;
            return Ok(2);
        }
        _ => unreachable!("numeric signatures have no references"),
    }
    Ok(1)
}

/// Reads the raw slot(s) of a result of type `ty` as a Python object.
fn from_slots(py: Python<'_>, ty: ValType, io: &[u64]) -> PyResult<Py<PyAny>> {
    Ok(match ty {
        ValType::I32 => (io[0] as u32 as i32).into_pyobject(py)?.into_any().unbind(),
        ValType::I64 => (io[0] as i64).into_pyobject(py)?.into_any().unbind(),
        ValType::F32 => f32::from_bits(io[0] as u32)
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        ValType::F64 => f64::from_bits(io[0]).into_pyobject(py)?.into_any().unbind(),
        ValType::V128 => (io[0] as u128 | (io[1] as u128) << 64)
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        ValType::Ref(_) => unreachable!("numeric signatures have no references"),
    })
}

#[pymethods]
impl Func {
    /// `Func(store, functype, callable, access_caller=False)`: a host function. With
    /// `access_caller` the callable gets a `Caller` first, then the wasm arguments.
    #[new]
    #[pyo3(signature = (store, ty, callable, access_caller=false))]
    fn new(
        store: &Bound<'_, PyAny>,
        ty: &FuncType,
        callable: Py<PyAny>,
        access_caller: bool,
    ) -> PyResult<Self> {
        let store = store_of(store)?;
        let ty = ty.ty.clone();
        Store::with(&store, |s| {
            let store_id = s.data().id;
            let func = wedge::Func::new(
                &mut *s,
                ty.clone(),
                host_fn(callable, ty.clone(), access_caller),
            );
            Ok(Func { func, ty, store_id })
        })
    }

    /// The function's signature.
    #[getter]
    fn r#type(&self) -> FuncType {
        FuncType {
            ty: self.ty.clone(),
        }
    }

    /// Calls the function: `func(store, *args)`.
    #[pyo3(signature = (store, *args))]
    fn __call__(
        &self,
        py: Python<'_>,
        store: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        let store = store_of(store)?;
        let this = store.get();
        this.check(self.store_id)?;
        let params_ty = self.ty.params();
        if args.len() != params_ty.len() {
            return Err(PyTypeError::new_err(format!(
                "the function takes {} arguments, got {}",
                params_ty.len(),
                args.len()
            )));
        }
        if numeric(&self.ty) {
            return self.call_numeric(py, &store, args);
        }
        Store::with(&store, |s| {
            let mut params = Vec::with_capacity(params_ty.len());
            for (arg, ty) in args.iter().zip(params_ty) {
                params.push(to_val(s, &arg, *ty)?);
            }
            let mut results = vec![Val::I32(0); self.ty.results().len()];
            let func = self.func;
            run_wasm(py, this, s, |s| func.call(s, &params, &mut results))
                .map_err(|e| call_err(py, s, e))?;
            match results.len() {
                0 => Ok(py.None()),
                1 => from_val(py, s, results[0]),
                _ => {
                    let items = results
                        .iter()
                        .map(|v| from_val(py, s, *v))
                        .collect::<PyResult<Vec<_>>>()?;
                    Ok(PyTuple::new(py, items)?.into_any().unbind())
                }
            }
        })
    }

    fn __repr__(&self) -> String {
        format!("<Func {}>", self.ty)
    }
}

impl Func {
    /// The fast path of `__call__` for numeric signatures: raw slots on the stack, no boxing.
    fn call_numeric(
        &self,
        py: Python<'_>,
        store: &Bound<'_, Store>,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        let mut io = [0u64; NUMERIC_SLOTS];
        let mut at = 0;
        for (arg, ty) in args.iter().zip(self.ty.params()) {
            at += to_slots(&arg, *ty, &mut io[at..])?;
        }
        let this = store.get();
        Store::with(store, |s| {
            let func = self.func;
            run_wasm(py, this, s, |s| func.call_numeric(s, &mut io))
                .map_err(|e| call_err(py, s, e))?;
            let results = self.ty.results();
            match results.len() {
                0 => Ok(py.None()),
                1 => from_slots(py, results[0], &io),
                _ => {
                    let mut at = 0;
                    let mut items = Vec::with_capacity(results.len());
                    for ty in results {
                        items.push(from_slots(py, *ty, &io[at..])?);
                        at += if *ty == ValType::V128 { 2 } else { 1 };
                    }
                    Ok(PyTuple::new(py, items)?.into_any().unbind())
                }
            }
        })
    }
}

/// The closure Wedge runs for a Python host function.
pub fn host_fn(
    callable: Py<PyAny>,
    ty: wedge::FuncType,
    access_caller: bool,
) -> impl Fn(wedge::Caller<'_, StoreData>, &[Val], &mut [Val]) -> Result<(), wedge::Trap>
       + Send
       + Sync
       + 'static {
    move |mut caller, params, results| {
        Python::attach(|py| {
            host_call(
                py,
                &callable,
                &ty,
                access_caller,
                &mut caller,
                params,
                results,
            )
        })
    }
}

/// Records a Python exception raised for a host call and makes the trap that unwinds wasm.
fn host_trap(caller: &mut wedge::Caller<'_, StoreData>, e: PyErr) -> wedge::Trap {
    let trap = wedge::Trap::host(format!("host function raised {e}"));
    caller.data_mut().pending = Some(e);
    trap
}

/// Runs a Python host function for wasm: arguments to Python, the call, results back.
fn host_call(
    py: Python<'_>,
    callable: &Py<PyAny>,
    ty: &wedge::FuncType,
    access_caller: bool,
    caller: &mut wedge::Caller<'_, StoreData>,
    params: &[Val],
    results: &mut [Val],
) -> Result<(), wedge::Trap> {
    let this = caller.data().this.0;
    if this.is_null() {
        return Err(wedge::Trap::host(
            "a Python host function ran outside a Python call",
        ));
    }
    // SAFETY: `this` is the store's Python object; wasm only runs inside `Store::with` on
    // it, which holds a reference to it until the call returns.
    let store: Bound<'_, Store> =
        unsafe { Bound::from_borrowed_ptr(py, this).cast_into_unchecked() };
    let mut args = Vec::with_capacity(params.len() + 1);
    let py_caller = if access_caller {
        let c = Caller {
            store: store.clone().unbind(),
            ptr: AtomicPtr::new(std::ptr::null_mut()),
        };
        match Py::new(py, c) {
            Ok(c) => {
                args.push(c.clone_ref(py).into_any());
                Some(c)
            }
            Err(e) => return Err(host_trap(caller, e)),
        }
    } else {
        None
    };
    for p in params {
        match from_val(py, caller.as_context_mut(), *p) {
            Ok(v) => args.push(v),
            Err(e) => return Err(host_trap(caller, e)),
        }
    }
    let raw: *mut wedge::Caller<'static, StoreData> =
        (caller as *mut wedge::Caller<'_, StoreData>).cast();
    let st = store.get();
    if let Some(c) = &py_caller {
        c.get().ptr.store(raw, SeqCst);
    }
    let previous = st.caller.swap(raw, SeqCst);
    let was_busy = st.busy.swap(false, SeqCst);
    let outcome = PyTuple::new(py, args).and_then(|args| callable.call1(py, args));
    st.busy.store(was_busy, SeqCst);
    st.caller.store(previous, SeqCst);
    if let Some(c) = &py_caller {
        c.get().ptr.store(std::ptr::null_mut(), SeqCst);
    }
    let out = match outcome {
        Ok(out) => out,
        Err(e) => return Err(host_trap(caller, e)),
    };
    if let Err(e) = store_results(caller.as_context_mut(), out.bind(py), ty, results) {
        return Err(host_trap(caller, e));
    }
    Ok(())
}

/// Converts what a host function returned into its results.
fn store_results(
    store: &mut wedge::Store<StoreData>,
    out: &Bound<'_, PyAny>,
    ty: &wedge::FuncType,
    results: &mut [Val],
) -> PyResult<()> {
    let types = ty.results();
    match types.len() {
        0 if out.is_none() => Ok(()),
        0 => Err(PyTypeError::new_err("the host function should return None")),
        1 => {
            results[0] = to_val(store, out, types[0])?;
            Ok(())
        }
        n => {
            let items: Vec<Bound<'_, PyAny>> = out
                .try_iter()
                .map_err(|_| wedge_err(format!("the host function should return {n} values")))?
                .collect::<PyResult<_>>()?;
            if items.len() != n {
                return Err(wedge_err(format!(
                    "the host function should return {n} values, returned {}",
                    items.len()
                )));
            }
            for ((slot, item), t) in results.iter_mut().zip(&items).zip(types) {
                *slot = to_val(store, item, *t)?;
            }
            Ok(())
        }
    }
}
