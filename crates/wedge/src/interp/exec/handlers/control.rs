//! Control flow within a function: copies and constants, metering and interruption
//! points, branches and `select`.

use super::Imm;
use crate::interp::code::{Instr, NO_OSR};
use crate::interp::exec::dispatch::{handler, Cx, Exit, Handler, Ip, Vm};
use crate::interp::exec::run::Executor;
use crate::limits::Poll;
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

handler!(CopyPair(vm) Instr::CopyPair { dst, a, b } => {
    let v = vm.r(a);
    vm.w(dst, v);
    let v = vm.r(b);
    vm.w(dst + 1, v);
    vm.skip(2)
});

handler!(CopyBrIfEqz(vm) Instr::CopyBrIfEqz { dst, src } => {
    let v = vm.r(src);
    vm.put(dst, v);
    // SAFETY: the translator fuses the copy only with a `BrIfEqz` right after it.
    match unsafe { (*vm.ip.add(1)).instr } {
        Instr::BrIfEqz { cond, target } => {
            if vm.r(cond) as u32 == 0 {
                vm.jump(1 + target)
            } else {
                vm.skip(2)
            }
        }
        // SAFETY: as above.
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
});

handler!(CopyBr(vm) Instr::CopyBr { dst, src } => {
    let v = vm.r(src);
    vm.put(dst, v);
    // SAFETY: the translator fuses the copy only with a `Br` right after it.
    match unsafe { (*vm.ip.add(1)).instr } {
        Instr::Br { target } => vm.jump(1 + target),
        // SAFETY: as above.
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
});

handler!(CopyTwice(vm) Instr::CopyTwice { dst, src } => {
    let v = vm.r(src);
    vm.put(dst, v);
    // SAFETY: the translator fuses the copy only with a `Copy` right after it.
    match unsafe { (*vm.ip.add(1)).instr } {
        Instr::Copy { dst, src } => {
            let v = vm.r(src);
            vm.put(dst, v);
            vm.skip(2)
        }
        // SAFETY: as above.
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
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
    if vm.cx.ex.interrupt.flag.load(Ordering::Relaxed) {
        return vm.call(interrupt_slow);
    }
    vm.next()
});

/// `CheckInterrupt` with the flag raised: traps on an interrupt, records a profiler sample
/// and goes on when one is due.
#[cold]
#[inline(never)]
fn interrupt_slow(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    let vm = Vm::new(cx, ip, regs, mem, acc);
    match vm.cx.ex.interrupt.poll() {
        Poll::Stop => vm.trap(TrapKind::Interrupted),
        Poll::Sample => {
            // SAFETY: `ip` points into the running function's instructions.
            let at = unsafe { ip.offset_from(vm.cx.st.instrs()) as usize };
            let mut frames = vm.cx.ex.frames_at(&vm.cx.st, at);
            Executor::suspended_frames(vm.cx.ex.inner, &mut frames);
            vm.cx.ex.inner.record_sample(&frames);
            vm.next()
        }
        Poll::Continue => vm.next(),
    }
}

handler!(TierCount(vm) Instr::TierCount { .. } => {
    // SAFETY: the running function is kept alive by its module.
    let code = unsafe { &*vm.cx.st.code };
    if crate::tier::count_iteration(&code.countdown) {
        return vm.call(tier_count_slow);
    }
    vm.next()
});

/// `TierCount` when the function just became hot: queue it for the compiler, and continue
/// the call in compiled code from this loop head once that can be done (see `tier/osr.rs`).
#[cold]
#[inline(never)]
fn tier_count_slow(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    let vm = Vm::new(cx, ip, regs, mem, acc);
    let st = &vm.cx.st;
    let inst = &vm.cx.ex.inner.instances[st.instance as usize];
    // SAFETY: as above.
    let code = unsafe { &*st.code };
    crate::tier::ran_out(&inst.module.inner, inst.tier, code);
    let Instr::TierCount { osr } = vm.instr() else {
        unreachable!("tier_count_slow runs TierCount")
    };
    // Only a call whose countdown runs out twice in a row at the same loop head (same
    // frame, same loop) asks for an OSR entry: calls that run out at a short loop ask for
    // none.
    let here = (st.code as usize, st.base, vm.cx.ex.frames.len(), osr);
    let again = vm.cx.ex.osr_candidate.replace(here) == Some(here);
    let entry = (osr != NO_OSR && vm.cx.ex.inner.profiler.is_none())
        .then(|| crate::tier::osr_entry(&inst.module.inner, inst.tier, code, osr, again))
        .flatten();
    match entry {
        Some(entry) => crate::interp::exec::osr::enter(vm, entry),
        None => vm.next(),
    }
}

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

handler!(BrIfNezAcc(vm) Instr::BrIfNezAcc { target } => {
    let taken = vm.acc as u32 != 0;
    vm.branch(taken, target)
});

handler!(BrIfEqzAcc(vm) Instr::BrIfEqzAcc { target } => {
    let taken = vm.acc as u32 == 0;
    vm.branch(taken, target)
});

handler!(BrTable(vm) Instr::BrTable { index, len } => {
    let skip = 1 + (vm.r(index) as u32).min(len) as usize;
    table_jump(vm, skip)
});

handler!(BrTableAcc(vm) Instr::BrTableAcc { len } => {
    let skip = 1 + (vm.acc as u32).min(len) as usize;
    table_jump(vm, skip)
});

handler!(BrTableAccAddImm(vm) Instr::BrTableAccAddImm { imm, len } => {
    // The table's entries follow the (skipped) `BrTableAcc` after this instruction.
    let skip = 2 + (vm.acc as u32).wrapping_add(imm).min(len) as usize;
    table_jump(vm, skip)
});

handler!(I32AddImmBr(vm) Instr::I32AddImmBr { dst, a, imm } => {
    let v = (vm.r(a) as u32).wrapping_add(imm) as u64;
    vm.put(dst, v);
    // SAFETY: the translator fuses the add only with a `Br` right after it.
    match unsafe { (*vm.ip.add(1)).instr } {
        Instr::Br { target } => vm.jump(1 + target),
        // SAFETY: as above.
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
});

handler!(BrEntry(vm) Instr::BrEntry { target, .. } => vm.jump(target));

/// Takes the `br_table` entry `skip` instructions after this one: jumps straight to its
/// target (with the target's handler when the entry holds it) rather than dispatching it.
#[inline(always)]
fn table_jump(vm: Vm<'_, '_>, skip: usize) -> Exit {
    // SAFETY: the `len + 1` entries follow the instruction.
    match unsafe { (*vm.ip.add(skip)).instr } {
        Instr::BrEntry {
            target,
            handler_lo,
            handler_hi,
        } => {
            let handler = handler_lo as usize | ((handler_hi as u64) << 32) as usize;
            // SAFETY: `link_table_entries` stored the target's handler in the entry.
            let handler = unsafe { std::mem::transmute::<usize, Handler>(handler) };
            vm.jump_to(skip as i32 + target, handler)
        }
        Instr::Br { target } => vm.jump(skip as i32 + target),
        _ => vm.skip(skip),
    }
}

/// Handlers of compare-and-branch instructions on operands read as `$t`: two slots, a
/// slot and an immediate, the accumulator and a slot, the accumulator and an immediate.
macro_rules! branch_cmp {
    ($($name:ident, $imm:ident, $acc:ident, $acc_imm:ident: $t:ty, $op:tt;)*) => {$(
        handler!($name(vm) Instr::$name { a, b, target } => {
            let taken = (vm.r(a) as $t) $op (vm.r(b) as $t);
            vm.branch(taken, target)
        });
        handler!($imm(vm) Instr::$imm { a, imm, target } => {
            let taken = (vm.r(a) as $t) $op <$t as Imm>::imm(imm);
            vm.branch(taken, target)
        });
        handler!($acc(vm) Instr::$acc { b, target } => {
            let taken = (vm.acc as $t) $op (vm.r(b) as $t);
            vm.branch(taken, target)
        });
        handler!($acc_imm(vm) Instr::$acc_imm { imm, target } => {
            let taken = (vm.acc as $t) $op <$t as Imm>::imm(imm);
            vm.branch(taken, target)
        });
    )*};
}

branch_cmp! {
    BrI32Eq, BrI32EqImm, BrI32EqAcc, BrI32EqAccImm: u32, ==;
    BrI32Ne, BrI32NeImm, BrI32NeAcc, BrI32NeAccImm: u32, !=;
    BrI32LtS, BrI32LtSImm, BrI32LtSAcc, BrI32LtSAccImm: i32, <;
    BrI32LtU, BrI32LtUImm, BrI32LtUAcc, BrI32LtUAccImm: u32, <;
    BrI32GtS, BrI32GtSImm, BrI32GtSAcc, BrI32GtSAccImm: i32, >;
    BrI32GtU, BrI32GtUImm, BrI32GtUAcc, BrI32GtUAccImm: u32, >;
    BrI32LeS, BrI32LeSImm, BrI32LeSAcc, BrI32LeSAccImm: i32, <=;
    BrI32LeU, BrI32LeUImm, BrI32LeUAcc, BrI32LeUAccImm: u32, <=;
    BrI32GeS, BrI32GeSImm, BrI32GeSAcc, BrI32GeSAccImm: i32, >=;
    BrI32GeU, BrI32GeUImm, BrI32GeUAcc, BrI32GeUAccImm: u32, >=;
    BrI64Eq, BrI64EqImm, BrI64EqAcc, BrI64EqAccImm: u64, ==;
    BrI64Ne, BrI64NeImm, BrI64NeAcc, BrI64NeAccImm: u64, !=;
    BrI64LtS, BrI64LtSImm, BrI64LtSAcc, BrI64LtSAccImm: i64, <;
    BrI64LtU, BrI64LtUImm, BrI64LtUAcc, BrI64LtUAccImm: u64, <;
    BrI64GtS, BrI64GtSImm, BrI64GtSAcc, BrI64GtSAccImm: i64, >;
    BrI64GtU, BrI64GtUImm, BrI64GtUAcc, BrI64GtUAccImm: u64, >;
    BrI64LeS, BrI64LeSImm, BrI64LeSAcc, BrI64LeSAccImm: i64, <=;
    BrI64LeU, BrI64LeUImm, BrI64LeUAcc, BrI64LeUAccImm: u64, <=;
    BrI64GeS, BrI64GeSImm, BrI64GeSAcc, BrI64GeSAccImm: i64, >=;
    BrI64GeU, BrI64GeUImm, BrI64GeUAcc, BrI64GeUAccImm: u64, >=;
}

/// Handlers of a loop counter's fused step and test: `slot += step` (an immediate or a
/// slot), then the branch if `slot $op b`; else the instruction after the next one (the
/// next is the branch that was fused, left in place).
macro_rules! step_branch {
    ($($imm_name:ident, $slot_name:ident: $t:ty, $op:tt;)*) => {$(
        handler!($imm_name(vm) Instr::$imm_name { imm, slot, b, target } => {
            let v = (vm.r(slot) as u32).wrapping_add(imm as i32 as u32);
            vm.put(slot, v as u64);
            if (v as $t) $op (vm.r(b) as $t) {
                vm.jump(target)
            } else {
                vm.skip(2)
            }
        });
        handler!($slot_name(vm) Instr::$slot_name { target, slot, step, b } => {
            let v = (vm.r(slot) as u32).wrapping_add(vm.r(step) as u32);
            vm.put(slot, v as u64);
            if (v as $t) $op (vm.r(b) as $t) {
                vm.jump(target as i32)
            } else {
                vm.skip(2)
            }
        });
    )*};
}

step_branch! {
    I32AddImmBrLtU, I32AddBrLtU: u32, <;
    I32AddImmBrLtS, I32AddBrLtS: i32, <;
    I32AddImmBrNe, I32AddBrNe: u32, !=;
}

handler!(Select(vm) Instr::Select { dst, a, b } => {
    let (cond, _, _) = vm.extra();
    let v = if vm.r(cond) as u32 != 0 { vm.r(a) } else { vm.r(b) };
    vm.put(dst, v);
    vm.skip(2)
});

handler!(SelectAcc(vm) Instr::SelectAcc { dst, a, b } => {
    let v = if vm.acc as u32 != 0 { vm.r(a) } else { vm.r(b) };
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
