//! Control flow within a function: copies and constants, metering and interruption
//! points, branches and `select`.

use crate::interp::code::Instr;
use crate::interp::exec::dispatch::handler;
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
