//! WebAssembly types as the embedding API sees them.

use std::fmt;

/// The type of a WebAssembly value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference.
    Ref(RefType),
}

/// The type of a reference value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    /// Whether `null` is a member of the type.
    pub nullable: bool,
    /// What the reference points to.
    pub heap: HeapType,
}

/// What a reference points to.
///
/// Concrete types carry the engine's canonical type id (see [`crate::registry`]), so equal
/// types from different modules compare equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// Any host reference.
    Extern,
    /// A function of the type with this canonical id.
    Concrete(u32),
    /// The bottom of the function hierarchy (only null).
    NoFunc,
    /// The bottom of the extern hierarchy (only null).
    NoExtern,
    /// Any internal reference: GC objects, `i31` and externalized host references.
    Any,
    /// References comparable with `ref.eq`.
    Eq,
    /// Unboxed 31-bit integers.
    I31,
    /// Any struct.
    Struct,
    /// Any array.
    Array,
    /// The bottom of the internal hierarchy (only null).
    None,
    /// A struct of the type with this canonical id.
    ConcreteStruct(u32),
    /// An array of the type with this canonical id.
    ConcreteArray(u32),
    /// Any exception.
    Exn,
    /// The bottom of the exception hierarchy (only null).
    NoExn,
}

impl RefType {
    /// `funcref`: a nullable reference to any function.
    pub const FUNCREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Func,
    };
    /// `externref`: a nullable host reference.
    pub const EXTERNREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Extern,
    };

    /// Returns true if this is a function reference type.
    pub fn is_func(&self) -> bool {
        matches!(
            self.heap,
            HeapType::Func | HeapType::Concrete(_) | HeapType::NoFunc
        )
    }

    /// Returns true for references in the extern hierarchy.
    pub fn is_extern(&self) -> bool {
        matches!(self.heap, HeapType::Extern | HeapType::NoExtern)
    }

    /// Returns true for references in the exception hierarchy.
    pub fn is_exn(&self) -> bool {
        matches!(self.heap, HeapType::Exn | HeapType::NoExn)
    }

    /// Whether values of this type may point into the GC heap (everything but functions),
    /// so the collector must trace slots of this type.
    pub(crate) fn is_traced(&self) -> bool {
        !self.is_func()
    }
}

impl ValType {
    /// `funcref` as a value type.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `externref` as a value type.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);

    /// Number of 8-byte interpreter slots a value of this type occupies.
    pub(crate) fn slots(self) -> u32 {
        match self {
            ValType::V128 => 2,
            _ => 1,
        }
    }

    /// Converts a validated type; `concrete` maps module type indices to heap types.
    pub(crate) fn from_wasmparser(t: wasmparser::ValType, concrete: &[HeapType]) -> ValType {
        match t {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            wasmparser::ValType::V128 => ValType::V128,
            wasmparser::ValType::Ref(r) => ValType::Ref(RefType::from_wasmparser(r, concrete)),
        }
    }

    /// Whether slots of this type may point into the GC heap.
    pub(crate) fn is_traced(self) -> bool {
        matches!(self, ValType::Ref(r) if r.is_traced())
    }
}

impl RefType {
    /// Converts a validated type; `concrete` maps module type indices to heap types.
    pub(crate) fn from_wasmparser(r: wasmparser::RefType, concrete: &[HeapType]) -> RefType {
        RefType {
            nullable: r.is_nullable(),
            heap: HeapType::from_wasmparser(r.heap_type(), concrete),
        }
    }
}

impl HeapType {
    /// Converts a validated heap type; `concrete` maps module type indices to heap types.
    pub(crate) fn from_wasmparser(h: wasmparser::HeapType, concrete: &[HeapType]) -> HeapType {
        use wasmparser::AbstractHeapType as A;
        match h {
            wasmparser::HeapType::Concrete(i) | wasmparser::HeapType::Exact(i) => i
                .as_module_index()
                .and_then(|i| concrete.get(i as usize).copied())
                .unwrap_or(HeapType::None),
            wasmparser::HeapType::Abstract { ty, .. } => match ty {
                A::Func => HeapType::Func,
                A::Extern => HeapType::Extern,
                A::Any => HeapType::Any,
                A::None => HeapType::None,
                A::NoExtern => HeapType::NoExtern,
                A::NoFunc => HeapType::NoFunc,
                A::Eq => HeapType::Eq,
                A::Struct => HeapType::Struct,
                A::Array => HeapType::Array,
                A::I31 => HeapType::I31,
                A::Exn => HeapType::Exn,
                A::NoExn => HeapType::NoExn,
                // Stack switching is not enabled, so the validator never lets these through.
                A::Cont | A::NoCont => HeapType::None,
            },
        }
    }

