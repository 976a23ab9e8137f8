//! Calls and returns. Calls within the running instance and returns to it have a fast path
//! in the handler; everything else (translating the callee, growing the stacks, another
//! instance, host functions, limits) goes to a slow path that redoes the instruction.

use super::known;
use crate::interp::call_entry::CallTarget;
use crate::interp::call_link::CallSite;
use crate::interp::code::Instr;
use crate::interp::exec::dispatch::{handler, Cx, Exit, Handler, Ip, Vm};
use crate::interp::exec::run::{Callee, CALLEES};
use crate::interp::CompiledFunc;
use crate::runtime::{FuncKind, TrapKind};
use std::sync::atomic::Ordering;

/// The translation of defined function `func` of the running module, translating it now
/// if needed; null (with the error in `cx`) if it does not translate.
#[cold]
#[inline(never)]
fn translate_callee(cx: &mut Cx<'_>, func: u32) -> *const CompiledFunc {
    // SAFETY: the module outlives the call.
    let module = unsafe { &*cx.st.module };
    match module.compiled(func) {
        // The module's code table keeps the translation alive.
        Ok(code) => std::sync::Arc::as_ptr(&code),
        Err(e) => {
            cx.fail(e);
            std::ptr::null()
        }
    }
}

/// Enters a defined function of the running instance, translated as `code` (or null if
/// not translated yet), with arguments at slot `args`, on the fast path if it can, else
/// through `slow`.
#[inline(always)]
fn call_within(
    vm: Vm<'_, '_>,
    code: *const CompiledFunc,
    args: u32,
    at: usize,
    slow: Handler,
) -> Exit {
    if code.is_null() {
        return vm.call(slow);
    }
    // SAFETY: a translation lives as long as its module.
    let c = unsafe { &*code };
    if c.call_cost != 0 && crate::tier::count_call(&c.countdown, c.call_cost) {
        // Hot: compiled, or to be queued for the compiler.
        return vm.call(slow);
    }
    enter(vm, CallTarget::of(c), args, at, slow)
}

/// Enters `callee`, a defined function of the running instance, with arguments at slot
/// `args`, on the fast path if it can, else through `slow`; the call instruction is `at`
/// instructions after this one (0 but for a fused copy and call).
#[inline(always)]
fn enter(vm: Vm<'_, '_>, callee: CallTarget, args: u32, at: usize, slow: Handler) -> Exit {
    // SAFETY: every function ends in a control transfer, so the call has a next instruction.
    let ret = unsafe { vm.ip.add(at + 1) };
    let cx = &mut *vm.cx;
    let regs = cx.ex.try_push_call(&mut cx.st, callee, args as usize, ret);
    if regs.is_null() {
        return vm.call(slow);
    }
    vm.switch(callee.ops, regs)
}

/// `Call` (not defined with `handler!`, which would copy the instruction: its link is
/// read atomically, see `call_link.rs`).
#[allow(non_snake_case)]
pub(crate) fn Call(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    call(Vm::new(cx, ip, regs, mem, acc), 0, call_slow)
}

/// Calls the defined function the `Call` `at` instructions after this one names, and
/// `slow` runs it when the fast path cannot. A linked call dispatches its callee from the
/// link and reads the rest of the callee's call entry meanwhile; an unlinked one reads the
/// entry first and links the call if the entry is filled.
#[inline(always)]
fn call(vm: Vm<'_, '_>, at: usize, slow: Handler) -> Exit {
    // SAFETY: `at` is 0 in `Call`, and the translator fuses a copy only with a `Call`
    // right after it (`at` is then the distance to it).
    let (op, site) = unsafe {
        let op = vm.ip.add(at);
        (op, CallSite::of(op))
    };
    let (func, args) = (site.func, site.args);
    // SAFETY: `st.funcs` is the running module's table of call entries, which has one per
    // function index, and `func` is a validated function index of the module.
    let entry = unsafe { &*vm.cx.st.funcs.add(func as usize) };
    if let Some(ops) = site.target(op) {
        return enter(vm, entry.linked(ops), args, at, slow);
    }
    match entry.get() {
        Some(callee) => {
            site.link(op, callee.ops);
            enter(vm, callee, args, at, slow)
        }
        None => {
            let code = entry.code.load(Ordering::Acquire);
            call_within(vm, code, args, at, slow)
        }
    }
}

