//! What the translator knows about GC types, and the operation codes of the GC libcall.

use crate::WasmType;

/// How a struct field or an array element is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// A packed 8-bit integer (read as i32).
    I8,
    /// A packed 16-bit integer (read as i32).
    I16,
    /// A full value.
    Val(WasmType),
}

impl Storage {
    /// The type a read of this storage produces.
    pub fn unpacked(self) -> WasmType {
        match self {
            Storage::I8 | Storage::I16 => WasmType::I32,
            Storage::Val(t) => t,
        }
    }

    /// Bytes a value of this storage takes in an object (1, 2, 4, 8 or 16).
    pub fn size(self) -> u32 {
        match self {
            Storage::I8 => 1,
            Storage::I16 => 2,
            Storage::Val(WasmType::I32 | WasmType::F32) => 4,
            Storage::Val(WasmType::V128) => 16,
            Storage::Val(_) => 8,
        }
    }
}

/// A struct field: its storage and where the runtime lays it out in the object's payload
/// (the runtime's own offsets, so compiled code and the runtime cannot disagree; a subtype
/// keeps its supertype's fields at the same offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GcField {
    /// How the value is stored.
    pub storage: Storage,
    /// Byte offset in the payload.
    pub offset: u32,
}

/// A module type, as far as GC instructions care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GcType {
    /// A function type.
    Func,
    /// A struct type with its fields.
    Struct(Vec<GcField>),
    /// An array type with its element.
    Array(Storage),
}

/// The GC operations compiled code leaves to the runtime ([`crate::LibCall::Gc`]), with
/// their immediates `(a, b)`; operands are in `io` slots in wasm order (two for v128), and
/// the result (if any) is written to the first slot(s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum GcOp {
    /// `struct.new a` (fields in io).
    StructNew = 0,
    /// `struct.new_default a`.
    StructNewDefault,
    /// `struct.get a b` (struct type a, field b).
    StructGet,
    /// `struct.get_s a b`.
    StructGetS,
    /// `struct.get_u a b`.
    StructGetU,
    /// `struct.set a b`.
    StructSet,
    /// `array.new a`.
    ArrayNew,
    /// `array.new_default a`.
    ArrayNewDefault,
    /// `array.new_fixed a b` (b values).
    ArrayNewFixed,
    /// `array.new_data a b` (data segment b).
    ArrayNewData,
    /// `array.new_elem a b` (element segment b).
    ArrayNewElem,
    /// `array.get a`.
    ArrayGet,
    /// `array.get_s a`.
    ArrayGetS,
    /// `array.get_u a`.
    ArrayGetU,
    /// `array.set a`.
    ArraySet,
    /// `array.len`.
    ArrayLen,
    /// `array.fill a`.
    ArrayFill,
    /// `array.copy a b`.
    ArrayCopy,
    /// `array.init_data a b`.
    ArrayInitData,
    /// `array.init_elem a b`.
    ArrayInitElem,
    /// Whether the reference matches heap type `a` (see [`heap_code`]), nullable if `b` is 1:
    /// writes 1 or 0.
    RefTest,
    /// As `RefTest`, trapping (cast failure) instead of writing 0; writes the reference.
    RefCast,
    /// Whether the function type with the canonical id in `io` is a subtype of module type
    /// `a` (`call_indirect` when the ids differ): writes 1 or 0.
    FuncSubtype,
}

impl GcOp {
    /// Every operation, in code order.
    pub const ALL: [GcOp; 23] = [
        GcOp::StructNew,
        GcOp::StructNewDefault,
        GcOp::StructGet,
        GcOp::StructGetS,
        GcOp::StructGetU,
        GcOp::StructSet,
        GcOp::ArrayNew,
        GcOp::ArrayNewDefault,
        GcOp::ArrayNewFixed,
        GcOp::ArrayNewData,
        GcOp::ArrayNewElem,
        GcOp::ArrayGet,
        GcOp::ArrayGetS,
        GcOp::ArrayGetU,
        GcOp::ArraySet,
        GcOp::ArrayLen,
        GcOp::ArrayFill,
        GcOp::ArrayCopy,
        GcOp::ArrayInitData,
        GcOp::ArrayInitElem,
        GcOp::RefTest,
        GcOp::RefCast,
        GcOp::FuncSubtype,
    ];

    /// The operation of a raw code.
    pub fn from_u32(code: u32) -> Option<GcOp> {
        GcOp::ALL.get(code as usize).copied()
    }
}

/// Set in a heap-type code for abstract heap types (the low bits are [`abstract_code`]).
pub const ABSTRACT_HEAP: u32 = 0x8000_0000;

/// The code of a heap type in [`GcOp::RefTest`]: a module type index, or [`ABSTRACT_HEAP`]
/// plus the abstract type's code.
pub fn heap_code(h: wasmparser::HeapType) -> u32 {
    match h {
        wasmparser::HeapType::Concrete(i) | wasmparser::HeapType::Exact(i) => {
            i.as_module_index().unwrap_or(u32::MAX >> 1)
        }
        wasmparser::HeapType::Abstract { ty, .. } => ABSTRACT_HEAP | abstract_code(ty),
    }
}

/// A stable number for each abstract heap type.
pub fn abstract_code(ty: wasmparser::AbstractHeapType) -> u32 {
    use wasmparser::AbstractHeapType as A;
    match ty {
        A::Func => 0,
        A::Extern => 1,
        A::Any => 2,
        A::None => 3,
        A::NoExtern => 4,
        A::NoFunc => 5,
        A::Eq => 6,
        A::Struct => 7,
        A::Array => 8,
        A::I31 => 9,
        A::Exn => 10,
        A::NoExn => 11,
        A::Cont => 12,
        A::NoCont => 13,
    }
}

/// The abstract heap type of a code from [`abstract_code`].
pub fn abstract_of(code: u32) -> Option<wasmparser::AbstractHeapType> {
    use wasmparser::AbstractHeapType as A;
    Some(match code {
        0 => A::Func,
        1 => A::Extern,
        2 => A::Any,
        3 => A::None,
        4 => A::NoExtern,
        5 => A::NoFunc,
        6 => A::Eq,
        7 => A::Struct,
        8 => A::Array,
        9 => A::I31,
        10 => A::Exn,
        11 => A::NoExn,
        12 => A::Cont,
        13 => A::NoCont,
        _ => return None,
    })
}
