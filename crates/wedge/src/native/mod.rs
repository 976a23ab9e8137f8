//! Running native code: loading a module's compiled code, entering it, and turning its traps
//! into [`Trap`]s. Compiling (with the `compiler` feature) and the AOT artifact format live in
//! the sibling files; nothing here depends on the code generator.
//!
//! Without the `compiler` feature no module ever has native code (files written by
//! `wedge compile` run as plain wasm), so most of this is unused there.
#![cfg_attr(not(feature = "compiler"), allow(dead_code, unused_imports))]

pub(crate) mod artifact;
mod code_memory;
#[cfg(feature = "compiler")]
pub(crate) mod compile;
mod debug_object;
mod entry;
#[cfg(feature = "compiler")]
mod gc_ops;
mod gc_roots;
mod gdb_jit;
pub(crate) mod image;
mod jitdump;
mod libcalls;
mod line_rows;
mod offset_table;
mod signals;

use crate::module::ModuleInner;
use crate::runtime::{FrameInfo, Store, Trap, TrapKind};
use crate::Error;
use code_memory::CodeMemory;
use entry::Activation;
use signals::CodeInfo;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// A module's compiled code before loading: what the compiler produces and AOT files hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CodeImage {
    /// Machine code, position independent except for `relocs`.
    pub code: Vec<u8>,
    /// (offset, length) of each defined function.
    pub funcs: Vec<(u32, u32)>,
    /// Offset of the array trampoline of each type index.
    pub array_trampolines: Vec<u32>,
    /// Offset of the host trampoline of each type index.
    pub host_trampolines: Vec<u32>,
    /// (offset, trap kind code) of each trapping instruction, sorted.
    pub traps: Vec<(u32, u8)>,
    /// (offset, helper index, addend) of each absolute address to fill in.
    pub relocs: Vec<(u32, u8, i64)>,
    /// With metering: (offset, gas, instructions) a trap at a trap site gives back, sorted.
    pub refunds: Vec<(u32, u64, u32)>,
    /// (return offset, slot offset from the stack pointer at the call) of every reference a
    /// frame holds across a call, sorted (see `gc_roots`).
    pub stack_maps: Vec<(u32, u32)>,
    /// (offset, length, site) of the code of each inlined copy of a function, sorted
    /// (see [`CodeInfo::inlined_at`]).
    pub inlined: Vec<(u32, u32, u32)>,
    /// (module function index, site it was inlined into or [`NO_SITE`]) of each inlined
    /// copy; a site's parent comes before it.
    pub inline_sites: Vec<(u32, u32)>,
    /// The module byte offset of the call each inline site replaced (0: unknown), one per
    /// entry of `inline_sites`, or empty when none is known.
    pub inline_calls: Vec<u32>,
    /// (offset, length, module byte offset) of the wasm instruction each stretch of the
    /// functions' own code runs, sorted (empty when not recorded, as with metering).
    pub wasm_offsets: Vec<(u32, u32, u32)>,
    /// For a block of some functions only (compiled by the tiered strategy, see
    /// `crate::tier`): the defined-function index of each entry of `funcs`; the trampoline
    /// lists are then either complete or empty. Empty for a whole module.
    pub defs: Vec<u32>,
}

/// The parent of an inline site inlined straight into a compiled function.
pub(crate) const NO_SITE: u32 = u32::MAX;

