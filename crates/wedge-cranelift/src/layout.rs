//! The shape of the runtime's context block, as offsets the generated code uses.

/// Byte offsets of the runtime structures that compiled code reads and writes.
///
/// Three structures are involved (all fields pointer-sized unless said otherwise):
/// - the per-instance context block (`vmctx`), the first parameter of every wasm function;
/// - the per-store block (`store`), reached from `vmctx`;
/// - the definitions of memories, tables and function references, reached by pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmLayout {
    /// `vmctx`: pointer to the store block.
    pub vmctx_store: i32,
    /// `vmctx`: pointer to the module's canonical type ids (`u32` per type index).
    pub vmctx_type_ids: i32,
    /// `vmctx`: start of the memories, two words each: a pointer to the memory's definition
    /// (whose length is at `memory_len`) and its base address (which never changes).
    pub vmctx_memories: i32,
    /// `vmctx`: start of the table definition pointers (one per table).
    pub vmctx_tables: i32,
    /// `vmctx`: start of the global cell pointers (one per global; a cell is 16 bytes).
    pub vmctx_globals: i32,
    /// `vmctx`: start of the imported functions (`code`, `vmctx` pairs, 16 bytes each).
    pub vmctx_imported_funcs: i32,
    /// `vmctx`: start of the defined functions (`code`, `vmctx` pairs, 16 bytes each), which
    /// code compiled a few functions at a time ([`crate::compile_functions`]) calls through
    /// for functions outside its own code block; the runtime may rewrite a pair between
    /// calls (so it is read at every call).
    pub vmctx_defined_funcs: i32,
    /// store: lowest stack address wasm code may use.
    pub store_stack_limit: i32,
    /// store: pointer to the array of function reference pointers, by store function index.
    pub store_funcrefs: i32,
    /// store: number of entries of that array (`u64`, at least 1); an entry past them or
    /// null means the runtime has not made that function reference yet
    /// ([`LibCall::FuncRef`] makes it).
    pub store_funcrefs_len: i32,
    /// store: frame pointer of the last wasm frame that called out to the runtime.
    pub store_exit_fp: i32,
    /// store: module function index of that frame (`u32`), or `u32::MAX` for a trampoline.
    pub store_exit_func: i32,
    /// store: start of the libcall table (one function pointer per [`LibCall`]).
    pub store_libcalls: i32,
    /// store: pointer to the interrupt flag (a byte, nonzero to stop).
    pub store_interrupt: i32,
    /// store: pointer to the gas meter: three `u64`s, the gas limit, the gas used and the
    /// instructions executed, at `meter_gas_limit`, `meter_gas_used`, `meter_instructions`.
    pub store_meter: i32,
    /// store: gas (`u64`) a trap raised by the next libcall gives back (set before libcalls
    /// that can trap, when metering).
    pub store_refund_gas: i32,
    /// store: instruction count (`u64`) given back with `store_refund_gas`.
    pub store_refund_count: i32,
    /// store: the exception (`u64` raw reference) being thrown, or 0: compiled code checks
    /// it after every call and `throw`, and goes to its handler or returns.
    pub store_pending_exn: i32,
    /// store: pointer to the GC heap's table cell (never changes for a store), whose word at
    /// `gc_table_base` is the address of the slot views (which moves when the heap
    /// allocates or collects, so it is read again after every call). The view of an object
    /// reference `r` is the 16 bytes at `base + (r << 2) - 16`: the payload address at
    /// `slot_view_data` and, for arrays, the length in elements (`u64`) at `slot_view_len`.
    pub store_gc_table: i32,
    /// GC table cell: address of the slot views.
    pub gc_table_base: i32,
    /// slot view: payload address.
    pub slot_view_data: i32,
    /// slot view: array length in elements.
    pub slot_view_len: i32,
    /// meter: gas limit.
    pub meter_gas_limit: i32,
    /// meter: gas used.
    pub meter_gas_used: i32,
    /// meter: instructions executed.
    pub meter_instructions: i32,
    /// memory definition: length in bytes.
    pub memory_len: i32,
    /// table definition: base address of the 8-byte elements.
    pub table_base: i32,
    /// table definition: number of elements.
    pub table_len: i32,
    /// function reference: native code, callable with a wasm signature.
    pub funcref_code: i32,
    /// function reference: the `callee_vmctx` to pass.
    pub funcref_vmctx: i32,
    /// function reference: canonical type id (`u32`).
    pub funcref_type_id: i32,
}