handler!(CopyCall(vm) Instr::CopyCall { dst, src } => {
    let v = vm.r(src);
    vm.w(dst, v);
    call(vm, 1, copy_call_slow)
});

handler!(CopyPairCall(vm) Instr::CopyPairCall { dst, a, b } => {
    let v = vm.r(a);
    vm.w(dst, v);
    let v = vm.r(b);
    vm.w(dst + 1, v);
    call(vm, 2, copy_pair_call_slow)
});

/// The slow path of `CopyCall`: the copy is done, the `Call` after it takes its slow path.
#[cold]
#[inline(never)]
fn copy_call_slow(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    // SAFETY: the `Call` follows.
    call_slow(cx, unsafe { ip.add(1) }, regs, mem, acc)
}

/// The slow path of `CopyPairCall`, as [`copy_call_slow`].
#[cold]
#[inline(never)]
fn copy_pair_call_slow(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    // SAFETY: the `Call` is two instructions further.
    call_slow(cx, unsafe { ip.add(2) }, regs, mem, acc)
}

/// `Call` when the callee is not translated yet or a stack must grow (or overflows).
#[cold]
#[inline(never)]
fn call_slow(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    let mut vm = Vm::new(cx, ip, regs, mem, acc);
    // SAFETY: `call_slow` runs a `Call`.
    let site = unsafe { CallSite::of(ip) };
    let (func, args) = (site.func, site.args);
    vm.sync_out(1);
    let cx = &mut *vm.cx;
    let code = translate_callee(cx, func);
    if code.is_null() {
        return Exit::Error;
    }
    // SAFETY: a translation lives as long as its module.
    if cx.ex.hot_has_native(cx.st.instance, unsafe { &*code }) {
        let f = cx.ex.inner.instances[cx.st.instance as usize]
            .funcs
            .get(func);
        let ok = call_store(cx, f, args);
        return vm.resume_if(ok);
    }
    let (m, inst) = (cx.st.module, cx.st.instance);
    if let Err(e) = cx.ex.push_call(&mut cx.st, code, m, inst, args as usize) {
        return cx.fail(e);
    }
    vm.resume()
}

handler!(Return(vm) Instr::Return { src, slots } => {
    match slots {
        0 => {}
        1 => {
            let v = vm.r(src);
            vm.w(0, v);
        }
        _ => return vm.call(return_slow),
    }
    pop_and_return(vm)
});

handler!(ReturnAcc(vm) Instr::ReturnAcc {} => {
    let v = vm.acc;
    vm.w(0, v);
    pop_and_return(vm)
});

/// Having moved the results, returns to the caller on the fast path if it can, else
/// through `return_slow`. A caller whose next instruction is itself a `Return` of at
/// most one slot (a call in tail position) returns too, right away, and so on, without
/// dispatching those `Return`s one by one.
#[inline(always)]
fn pop_and_return(vm: Vm<'_, '_>) -> Exit {
    let cx = &mut *vm.cx;
    let mut ip = cx.ex.try_pop_frame(&mut cx.st);
    if ip.is_null() {
        return vm.call(return_slow);
    }
    loop {
        let regs = cx.st.regs;
        // SAFETY: `ip` is the caller's next instruction.
        let Instr::Return { src, slots } = (unsafe { (*ip).instr }) else {
            return vm.switch(ip, regs);
        };
        // SAFETY: a `Return`'s source slots are inside its frame.
        match slots {
            0 => {}
            1 => unsafe { *regs = *regs.add(src as usize) },
            _ => return vm.switch(ip, regs),
        }
        let next = cx.ex.try_pop_frame(&mut cx.st);
        if next.is_null() {
            // Its slow path redoes the (idempotent) move.
            return vm.switch(ip, regs);
        }
        ip = next;
    }
}

