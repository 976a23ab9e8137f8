//! The context block: the flat, stable-address view of runtime state that compiled code reads.
//!
//! Layout (all fields 8 bytes, little-endian, pointers native):
//!
//! ```text
//! per instance (`VmCtx`, the `vmctx` argument of every compiled function):
//!   word 0            *mut VmStore          the store block
//!   word 1            *const u32            canonical type id of each module type index
//!   word 2            u64                   the instance's index in its store
//!   word 3            reserved (0)
//!   words 4..         (*const LinearMemory, base)  two words per memory (imported first)
//!   then              *mut VmTable          one per table
//!   then              *mut u128             one per global: its 16-byte cell
//!   then              (code, vmctx)         two words per imported function
//!   then              (code, vmctx)         two words per defined function, in the blocks of
//!                                           tiered instances only (see `crate::tier`)
//!
//! per store (`VmStore`):
//!   stack_limit, funcrefs, exit_fp, exit_func, store, store_inner, invoke, libcalls[..],
//!   interrupt, meter (*mut Meter: gas limit, gas used, instructions), refund_gas, refund_count,
//!   pending_exn, gc_table, funcrefs_len
//!
//! per memory (`LinearMemory`, see `runtime::memory`): base at offset 0 (never changes),
//!   length in bytes (an `AtomicUsize`) at `LinearMemory::LENGTH_OFFSET`
//! per table  (`VmTable`):  base (*mut u64, raw references), length in elements
//! per function (`VmFuncRef`): code, vmctx, type id, store function index
//! per store's GC heap (`VmGcTable`): base of the slot views (`VmSlotView`, 16 bytes each:
//!   payload address, array length); the view of reference `r` is at `base + (r << 2) - 16`
//! ```
//!
//! A raw reference (table element, `funcref`/`externref` value) is a store index + 1, or 0
//! for null. Memories are `Arc`s whose bytes never move; table, global and
//! function-reference blocks are boxed by their owners so their addresses never change;
//! whoever reallocates a table's elements refreshes its block before any wasm code runs again.

// Compiled code reads the offsets; interpreter-only builds have none.
#![cfg_attr(not(feature = "compiler"), allow(dead_code))]

use std::mem::offset_of;

/// Where a table's elements are: updated whenever the table grows.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VmTable {
    /// Address of element 0 (raw references).
    pub base: *mut u64,
    /// Number of elements.
    pub len: u64,
}

/// Where a GC heap object's payload is, as compiled code reads it: one per heap slot, kept
/// in step with the heap's object table (see `runtime::gc::heap`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct VmSlotView {
    /// Address of the payload (null for a free slot).
    pub data: *mut u8,
    /// For an array: its length in elements; otherwise 0.
    pub len: u64,
}

impl VmSlotView {
    /// The view of a free slot.
    pub const FREE: VmSlotView = VmSlotView {
        data: std::ptr::null_mut(),
        len: 0,
    };
}

// Compiled code finds the view of reference `(i + 1) << 2` at `base + (r << 2) - 16`.
const _: () = assert!(std::mem::size_of::<VmSlotView>() == 16);

/// Where a GC heap's slot views are: updated whenever they move (boxed by the heap, so its
/// address never changes; the store block points at it).
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VmGcTable {
    /// Address of the view of slot 0.
    pub base: *const VmSlotView,
}

impl Default for VmGcTable {
    fn default() -> VmGcTable {
        VmGcTable {
            base: std::ptr::null(),
        }
    }
}

/// How compiled code calls a function of the store.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VmFuncRef {
    /// Native code with the wasm calling convention, or null if none is known yet (a host or
    /// interpreted function whose signature no compiled module has declared).
    pub code: *const u8,
    /// The `callee_vmctx` to pass: the instance's context block for compiled functions, this
    /// function reference itself for host and interpreted functions.
    pub vmctx: *mut u8,
    /// Canonical type id.
    pub type_id: u32,
    /// Index of the function in its store.
    pub func_index: u32,
}

/// Number of entries of the libcall table (see `wedge_cranelift::LibCall`).
pub(crate) const LIBCALLS: usize = 20;

/// Calls a store function on raw slots from native code; monomorphized per store data type.
pub(crate) type InvokeFn =
    unsafe fn(store: *mut u8, func: u32, io: *mut u64, caller: u32) -> Result<(), super::Trap>;

