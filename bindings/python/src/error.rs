//! Python exceptions for Wedge errors and traps.

use crate::store::StoreData;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyList;

pyo3::create_exception!(
    wedge,
    WedgeError,
    PyException,
    "An error from Wedge: an invalid module, a failed link, wrong arguments, misuse of a store."
);
pyo3::create_exception!(
    wedge,
    Trap,
    WedgeError,
    "WebAssembly execution stopped: `kind`, `message`, `frames` (the wasm backtrace, innermost first) and `exit_code` tell why."
);
pyo3::create_exception!(
    wedge,
    ExitTrap,
    Trap,
    "The WASI guest called proc_exit; `code` is its exit status."
);

/// One frame of a trap's wasm backtrace.
#[pyclass(frozen, module = "wedge", get_all)]
pub struct Frame {
    /// Function index within its module.
    pub func_index: u32,
    /// Function name from the name section, if any.
    pub func_name: Option<String>,
    /// Module name from the name section, if any.
    pub module_name: Option<String>,
}

#[pymethods]
impl Frame {
    fn __repr__(&self) -> String {
        let name = self.func_name.as_deref().unwrap_or("?");
        match &self.module_name {
            Some(m) => format!("<Frame {m}!{name} (func {})>", self.func_index),
            None => format!("<Frame {name} (func {})>", self.func_index),
        }
    }
}

/// A `WedgeError` with a message.
pub fn wedge_err(message: impl Into<String>) -> PyErr {
    WedgeError::new_err(message.into())
}

/// The snake_case name of a trap kind (`TrapKind::GasExhausted` -> "gas_exhausted").
fn kind_name(kind: wedge::TrapKind) -> String {
    let mut out = String::new();
    for (i, c) in format!("{kind:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The Python exception for a trap: `Trap`, or `ExitTrap` for a WASI exit.
pub fn trap_err(py: Python<'_>, trap: &wedge::Trap) -> PyErr {
    let text = trap.to_string();
    let err = match trap.exit_code() {
        Some(_) => ExitTrap::new_err(text.clone()),
        None => Trap::new_err(text.clone()),
    };
    if let Err(e) = describe(py, &err, trap, &text) {
        return e;
    }
    err
}

/// Sets the attributes of a trap exception.
fn describe(py: Python<'_>, err: &PyErr, trap: &wedge::Trap, text: &str) -> PyResult<()> {
    let value = err.value(py);
    let message = text.lines().next().unwrap_or_default();
    value.setattr("kind", kind_name(trap.kind()))?;
    value.setattr("message", message)?;
    value.setattr("frames", frames(py, trap)?)?;
    value.setattr("exit_code", trap.exit_code())?;
    if let Some(code) = trap.exit_code() {
        value.setattr("code", code)?;
    }
    Ok(())
}

/// The backtrace of a trap as a list of `Frame`s.
fn frames<'py>(py: Python<'py>, trap: &wedge::Trap) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for f in trap.backtrace() {
        list.append(Frame {
            func_index: f.func_index,
            func_name: f.func_name.clone(),
            module_name: f.module_name.clone(),
        })?;
    }
    Ok(list)
}

/// The Python exception for an error of a call into wasm in `store`.
///
/// A trap raised by a Python host function gives back that function's own exception (with
/// the wasm backtrace added as a note), so callers catch what the callback raised.
pub fn call_err(py: Python<'_>, store: &mut wedge::Store<StoreData>, e: wedge::Error) -> PyErr {
    let pending = store.data_mut().pending.take();
    match e {
        wedge::Error::Trap(trap) => match pending {
            Some(original) if trap.kind() == wedge::TrapKind::Host => {
                if !trap.backtrace().is_empty() {
                    let text = trap.to_string();
                    let trace = text.split_once('\n').map(|(_, t)| t).unwrap_or_default();
                    let _ = original.value(py).call_method1("add_note", (trace,));
                }
                original
            }
            _ => trap_err(py, &trap),
        },
        other => wedge_err(other.to_string()),
    }
}

/// A `WedgeError` for an error outside calls (loading, linking without running code).
pub fn plain_err(e: wedge::Error) -> PyErr {
    match e {
        wedge::Error::Trap(trap) => Python::attach(|py| trap_err(py, &trap)),
        other => wedge_err(other.to_string()),
    }
}
