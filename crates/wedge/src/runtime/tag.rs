//! Exception tags and exceptions as the embedding API sees them.

use super::store::{AsContext, AsContextMut, StoreId, StoreInner};
use super::trap::Trap;
use super::val::{ExnRef, Val};
use crate::registry::Composite;
use crate::types::FuncType;
use crate::Error;
use std::sync::Arc;

/// A tag as the store keeps it.
#[derive(Clone, Debug)]
pub(crate) struct TagEntity {
    pub ty: Arc<FuncType>,
    /// Canonical id of the payload signature.
    pub type_id: u32,
}

/// A handle to an exception tag in a store: what `throw` names and `catch` matches.
///
/// ```
/// use wedge::*;
/// let mut store = Store::new(&Engine::default(), ());
/// let tag = Tag::new(&mut store, FuncType::new([ValType::I32], []));
/// let exn = ExnRef::new(&mut store, tag, &[Val::I32(7)])?;
/// assert_eq!(exn.tag(&store), Some(tag));
/// assert_eq!(exn.payload(&store), Some(vec![Val::I32(7)]));
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tag {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Tag {
    /// Creates a tag whose exceptions carry values of the signature's parameter types.
    pub fn new(mut store: impl AsContextMut, ty: FuncType) -> Tag {
        let inner = &mut store.as_context_mut().inner;
        let type_id = inner.engine.intern_type(&ty);
        let canon = inner.engine.canon_type(type_id);
        inner.types.insert(&canon);
        inner.tags.push(TagEntity {
            ty: Arc::new(ty),
            type_id,
        });
        Tag {
            store: inner.id,
            index: inner.tags.len() as u32 - 1,
        }
    }

    /// The tag's signature (its parameters are the exception's payload).
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        (*inner.tags[self.index as usize].ty).clone()
    }
}

impl StoreInner {
    /// Allocates an exception of store tag `tag` from raw payload slots.
    pub(crate) fn alloc_exception(&mut self, tag: u32, payload: &[u64]) -> u64 {
        let type_id = self.tags[tag as usize].type_id;
        let ty = match self.types.get(type_id) {
            Some(t) => t.clone(),
            None => {
                let t = self.engine.canon_type(type_id);
                self.types.insert(&t);
                t
            }
        };
        let data: Box<[u8]> = payload.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.gc.heap.alloc(ty, tag, data)
    }

    /// The store tag index and raw payload slots of an exception.
    pub(crate) fn exception_parts(&self, raw: u64) -> Option<(u32, Vec<u64>)> {
        let obj = self.gc.heap.get(raw)?;
        if !matches!(obj.ty.composite, Composite::Func(_)) {
            return None;
        }
        let words = obj
            .data
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        Some((obj.tag, words))
    }

    /// The host handle of an exception.
    pub(crate) fn exn_handle(&self, raw: u64) -> ExnRef {
        ExnRef {
            store: self.id,
            raw,
            generation: self.gc.generation_of(raw),
        }
    }

    /// The trap that carries an exception escaping to the host; the exception stays alive
    /// while the trap (or a clone) exists.
    pub(crate) fn escaping_exception(&mut self, raw: u64) -> Trap {
        let exn = self.exn_handle(raw);
        let guard = self.gc.pin(raw);
        Trap::with_exception(exn, Some(guard))
    }
}

impl ExnRef {
    /// Creates an exception of `tag` carrying `payload`, for a host function to throw with
    /// [`Trap::throw`] (like an [`AnyRef`](super::AnyRef), it is freed by a collection
    /// while nothing references it).
    pub fn new(mut store: impl AsContextMut, tag: Tag, payload: &[Val]) -> Result<ExnRef, Error> {
        let inner = &mut store.as_context_mut().inner;
        inner.check(tag.store);
        let ty = inner.tags[tag.index as usize].ty.clone();
        super::func::check_vals("exception payload", payload, ty.params())?;
        for (v, t) in payload.iter().zip(ty.params()) {
            v.check_in(inner, *t).map_err(Error::Type)?;
        }
        let mut words = vec![0u64; ty.param_slots() as usize];
        super::func::write_vals(inner, payload, &mut words);
        let raw = inner.alloc_exception(tag.index, &words);
        Ok(inner.exn_handle(raw))
    }

    /// The exception's tag (None if the reference is stale).
    pub fn tag(&self, store: impl AsContext) -> Option<Tag> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        let (tag, _) = self.parts(inner)?;
        Some(Tag {
            store: self.store,
            index: tag,
        })
    }

    /// The exception's payload values (None if the reference is stale).
    pub fn payload(&self, store: impl AsContext) -> Option<Vec<Val>> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        let (tag, words) = self.parts(inner)?;
        let ty = inner.tags[tag as usize].ty.clone();
        let mut vals = vec![Val::I32(0); ty.params().len()];
        super::func::read_vals(inner, ty.params(), &words, &mut vals);
        Some(vals)
    }

    fn parts(&self, inner: &StoreInner) -> Option<(u32, Vec<u64>)> {
        if !inner.gc.is_live(self.raw, self.generation) {
            return None;
        }
        inner.exception_parts(self.raw)
    }
}

impl Trap {
    /// A "trap" that throws `exception` into the calling wasm code, where `try_table` can
    /// catch it; uncaught, it reaches the host as an error whose trap has kind
    /// [`TrapKind::Exception`](super::TrapKind::Exception).
    pub fn throw(exception: ExnRef) -> Trap {
        Trap::with_exception(exception, None)
    }
}
