//! Wedge's compiler tier: translates WebAssembly function bodies to native code with Cranelift.
//!
//! This crate is a pure translator. It is given the module's types, the kinds of its globals,
//! memories and tables, and the layout of the runtime's context block ([`VmLayout`]); it returns
//! one block of position-independent machine code ([`CompiledCode`]) with the offsets of every
//! function and trampoline, the trap sites and the few relocations the runtime must patch.
//! It knows nothing else about the runtime: every runtime object is reached through the
//! context block, and every slow operation is a call through the runtime's libcall table.
//!
//! Calling conventions:
//! - a wasm function takes `(callee_vmctx, caller_vmctx, params...)` and returns its results,
//!   in Cranelift's `tail` convention;
//! - an *array trampoline* (one per signature, `extern "C"`) takes
//!   `(callee_vmctx, caller_vmctx, io: *mut u64, code: *const u8)`, reads the parameters from
//!   `io` (one 8-byte slot each, two for v128), calls `code` and writes the results to `io`;
//! - a *host trampoline* (one per signature) has a wasm function's signature; its
//!   `callee_vmctx` is the runtime's function reference for the callee, and it calls the
//!   [`LibCall::HostCall`] libcall with the arguments spilled into slots.

mod compile;
mod func;
mod gc;
mod inline;
mod isa;
mod layout;
mod throws;
mod trampoline;

pub use compile::{
    analyze_throws, compile_functions, compile_module, compile_osr_entry, CodeRange, CompiledCode,
    InlineSite, InlinedRange, Refund, Reloc, RelocKind, StackMapEntry, TrapSite, WasmOffset,
};
pub use gc::{
    abstract_code, abstract_of, heap_code, GcField, GcOp, GcType, Storage, ABSTRACT_HEAP,
};

#[cfg(test)]
mod tests;
pub use isa::{host_isa_stamp, Isa};
pub use layout::{LibCall, VmLayout};
pub use throws::Throws;

/// A WebAssembly value type, as far as code generation cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WasmType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference the collector traces (an opaque 64-bit value; 0 is null): compiled
    /// frames list where they keep these in their stack maps.
    Ref,
    /// A function reference (an opaque 64-bit value; 0 is null), never traced.
    FuncRef,
}

impl WasmType {
    /// Number of 8-byte slots the value takes in an array call.
    pub fn slots(self) -> u32 {
        if self == WasmType::V128 {
            2
        } else {
            1
        }
    }
}

/// A function signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncSig {
    /// Parameter types.
    pub params: Vec<WasmType>,
    /// Result types.
    pub results: Vec<WasmType>,
}

impl FuncSig {
    /// Slots an array call of this signature needs (the larger of parameters and results).
    pub fn io_slots(&self) -> u32 {
        let p: u32 = self.params.iter().map(|t| t.slots()).sum();
        let r: u32 = self.results.iter().map(|t| t.slots()).sum();
        p.max(r)
    }
}

/// A global variable's type.
#[derive(Clone, Copy, Debug)]
pub struct GlobalDesc {
    /// Value type.
    pub ty: WasmType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
}

/// A linear memory's type, as far as code generation cares. Its base address never changes
/// (the runtime grows memories in place), so compiled code reads it once per function.
#[derive(Clone, Copy, Debug)]
pub struct MemoryDesc {
    /// Whether addresses are 64-bit.
    pub memory64: bool,
    /// Whether the memory is shared between threads: its length may change at any moment,
    /// so it is read (atomically) at every use instead of kept in a register.
    pub shared: bool,
    /// Log2 of the page size in bytes (16 for 64 KiB pages, 0 for one-byte pages).
    pub page_size_log2: u8,
    /// Bytes reserved from the start of the memory that are either accessible or fault (the
    /// memory never moves and its reservation covers them). A 32-bit access whose static
    /// offset plus size fits in the part beyond the first 4 GiB needs no bounds check (with
    /// 4 GiB plus a 2 GiB guard, offsets below 2 GiB); 0 means every access is checked.
    /// Must be 0 when bytes past the length can be accessible (pages smaller than the host's).
    pub reserved_bytes: u64,
}

/// A table's type, as far as code generation cares.
#[derive(Clone, Copy, Debug)]
pub struct TableDesc {
    /// Whether indices are 64-bit.
    pub table64: bool,
    /// Whether the collector traces the elements ([`WasmType::Ref`]) or they are function
    /// references ([`WasmType::FuncRef`]).
    pub elem: WasmType,
}

/// Everything the translator needs to know about a module besides its function bodies.
#[derive(Clone, Debug)]
pub struct ModuleEnv {
    /// The module's function types (empty signatures for struct and array types).
    pub types: Vec<FuncSig>,
    /// Every module type as GC instructions see it, by type index.
    pub gc_types: Vec<GcType>,
    /// Whether a function type may have subtypes (then `call_indirect` accepts a callee
    /// whose type differs from the expected one if it is a subtype).
    pub func_subtyping: bool,
    /// The type index of every function, imported first.
    pub func_types: Vec<u32>,
    /// How many functions are imported.
    pub num_imported_funcs: u32,
    /// Every global, imported first.
    pub globals: Vec<GlobalDesc>,
    /// Every memory, imported first.
    pub memories: Vec<MemoryDesc>,
    /// Every table, imported first.
    pub tables: Vec<TableDesc>,
    /// Whether no function reference from outside the module can reach its tables or
    /// `call_ref` (no table is imported or exported, and no import or export carries a
    /// reference): then calls through them reach only the module's own functions and
    /// imports, which decides where code must look for a pending exception.
    pub closed: bool,
    /// The type index of every exception tag, imported first.
    pub tags: Vec<u32>,
    /// Where the runtime keeps things.
    pub layout: VmLayout,
    /// Whether code checks the interrupt flag at function entries and loop headers.
    pub interruptible: bool,
    /// Whether calls to small defined functions are replaced by their code (never with
    /// `interruptible` or `metering`). Where inlined code came from is recorded
    /// ([`CompiledCode::inlined`]).
    pub inlining: bool,
    /// Gas metering and instruction counting, if on.
    pub metering: Option<Metering>,
}