/// `Return` of several slots, or from the entry frame, or to another instance (and
/// `ReturnAcc` from the entry frame or to another instance).
#[cold]
#[inline(never)]
fn return_slow(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    let vm = Vm::new(cx, ip, regs, mem, acc);
    match vm.instr() {
        // SAFETY: source and destination are inside the frame; `copy` allows overlap.
        // (When the fast path already moved a single result, moving it again changes
        // nothing.)
        Instr::Return { src, slots } => unsafe {
            std::ptr::copy(regs.add(src as usize), regs, slots as usize)
        },
        // The fast path wrote the result to slot 0.
        Instr::ReturnAcc {} => {}
        _ => unreachable!("return_slow runs Return or ReturnAcc"),
    }
    let cx = &mut *vm.cx;
    if !cx.ex.pop_frame(&mut cx.st) {
        return Exit::Done;
    }
    vm.resume()
}

/// Calls store function `func` with arguments at slot `args` (`st.pc` is past the call);
/// an exception it throws goes to this frame's handlers. False with the error in `cx` if
/// execution must stop.
#[inline(never)]
pub(super) fn call_store(cx: &mut Cx<'_>, func: u32, args: u32) -> bool {
    let mut result = cx.ex.call_store_func(&mut cx.st, func, args as usize);
    if let Err(e) = result {
        result = cx.ex.catch_error(&mut cx.st, e);
    }
    match result {
        Ok(()) => true,
        Err(e) => {
            cx.fail(e);
            false
        }
    }
}

handler!(CallImport(vm) Instr::CallImport { func, args } => {
    vm.sync_out(1);
    let cx = &mut *vm.cx;
    let f = cx.ex.inner.instances[cx.st.instance as usize].funcs.get(func);
    let ok = call_store(cx, f, args);
    vm.resume_if(ok)
});

/// The store function a `call_indirect` site names for table index `i`, checked against
/// the site's type.
#[inline(always)]
fn indirect_callee(cx: &mut Cx<'_>, i: usize, site: u32) -> Result<u32, TrapKind> {
    let inner = &mut *cx.ex.inner;
    // SAFETY: `site` was emitted together with the function's table of sites; the running
    // instance exists and has the (validated) table the site names; a store index of a
    // table or a function (in a table element) is in bounds of the store.
    let (instance, (table, type_id)) = unsafe {
        (
            known(&inner.instances, cx.st.instance as usize),
            *known(&(*cx.st.code).indirect_sites, site as usize),
        )
    };
    let t = unsafe { *known(&instance.tables, table as usize) };
    let elems = unsafe { &known(&inner.tables, t as usize).elems };
    let mut raw = *elems.get(i).ok_or(TrapKind::UndefinedElement)?;
    if raw == 0 {
        // Perhaps an element not initialized yet (see `runtime::lazy_table`).
        raw = inner.lazy_table_elem(t as usize, i);
        if raw == 0 {
            return Err(TrapKind::UninitializedElement);
        }
    }
    let f = (raw - 1) as u32;
    let actual = inner.func(f).type_id;
    if actual != type_id && !inner.types.is_subtype(actual, type_id) {
        return Err(TrapKind::IndirectCallTypeMismatch);
    }
    Ok(f)
}

