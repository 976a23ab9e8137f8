//! WebAssembly types as Python objects: ValType, FuncType, GlobalType, MemoryType, TableType,
//! and the import/export descriptions of a module.

use crate::error::wedge_err;
use pyo3::prelude::*;
use pyo3::types::PyString;
use wedge::{HeapType, Mutability, RefType};

/// The type of a value: i32, i64, f32, f64, v128 or a reference type.
#[pyclass(frozen, eq, hash, module = "wedge", from_py_object)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ValType {
    pub ty: wedge::ValType,
}

#[pymethods]
impl ValType {
    /// 32-bit integer.
    #[staticmethod]
    fn i32() -> Self {
        ValType {
            ty: wedge::ValType::I32,
        }
    }
    /// 64-bit integer.
    #[staticmethod]
    fn i64() -> Self {
        ValType {
            ty: wedge::ValType::I64,
        }
    }
    /// 32-bit float.
    #[staticmethod]
    fn f32() -> Self {
        ValType {
            ty: wedge::ValType::F32,
        }
    }
    /// 64-bit float.
    #[staticmethod]
    fn f64() -> Self {
        ValType {
            ty: wedge::ValType::F64,
        }
    }
    /// 128-bit vector (passed as a Python int).
    #[staticmethod]
    fn v128() -> Self {
        ValType {
            ty: wedge::ValType::V128,
        }
    }
    /// Nullable reference to any function.
    #[staticmethod]
    fn funcref() -> Self {
        ValType {
            ty: wedge::ValType::FUNCREF,
        }
    }
    /// Nullable host reference (any Python object).
    #[staticmethod]
    fn externref() -> Self {
        ValType {
            ty: wedge::ValType::EXTERNREF,
        }
    }
    fn __str__(&self) -> String {
        self.ty.to_string()
    }
    fn __repr__(&self) -> String {
        format!("ValType({})", self.ty)
    }
}

/// Parses a value type name ("i32", "funcref", ...).
fn parse_valtype(name: &str) -> Option<wedge::ValType> {
    let r = |heap| {
        wedge::ValType::Ref(RefType {
            nullable: true,
            heap,
        })
    };
    Some(match name {
        "i32" => wedge::ValType::I32,
        "i64" => wedge::ValType::I64,
        "f32" => wedge::ValType::F32,
        "f64" => wedge::ValType::F64,
        "v128" => wedge::ValType::V128,
        "funcref" => r(HeapType::Func),
        "externref" => r(HeapType::Extern),
        "anyref" => r(HeapType::Any),
        "eqref" => r(HeapType::Eq),
        "i31ref" => r(HeapType::I31),
        "structref" => r(HeapType::Struct),
        "arrayref" => r(HeapType::Array),
        "exnref" => r(HeapType::Exn),
        _ => return None,
    })
}

/// A value type from a `ValType` or its name.
pub fn valtype_of(obj: &Bound<'_, PyAny>) -> PyResult<wedge::ValType> {
    if let Ok(v) = obj.cast::<ValType>() {
        return Ok(v.get().ty);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_str()?;
        return parse_valtype(s).ok_or_else(|| wedge_err(format!("unknown value type `{s}`")));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "expected a wedge.ValType or a type name such as 'i32'",
    ))
}

/// A reference type from a `ValType` or its name.
fn reftype_of(obj: &Bound<'_, PyAny>) -> PyResult<RefType> {
    match valtype_of(obj)? {
        wedge::ValType::Ref(r) => Ok(r),
        other => Err(wedge_err(format!("expected a reference type, got {other}"))),
    }
}

fn valtypes(list: &Bound<'_, PyAny>) -> PyResult<Vec<wedge::ValType>> {
    list.try_iter()?.map(|t| valtype_of(&t?)).collect()
}

fn valtype_list(types: &[wedge::ValType]) -> Vec<ValType> {
    types.iter().map(|&ty| ValType { ty }).collect()
}

/// The signature of a function: parameter and result types.
#[pyclass(frozen, eq, module = "wedge", from_py_object)]
#[derive(Clone, PartialEq)]
pub struct FuncType {
    pub ty: wedge::FuncType,
}

#[pymethods]
impl FuncType {
    /// `FuncType([params...], [results...])`; types are `ValType`s or names like "i32".
    #[new]
    fn new(params: &Bound<'_, PyAny>, results: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(FuncType {
            ty: wedge::FuncType::new(valtypes(params)?, valtypes(results)?),
        })
    }
    /// The parameter types.
    #[getter]
    fn params(&self) -> Vec<ValType> {
        valtype_list(self.ty.params())
    }
    /// The result types.
    #[getter]
    fn results(&self) -> Vec<ValType> {
        valtype_list(self.ty.results())
    }
    fn __repr__(&self) -> String {
        format!("FuncType{}", self.ty)
    }
}

/// The type of a global: its content type and whether it is mutable.
#[pyclass(frozen, eq, module = "wedge", from_py_object)]
#[derive(Clone, PartialEq)]
pub struct GlobalType {
    pub ty: wedge::GlobalType,
}

#[pymethods]
impl GlobalType {
    /// `GlobalType(content, mutable)`.
    #[new]
    fn new(content: &Bound<'_, PyAny>, mutable: bool) -> PyResult<Self> {
        let mutability = if mutable {
            Mutability::Var
        } else {
            Mutability::Const
        };
        Ok(GlobalType {
            ty: wedge::GlobalType {
                content: valtype_of(content)?,
                mutability,
            },
        })
    }
    /// The type of the value held.
    #[getter]
    fn content(&self) -> ValType {
        ValType {
            ty: self.ty.content,
        }
    }
    /// Whether the global can be written.
    #[getter]
    fn mutable(&self) -> bool {
        self.ty.mutability == Mutability::Var
    }
    fn __repr__(&self) -> String {
        format!(
            "GlobalType({}, mutable={})",
            self.ty.content,
            self.mutable()
        )
    }
}

