//! 128-bit SIMD instructions other than loads and stores (see `simd.rs` for the lanes).

use crate::interp::code::Instr;
use crate::interp::exec::dispatch::handler;
use crate::interp::simd;

handler!(V128Unary(vm) Instr::V128Unary { op, dst, a } => {
    let v = simd::unary(op, vm.r128(a));
    vm.w128(dst, v);
    vm.next()
});

handler!(V128Binary(vm) Instr::V128Binary { op, dst, a, b } => {
    let v = simd::binary(op, vm.r128(a), vm.r128(b));
    vm.w128(dst, v);
    vm.next()
});

handler!(V128Ternary(vm) Instr::V128Ternary { op, dst, args } => {
    let v = simd::ternary(op, vm.r128(args), vm.r128(args + 2), vm.r128(args + 4));
    vm.w128(dst, v);
    vm.next()
});

handler!(V128Test(vm) Instr::V128Test { op, dst, a } => {
    let v = simd::test(op, vm.r128(a));
    vm.put(dst, v as u32 as u64);
    vm.next()
});

handler!(V128Shift(vm) Instr::V128Shift { op, dst, a, count } => {
    let v = simd::shift(op, vm.r128(a), vm.r(count) as u32);
    vm.w128(dst, v);
    vm.next()
});

handler!(V128Splat(vm) Instr::V128Splat { op, dst, src } => {
    let v = simd::splat(op, vm.r(src));
    vm.w128(dst, v);
    vm.next()
});

handler!(V128Extract(vm) Instr::V128Extract { op, lane, dst, a } => {
    let v = simd::extract_lane(op, vm.r128(a), lane);
    vm.w(dst, v);
    vm.next()
});

handler!(V128Replace(vm) Instr::V128Replace { op, lane, dst, a, x } => {
    let v = simd::replace_lane(op as u16, vm.r128(a), lane, vm.r(x));
    vm.w128(dst, v);
    vm.next()
});

handler!(V128Shuffle(vm) Instr::V128Shuffle { dst, a, b } => {
    let (index, _, _) = vm.extra();
    // SAFETY: the shuffle table entry was emitted with the instruction.
    let lanes = unsafe { &(&(*vm.cx.st.code).shuffles)[index as usize] };
    let v = simd::shuffle(vm.r128(a), vm.r128(b), lanes);
    vm.w128(dst, v);
    vm.skip(2)
});
