//! `wedge`: Python bindings for the Wedge WebAssembly runtime (PyO3, abi3).
//!
//! The API follows Wasmtime's Python package: an `Engine` compiles `Module`s, a `Store`
//! holds instances and their objects, a `Linker` resolves imports (Python callables as host
//! functions, WASI), `Func`s are called with their store. Wasm runs with the GIL released;
//! see `store.rs` for how stores stay sound while it does.

mod engine;
mod error;
mod externs;
mod func;
mod linker;
mod module;
mod store;
mod types;
mod values;
mod wasi;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Converts WebAssembly text to a binary module.
#[pyfunction]
fn wat2wasm<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = wat::parse_str(text).map_err(|e| error::wedge_err(e.to_string()))?;
    Ok(PyBytes::new(py, &bytes))
}

/// The Python module.
#[pymodule(gil_used = true)]
fn wedge(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("WedgeError", py.get_type::<error::WedgeError>())?;
    m.add("Trap", py.get_type::<error::Trap>())?;
    m.add("ExitTrap", py.get_type::<error::ExitTrap>())?;
    m.add_class::<error::Frame>()?;
    m.add_class::<engine::Config>()?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<store::Store>()?;
    m.add_class::<store::Caller>()?;
    m.add_class::<store::InterruptHandle>()?;
    m.add_class::<module::Module>()?;
    m.add_class::<linker::Linker>()?;
    m.add_class::<linker::Instance>()?;
    m.add_class::<func::Func>()?;
    m.add_class::<externs::Memory>()?;
    m.add_class::<externs::Global>()?;
    m.add_class::<externs::Table>()?;
    m.add_class::<externs::Tag>()?;
    m.add_class::<values::Ref>()?;
    m.add_class::<types::ValType>()?;
    m.add_class::<types::FuncType>()?;
    m.add_class::<types::GlobalType>()?;
    m.add_class::<types::MemoryType>()?;
    m.add_class::<types::TableType>()?;
    m.add_class::<types::ImportType>()?;
    m.add_class::<types::ExportType>()?;
    m.add_class::<wasi::WasiConfig>()?;
    m.add_function(wrap_pyfunction!(wat2wasm, m)?)?;
    Ok(())
}
