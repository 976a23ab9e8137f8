//! Wasm values and types as plugin functions see them.

use crate::abi;

/// A wasm value type a plugin function may take or return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

impl ValType {
    /// The ABI's kind byte.
    pub fn kind(self) -> u8 {
        match self {
            ValType::I32 => abi::KIND_I32,
            ValType::I64 => abi::KIND_I64,
            ValType::F32 => abi::KIND_F32,
            ValType::F64 => abi::KIND_F64,
        }
    }
}

/// A wasm value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    /// 32-bit integer.
    I32(i32),
    /// 64-bit integer.
    I64(i64),
    /// 32-bit float.
    F32(f32),
    /// 64-bit float.
    F64(f64),
}

impl Val {
    /// The value as an i32 (`None` for another type).
    pub fn i32(self) -> Option<i32> {
        match self {
            Val::I32(v) => Some(v),
            _ => None,
        }
    }

    /// The value as an i64 (`None` for another type).
    pub fn i64(self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(v),
            _ => None,
        }
    }

    /// The value as an f32 (`None` for another type).
    pub fn f32(self) -> Option<f32> {
        match self {
            Val::F32(v) => Some(v),
            _ => None,
        }
    }

    /// The value as an f64 (`None` for another type).
    pub fn f64(self) -> Option<f64> {
        match self {
            Val::F64(v) => Some(v),
            _ => None,
        }
    }

    /// The zero value of a type.
    pub fn zero(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0.0),
            ValType::F64 => Val::F64(0.0),
        }
    }

    /// Converts from the ABI form (`None` for an unknown kind).
    pub fn from_raw(raw: &abi::wedge_val) -> Option<Val> {
        // SAFETY: `kind` says which member was written; every member is plain data.
        unsafe {
            match raw.kind {
                abi::KIND_I32 => Some(Val::I32(raw.of.i32)),
                abi::KIND_I64 => Some(Val::I64(raw.of.i64)),
                abi::KIND_F32 => Some(Val::F32(raw.of.f32)),
                abi::KIND_F64 => Some(Val::F64(raw.of.f64)),
                _ => None,
            }
        }
    }

    /// Converts to the ABI form.
    pub fn to_raw(self) -> abi::wedge_val {
        match self {
            Val::I32(v) => abi::wedge_val {
                kind: abi::KIND_I32,
                of: abi::wedge_val_of { i32: v },
            },
            Val::I64(v) => abi::wedge_val {
                kind: abi::KIND_I64,
                of: abi::wedge_val_of { i64: v },
            },
            Val::F32(v) => abi::wedge_val {
                kind: abi::KIND_F32,
                of: abi::wedge_val_of { f32: v },
            },
            Val::F64(v) => abi::wedge_val {
                kind: abi::KIND_F64,
                of: abi::wedge_val_of { f64: v },
            },
        }
    }

    /// The value's type.
    pub fn ty(self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
        }
    }
}
