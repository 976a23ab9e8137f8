//! A module's table of call entries: per function, what a direct call needs of its
//! translation (the frame's sizes, its template and its first instruction), so that the
//! interpreter's `call` finds it all in one load on a dense table instead of following a
//! pointer to the translation first. A template of up to `HEAD_CHUNKS` chunks (most
//! functions' constants, once their locals need no zeroing) is kept in the entry itself,
//! padded to that length, so that most calls copy the same number of chunks (a copy loop
//! of a varying length mispredicts its exit).

use super::exec::Op;
use super::CompiledFunc;
use super::INIT_CHUNK;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// Bit of [`CallEntry::sizes`] set once the entry is filled (the sign bit).
const READY: u64 = 1 << 63;
/// Chunks of template an entry holds; a call copies that many chunks unrolled.
pub(crate) const HEAD_CHUNKS: usize = 2;
/// Bit of [`CallEntry::sizes`] set by the one thread that fills the entry.
const CLAIMED: u64 = 1 << 62;

/// The call entry of one function of a module: empty (`sizes` zero) until the function is
/// translated, and for functions the fast path does not take (tiered ones, which count
/// their calls, and frames too large to pack); then `code` alone is set.
#[repr(C, align(32))]
pub(crate) struct CallEntry {
    /// The translation (null until translated).
    pub code: AtomicPtr<CompiledFunc>,
    /// Its first instruction.
    pub ops: AtomicPtr<Op>,
    /// Its frame template (`head` when that holds it).
    pub init: AtomicPtr<u64>,
    /// Zero, `CLAIMED` while being filled, or `READY | init_chunks << 48 | init_at << 32 |
    /// frame_slots`; written last.
    pub sizes: AtomicU64,
    /// A template of up to `HEAD_CHUNKS` chunks, copied here and padded with zeros.
    head: [AtomicU64; HEAD_CHUNKS * INIT_CHUNK],
}

/// What a call reads of a filled entry.
#[derive(Clone, Copy)]
pub(crate) struct CallTarget {
    pub code: *const CompiledFunc,
    pub ops: *const Op,
    pub init: *const u64,
    pub frame_slots: u32,
    /// Slot of the frame where the template goes.
    pub init_at: u32,
    /// Length of the template in chunks of `INIT_CHUNK` slots.
    pub init_chunks: u32,
}

impl CallEntry {
    /// An empty entry.
    pub fn new() -> Self {
        CallEntry {
            code: AtomicPtr::new(std::ptr::null_mut()),
            ops: AtomicPtr::new(std::ptr::null_mut()),
            init: AtomicPtr::new(std::ptr::null_mut()),
            sizes: AtomicU64::new(0),
            head: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Fills the entry from `code`, which must live as long as the table (several threads
    /// may fill it with the same translation; the first to claim it writes the rest).
    pub fn fill(&self, code: &CompiledFunc) {
        let ptr = code as *const CompiledFunc as *mut CompiledFunc;
        self.code.store(ptr, Ordering::Release);
        let chunks = code.init.len() / INIT_CHUNK;
        if code.call_cost != 0 || code.init_at > 0xffff || chunks > 0x7fff {
            return;
        }
        if self
            .sizes
            .compare_exchange(0, CLAIMED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        self.ops
            .store(code.ops.as_ptr() as *mut Op, Ordering::Relaxed);
        let head_slots = (HEAD_CHUNKS * INIT_CHUNK) as u32;
        let (init, chunks) =
            if chunks <= HEAD_CHUNKS && code.frame_slots - code.init_at >= head_slots {
                for (h, &v) in self.head.iter().zip(code.init.iter()) {
                    h.store(v, Ordering::Relaxed);
                }
                (self.head.as_ptr() as *mut u64, HEAD_CHUNKS)
            } else {
                (code.init.as_ptr() as *mut u64, chunks)
            };
        self.init.store(init, Ordering::Relaxed);
        let sizes =
            READY | (chunks as u64) << 48 | (code.init_at as u64) << 32 | code.frame_slots as u64;
        self.sizes.store(sizes, Ordering::Release);
    }

    /// The filled entry, or None if the call must go through `code`.
    #[inline(always)]
    pub fn get(&self) -> Option<CallTarget> {
        let sizes = self.sizes.load(Ordering::Acquire);
        if sizes & READY == 0 {
            return None;
        }
        Some(CallTarget {
            code: self.code.load(Ordering::Relaxed),
            ops: self.ops.load(Ordering::Relaxed),
            init: self.init.load(Ordering::Relaxed),
            frame_slots: sizes as u32,
            init_at: (sizes >> 32) as u32 & 0xffff,
            init_chunks: (sizes >> 48) as u32 & 0x7fff,
        })
    }

    /// What a call reads of the entry of a callee whose call site is linked (see
    /// `call_link.rs`), with `ops`, the first instruction the link gives: the entry is
    /// filled (a link is only made from a filled entry, and made visible after it).
    #[inline(always)]
    pub fn linked(&self, ops: *const Op) -> CallTarget {
        let sizes = self.sizes.load(Ordering::Relaxed);
        debug_assert!(sizes & READY != 0, "a linked call's entry is filled");
        CallTarget {
            code: self.code.load(Ordering::Relaxed),
            ops,
            init: self.init.load(Ordering::Relaxed),
            frame_slots: sizes as u32,
            init_at: (sizes >> 32) as u32 & 0xffff,
            init_chunks: (sizes >> 48) as u32 & 0x7fff,
        }
    }
}

impl CallTarget {
    /// What a call reads of `code`.
    #[inline(always)]
    pub fn of(code: &CompiledFunc) -> Self {
        CallTarget {
            code,
            ops: code.ops.as_ptr(),
            init: code.init.as_ptr(),
            frame_slots: code.frame_slots,
            init_at: code.init_at,
            init_chunks: (code.init.len() / super::INIT_CHUNK) as u32,
        }
    }
}
