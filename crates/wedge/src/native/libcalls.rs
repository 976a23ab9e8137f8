//! Runtime functions called by compiled code (through the store's libcall table) and the
//! float helpers its relocations may name.
//!
//! Each libcall does its work in a Rust function returning a `Result`, drops everything, and
//! only then, on a trap, unwinds the compiled frames (see `entry`).

use super::entry;
#[cfg(feature = "compiler")]
use super::gc_ops;
use super::gc_roots;
use super::signals;
use crate::runtime::vmctx::{VmFuncRef, VmStore, LIBCALLS, WORD_INSTANCE, WORD_STORE};
use crate::runtime::{StoreInner, Trap, TrapKind};

/// The store block and instance index of a context block.
///
/// # Safety
/// `vmctx` must be the context block of a live instance whose store is running code.
unsafe fn context<'a>(vmctx: *mut u8) -> (&'a mut VmStore, u32) {
    let words = vmctx as *const u64;
    // SAFETY: guaranteed by the caller: word 0 is the store block, word 2 the instance.
    unsafe {
        let vm = &mut *(*words.add(WORD_STORE) as *mut VmStore);
        (vm, *words.add(WORD_INSTANCE) as u32)
    }
}

/// The store of a running call.
///
/// # Safety
/// As for [`context`]; the store is not otherwise borrowed while a libcall runs.
unsafe fn store<'a>(vmctx: *mut u8) -> (&'a mut StoreInner, u32) {
    // SAFETY: guaranteed by the caller; `store_inner` was set when the call was entered.
    unsafe {
        let (vm, instance) = context(vmctx);
        (&mut *vm.store_inner, instance)
    }
}

/// Records a trap raised on behalf of the compiled frame that called a libcall, and unwinds.
///
/// # Safety
/// Must be called directly by a libcall entered from compiled code with `vmctx`.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
unsafe fn raise(vmctx: *mut u8, trap: Trap) -> ! {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let (vm, instance) = context(vmctx);
        let (exit_fp, exit_func) = (vm.exit_fp, vm.exit_func);
        let start = super::code_start(&(&(*vm.store_inner)).instances[instance as usize]);
        super::PENDING.with(|p| *p.borrow_mut() = Some(trap));
        let a = entry::CURRENT.with(|c| c.get());
        (*a).trap_code = 0;
        (*a).trap_first_func = exit_func;
        (*a).trap_first_start = start;
        signals::record_frames(&mut *a, None, exit_fp);
        entry::unwind()
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
unsafe fn raise(_vmctx: *mut u8, _trap: Trap) -> ! {
    unreachable!("native code never runs on this platform")
}

/// Raises a trap kind if `r` is an error.
///
/// # Safety
/// As for [`raise`].
unsafe fn check(vmctx: *mut u8, r: Result<(), TrapKind>) {
    if let Err(kind) = r {
        // SAFETY: guaranteed by the caller.
        unsafe { raise_in_segment(vmctx, Trap::new(kind)) }
    }
}

/// Raises a trap in the middle of a metering segment: first gives back what the caller
/// stored as the rest of its segment's charge (see `LibCall::may_trap`).
///
/// # Safety
/// As for [`raise`].
unsafe fn raise_in_segment(vmctx: *mut u8, trap: Trap) -> ! {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let (vm, _) = context(vmctx);
        let (gas, count) = (vm.refund_gas, vm.refund_count);
        let s = &mut *vm.store_inner;
        if s.engine.config().metering {
            s.meter.refund(gas, count);
        }
        raise(vmctx, trap)
    }
}

unsafe extern "C" fn memory_grow(vmctx: *mut u8, mem: u32, delta: u64) -> u64 {
    // SAFETY: called by compiled code with its own context block.
    let (s, i) = unsafe { store(vmctx) };
    s.memory_grow(i, mem, delta).unwrap_or(u64::MAX)
}

/// `memmove` on bounds-checked native addresses of linear memory.
///
/// # Safety
/// Compiled code checked both ranges against their memories' lengths.
unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, len: u64) {
    // SAFETY: guaranteed by the caller; `copy` allows overlap.
    unsafe { std::ptr::copy(src, dst, len as usize) }
}

/// `memset` on a bounds-checked native address of linear memory.
///
/// # Safety
/// Compiled code checked the range against its memory's length.
unsafe extern "C" fn memset(dst: *mut u8, byte: u32, len: u64) {
    // SAFETY: guaranteed by the caller.
    unsafe { std::ptr::write_bytes(dst, byte as u8, len as usize) }
}