impl CodeImage {
    /// Checks that every offset lies within `len` bytes of code, so loading cannot write or
    /// jump outside.
    fn check(&self, m: &ModuleInner, len: usize) -> Result<(), Error> {
        let len = len as u64;
        let bad = |what: &str| Error::Invalid {
            message: format!("native code: {what}"),
            offset: 0,
        };
        let partial = !self.defs.is_empty();
        let trampolines_ok = |n: usize| n == m.types.len() || (partial && n == 0);
        if (!partial && self.funcs.len() != m.bodies.len())
            || (partial && self.funcs.len() != self.defs.len())
            || !self.defs.iter().all(|d| (*d as usize) < m.bodies.len())
            || !trampolines_ok(self.array_trampolines.len())
            || !trampolines_ok(self.host_trampolines.len())
        {
            return Err(bad("function or type count does not match the module"));
        }
        let within = |o: u32| (o as u64) < len;
        if !self
            .funcs
            .iter()
            .all(|(o, l)| *o as u64 + *l as u64 <= len && *l > 0)
            || !self.array_trampolines.iter().all(|o| within(*o))
            || !self.host_trampolines.iter().all(|o| within(*o))
            || !self.traps.iter().all(|(o, _)| within(*o))
            || !self.traps.windows(2).all(|w| w[0].0 <= w[1].0)
            || !self.refunds.iter().all(|(o, _, _)| within(*o))
            || !self.refunds.windows(2).all(|w| w[0].0 <= w[1].0)
            || !self
                .stack_maps
                .iter()
                .all(|(o, sp)| within(*o) && *sp % 8 == 0)
            || !self.stack_maps.windows(2).all(|w| w[0] <= w[1])
            || !self.funcs.windows(2).all(|w| w[0].0 < w[1].0)
            || !self.inlined.iter().all(|(o, l, site)| {
                *o as u64 + *l as u64 <= len && (*site as usize) < self.inline_sites.len()
            })
            || !self
                .inlined
                .windows(2)
                .all(|w| w[0].0 as u64 + w[0].1 as u64 <= w[1].0 as u64)
            || !self
                .wasm_offsets
                .iter()
                .all(|(o, l, _)| *o as u64 + *l as u64 <= len)
            || !self
                .wasm_offsets
                .windows(2)
                .all(|w| w[0].0 as u64 + w[0].1 as u64 <= w[1].0 as u64)
            || !(self.inline_calls.is_empty() || self.inline_calls.len() == self.inline_sites.len())
        {
            return Err(bad("offset out of range"));
        }
        let funcs = m.num_imported_funcs as u64 + m.bodies.len() as u64;
        if !self
            .inline_sites
            .iter()
            .enumerate()
            .all(|(i, (f, parent))| {
                (*f as u64) < funcs && (*parent == NO_SITE || (*parent as usize) < i)
            })
        {
            return Err(bad("bad inline site"));
        }
        if !self
            .relocs
            .iter()
            .all(|(o, t, _)| *o as u64 + 8 <= len && (*t as usize) < libcalls::HELPERS)
        {
            return Err(bad("bad relocation"));
        }
        Ok(())
    }
}

/// A module's native code, loaded and executable.
pub(crate) struct NativeCode {
    /// The code's registration with GDB (with `Config::debug_info`), dropped before the code.
    _gdb: Option<gdb_jit::Registration>,
    /// What was loaded (kept to write AOT files).
    pub image: CodeImage,
    memory: CodeMemory,
    info: Arc<CodeInfo>,
    /// Function names, for backtraces.
    names: Arc<Names>,
}

/// What a backtrace needs to name frames.
struct Names {
    num_imported_funcs: u32,
    func_names: HashMap<u32, String>,
    module_name: Option<String>,
    /// Module byte offset of each defined function's body.
    body_starts: Vec<usize>,
    /// The module's DWARF, for source locations.
    debug: Arc<crate::module::debuginfo::DebugInfo>,
}

impl Names {
    /// The name of entry `i` of `info.funcs` in symbol tables: demangled, as in backtraces,
    /// or `wasm[INDEX]` without a name.
    fn label(&self, info: &CodeInfo, i: usize) -> String {
        let def = info.defs.get(i).copied().unwrap_or(i as u32);
        let index = self.num_imported_funcs + def;
        match self.func_names.get(&index) {
            // Symbol tables end names at a NUL: a name section's NUL is written as `\0`.
            Some(n) => crate::module::demangle(n).replace('\0', "\\0"),
            None => format!("wasm[{index}]"),
        }
    }
}

impl std::fmt::Debug for NativeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeCode")
            .field("bytes", &self.memory.len())
            .finish_non_exhaustive()
    }
}

/// Every loaded code block's names, for resolving backtraces after a trap.
static NAMES: std::sync::RwLock<Vec<(usize, Arc<Names>)>> = std::sync::RwLock::new(Vec::new());

