//! Wide-arithmetic operators: operands materialized in consecutive slots, results written
//! back over the first two.

use super::Translator;
use crate::interp::code::Instr;
use crate::interp::wide::WideOp;
use crate::types::ValType;

impl Translator<'_> {
    /// `i64.add128`, `i64.sub128`, `i64.mul_wide_s` or `i64.mul_wide_u`.
    pub(super) fn wide(&mut self, op: WideOp) {
        let args = self.bulk_args(op.operands());
        self.push_temp(ValType::I64);
        self.push_temp(ValType::I64);
        self.emit(Instr::Wide {
            op: op as u16,
            args,
        });
    }
}