    /// The text-format name of an abstract heap type, or the canonical id of a concrete one.
    fn name(self) -> String {
        match self {
            HeapType::Func => "func".into(),
            HeapType::Extern => "extern".into(),
            HeapType::NoFunc => "nofunc".into(),
            HeapType::NoExtern => "noextern".into(),
            HeapType::Any => "any".into(),
            HeapType::Eq => "eq".into(),
            HeapType::I31 => "i31".into(),
            HeapType::Struct => "struct".into(),
            HeapType::Array => "array".into(),
            HeapType::None => "none".into(),
            HeapType::Exn => "exn".into(),
            HeapType::NoExn => "noexn".into(),
            HeapType::Concrete(i) | HeapType::ConcreteStruct(i) | HeapType::ConcreteArray(i) => {
                format!("<type {i}>")
            }
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(r) => write!(f, "{r}"),
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap) {
            (true, HeapType::Func) => f.write_str("funcref"),
            (true, HeapType::Extern) => f.write_str("externref"),
            (n, h) => {
                let null = if n { "null " } else { "" };
                write!(f, "(ref {null}{})", h.name())
            }
        }
    }
}

/// The signature of a function.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    params: Box<[ValType]>,
    results: Box<[ValType]>,
}

impl FuncType {
    /// Creates a function type from its parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        FuncType {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }

    /// The parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.params
    }

    /// The result types.
    pub fn results(&self) -> &[ValType] {
        &self.results
    }

    /// Number of interpreter slots taken by the parameters.
    pub(crate) fn param_slots(&self) -> u32 {
        self.params.iter().map(|t| t.slots()).sum()
    }

    /// Number of interpreter slots taken by the results.
    pub(crate) fn result_slots(&self) -> u32 {
        self.results.iter().map(|t| t.slots()).sum()
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params.is_empty() {
            f.write_str(" (param")?;
            for t in self.params.iter() {
                write!(f, " {t}")?;
            }
            f.write_str(")")?;
        }
        if !self.results.is_empty() {
            f.write_str(" (result")?;
            for t in self.results.iter() {
                write!(f, " {t}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

/// Whether a global can be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Read-only after initialization.
    Const,
    /// Writable with `global.set`.
    Var,
}

/// The type of a global.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    /// Type of the value held.
    pub content: ValType,
    /// Whether it can be written.
    pub mutability: Mutability,
}

/// The type of a linear memory.
///
/// ```
/// use wedge::MemoryType;
/// let ty = MemoryType { minimum: 1, maximum: Some(4), ..MemoryType::default() };
/// assert_eq!(ty.page_size(), 65536);
/// assert_eq!(ty.max_pages(), 65536);
/// let bytes = MemoryType { page_size_log2: 0, ..ty };
/// assert_eq!(bytes.max_pages(), u32::MAX as u64);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    /// Initial size in pages.
    pub minimum: u64,
    /// Maximum size in pages, if any.
    pub maximum: Option<u64>,
    /// Whether the memory is shared between threads.
    pub shared: bool,
    /// Whether it is indexed with 64-bit addresses.
    pub memory64: bool,
    /// Log2 of the page size in bytes: 16 (64 KiB) unless the custom-page-sizes proposal
    /// chose 0 (one-byte pages).
    pub page_size_log2: u8,
}

impl Default for MemoryType {
    /// A 32-bit, unshared memory of 64 KiB pages with no pages and no maximum.
    fn default() -> Self {
        MemoryType {
            minimum: 0,
            maximum: None,
            shared: false,
            memory64: false,
            page_size_log2: 16,
        }
    }
}

impl MemoryType {
    /// Bytes per page.
    pub fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }

    /// The most pages the address type allows: 4 GiB worth for 32-bit memories (at most
    /// 2^32 - 1 pages), 2^64 bytes worth for 64-bit ones (at most 2^48 pages of 64 KiB).
    pub fn max_pages(&self) -> u64 {
        if self.memory64 {
            (u64::MAX >> self.page_size_log2).min(1 << 48)
        } else {
            ((1u64 << 32) >> self.page_size_log2).min(u32::MAX as u64)
        }
    }
}

/// The type of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    /// Type of the elements.
    pub element: RefType,
    /// Initial number of elements.
    pub minimum: u64,
    /// Maximum number of elements, if any.
    pub maximum: Option<u64>,
    /// Whether it is indexed with 64-bit indices (memory64 proposal).
    pub table64: bool,
}

impl TableType {
    /// A 32-bit-indexed table type.
    pub fn new(element: RefType, minimum: u64, maximum: Option<u64>) -> TableType {
        TableType {
            element,
            minimum,
            maximum,
            table64: false,
        }
    }
}

/// The type of anything a module imports or exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A table.
    Table(TableType),
    /// A linear memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag, with the signature of its payload.
    Tag(FuncType),
}

impl ExternType {
    /// A short name for the kind: "func", "table", "memory", "global" or "tag".
    pub fn kind_name(&self) -> &'static str {
        match self {
            ExternType::Func(_) => "func",
            ExternType::Table(_) => "table",
            ExternType::Memory(_) => "memory",
            ExternType::Global(_) => "global",
            ExternType::Tag(_) => "tag",
        }
    }
}