unsafe extern "C" fn memory_init(vmctx: *mut u8, m: u32, d: u32, dst: u64, src: u32, len: u32) {
    // SAFETY: called by compiled code with its own context block.
    unsafe {
        let (st, i) = store(vmctx);
        let r = st.memory_init(i, m, d, (dst, src as u64, len as u64));
        check(vmctx, r)
    }
}

unsafe extern "C" fn data_drop(vmctx: *mut u8, data: u32) {
    // SAFETY: called by compiled code with its own context block.
    let (s, i) = unsafe { store(vmctx) };
    s.data_drop(i, data);
}

unsafe extern "C" fn table_grow(vmctx: *mut u8, table: u32, init: u64, delta: u64) -> u64 {
    // SAFETY: called by compiled code with its own context block.
    let (s, i) = unsafe { store(vmctx) };
    s.table_grow(i, table, init, delta).unwrap_or(u64::MAX)
}

unsafe extern "C" fn table_fill(vmctx: *mut u8, table: u32, dst: u64, val: u64, len: u64) {
    // SAFETY: called by compiled code with its own context block.
    unsafe {
        let (s, i) = store(vmctx);
        let r = s.table_fill(i, table, (dst, val, len));
        check(vmctx, r)
    }
}

unsafe extern "C" fn table_copy(vmctx: *mut u8, d: u32, s: u32, dst: u64, src: u64, len: u64) {
    // SAFETY: called by compiled code with its own context block.
    unsafe {
        let (st, i) = store(vmctx);
        let r = st.table_copy(i, d, s, (dst, src, len));
        check(vmctx, r)
    }
}

unsafe extern "C" fn table_init(vmctx: *mut u8, t: u32, e: u32, dst: u64, src: u32, len: u32) {
    // SAFETY: called by compiled code with its own context block.
    unsafe {
        let (st, i) = store(vmctx);
        let r = st.table_init(i, t, e, (dst, src as u64, len as u64));
        check(vmctx, r)
    }
}

unsafe extern "C" fn elem_drop(vmctx: *mut u8, elem: u32) {
    // SAFETY: called by compiled code with its own context block.
    let (s, i) = unsafe { store(vmctx) };
    s.elem_drop(i, elem);
}

unsafe extern "C" fn ref_func(vmctx: *mut u8, func: u32) -> u64 {
    // SAFETY: called by compiled code with its own context block.
    let (s, i) = unsafe { store(vmctx) };
    s.ref_func(i, func)
}

unsafe extern "C" fn func_ref(vmctx: *mut u8, raw: u64) -> u64 {
    // SAFETY: called by compiled code with its own context block, for a raw reference it
    // read from a table or value, which names a function of the store.
    let (s, _) = unsafe { store(vmctx) };
    s.funcref((raw - 1) as u32) as u64
}

