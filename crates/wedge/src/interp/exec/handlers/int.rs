//! Integer arithmetic, comparisons and conversions between integer types, in every operand
//! form (see `code.rs`: slots, immediates, the accumulator).
//!
//! i32 results are stored zero-extended to 64 bits; operands are read from the low 32 bits.
//! Every handler here leaves its result in the accumulator as well.

use super::{num_trap, Imm};
use crate::interp::code::Instr;
use crate::interp::exec::dispatch::handler;
use crate::interp::num;

/// Handlers of a binary operation that cannot trap, on operands read as `$t`: slots, a
/// slot and an immediate, the accumulator and a slot, the accumulator and an immediate,
/// and (for operations that do not commute) a slot and the accumulator.
macro_rules! binary {
    ($(
        $name:ident, $imm:ident, $acc:ident, $acc_imm:ident $(/ $racc:ident)?: $t:ty
            => |$x:ident, $y:ident| $e:expr;
    )*) => {$(
        handler!($name(vm) Instr::$name { dst, a, b } => {
            let ($x, $y) = (vm.r(a) as $t, vm.r(b) as $t);
            vm.put(dst, ($e) as u64);
            vm.next()
        });
        handler!($imm(vm) Instr::$imm { dst, a, imm } => {
            let ($x, $y) = (vm.r(a) as $t, <$t as Imm>::imm(imm));
            vm.put(dst, ($e) as u64);
            vm.next()
        });
        handler!($acc(vm) Instr::$acc { dst, b } => {
            let ($x, $y) = (vm.acc as $t, vm.r(b) as $t);
            vm.put(dst, ($e) as u64);
            vm.next()
        });
        handler!($acc_imm(vm) Instr::$acc_imm { dst, imm } => {
            let ($x, $y) = (vm.acc as $t, <$t as Imm>::imm(imm));
            vm.put(dst, ($e) as u64);
            vm.next()
        });
        $(
            handler!($racc(vm) Instr::$racc { dst, a } => {
                let ($x, $y) = (vm.r(a) as $t, vm.acc as $t);
                vm.put(dst, ($e) as u64);
                vm.next()
            });
        )?
    )*};
}

/// Handlers of division and remainder, which may trap, in the operand forms of
/// [`binary!`]: operands read as `$t`, the result stored as `$u`.
macro_rules! binary_trap {
    ($(
        $name:ident, $imm:ident, $acc:ident, $acc_imm:ident, $racc:ident: $t:ty, $u:ty
            => $f:path;
    )*) => {$(
        handler!($name(vm) Instr::$name { dst, a, b } => {
            match $f(vm.r(a) as $t, vm.r(b) as $t) {
                Ok(v) => { vm.put(dst, v as $u as u64); vm.next() }
                Err(t) => vm.trap(num_trap(t)),
            }
        });
        handler!($imm(vm) Instr::$imm { dst, a, imm } => {
            match $f(vm.r(a) as $t, <$t as Imm>::imm(imm)) {
                Ok(v) => { vm.put(dst, v as $u as u64); vm.next() }
                Err(t) => vm.trap(num_trap(t)),
            }
        });
        handler!($acc(vm) Instr::$acc { dst, b } => {
            match $f(vm.acc as $t, vm.r(b) as $t) {
                Ok(v) => { vm.put(dst, v as $u as u64); vm.next() }
                Err(t) => vm.trap(num_trap(t)),
            }
        });
        handler!($acc_imm(vm) Instr::$acc_imm { dst, imm } => {
            match $f(vm.acc as $t, <$t as Imm>::imm(imm)) {
                Ok(v) => { vm.put(dst, v as $u as u64); vm.next() }
                Err(t) => vm.trap(num_trap(t)),
            }
        });
        handler!($racc(vm) Instr::$racc { dst, a } => {
            match $f(vm.r(a) as $t, vm.acc as $t) {
                Ok(v) => { vm.put(dst, v as $u as u64); vm.next() }
                Err(t) => vm.trap(num_trap(t)),
            }
        });
    )*};
}

