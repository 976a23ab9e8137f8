//! Integer arithmetic, comparisons and conversions between integer types, in every operand
//! form (see `code.rs`: slots, immediates, the accumulator).
//!
//! i32 results are stored zero-extended to 64 bits; operands are read from the low 32 bits.
//! Every handler here leaves its result in the accumulator as well.

use super::{num_trap, Imm};
use crate::interp::code::Instr;
use crate::interp::exec::dispatch::handler;
use crate::interp::num;

/// The handlers of one operand form of an integer instruction: `$name` writes the value
/// to slot `$dst` and the accumulator, `$to_acc` (its `ToAcc` form) to the accumulator
/// only. `$value` computes it (and may trap).
macro_rules! form {
    (
        $vm:ident, $dst:ident,
        $name:ident { $($f:ident),* }, $to_acc:ident { $($g:ident),* } => $value:expr
    ) => {
        handler!($name($vm) Instr::$name { $dst, $($f),* } => {
            let v: u64 = $value;
            $vm.put($dst, v);
            $vm.next()
        });
        handler!($to_acc($vm) Instr::$to_acc { $($g),* } => {
            let v: u64 = $value;
            $vm.acc = v;
            $vm.next()
        });
    };
}

/// Handlers of a binary operation that cannot trap, on operands read as `$t`: slots, a
/// slot and an immediate, the accumulator and a slot, the accumulator and an immediate,
/// and (for operations that do not commute) a slot and the accumulator; each with its
/// `ToAcc` form.
macro_rules! binary {
    ($(
        $name:ident / $name_t:ident, $imm:ident / $imm_t:ident, $acc:ident / $acc_t:ident,
        $acc_imm:ident / $acc_imm_t:ident $(, $racc:ident / $racc_t:ident)?: $t:ty
            => |$x:ident, $y:ident| $e:expr;
    )*) => {$(
        form!(vm, dst, $name { a, b }, $name_t { a, b } => {
            let ($x, $y) = (vm.r(a) as $t, vm.r(b) as $t);
            ($e) as u64
        });
        form!(vm, dst, $imm { a, imm }, $imm_t { a, imm } => {
            let ($x, $y) = (vm.r(a) as $t, <$t as Imm>::imm(imm));
            ($e) as u64
        });
        form!(vm, dst, $acc { b }, $acc_t { b } => {
            let ($x, $y) = (vm.acc as $t, vm.r(b) as $t);
            ($e) as u64
        });
        form!(vm, dst, $acc_imm { imm }, $acc_imm_t { imm } => {
            let ($x, $y) = (vm.acc as $t, <$t as Imm>::imm(imm));
            ($e) as u64
        });
        $(
            form!(vm, dst, $racc { a }, $racc_t { a } => {
                let ($x, $y) = (vm.r(a) as $t, vm.acc as $t);
                ($e) as u64
            });
        )?
    )*};
}

/// Handlers of division and remainder, which may trap, in the operand forms of
/// [`binary!`]: operands read as `$t`, the result stored as `$u`.
macro_rules! binary_trap {
    ($(
        $name:ident / $name_t:ident, $imm:ident / $imm_t:ident, $acc:ident / $acc_t:ident,
        $acc_imm:ident / $acc_imm_t:ident, $racc:ident / $racc_t:ident: $t:ty, $u:ty
            => $f:path;
    )*) => {$(
        form!(vm, dst, $name { a, b }, $name_t { a, b } => {
            match $f(vm.r(a) as $t, vm.r(b) as $t) {
                Ok(v) => v as $u as u64,
                Err(t) => return vm.trap(num_trap(t)),
            }
        });
        form!(vm, dst, $imm { a, imm }, $imm_t { a, imm } => {
            match $f(vm.r(a) as $t, <$t as Imm>::imm(imm)) {
                Ok(v) => v as $u as u64,
                Err(t) => return vm.trap(num_trap(t)),
            }
        });
        form!(vm, dst, $acc { b }, $acc_t { b } => {
            match $f(vm.acc as $t, vm.r(b) as $t) {
                Ok(v) => v as $u as u64,
                Err(t) => return vm.trap(num_trap(t)),
            }
        });
        form!(vm, dst, $acc_imm { imm }, $acc_imm_t { imm } => {
            match $f(vm.acc as $t, <$t as Imm>::imm(imm)) {
                Ok(v) => v as $u as u64,
                Err(t) => return vm.trap(num_trap(t)),
            }
        });
        form!(vm, dst, $racc { a }, $racc_t { a } => {
            match $f(vm.r(a) as $t, vm.acc as $t) {
                Ok(v) => v as $u as u64,
                Err(t) => return vm.trap(num_trap(t)),
            }
        });
    )*};
}

