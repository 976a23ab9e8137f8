//! Modules: decoding, validation, compilation, reflection and AOT serialization.

use crate::engine::Engine;
use crate::error::plain_err;
use crate::types::{ExportType, ImportType};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// A compiled WebAssembly module, ready to be instantiated in stores of its engine.
#[pyclass(frozen, module = "wedge")]
pub struct Module {
    pub module: wedge::Module,
}

/// The bytes of a module given as bytes-like (binary or text) or str (text).
fn module_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    obj.extract::<Vec<u8>>()
        .map_err(|_| PyTypeError::new_err("expected bytes (a binary module) or str (text format)"))
}

#[pymethods]
impl Module {
    /// `Module(engine, wasm)`: `wasm` is a binary module (bytes) or text (str or bytes).
    #[new]
    fn new(py: Python<'_>, engine: &Engine, wasm: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = module_bytes(wasm)?;
        let engine = engine.engine.clone();
        let module = py
            .detach(|| wedge::Module::new(&engine, bytes))
            .map_err(plain_err)?;
        Ok(Module { module })
    }

    /// Loads a module (binary, text or an AOT file from `serialize`) from a file.
    #[staticmethod]
    fn from_file(py: Python<'_>, engine: &Engine, path: std::path::PathBuf) -> PyResult<Self> {
        let engine = engine.engine.clone();
        let module = py
            .detach(|| wedge::Module::from_file(&engine, path))
            .map_err(plain_err)?;
        Ok(Module { module })
    }

    /// Raises `WedgeError` (naming the offset) unless `wasm` is a valid binary module.
    #[staticmethod]
    fn validate(engine: &Engine, wasm: &Bound<'_, PyAny>) -> PyResult<()> {
        wedge::Module::validate(&engine.engine, &module_bytes(wasm)?).map_err(plain_err)
    }

    /// Loads a module written by `serialize` (its native code is used when it was signed
    /// with this engine's key and fits this CPU; otherwise it is compiled again).
    #[staticmethod]
    fn deserialize(py: Python<'_>, engine: &Engine, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Module::new(py, engine, data)
    }

    /// The module as an AOT file: the binary plus its native code (needs a compiling engine).
    fn serialize<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.module.serialize_native().map_err(plain_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Whether the module runs as native code.
    #[getter]
    fn is_native(&self) -> bool {
        self.module.is_native()
    }

    /// Why native code stored in the module's file was not used (compiled again instead),
    /// or None.
    #[getter]
    fn native_code_warning(&self) -> Option<&str> {
        self.module.native_code_warning()
    }

    /// The module's name from its name section, if any.
    #[getter]
    fn name(&self) -> Option<&str> {
        self.module.name()
    }

    /// What the module imports, in order.
    #[getter]
    fn imports(&self, py: Python<'_>) -> PyResult<Vec<ImportType>> {
        self.module
            .imports()
            .map(|i| ImportType::new(py, &i.module, &i.name, &i.ty))
            .collect()
    }

    /// What the module exports, in order.
    #[getter]
    fn exports(&self, py: Python<'_>) -> PyResult<Vec<ExportType>> {
        self.module
            .exports()
            .map(|(name, ty)| ExportType::new(py, name, &ty))
            .collect()
    }
}