/// The type of a linear memory: sizes in pages (64 KiB unless `page_size_log2` says otherwise).
#[pyclass(frozen, eq, module = "wedge", from_py_object)]
#[derive(Clone, PartialEq)]
pub struct MemoryType {
    pub ty: wedge::MemoryType,
}

#[pymethods]
impl MemoryType {
    /// `MemoryType(minimum, maximum=None, *, shared=False, memory64=False, page_size_log2=16)`.
    #[new]
    #[pyo3(signature = (minimum, maximum=None, *, shared=false, memory64=false, page_size_log2=16))]
    fn new(
        minimum: u64,
        maximum: Option<u64>,
        shared: bool,
        memory64: bool,
        page_size_log2: u8,
    ) -> PyResult<Self> {
        if page_size_log2 != 16 && page_size_log2 != 0 {
            return Err(wedge_err("page_size_log2 must be 16 or 0"));
        }
        Ok(MemoryType {
            ty: wedge::MemoryType {
                minimum,
                maximum,
                shared,
                memory64,
                page_size_log2,
            },
        })
    }
    /// Initial size in pages.
    #[getter]
    fn minimum(&self) -> u64 {
        self.ty.minimum
    }
    /// Maximum size in pages, or None.
    #[getter]
    fn maximum(&self) -> Option<u64> {
        self.ty.maximum
    }
    /// Whether the memory is shared between threads.
    #[getter]
    fn shared(&self) -> bool {
        self.ty.shared
    }
    /// Whether the memory uses 64-bit addresses.
    #[getter]
    fn memory64(&self) -> bool {
        self.ty.memory64
    }
    fn __repr__(&self) -> String {
        format!(
            "MemoryType(minimum={}, maximum={:?})",
            self.ty.minimum, self.ty.maximum
        )
    }
}

/// The type of a table: element reference type and sizes.
#[pyclass(frozen, eq, module = "wedge", from_py_object)]
#[derive(Clone, PartialEq)]
pub struct TableType {
    pub ty: wedge::TableType,
}

#[pymethods]
impl TableType {
    /// `TableType(element, minimum, maximum=None)`.
    #[new]
    #[pyo3(signature = (element, minimum, maximum=None))]
    fn new(element: &Bound<'_, PyAny>, minimum: u64, maximum: Option<u64>) -> PyResult<Self> {
        Ok(TableType {
            ty: wedge::TableType::new(reftype_of(element)?, minimum, maximum),
        })
    }
    /// The element type.
    #[getter]
    fn element(&self) -> ValType {
        ValType {
            ty: wedge::ValType::Ref(self.ty.element),
        }
    }
    /// Initial number of elements.
    #[getter]
    fn minimum(&self) -> u64 {
        self.ty.minimum
    }
    /// Maximum number of elements, or None.
    #[getter]
    fn maximum(&self) -> Option<u64> {
        self.ty.maximum
    }
    fn __repr__(&self) -> String {
        format!(
            "TableType({}, minimum={}, maximum={:?})",
            self.ty.element, self.ty.minimum, self.ty.maximum
        )
    }
}

/// An exception tag's payload signature (a `FuncType` with no results).
fn extern_type_obj(py: Python<'_>, ty: &wedge::ExternType) -> PyResult<Py<PyAny>> {
    Ok(match ty {
        wedge::ExternType::Func(f) | wedge::ExternType::Tag(f) => {
            Py::new(py, FuncType { ty: f.clone() })?.into_any()
        }
        wedge::ExternType::Global(g) => Py::new(py, GlobalType { ty: *g })?.into_any(),
        wedge::ExternType::Memory(m) => Py::new(py, MemoryType { ty: *m })?.into_any(),
        wedge::ExternType::Table(t) => Py::new(py, TableType { ty: *t })?.into_any(),
    })
}

/// One import of a module: module name, field name and type.
#[pyclass(frozen, module = "wedge", get_all)]
pub struct ImportType {
    /// The module name of the import.
    pub module: String,
    /// The field name of the import.
    pub name: String,
    /// "func", "table", "memory", "global" or "tag".
    pub kind: &'static str,
    /// A FuncType, GlobalType, MemoryType or TableType.
    pub r#type: Py<PyAny>,
}

#[pymethods]
impl ImportType {
    fn __repr__(&self) -> String {
        format!("<ImportType {}.{} {}>", self.module, self.name, self.kind)
    }
}

impl ImportType {
    pub fn new(py: Python<'_>, module: &str, name: &str, ty: &wedge::ExternType) -> PyResult<Self> {
        Ok(ImportType {
            module: module.to_string(),
            name: name.to_string(),
            kind: ty.kind_name(),
            r#type: extern_type_obj(py, ty)?,
        })
    }
}

/// One export of a module: name and type.
#[pyclass(frozen, module = "wedge", get_all)]
pub struct ExportType {
    /// The exported name.
    pub name: String,
    /// "func", "table", "memory", "global" or "tag".
    pub kind: &'static str,
    /// A FuncType, GlobalType, MemoryType or TableType.
    pub r#type: Py<PyAny>,
}

#[pymethods]
impl ExportType {
    fn __repr__(&self) -> String {
        format!("<ExportType {} {}>", self.name, self.kind)
    }
}

impl ExportType {
    pub fn new(py: Python<'_>, name: &str, ty: &wedge::ExternType) -> PyResult<Self> {
        Ok(ExportType {
            name: name.to_string(),
            kind: ty.kind_name(),
            r#type: extern_type_obj(py, ty)?,
        })
    }
}