impl NativeCode {
    /// Loads compiled code for a module: `image.code`, or the bytes at `code` in the module
    /// binary when given (then the image keeps no copy of them; they are mapped from the
    /// module's file when it has one and they start on a page boundary there).
    pub fn load(
        mut image: CodeImage,
        code: Option<std::ops::Range<usize>>,
        m: &ModuleInner,
    ) -> Result<NativeCode, Error> {
        // Loaded code is read back from its mapping when needed (see `code`).
        let owned = std::mem::take(&mut image.code);
        let bytes = code.clone().map_or(&owned[..], |r| &m.bytes[r]);
        let in_file = code.and_then(|r| m.bytes.file_at(r.start));
        Self::load_from(image, bytes, in_file, m)
    }

    /// Loads compiled code `bytes` for module `m` (described by `image`), mapping it from
    /// `file` at the given offset when there is one and the system lets it (else copying it).
    pub fn load_from(
        image: CodeImage,
        bytes: &[u8],
        in_file: Option<(&std::fs::File, u64)>,
        m: &ModuleInner,
    ) -> Result<NativeCode, Error> {
        if !supported() {
            return Err(Error::Limit(
                "native code is not supported on this platform".into(),
            ));
        }
        image.check(m, bytes.len())?;
        let patch = |bytes: &mut [u8]| {
            for &(off, target, addend) in &image.relocs {
                let addr = (libcalls::helper(target) as i64).wrapping_add(addend);
                let at = off as usize;
                bytes[at..at + 8].copy_from_slice(&addr.to_le_bytes());
            }
        };
        let mapped = in_file
            .and_then(|(file, offset)| CodeMemory::map_file(file, offset, bytes.len(), patch));
        let memory = match mapped {
            Some(memory) => memory,
            None => CodeMemory::new(bytes, patch)?,
        };
        let start = memory.start();
        let info = Arc::new(CodeInfo {
            start,
            end: start + memory.len(),
            funcs: image.funcs.clone(),
            traps: image.traps.clone(),
            refunds: image.refunds.clone(),
            stack_maps: image.stack_maps.clone(),
            inlined: image.inlined.clone(),
            inline_sites: image.inline_sites.clone(),
            inline_calls: image.inline_calls.clone(),
            wasm_offsets: image.wasm_offsets.clone(),
            defs: image.defs.clone(),
        });
        signals::register(info.clone());
        let names = Arc::new(Names {
            num_imported_funcs: m.num_imported_funcs,
            func_names: m.func_names.clone(),
            module_name: m.name.clone(),
            body_starts: m.bodies.iter().map(|b| b.start).collect(),
            debug: m.debug.clone(),
        });
        NAMES
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push((start, names.clone()));
        if m.engine.config().perf_map || std::env::var_os("WEDGE_PERF_MAP").is_some() {
            write_perf_map(&info, &names);
            jitdump::record(&info, &names, memory.bytes());
        }
        let gdb = m.engine.config().debug_info.then(|| {
            let object = debug_object::build(&info, &names, &image, memory.bytes());
            object.map(gdb_jit::Registration::new)
        });
        Ok(NativeCode {
            _gdb: gdb.flatten(),
            image,
            memory,
            info,
            names,
        })
    }

    /// Address of the first byte of the code.
    pub fn start(&self) -> usize {
        self.info.start
    }

    /// The code as compiled (before relocation), for writing AOT files.
    pub fn code(&self) -> std::borrow::Cow<'_, [u8]> {
        if !self.image.code.is_empty() {
            return std::borrow::Cow::Borrowed(&self.image.code);
        }
        // SAFETY: the mapping holds `len()` readable bytes for as long as `self` lives.
        let mapped = unsafe {
            std::slice::from_raw_parts(self.memory.start() as *const u8, self.memory.len())
        };
        let mut code = mapped.to_vec();
        for &(off, _, _) in &self.image.relocs {
            // Relocated fields hold zeros until loading fills them in.
            code[off as usize..off as usize + 8].fill(0);
        }
        std::borrow::Cow::Owned(code)
    }

    /// Address of defined function `def` (of entry `def` of `funcs`, in a block of some
    /// functions only).
    pub fn func(&self, def: u32) -> *const u8 {
        (self.info.start + self.image.funcs[def as usize].0 as usize) as *const u8
    }

    /// Address of the array trampoline of a type index.
    pub fn array_trampoline(&self, type_index: u32) -> *const u8 {
        (self.info.start + self.image.array_trampolines[type_index as usize] as usize) as *const u8
    }

    /// Address of the host trampoline of a type index.
    pub fn host_trampoline(&self, type_index: u32) -> usize {
        self.info.start + self.image.host_trampolines[type_index as usize] as usize
    }
}

