//! Integer arithmetic, comparisons and conversions between integer types.
//!
//! i32 results are stored zero-extended to 64 bits; operands are read from the low 32 bits.

use super::num_trap;
use crate::interp::code::Instr;
use crate::interp::exec::dispatch::handler;
use crate::interp::num;

/// Handlers of `dst = a op b` on slots, for operations that cannot trap.
macro_rules! binary {
    ($($name:ident: $t:ty => |$x:ident, $y:ident| $e:expr;)*) => {$(
        handler!($name(vm) Instr::$name { dst, a, b } => {
            let $x = vm.r(a) as $t;
            let $y = vm.r(b) as $t;
            vm.put(dst, ($e) as u64);
            vm.next()
        });
    )*};
}

/// Handlers of `dst = a op b` on slots for division and remainder, which may trap: operands
/// as `$t`, the result stored as `$u`.
macro_rules! binary_trap {
    ($($name:ident: $t:ty, $u:ty => $f:path;)*) => {$(
        handler!($name(vm) Instr::$name { dst, a, b } => {
            match $f(vm.r(a) as $t, vm.r(b) as $t) {
                Ok(v) => {
                    vm.put(dst, v as $u as u64);
                    vm.next()
                }
                Err(t) => vm.trap(num_trap(t)),
            }
        });
    )*};
}

/// Handlers of `dst = op src`.
macro_rules! unary {
    ($($name:ident => |$x:ident| $e:expr;)*) => {$(
        handler!($name(vm) Instr::$name { dst, src } => {
            let $x = vm.r(src);
            vm.put(dst, $e);
            vm.next()
        });
    )*};
}

binary! {
    I32Add: u32 => |x, y| x.wrapping_add(y);
    I32Sub: u32 => |x, y| x.wrapping_sub(y);
    I32Mul: u32 => |x, y| x.wrapping_mul(y);
    I32And: u32 => |x, y| x & y;
    I32Or: u32 => |x, y| x | y;
    I32Xor: u32 => |x, y| x ^ y;
    I32Shl: u32 => |x, y| x.wrapping_shl(y);
    I32ShrS: u32 => |x, y| (x as i32).wrapping_shr(y) as u32;
    I32ShrU: u32 => |x, y| x.wrapping_shr(y);
    I32Rotl: u32 => |x, y| x.rotate_left(y % 32);
    I32Rotr: u32 => |x, y| x.rotate_right(y % 32);
    I64Add: u64 => |x, y| x.wrapping_add(y);
    I64Sub: u64 => |x, y| x.wrapping_sub(y);
    I64Mul: u64 => |x, y| x.wrapping_mul(y);
    I64And: u64 => |x, y| x & y;
    I64Or: u64 => |x, y| x | y;
    I64Xor: u64 => |x, y| x ^ y;
    I64Shl: u64 => |x, y| x.wrapping_shl(y as u32);
    I64ShrS: u64 => |x, y| (x as i64).wrapping_shr(y as u32) as u64;
    I64ShrU: u64 => |x, y| x.wrapping_shr(y as u32);
    I64Rotl: u64 => |x, y| x.rotate_left((y % 64) as u32);
    I64Rotr: u64 => |x, y| x.rotate_right((y % 64) as u32);
    I32Eq: u32 => |x, y| x == y;
    I32Ne: u32 => |x, y| x != y;
    I32LtS: u32 => |x, y| (x as i32) < (y as i32);
    I32LtU: u32 => |x, y| x < y;
    I32GtS: u32 => |x, y| (x as i32) > (y as i32);
    I32GtU: u32 => |x, y| x > y;
    I32LeS: u32 => |x, y| (x as i32) <= (y as i32);
    I32LeU: u32 => |x, y| x <= y;
    I32GeS: u32 => |x, y| (x as i32) >= (y as i32);
    I32GeU: u32 => |x, y| x >= y;
    I64Eq: u64 => |x, y| x == y;
    I64Ne: u64 => |x, y| x != y;
    I64LtS: u64 => |x, y| (x as i64) < (y as i64);
    I64LtU: u64 => |x, y| x < y;
    I64GtS: u64 => |x, y| (x as i64) > (y as i64);
    I64GtU: u64 => |x, y| x > y;
    I64LeS: u64 => |x, y| (x as i64) <= (y as i64);
    I64LeU: u64 => |x, y| x <= y;
    I64GeS: u64 => |x, y| (x as i64) >= (y as i64);
    I64GeU: u64 => |x, y| x >= y;
}

binary_trap! {
    I32DivS: i32, u32 => num::i32_div_s;
    I32DivU: u32, u32 => num::i32_div_u;
    I32RemS: i32, u32 => num::i32_rem_s;
    I32RemU: u32, u32 => num::i32_rem_u;
    I64DivS: i64, u64 => num::i64_div_s;
    I64DivU: u64, u64 => num::i64_div_u;
    I64RemS: i64, u64 => num::i64_rem_s;
    I64RemU: u64, u64 => num::i64_rem_u;
}

unary! {
    I32Eqz => |x| (x as u32 == 0) as u64;
    I64Eqz => |x| (x == 0) as u64;
    I32Clz => |x| (x as u32).leading_zeros() as u64;
    I32Ctz => |x| (x as u32).trailing_zeros() as u64;
    I32Popcnt => |x| (x as u32).count_ones() as u64;
    I64Clz => |x| x.leading_zeros() as u64;
    I64Ctz => |x| x.trailing_zeros() as u64;
    I64Popcnt => |x| x.count_ones() as u64;
    I32WrapI64 => |x| x as u32 as u64;
    I64ExtendI32S => |x| x as i32 as i64 as u64;
    I64ExtendI32U => |x| x as u32 as u64;
    I32Extend8S => |x| x as i8 as i32 as u32 as u64;
    I32Extend16S => |x| x as i16 as i32 as u32 as u64;
    I64Extend8S => |x| x as i8 as i64 as u64;
    I64Extend16S => |x| x as i16 as i64 as u64;
    I64Extend32S => |x| x as i32 as i64 as u64;
    I64SatU32 => |x| x.min(u32::MAX as u64);
}
