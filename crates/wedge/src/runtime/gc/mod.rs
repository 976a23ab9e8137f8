//! Garbage collection: the store's GC heap, reference encoding and the roots a store holds.

mod access;
pub(crate) mod alloc;
pub(crate) mod array_ops;
pub mod heap;
pub mod refs;

pub use heap::GcStats;

use super::store::{Store, StoreInner};
use crate::registry::Composite;
use crate::types::{HeapType, RefType};
use heap::GcHeap;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The GC state of a store.
#[derive(Debug, Default)]
pub(crate) struct GcState {
    /// The objects.
    pub heap: GcHeap,
    /// References held by frames of executions suspended in a host call (which may run
    /// wasm again and collect); pushed and popped around host calls.
    pub suspended: Vec<u64>,
    /// Exceptions the host holds through a [`Trap`](super::Trap), with how many traps
    /// hold each.
    pub pinned: HashMap<u64, u32>,
    /// Pins whose traps were dropped, released at the next collection.
    pub released: Arc<Mutex<Vec<u64>>>,
}

impl GcState {
    /// What a host handle to `raw` records to detect reuse: the slot's generation (0 for
    /// references that are no heap objects).
    pub fn generation_of(&self, raw: u64) -> u64 {
        self.heap.generation(raw).map_or(0, u64::from)
    }

    /// Whether a host handle still names the object it was made for.
    pub fn is_live(&self, raw: u64, generation: u64) -> bool {
        !refs::is_object(raw) || self.heap.generation(raw).map(u64::from) == Some(generation)
    }

    /// Keeps an exception alive until the returned guard (held by a trap) is dropped.
    pub fn pin(&mut self, raw: u64) -> PinGuard {
        *self.pinned.entry(raw).or_insert(0) += 1;
        PinGuard {
            raw,
            released: self.released.clone(),
        }
    }

    /// Applies the releases of dropped guards.
    fn drain_released(&mut self) {
        let released =
            std::mem::take(&mut *self.released.lock().unwrap_or_else(|e| e.into_inner()));
        for raw in released {
            if let Some(n) = self.pinned.get_mut(&raw) {
                *n -= 1;
                if *n == 0 {
                    self.pinned.remove(&raw);
                }
            }
        }
    }
}

/// Keeps a pinned exception alive while a trap holds it; dropping it queues the release.
#[derive(Debug)]
pub struct PinGuard {
    raw: u64,
    released: Arc<Mutex<Vec<u64>>>,
}

impl Drop for PinGuard {
    fn drop(&mut self) {
        self.released
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.raw);
    }
}

impl StoreInner {
    /// Runs a collection with the store's roots plus `extra` (frame slots of the running
    /// execution).
    pub(crate) fn collect_garbage(&mut self, extra: &[u64]) {
        self.gc.drain_released();
        let mut roots = extra.to_vec();
        self.store_roots(&mut roots);
        self.gc.heap.collect(roots);
    }

    /// Appends the references the store holds outside wasm frames.
    fn store_roots(&self, out: &mut Vec<u64>) {
        for g in &self.globals {
            if g.ty.content.is_traced() {
                out.push(g.value as u64);
            }
        }
        for t in &self.tables {
            if t.ty.element.is_traced() {
                out.extend_from_slice(&t.elems);
            }
        }
        for inst in &self.instances {
            for (seg, items) in inst.module.inner.elems.iter().zip(&inst.elems) {
                if seg.ty.is_traced() {
                    out.extend_from_slice(items);
                }
            }
        }
        out.extend_from_slice(&self.gc.suspended);
        out.extend(self.gc.pinned.keys().copied());
        // An exception compiled code has thrown and not yet caught or returned to the host.
        if self.vm.pending_exn != 0 {
            out.push(self.vm.pending_exn);
        }
    }

    /// Whether a non-stale raw reference is a value of type `ty` (the dynamic check of
    /// `ref.test`, `ref.cast` and `br_on_cast`).
    pub(crate) fn ref_matches(&self, raw: u64, ty: RefType) -> bool {
        if raw == 0 {
            return ty.nullable;
        }
        let object = || self.gc.heap.get(raw).map(|o| &o.ty);
        match ty.heap {
            HeapType::Func | HeapType::Extern | HeapType::Exn | HeapType::Any => true,
            HeapType::NoFunc | HeapType::NoExtern | HeapType::None | HeapType::NoExn => false,
            HeapType::Concrete(id) => {
                let f = u32::try_from(raw - 1)
                    .ok()
                    .filter(|&f| f < self.funcs.len());
                f.is_some_and(|f| self.types.is_subtype(self.func(f).type_id, id))
            }
            HeapType::I31 => refs::is_i31(raw),
            HeapType::Eq => {
                refs::is_i31(raw)
                    || object().is_some_and(|t| !matches!(t.composite, Composite::Func(_)))
            }
            HeapType::Struct => {
                object().is_some_and(|t| matches!(t.composite, Composite::Struct(_)))
            }
            HeapType::Array => object().is_some_and(|t| matches!(t.composite, Composite::Array(_))),
            HeapType::ConcreteStruct(id) | HeapType::ConcreteArray(id) => {
                match (object(), self.types.get(id)) {
                    (Some(t), Some(want)) => t.is_subtype_of(want),
                    _ => false,
                }
            }
        }
    }
}

impl<T> Store<T> {
    /// Runs a garbage collection now (wasm runs them automatically as it allocates).
    ///
    /// Everything wasm can still reach survives, also when a host function called from
    /// wasm collects (the suspended frames are roots). Host handles
    /// ([`AnyRef`](super::AnyRef), [`ExnRef`](super::ExnRef)) to objects nothing else
    /// references become stale; an exception stays alive while a trap holding it exists.
    pub fn gc(&mut self) {
        self.inner.collect_garbage(&[]);
    }

    /// Sets the heap size below which wasm allocations never collect (default 1 MiB);
    /// 0 collects at every allocation, which is slow but shows missing roots at once.
    pub fn set_gc_min_heap(&mut self, bytes: usize) {
        self.inner.gc.heap.set_min_heap(bytes);
    }

    /// Counters of the store's GC heap.
    pub fn gc_stats(&self) -> GcStats {
        self.inner.gc.heap.stats()
    }
}
