//! The GC heap of a store: structs, arrays and exceptions, collected by mark and sweep.
//!
//! # Object layout
//!
//! Objects live in numbered slots and never move; a reference to the object in slot `i`
//! is `(i + 1) << 2` (see [`super::refs`] for the whole reference encoding). Each object
//! has its canonical type (an `Arc<CanonType>`, which gives the canonical id, the supertype
//! chain for casts and the layout for tracing) and a byte payload:
//!
//! - a struct of type `t`: field `k` at byte `t.offsets[k]`, stored little-endian in
//!   `storage.size()` bytes (i8 → 1, i16 → 2, i32/f32 → 4, i64/f64/references → 8,
//!   v128 → 16), each naturally aligned (at most 8), payload size `t.size`;
//! - an array: elements back to back, `len * size` bytes, so `len = payload / size`;
//! - an exception: the tag's payload values as 8-byte words (v128 takes two), `ty` is the
//!   tag's function type and `tag` the store index of the tag.
//!
//! Packed fields hold the low bits; `get_s`/`get_u` extend them. References in fields use
//! the slot encoding of [`super::refs`], so a compiled tier can copy them unchanged.
//!
//! # The view compiled code reads
//!
//! Beside the object table the heap keeps, per slot, a plain view (`VmSlotView`: the
//! payload's address and, for arrays, the length in elements; null for a free slot) and a
//! boxed cell (`VmGcTable`) holding the views' current address, which the store block
//! points at. Compiled code reads and writes struct fields and array elements through them
//! without calling the runtime. Both are updated by [`GcHeap::alloc`] and
//! [`GcHeap::collect`], the only operations that add or free objects; a payload is never
//! replaced while its object lives, so its address stays valid until the object is freed.
//!
//! # Collection and the root-finding contract
//!
//! A collection happens only at a safepoint: an instruction that allocates. The caller of
//! [`GcHeap::collect`] must pass every reference that may still be used afterwards:
//!
//! - the slots of every active wasm frame that hold traced references (types in the `any`,
//!   `extern` and `exn` hierarchies) at that point: the interpreter records, per function,
//!   its always-live reference slots (locals, hidden slots) and per safepoint the
//!   reference-typed operand-stack slots (see `interp::GcMap`); a compiled tier must
//!   provide the same through its own stack maps;
//! - the operands of the allocating instruction that are not yet stored (the interpreter's
//!   safepoint maps include them);
//! - what the store itself holds, which `StoreInner::collect_garbage` adds: globals,
//!   tables, element segments, exceptions handed to the host, and the frames of
//!   executions suspended in host calls (published before each host call).
//!
//! Function references are store indices and are never traced. Anything not reachable from
//! those roots is freed, and its slot is reused by later allocations.

use super::refs;
use crate::registry::{CanonType, Composite, StorageType};
use crate::runtime::vmctx::{VmGcTable, VmSlotView};
use crate::types::ValType;
use std::sync::Arc;

/// Bytes accounted per object besides its payload (slot, header, allocation).
pub const OBJECT_OVERHEAD: usize = 48;

/// The heap size below which no collection happens.
const MIN_THRESHOLD: usize = 1 << 20;

/// The largest payload one object may have (arrays beyond it trap).
pub const MAX_OBJECT_BYTES: usize = 1 << 30;

/// The most bytes a store's live objects may take; allocations beyond it trap even after
/// a collection, so a guest cannot exhaust the host's memory.
pub const MAX_HEAP_BYTES: usize = 4 << 30;

/// One GC object.
#[derive(Debug)]
pub struct Object {
    /// The object's type (for exceptions: the tag's function type).
    pub ty: Arc<CanonType>,
    /// For exceptions: the store index of the tag; otherwise 0.
    pub tag: u32,
    /// The payload, laid out as the module docs describe (never replaced: compiled code
    /// holds its address).
    pub data: Box<[u8]>,
}

/// Counters describing the heap, for tests and monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcStats {
    /// Collections run so far.
    pub collections: u64,
    /// Objects alive now (or not yet collected).
    pub objects: usize,
    /// Bytes accounted to the objects alive now.
    pub bytes: usize,
    /// The largest `bytes` ever reached.
    pub peak_bytes: usize,
    /// Slots in the object table (live plus free).
    pub slots: usize,
}

