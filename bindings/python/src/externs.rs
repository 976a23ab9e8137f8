//! Memories (zero-copy buffers), globals, tables and tags, and conversions of externs.

use crate::error::{plain_err, wedge_err};
use crate::func::Func;
use crate::store::{store_of, Store, StoreData};
use crate::types::{GlobalType, MemoryType, TableType};
use crate::values::{from_val, to_val};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

/// A linear memory.
///
/// `data(store)` is a writable `memoryview` straight onto the wasm memory (no copy); it stays
/// valid (at its length) while the store lives, also after the memory grows.
#[pyclass(frozen, module = "wedge")]
pub struct Memory {
    pub mem: wedge::Memory,
    pub store_id: u64,
}

/// The object behind `Memory.data`'s memoryview: keeps the store (and so the memory) alive.
#[pyclass(frozen, module = "wedge")]
pub struct MemoryBuffer {
    _store: Py<Store>,
    ptr: usize,
    len: usize,
}

#[pymethods]
impl MemoryBuffer {
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut pyo3::ffi::Py_buffer,
        flags: std::os::raw::c_int,
    ) -> PyResult<()> {
        let this = slf.get();
        // SAFETY: `ptr..ptr+len` is inside the memory's reservation, which lives as long as
        // the store this object keeps alive (the base never moves); the view holds a
        // reference to this object.
        let r = pyo3::ffi::PyBuffer_FillInfo(
            view,
            slf.as_ptr(),
            this.ptr as *mut std::ffi::c_void,
            this.len as pyo3::ffi::Py_ssize_t,
            0,
            flags,
        );
        if r == -1 {
            return Err(PyErr::fetch(slf.py()));
        }
        Ok(())
    }

    unsafe fn __releasebuffer__(&self, _view: *mut pyo3::ffi::Py_buffer) {}
}

fn bounds(len: usize, start: usize, stop: usize) -> PyResult<()> {
    if start > stop || stop > len {
        return Err(wedge_err(format!(
            "range {start}..{stop} is out of bounds of a memory of {len} bytes"
        )));
    }
    Ok(())
}

#[pymethods]
impl Memory {
    /// `Memory(store, MemoryType)`: a new memory for a module to import.
    #[new]
    fn new(store: &Bound<'_, PyAny>, ty: &MemoryType) -> PyResult<Self> {
        let store = store_of(store)?;
        Store::with(&store, |s| {
            let mem = wedge::Memory::new(&mut *s, ty.ty).map_err(plain_err)?;
            Ok(Memory {
                mem,
                store_id: s.data().id,
            })
        })
    }

    /// The memory's type (with its current size as minimum).
    fn r#type(&self, store: &Bound<'_, PyAny>) -> PyResult<MemoryType> {
        self.with(store, |m, s| Ok(MemoryType { ty: m.ty(&*s) }))
    }

    /// Size in pages.
    fn size(&self, store: &Bound<'_, PyAny>) -> PyResult<u64> {
        self.with(store, |m, s| Ok(m.size(&*s)))
    }

    /// Size in bytes.
    fn data_len(&self, store: &Bound<'_, PyAny>) -> PyResult<usize> {
        self.with(store, |m, s| Ok(m.data_size(&*s)))
    }

    /// Grows by `delta` pages; returns the old size in pages.
    fn grow(&self, store: &Bound<'_, PyAny>, delta: u64) -> PyResult<u64> {
        self.with(store, |m, s| m.grow(&mut *s, delta).map_err(plain_err))
    }

    /// A writable memoryview of the whole memory, without copying.
    fn data<'py>(&self, store: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = store.py();
        let owner = store_of(store)?;
        let (ptr, len) = self.with(store, |m, s| {
            let bytes = m.data_mut(s);
            Ok((bytes.as_mut_ptr() as usize, bytes.len()))
        })?;
        let buffer = Bound::new(
            py,
            MemoryBuffer {
                _store: owner.unbind(),
                ptr,
                len,
            },
        )?;
        py.import("builtins")?
            .getattr("memoryview")?
            .call1((buffer,))
    }

    /// A copy of bytes `start..stop` (to the end when `stop` is None).
    #[pyo3(signature = (store, start=0, stop=None))]
    fn read<'py>(
        &self,
        store: &Bound<'py, PyAny>,
        start: usize,
        stop: Option<usize>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let py = store.py();
        self.with(store, |m, s| {
            let data = m.data(&*s);
            let stop = stop.unwrap_or(data.len());
            bounds(data.len(), start, stop)?;
            Ok(PyBytes::new(py, &data[start..stop]))
        })
    }

    /// Writes `data` (bytes-like) at `start`.
    #[pyo3(signature = (store, data, start=0))]
    fn write(
        &self,
        store: &Bound<'_, PyAny>,
        data: &Bound<'_, PyAny>,
        start: usize,
    ) -> PyResult<()> {
        let bytes: Vec<u8> = if let Ok(b) = data.cast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else if let Ok(b) = data.cast::<PyByteArray>() {
            b.to_vec()
        } else {
            data.extract::<Vec<u8>>()
                .map_err(|_| PyTypeError::new_err("expected bytes or bytearray"))?
        };
        self.with(store, |m, s| {
            let mem = m.data_mut(s);
            let stop = start.saturating_add(bytes.len());
            bounds(mem.len(), start, stop)?;
            mem[start..stop].copy_from_slice(&bytes);
            Ok(())
        })
    }
}