/// Handlers of `dst = op src` (and, where listed, of `dst = op acc`, with the `ToAcc`
/// forms of both).
macro_rules! unary {
    ($(
        $name:ident $(/ $name_t:ident, $acc:ident / $acc_t:ident)? => |$x:ident| $e:expr;
    )*) => {$(
        unary!(@slot $name $(/ $name_t)? => |$x| $e);
        $(
            form!(vm, dst, $acc {}, $acc_t {} => {
                let $x = vm.acc;
                $e
            });
        )?
    )*};
    (@slot $name:ident / $name_t:ident => |$x:ident| $e:expr) => {
        form!(vm, dst, $name { src }, $name_t { src } => {
            let $x = vm.r(src);
            $e
        });
    };
    (@slot $name:ident => |$x:ident| $e:expr) => {
        handler!($name(vm) Instr::$name { dst, src } => {
            let $x = vm.r(src);
            vm.put(dst, $e);
            vm.next()
        });
    };
}

binary! {
    I32Add / I32AddToAcc, I32AddImm / I32AddImmToAcc, I32AddAcc / I32AddAccToAcc,
        I32AddAccImm / I32AddAccImmToAcc: u32 => |x, y| x.wrapping_add(y);
    I32Sub / I32SubToAcc, I32SubImm / I32SubImmToAcc, I32SubAcc / I32SubAccToAcc,
        I32SubAccImm / I32SubAccImmToAcc, I32SubRAcc / I32SubRAccToAcc: u32
        => |x, y| x.wrapping_sub(y);
    I32Mul / I32MulToAcc, I32MulImm / I32MulImmToAcc, I32MulAcc / I32MulAccToAcc,
        I32MulAccImm / I32MulAccImmToAcc: u32 => |x, y| x.wrapping_mul(y);
    I32And / I32AndToAcc, I32AndImm / I32AndImmToAcc, I32AndAcc / I32AndAccToAcc,
        I32AndAccImm / I32AndAccImmToAcc: u32 => |x, y| x & y;
    I32Or / I32OrToAcc, I32OrImm / I32OrImmToAcc, I32OrAcc / I32OrAccToAcc,
        I32OrAccImm / I32OrAccImmToAcc: u32 => |x, y| x | y;
    I32Xor / I32XorToAcc, I32XorImm / I32XorImmToAcc, I32XorAcc / I32XorAccToAcc,
        I32XorAccImm / I32XorAccImmToAcc: u32 => |x, y| x ^ y;
    I32Shl / I32ShlToAcc, I32ShlImm / I32ShlImmToAcc, I32ShlAcc / I32ShlAccToAcc,
        I32ShlAccImm / I32ShlAccImmToAcc, I32ShlRAcc / I32ShlRAccToAcc: u32
        => |x, y| x.wrapping_shl(y);
    I32ShrS / I32ShrSToAcc, I32ShrSImm / I32ShrSImmToAcc, I32ShrSAcc / I32ShrSAccToAcc,
        I32ShrSAccImm / I32ShrSAccImmToAcc, I32ShrSRAcc / I32ShrSRAccToAcc: u32
        => |x, y| (x as i32).wrapping_shr(y) as u32;
    I32ShrU / I32ShrUToAcc, I32ShrUImm / I32ShrUImmToAcc, I32ShrUAcc / I32ShrUAccToAcc,
        I32ShrUAccImm / I32ShrUAccImmToAcc, I32ShrURAcc / I32ShrURAccToAcc: u32
        => |x, y| x.wrapping_shr(y);
    I32Rotl / I32RotlToAcc, I32RotlImm / I32RotlImmToAcc, I32RotlAcc / I32RotlAccToAcc,
        I32RotlAccImm / I32RotlAccImmToAcc, I32RotlRAcc / I32RotlRAccToAcc: u32
        => |x, y| x.rotate_left(y % 32);
    I32Rotr / I32RotrToAcc, I32RotrImm / I32RotrImmToAcc, I32RotrAcc / I32RotrAccToAcc,
        I32RotrAccImm / I32RotrAccImmToAcc, I32RotrRAcc / I32RotrRAccToAcc: u32
        => |x, y| x.rotate_right(y % 32);
    I64Add / I64AddToAcc, I64AddImm / I64AddImmToAcc, I64AddAcc / I64AddAccToAcc,
        I64AddAccImm / I64AddAccImmToAcc: u64 => |x, y| x.wrapping_add(y);
    I64Sub / I64SubToAcc, I64SubImm / I64SubImmToAcc, I64SubAcc / I64SubAccToAcc,
        I64SubAccImm / I64SubAccImmToAcc, I64SubRAcc / I64SubRAccToAcc: u64
        => |x, y| x.wrapping_sub(y);
    I64Mul / I64MulToAcc, I64MulImm / I64MulImmToAcc, I64MulAcc / I64MulAccToAcc,
        I64MulAccImm / I64MulAccImmToAcc: u64 => |x, y| x.wrapping_mul(y);
    I64And / I64AndToAcc, I64AndImm / I64AndImmToAcc, I64AndAcc / I64AndAccToAcc,
        I64AndAccImm / I64AndAccImmToAcc: u64 => |x, y| x & y;
    I64Or / I64OrToAcc, I64OrImm / I64OrImmToAcc, I64OrAcc / I64OrAccToAcc,
        I64OrAccImm / I64OrAccImmToAcc: u64 => |x, y| x | y;
    I64Xor / I64XorToAcc, I64XorImm / I64XorImmToAcc, I64XorAcc / I64XorAccToAcc,
        I64XorAccImm / I64XorAccImmToAcc: u64 => |x, y| x ^ y;
    I64Shl / I64ShlToAcc, I64ShlImm / I64ShlImmToAcc, I64ShlAcc / I64ShlAccToAcc,
        I64ShlAccImm / I64ShlAccImmToAcc, I64ShlRAcc / I64ShlRAccToAcc: u64
        => |x, y| x.wrapping_shl(y as u32);
    I64ShrS / I64ShrSToAcc, I64ShrSImm / I64ShrSImmToAcc, I64ShrSAcc / I64ShrSAccToAcc,
        I64ShrSAccImm / I64ShrSAccImmToAcc, I64ShrSRAcc / I64ShrSRAccToAcc: u64
        => |x, y| (x as i64).wrapping_shr(y as u32) as u64;
    I64ShrU / I64ShrUToAcc, I64ShrUImm / I64ShrUImmToAcc, I64ShrUAcc / I64ShrUAccToAcc,
        I64ShrUAccImm / I64ShrUAccImmToAcc, I64ShrURAcc / I64ShrURAccToAcc: u64
        => |x, y| x.wrapping_shr(y as u32);
    I64Rotl / I64RotlToAcc, I64RotlImm / I64RotlImmToAcc, I64RotlAcc / I64RotlAccToAcc,
        I64RotlAccImm / I64RotlAccImmToAcc, I64RotlRAcc / I64RotlRAccToAcc: u64
        => |x, y| x.rotate_left((y % 64) as u32);
    I64Rotr / I64RotrToAcc, I64RotrImm / I64RotrImmToAcc, I64RotrAcc / I64RotrAccToAcc,
        I64RotrAccImm / I64RotrAccImmToAcc, I64RotrRAcc / I64RotrRAccToAcc: u64
        => |x, y| x.rotate_right((y % 64) as u32);
    I32Eq / I32EqToAcc, I32EqImm / I32EqImmToAcc, I32EqAcc / I32EqAccToAcc,
        I32EqAccImm / I32EqAccImmToAcc: u32 => |x, y| x == y;
    I32Ne / I32NeToAcc, I32NeImm / I32NeImmToAcc, I32NeAcc / I32NeAccToAcc,
        I32NeAccImm / I32NeAccImmToAcc: u32 => |x, y| x != y;
    I32LtS / I32LtSToAcc, I32LtSImm / I32LtSImmToAcc, I32LtSAcc / I32LtSAccToAcc,
        I32LtSAccImm / I32LtSAccImmToAcc: i32 => |x, y| x < y;
    I32LtU / I32LtUToAcc, I32LtUImm / I32LtUImmToAcc, I32LtUAcc / I32LtUAccToAcc,
        I32LtUAccImm / I32LtUAccImmToAcc: u32 => |x, y| x < y;
    I32GtS / I32GtSToAcc, I32GtSImm / I32GtSImmToAcc, I32GtSAcc / I32GtSAccToAcc,
        I32GtSAccImm / I32GtSAccImmToAcc: i32 => |x, y| x > y;
    I32GtU / I32GtUToAcc, I32GtUImm / I32GtUImmToAcc, I32GtUAcc / I32GtUAccToAcc,
        I32GtUAccImm / I32GtUAccImmToAcc: u32 => |x, y| x > y;
    I32LeS / I32LeSToAcc, I32LeSImm / I32LeSImmToAcc, I32LeSAcc / I32LeSAccToAcc,
        I32LeSAccImm / I32LeSAccImmToAcc: i32 => |x, y| x <= y;
    I32LeU / I32LeUToAcc, I32LeUImm / I32LeUImmToAcc, I32LeUAcc / I32LeUAccToAcc,
        I32LeUAccImm / I32LeUAccImmToAcc: u32 => |x, y| x <= y;
    I32GeS / I32GeSToAcc, I32GeSImm / I32GeSImmToAcc, I32GeSAcc / I32GeSAccToAcc,
        I32GeSAccImm / I32GeSAccImmToAcc: i32 => |x, y| x >= y;
    I32GeU / I32GeUToAcc, I32GeUImm / I32GeUImmToAcc, I32GeUAcc / I32GeUAccToAcc,
        I32GeUAccImm / I32GeUAccImmToAcc: u32 => |x, y| x >= y;
    I64Eq / I64EqToAcc, I64EqImm / I64EqImmToAcc, I64EqAcc / I64EqAccToAcc,
        I64EqAccImm / I64EqAccImmToAcc: u64 => |x, y| x == y;
    I64Ne / I64NeToAcc, I64NeImm / I64NeImmToAcc, I64NeAcc / I64NeAccToAcc,
        I64NeAccImm / I64NeAccImmToAcc: u64 => |x, y| x != y;
    I64LtS / I64LtSToAcc, I64LtSImm / I64LtSImmToAcc, I64LtSAcc / I64LtSAccToAcc,
        I64LtSAccImm / I64LtSAccImmToAcc: i64 => |x, y| x < y;
    I64LtU / I64LtUToAcc, I64LtUImm / I64LtUImmToAcc, I64LtUAcc / I64LtUAccToAcc,
        I64LtUAccImm / I64LtUAccImmToAcc: u64 => |x, y| x < y;
    I64GtS / I64GtSToAcc, I64GtSImm / I64GtSImmToAcc, I64GtSAcc / I64GtSAccToAcc,
        I64GtSAccImm / I64GtSAccImmToAcc: i64 => |x, y| x > y;
    I64GtU / I64GtUToAcc, I64GtUImm / I64GtUImmToAcc, I64GtUAcc / I64GtUAccToAcc,
        I64GtUAccImm / I64GtUAccImmToAcc: u64 => |x, y| x > y;
    I64LeS / I64LeSToAcc, I64LeSImm / I64LeSImmToAcc, I64LeSAcc / I64LeSAccToAcc,
        I64LeSAccImm / I64LeSAccImmToAcc: i64 => |x, y| x <= y;
    I64LeU / I64LeUToAcc, I64LeUImm / I64LeUImmToAcc, I64LeUAcc / I64LeUAccToAcc,
        I64LeUAccImm / I64LeUAccImmToAcc: u64 => |x, y| x <= y;
    I64GeS / I64GeSToAcc, I64GeSImm / I64GeSImmToAcc, I64GeSAcc / I64GeSAccToAcc,
        I64GeSAccImm / I64GeSAccImmToAcc: i64 => |x, y| x >= y;
    I64GeU / I64GeUToAcc, I64GeUImm / I64GeUImmToAcc, I64GeUAcc / I64GeUAccToAcc,
        I64GeUAccImm / I64GeUAccImmToAcc: u64 => |x, y| x >= y;
}