/// The per-store block.
#[repr(C)]
pub(crate) struct VmStore {
    /// Lowest stack address compiled code may use before it traps.
    pub stack_limit: usize,
    /// Pointer to the array of function reference pointers (by store function index).
    pub funcrefs: *const *const VmFuncRef,
    /// Frame pointer of the last compiled frame that called into the runtime.
    pub exit_fp: usize,
    /// Module function index of that frame, or `u32::MAX` for a trampoline.
    pub exit_func: u32,
    _pad: u32,
    /// The `Store<T>` running code (set on every entry from the host).
    pub store: *mut u8,
    /// Its `StoreInner`.
    pub store_inner: *mut super::store::StoreInner,
    /// How to call host and interpreted functions.
    pub invoke: Option<InvokeFn>,
    /// Runtime functions compiled code calls.
    pub libcalls: [usize; LIBCALLS],
    /// The store's interrupt flag (an `AtomicBool` the store keeps alive).
    pub interrupt: *const std::sync::atomic::AtomicBool,
    /// The store's gas meter (set on every entry from the host).
    pub meter: *mut crate::limits::Meter,
    /// Gas a trap raised by the next libcall gives back (metered code sets it first).
    pub refund_gas: u64,
    /// Instructions given back with `refund_gas`.
    pub refund_count: u64,
    /// The exception compiled code is throwing (a raw reference), or 0.
    pub pending_exn: u64,
    /// The store's GC slot views (set when the store is created; the heap owns them).
    pub gc_table: *const VmGcTable,
    /// Number of entries of `funcrefs` (at least 1; functions past them, like those of a
    /// null entry, have no function reference made yet).
    pub funcrefs_len: u64,
}

impl VmStore {
    /// A block with nothing running.
    pub fn new(invoke: InvokeFn, libcalls: [usize; LIBCALLS]) -> VmStore {
        VmStore {
            stack_limit: usize::MAX,
            funcrefs: std::ptr::null(),
            exit_fp: 0,
            exit_func: u32::MAX,
            _pad: 0,
            store: std::ptr::null_mut(),
            store_inner: std::ptr::null_mut(),
            invoke: Some(invoke),
            libcalls,
            interrupt: std::ptr::null(),
            meter: std::ptr::null_mut(),
            refund_gas: 0,
            refund_count: 0,
            pending_exn: 0,
            gc_table: std::ptr::null(),
            funcrefs_len: 0,
        }
    }
}

// SAFETY: the raw pointers in these blocks point into the store that owns them (or into
// modules it keeps alive); they are only dereferenced by code running on behalf of that store,
// which holds it mutably borrowed on one thread at a time.
unsafe impl Send for VmStore {}
// SAFETY: as above.
unsafe impl Send for VmTable {}
// SAFETY: as above.
unsafe impl Send for VmFuncRef {}
// SAFETY: a view points into an object its heap owns; only that heap's store uses it.
unsafe impl Send for VmSlotView {}
// SAFETY: as above.
unsafe impl Send for VmGcTable {}
// SAFETY: views are only read through shared references while no call runs.
unsafe impl Sync for VmSlotView {}
// SAFETY: as above.
unsafe impl Sync for VmGcTable {}
// SAFETY: shared references to these blocks are only read while no call runs.
unsafe impl Sync for VmStore {}
// SAFETY: as above.
unsafe impl Sync for VmTable {}
// SAFETY: as above.
unsafe impl Sync for VmFuncRef {}

/// Byte offsets within the blocks, and of each section of an instance's context block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VmShape {
    pub memories: u32,
    pub tables: u32,
    pub globals: u32,
    pub imported_funcs: u32,
    /// Where the defined functions' slots start (tiered instances only).
    pub defined_funcs: u32,
    /// Total size in 8-byte words.
    pub words: u32,
}

/// Words before the first memory pointer.
const HEADER_WORDS: u32 = 4;
/// Word index of the store pointer.
pub(crate) const WORD_STORE: usize = 0;
/// Word index of the type id pointer.
pub(crate) const WORD_TYPE_IDS: usize = 1;
/// Word index of the instance index.
pub(crate) const WORD_INSTANCE: usize = 2;

impl VmShape {
    /// The shape of the context block of an instance with these counts.
    pub fn new(
        memories: u32,
        tables: u32,
        globals: u32,
        imported_funcs: u32,
        defined_funcs: u32,
    ) -> VmShape {
        let m = HEADER_WORDS;
        let t = m + 2 * memories;
        let g = t + tables;
        let f = g + globals;
        let d = f + 2 * imported_funcs;
        VmShape {
            memories: m * 8,
            tables: t * 8,
            globals: g * 8,
            imported_funcs: f * 8,
            defined_funcs: d * 8,
            words: d + 2 * defined_funcs,
        }
    }

    /// The shape of the blocks of a module's instances, with the defined functions' slots
    /// if `with_defined`.
    pub fn of(m: &crate::module::ModuleInner, with_defined: bool) -> VmShape {
        let defined = if with_defined { m.bodies.len() } else { 0 };
        VmShape::new(
            m.memories.len() as u32,
            m.tables.len() as u32,
            m.globals.len() as u32,
            m.num_imported_funcs,
            defined as u32,
        )
    }
}