unsafe extern "C" fn table_elem(vmctx: *mut u8, table: u32, index: u64) -> u64 {
    // SAFETY: called by compiled code with its own context block, for an index it checked
    // against the table's length.
    let (s, i) = unsafe { store(vmctx) };
    let t = s.instances[i as usize].tables[table as usize];
    s.lazy_table_elem(t as usize, index as usize)
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn atomic_wait(
    vmctx: *mut u8,
    mem: u32,
    width: u32,
    addr: u64,
    offset: u64,
    expected: u64,
    timeout: u64,
) -> u64 {
    // SAFETY: called by compiled code with its own context block.
    unsafe {
        let (s, i) = store(vmctx);
        let r = s.memory_atomic_wait(i, mem, width, (addr, offset), expected, timeout as i64);
        match r {
            Ok(v) => v,
            Err(kind) => {
                if kind == TrapKind::Interrupted {
                    // The interrupt took effect, as at an interruption point.
                    s.interrupt.clear();
                }
                raise_in_segment(vmctx, Trap::new(kind))
            }
        }
    }
}

unsafe extern "C" fn atomic_notify(
    vmctx: *mut u8,
    mem: u32,
    addr: u64,
    offset: u64,
    n: u32,
) -> u64 {
    // SAFETY: called by compiled code with its own context block.
    unsafe {
        let (s, i) = store(vmctx);
        match s.memory_atomic_notify(i, mem, (addr, offset), n) {
            Ok(v) => v,
            Err(kind) => raise_in_segment(vmctx, Trap::new(kind)),
        }
    }
}

unsafe extern "C" fn gc(vmctx: *mut u8, op: u32, a: u32, b: u32, io: *mut u64, sp: u64) {
    // SAFETY: called by compiled code with its own context block, operand slots for `op`
    // and its stack pointer at the call; `exit_fp` was written before the call.
    unsafe {
        #[cfg(feature = "compiler")]
        let r = {
            let fp = context(vmctx).0.exit_fp;
            let (s, i) = store(vmctx);
            let frames = gc_ops::Frames {
                sp: sp as usize,
                fp,
            };
            gc_ops::run(s, i, op, (a, b), &gc_ops::Io(io), frames)
        };
        // Interpreter-only builds run no compiled code, so nothing calls this.
        #[cfg(not(feature = "compiler"))]
        let r = {
            let _ = (op, a, b, io, sp);
            Err(TrapKind::Unreachable)
        };
        check(vmctx, r)
    }
}

unsafe extern "C" fn host_call(funcref: *const VmFuncRef, caller_vmctx: *mut u8, io: *mut u64) {
    // SAFETY: called by a host trampoline with a function reference of the running store,
    // the caller's context block, and slots sized for the function's type.
    unsafe {
        let (vm, instance) = context(caller_vmctx);
        let func = (*funcref).func_index;
        // The host may run wasm that collects: publish the references the compiled frames
        // below hold (the host trampoline wrote its frame pointer to `exit_fp`).
        let inner = &mut *vm.store_inner;
        let mut roots = Vec::new();
        if !inner.gc.heap.is_empty() {
            gc_roots::compiled_frame_roots(0, vm.exit_fp, &mut roots);
        }
        let published = roots.len();
        inner.gc.suspended.extend_from_slice(&roots);
        drop(roots);
        let invoke = vm.invoke.expect("store block has an invoke function");
        let store = vm.store;
        // Compiled code the call runs (in a nested activation) records its own exits: put
        // this frame's back for a trap or throw recorded below.
        let exit = (vm.exit_fp, vm.exit_func);
        // A panicking host function must not unwind through compiled frames: catch it here,
        // unwind the compiled frames as for a trap, and resume the panic past them.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            invoke(store, func, io, instance)
        }));
        let s = &mut (*vm.store_inner).gc.suspended;
        s.truncate(s.len().saturating_sub(published));
        (vm.exit_fp, vm.exit_func) = exit;
        match r {
            Ok(Ok(())) => {}
            Ok(Err(trap)) => {
                let id = (*vm.store_inner).id;
                match trap.exception() {
                    // The caller checks for a pending exception when the call returns; should
                    // the exception escape, its backtrace has the frames it passed so far.
                    Some(exn) if exn.store == id => {
                        vm.pending_exn = exn.raw;
                        let frames = trap.backtrace().to_vec();
                        super::EXN_TRACE.with(|t| *t.borrow_mut() = Some((exn.raw, frames)));
                        record_throw(caller_vmctx);
                    }
                    Some(_) => raise(
                        caller_vmctx,
                        Trap::host("a host function threw an exception of another store"),
                    ),
                    None => raise(caller_vmctx, trap),
                }
            }
            Err(payload) => {
                super::PANIC.with(|p| *p.borrow_mut() = Some(payload));
                raise(caller_vmctx, Trap::host("host function panicked"))
            }
        }
    }
}

/// `throw`: allocates an exception of module tag `tag` from its payload words and makes it
/// the pending exception (the caller then goes to its handler).
unsafe extern "C" fn throw(vmctx: *mut u8, tag: u32, payload: *const u64) {
    // SAFETY: called by compiled code with its own context block and a buffer holding the
    // tag's payload words.
    unsafe {
        let (s, i) = store(vmctx);
        let store_tag = s.instances[i as usize].tags[tag as usize];
        let slots = s.tags[store_tag as usize].ty.param_slots() as usize;
        if s.gc.heap.over_limit(slots * 8) {
            raise_in_segment(vmctx, Trap::new(TrapKind::AllocationTooLarge))
        }
        let words = std::slice::from_raw_parts(payload, slots).to_vec();
        let exn = s.alloc_exception(store_tag, &words);
        let (vm, _) = context(vmctx);
        vm.pending_exn = exn;
        super::EXN_TRACE.with(|t| t.borrow_mut().take());
        record_throw(vmctx);
    }
}

/// Records the frames of a throw in the running activation, as the backtrace of the
/// exception should it leave the compiled code uncaught.
///
/// # Safety
/// Must be called directly by a libcall entered from compiled code with `vmctx`.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
unsafe fn record_throw(vmctx: *mut u8) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let (vm, instance) = context(vmctx);
        let (exit_fp, exit_func) = (vm.exit_fp, vm.exit_func);
        let start = super::code_start(&(&(*vm.store_inner)).instances[instance as usize]);
        let a = entry::CURRENT.with(|c| c.get());
        (*a).trap_first_func = exit_func;
        (*a).trap_first_start = start;
        signals::record_frames(&mut *a, None, exit_fp);
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
unsafe fn record_throw(_vmctx: *mut u8) {}