impl Drop for NativeCode {
    fn drop(&mut self) {
        signals::unregister(self.info.start);
        let mut names = NAMES.write().unwrap_or_else(|e| e.into_inner());
        names.retain(|(s, _)| *s != self.info.start);
        let _ = &self.names;
    }
}

/// Appends the functions of a code block to `/tmp/perf-<pid>.map`, where `perf report`
/// looks for the names of JIT code (set `WEDGE_PERF_MAP=1` to profile compiled code).
fn write_perf_map(info: &CodeInfo, names: &Names) {
    use std::io::Write;
    let path = format!("/tmp/perf-{}.map", std::process::id());
    let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return;
    };
    let mut text = String::new();
    for (i, (offset, len)) in info.funcs.iter().enumerate() {
        let name = names.label(info, i);
        text.push_str(&format!(
            "{:x} {len:x} {name}\n",
            info.start + *offset as usize
        ));
    }
    let _ = file.write_all(text.as_bytes());
}

/// The start of the code block whose names (see `NAMES`) name an instance's functions: its
/// module's native code, or the first block compiled for it by the tiered strategy; 0 if
/// it has none.
pub(crate) fn code_start(inst: &crate::runtime::InstanceEntity) -> usize {
    match &inst.native {
        Some(n) => n.start(),
        None => inst
            .module
            .inner
            .tier
            .as_deref()
            .and_then(|t| t.base())
            .map_or(0, |b| b.start()),
    }
}

/// The libcall table compiled code calls through (see `VmStore::libcalls`).
pub(crate) fn libcall_table() -> [usize; crate::runtime::vmctx::LIBCALLS] {
    libcalls::table()
}

/// Bytes from a memory's base that compiled code assumes are either accessible or fault, so
/// that it leaves bounds checks to the hardware: 32-bit memories of 64 KiB pages have their
/// whole index space plus a guard reserved (see `runtime::memory`). 64-bit memories and
/// memories of smaller pages are checked explicitly (0).
pub(crate) fn assumed_reservation(ty: &crate::types::MemoryType) -> u64 {
    use crate::runtime::{GUARD_SIZE, PAGE_SIZE, RESERVATION_32};
    if ty.memory64 || ty.page_size() < PAGE_SIZE {
        0
    } else {
        RESERVATION_32 + GUARD_SIZE
    }
}

/// Whether compiled code of module `m` can use these memories (imported first): each must
/// have at least the reservation the code assumes (a memory made under an address-space
/// limit may have none; its instance is then interpreted).
pub(crate) fn memories_fit(
    m: &ModuleInner,
    memories: &[&crate::runtime::memory::LinearMemory],
) -> bool {
    m.memories
        .iter()
        .zip(memories)
        .all(|(ty, mem)| mem.reserved() as u64 >= assumed_reservation(ty))
}

/// Whether this build can run native code on this platform.
pub(crate) fn supported() -> bool {
    cfg!(all(target_arch = "x86_64", target_os = "linux"))
}

thread_local! {
    /// A trap raised by a libcall, waiting for its activation to unwind.
    static PENDING: RefCell<Option<Trap>> = const { RefCell::new(None) };
    /// The frames the pending exception passed in callees of other activations (a raw
    /// reference and its frames, innermost first), for its backtrace should it escape.
    pub(crate) static EXN_TRACE: RefCell<Option<(u64, Vec<FrameInfo>)>> = const { RefCell::new(None) };
    /// A host function's panic, to resume once the compiled frames are unwound.
    static PANIC: RefCell<Option<Box<dyn std::any::Any + Send>>> = const { RefCell::new(None) };
}