binary_trap! {
    I32DivS / I32DivSToAcc, I32DivSImm / I32DivSImmToAcc, I32DivSAcc / I32DivSAccToAcc,
        I32DivSAccImm / I32DivSAccImmToAcc,
        I32DivSRAcc / I32DivSRAccToAcc: i32, u32 => num::i32_div_s;
    I32DivU / I32DivUToAcc, I32DivUImm / I32DivUImmToAcc, I32DivUAcc / I32DivUAccToAcc,
        I32DivUAccImm / I32DivUAccImmToAcc,
        I32DivURAcc / I32DivURAccToAcc: u32, u32 => num::i32_div_u;
    I32RemS / I32RemSToAcc, I32RemSImm / I32RemSImmToAcc, I32RemSAcc / I32RemSAccToAcc,
        I32RemSAccImm / I32RemSAccImmToAcc,
        I32RemSRAcc / I32RemSRAccToAcc: i32, u32 => num::i32_rem_s;
    I32RemU / I32RemUToAcc, I32RemUImm / I32RemUImmToAcc, I32RemUAcc / I32RemUAccToAcc,
        I32RemUAccImm / I32RemUAccImmToAcc,
        I32RemURAcc / I32RemURAccToAcc: u32, u32 => num::i32_rem_u;
    I64DivS / I64DivSToAcc, I64DivSImm / I64DivSImmToAcc, I64DivSAcc / I64DivSAccToAcc,
        I64DivSAccImm / I64DivSAccImmToAcc,
        I64DivSRAcc / I64DivSRAccToAcc: i64, u64 => num::i64_div_s;
    I64DivU / I64DivUToAcc, I64DivUImm / I64DivUImmToAcc, I64DivUAcc / I64DivUAccToAcc,
        I64DivUAccImm / I64DivUAccImmToAcc,
        I64DivURAcc / I64DivURAccToAcc: u64, u64 => num::i64_div_u;
    I64RemS / I64RemSToAcc, I64RemSImm / I64RemSImmToAcc, I64RemSAcc / I64RemSAccToAcc,
        I64RemSAccImm / I64RemSAccImmToAcc,
        I64RemSRAcc / I64RemSRAccToAcc: i64, u64 => num::i64_rem_s;
    I64RemU / I64RemUToAcc, I64RemUImm / I64RemUImmToAcc, I64RemUAcc / I64RemUAccToAcc,
        I64RemUAccImm / I64RemUAccImmToAcc,
        I64RemURAcc / I64RemURAccToAcc: u64, u64 => num::i64_rem_u;
}

