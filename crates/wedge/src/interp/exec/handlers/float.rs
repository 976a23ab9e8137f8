//! Floating-point arithmetic and comparisons, conversions to and from floats, and NaN
//! canonicalization (deterministic mode).

use super::num_trap;
use crate::interp::code::Instr;
use crate::interp::exec::dispatch::handler;
use crate::interp::num;

#[inline(always)]
fn canon32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(0x7fc0_0000)
    } else {
        x
    }
}

#[inline(always)]
fn canon64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        x
    }
}

#[inline(always)]
fn f32_of(bits: u64) -> f32 {
    f32::from_bits(bits as u32)
}

#[inline(always)]
fn f64_of(bits: u64) -> f64 {
    f64::from_bits(bits)
}

/// Bits of an f32 result as stored in a slot.
trait Bits {
    fn bits(self) -> u64;
}

impl Bits for f32 {
    #[inline(always)]
    fn bits(self) -> u64 {
        self.to_bits() as u64
    }
}

impl Bits for f64 {
    #[inline(always)]
    fn bits(self) -> u64 {
        self.to_bits()
    }
}

impl Bits for bool {
    #[inline(always)]
    fn bits(self) -> u64 {
        self as u64
    }
}

/// Handlers of `dst = a op b` on float operands read with `$of`.
macro_rules! binary {
    ($($name:ident: $of:ident => |$x:ident, $y:ident| $e:expr;)*) => {$(
        handler!($name(vm) Instr::$name { dst, a, b } => {
            let $x = $of(vm.r(a));
            let $y = $of(vm.r(b));
            vm.w(dst, Bits::bits($e));
            vm.next()
        });
    )*};
}

/// Handlers of `dst = op src` whose operand is read with `$of`.
macro_rules! unary {
    ($($name:ident: $of:ident => |$x:ident| $e:expr;)*) => {$(
        handler!($name(vm) Instr::$name { dst, src } => {
            let $x = $of(vm.r(src));
            vm.w(dst, Bits::bits($e));
            vm.next()
        });
    )*};
}

/// Handlers of float-to-integer truncations, which trap on NaN and overflow; the result
/// is stored as `$u`.
macro_rules! trunc {
    ($($name:ident: $of:ident, $u:ty => $f:path;)*) => {$(
        handler!($name(vm) Instr::$name { dst, src } => {
            match $f($of(vm.r(src))) {
                Ok(v) => {
                    vm.put(dst, v as $u as u64);
                    vm.next()
                }
                Err(t) => vm.trap(num_trap(t)),
            }
        });
    )*};
}

/// Handlers of conversions `dst = f(src)` from the raw slot bits, stored as `$u`.
macro_rules! convert {
    ($($name:ident => |$x:ident| $e:expr;)*) => {$(
        handler!($name(vm) Instr::$name { dst, src } => {
            let $x = vm.r(src);
            vm.w(dst, $e);
            vm.next()
        });
    )*};
}

binary! {
    F32Add: f32_of => |x, y| x + y;
    F32Sub: f32_of => |x, y| x - y;
    F32Mul: f32_of => |x, y| x * y;
    F32Div: f32_of => |x, y| x / y;
    F32Min: f32_of => |x, y| num::f32_min(x, y);
    F32Max: f32_of => |x, y| num::f32_max(x, y);
    F32Copysign: f32_of => |x, y| num::f32_copysign(x, y);
    F64Add: f64_of => |x, y| x + y;
    F64Sub: f64_of => |x, y| x - y;
    F64Mul: f64_of => |x, y| x * y;
    F64Div: f64_of => |x, y| x / y;
    F64Min: f64_of => |x, y| num::f64_min(x, y);
    F64Max: f64_of => |x, y| num::f64_max(x, y);
    F64Copysign: f64_of => |x, y| num::f64_copysign(x, y);
    F32Eq: f32_of => |x, y| x == y;
    F32Ne: f32_of => |x, y| x != y;
    F32Lt: f32_of => |x, y| x < y;
    F32Gt: f32_of => |x, y| x > y;
    F32Le: f32_of => |x, y| x <= y;
    F32Ge: f32_of => |x, y| x >= y;
    F64Eq: f64_of => |x, y| x == y;
    F64Ne: f64_of => |x, y| x != y;
    F64Lt: f64_of => |x, y| x < y;
    F64Gt: f64_of => |x, y| x > y;
    F64Le: f64_of => |x, y| x <= y;
    F64Ge: f64_of => |x, y| x >= y;
}