impl Memory {
    fn with<R>(
        &self,
        store: &Bound<'_, PyAny>,
        f: impl FnOnce(wedge::Memory, &mut wedge::Store<StoreData>) -> PyResult<R>,
    ) -> PyResult<R> {
        let store = store_of(store)?;
        store.get().check(self.store_id)?;
        Store::with(&store, |s| f(self.mem, s))
    }
}

/// A global variable.
#[pyclass(frozen, module = "wedge")]
pub struct Global {
    pub global: wedge::Global,
    pub store_id: u64,
}

#[pymethods]
impl Global {
    /// `Global(store, GlobalType, value)`.
    #[new]
    fn new(store: &Bound<'_, PyAny>, ty: &GlobalType, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let store = store_of(store)?;
        Store::with(&store, |s| {
            let v = to_val(s, value, ty.ty.content)?;
            let global = wedge::Global::new(&mut *s, ty.ty, v).map_err(plain_err)?;
            Ok(Global {
                global,
                store_id: s.data().id,
            })
        })
    }

    /// The global's type.
    fn r#type(&self, store: &Bound<'_, PyAny>) -> PyResult<GlobalType> {
        self.with(store, |g, s| Ok(GlobalType { ty: g.ty(&*s) }))
    }

    /// The current value.
    fn value(&self, store: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = store.py();
        self.with(store, |g, s| {
            let v = g.get(&*s);
            from_val(py, s, v)
        })
    }

    /// Sets the value (a constant global refuses).
    fn set_value(&self, store: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.with(store, |g, s| {
            let ty = g.ty(&*s).content;
            let v = to_val(s, value, ty)?;
            g.set(&mut *s, v).map_err(plain_err)
        })
    }
}

impl Global {
    fn with<R>(
        &self,
        store: &Bound<'_, PyAny>,
        f: impl FnOnce(wedge::Global, &mut wedge::Store<StoreData>) -> PyResult<R>,
    ) -> PyResult<R> {
        let store = store_of(store)?;
        store.get().check(self.store_id)?;
        Store::with(&store, |s| f(self.global, s))
    }
}

/// A table of references.
#[pyclass(frozen, module = "wedge")]
pub struct Table {
    pub table: wedge::Table,
    pub store_id: u64,
}

#[pymethods]
impl Table {
    /// `Table(store, TableType, init)`: every element starts as `init` (None for null).
    #[new]
    fn new(store: &Bound<'_, PyAny>, ty: &TableType, init: &Bound<'_, PyAny>) -> PyResult<Self> {
        let store = store_of(store)?;
        Store::with(&store, |s| {
            let v = to_val(s, init, wedge::ValType::Ref(ty.ty.element))?;
            let table = wedge::Table::new(&mut *s, ty.ty, v).map_err(plain_err)?;
            Ok(Table {
                table,
                store_id: s.data().id,
            })
        })
    }