/// Trap kind code of an interrupt (matches `wedge_cranelift::TrapKind::Interrupted`).
const INTERRUPTED_CODE: u8 = 12;

/// Trap kind code of running out of gas (matches `wedge_cranelift::TrapKind::GasExhausted`).
const GAS_EXHAUSTED_CODE: u8 = 20;

/// The trap kind of a code recorded in trap tables.
fn trap_kind(code: u8) -> TrapKind {
    match code {
        1 => TrapKind::StackExhausted,
        2 => TrapKind::MemoryOutOfBounds,
        3 => TrapKind::IntegerDivideByZero,
        4 => TrapKind::IntegerOverflow,
        5 => TrapKind::InvalidConversionToInteger,
        6 => TrapKind::Unreachable,
        7 => TrapKind::TableOutOfBounds,
        8 => TrapKind::UndefinedElement,
        9 => TrapKind::UninitializedElement,
        10 => TrapKind::IndirectCallTypeMismatch,
        11 => TrapKind::NullReference,
        12 => TrapKind::Interrupted,
        13 => TrapKind::NullFunctionReference,
        14 => TrapKind::UnalignedAtomic,
        15 => TrapKind::CastFailure,
        16 => TrapKind::ArrayOutOfBounds,
        17 => TrapKind::NullStructReference,
        18 => TrapKind::NullArrayReference,
        19 => TrapKind::NullI31Reference,
        20 => TrapKind::GasExhausted,
        _ => TrapKind::Host,
    }
}