/// Whether exception `exn` has module tag `tag`; if so, writes its payload words to
/// `payload`.
unsafe extern "C" fn exn_catch(vmctx: *mut u8, exn: u64, tag: u32, payload: *mut u64) -> u32 {
    // SAFETY: called by compiled code with its own context block and a buffer sized for the
    // tag's payload words.
    unsafe {
        let (s, i) = store(vmctx);
        let want = s.instances[i as usize].tags[tag as usize];
        match s.exception_parts(exn) {
            Some((t, words)) if t == want => {
                std::ptr::copy_nonoverlapping(words.as_ptr(), payload, words.len());
                1
            }
            _ => 0,
        }
    }
}

/// Compiled code found the interrupt flag raised: traps on an interrupt, records a profiler
/// sample of the compiled frames of this activation when one is due.
unsafe extern "C" fn interrupt(vmctx: *mut u8) {
    // SAFETY: called by compiled code with its own context block.
    unsafe {
        let (s, _) = store(vmctx);
        match s.interrupt.poll() {
            crate::limits::Poll::Stop => raise_in_segment(vmctx, Trap::new(TrapKind::Interrupted)),
            crate::limits::Poll::Sample => record_sample(vmctx),
            crate::limits::Poll::Continue => {}
        }
    }
}

/// Records a profiler sample of the compiled frames of the running activation.
///
/// # Safety
/// Must be called directly by a libcall entered from compiled code with `vmctx`.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
unsafe fn record_sample(vmctx: *mut u8) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let (vm, instance) = context(vmctx);
        let (exit_fp, exit_func) = (vm.exit_fp, vm.exit_func);
        let s = &mut *vm.store_inner;
        let start = super::code_start(&s.instances[instance as usize]);
        // A separate record, so a trap or throw recorded in the activation stays intact.
        let mut a = Box::new(entry::Activation::new());
        signals::record_frames(&mut a, None, exit_fp);
        let mut frames = super::backtrace(s, instance, &a, Some((start, exit_func)));
        crate::interp::suspended_frames(s, &mut frames);
        s.record_sample(&frames);
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
unsafe fn record_sample(_vmctx: *mut u8) {}

/// The libcall table, in `wedge_cranelift::LibCall` order.
pub(crate) fn table() -> [usize; LIBCALLS] {
    [
        memory_grow as *const () as usize,
        memset as *const () as usize,
        memmove as *const () as usize,
        memory_init as *const () as usize,
        data_drop as *const () as usize,
        table_grow as *const () as usize,
        table_fill as *const () as usize,
        table_copy as *const () as usize,
        table_init as *const () as usize,
        elem_drop as *const () as usize,
        ref_func as *const () as usize,
        host_call as *const () as usize,
        atomic_wait as *const () as usize,
        atomic_notify as *const () as usize,
        throw as *const () as usize,
        exn_catch as *const () as usize,
        gc as *const () as usize,
        interrupt as *const () as usize,
        func_ref as *const () as usize,
        table_elem as *const () as usize,
    ]
}

extern "C" fn ceilf(x: f32) -> f32 {
    x.ceil()
}
extern "C" fn ceil(x: f64) -> f64 {
    x.ceil()
}
extern "C" fn floorf(x: f32) -> f32 {
    x.floor()
}
extern "C" fn floor(x: f64) -> f64 {
    x.floor()
}
extern "C" fn truncf(x: f32) -> f32 {
    x.trunc()
}
extern "C" fn trunc(x: f64) -> f64 {
    x.trunc()
}
extern "C" fn nearbyintf(x: f32) -> f32 {
    x.round_ties_even()
}
extern "C" fn nearbyint(x: f64) -> f64 {
    x.round_ties_even()
}

/// Number of float helpers relocations can name.
pub(crate) const HELPERS: usize = 8;

/// Address of float helper `i` (in `wedge_cranelift::Reloc::NAMES` order).
pub(crate) fn helper(i: u8) -> usize {
    let f: [usize; HELPERS] = [
        ceilf as *const () as usize,
        ceil as *const () as usize,
        floorf as *const () as usize,
        floor as *const () as usize,
        truncf as *const () as usize,
        trunc as *const () as usize,
        nearbyintf as *const () as usize,
        nearbyint as *const () as usize,
    ];
    f[i as usize]
}
