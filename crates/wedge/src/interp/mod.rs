//! The interpreter tier: a translator from wasm to register bytecode and its executor.

mod call_entry;
mod call_link;
mod code;
mod exec;
mod gc_code;
mod mem_op;
mod num;
mod simd;
mod translate;
mod wide;

pub(crate) use call_entry::CallEntry;
pub use code::{Instr, NO_OSR, R};
pub(crate) use exec::{invoke, invoke_nested, suspended_frames};
pub use gc_code::{GcMap, GcOp, GcSite, Handler, HandlerKind};
pub(crate) use translate::{frame_layout, translate, INIT_CHUNK};

/// A function translated to register bytecode.
///
/// What a call reads on its fast path (the instructions, the frame's sizes and template,
/// the tier-up counter) comes first, on the first cache line.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct CompiledFunc {
    /// The instructions, with their handlers.
    pub(crate) ops: Box<[exec::Op]>,
    /// Initial contents of the slots from `init_at`: zeroed locals, then constants,
    /// padded with zeros to a multiple of `INIT_CHUNK` slots.
    pub(crate) init: Box<[u64]>,
    /// Slots taken by the parameters (the frame starts with them).
    pub(crate) param_slots: u32,
    /// First slot of the template: after the parameters and the locals that are always
    /// written before they are read (which a call leaves as they are).
    pub(crate) init_at: u32,
    /// Total slots the frame needs.
    pub(crate) frame_slots: u32,
    /// Tiered modules: what a call takes off `countdown` (0: the module is not tiered, and
    /// nothing counts).
    pub(crate) call_cost: i32,
    /// Tiered modules: calls and loop iterations left before the function is hot (see
    /// `crate::tier`).
    pub(crate) countdown: std::sync::atomic::AtomicI32,
    /// The function's index in its module.
    pub(crate) index: u32,
    /// (table index, canonical type id) of each `call_indirect` site.
    pub(crate) indirect_sites: Box<[(u32, u32)]>,
    /// Lane tables of `i8x16.shuffle` instructions.
    pub(crate) shuffles: Box<[[u8; 16]]>,
    /// Operands of `Instr::Gc` instructions.
    pub(crate) gc_sites: Box<[GcSite]>,
    /// Target types of casts (`ref.test`, `ref.cast`, `br_on_cast`).
    pub(crate) casts: Box<[crate::types::RefType]>,
    /// Which slots hold traced references at each safepoint.
    pub(crate) gc_map: GcMap,
    /// Exception handlers, innermost first.
    pub(crate) handlers: Box<[Handler]>,
    /// Per instruction, when metering: the (gas, instructions) its segment charged for
    /// operators after it, given back if it traps.
    pub(crate) refunds: Box<[(u64, u32)]>,
    /// Per instruction: the module offset of the wasm operator it was translated from.
    pub(crate) offsets: Box<[u32]>,
}

impl CompiledFunc {
    /// Number of instructions, for statistics and tests.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the function has no instructions.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}