/// The heap: object slots, a free list and the collection policy.
#[derive(Debug, Default)]
pub struct GcHeap {
    objects: Vec<Option<Object>>,
    /// Per slot, how many objects it held before the current one (never shrinks), so a
    /// host handle can tell its object from a later one in the same slot.
    generations: Vec<u32>,
    free: Vec<usize>,
    marks: Vec<bool>,
    bytes: usize,
    threshold: usize,
    /// Heap size below which no collection happens (`MIN_THRESHOLD` when unset).
    min_heap: Option<usize>,
    stats: GcStats,
    /// Per slot, where its payload is (see the module docs).
    views: Vec<VmSlotView>,
    /// The views' address, for compiled code (boxed: its own address never changes).
    table: Box<VmGcTable>,
}

impl GcHeap {
    /// Whether any object was ever allocated (no object means nothing needs roots).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Whether allocating `payload` more bytes should first run a collection.
    #[inline]
    pub fn should_collect(&self, payload: usize) -> bool {
        let min = self.min_heap.unwrap_or(MIN_THRESHOLD);
        self.bytes + payload + OBJECT_OVERHEAD > self.threshold.max(min)
    }

    /// Sets the heap size below which no collection happens (0: collect at every
    /// allocation, which tests use to check that every root is found).
    pub fn set_min_heap(&mut self, bytes: usize) {
        self.min_heap = Some(bytes);
        self.threshold = self.threshold.min(bytes);
    }

    /// Whether allocating `payload` more bytes would pass [`MAX_HEAP_BYTES`].
    #[inline]
    pub fn over_limit(&self, payload: usize) -> bool {
        self.bytes + payload + OBJECT_OVERHEAD > MAX_HEAP_BYTES
    }

    /// The cell compiled code reads the slot views' address from (its address is stable).
    pub(crate) fn table(&self) -> *const VmGcTable {
        &*self.table
    }

    /// Allocates an object and returns its reference.
    pub fn alloc(&mut self, ty: Arc<CanonType>, tag: u32, mut data: Box<[u8]>) -> u64 {
        self.bytes += data.len() + OBJECT_OVERHEAD;
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.bytes);
        self.stats.objects += 1;
        let len = match &ty.composite {
            Composite::Array(f) => (data.len() / f.storage.size() as usize) as u64,
            _ => 0,
        };
        let view = VmSlotView {
            data: data.as_mut_ptr(),
            len,
        };
        let obj = Some(Object { ty, tag, data });
        let index = match self.free.pop() {
            Some(i) => {
                self.objects[i] = obj;
                self.views[i] = view;
                i
            }
            None => {
                self.objects.push(obj);
                self.views.push(view);
                self.table.base = self.views.as_ptr();
                self.objects.len() - 1
            }
        };
        match self.generations.get_mut(index) {
            Some(g) => *g = g.wrapping_add(1),
            None => self.generations.push(0),
        }
        refs::object_ref(index)
    }

    /// The object a reference points to, if it is a live object reference.
    #[inline]
    pub fn get(&self, raw: u64) -> Option<&Object> {
        if !refs::is_object(raw) {
            return None;
        }
        self.objects.get(refs::object_index(raw))?.as_ref()
    }

    /// The generation of the live object a reference points to.
    #[inline]
    pub fn generation(&self, raw: u64) -> Option<u32> {
        self.get(raw)?;
        self.generations.get(refs::object_index(raw)).copied()
    }

    /// The object a reference points to, mutably.
    #[inline]
    pub fn get_mut(&mut self, raw: u64) -> Option<&mut Object> {
        if !refs::is_object(raw) {
            return None;
        }
        self.objects.get_mut(refs::object_index(raw))?.as_mut()
    }

    /// Two distinct objects, mutably (the first) and shared (the second); None if the
    /// references are equal or not both live.
    pub fn get_two(&mut self, a: u64, b: u64) -> Option<(&mut Object, &Object)> {
        if !refs::is_object(a) || !refs::is_object(b) || a == b {
            return None;
        }
        let (i, j) = (refs::object_index(a), refs::object_index(b));
        if i.max(j) >= self.objects.len() {
            return None;
        }
        if i < j {
            let (lo, hi) = self.objects.split_at_mut(j);
            Some((lo[i].as_mut()?, hi[0].as_ref()?))
        } else {
            let (lo, hi) = self.objects.split_at_mut(i);
            Some((hi[0].as_mut()?, lo[j].as_ref()?))
        }
    }

    /// Counters describing the heap.
    pub fn stats(&self) -> GcStats {
        GcStats {
            bytes: self.bytes,
            slots: self.objects.len(),
            ..self.stats
        }
    }

    /// Frees every object not reachable from `roots` (references of any kind; non-object
    /// encodings are ignored).
    pub fn collect(&mut self, roots: impl IntoIterator<Item = u64>) {
        self.marks.clear();
        self.marks.resize(self.objects.len(), false);
        let mut work: Vec<usize> = Vec::new();
        for raw in roots {
            self.mark(raw, &mut work);
        }
        let mut children = Vec::new();
        while let Some(i) = work.pop() {
            let Some(obj) = self.objects[i].as_ref() else {
                continue;
            };
            trace(obj, &mut children);
            for raw in children.drain(..) {
                self.mark(raw, &mut work);
            }
        }
        for (i, slot) in self.objects.iter_mut().enumerate() {
            if !self.marks[i] {
                if let Some(obj) = slot.take() {
                    self.bytes -= obj.data.len() + OBJECT_OVERHEAD;
                    self.stats.objects -= 1;
                    self.free.push(i);
                    self.views[i] = VmSlotView::FREE;
                }
            }
        }
        // Trailing free slots are given back so the table shrinks with the live set.
        while matches!(self.objects.last(), Some(None)) {
            self.objects.pop();
        }
        let len = self.objects.len();
        self.views.truncate(len);
        self.table.base = self.views.as_ptr();
        self.free.retain(|&i| i < len);
        self.free.sort_unstable_by(|a, b| b.cmp(a));
        self.threshold = match self.min_heap.unwrap_or(MIN_THRESHOLD) {
            0 => 0,
            min => (self.bytes * 2).max(min),
        };
        self.stats.collections += 1;
    }

    fn mark(&mut self, raw: u64, work: &mut Vec<usize>) {
        if !refs::is_object(raw) {
            return;
        }
        let i = refs::object_index(raw);
        if i < self.marks.len() && !self.marks[i] && self.objects[i].is_some() {
            self.marks[i] = true;
            work.push(i);
        }
    }
}

