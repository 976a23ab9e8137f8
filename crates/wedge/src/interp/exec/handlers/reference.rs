//! References, GC objects, exceptions, tail calls and 128-bit wide arithmetic: handlers
//! that mostly hand over to the executor's out-of-line methods.

use crate::interp::code::{Instr, R};
use crate::interp::exec::dispatch::{handler, Cx, Exit};
use crate::runtime::TrapKind;
use crate::Error;

/// Stores `result`'s error in `cx`; true if there was none.
#[inline(always)]
fn ok(cx: &mut Cx<'_>, result: Result<(), Error>) -> bool {
    match result {
        Ok(()) => true,
        Err(e) => {
            cx.fail(e);
            false
        }
    }
}

handler!(RefFunc(vm) Instr::RefFunc { dst, func } => {
    let f = vm.cx.ex.inner.instances[vm.cx.st.instance as usize].funcs.get(func);
    vm.w(dst, f as u64 + 1);
    vm.next()
});

handler!(RefIsNull(vm) Instr::RefIsNull { dst, src } => {
    let v = (vm.r(src) == 0) as u64;
    vm.put(dst, v);
    vm.next()
});

handler!(BrOnNull(vm) Instr::BrOnNull { src, target } => {
    let taken = vm.r(src) == 0;
        vm.branch(taken, target)
});

handler!(BrOnNonNull(vm) Instr::BrOnNonNull { src, target } => {
    let taken = vm.r(src) != 0;
        vm.branch(taken, target)
});

/// Whether the reference `raw` matches the running function's cast type `cast`.
#[inline(never)]
fn matches_cast(cx: &mut Cx<'_>, raw: u64, cast: u32) -> bool {
    // SAFETY: the cast entry was emitted with the instruction.
    let ty = unsafe { (&(*cx.st.code).casts)[cast as usize] };
    cx.ex.inner.ref_matches(raw, ty)
}

handler!(BrOnCast(vm) Instr::BrOnCast { src, cast, target } => {
    let taken = matches_cast(vm.cx, vm.r(src), cast);
        vm.branch(taken, target)
});

handler!(BrOnCastFail(vm) Instr::BrOnCastFail { src, cast, target } => {
    let taken = !matches_cast(vm.cx, vm.r(src), cast);
        vm.branch(taken, target)
});

/// Runs a GC instruction (`st.pc` is past it); false with the error in `cx` if it trapped.
#[inline(never)]
fn gc_op(cx: &mut Cx<'_>, op: u16, dst: R, a: R, site: u32) -> bool {
    let result = cx.ex.gc_op(&mut cx.st, op, dst, a, site);
    ok(cx, result)
}

handler!(Gc(vm) Instr::Gc { op, dst, a, site } => {
    vm.sync_out(1);
    let ok = gc_op(vm.cx, op, dst, a, site);
    // A collection may have run: no slot moved, but the stack did not either, so the hot
    // state stays valid.
    if !ok {
        return Exit::Error;
    }
    vm.next()
});

/// Throws a new exception (`st.pc` is past the `throw`); true if a handler caught it.
#[inline(never)]
fn throw(cx: &mut Cx<'_>, tag: u32, args: R) -> bool {
    let result = cx.ex.throw(&mut cx.st, tag, args);
    ok(cx, result)
}

/// Rethrows the exception in slot `exn`; true if a handler caught it.
#[inline(never)]
fn throw_ref(cx: &mut Cx<'_>, exn: R) -> bool {
    let result = cx.ex.throw_ref(&mut cx.st, exn);
    ok(cx, result)
}

handler!(Throw(vm) Instr::Throw { tag, args } => {
    vm.sync_out(1);
    let ok = throw(vm.cx, tag, args);
    vm.resume_if(ok)
});

handler!(ThrowRef(vm) Instr::ThrowRef { exn } => {
    vm.sync_out(1);
    let ok = throw_ref(vm.cx, exn);
    vm.resume_if(ok)
});

/// What a tail call through the store did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TailCall {
    /// Go on at `st.pc`.
    Resume,
    /// The entry frame returned.
    Done,
    /// Stopped with the error in `cx`.
    Error,
}

/// Tail-calls store function `func` with arguments at slot `args`.
#[inline(never)]
fn tail_call_store(cx: &mut Cx<'_>, func: u32, args: R) -> TailCall {
    match cx.ex.tail_call_store_func(&mut cx.st, func, args as usize) {
        Ok(false) => TailCall::Resume,
        Ok(true) => TailCall::Done,
        Err(e) => {
            cx.fail(e);
            TailCall::Error
        }
    }
}

/// Tail-calls defined function `func` of the running module.
#[inline(never)]
fn tail_call(cx: &mut Cx<'_>, func: u32, args: R) -> bool {
    // SAFETY: the module outlives the call.
    let module = unsafe { &*cx.st.module };
    let code = match module.compiled(func) {
        Ok(code) => std::sync::Arc::as_ptr(&code),
        Err(e) => {
            cx.fail(e);
            return false;
        }
    };
    let (m, inst) = (cx.st.module, cx.st.instance);
    let result = cx.ex.tail_call(&mut cx.st, code, m, inst, args as usize);
    ok(cx, result)
}

handler!(ReturnCall(vm) Instr::ReturnCall { func, args } => {
    vm.sync_out(1);
    let ok = tail_call(vm.cx, func, args);
    vm.resume_if(ok)
});

/// Continues after a tail call through the store.
macro_rules! after_tail_call {
    ($vm:ident, $outcome:expr) => {
        match $outcome {
            TailCall::Resume => $vm.resume(),
            TailCall::Done => Exit::Done,
            TailCall::Error => Exit::Error,
        }
    };
}

handler!(ReturnCallImport(vm) Instr::ReturnCallImport { func, args } => {
    vm.sync_out(1);
    let f = vm.cx.ex.inner.instances[vm.cx.st.instance as usize].funcs.get(func);
    let outcome = tail_call_store(vm.cx, f, args);
    after_tail_call!(vm, outcome)
});

handler!(ReturnCallRef(vm) Instr::ReturnCallRef { func, args } => {
    let raw = vm.r(func);
    if raw == 0 {
        return vm.trap(TrapKind::NullFunctionReference);
    }
    vm.sync_out(1);
    let outcome = tail_call_store(vm.cx, (raw - 1) as u32, args);
    after_tail_call!(vm, outcome)
});

handler!(ReturnCallIndirect(vm) Instr::ReturnCallIndirect { index, args, site } => {
    vm.sync_out(1);
    let i = vm.r(index) as u32 as u64;
    let f = match vm.cx.ex.indirect_target(&vm.cx.st, i, site) {
        Ok(f) => f,
        Err(k) => return vm.trap(k),
    };
    let outcome = tail_call_store(vm.cx, f, args);
    after_tail_call!(vm, outcome)
});

handler!(Wide(vm) Instr::Wide { op, args } => {
    let x = [vm.r(args), vm.r(args + 1), vm.r(args + 2), vm.r(args + 3)];
    let (lo, hi) = crate::interp::wide::eval(op, x);
    vm.w(args, lo);
    vm.w(args + 1, hi);
    vm.next()
});
