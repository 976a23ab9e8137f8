//! Values crossing the embedding API, and their raw slot encoding.

use super::func::Func;
use super::gc::refs;
use super::store::{AsContext, AsContextMut, StoreId, StoreInner};
use crate::registry::Composite;
use crate::types::{RefType, ValType};
use std::any::Any;

/// A WebAssembly value.
///
/// ```
/// use wedge::{Val, ValType};
/// assert_eq!(Val::from(1.5f32).f32(), Some(1.5));
/// assert_eq!(Val::default_of(ValType::I64), Val::I64(0));
/// assert_eq!(Val::I32(-1).i32(), Some(-1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// A host reference (or an externalized internal one) or null.
    ExternRef(Option<ExternRef>),
    /// An internal reference (struct, array, i31, internalized host reference) or null.
    AnyRef(Option<AnyRef>),
    /// An exception reference or null.
    ExnRef(Option<ExnRef>),
}

/// A reference in the `extern` hierarchy: host data held by a store, or an internal
/// reference converted with `extern.convert_any`.
///
/// ```
/// use wedge::*;
/// let mut store = Store::new(&Engine::default(), ());
/// let r = ExternRef::new(&mut store, "hello");
/// assert_eq!(r.data(&store).unwrap().downcast_ref::<&str>(), Some(&"hello"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef {
    pub(crate) store: StoreId,
    pub(crate) raw: u64,
    pub(crate) generation: u64,
}

/// A reference in the `any` hierarchy: a GC struct or array, an `i31`, or host data
/// converted with `any.convert_extern`.
///
/// The host's handle does not keep a GC object alive: once nothing in the store references
/// it, a collection frees it, and using the handle afterwards is an error, not undefined
/// behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnyRef {
    pub(crate) store: StoreId,
    pub(crate) raw: u64,
    pub(crate) generation: u64,
}

/// A reference to an exception; valid like [`AnyRef`], and kept alive while a
/// [`Trap`](super::Trap) carrying it exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExnRef {
    pub(crate) store: StoreId,
    pub(crate) raw: u64,
    pub(crate) generation: u64,
}

impl ExternRef {
    /// Moves `data` into the store and returns a reference to it.
    pub fn new(mut store: impl AsContextMut, data: impl Any + Send + Sync) -> ExternRef {
        let inner = &mut store.as_context_mut().inner;
        inner.externs.push(Box::new(data));
        ExternRef {
            store: inner.id,
            raw: refs::host_ref(inner.externs.len() as u32 - 1),
            generation: 0,
        }
    }

    /// The host data this reference holds, or None for an externalized internal reference.
    pub fn data<'a, T: 'a>(
        &self,
        store: &'a impl AsContext<Data = T>,
    ) -> Option<&'a (dyn Any + Send + Sync)> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        if !refs::is_host(self.raw) {
            return None;
        }
        Some(&**inner.externs.get(refs::host_index(self.raw) as usize)?)
    }

    /// The same reference seen from the `any` hierarchy (`any.convert_extern`).
    pub fn to_any(self) -> AnyRef {
        AnyRef {
            store: self.store,
            raw: self.raw,
            generation: self.generation,
        }
    }
}

impl AnyRef {
    /// An `i31` reference holding the low 31 bits of `value`.
    pub fn i31(store: impl AsContext, value: i32) -> AnyRef {
        let inner = &store.as_context().inner;
        AnyRef {
            store: inner.id,
            raw: refs::i31_new(value as u32),
            generation: 0,
        }
    }

    /// The signed value of an `i31` reference.
    pub fn as_i31(&self) -> Option<i32> {
        refs::is_i31(self.raw).then(|| refs::i31_get_s(self.raw))
    }

    /// The same reference seen from the `extern` hierarchy (`extern.convert_any`).
    pub fn to_extern(self) -> ExternRef {
        ExternRef {
            store: self.store,
            raw: self.raw,
            generation: self.generation,
        }
    }

    /// Whether this is a GC struct.
    pub fn is_struct(&self, store: impl AsContext) -> bool {
        self.composite(&store.as_context().inner) == Some(1)
    }

    /// Whether this is a GC array.
    pub fn is_array(&self, store: impl AsContext) -> bool {
        self.composite(&store.as_context().inner) == Some(2)
    }

    /// 1 for a struct, 2 for an array, None otherwise (or when stale).
    fn composite(&self, inner: &StoreInner) -> Option<u8> {
        inner.check(self.store);
        if !inner.gc.is_live(self.raw, self.generation) {
            return None;
        }
        match &inner.gc.heap.get(self.raw)?.ty.composite {
            Composite::Struct(_) => Some(1),
            Composite::Array(_) => Some(2),
            Composite::Func(_) => None,
        }
    }
}