/// Appends the references an object holds.
fn trace(obj: &Object, out: &mut Vec<u64>) {
    let word = |at: usize| -> u64 {
        let bytes: [u8; 8] = obj.data[at..at + 8].try_into().unwrap_or([0; 8]);
        u64::from_le_bytes(bytes)
    };
    match &obj.ty.composite {
        Composite::Struct(s) => out.extend(s.traced.iter().map(|&at| word(at as usize))),
        Composite::Array(f) => {
            if f.storage.is_traced() {
                out.extend((0..obj.data.len() / 8).map(|k| word(k * 8)));
            }
        }
        Composite::Func(f) => {
            let mut at = 0;
            for t in f.params() {
                if t.is_traced() {
                    out.push(word(at));
                }
                at += 8 * t.slots() as usize;
            }
        }
    }
}

/// Reads a field of `size` bytes at `at` as raw slot bits.
#[inline]
pub fn read_field(data: &[u8], at: usize, storage: StorageType) -> u128 {
    let size = storage.size() as usize;
    let mut buf = [0u8; 16];
    buf[..size].copy_from_slice(&data[at..at + size]);
    u128::from_le_bytes(buf)
}

/// Writes raw slot bits to a field of `size` bytes at `at` (packed fields keep the low bits).
#[inline]
pub fn write_field(data: &mut [u8], at: usize, storage: StorageType, raw: u128) {
    let size = storage.size() as usize;
    data[at..at + size].copy_from_slice(&raw.to_le_bytes()[..size]);
}

/// Sign- or zero-extends a packed field to an i32 slot value.
#[inline]
pub fn extend_packed(raw: u128, storage: StorageType, signed: bool) -> u64 {
    let v = raw as u32;
    let v = match (storage, signed) {
        (StorageType::I8, true) => v as i8 as i32 as u32,
        (StorageType::I16, true) => v as i16 as i32 as u32,
        (StorageType::I8, false) => v & 0xff,
        (StorageType::I16, false) => v & 0xffff,
        (StorageType::Val(ValType::I32 | ValType::F32), _) => v,
        _ => return raw as u64,
    };
    v as u64
}