unary! {
    I32Eqz / I32EqzToAcc, I32EqzAcc / I32EqzAccToAcc => |x| (x as u32 == 0) as u64;
    I64Eqz / I64EqzToAcc, I64EqzAcc / I64EqzAccToAcc => |x| (x == 0) as u64;
    I32Clz => |x| (x as u32).leading_zeros() as u64;
    I32Ctz => |x| (x as u32).trailing_zeros() as u64;
    I32Popcnt => |x| (x as u32).count_ones() as u64;
    I64Clz => |x| x.leading_zeros() as u64;
    I64Ctz => |x| x.trailing_zeros() as u64;
    I64Popcnt => |x| x.count_ones() as u64;
    I32WrapI64 / I32WrapI64ToAcc, I32WrapI64Acc / I32WrapI64AccToAcc => |x| x as u32 as u64;
    I64ExtendI32S / I64ExtendI32SToAcc,
        I64ExtendI32SAcc / I64ExtendI32SAccToAcc => |x| x as i32 as i64 as u64;
    I64ExtendI32U / I64ExtendI32UToAcc,
        I64ExtendI32UAcc / I64ExtendI32UAccToAcc => |x| x as u32 as u64;
    I32Extend8S => |x| x as i8 as i32 as u32 as u64;
    I32Extend16S => |x| x as i16 as i32 as u32 as u64;
    I64Extend8S => |x| x as i8 as i64 as u64;
    I64Extend16S => |x| x as i16 as i64 as u64;
    I64Extend32S => |x| x as i32 as i64 as u64;
    I64SatU32 => |x| x.min(u32::MAX as u64);
}