/// How compiled code meters gas and counts instructions: the runtime's own cost table and
/// segment rule, so both tiers charge exactly the same (see [`VmLayout::store_meter`]).
///
/// A segment starts at a function's first reachable operator and at the first reachable
/// operator after one that `ends_segment`; it is charged in full (its operators' costs, and
/// their number) when entered, and trapping if the gas does not fit ("gas exhausted", nothing
/// charged). A trap inside a segment gives back what its operators after the trapping one
/// were charged ([`CompiledCode::refunds`]).
///
/// The gas used lives in the pinned register (r15 on x86-64) while compiled code runs: the
/// code must be generated by an [`Isa`] made with `metering`, entered through its array
/// trampolines from a routine that saves and restores that register, and the runtime must
/// read the register of a faulting thread to learn the gas used at a trap.
#[derive(Clone)]
pub struct Metering {
    /// The gas an operator costs.
    pub cost: std::sync::Arc<dyn Fn(&wasmparser::Operator<'_>) -> u64 + Send + Sync>,
    /// Whether a new segment starts after an operator.
    pub ends_segment: fn(&wasmparser::Operator<'_>) -> bool,
    /// Whether compiled code updates the instruction count (the runtime may derive it from
    /// the gas used instead, when every operator costs the same).
    pub count_instructions: bool,
}

impl std::fmt::Debug for Metering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metering").finish_non_exhaustive()
    }
}

/// One function body to compile: its bytes and their offset in the module (for errors).
#[derive(Clone, Copy, Debug)]
pub struct FuncBody<'a> {
    /// The body's bytes (locals and operators).
    pub bytes: &'a [u8],
    /// Offset of the body within the module binary.
    pub offset: usize,
}

/// Why compiled code trapped, recorded for each trapping instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TrapKind {
    /// The stack limit was reached.
    StackOverflow = 1,
    /// A memory access was out of bounds.
    MemoryOutOfBounds = 2,
    /// Integer division or remainder by zero.
    IntegerDivideByZero = 3,
    /// Signed division overflow or an out-of-range float-to-int conversion.
    IntegerOverflow = 4,
    /// A float-to-int conversion of NaN.
    BadConversionToInteger = 5,
    /// `unreachable` was executed.
    Unreachable = 6,
    /// A table access was out of bounds.
    TableOutOfBounds = 7,
    /// `call_indirect` past the end of the table.
    UndefinedElement = 8,
    /// `call_indirect` through a null entry.
    UninitializedElement = 9,
    /// `call_indirect` with a signature mismatch.
    IndirectCallTypeMismatch = 10,
    /// A null reference was used.
    NullReference = 11,
    /// The store's interrupt flag was set.
    Interrupted = 12,
    /// `call_ref` through a null reference.
    NullFunctionReference = 13,
    /// An atomic access at an address that is not a multiple of its size.
    UnalignedAtomic = 14,
    /// A `ref.cast` failed.
    CastFailure = 15,
    /// An array access was out of bounds.
    ArrayOutOfBounds = 16,
    /// A struct access through a null reference.
    NullStructReference = 17,
    /// An array access through a null reference.
    NullArrayReference = 18,
    /// `i31.get` of a null reference.
    NullI31Reference = 19,
    /// The store ran out of gas.
    GasExhausted = 20,
}

impl TrapKind {
    /// The kind for a raw code as stored in [`TrapSite::kind`].
    pub fn from_u8(code: u8) -> Option<TrapKind> {
        use TrapKind::*;
        Some(match code {
            1 => StackOverflow,
            2 => MemoryOutOfBounds,
            3 => IntegerDivideByZero,
            4 => IntegerOverflow,
            5 => BadConversionToInteger,
            6 => Unreachable,
            7 => TableOutOfBounds,
            8 => UndefinedElement,
            9 => UninitializedElement,
            10 => IndirectCallTypeMismatch,
            11 => NullReference,
            12 => Interrupted,
            13 => NullFunctionReference,
            14 => UnalignedAtomic,
            15 => CastFailure,
            16 => ArrayOutOfBounds,
            17 => NullStructReference,
            18 => NullArrayReference,
            19 => NullI31Reference,
            20 => GasExhausted,
            _ => return None,
        })
    }
}

/// A compilation failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The function body could not be decoded.
    #[error("invalid function body: {0}")]
    Invalid(#[from] wasmparser::BinaryReaderError),
    /// The body uses something this compiler does not support.
    #[error("unsupported by the compiler: {0}")]
    Unsupported(String),
    /// Cranelift rejected or failed to compile the function.
    #[error("code generation failed in function {func}: {message}")]
    Codegen {
        /// Module index of the function.
        func: u32,
        /// Cranelift's message.
        message: String,
    },
    /// The host CPU is not supported by Cranelift.
    #[error("native code is not supported on this host: {0}")]
    Host(String),
}
