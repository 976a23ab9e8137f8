//! Scalar numeric operators: constants, integer and float arithmetic (with 128-bit wide
//! arithmetic), comparisons, conversions.

use super::Translator;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Type, Value};
use wasmparser::Operator;

impl Translator<'_, '_> {
    fn unop(&mut self, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.pop();
        let v = f(self, a);
        self.push(v);
    }

    fn binop(&mut self, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.pop2();
        let v = f(self, a, b);
        self.push(v);
    }

    fn icmp_op(&mut self, cc: IntCC) {
        let (mut a, mut b) = self.pop2();
        if matches!(cc, IntCC::Equal | IntCC::NotEqual) {
            a = self.fence_counter(a, b);
            b = self.fence_counter(b, a);
        }
        let c = self.b.ins().icmp(cc, a, b);
        let v = self.b.ins().uextend(types::I32, c);
        self.push(v);
    }

    /// `v` behind a no-op `bitcast` if it is `x + K` (K a constant, x not), was just stored
    /// in a local and is compared with a constant `other`. A loop test `(i + K) != N`
    /// would otherwise become `i != N - K` (Cranelift's constant propagation), which keeps
    /// the old and the new counter alive together: a register move and an extra jump on
    /// every iteration. Through the bitcast (which costs no instruction) the test reads the
    /// new counter, the old one dies at the add, and the back edge needs no move.
    fn fence_counter(&mut self, v: Value, other: Value) -> Value {
        if self.stored != Some(v) {
            return v;
        }
        use cranelift_codegen::ir::{InstructionData, Opcode, ValueDef};
        let dfg = &self.b.func.dfg;
        let iconst = |x: Value| match dfg.value_def(x) {
            ValueDef::Result(i, _) => matches!(
                dfg.insts[i],
                InstructionData::UnaryImm {
                    opcode: Opcode::Iconst,
                    ..
                }
            ),
            _ => false,
        };
        let counter = match dfg.value_def(v) {
            ValueDef::Result(i, _) => match dfg.insts[i] {
                InstructionData::Binary {
                    opcode: Opcode::Iadd,
                    args: [x, k],
                } => (iconst(k) && !iconst(x)) || (iconst(x) && !iconst(k)),
                _ => false,
            },
            _ => false,
        };
        if counter && iconst(other) {
            let ty = dfg.value_type(v);
            self.b.ins().bitcast(ty, MemFlagsData::new(), v)
        } else {
            v
        }
    }

    fn fcmp_op(&mut self, cc: FloatCC) {
        let (a, b) = self.pop2();
        let c = self.b.ins().fcmp(cc, a, b);
        let v = self.b.ins().uextend(types::I32, c);
        self.push(v);
    }

    fn eqz(&mut self) {
        let a = self.pop();
        let c = self.b.ins().icmp_imm_u(IntCC::Equal, a, 0);
        let v = self.b.ins().uextend(types::I32, c);
        self.push(v);
    }

    fn extend_from(&mut self, to: Type, narrow: Type) {
        let a = self.pop();
        let n = self.b.ins().ireduce(narrow, a);
        let v = self.b.ins().sextend(to, n);
        self.push(v);
    }

    fn reinterpret(&mut self, to: Type) {
        let a = self.pop();
        let v = self.b.ins().bitcast(to, MemFlagsData::new(), a);
        self.push(v);
    }