/// Handlers of `dst = op src` (and of `dst = op acc`, where there is such a form).
macro_rules! unary {
    ($($name:ident $(/ $acc:ident)? => |$x:ident| $e:expr;)*) => {$(
        handler!($name(vm) Instr::$name { dst, src } => {
            let $x = vm.r(src);
            vm.put(dst, $e);
            vm.next()
        });
        $(
            handler!($acc(vm) Instr::$acc { dst } => {
                let $x = vm.acc;
                vm.put(dst, $e);
                vm.next()
            });
        )?
    )*};
}

binary! {
    I32Add, I32AddImm, I32AddAcc, I32AddAccImm: u32 => |x, y| x.wrapping_add(y);
    I32Sub, I32SubImm, I32SubAcc, I32SubAccImm / I32SubRAcc: u32 => |x, y| x.wrapping_sub(y);
    I32Mul, I32MulImm, I32MulAcc, I32MulAccImm: u32 => |x, y| x.wrapping_mul(y);
    I32And, I32AndImm, I32AndAcc, I32AndAccImm: u32 => |x, y| x & y;
    I32Or, I32OrImm, I32OrAcc, I32OrAccImm: u32 => |x, y| x | y;
    I32Xor, I32XorImm, I32XorAcc, I32XorAccImm: u32 => |x, y| x ^ y;
    I32Shl, I32ShlImm, I32ShlAcc, I32ShlAccImm / I32ShlRAcc: u32 => |x, y| x.wrapping_shl(y);
    I32ShrS, I32ShrSImm, I32ShrSAcc, I32ShrSAccImm / I32ShrSRAcc: u32
        => |x, y| (x as i32).wrapping_shr(y) as u32;
    I32ShrU, I32ShrUImm, I32ShrUAcc, I32ShrUAccImm / I32ShrURAcc: u32
        => |x, y| x.wrapping_shr(y);
    I32Rotl, I32RotlImm, I32RotlAcc, I32RotlAccImm / I32RotlRAcc: u32
        => |x, y| x.rotate_left(y % 32);
    I32Rotr, I32RotrImm, I32RotrAcc, I32RotrAccImm / I32RotrRAcc: u32
        => |x, y| x.rotate_right(y % 32);
    I64Add, I64AddImm, I64AddAcc, I64AddAccImm: u64 => |x, y| x.wrapping_add(y);
    I64Sub, I64SubImm, I64SubAcc, I64SubAccImm / I64SubRAcc: u64 => |x, y| x.wrapping_sub(y);
    I64Mul, I64MulImm, I64MulAcc, I64MulAccImm: u64 => |x, y| x.wrapping_mul(y);
    I64And, I64AndImm, I64AndAcc, I64AndAccImm: u64 => |x, y| x & y;
    I64Or, I64OrImm, I64OrAcc, I64OrAccImm: u64 => |x, y| x | y;
    I64Xor, I64XorImm, I64XorAcc, I64XorAccImm: u64 => |x, y| x ^ y;
    I64Shl, I64ShlImm, I64ShlAcc, I64ShlAccImm / I64ShlRAcc: u64
        => |x, y| x.wrapping_shl(y as u32);
    I64ShrS, I64ShrSImm, I64ShrSAcc, I64ShrSAccImm / I64ShrSRAcc: u64
        => |x, y| (x as i64).wrapping_shr(y as u32) as u64;
    I64ShrU, I64ShrUImm, I64ShrUAcc, I64ShrUAccImm / I64ShrURAcc: u64
        => |x, y| x.wrapping_shr(y as u32);
    I64Rotl, I64RotlImm, I64RotlAcc, I64RotlAccImm / I64RotlRAcc: u64
        => |x, y| x.rotate_left((y % 64) as u32);
    I64Rotr, I64RotrImm, I64RotrAcc, I64RotrAccImm / I64RotrRAcc: u64
        => |x, y| x.rotate_right((y % 64) as u32);
    I32Eq, I32EqImm, I32EqAcc, I32EqAccImm: u32 => |x, y| x == y;
    I32Ne, I32NeImm, I32NeAcc, I32NeAccImm: u32 => |x, y| x != y;
    I32LtS, I32LtSImm, I32LtSAcc, I32LtSAccImm: i32 => |x, y| x < y;
    I32LtU, I32LtUImm, I32LtUAcc, I32LtUAccImm: u32 => |x, y| x < y;
    I32GtS, I32GtSImm, I32GtSAcc, I32GtSAccImm: i32 => |x, y| x > y;
    I32GtU, I32GtUImm, I32GtUAcc, I32GtUAccImm: u32 => |x, y| x > y;
    I32LeS, I32LeSImm, I32LeSAcc, I32LeSAccImm: i32 => |x, y| x <= y;
    I32LeU, I32LeUImm, I32LeUAcc, I32LeUAccImm: u32 => |x, y| x <= y;
    I32GeS, I32GeSImm, I32GeSAcc, I32GeSAccImm: i32 => |x, y| x >= y;
    I32GeU, I32GeUImm, I32GeUAcc, I32GeUAccImm: u32 => |x, y| x >= y;
    I64Eq, I64EqImm, I64EqAcc, I64EqAccImm: u64 => |x, y| x == y;
    I64Ne, I64NeImm, I64NeAcc, I64NeAccImm: u64 => |x, y| x != y;
    I64LtS, I64LtSImm, I64LtSAcc, I64LtSAccImm: i64 => |x, y| x < y;
    I64LtU, I64LtUImm, I64LtUAcc, I64LtUAccImm: u64 => |x, y| x < y;
    I64GtS, I64GtSImm, I64GtSAcc, I64GtSAccImm: i64 => |x, y| x > y;
    I64GtU, I64GtUImm, I64GtUAcc, I64GtUAccImm: u64 => |x, y| x > y;
    I64LeS, I64LeSImm, I64LeSAcc, I64LeSAccImm: i64 => |x, y| x <= y;
    I64LeU, I64LeUImm, I64LeUAcc, I64LeUAccImm: u64 => |x, y| x <= y;
    I64GeS, I64GeSImm, I64GeSAcc, I64GeSAccImm: i64 => |x, y| x >= y;
    I64GeU, I64GeUImm, I64GeUAcc, I64GeUAccImm: u64 => |x, y| x >= y;
}