handler!(I32ShrUAndImm(vm) Instr::I32ShrUAndImm { shift, dst, a, mask } => {
    let v = ((vm.r(a) as u32 >> shift) & mask) as u64;
    vm.put(dst, v);
    vm.skip(2)
});

handler!(I32ShrUAndImmToAcc(vm) Instr::I32ShrUAndImmToAcc { shift, a, mask } => {
    vm.acc = ((vm.r(a) as u32 >> shift) & mask) as u64;
    vm.skip(2)
});

handler!(I32AndShlAccImmToAcc(vm) Instr::I32AndShlAccImmToAcc { shift, mask } => {
    vm.acc = (((vm.acc as u32) & mask) << shift) as u64;
    vm.skip(2)
});

handler!(I32AndShlImmToAcc(vm) Instr::I32AndShlImmToAcc { shift, a, mask } => {
    vm.acc = (((vm.r(a) as u32) & mask) << shift) as u64;
    vm.skip(2)
});

handler!(I32ShlAddImm(vm) Instr::I32ShlAddImm { shift, dst, a, b } => {
    let v = ((vm.r(a) as u32) << shift).wrapping_add(vm.r(b) as u32) as u64;
    vm.put(dst, v);
    vm.skip(2)
});

handler!(I32ShlAddImmToAcc(vm) Instr::I32ShlAddImmToAcc { shift, a, b } => {
    vm.acc = ((vm.r(a) as u32) << shift).wrapping_add(vm.r(b) as u32) as u64;
    vm.skip(2)
});