    pub(crate) fn numeric(&mut self, op: &Operator) -> Result<bool, super::Error> {
        use types::{F32, F64, I32, I64};
        match *op {
            Operator::I32Const { value } => {
                let v = self.b.ins().iconst(I32, value as i64);
                self.push(v);
            }
            Operator::I64Const { value } => {
                let v = self.b.ins().iconst(I64, value);
                self.push(v);
            }
            Operator::F32Const { value } => {
                let v =
                    self.b
                        .ins()
                        .f32const(cranelift_codegen::ir::immediates::Ieee32::with_bits(
                            value.bits(),
                        ));
                self.push(v);
            }
            Operator::F64Const { value } => {
                let v =
                    self.b
                        .ins()
                        .f64const(cranelift_codegen::ir::immediates::Ieee64::with_bits(
                            value.bits(),
                        ));
                self.push(v);
            }

            Operator::I32Eqz | Operator::I64Eqz => self.eqz(),
            Operator::I32Eq | Operator::I64Eq => self.icmp_op(IntCC::Equal),
            Operator::I32Ne | Operator::I64Ne => self.icmp_op(IntCC::NotEqual),
            Operator::I32LtS | Operator::I64LtS => self.icmp_op(IntCC::SignedLessThan),
            Operator::I32LtU | Operator::I64LtU => self.icmp_op(IntCC::UnsignedLessThan),
            Operator::I32GtS | Operator::I64GtS => self.icmp_op(IntCC::SignedGreaterThan),
            Operator::I32GtU | Operator::I64GtU => self.icmp_op(IntCC::UnsignedGreaterThan),
            Operator::I32LeS | Operator::I64LeS => self.icmp_op(IntCC::SignedLessThanOrEqual),
            Operator::I32LeU | Operator::I64LeU => self.icmp_op(IntCC::UnsignedLessThanOrEqual),
            Operator::I32GeS | Operator::I64GeS => self.icmp_op(IntCC::SignedGreaterThanOrEqual),
            Operator::I32GeU | Operator::I64GeU => self.icmp_op(IntCC::UnsignedGreaterThanOrEqual),
            Operator::F32Eq | Operator::F64Eq => self.fcmp_op(FloatCC::Equal),
            Operator::F32Ne | Operator::F64Ne => self.fcmp_op(FloatCC::NotEqual),
            Operator::F32Lt | Operator::F64Lt => self.fcmp_op(FloatCC::LessThan),
            Operator::F32Gt | Operator::F64Gt => self.fcmp_op(FloatCC::GreaterThan),
            Operator::F32Le | Operator::F64Le => self.fcmp_op(FloatCC::LessThanOrEqual),
            Operator::F32Ge | Operator::F64Ge => self.fcmp_op(FloatCC::GreaterThanOrEqual),

            Operator::I32Clz | Operator::I64Clz => self.unop(|t, a| t.b.ins().clz(a)),
            Operator::I32Ctz | Operator::I64Ctz => self.unop(|t, a| t.b.ins().ctz(a)),
            Operator::I32Popcnt | Operator::I64Popcnt => self.unop(|t, a| t.b.ins().popcnt(a)),
            Operator::I32Add | Operator::I64Add => self.binop(|t, a, b| t.b.ins().iadd(a, b)),
            Operator::I32Sub | Operator::I64Sub => self.binop(|t, a, b| t.b.ins().isub(a, b)),
            Operator::I32Mul | Operator::I64Mul => self.binop(|t, a, b| t.b.ins().imul(a, b)),
            Operator::I32DivS | Operator::I64DivS => self.binop(|t, a, b| t.b.ins().sdiv(a, b)),
            Operator::I32DivU | Operator::I64DivU => self.binop(|t, a, b| t.b.ins().udiv(a, b)),
            Operator::I32RemS | Operator::I64RemS => self.binop(|t, a, b| t.b.ins().srem(a, b)),
            Operator::I32RemU | Operator::I64RemU => self.binop(|t, a, b| t.b.ins().urem(a, b)),
            Operator::I32And | Operator::I64And => self.binop(|t, a, b| t.b.ins().band(a, b)),
            Operator::I32Or | Operator::I64Or => self.binop(|t, a, b| t.b.ins().bor(a, b)),
            Operator::I32Xor | Operator::I64Xor => self.binop(|t, a, b| t.b.ins().bxor(a, b)),
            Operator::I32Shl | Operator::I64Shl => self.binop(|t, a, b| t.b.ins().ishl(a, b)),
            Operator::I32ShrS | Operator::I64ShrS => self.binop(|t, a, b| t.b.ins().sshr(a, b)),
            Operator::I32ShrU | Operator::I64ShrU => self.binop(|t, a, b| t.b.ins().ushr(a, b)),
            Operator::I32Rotl | Operator::I64Rotl => self.binop(|t, a, b| t.b.ins().rotl(a, b)),
            Operator::I32Rotr | Operator::I64Rotr => self.binop(|t, a, b| t.b.ins().rotr(a, b)),

            Operator::F32Abs | Operator::F64Abs => self.unop(|t, a| t.b.ins().fabs(a)),
            Operator::F32Neg | Operator::F64Neg => self.unop(|t, a| t.b.ins().fneg(a)),
            Operator::F32Ceil | Operator::F64Ceil => self.unop(|t, a| t.b.ins().ceil(a)),
            Operator::F32Floor | Operator::F64Floor => self.unop(|t, a| t.b.ins().floor(a)),
            Operator::F32Trunc | Operator::F64Trunc => self.unop(|t, a| t.b.ins().trunc(a)),
            Operator::F32Nearest | Operator::F64Nearest => self.unop(|t, a| t.b.ins().nearest(a)),
            Operator::F32Sqrt | Operator::F64Sqrt => self.unop(|t, a| t.b.ins().sqrt(a)),
            Operator::F32Add | Operator::F64Add => self.binop(|t, a, b| t.b.ins().fadd(a, b)),
            Operator::F32Sub | Operator::F64Sub => self.binop(|t, a, b| t.b.ins().fsub(a, b)),
            Operator::F32Mul | Operator::F64Mul => self.binop(|t, a, b| t.b.ins().fmul(a, b)),
            Operator::F32Div | Operator::F64Div => self.binop(|t, a, b| t.b.ins().fdiv(a, b)),
            Operator::F32Min | Operator::F64Min => self.binop(|t, a, b| t.b.ins().fmin(a, b)),
            Operator::F32Max | Operator::F64Max => self.binop(|t, a, b| t.b.ins().fmax(a, b)),
            Operator::F32Copysign | Operator::F64Copysign => {
                self.binop(|t, a, b| t.b.ins().fcopysign(a, b))
            }

            Operator::I32WrapI64 => self.unop(|t, a| t.b.ins().ireduce(I32, a)),
            Operator::I64ExtendI32S => self.unop(|t, a| t.b.ins().sextend(I64, a)),
            Operator::I64ExtendI32U => self.unop(|t, a| t.b.ins().uextend(I64, a)),
            Operator::I32TruncF32S | Operator::I32TruncF64S => {
                self.unop(|t, a| t.b.ins().fcvt_to_sint(I32, a))
            }
            Operator::I32TruncF32U | Operator::I32TruncF64U => {
                self.unop(|t, a| t.b.ins().fcvt_to_uint(I32, a))
            }
            Operator::I64TruncF32S | Operator::I64TruncF64S => {
                self.unop(|t, a| t.b.ins().fcvt_to_sint(I64, a))
            }
            Operator::I64TruncF32U | Operator::I64TruncF64U => {
                self.unop(|t, a| t.b.ins().fcvt_to_uint(I64, a))
            }
            Operator::I32TruncSatF32S | Operator::I32TruncSatF64S => {
                self.unop(|t, a| t.b.ins().fcvt_to_sint_sat(I32, a))
            }
            Operator::I32TruncSatF32U | Operator::I32TruncSatF64U => {
                self.unop(|t, a| t.b.ins().fcvt_to_uint_sat(I32, a))
            }
            Operator::I64TruncSatF32S | Operator::I64TruncSatF64S => {
                self.unop(|t, a| t.b.ins().fcvt_to_sint_sat(I64, a))
            }
            Operator::I64TruncSatF32U | Operator::I64TruncSatF64U => {
                self.unop(|t, a| t.b.ins().fcvt_to_uint_sat(I64, a))
            }
            Operator::F32ConvertI32S | Operator::F32ConvertI64S => {
                self.unop(|t, a| t.b.ins().fcvt_from_sint(F32, a))
            }
            Operator::F32ConvertI32U | Operator::F32ConvertI64U => {
                self.unop(|t, a| t.b.ins().fcvt_from_uint(F32, a))
            }
            Operator::F64ConvertI32S | Operator::F64ConvertI64S => {
                self.unop(|t, a| t.b.ins().fcvt_from_sint(F64, a))
            }
            Operator::F64ConvertI32U | Operator::F64ConvertI64U => {
                self.unop(|t, a| t.b.ins().fcvt_from_uint(F64, a))
            }
            Operator::F32DemoteF64 => self.unop(|t, a| t.b.ins().fdemote(F32, a)),
            Operator::F64PromoteF32 => self.unop(|t, a| t.b.ins().fpromote(F64, a)),
            Operator::I32ReinterpretF32 => self.reinterpret(I32),
            Operator::I64ReinterpretF64 => self.reinterpret(I64),
            Operator::F32ReinterpretI32 => self.reinterpret(F32),
            Operator::F64ReinterpretI64 => self.reinterpret(F64),
            Operator::I32Extend8S => self.extend_from(I32, types::I8),
            Operator::I32Extend16S => self.extend_from(I32, types::I16),
            Operator::I64Extend8S => self.extend_from(I64, types::I8),
            Operator::I64Extend16S => self.extend_from(I64, types::I16),
            Operator::I64Extend32S => self.extend_from(I64, I32),
            Operator::I64Add128 | Operator::I64Sub128 => {
                let b_hi = self.pop();
                let b_lo = self.pop();
                let a_hi = self.pop();
                let a_lo = self.pop();
                let a = self.b.ins().iconcat(a_lo, a_hi);
                let b = self.b.ins().iconcat(b_lo, b_hi);
                let r = if matches!(op, Operator::I64Add128) {
                    self.b.ins().iadd(a, b)
                } else {
                    self.b.ins().isub(a, b)
                };
                let (lo, hi) = self.b.ins().isplit(r);
                self.push(lo);
                self.push(hi);
            }
            Operator::I64MulWideS | Operator::I64MulWideU => {
                let (a, b) = self.pop2();
                let lo = self.b.ins().imul(a, b);
                let hi = if matches!(op, Operator::I64MulWideS) {
                    self.b.ins().smulhi(a, b)
                } else {
                    self.b.ins().umulhi(a, b)
                };
                self.push(lo);
                self.push(hi);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