impl Val {
    /// A null reference of the given type.
    pub fn null_of(ty: RefType) -> Val {
        if ty.is_func() {
            Val::FuncRef(None)
        } else if ty.is_extern() {
            Val::ExternRef(None)
        } else if ty.is_exn() {
            Val::ExnRef(None)
        } else {
            Val::AnyRef(None)
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

    /// Whether the value fits the given type (references by hierarchy and nullability;
    /// concrete types are checked against the store by [`Val::check_in`]).
    pub(crate) fn matches(&self, ty: ValType) -> bool {
        match (self, ty) {
            (Val::I32(_), ValType::I32)
            | (Val::I64(_), ValType::I64)
            | (Val::F32(_), ValType::F32)
            | (Val::F64(_), ValType::F64)
            | (Val::V128(_), ValType::V128) => true,
            (Val::FuncRef(f), ValType::Ref(r)) => r.is_func() && (f.is_some() || r.nullable),
            (Val::ExternRef(e), ValType::Ref(r)) => r.is_extern() && (e.is_some() || r.nullable),
            (Val::ExnRef(e), ValType::Ref(r)) => r.is_exn() && (e.is_some() || r.nullable),
            (Val::AnyRef(a), ValType::Ref(r)) => {
                !r.is_func() && !r.is_extern() && !r.is_exn() && (a.is_some() || r.nullable)
            }
            _ => false,
        }
    }

    /// Checks that a reference belongs to this store, is not stale and fits `ty` exactly
    /// (including concrete types and subtyping).
    pub(crate) fn check_in(&self, store: &StoreInner, ty: ValType) -> Result<(), String> {
        let (store_id, generation, raw) = match self {
            Val::FuncRef(Some(f)) => (f.store, 0, f.index as u64 + 1),
            Val::ExternRef(Some(r)) => (r.store, r.generation, r.raw),
            Val::AnyRef(Some(r)) => (r.store, r.generation, r.raw),
            Val::ExnRef(Some(r)) => (r.store, r.generation, r.raw),
            _ => return Ok(()),
        };
        if store_id != store.id {
            return Err("reference belongs to another store".into());
        }
        if !matches!(self, Val::FuncRef(_)) && !store.gc.is_live(raw, generation) {
            return Err("stale reference: its object was garbage-collected".into());
        }
        match ty {
            ValType::Ref(r) if !store.ref_matches(raw, r) => {
                Err(format!("reference is not of type {r}"))
            }
            _ => Ok(()),
        }
    }

    /// Encodes the value as raw slot bits (see [`super::gc::refs`]; functions are store
    /// index + 1, null is 0).
    pub(crate) fn to_raw(self, store: &StoreInner) -> u128 {
        match self {
            Val::I32(v) => v as u32 as u128,
            Val::I64(v) => v as u64 as u128,
            Val::F32(v) => v as u128,
            Val::F64(v) => v as u128,
            Val::V128(v) => v,
            Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => 0,
            Val::FuncRef(Some(f)) => {
                store.check(f.store);
                f.index as u128 + 1
            }
            Val::ExternRef(Some(r)) => {
                store.check(r.store);
                r.raw as u128
            }
            Val::AnyRef(Some(r)) => {
                store.check(r.store);
                r.raw as u128
            }
            Val::ExnRef(Some(r)) => {
                store.check(r.store);
                r.raw as u128
            }
        }
    }

    /// Decodes raw slot bits of the given type.
    pub(crate) fn from_raw(raw: u128, ty: ValType, store: &StoreInner) -> Val {
        let id = store.id;
        match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as u64 as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw as u64),
            ValType::V128 => Val::V128(raw),
            ValType::Ref(r) => {
                let raw = raw as u64;
                let generation = store.gc.generation_of(raw);
                if r.is_func() {
                    let index = raw.checked_sub(1).map(|i| i as u32);
                    Val::FuncRef(index.map(|index| Func { store: id, index }))
                } else if raw == 0 {
                    Val::null_of(r)
                } else if r.is_extern() {
                    Val::ExternRef(Some(ExternRef {
                        store: id,
                        raw,
                        generation,
                    }))
                } else if r.is_exn() {
                    Val::ExnRef(Some(ExnRef {
                        store: id,
                        raw,
                        generation,
                    }))
                } else {
                    Val::AnyRef(Some(AnyRef {
                        store: id,
                        raw,
                        generation,
                    }))
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
