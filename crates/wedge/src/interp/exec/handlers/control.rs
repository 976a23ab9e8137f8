//! Control flow: copies and constants, metering and interruption points, branches,
//! `select`, calls and returns.

use crate::interp::code::Instr;
use crate::interp::exec::dispatch::{handler, Cx, Exit};
use crate::interp::CompiledFunc;
use crate::runtime::TrapKind;
use std::sync::atomic::Ordering;

handler!(Copy(vm) Instr::Copy { dst, src } => {
    let v = vm.r(src);
    vm.put(dst, v);
    vm.next()
});

handler!(Copy2(vm) Instr::Copy2 { dst, src } => {
    let (lo, hi) = (vm.r(src), vm.r(src + 1));
    vm.w(dst, lo);
    vm.w(dst + 1, hi);
    vm.next()
});

handler!(Const32(vm) Instr::Const32 { dst, value } => {
    vm.put(dst, value as u64);
    vm.next()
});

handler!(Const64(vm) Instr::Const64 { dst, lo, hi } => {
    vm.put(dst, lo as u64 | (hi as u64) << 32);
    vm.next()
});

handler!(
    /// `Extra` words are operands, skipped by their owners.
    Extra(_vm) Instr::Extra { .. } => unreachable!("Extra executed as an instruction")
);

handler!(Meter(vm) Instr::Meter { gas_lo, gas_hi, count } => {
    let gas = gas_lo as u64 | (gas_hi as u64) << 32;
    if vm.cx.ex.inner.meter.charge(gas, count as u64) {
        vm.next()
    } else {
        vm.trap(TrapKind::GasExhausted)
    }
});

handler!(CheckInterrupt(vm) Instr::CheckInterrupt {} => {
    if vm.cx.ex.interrupt.load(Ordering::Relaxed) {
        vm.cx.ex.interrupt.store(false, Ordering::Relaxed);
        return vm.trap(TrapKind::Interrupted);
    }
    vm.next()
});

handler!(Unreachable(vm) Instr::Unreachable {} => vm.trap(TrapKind::Unreachable));

handler!(Br(vm) Instr::Br { target } => vm.jump(target));

handler!(BrIfNez(vm) Instr::BrIfNez { cond, target } => {
    let taken = vm.r(cond) as u32 != 0;
        vm.branch(taken, target)
});

handler!(BrIfEqz(vm) Instr::BrIfEqz { cond, target } => {
    let taken = vm.r(cond) as u32 == 0;
        vm.branch(taken, target)
});

handler!(BrTable(vm) Instr::BrTable { index, len } => {
    let skip = (vm.r(index) as u32).min(len) as usize;
    vm.skip(1 + skip)
});

/// Handlers of compare-and-branch instructions on two slots read as `$t`.
macro_rules! branch_cmp {
    ($($name:ident: $t:ty, $op:tt;)*) => {$(
        handler!($name(vm) Instr::$name { a, b, target } => {
            let taken = (vm.r(a) as $t) $op (vm.r(b) as $t);
                vm.branch(taken, target)
        });
    )*};
}

branch_cmp! {
    BrI32Eq: u32, ==;
    BrI32Ne: u32, !=;
    BrI32LtS: i32, <;
    BrI32LtU: u32, <;
    BrI32GtS: i32, >;
    BrI32GtU: u32, >;
    BrI32LeS: i32, <=;
    BrI32LeU: u32, <=;
    BrI32GeS: i32, >=;
    BrI32GeU: u32, >=;
    BrI64Eq: u64, ==;
    BrI64Ne: u64, !=;
    BrI64LtS: i64, <;
    BrI64LtU: u64, <;
    BrI64GtS: i64, >;
    BrI64GtU: u64, >;
    BrI64LeS: i64, <=;
    BrI64LeU: u64, <=;
    BrI64GeS: i64, >=;
    BrI64GeU: u64, >=;
}

handler!(Select(vm) Instr::Select { dst, a, b } => {
    let (cond, _, _) = vm.extra();
    let v = if vm.r(cond) as u32 != 0 { vm.r(a) } else { vm.r(b) };
    vm.put(dst, v);
    vm.skip(2)
});

handler!(Select2(vm) Instr::Select2 { dst, a, b } => {
    let (cond, _, _) = vm.extra();
    let v = if vm.r(cond) as u32 != 0 {
        vm.r128(a)
    } else {
        vm.r128(b)
    };
    vm.w128(dst, v);
    vm.skip(2)
});

handler!(Return(vm) Instr::Return { src, slots } => {
    let regs = vm.regs();
    // SAFETY: source and destination are inside the frame; `copy` allows overlap.
    unsafe {
        if slots == 1 {
            *regs = *regs.add(src as usize);
        } else {
            std::ptr::copy(regs.add(src as usize), regs, slots as usize);
        }
    }
    let cx = &mut *vm.cx;
    if !cx.ex.pop_frame(&mut cx.st) {
        return Exit::Done;
    }
    vm.resume()
});

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

handler!(Call(vm) Instr::Call { func, args } => {
    vm.sync_out(1);
    let cx = &mut *vm.cx;
    // SAFETY: the module outlives the call.
    let module = unsafe { &*cx.st.module };
    let def = (func - module.num_imported_funcs) as usize;
    let code = match module.code[def].get() {
        Some(Ok(c)) => std::sync::Arc::as_ptr(c),
        _ => translate_callee(cx, func),
    };
    if code.is_null() {
        return Exit::Error;
    }
    let (m, inst) = (cx.st.module, cx.st.instance);
    if let Err(e) = cx.ex.push_call(&mut cx.st, code, m, inst, func, args as usize) {
        return cx.fail(e);
    }
    vm.resume()
});

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
    let f = cx.ex.inner.instances[cx.st.instance as usize].funcs[func as usize];
    let ok = call_store(cx, f, args);
    vm.resume_if(ok)
});

handler!(CallIndirect(vm) Instr::CallIndirect { index, args, site } => {
    let i = vm.r(index) as u32 as usize;
    let cx = &mut *vm.cx;
    // SAFETY: `site` was emitted together with the table entry.
    let (table, type_id) = unsafe { (*cx.st.code).indirect_sites[site as usize] };
    let inner = &cx.ex.inner;
    let t = inner.instances[cx.st.instance as usize].tables[table as usize];
    let elems = &inner.tables[t as usize].elems;
    let Some(&raw) = elems.get(i) else {
        return vm.trap(TrapKind::UndefinedElement);
    };
    if raw == 0 {
        return vm.trap(TrapKind::UninitializedElement);
    }
    let f = (raw - 1) as u32;
    let actual = inner.funcs[f as usize].type_id;
    if actual != type_id && !inner.types.is_subtype(actual, type_id) {
        return vm.trap(TrapKind::IndirectCallTypeMismatch);
    }
    vm.sync_out(1);
    let ok = call_store(vm.cx, f, args);
    vm.resume_if(ok)
});

handler!(CallRef(vm) Instr::CallRef { func, args } => {
    let raw = vm.r(func);
    if raw == 0 {
        return vm.trap(TrapKind::NullFunctionReference);
    }
    vm.sync_out(1);
    let ok = call_store(vm.cx, (raw - 1) as u32, args);
    vm.resume_if(ok)
});