/// Offsets of `VmStore` fields.
pub(crate) mod store_offsets {
    use super::*;
    /// `stack_limit`.
    pub const STACK_LIMIT: usize = offset_of!(VmStore, stack_limit);
    /// `funcrefs`.
    pub const FUNCREFS: usize = offset_of!(VmStore, funcrefs);
    /// `funcrefs_len`.
    pub const FUNCREFS_LEN: usize = offset_of!(VmStore, funcrefs_len);
    /// `exit_fp`.
    pub const EXIT_FP: usize = offset_of!(VmStore, exit_fp);
    /// `exit_func`.
    pub const EXIT_FUNC: usize = offset_of!(VmStore, exit_func);
    /// `libcalls`.
    pub const LIBCALLS: usize = offset_of!(VmStore, libcalls);
    /// `interrupt`.
    pub const INTERRUPT: usize = offset_of!(VmStore, interrupt);
    /// `meter`.
    pub const METER: usize = offset_of!(VmStore, meter);
    /// `refund_gas`.
    pub const REFUND_GAS: usize = offset_of!(VmStore, refund_gas);
    /// `refund_count`.
    pub const REFUND_COUNT: usize = offset_of!(VmStore, refund_count);
    /// `pending_exn`.
    pub const PENDING_EXN: usize = offset_of!(VmStore, pending_exn);
    /// `gc_table`.
    pub const GC_TABLE: usize = offset_of!(VmStore, gc_table);
    /// `VmGcTable::base`.
    pub const GC_TABLE_BASE: usize = offset_of!(VmGcTable, base);
    /// `VmSlotView::data`.
    pub const SLOT_VIEW_DATA: usize = offset_of!(VmSlotView, data);
    /// `VmSlotView::len`.
    pub const SLOT_VIEW_LEN: usize = offset_of!(VmSlotView, len);
    /// `Meter::gas_limit`.
    pub const METER_GAS_LIMIT: usize = offset_of!(crate::limits::Meter, gas_limit);
    /// `Meter::gas_used`.
    pub const METER_GAS_USED: usize = offset_of!(crate::limits::Meter, gas_used);
    /// `Meter::instructions`.
    pub const METER_INSTRUCTIONS: usize = offset_of!(crate::limits::Meter, instructions);
    /// A memory's current length in bytes (`LinearMemory`, an `AtomicUsize`).
    pub const MEMORY_LEN: usize = crate::runtime::memory::MEMORY_LENGTH_OFFSET;
    /// `VmTable::base`.
    pub const TABLE_BASE: usize = offset_of!(VmTable, base);
    /// `VmTable::len`.
    pub const TABLE_LEN: usize = offset_of!(VmTable, len);
    /// `VmFuncRef::code`.
    pub const FUNCREF_CODE: usize = offset_of!(VmFuncRef, code);
    /// `VmFuncRef::vmctx`.
    pub const FUNCREF_VMCTX: usize = offset_of!(VmFuncRef, vmctx);
    /// `VmFuncRef::type_id`.
    pub const FUNCREF_TYPE_ID: usize = offset_of!(VmFuncRef, type_id);
}

/// An instance's context block.
pub(crate) struct VmCtx {
    words: Box<[u64]>,
    /// The canonical type ids the block points to.
    _type_ids: Box<[u32]>,
}

// SAFETY: see the impls for `VmStore`.
unsafe impl Send for VmCtx {}
// SAFETY: see the impls for `VmStore`.
unsafe impl Sync for VmCtx {}

impl VmCtx {
    /// A zeroed block of the given shape pointing at the store block and type ids.
    pub fn new(shape: VmShape, store: *mut VmStore, type_ids: &[u32], instance: u32) -> VmCtx {
        let type_ids: Box<[u32]> = type_ids.into();
        let mut words = vec![0u64; shape.words as usize].into_boxed_slice();
        words[WORD_STORE] = store as u64;
        words[WORD_TYPE_IDS] = type_ids.as_ptr() as u64;
        words[WORD_INSTANCE] = instance as u64;
        VmCtx {
            words,
            _type_ids: type_ids,
        }
    }

    /// Sets the word at a byte offset.
    pub fn set(&mut self, byte_offset: u32, value: u64) {
        self.words[byte_offset as usize / 8] = value;
    }

    /// The word at a byte offset.
    pub fn get(&self, byte_offset: u32) -> u64 {
        self.words[byte_offset as usize / 8]
    }

    /// The address compiled code receives.
    pub fn as_ptr(&self) -> *mut u8 {
        self.words.as_ptr() as *mut u8
    }
}