    /// The table's type.
    fn r#type(&self, store: &Bound<'_, PyAny>) -> PyResult<TableType> {
        self.with(store, |t, s| Ok(TableType { ty: t.ty(&*s) }))
    }

    /// Number of elements.
    fn size(&self, store: &Bound<'_, PyAny>) -> PyResult<u64> {
        self.with(store, |t, s| Ok(t.size(&*s)))
    }

    /// The element at `index` (a Func, an object, None for null).
    fn get(&self, store: &Bound<'_, PyAny>, index: u64) -> PyResult<Py<PyAny>> {
        let py = store.py();
        self.with(store, |t, s| match t.get(&*s, index) {
            Some(v) => from_val(py, s, v),
            None => Err(wedge_err(format!("table index {index} is out of bounds"))),
        })
    }

    /// Sets the element at `index`.
    fn set(&self, store: &Bound<'_, PyAny>, index: u64, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.with(store, |t, s| {
            let ty = wedge::ValType::Ref(t.ty(&*s).element);
            let v = to_val(s, value, ty)?;
            t.set(&mut *s, index, v).map_err(plain_err)
        })
    }

    /// Grows by `delta` elements set to `init`; returns the old size.
    fn grow(&self, store: &Bound<'_, PyAny>, delta: u64, init: &Bound<'_, PyAny>) -> PyResult<u64> {
        self.with(store, |t, s| {
            let ty = wedge::ValType::Ref(t.ty(&*s).element);
            let v = to_val(s, init, ty)?;
            t.grow(&mut *s, delta, v).map_err(plain_err)
        })
    }
}

impl Table {
    fn with<R>(
        &self,
        store: &Bound<'_, PyAny>,
        f: impl FnOnce(wedge::Table, &mut wedge::Store<StoreData>) -> PyResult<R>,
    ) -> PyResult<R> {
        let store = store_of(store)?;
        store.get().check(self.store_id)?;
        Store::with(&store, |s| f(self.table, s))
    }
}

/// An exception tag (exported or imported by modules).
#[pyclass(frozen, module = "wedge")]
pub struct Tag {
    pub tag: wedge::Tag,
    pub store_id: u64,
}

/// The Python object for an extern of the store with identity `store_id`.
pub fn extern_to_py(
    py: Python<'_>,
    store_id: u64,
    store: &mut wedge::Store<StoreData>,
    e: wedge::Extern,
) -> PyResult<Py<PyAny>> {
    Ok(match e {
        wedge::Extern::Func(func) => {
            let ty = func.ty(&*store);
            Py::new(py, Func { func, ty, store_id })?.into_any()
        }
        wedge::Extern::Memory(mem) => Py::new(py, Memory { mem, store_id })?.into_any(),
        wedge::Extern::Global(global) => Py::new(py, Global { global, store_id })?.into_any(),
        wedge::Extern::Table(table) => Py::new(py, Table { table, store_id })?.into_any(),
        wedge::Extern::Tag(tag) => Py::new(py, Tag { tag, store_id })?.into_any(),
    })
}

/// The extern a Python object stands for; it must belong to the store `store_id`.
pub fn py_to_extern(obj: &Bound<'_, PyAny>, store_id: u64) -> PyResult<wedge::Extern> {
    let (e, id) = if let Ok(f) = obj.cast::<Func>() {
        (wedge::Extern::Func(f.get().func), f.get().store_id)
    } else if let Ok(m) = obj.cast::<Memory>() {
        (wedge::Extern::Memory(m.get().mem), m.get().store_id)
    } else if let Ok(g) = obj.cast::<Global>() {
        (wedge::Extern::Global(g.get().global), g.get().store_id)
    } else if let Ok(t) = obj.cast::<Table>() {
        (wedge::Extern::Table(t.get().table), t.get().store_id)
    } else if let Ok(t) = obj.cast::<Tag>() {
        (wedge::Extern::Tag(t.get().tag), t.get().store_id)
    } else {
        return Err(PyTypeError::new_err(format!(
            "expected a Func, Memory, Global, Table or Tag, got {}",
            obj.get_type().name()?
        )));
    };
    if id != store_id {
        return Err(wedge_err(
            "a wedge object was used with a store it does not belong to",
        ));
    }
    Ok(e)
}
