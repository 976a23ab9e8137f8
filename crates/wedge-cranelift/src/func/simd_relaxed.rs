//! Relaxed SIMD, with the same deterministic choice as the interpreter for every instruction
//! (the first choice of the specification's deterministic profile; see
//! `wedge::interp::simd_relaxed`): most are their strict counterparts, `madd`/`nmadd` round
//! the product before the addition, and the dot products treat both operands as signed and
//! wrap in 16 bits.

use super::Translator;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use wasmparser::Operator;

use types::{F32X4, F64X2, I16X8, I32X4};

impl Translator<'_, '_> {
    pub(crate) fn simd_relaxed(&mut self, op: &Operator) -> Result<bool, super::Error> {
        let strict = match op {
            Operator::I8x16RelaxedSwizzle => Operator::I8x16Swizzle,
            Operator::I32x4RelaxedTruncF32x4S => Operator::I32x4TruncSatF32x4S,
            Operator::I32x4RelaxedTruncF32x4U => Operator::I32x4TruncSatF32x4U,
            Operator::I32x4RelaxedTruncF64x2SZero => Operator::I32x4TruncSatF64x2SZero,
            Operator::I32x4RelaxedTruncF64x2UZero => Operator::I32x4TruncSatF64x2UZero,
            Operator::I8x16RelaxedLaneselect
            | Operator::I16x8RelaxedLaneselect
            | Operator::I32x4RelaxedLaneselect
            | Operator::I64x2RelaxedLaneselect => Operator::V128Bitselect,
            Operator::F32x4RelaxedMin => Operator::F32x4Min,
            Operator::F32x4RelaxedMax => Operator::F32x4Max,
            Operator::F64x2RelaxedMin => Operator::F64x2Min,
            Operator::F64x2RelaxedMax => Operator::F64x2Max,
            Operator::I16x8RelaxedQ15mulrS => Operator::I16x8Q15MulrSatS,
            Operator::F32x4RelaxedMadd => return Ok(self.madd(F32X4, false)),
            Operator::F32x4RelaxedNmadd => return Ok(self.madd(F32X4, true)),
            Operator::F64x2RelaxedMadd => return Ok(self.madd(F64X2, false)),
            Operator::F64x2RelaxedNmadd => return Ok(self.madd(F64X2, true)),
            Operator::I16x8RelaxedDotI8x16I7x16S => {
                let (a, b) = self.pop2();
                let v = self.dot_i8x16(a, b);
                self.push(v);
                return Ok(true);
            }
            Operator::I32x4RelaxedDotI8x16I7x16AddS => {
                let c = self.pop();
                let (a, b) = self.pop2();
                let d = self.dot_i8x16(a, b);
                let d = self.bitcast(I32X4, d);
                let even = self.b.ins().ishl_imm_u(d, 16);
                let even = self.b.ins().sshr_imm_u(even, 16);
                let odd = self.b.ins().sshr_imm_u(d, 16);
                let sum = self.b.ins().iadd(even, odd);
                let c = self.bitcast(I32X4, c);
                let v = self.b.ins().iadd(sum, c);
                self.push(v);
                return Ok(true);
            }
            _ => return Ok(false),
        };
        self.simd(&strict)
    }

    /// `a * b + c` (or `-a * b + c`), with the product rounded first.
    fn madd(&mut self, ty: types::Type, negate: bool) -> bool {
        let c = self.pop();
        let (a, b) = self.pop2();
        let (a, b, c) = (
            self.bitcast(ty, a),
            self.bitcast(ty, b),
            self.bitcast(ty, c),
        );
        let a = if negate { self.b.ins().fneg(a) } else { a };
        let p = self.b.ins().fmul(a, b);
        let v = self.b.ins().fadd(p, c);
        self.push(v);
        true
    }

    /// Signed i8 products of `a` and `b`, adjacent pairs summed into i16 lanes (wrapping).
    fn dot_i8x16(&mut self, a: Value, b: Value) -> Value {
        let a = self.bitcast(I16X8, a);
        let b = self.bitcast(I16X8, b);
        // The low byte of each i16 lane is the even i8 lane, the high byte the odd one.
        let a_even = self.b.ins().ishl_imm_u(a, 8);
        let a_even = self.b.ins().sshr_imm_u(a_even, 8);
        let b_even = self.b.ins().ishl_imm_u(b, 8);
        let b_even = self.b.ins().sshr_imm_u(b_even, 8);
        let a_odd = self.b.ins().sshr_imm_u(a, 8);
        let b_odd = self.b.ins().sshr_imm_u(b, 8);
        let even = self.b.ins().imul(a_even, b_even);
        let odd = self.b.ins().imul(a_odd, b_odd);
        self.b.ins().iadd(even, odd)
    }
}