/// Names the frames recorded in an activation. The first pc is exact (a fault or, with
/// `first_func`, replaced by that function); the rest are return addresses. A pc in code
/// inlined from other functions stands for their frames too, innermost first.
///
/// A frame's instance is the called `instance` when the frame runs its code, else the one
/// instance of the store running that code (None when several do).
fn backtrace(
    store: &crate::runtime::StoreInner,
    instance: u32,
    a: &Activation,
    first_func: Option<(usize, u32)>,
) -> Vec<FrameInfo> {
    let names = NAMES.read().unwrap_or_else(|e| e.into_inner());
    let mut frames = Vec::new();
    let runs = |i: u32, start: usize| {
        store.instances[i as usize]
            .native
            .as_ref()
            .is_some_and(|n| n.start() == start)
    };
    let instance_of = |start: usize| {
        if runs(instance, start) {
            return Some(instance);
        }
        let mut found = (0..store.instances.len() as u32).filter(|&i| runs(i, start));
        match (found.next(), found.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    };
    let mut push = |start: usize, func_index: u32, module_offset: Option<usize>| {
        let Some((_, n)) = names.iter().find(|(s, _)| *s == start) else {
            return;
        };
        let body_start = (func_index as usize)
            .checked_sub(n.num_imported_funcs as usize)
            .and_then(|d| n.body_starts.get(d));
        frames.push(FrameInfo {
            func_index,
            func_name: n.func_names.get(&func_index).cloned(),
            module_name: n.module_name.clone(),
            instance: instance_of(start).map(|index| crate::Instance {
                store: store.id,
                index,
            }),
            module_offset,
            func_offset: module_offset
                .zip(body_start)
                .map(|(o, b)| o.saturating_sub(*b)),
            source: module_offset.map_or(Vec::new(), |o| n.debug.frames_at(o)),
            locals: Vec::new(),
        });
    };
    if let Some((start, func)) = first_func {
        push(start, func, None);
    }
    for (i, &pc) in a.pcs().iter().enumerate() {
        let pc = if i == 0 && a.first_exact { pc } else { pc - 1 };
        let found = signals::with_code(pc, |c| {
            let def = c.def_at(pc)?;
            Some((c.start, c.inlined_at(pc), c.wasm_offset_at(pc), def))
        });
        if let Some(Some((start, inlined, own, def))) = found {
            // Code inlined from other functions records no offsets of its own; each
            // enclosing frame is at the call its inlined callee replaced.
            let mut offset = if inlined.is_empty() { own } else { None };
            for (func, call) in inlined {
                push(start, func, offset);
                offset = call;
            }
            let imported = names
                .iter()
                .find(|(s, _)| *s == start)
                .map_or(0, |(_, n)| n.num_imported_funcs);
            push(start, imported + def, offset);
        }
    }
    frames
}

/// Calls defined function `index` of a compiled instance with its parameters in `io`.
pub(crate) fn invoke<T>(
    store: &mut Store<T>,
    instance: u32,
    index: u32,
    io: &mut [u64],
) -> Result<(), Error> {
    let inst = &store.inner.instances[instance as usize];
    let native = inst.native.as_ref().expect("invoke on a compiled instance");
    let m = &inst.module.inner;
    let type_index = m.func_types[index as usize];
    let trampoline = native.array_trampoline(type_index);
    let code = native.func(index - m.num_imported_funcs);
    // SAFETY: the trampoline and the code belong to the instance's loaded module.
    unsafe { invoke_code(store, instance, trampoline, code, io) }
}

/// Calls compiled code `code` of `instance` through `trampoline`, the array trampoline of its
/// type, with its parameters in `io`.
///
/// # Safety
/// `trampoline` and `code` must be loaded code compiled for the instance's module (kept alive
/// by it), and `io` must hold the slots of the function's type.
pub(crate) unsafe fn invoke_code<T>(
    store: &mut Store<T>,
    instance: u32,
    trampoline: *const u8,
    code: *const u8,
    io: &mut [u64],
) -> Result<(), Error> {
    // SAFETY: as the caller guarantees; the caller's context block is the callee's.
    unsafe { invoke_code_from(store, instance, trampoline, code, std::ptr::null_mut(), io) }
}

/// [`invoke_code`] with `caller` as the code's `caller_vmctx` (null: the instance's context
/// block), which an OSR entry reads the values of its locals from.
///
/// # Safety
/// As [`invoke_code`]; an OSR entry's `caller` must point to one slot per local.
pub(crate) unsafe fn invoke_code_from<T>(
    store: &mut Store<T>,
    instance: u32,
    trampoline: *const u8,
    code: *const u8,
    caller: *mut u8,
    io: &mut [u64],
) -> Result<(), Error> {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        let inst = &store.inner.instances[instance as usize];
        let vmctx = inst.vmctx.as_ptr();
        let caller = if caller.is_null() { vmctx } else { caller };
        let config = store.inner.engine.config();
        // Under the tiered strategy interpreter activations between compiled frames take
        // native stack too (a few KiB each, for a call from compiled code to an interpreted
        // function): allow as many wasm calls as compiled code alone would get.
        let max_stack = config.max_wasm_stack * if config.tiered() { 8 } else { 1 };
        signals::install();
        let limit = entry::stack_limit(max_stack);
        let store_ptr: *mut Store<T> = store;
        // SAFETY: `store_ptr` comes from `store`, which is not used again until the call
        // returns, so the raw pointers are the only way to the store meanwhile.
        let (vm, inner) = unsafe {
            (
                &mut *(*store_ptr).inner.vm as *mut crate::runtime::vmctx::VmStore,
                &mut (*store_ptr).inner as *mut crate::runtime::StoreInner,
            )
        };
        // SAFETY: `vm` points into the store (see above).
        let saved = unsafe {
            let saved = ((*vm).stack_limit, (*vm).store, (*vm).store_inner);
            (*vm).stack_limit = limit;
            (*vm).store = store_ptr as *mut u8;
            (*vm).store_inner = inner;
            (*vm).interrupt = std::sync::Arc::as_ptr(&(*inner).interrupt.flag);
            (*vm).meter = &mut (*inner).meter;
            saved
        };
        let mut activation = Activation::new();
        // SAFETY: the trampoline, code and vmctx belong to this instance's loaded module, and
        // `io` holds the slots of the function's type (checked by every caller).
        let ok = unsafe {
            entry::enter(
                &mut activation,
                trampoline,
                vmctx,
                caller,
                io.as_mut_ptr(),
                code,
            )
        };
        // SAFETY: the call is over; `vm` points into the store, which is still borrowed.
        let exn = unsafe {
            (*vm).stack_limit = saved.0;
            (*vm).store = saved.1;
            (*vm).store_inner = saved.2;
            std::mem::take(&mut (*vm).pending_exn)
        };
        if ok && exn != 0 {
            // An exception nothing in the compiled frames caught: thrown by this call, with
            // the frames its throw recorded.
            let first = (activation.trap_first_func != u32::MAX)
                .then_some((activation.trap_first_start, activation.trap_first_func));
            let inner = EXN_TRACE.with(|t| t.borrow_mut().take());
            let inner = inner.filter(|(raw, _)| *raw == exn).map(|(_, f)| f);
            let trap = store.inner.escaping_exception(exn);
            let trap = trap.with_backtrace(inner.unwrap_or_default());
            return Err(trap
                .with_backtrace(backtrace(&store.inner, instance, &activation, first))
                .into());
        }
        if ok {
            return Ok(());
        }
        if let Some(payload) = PANIC.with(|p| p.borrow_mut().take()) {
            PENDING.with(|p| p.borrow_mut().take());
            std::panic::resume_unwind(payload);
        }
        if activation.trap_code == INTERRUPTED_CODE {
            // SAFETY: the call is over and `store` is usable again.
            unsafe { (*inner).interrupt.clear() };
        }
        let trap = if activation.trap_code != 0 {
            let kind = activation.trap_code;
            if store.inner.engine.config().metering {
                // Metered code kept the gas used in the pinned register.
                store.inner.meter.gas_used = activation.trap_pinned;
            }
            let exact = activation.first_exact && activation.trap_frames > 0;
            if exact && kind != GAS_EXHAUSTED_CODE && kind != signals::STACK_OVERFLOW_CODE {
                // A trap inside a metering segment gives back what the rest of it was charged.
                let pc = activation.pcs()[0];
                if let Some(Some((gas, count))) = signals::with_code(pc, |c| c.refund_at(pc)) {
                    // SAFETY: the call is over and `store` is usable again.
                    unsafe { (*inner).meter.refund(gas, count as u64) };
                }
            }
            Trap::new(trap_kind(activation.trap_code)).with_backtrace(backtrace(
                &store.inner,
                instance,
                &activation,
                None,
            ))
        } else {
            let trap = PENDING.with(|p| p.borrow_mut().take());
            let trap = trap.unwrap_or_else(|| Trap::host("unknown trap in native code"));
            let first = (activation.trap_first_func != u32::MAX)
                .then_some((activation.trap_first_start, activation.trap_first_func));
            trap.with_backtrace(backtrace(&store.inner, instance, &activation, first))
        };
        Err(trap.into())
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        let _ = (store, instance, trampoline, code, caller, io);
        Err(Error::Limit(
            "native code is not supported on this platform".into(),
        ))
    }
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;

    #[test]
    fn loading_checks_inline_sites() {
        let mut config = crate::Config::new();
        config.strategy(crate::Strategy::Compiler).inlining(true);
        let engine = crate::Engine::new(&config);
        let module = crate::Module::new(
            &engine,
            r#"(module (func $a unreachable) (func $b (call $a)) (func (export "c") (call $b)))"#,
        )
        .unwrap();
        let m = &module.inner;
        let native = m.native.as_ref().unwrap();
        let image = native.image.clone();
        let len = native.code().len();
        // `$b` inlined into `c`, and `$a` into both (once within the copy of `$b`).
        assert_eq!(image.inline_sites.len(), 3);
        assert!(image.check(m, len).is_ok());
        let broken = |edit: &dyn Fn(&mut CodeImage)| {
            let mut bad = image.clone();
            edit(&mut bad);
            bad.check(m, len).is_err()
        };
        // A site naming a function the module lacks, a parent that does not come first
        // (which could loop), a range naming a missing site or lying past the code.
        assert!(broken(&|i| i.inline_sites[0].0 = 3));
        assert!(broken(&|i| i.inline_sites[0].1 = 0));
        assert!(broken(&|i| i.inline_sites[1].1 = 2));
        assert!(broken(&|i| i.inlined[0].2 = 3));
        assert!(broken(&|i| i.inlined[0].1 = u32::MAX));
    }
}
