//! Linking: the Linker (imports by name, WASI, Python host functions) and Instances.

use crate::engine::Engine;
use crate::error::{call_err, plain_err, wedge_err};
use crate::externs::{extern_to_py, py_to_extern};
use crate::func::host_fn;
use crate::module::Module;
use crate::store::{run_wasm, store_of, Store, StoreData};
use crate::types::FuncType;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// An instance of a module in a store.
#[pyclass(frozen, module = "wedge")]
pub struct Instance {
    pub instance: wedge::Instance,
    pub store_id: u64,
}

#[pymethods]
impl Instance {
    /// `Instance(store, module, imports)`: instantiates with one extern per import, in order
    /// (runs the start function).
    #[new]
    fn new(
        py: Python<'_>,
        store: &Bound<'_, PyAny>,
        module: &Module,
        imports: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let store = store_of(store)?;
        let this = store.get();
        let externs = imports
            .iter()
            .map(|i| py_to_extern(i, this.id))
            .collect::<PyResult<Vec<_>>>()?;
        let module = &module.module;
        Store::with(&store, |s| {
            let instance = run_wasm(py, this, s, |s| wedge::Instance::new(s, module, &externs))
                .map_err(|e| call_err(py, s, e))?;
            Ok(Instance {
                instance,
                store_id: this.id,
            })
        })
    }

    /// The exports as a dict from name to Func, Memory, Global, Table or Tag.
    fn exports<'py>(&self, store: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let py = store.py();
        let store = store_of(store)?;
        store.get().check(self.store_id)?;
        Store::with(&store, |s| {
            let dict = PyDict::new(py);
            for (name, e) in self.instance.exports(&*s) {
                dict.set_item(name, extern_to_py(py, self.store_id, s, e)?)?;
            }
            Ok(dict)
        })
    }

    /// The export `name`, or None.
    fn get(&self, store: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<Py<PyAny>>> {
        let py = store.py();
        let store = store_of(store)?;
        store.get().check(self.store_id)?;
        Store::with(&store, |s| match self.instance.get_export(&*s, name) {
            Some(e) => extern_to_py(py, self.store_id, s, e).map(Some),
            None => Ok(None),
        })
    }
}

/// Resolves imports by (module, name): Python host functions, WASI, externs, instances.
#[pyclass(module = "wedge")]
pub struct Linker {
    linker: wedge::Linker<StoreData>,
    /// The store whose objects were defined here (instances must be made in it).
    store_id: Option<u64>,
}

impl Linker {
    /// Refuses a store other than the one whose objects the linker holds.
    fn check_store(&self, id: u64) -> PyResult<()> {
        match self.store_id {
            Some(s) if s != id => Err(wedge_err(
                "the linker holds objects of another store (define them per store)",
            )),
            _ => Ok(()),
        }
    }
}

#[pymethods]
impl Linker {
    /// `Linker(engine)`.
    #[new]
    fn new(engine: &Engine) -> Self {
        Linker {
            linker: wedge::Linker::new(&engine.engine),
            store_id: None,
        }
    }

    /// Whether a later definition may replace an earlier one of the same name.
    #[setter]
    fn set_allow_shadowing(&mut self, yes: bool) {
        self.linker.allow_shadowing(yes);
    }

    /// Defines `module.name` as a Func, Memory, Global, Table or Tag of `store`.
    fn define(
        &mut self,
        store: &Bound<'_, PyAny>,
        module: &str,
        name: &str,
        item: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let store = store_of(store)?;
        let id = store.get().id;
        self.check_store(id)?;
        let e = py_to_extern(item, id)?;
        Store::with(&store, |s| {
            self.linker.define(&*s, module, name, e).map_err(plain_err)
        })?;
        self.store_id = Some(id);
        Ok(())
    }

    /// Defines `module.name` as a Python host function of type `ty` (for every store).
    #[pyo3(signature = (module, name, ty, callable, access_caller=false))]
    fn define_func(
        &mut self,
        module: &str,
        name: &str,
        ty: &FuncType,
        callable: Py<PyAny>,
        access_caller: bool,
    ) -> PyResult<()> {
        let f = host_fn(callable, ty.ty.clone(), access_caller);
        self.linker
            .func_new(module, name, ty.ty.clone(), f)
            .map_err(plain_err)?;
        Ok(())
    }

    /// Defines WASI preview1 (`wasi_snapshot_preview1` and `wasi_unstable`); guests see the
    /// store's configuration (`Store.set_wasi`).
    fn define_wasi(&mut self) -> PyResult<()> {
        wedge_wasi::add_to_linker(&mut self.linker, |d: &mut StoreData| &mut d.wasi)
            .map_err(plain_err)
    }

    /// Defines every export of `instance` under the module name `name`.
    fn define_instance(
        &mut self,
        store: &Bound<'_, PyAny>,
        name: &str,
        instance: &Instance,
    ) -> PyResult<()> {
        let store = store_of(store)?;
        store.get().check(instance.store_id)?;
        self.check_store(instance.store_id)?;
        Store::with(&store, |s| {
            self.linker
                .instance(&*s, name, instance.instance)
                .map_err(plain_err)?;
            Ok(())
        })?;
        self.store_id = Some(instance.store_id);
        Ok(())
    }

    /// Instantiates `module` in `store`, resolving its imports here (runs the start function).
    fn instantiate(
        &self,
        py: Python<'_>,
        store: &Bound<'_, PyAny>,
        module: &Module,
    ) -> PyResult<Instance> {
        let store = store_of(store)?;
        let this = store.get();
        self.check_store(this.id)?;
        let linker = &self.linker;
        let module = &module.module;
        Store::with(&store, |s| {
            let instance = run_wasm(py, this, s, |s| linker.instantiate(s, module))
                .map_err(|e| call_err(py, s, e))?;
            Ok(Instance {
                instance,
                store_id: this.id,
            })
        })
    }

    /// The export `name` of an instance defined here under `module` (see `define_instance`).
    fn get(
        &self,
        store: &Bound<'_, PyAny>,
        module: &str,
        name: &str,
    ) -> PyResult<Option<Py<PyAny>>> {
        let py = store.py();
        let store = store_of(store)?;
        let id = store.get().id;
        self.check_store(id)?;
        Store::with(&store, |s| match self.linker.get(&mut *s, module, name) {
            Some(e) => extern_to_py(py, id, s, e).map(Some),
            None => Ok(None),
        })
    }
}
