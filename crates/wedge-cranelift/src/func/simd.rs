//! 128-bit SIMD operators.

use super::Translator;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, Type, Value};
use wasmparser::{MemArg, Operator};

use types::{F32X4, F64X2, I16X8, I32X4, I64X2, I8X16};

impl Translator<'_, '_> {
    /// Pops a vector and views it with lane type `ty`.
    fn vpop(&mut self, ty: Type) -> Value {
        let v = self.pop();
        self.bitcast(ty, v)
    }

    fn vpop2(&mut self, ty: Type) -> (Value, Value) {
        let b = self.vpop(ty);
        let a = self.vpop(ty);
        (a, b)
    }

    fn vun(&mut self, ty: Type, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.vpop(ty);
        let v = f(self, a);
        self.push(v);
    }

    fn vbin(&mut self, ty: Type, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.vpop2(ty);
        let v = f(self, a, b);
        self.push(v);
    }

    fn vicmp(&mut self, ty: Type, cc: IntCC) {
        self.vbin(ty, |t, a, b| t.b.ins().icmp(cc, a, b));
    }

    fn vfcmp(&mut self, ty: Type, cc: FloatCC) {
        self.vbin(ty, |t, a, b| t.b.ins().fcmp(cc, a, b));
    }

    /// A lane-wise shift by a scalar i32 amount (taken modulo the lane width).
    fn vshift(&mut self, ty: Type, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let amount = self.pop();
        let a = self.vpop(ty);
        let v = f(self, a, amount);
        self.push(v);
    }

    fn all_true(&mut self, ty: Type) {
        let a = self.vpop(ty);
        let c = self.b.ins().vall_true(a);
        let v = self.b.ins().uextend(types::I32, c);
        self.push(v);
    }

    fn bitmask(&mut self, ty: Type) {
        let a = self.vpop(ty);
        let v = self.b.ins().vhigh_bits(types::I32, a);
        self.push(v);
    }

    fn splat(&mut self, ty: Type) {
        let x = self.pop();
        let lane = ty.lane_type();
        let x = if lane.is_int() && lane.bits() < 32 {
            self.b.ins().ireduce(lane, x)
        } else {
            x
        };
        let v = self.b.ins().splat(ty, x);
        self.push(v);
    }

    fn extract(&mut self, ty: Type, lane: u8, ext: Option<bool>) {
        let a = self.vpop(ty);
        let x = self.b.ins().extractlane(a, lane);
        let v = match ext {
            Some(true) => self.b.ins().sextend(types::I32, x),
            Some(false) => self.b.ins().uextend(types::I32, x),
            None => x,
        };
        self.push(v);
    }

    fn replace(&mut self, ty: Type, lane: u8) {
        let x = self.pop();
        let a = self.vpop(ty);
        let lt = ty.lane_type();
        let x = if lt.is_int() && lt.bits() < 32 {
            self.b.ins().ireduce(lt, x)
        } else {
            x
        };
        let v = self.b.ins().insertlane(a, x, lane);
        self.push(v);
    }

    /// Pseudo-minimum / maximum: `pmin(a, b) = b < a ? b : a`, `pmax(a, b) = a < b ? b : a`.
    fn pminmax(&mut self, ty: Type, max: bool) {
        let (a, b) = self.vpop2(ty);
        let mask = if max {
            self.b.ins().fcmp(FloatCC::LessThan, a, b)
        } else {
            self.b.ins().fcmp(FloatCC::LessThan, b, a)
        };
        let mask = self.bitcast(ty, mask);
        let v = self.b.ins().bitselect(mask, b, a);
        self.push(v);
    }

    fn ext_mul(&mut self, ty: Type, signed: bool, high: bool) {
        let (a, b) = self.vpop2(ty);
        let (a, b) = match (signed, high) {
            (true, false) => (self.b.ins().swiden_low(a), self.b.ins().swiden_low(b)),
            (true, true) => (self.b.ins().swiden_high(a), self.b.ins().swiden_high(b)),
            (false, false) => (self.b.ins().uwiden_low(a), self.b.ins().uwiden_low(b)),
            (false, true) => (self.b.ins().uwiden_high(a), self.b.ins().uwiden_high(b)),
        };
        let v = self.b.ins().imul(a, b);
        self.push(v);
    }