handler!(CallIndirect(vm) Instr::CallIndirect { index, args, site } => {
    // The fast path: a call through table 0 to a function of the running instance that
    // is in the cache of targets with exactly the site's type.
    let i = vm.r(index) as u32 as usize;
    let cx = &*vm.cx;
    // SAFETY: `site` was emitted together with the function's table of sites.
    let (table, type_id) = unsafe { *known(&(*cx.st.code).indirect_sites, site as usize) };
    debug_assert!(cx.ex.table0_is_current(&cx.st), "stale table 0 cache");
    if table != 0 || i >= cx.st.table0_len {
        return vm.call(call_indirect_slow);
    }
    // SAFETY: `i` is below the cached length of table 0's elements.
    let raw = unsafe { *cx.st.table0.add(i) };
    let Some(callee) = cx.ex.callees.get(raw as usize % CALLEES) else {
        return vm.call(call_indirect_slow);
    };
    if callee.raw != raw || callee.type_id != type_id || callee.instance != cx.st.instance {
        return vm.call(call_indirect_slow);
    }
    let target = callee.target;
    if target.ops.is_null() {
        return call_within(vm, target.code, args, 0, call_indirect_slow);
    }
    enter(vm, target, args, 0, call_indirect_slow)
});

/// Adds store function `f` (the target of table element `f + 1`) to the cache of
/// `call_indirect` targets if it is a wasm function; translates it if needed. False (with
/// the error in `cx`) if it does not translate.
///
/// Never inlined: its results pass through stack slots whose addresses escape, which would
/// keep `call_indirect_slow` from handing over to the next handler as a tail call (every
/// slow `call_indirect` would then leave a host frame behind until the function returns).
#[inline(never)]
fn cache_callee(cx: &mut Cx<'_>, f: u32) -> bool {
    // `f` is a function of the store (it was in a table).
    let entity = cx.ex.inner.func(f);
    let (type_id, FuncKind::Wasm { instance, index }) = (entity.type_id, entity.kind) else {
        return true;
    };
    // SAFETY: the instance keeps its module alive for the store's lifetime.
    let module = unsafe { &*cx.ex.module_of(instance) };
    let code = match module.compiled(index) {
        // The module's code table keeps the translation alive.
        Ok(code) => std::sync::Arc::as_ptr(&code),
        Err(e) => {
            cx.fail(e);
            return false;
        }
    };
    // A filled call entry has the template padded for the unrolled copy; a function
    // without one (tiered, or with a frame too large to pack) is entered through `code`.
    // SAFETY: as above.
    let c = unsafe { &*code };
    let target = match module.call_entries[index as usize].get() {
        Some(target) => target,
        None => CallTarget {
            ops: std::ptr::null(),
            ..CallTarget::of(c)
        },
    };
    let raw = f as u64 + 1;
    let callees = &mut cx.ex.callees;
    if callees.is_empty() {
        // A null element not initialized yet (raw 0) can match an empty entry: its null
        // `code` sends the call to the slow path.
        let empty = Callee {
            raw: 0,
            type_id: 0,
            instance: 0,
            target: CallTarget {
                code: std::ptr::null(),
                ops: std::ptr::null(),
                init: std::ptr::null(),
                frame_slots: 0,
                init_at: 0,
                init_chunks: 0,
            },
        };
        callees.resize(CALLEES, empty);
    }
    callees[raw as usize % CALLEES] = Callee {
        raw,
        type_id,
        instance,
        target,
    };
    true
}

/// `CallIndirect` through another table, to a target not in the cache (which it adds),
/// to another instance or a host function, or needing the slow path of a call.
#[cold]
#[inline(never)]
fn call_indirect_slow(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    let mut vm = Vm::new(cx, ip, regs, mem, acc);
    let Instr::CallIndirect { index, args, site } = vm.instr() else {
        unreachable!("call_indirect_slow runs CallIndirect")
    };
    let i = vm.r(index) as u32 as usize;
    let f = match indirect_callee(vm.cx, i, site) {
        Ok(f) => f,
        Err(k) => return vm.trap(k),
    };
    vm.sync_out(1);
    let ok = cache_callee(vm.cx, f) && call_store(vm.cx, f, args);
    vm.resume_if(ok)
}

handler!(CallRef(vm) Instr::CallRef { func, args } => {
    let raw = vm.r(func);
    if raw == 0 {
        return vm.trap(TrapKind::NullFunctionReference);
    }
    vm.sync_out(1);
    let ok = call_store(vm.cx, (raw - 1) as u32, args);
    vm.resume_if(ok)
});
