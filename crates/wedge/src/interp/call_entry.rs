//! A module's table of call entries: per function, what a direct call needs of its
//! translation (the frame's sizes, its template and its first instruction), so that the
//! interpreter's `call` finds it all in one load on a dense table instead of following a
//! pointer to the translation first.

use super::exec::Op;
use super::CompiledFunc;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// Bit of [`CallEntry::sizes`] set once the entry is filled.
const READY: u64 = 1 << 63;

/// The call entry of one function of a module: empty (`sizes` zero) until the function is
/// translated, and for functions the fast path does not take (tiered ones, which count
/// their calls, and frames too large to pack); then `code` alone is set.
#[repr(C, align(32))]
pub(crate) struct CallEntry {
    /// The translation (null until translated).
    pub code: AtomicPtr<CompiledFunc>,
    /// Its first instruction.
    pub ops: AtomicPtr<Op>,
    /// Its frame template.
    pub init: AtomicPtr<u64>,
    /// Zero, or `READY | init_chunks << 48 | param_slots << 32 | frame_slots`; written last.
    pub sizes: AtomicU64,
}

/// What a call reads of a filled entry.
#[derive(Clone, Copy)]
pub(crate) struct CallTarget {
    pub code: *const CompiledFunc,
    pub ops: *const Op,
    pub init: *const u64,
    pub frame_slots: u32,
    pub param_slots: u32,
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
        }
    }

    /// Fills the entry from `code`, which must live as long as the table (several threads
    /// may fill it with the same translation).
    pub fn fill(&self, code: &CompiledFunc) {
        let ptr = code as *const CompiledFunc as *mut CompiledFunc;
        self.code.store(ptr, Ordering::Release);
        let chunks = code.init.len() / super::INIT_CHUNK;
        if code.call_cost != 0 || code.param_slots > 0xffff || chunks > 0x7fff {
            return;
        }
        self.ops
            .store(code.ops.as_ptr() as *mut Op, Ordering::Relaxed);
        self.init
            .store(code.init.as_ptr() as *mut u64, Ordering::Relaxed);
        let sizes = READY
            | (chunks as u64) << 48
            | (code.param_slots as u64) << 32
            | code.frame_slots as u64;
        self.sizes.store(sizes, Ordering::Release);
    }

    /// The filled entry, or None if the call must go through `code`.
    #[inline(always)]
    pub fn get(&self) -> Option<CallTarget> {
        let sizes = self.sizes.load(Ordering::Acquire);
        if sizes == 0 {
            return None;
        }
        Some(CallTarget {
            code: self.code.load(Ordering::Relaxed),
            ops: self.ops.load(Ordering::Relaxed),
            init: self.init.load(Ordering::Relaxed),
            frame_slots: sizes as u32,
            param_slots: (sizes >> 32) as u32 & 0xffff,
            init_chunks: (sizes >> 48) as u32 & 0x7fff,
        })
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
            param_slots: code.param_slots,
            init_chunks: (code.init.len() / super::INIT_CHUNK) as u32,
        }
    }
}