    fn load_splat(&mut self, memarg: &MemArg, ty: Type) {
        let addr = self.pop();
        let lane = ty.lane_type();
        let (p, flags) = self.heap_addr(memarg, addr, lane.bytes());
        let x = self.b.ins().load(lane, flags, p, 0);
        let v = self.b.ins().splat(ty, x);
        self.push(v);
    }

    fn load_zero(&mut self, memarg: &MemArg, ty: Type) {
        let addr = self.pop();
        let lane = ty.lane_type();
        let (p, flags) = self.heap_addr(memarg, addr, lane.bytes());
        let x = self.b.ins().load(lane, flags, p, 0);
        let v = self.b.ins().scalar_to_vector(ty, x);
        self.push(v);
    }

    fn load_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) {
        let vec = self.vpop(ty);
        let addr = self.pop();
        let lt = ty.lane_type();
        let (p, flags) = self.heap_addr(memarg, addr, lt.bytes());
        let x = self.b.ins().load(lt, flags, p, 0);
        let v = self.b.ins().insertlane(vec, x, lane);
        self.push(v);
    }

    fn store_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) {
        let vec = self.vpop(ty);
        let addr = self.pop();
        let lt = ty.lane_type();
        let (p, flags) = self.heap_addr(memarg, addr, lt.bytes());
        let x = self.b.ins().extractlane(vec, lane);
        self.b.ins().store(flags, x, p, 0);
    }

    fn ext_load8(&mut self, memarg: &MemArg, kind: u8) {
        let addr = self.pop();
        let (p, flags) = self.heap_addr(memarg, addr, 8);
        let ins = self.b.ins();
        let v = match kind {
            0 => ins.sload8x8(flags, p, 0),
            1 => ins.uload8x8(flags, p, 0),
            2 => ins.sload16x4(flags, p, 0),
            3 => ins.uload16x4(flags, p, 0),
            4 => ins.sload32x2(flags, p, 0),
            _ => ins.uload32x2(flags, p, 0),
        };
        self.push(v);
    }

    pub(crate) fn simd(&mut self, op: &Operator) -> Result<bool, super::Error> {
        match op {
            Operator::V128Const { value } => {
                let c = self
                    .b
                    .func
                    .dfg
                    .constants
                    .insert(value.bytes().to_vec().into());
                let v = self.b.ins().vconst(I8X16, c);
                self.push(v);
            }
            Operator::I8x16Shuffle { lanes } => {
                let (a, b) = self.vpop2(I8X16);
                let mask = self.b.func.dfg.immediates.push(lanes.to_vec().into());
                let v = self.b.ins().shuffle(a, b, mask);
                self.push(v);
            }
            Operator::I8x16Swizzle => self.vbin(I8X16, |t, a, b| t.b.ins().swizzle(a, b)),

            Operator::V128Load8x8S { memarg } => self.ext_load8(memarg, 0),
            Operator::V128Load8x8U { memarg } => self.ext_load8(memarg, 1),
            Operator::V128Load16x4S { memarg } => self.ext_load8(memarg, 2),
            Operator::V128Load16x4U { memarg } => self.ext_load8(memarg, 3),
            Operator::V128Load32x2S { memarg } => self.ext_load8(memarg, 4),
            Operator::V128Load32x2U { memarg } => self.ext_load8(memarg, 5),
            Operator::V128Load8Splat { memarg } => self.load_splat(memarg, I8X16),
            Operator::V128Load16Splat { memarg } => self.load_splat(memarg, I16X8),
            Operator::V128Load32Splat { memarg } => self.load_splat(memarg, I32X4),
            Operator::V128Load64Splat { memarg } => self.load_splat(memarg, I64X2),
            Operator::V128Load32Zero { memarg } => self.load_zero(memarg, I32X4),
            Operator::V128Load64Zero { memarg } => self.load_zero(memarg, I64X2),
            Operator::V128Load8Lane { memarg, lane } => self.load_lane(memarg, I8X16, *lane),
            Operator::V128Load16Lane { memarg, lane } => self.load_lane(memarg, I16X8, *lane),
            Operator::V128Load32Lane { memarg, lane } => self.load_lane(memarg, I32X4, *lane),
            Operator::V128Load64Lane { memarg, lane } => self.load_lane(memarg, I64X2, *lane),
            Operator::V128Store8Lane { memarg, lane } => self.store_lane(memarg, I8X16, *lane),
            Operator::V128Store16Lane { memarg, lane } => self.store_lane(memarg, I16X8, *lane),
            Operator::V128Store32Lane { memarg, lane } => self.store_lane(memarg, I32X4, *lane),
            Operator::V128Store64Lane { memarg, lane } => self.store_lane(memarg, I64X2, *lane),

            Operator::I8x16Splat => self.splat(I8X16),
            Operator::I16x8Splat => self.splat(I16X8),
            Operator::I32x4Splat => self.splat(I32X4),
            Operator::I64x2Splat => self.splat(I64X2),
            Operator::F32x4Splat => self.splat(F32X4),
            Operator::F64x2Splat => self.splat(F64X2),
            Operator::I8x16ExtractLaneS { lane } => self.extract(I8X16, *lane, Some(true)),
            Operator::I8x16ExtractLaneU { lane } => self.extract(I8X16, *lane, Some(false)),
            Operator::I16x8ExtractLaneS { lane } => self.extract(I16X8, *lane, Some(true)),
            Operator::I16x8ExtractLaneU { lane } => self.extract(I16X8, *lane, Some(false)),
            Operator::I32x4ExtractLane { lane } => self.extract(I32X4, *lane, None),
            Operator::I64x2ExtractLane { lane } => self.extract(I64X2, *lane, None),
            Operator::F32x4ExtractLane { lane } => self.extract(F32X4, *lane, None),
            Operator::F64x2ExtractLane { lane } => self.extract(F64X2, *lane, None),
            Operator::I8x16ReplaceLane { lane } => self.replace(I8X16, *lane),
            Operator::I16x8ReplaceLane { lane } => self.replace(I16X8, *lane),
            Operator::I32x4ReplaceLane { lane } => self.replace(I32X4, *lane),
            Operator::I64x2ReplaceLane { lane } => self.replace(I64X2, *lane),
            Operator::F32x4ReplaceLane { lane } => self.replace(F32X4, *lane),
            Operator::F64x2ReplaceLane { lane } => self.replace(F64X2, *lane),

            Operator::I8x16Eq => self.vicmp(I8X16, IntCC::Equal),
            Operator::I8x16Ne => self.vicmp(I8X16, IntCC::NotEqual),
            Operator::I8x16LtS => self.vicmp(I8X16, IntCC::SignedLessThan),
            Operator::I8x16LtU => self.vicmp(I8X16, IntCC::UnsignedLessThan),
            Operator::I8x16GtS => self.vicmp(I8X16, IntCC::SignedGreaterThan),
            Operator::I8x16GtU => self.vicmp(I8X16, IntCC::UnsignedGreaterThan),
            Operator::I8x16LeS => self.vicmp(I8X16, IntCC::SignedLessThanOrEqual),
            Operator::I8x16LeU => self.vicmp(I8X16, IntCC::UnsignedLessThanOrEqual),
            Operator::I8x16GeS => self.vicmp(I8X16, IntCC::SignedGreaterThanOrEqual),
            Operator::I8x16GeU => self.vicmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            Operator::I16x8Eq => self.vicmp(I16X8, IntCC::Equal),
            Operator::I16x8Ne => self.vicmp(I16X8, IntCC::NotEqual),
            Operator::I16x8LtS => self.vicmp(I16X8, IntCC::SignedLessThan),
            Operator::I16x8LtU => self.vicmp(I16X8, IntCC::UnsignedLessThan),
            Operator::I16x8GtS => self.vicmp(I16X8, IntCC::SignedGreaterThan),
            Operator::I16x8GtU => self.vicmp(I16X8, IntCC::UnsignedGreaterThan),
            Operator::I16x8LeS => self.vicmp(I16X8, IntCC::SignedLessThanOrEqual),
            Operator::I16x8LeU => self.vicmp(I16X8, IntCC::UnsignedLessThanOrEqual),
            Operator::I16x8GeS => self.vicmp(I16X8, IntCC::SignedGreaterThanOrEqual),
            Operator::I16x8GeU => self.vicmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            Operator::I32x4Eq => self.vicmp(I32X4, IntCC::Equal),
            Operator::I32x4Ne => self.vicmp(I32X4, IntCC::NotEqual),
            Operator::I32x4LtS => self.vicmp(I32X4, IntCC::SignedLessThan),
            Operator::I32x4LtU => self.vicmp(I32X4, IntCC::UnsignedLessThan),
            Operator::I32x4GtS => self.vicmp(I32X4, IntCC::SignedGreaterThan),
            Operator::I32x4GtU => self.vicmp(I32X4, IntCC::UnsignedGreaterThan),
            Operator::I32x4LeS => self.vicmp(I32X4, IntCC::SignedLessThanOrEqual),
            Operator::I32x4LeU => self.vicmp(I32X4, IntCC::UnsignedLessThanOrEqual),
            Operator::I32x4GeS => self.vicmp(I32X4, IntCC::SignedGreaterThanOrEqual),
            Operator::I32x4GeU => self.vicmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),
            Operator::I64x2Eq => self.vicmp(I64X2, IntCC::Equal),
            Operator::I64x2Ne => self.vicmp(I64X2, IntCC::NotEqual),
            Operator::I64x2LtS => self.vicmp(I64X2, IntCC::SignedLessThan),
            Operator::I64x2GtS => self.vicmp(I64X2, IntCC::SignedGreaterThan),
            Operator::I64x2LeS => self.vicmp(I64X2, IntCC::SignedLessThanOrEqual),
            Operator::I64x2GeS => self.vicmp(I64X2, IntCC::SignedGreaterThanOrEqual),
            Operator::F32x4Eq => self.vfcmp(F32X4, FloatCC::Equal),
            Operator::F32x4Ne => self.vfcmp(F32X4, FloatCC::NotEqual),
            Operator::F32x4Lt => self.vfcmp(F32X4, FloatCC::LessThan),
            Operator::F32x4Gt => self.vfcmp(F32X4, FloatCC::GreaterThan),
            Operator::F32x4Le => self.vfcmp(F32X4, FloatCC::LessThanOrEqual),
            Operator::F32x4Ge => self.vfcmp(F32X4, FloatCC::GreaterThanOrEqual),
            Operator::F64x2Eq => self.vfcmp(F64X2, FloatCC::Equal),
            Operator::F64x2Ne => self.vfcmp(F64X2, FloatCC::NotEqual),
            Operator::F64x2Lt => self.vfcmp(F64X2, FloatCC::LessThan),
            Operator::F64x2Gt => self.vfcmp(F64X2, FloatCC::GreaterThan),
            Operator::F64x2Le => self.vfcmp(F64X2, FloatCC::LessThanOrEqual),
            Operator::F64x2Ge => self.vfcmp(F64X2, FloatCC::GreaterThanOrEqual),

            Operator::V128Not => self.vun(I8X16, |t, a| t.b.ins().bnot(a)),
            Operator::V128And => self.vbin(I8X16, |t, a, b| t.b.ins().band(a, b)),
            Operator::V128AndNot => self.vbin(I8X16, |t, a, b| t.b.ins().band_not(a, b)),
            Operator::V128Or => self.vbin(I8X16, |t, a, b| t.b.ins().bor(a, b)),
            Operator::V128Xor => self.vbin(I8X16, |t, a, b| t.b.ins().bxor(a, b)),
            Operator::V128Bitselect => {
                let c = self.vpop(I8X16);
                let (a, b) = self.vpop2(I8X16);
                let v = self.b.ins().bitselect(c, a, b);
                self.push(v);
            }
            Operator::V128AnyTrue => {
                let a = self.vpop(I8X16);
                let c = self.b.ins().vany_true(a);
                let v = self.b.ins().uextend(types::I32, c);
                self.push(v);
            }

            Operator::I8x16Abs => self.vun(I8X16, |t, a| t.b.ins().iabs(a)),
            Operator::I8x16Neg => self.vun(I8X16, |t, a| t.b.ins().ineg(a)),
            Operator::I8x16Popcnt => self.vun(I8X16, |t, a| t.b.ins().popcnt(a)),
            Operator::I8x16AllTrue => self.all_true(I8X16),
            Operator::I8x16Bitmask => self.bitmask(I8X16),
            Operator::I8x16NarrowI16x8S => self.vbin(I16X8, |t, a, b| t.b.ins().snarrow(a, b)),
            Operator::I8x16NarrowI16x8U => self.vbin(I16X8, |t, a, b| t.b.ins().unarrow(a, b)),
            Operator::I8x16Shl => self.vshift(I8X16, |t, a, n| t.b.ins().ishl(a, n)),
            Operator::I8x16ShrS => self.vshift(I8X16, |t, a, n| t.b.ins().sshr(a, n)),
            Operator::I8x16ShrU => self.vshift(I8X16, |t, a, n| t.b.ins().ushr(a, n)),
            Operator::I8x16Add => self.vbin(I8X16, |t, a, b| t.b.ins().iadd(a, b)),
            Operator::I8x16AddSatS => self.vbin(I8X16, |t, a, b| t.b.ins().sadd_sat(a, b)),
            Operator::I8x16AddSatU => self.vbin(I8X16, |t, a, b| t.b.ins().uadd_sat(a, b)),
            Operator::I8x16Sub => self.vbin(I8X16, |t, a, b| t.b.ins().isub(a, b)),
            Operator::I8x16SubSatS => self.vbin(I8X16, |t, a, b| t.b.ins().ssub_sat(a, b)),
            Operator::I8x16SubSatU => self.vbin(I8X16, |t, a, b| t.b.ins().usub_sat(a, b)),
            Operator::I8x16MinS => self.vbin(I8X16, |t, a, b| t.b.ins().smin(a, b)),
            Operator::I8x16MinU => self.vbin(I8X16, |t, a, b| t.b.ins().umin(a, b)),
            Operator::I8x16MaxS => self.vbin(I8X16, |t, a, b| t.b.ins().smax(a, b)),
            Operator::I8x16MaxU => self.vbin(I8X16, |t, a, b| t.b.ins().umax(a, b)),
            Operator::I8x16AvgrU => self.vbin(I8X16, |t, a, b| t.b.ins().avg_round(a, b)),

            Operator::I16x8ExtAddPairwiseI8x16S => self.vun(I8X16, |t, a| {
                let lo = t.b.ins().swiden_low(a);
                let hi = t.b.ins().swiden_high(a);
                t.b.ins().iadd_pairwise(lo, hi)
            }),
            Operator::I16x8ExtAddPairwiseI8x16U => self.vun(I8X16, |t, a| {
                let lo = t.b.ins().uwiden_low(a);
                let hi = t.b.ins().uwiden_high(a);
                t.b.ins().iadd_pairwise(lo, hi)
            }),
            Operator::I16x8Abs => self.vun(I16X8, |t, a| t.b.ins().iabs(a)),
            Operator::I16x8Neg => self.vun(I16X8, |t, a| t.b.ins().ineg(a)),
            Operator::I16x8Q15MulrSatS => {
                self.vbin(I16X8, |t, a, b| t.b.ins().sqmul_round_sat(a, b))
            }
            Operator::I16x8AllTrue => self.all_true(I16X8),
            Operator::I16x8Bitmask => self.bitmask(I16X8),
            Operator::I16x8NarrowI32x4S => self.vbin(I32X4, |t, a, b| t.b.ins().snarrow(a, b)),
            Operator::I16x8NarrowI32x4U => self.vbin(I32X4, |t, a, b| t.b.ins().unarrow(a, b)),
            Operator::I16x8ExtendLowI8x16S => self.vun(I8X16, |t, a| t.b.ins().swiden_low(a)),
            Operator::I16x8ExtendHighI8x16S => self.vun(I8X16, |t, a| t.b.ins().swiden_high(a)),
            Operator::I16x8ExtendLowI8x16U => self.vun(I8X16, |t, a| t.b.ins().uwiden_low(a)),
            Operator::I16x8ExtendHighI8x16U => self.vun(I8X16, |t, a| t.b.ins().uwiden_high(a)),
            Operator::I16x8Shl => self.vshift(I16X8, |t, a, n| t.b.ins().ishl(a, n)),
            Operator::I16x8ShrS => self.vshift(I16X8, |t, a, n| t.b.ins().sshr(a, n)),
            Operator::I16x8ShrU => self.vshift(I16X8, |t, a, n| t.b.ins().ushr(a, n)),
            Operator::I16x8Add => self.vbin(I16X8, |t, a, b| t.b.ins().iadd(a, b)),
            Operator::I16x8AddSatS => self.vbin(I16X8, |t, a, b| t.b.ins().sadd_sat(a, b)),
            Operator::I16x8AddSatU => self.vbin(I16X8, |t, a, b| t.b.ins().uadd_sat(a, b)),
            Operator::I16x8Sub => self.vbin(I16X8, |t, a, b| t.b.ins().isub(a, b)),
            Operator::I16x8SubSatS => self.vbin(I16X8, |t, a, b| t.b.ins().ssub_sat(a, b)),
            Operator::I16x8SubSatU => self.vbin(I16X8, |t, a, b| t.b.ins().usub_sat(a, b)),
            Operator::I16x8Mul => self.vbin(I16X8, |t, a, b| t.b.ins().imul(a, b)),
            Operator::I16x8MinS => self.vbin(I16X8, |t, a, b| t.b.ins().smin(a, b)),
            Operator::I16x8MinU => self.vbin(I16X8, |t, a, b| t.b.ins().umin(a, b)),
            Operator::I16x8MaxS => self.vbin(I16X8, |t, a, b| t.b.ins().smax(a, b)),
            Operator::I16x8MaxU => self.vbin(I16X8, |t, a, b| t.b.ins().umax(a, b)),
            Operator::I16x8AvgrU => self.vbin(I16X8, |t, a, b| t.b.ins().avg_round(a, b)),
            Operator::I16x8ExtMulLowI8x16S => self.ext_mul(I8X16, true, false),
            Operator::I16x8ExtMulHighI8x16S => self.ext_mul(I8X16, true, true),
            Operator::I16x8ExtMulLowI8x16U => self.ext_mul(I8X16, false, false),
            Operator::I16x8ExtMulHighI8x16U => self.ext_mul(I8X16, false, true),

            Operator::I32x4ExtAddPairwiseI16x8S => self.vun(I16X8, |t, a| {
                let lo = t.b.ins().swiden_low(a);
                let hi = t.b.ins().swiden_high(a);
                t.b.ins().iadd_pairwise(lo, hi)
            }),
            Operator::I32x4ExtAddPairwiseI16x8U => self.vun(I16X8, |t, a| {
                let lo = t.b.ins().uwiden_low(a);
                let hi = t.b.ins().uwiden_high(a);
                t.b.ins().iadd_pairwise(lo, hi)
            }),
            Operator::I32x4Abs => self.vun(I32X4, |t, a| t.b.ins().iabs(a)),
            Operator::I32x4Neg => self.vun(I32X4, |t, a| t.b.ins().ineg(a)),
            Operator::I32x4AllTrue => self.all_true(I32X4),
            Operator::I32x4Bitmask => self.bitmask(I32X4),
            Operator::I32x4ExtendLowI16x8S => self.vun(I16X8, |t, a| t.b.ins().swiden_low(a)),
            Operator::I32x4ExtendHighI16x8S => self.vun(I16X8, |t, a| t.b.ins().swiden_high(a)),
            Operator::I32x4ExtendLowI16x8U => self.vun(I16X8, |t, a| t.b.ins().uwiden_low(a)),
            Operator::I32x4ExtendHighI16x8U => self.vun(I16X8, |t, a| t.b.ins().uwiden_high(a)),
            Operator::I32x4Shl => self.vshift(I32X4, |t, a, n| t.b.ins().ishl(a, n)),
            Operator::I32x4ShrS => self.vshift(I32X4, |t, a, n| t.b.ins().sshr(a, n)),
            Operator::I32x4ShrU => self.vshift(I32X4, |t, a, n| t.b.ins().ushr(a, n)),
            Operator::I32x4Add => self.vbin(I32X4, |t, a, b| t.b.ins().iadd(a, b)),
            Operator::I32x4Sub => self.vbin(I32X4, |t, a, b| t.b.ins().isub(a, b)),
            Operator::I32x4Mul => self.vbin(I32X4, |t, a, b| t.b.ins().imul(a, b)),
            Operator::I32x4MinS => self.vbin(I32X4, |t, a, b| t.b.ins().smin(a, b)),
            Operator::I32x4MinU => self.vbin(I32X4, |t, a, b| t.b.ins().umin(a, b)),
            Operator::I32x4MaxS => self.vbin(I32X4, |t, a, b| t.b.ins().smax(a, b)),
            Operator::I32x4MaxU => self.vbin(I32X4, |t, a, b| t.b.ins().umax(a, b)),
            Operator::I32x4DotI16x8S => self.vbin(I16X8, |t, a, b| {
                let al = t.b.ins().swiden_low(a);
                let bl = t.b.ins().swiden_low(b);
                let lo = t.b.ins().imul(al, bl);
                let ah = t.b.ins().swiden_high(a);
                let bh = t.b.ins().swiden_high(b);
                let hi = t.b.ins().imul(ah, bh);
                t.b.ins().iadd_pairwise(lo, hi)
            }),
            Operator::I32x4ExtMulLowI16x8S => self.ext_mul(I16X8, true, false),
            Operator::I32x4ExtMulHighI16x8S => self.ext_mul(I16X8, true, true),
            Operator::I32x4ExtMulLowI16x8U => self.ext_mul(I16X8, false, false),
            Operator::I32x4ExtMulHighI16x8U => self.ext_mul(I16X8, false, true),

            Operator::I64x2Abs => self.vun(I64X2, |t, a| t.b.ins().iabs(a)),
            Operator::I64x2Neg => self.vun(I64X2, |t, a| t.b.ins().ineg(a)),
            Operator::I64x2AllTrue => self.all_true(I64X2),
            Operator::I64x2Bitmask => self.bitmask(I64X2),
            Operator::I64x2ExtendLowI32x4S => self.vun(I32X4, |t, a| t.b.ins().swiden_low(a)),
            Operator::I64x2ExtendHighI32x4S => self.vun(I32X4, |t, a| t.b.ins().swiden_high(a)),
            Operator::I64x2ExtendLowI32x4U => self.vun(I32X4, |t, a| t.b.ins().uwiden_low(a)),
            Operator::I64x2ExtendHighI32x4U => self.vun(I32X4, |t, a| t.b.ins().uwiden_high(a)),
            Operator::I64x2Shl => self.vshift(I64X2, |t, a, n| t.b.ins().ishl(a, n)),
            Operator::I64x2ShrS => self.vshift(I64X2, |t, a, n| t.b.ins().sshr(a, n)),
            Operator::I64x2ShrU => self.vshift(I64X2, |t, a, n| t.b.ins().ushr(a, n)),
            Operator::I64x2Add => self.vbin(I64X2, |t, a, b| t.b.ins().iadd(a, b)),
            Operator::I64x2Sub => self.vbin(I64X2, |t, a, b| t.b.ins().isub(a, b)),
            Operator::I64x2Mul => self.vbin(I64X2, |t, a, b| t.b.ins().imul(a, b)),
            Operator::I64x2ExtMulLowI32x4S => self.ext_mul(I32X4, true, false),
            Operator::I64x2ExtMulHighI32x4S => self.ext_mul(I32X4, true, true),
            Operator::I64x2ExtMulLowI32x4U => self.ext_mul(I32X4, false, false),
            Operator::I64x2ExtMulHighI32x4U => self.ext_mul(I32X4, false, true),

            Operator::F32x4Ceil => self.vun(F32X4, |t, a| t.b.ins().ceil(a)),
            Operator::F32x4Floor => self.vun(F32X4, |t, a| t.b.ins().floor(a)),
            Operator::F32x4Trunc => self.vun(F32X4, |t, a| t.b.ins().trunc(a)),
            Operator::F32x4Nearest => self.vun(F32X4, |t, a| t.b.ins().nearest(a)),
            Operator::F32x4Abs => self.vun(F32X4, |t, a| t.b.ins().fabs(a)),
            Operator::F32x4Neg => self.vun(F32X4, |t, a| t.b.ins().fneg(a)),
            Operator::F32x4Sqrt => self.vun(F32X4, |t, a| t.b.ins().sqrt(a)),
            Operator::F32x4Add => self.vbin(F32X4, |t, a, b| t.b.ins().fadd(a, b)),
            Operator::F32x4Sub => self.vbin(F32X4, |t, a, b| t.b.ins().fsub(a, b)),
            Operator::F32x4Mul => self.vbin(F32X4, |t, a, b| t.b.ins().fmul(a, b)),
            Operator::F32x4Div => self.vbin(F32X4, |t, a, b| t.b.ins().fdiv(a, b)),
            Operator::F32x4Min => self.vbin(F32X4, |t, a, b| t.b.ins().fmin(a, b)),
            Operator::F32x4Max => self.vbin(F32X4, |t, a, b| t.b.ins().fmax(a, b)),
            Operator::F32x4PMin => self.pminmax(F32X4, false),
            Operator::F32x4PMax => self.pminmax(F32X4, true),
            Operator::F64x2Ceil => self.vun(F64X2, |t, a| t.b.ins().ceil(a)),
            Operator::F64x2Floor => self.vun(F64X2, |t, a| t.b.ins().floor(a)),
            Operator::F64x2Trunc => self.vun(F64X2, |t, a| t.b.ins().trunc(a)),
            Operator::F64x2Nearest => self.vun(F64X2, |t, a| t.b.ins().nearest(a)),
            Operator::F64x2Abs => self.vun(F64X2, |t, a| t.b.ins().fabs(a)),
            Operator::F64x2Neg => self.vun(F64X2, |t, a| t.b.ins().fneg(a)),
            Operator::F64x2Sqrt => self.vun(F64X2, |t, a| t.b.ins().sqrt(a)),
            Operator::F64x2Add => self.vbin(F64X2, |t, a, b| t.b.ins().fadd(a, b)),
            Operator::F64x2Sub => self.vbin(F64X2, |t, a, b| t.b.ins().fsub(a, b)),
            Operator::F64x2Mul => self.vbin(F64X2, |t, a, b| t.b.ins().fmul(a, b)),
            Operator::F64x2Div => self.vbin(F64X2, |t, a, b| t.b.ins().fdiv(a, b)),
            Operator::F64x2Min => self.vbin(F64X2, |t, a, b| t.b.ins().fmin(a, b)),
            Operator::F64x2Max => self.vbin(F64X2, |t, a, b| t.b.ins().fmax(a, b)),
            Operator::F64x2PMin => self.pminmax(F64X2, false),
            Operator::F64x2PMax => self.pminmax(F64X2, true),

            Operator::I32x4TruncSatF32x4S => {
                self.vun(F32X4, |t, a| t.b.ins().fcvt_to_sint_sat(I32X4, a))
            }
            Operator::I32x4TruncSatF32x4U => {
                self.vun(F32X4, |t, a| t.b.ins().fcvt_to_uint_sat(I32X4, a))
            }
            Operator::F32x4ConvertI32x4S => {
                self.vun(I32X4, |t, a| t.b.ins().fcvt_from_sint(F32X4, a))
            }
            Operator::F32x4ConvertI32x4U => {
                self.vun(I32X4, |t, a| t.b.ins().fcvt_from_uint(F32X4, a))
            }
            Operator::I32x4TruncSatF64x2SZero => self.vun(F64X2, |t, a| {
                let c = t.b.ins().fcvt_to_sint_sat(I64X2, a);
                let z = t.zero(I64X2);
                t.b.ins().snarrow(c, z)
            }),
            Operator::I32x4TruncSatF64x2UZero => self.vun(F64X2, |t, a| {
                let c = t.b.ins().fcvt_to_uint_sat(I64X2, a);
                let z = t.zero(I64X2);
                t.b.ins().uunarrow(c, z)
            }),
            Operator::F64x2ConvertLowI32x4S => self.vun(I32X4, |t, a| {
                let w = t.b.ins().swiden_low(a);
                t.b.ins().fcvt_from_sint(F64X2, w)
            }),
            Operator::F64x2ConvertLowI32x4U => self.vun(I32X4, |t, a| {
                let w = t.b.ins().uwiden_low(a);
                t.b.ins().fcvt_from_uint(F64X2, w)
            }),
            Operator::F32x4DemoteF64x2Zero => self.vun(F64X2, |t, a| t.b.ins().fvdemote(a)),
            Operator::F64x2PromoteLowF32x4 => self.vun(F32X4, |t, a| t.b.ins().fvpromote_low(a)),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
