//! Deterministic mode: every NaN a float operator produces becomes the canonical NaN
//! (`0x7fc00000` / `0x7ff8000000000000`, positive, quiet, zero payload), so results do not
//! depend on the host CPU's NaN sign and payload rules.

use super::Translator;
use crate::interp::code::Instr;
use wasmparser::Operator;

/// The shape of the NaNs an operator can produce, if it is one that computes floats.
#[derive(Clone, Copy)]
enum FloatResult {
    F32,
    F64,
    F32x4,
    F64x2,
}

fn float_result(op: &Operator<'_>) -> Option<FloatResult> {
    use FloatResult::*;
    use Operator as O;
    Some(match op {
        O::F32Add
        | O::F32Sub
        | O::F32Mul
        | O::F32Div
        | O::F32Min
        | O::F32Max
        | O::F32Sqrt
        | O::F32Ceil
        | O::F32Floor
        | O::F32Trunc
        | O::F32Nearest
        | O::F32DemoteF64 => F32,
        O::F64Add
        | O::F64Sub
        | O::F64Mul
        | O::F64Div
        | O::F64Min
        | O::F64Max
        | O::F64Sqrt
        | O::F64Ceil
        | O::F64Floor
        | O::F64Trunc
        | O::F64Nearest
        | O::F64PromoteF32 => F64,
        O::F32x4Add
        | O::F32x4Sub
        | O::F32x4Mul
        | O::F32x4Div
        | O::F32x4Min
        | O::F32x4Max
        | O::F32x4Sqrt
        | O::F32x4Ceil
        | O::F32x4Floor
        | O::F32x4Trunc
        | O::F32x4Nearest
        | O::F32x4DemoteF64x2Zero
        | O::F32x4RelaxedMadd
        | O::F32x4RelaxedNmadd
        | O::F32x4RelaxedMin
        | O::F32x4RelaxedMax => F32x4,
        O::F64x2Add
        | O::F64x2Sub
        | O::F64x2Mul
        | O::F64x2Div
        | O::F64x2Min
        | O::F64x2Max
        | O::F64x2Sqrt
        | O::F64x2Ceil
        | O::F64x2Floor
        | O::F64x2Trunc
        | O::F64x2Nearest
        | O::F64x2PromoteLowF32x4
        | O::F64x2RelaxedMadd
        | O::F64x2RelaxedNmadd
        | O::F64x2RelaxedMin
        | O::F64x2RelaxedMax => F64x2,
        _ => return None,
    })
}

impl Translator<'_> {
    /// After `op` was translated: canonicalizes its result in place if it computes floats.
    pub(super) fn canonicalize_nans(&mut self, op: &Operator<'_>) {
        let Some(shape) = float_result(op) else {
            return;
        };
        let Some(top) = self.stack.last() else {
            return;
        };
        let slot = top.slot;
        self.emit(match shape {
            FloatResult::F32 => Instr::F32CanonNan {
                dst: slot,
                src: slot,
            },
            FloatResult::F64 => Instr::F64CanonNan {
                dst: slot,
                src: slot,
            },
            FloatResult::F32x4 => Instr::F32x4CanonNan {
                dst: slot,
                src: slot,
            },
            FloatResult::F64x2 => Instr::F64x2CanonNan {
                dst: slot,
                src: slot,
            },
        });
    }
}