binary_trap! {
    I32DivS, I32DivSImm, I32DivSAcc, I32DivSAccImm, I32DivSRAcc: i32, u32 => num::i32_div_s;
    I32DivU, I32DivUImm, I32DivUAcc, I32DivUAccImm, I32DivURAcc: u32, u32 => num::i32_div_u;
    I32RemS, I32RemSImm, I32RemSAcc, I32RemSAccImm, I32RemSRAcc: i32, u32 => num::i32_rem_s;
    I32RemU, I32RemUImm, I32RemUAcc, I32RemUAccImm, I32RemURAcc: u32, u32 => num::i32_rem_u;
    I64DivS, I64DivSImm, I64DivSAcc, I64DivSAccImm, I64DivSRAcc: i64, u64 => num::i64_div_s;
    I64DivU, I64DivUImm, I64DivUAcc, I64DivUAccImm, I64DivURAcc: u64, u64 => num::i64_div_u;
    I64RemS, I64RemSImm, I64RemSAcc, I64RemSAccImm, I64RemSRAcc: i64, u64 => num::i64_rem_s;
    I64RemU, I64RemUImm, I64RemUAcc, I64RemUAccImm, I64RemURAcc: u64, u64 => num::i64_rem_u;
}

unary! {
    I32Eqz / I32EqzAcc => |x| (x as u32 == 0) as u64;
    I64Eqz / I64EqzAcc => |x| (x == 0) as u64;
    I32Clz => |x| (x as u32).leading_zeros() as u64;
    I32Ctz => |x| (x as u32).trailing_zeros() as u64;
    I32Popcnt => |x| (x as u32).count_ones() as u64;
    I64Clz => |x| x.leading_zeros() as u64;
    I64Ctz => |x| x.trailing_zeros() as u64;
    I64Popcnt => |x| x.count_ones() as u64;
    I32WrapI64 / I32WrapI64Acc => |x| x as u32 as u64;
    I64ExtendI32S / I64ExtendI32SAcc => |x| x as i32 as i64 as u64;
    I64ExtendI32U / I64ExtendI32UAcc => |x| x as u32 as u64;
    I32Extend8S => |x| x as i8 as i32 as u32 as u64;
    I32Extend16S => |x| x as i16 as i32 as u32 as u64;
    I64Extend8S => |x| x as i8 as i64 as u64;
    I64Extend16S => |x| x as i16 as i64 as u64;
    I64Extend32S => |x| x as i32 as i64 as u64;
    I64SatU32 => |x| x.min(u32::MAX as u64);
}