/// Runtime functions compiled code calls through the store's libcall table.
///
/// All but the plain memory routines (see [`LibCall::takes_vmctx`]) take the calling
/// instance's `vmctx` first; integers are `u32` for indices and `u64` for addresses, lengths
/// and raw references. Those that can trap do not return when they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum LibCall {
    /// `(vmctx, mem: u32, delta: u64) -> u64`: old size in pages, or `u64::MAX`.
    MemoryGrow = 0,
    /// `(dst: *mut u8, byte: u32, len: u64)`: fills bytes already bounds-checked, as C's
    /// `memset`.
    Memset = 1,
    /// `(dst: *mut u8, src: *const u8, len: u64)`: copies bytes already bounds-checked
    /// (the ranges may overlap), as C's `memmove`.
    Memmove = 2,
    /// `(vmctx, mem: u32, data: u32, dst: u64, src: u32, len: u32)`.
    MemoryInit = 3,
    /// `(vmctx, data: u32)`.
    DataDrop = 4,
    /// `(vmctx, table: u32, init: u64, delta: u64) -> u64`: old size, or `u64::MAX`.
    TableGrow = 5,
    /// `(vmctx, table: u32, dst: u64, val: u64, len: u64)`.
    TableFill = 6,
    /// `(vmctx, dst_table: u32, src_table: u32, dst: u64, src: u64, len: u64)`.
    TableCopy = 7,
    /// `(vmctx, table: u32, elem: u32, dst: u64, src: u32, len: u32)`.
    TableInit = 8,
    /// `(vmctx, elem: u32)`.
    ElemDrop = 9,
    /// `(vmctx, func: u32) -> u64`: the raw reference to a module function.
    RefFunc = 10,
    /// `(funcref, caller_vmctx, io: *mut u64)`: calls a host or interpreted function.
    HostCall = 11,
    /// `(vmctx, mem: u32, width: u32, addr: u64, offset: u64, expected: u64, timeout: i64)
    /// -> u64`: `memory.atomic.wait32/64` (width 4 or 8): 0 woken, 1 not equal, 2 timed out.
    AtomicWait = 12,
    /// `(vmctx, mem: u32, addr: u64, offset: u64, count: u32) -> u64`:
    /// `memory.atomic.notify`, the number of waiters woken.
    AtomicNotify = 13,
    /// `(vmctx, tag: u32, payload: *const u64)`: allocates an exception of module tag `tag`
    /// from its payload words and makes it the pending exception.
    Throw = 14,
    /// `(vmctx, exn: u64, tag: u32, payload: *mut u64) -> u32`: whether exception `exn` has
    /// module tag `tag`; if so, writes its payload words.
    ExnCatch = 15,
    /// `(vmctx, op: u32, a: u32, b: u32, io: *mut u64, sp: u64)`: the GC operation `op`
    /// (a [`crate::GcOp`]) with immediates `a` and `b` on the operands in `io`, its result
    /// written back to `io`; `sp` is the caller's stack pointer at the call (its stack map
    /// lists the references it holds, relative to it).
    Gc = 16,
    /// `(vmctx)`: the interrupt flag was found raised: traps on an interrupt, records a
    /// profiler sample of the stack and returns when one is due.
    Interrupt = 17,
    /// `(vmctx, raw: u64) -> u64`: the address of the function reference of a non-null raw
    /// reference whose entry in the store's array is still null (the runtime makes function
    /// references on first use).
    FuncRef = 18,
    /// `(vmctx, table: u32, index: u64) -> u64`: the raw reference at in-bounds `index` of
    /// module table `table`, whose element read as null: the runtime initializes a table's
    /// elements on first use when only `call_indirect` reads it, and returns 0 for a real
    /// null. Never traps.
    TableElem = 19,
}

impl LibCall {
    /// Number of libcalls (the length of the table).
    pub const COUNT: usize = 20;

    /// Whether the call takes the caller's `vmctx` first and may reach the store (the
    /// others are plain routines on native addresses that never trap).
    pub fn takes_vmctx(self) -> bool {
        !matches!(self, LibCall::Memmove | LibCall::Memset)
    }

    /// Whether the call can trap in the middle of a metering segment (so a metered caller
    /// stores what the trap gives back first). Host calls end their segment.
    pub fn may_trap(self) -> bool {
        matches!(
            self,
            LibCall::MemoryInit
                | LibCall::TableFill
                | LibCall::TableCopy
                | LibCall::TableInit
                | LibCall::AtomicWait
                | LibCall::AtomicNotify
                | LibCall::Throw
                | LibCall::Gc
                | LibCall::Interrupt
        )
    }
}
