//! Values crossing the embedding API, and their raw slot encoding.

use super::func::Func;
use super::store::{AsContext, AsContextMut, StoreId, StoreInner};
use crate::types::{HeapType, RefType, ValType};
use std::any::Any;

/// A WebAssembly value.
///
/// ```
/// use wedge::{Val, ValType};
/// assert_eq!(Val::from(1.5f32).f32(), Some(1.5));
/// assert_eq!(Val::default_of(ValType::I64), Val::I64(0));
/// assert_eq!(Val::I32(-1).i32(), Some(-1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    /// An i32.
    I32(i32),
    /// An i64.
    I64(i64),
    /// An f32, by its bits (so NaN payloads survive).
    F32(u32),
    /// An f64, by its bits.
    F64(u64),
    /// A v128.
    V128(u128),
    /// A function reference or null.
    FuncRef(Option<Func>),
    /// A host reference or null.
    ExternRef(Option<ExternRef>),
}

/// A reference to host data held by a store, usable as an `externref`.
///
/// ```
/// use wedge::*;
/// let mut store = Store::new(&Engine::default(), ());
/// let r = ExternRef::new(&mut store, "hello");
/// assert_eq!(r.data(&store).downcast_ref::<&str>(), Some(&"hello"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExternRef {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl ExternRef {
    /// Moves `data` into the store and returns a reference to it.
    pub fn new(mut store: impl AsContextMut, data: impl Any + Send + Sync) -> ExternRef {
        let inner = &mut store.as_context_mut().inner;
        inner.externs.push(Box::new(data));
        ExternRef {
            store: inner.id,
            index: inner.externs.len() as u32 - 1,
        }
    }

    /// The host data this reference holds.
    pub fn data<'a, T: 'a>(
        &self,
        store: &'a impl AsContext<Data = T>,
    ) -> &'a (dyn Any + Send + Sync) {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        &*inner.externs[self.index as usize]
    }
}

impl Val {
    /// A null reference of the given type.
    pub fn null_of(ty: RefType) -> Val {
        match ty.heap {
            HeapType::Extern => Val::ExternRef(None),
            _ => Val::FuncRef(None),
        }
    }

    /// The default (zero or null) value of a type.
    pub fn default_of(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(r) => Val::null_of(r),
        }
    }

    /// The value as an i32, if it is one.
    pub fn i32(&self) -> Option<i32> {
        match self {
            Val::I32(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as an i64, if it is one.
    pub fn i64(&self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as an f32, if it is one.
    pub fn f32(&self) -> Option<f32> {
        match self {
            Val::F32(v) => Some(f32::from_bits(*v)),
            _ => None,
        }
    }

    /// The value as an f64, if it is one.
    pub fn f64(&self) -> Option<f64> {
        match self {
            Val::F64(v) => Some(f64::from_bits(*v)),
            _ => None,
        }
    }

    /// Whether the value fits the given type (references are checked by heap kind only).
    pub(crate) fn matches(&self, ty: ValType) -> bool {
        match (self, ty) {
            (Val::I32(_), ValType::I32)
            | (Val::I64(_), ValType::I64)
            | (Val::F32(_), ValType::F32)
            | (Val::F64(_), ValType::F64)
            | (Val::V128(_), ValType::V128) => true,
            (Val::FuncRef(f), ValType::Ref(r)) => r.is_func() && (f.is_some() || r.nullable),
            (Val::ExternRef(e), ValType::Ref(r)) => {
                r.heap == HeapType::Extern && (e.is_some() || r.nullable)
            }
            _ => false,
        }
    }

    /// Encodes the value as raw slot bits (references as store index + 1, 0 for null).
    pub(crate) fn to_raw(self, store: &StoreInner) -> u128 {
        match self {
            Val::I32(v) => v as u32 as u128,
            Val::I64(v) => v as u64 as u128,
            Val::F32(v) => v as u128,
            Val::F64(v) => v as u128,
            Val::V128(v) => v,
            Val::FuncRef(None) | Val::ExternRef(None) => 0,
            Val::FuncRef(Some(f)) => {
                store.check(f.store);
                f.index as u128 + 1
            }
            Val::ExternRef(Some(e)) => {
                store.check(e.store);
                e.index as u128 + 1
            }
        }
    }

    /// Decodes raw slot bits of the given type.
    pub(crate) fn from_raw(raw: u128, ty: ValType, store: StoreId) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as u64 as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw as u64),
            ValType::V128 => Val::V128(raw),
            ValType::Ref(r) => {
                let index = (raw as u64).checked_sub(1).map(|i| i as u32);
                match r.heap {
                    HeapType::Extern => {
                        Val::ExternRef(index.map(|index| ExternRef { store, index }))
                    }
                    _ => Val::FuncRef(index.map(|index| Func { store, index })),
                }
            }
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}

impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}

impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}

impl From<Func> for Val {
    fn from(f: Func) -> Val {
        Val::FuncRef(Some(f))
    }
}