handler!(I32ShlAccAdd(vm) Instr::I32ShlAccAdd { shift, dst, b } => {
    let v = ((vm.acc as u32) << shift).wrapping_add(vm.r(b) as u32) as u64;
    vm.put(dst, v);
    vm.skip(2)
});

handler!(I32ShlAccAddToAcc(vm) Instr::I32ShlAccAddToAcc { shift, b } => {
    vm.acc = ((vm.acc as u32) << shift).wrapping_add(vm.r(b) as u32) as u64;
    vm.skip(2)
});

handler!(I32ShrUAndAdd(vm) Instr::I32ShrUAndAdd { shift, a, mask } => {
    let field = (vm.r(a) as u32 >> shift) & mask;
    // SAFETY: the translator fuses the extract only with an `I32AddAcc` two instructions
    // further (after the skipped `I32AndAccImmToAcc`).
    match unsafe { (*vm.ip.add(2)).instr } {
        Instr::I32AddAcc { dst, b } => {
            let v = field.wrapping_add(vm.r(b) as u32) as u64;
            vm.put(dst, v);
            vm.skip(3)
        }
        // SAFETY: as above.
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
});

handler!(I32AddImmTwice(vm) Instr::I32AddImmTwice { dst, a, imm } => {
    let v = (vm.r(a) as u32).wrapping_add(imm) as u64;
    vm.put(dst, v);
    // SAFETY: the translator fuses the add only with an `I32AddImm` right after it.
    match unsafe { (*vm.ip.add(1)).instr } {
        Instr::I32AddImm { dst, a, imm } => {
            let v = (vm.r(a) as u32).wrapping_add(imm) as u64;
            vm.put(dst, v);
            vm.skip(2)
        }
        // SAFETY: as above.
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
});