unary! {
    F32Abs: f32_of => |x| num::f32_abs(x);
    F32Neg: f32_of => |x| num::f32_neg(x);
    F32Ceil: f32_of => |x| canon32(x.ceil());
    F32Floor: f32_of => |x| canon32(x.floor());
    F32Trunc: f32_of => |x| canon32(x.trunc());
    F32Nearest: f32_of => |x| num::f32_nearest(x);
    F32Sqrt: f32_of => |x| canon32(x.sqrt());
    F64Abs: f64_of => |x| num::f64_abs(x);
    F64Neg: f64_of => |x| num::f64_neg(x);
    F64Ceil: f64_of => |x| canon64(x.ceil());
    F64Floor: f64_of => |x| canon64(x.floor());
    F64Trunc: f64_of => |x| canon64(x.trunc());
    F64Nearest: f64_of => |x| num::f64_nearest(x);
    F64Sqrt: f64_of => |x| canon64(x.sqrt());
    F32CanonNan: f32_of => |x| canon32(x);
    F64CanonNan: f64_of => |x| canon64(x);
    F32DemoteF64: f64_of => |x| num::f32_demote_f64(x);
    F64PromoteF32: f32_of => |x| num::f64_promote_f32(x);
}

trunc! {
    I32TruncF32S: f32_of, u32 => num::i32_trunc_f32_s;
    I32TruncF32U: f32_of, u32 => num::i32_trunc_f32_u;
    I32TruncF64S: f64_of, u32 => num::i32_trunc_f64_s;
    I32TruncF64U: f64_of, u32 => num::i32_trunc_f64_u;
    I64TruncF32S: f32_of, u64 => num::i64_trunc_f32_s;
    I64TruncF32U: f32_of, u64 => num::i64_trunc_f32_u;
    I64TruncF64S: f64_of, u64 => num::i64_trunc_f64_s;
    I64TruncF64U: f64_of, u64 => num::i64_trunc_f64_u;
}

convert! {
    F32ConvertI32S => |x| num::f32_convert_i32_s(x as i32).bits();
    F32ConvertI32U => |x| num::f32_convert_i32_u(x as u32).bits();
    F32ConvertI64S => |x| num::f32_convert_i64_s(x as i64).bits();
    F32ConvertI64U => |x| num::f32_convert_i64_u(x).bits();
    F64ConvertI32S => |x| num::f64_convert_i32_s(x as i32).bits();
    F64ConvertI32U => |x| num::f64_convert_i32_u(x as u32).bits();
    F64ConvertI64S => |x| num::f64_convert_i64_s(x as i64).bits();
    F64ConvertI64U => |x| num::f64_convert_i64_u(x).bits();
    I32TruncSatF32S => |x| num::i32_trunc_sat_f32_s(f32_of(x)) as u32 as u64;
    I32TruncSatF32U => |x| num::i32_trunc_sat_f32_u(f32_of(x)) as u64;
    I32TruncSatF64S => |x| num::i32_trunc_sat_f64_s(f64_of(x)) as u32 as u64;
    I32TruncSatF64U => |x| num::i32_trunc_sat_f64_u(f64_of(x)) as u64;
    I64TruncSatF32S => |x| num::i64_trunc_sat_f32_s(f32_of(x)) as u64;
    I64TruncSatF32U => |x| num::i64_trunc_sat_f32_u(f32_of(x));
    I64TruncSatF64S => |x| num::i64_trunc_sat_f64_s(f64_of(x)) as u64;
    I64TruncSatF64U => |x| num::i64_trunc_sat_f64_u(f64_of(x));
}

handler!(F32x4CanonNan(vm) Instr::F32x4CanonNan { dst, src } => {
    let v = vm.r128(src);
    let mut out = 0u128;
    for lane in 0..4 {
        let x = f32::from_bits((v >> (32 * lane)) as u32);
        out |= (canon32(x).to_bits() as u128) << (32 * lane);
    }
    vm.w128(dst, out);
    vm.next()
});

handler!(F64x2CanonNan(vm) Instr::F64x2CanonNan { dst, src } => {
    let v = vm.r128(src);
    let lo = canon64(f64::from_bits(v as u64)).to_bits();
    let hi = canon64(f64::from_bits((v >> 64) as u64)).to_bits();
    vm.w128(dst, lo as u128 | (hi as u128) << 64);
    vm.next()
});
