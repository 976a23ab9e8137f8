//! The register bytecode: what the translator emits and the executor runs.
//!
//! Every operand is a slot index relative to the frame base. A frame is laid out as
//! `[params][locals][constants][temporaries]`; constants are written once per call from the
//! function's init template, so instructions never carry immediates for them.
//!
//! Every i32 value in a slot is stored zero-extended to 64 bits: whatever writes one (the
//! handlers, host calls, globals, loads, GC fields, SIMD lanes, atomics) keeps the upper
//! half zero, so `i64.extend_i32_u` needs no instruction. (Instructions read i32 operands
//! from the low half only.)
//!
//! Branch targets (`target`) are relative: the distance in instructions from the branch to
//! the instruction it jumps to.
//!
//! Each variant has a handler of the same name in `exec/handlers/`; the enum is `repr(u16)`
//! so that the executor can read the tag and index its handler table.
//!
//! The translator emits the basic forms, whose operands are all slots. A last pass
//! (`translate/peephole.rs`) then picks, per instruction, a form that reads an operand from
//! somewhere cheaper, named by a suffix:
//!
//! - `Imm`: the second operand (of a store: the value) is an immediate (an i32, or an i64
//!   that fits in one, sign-extended), instead of a constant slot;
//! - `Acc`: the first operand (of a store: the value; of a unary instruction or a load: its
//!   only one) is the accumulator, the value the instruction just before left (see
//!   `exec/dispatch.rs`);
//! - `AccImm`: both;
//! - `RAcc`: the second operand is the accumulator (for operations that do not commute);
//! - `AtAcc`: a store's address is the accumulator;
//!
//! and, for an integer instruction whose result only the next instruction reads (from the
//! accumulator), `ToAcc`: the result goes to the accumulator only, not to a slot.

/// A slot index within the current frame.
pub type R = u32;

/// [`Instr::TierCount`]'s `osr` at a loop compiled code may not take over.
pub const NO_OSR: u32 = u32::MAX;

macro_rules! instrs {
    (
        unary { $($un:ident),* $(,)? }
        binary { $($bin:ident),* $(,)? }
        load { $($ld:ident),* $(,)? }
        store { $($st:ident),* $(,)? }
        with_dst { $($(#[$dm:meta])* $d:ident { $($df:ident : $dt:ty),* $(,)? }),* $(,)? }
        other { $($(#[$om:meta])* $o:ident { $($of:ident : $ot:ty),* $(,)? }),* $(,)? }
        int_binary {
            $($ib:ident($ibw:literal) => $ibi:ident, $iba:ident, $ibai:ident
                / $ibt:ident, $ibit:ident, $ibat:ident, $ibait:ident;)*
        }
        int_binary_racc { $($ir:ident => $irr:ident / $irrt:ident;)* }
        unary_acc { $($ua:ident => $uaa:ident / $uat:ident, $uaat:ident;)* }
        load_acc { $($la:ident => $laa:ident / $lat:ident, $laat:ident;)* }
        store_forms { $($sf:ident($sfw:literal) => $sfi:ident, $sfa:ident, $sfaa:ident;)* }
        branch_forms { $($bf:ident($bfw:literal) => $bfi:ident, $bfa:ident, $bfai:ident;)* }
    ) => {
        /// One interpreter instruction (16 bytes).
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[allow(missing_docs)]
        #[repr(u16)]
        pub enum Instr {
            $($un { dst: R, src: R },)*
            $($bin { dst: R, a: R, b: R },)*
            $($ld { dst: R, addr: R, offset: u32 },)*
            $($st { addr: R, val: R, offset: u32 },)*
            $($(#[$dm])* $d { $($df: $dt),* },)*
            $($(#[$om])* $o { $($of: $ot),* },)*
            $(
                $ibi { dst: R, a: R, imm: u32 },
                $iba { dst: R, b: R },
                $ibai { dst: R, imm: u32 },
            )*
            $($irr { dst: R, a: R },)*
            $($uaa { dst: R },)*
            $($laa { dst: R, offset: u32 },)*
            $(
                $sfi { addr: R, imm: u32, offset: u32 },
                $sfa { addr: R, offset: u32 },
                $sfaa { val: R, offset: u32 },
            )*
            $(
                $bfi { a: R, imm: u32, target: i32 },
                $bfa { b: R, target: i32 },
                $bfai { imm: u32, target: i32 },
            )*
            $(
                $ibt { a: R, b: R },
                $ibit { a: R, imm: u32 },
                $ibat { b: R },
                $ibait { imm: u32 },
            )*
            $($irrt { a: R },)*
            $($uat { src: R }, $uaat {},)*
            $($lat { addr: R, offset: u32 }, $laat { offset: u32 },)*
        }

        // In the same order as the variants above: a tag indexes this table.
        crate::interp::exec::handler_table! {
            $($un,)* $($bin,)* $($ld,)* $($st,)* $($d,)* $($o,)*
            $($ibi, $iba, $ibai,)* $($irr,)* $($uaa,)* $($laa,)*
            $($sfi, $sfa, $sfaa,)* $($bfi, $bfa, $bfai,)*
            $($ibt, $ibit, $ibat, $ibait,)* $($irrt,)* $($uat, $uaat,)* $($lat, $laat,)*
        }

        impl Instr {
            /// The destination slot of an instruction that writes exactly one result.
            pub fn dst_mut(&mut self) -> Option<&mut R> {
                match self {
                    $(Instr::$un { dst, .. } => Some(dst),)*
                    $(Instr::$bin { dst, .. } => Some(dst),)*
                    $(Instr::$ld { dst, .. } => Some(dst),)*
                    $(Instr::$d { dst, .. } => Some(dst),)*
                    $(
                        Instr::$ibi { dst, .. } | Instr::$iba { dst, .. }
                        | Instr::$ibai { dst, .. } => Some(dst),
                    )*
                    $(Instr::$irr { dst, .. } => Some(dst),)*
                    $(Instr::$uaa { dst, .. } => Some(dst),)*
                    $(Instr::$laa { dst, .. } => Some(dst),)*
                    _ => None,
                }
            }

            /// The destination of an integer instruction whose handler also leaves its
            /// result in the accumulator (the integer forms listed with operand forms).
            pub(crate) fn int_result(&self) -> Option<R> {
                match *self {
                    $(
                        Instr::$ib { dst, .. } | Instr::$ibi { dst, .. }
                        | Instr::$iba { dst, .. } | Instr::$ibai { dst, .. } => Some(dst),
                    )*
                    $(Instr::$irr { dst, .. } => Some(dst),)*
                    $(Instr::$ua { dst, .. } | Instr::$uaa { dst, .. } => Some(dst),)*
                    $(Instr::$la { dst, .. } | Instr::$laa { dst, .. } => Some(dst),)*
                    _ => None,
                }
            }

            /// The operand width in bits (32 or 64) of an instruction with an `Imm` form: an
            /// i64 immediate is sign-extended from 32 bits.
            pub(crate) fn imm_width(&self) -> Option<u32> {
                match *self {
                    $(Instr::$ib { .. } | Instr::$iba { .. } => Some($ibw),)*
                    $(Instr::$sf { .. } => Some($sfw),)*
                    $(Instr::$bf { .. } | Instr::$bfa { .. } => Some($bfw),)*
                    _ => None,
                }
            }

            /// The slot the `Imm` form replaces by an immediate, if there is such a form.
            pub(crate) fn imm_operand(&self) -> Option<R> {
                match *self {
                    $(Instr::$ib { b, .. } | Instr::$iba { b, .. } => Some(b),)*
                    $(Instr::$sf { val, .. } => Some(val),)*
                    $(Instr::$bf { b, .. } | Instr::$bfa { b, .. } => Some(b),)*
                    _ => None,
                }
            }

            /// This instruction with [`Self::imm_operand`] replaced by the immediate `imm`.
            pub(crate) fn imm_form(self, imm: u32) -> Option<Instr> {
                Some(match self {
                    $(
                        Instr::$ib { dst, a, .. } => Instr::$ibi { dst, a, imm },
                        Instr::$iba { dst, .. } => Instr::$ibai { dst, imm },
                    )*
                    $(Instr::$sf { addr, offset, .. } => Instr::$sfi { addr, imm, offset },)*
                    $(
                        Instr::$bf { a, target, .. } => Instr::$bfi { a, imm, target },
                        Instr::$bfa { target, .. } => Instr::$bfai { imm, target },
                    )*
                    _ => return None,
                })
            }

            /// The slot the `Acc` form reads from the accumulator instead, if there is
            /// such a form.
            pub(crate) fn acc_operand(&self) -> Option<R> {
                match *self {
                    $(Instr::$ib { a, .. } | Instr::$ibi { a, .. } => Some(a),)*
                    $(Instr::$ua { src, .. } => Some(src),)*
                    $(Instr::$la { addr, .. } => Some(addr),)*
                    $(Instr::$sf { val, .. } => Some(val),)*
                    $(Instr::$bf { a, .. } | Instr::$bfi { a, .. } => Some(a),)*
                    _ => None,
                }
            }

            /// This instruction with [`Self::acc_operand`] read from the accumulator.
            pub(crate) fn acc_form(self) -> Option<Instr> {
                Some(match self {
                    $(
                        Instr::$ib { dst, b, .. } => Instr::$iba { dst, b },
                        Instr::$ibi { dst, imm, .. } => Instr::$ibai { dst, imm },
                    )*
                    $(Instr::$ua { dst, .. } => Instr::$uaa { dst },)*
                    $(Instr::$la { dst, offset, .. } => Instr::$laa { dst, offset },)*
                    $(Instr::$sf { addr, offset, .. } => Instr::$sfa { addr, offset },)*
                    $(
                        Instr::$bf { b, target, .. } => Instr::$bfa { b, target },
                        Instr::$bfi { imm, target, .. } => Instr::$bfai { imm, target },
                    )*
                    _ => return None,
                })
            }

            /// The second operand of a binary instruction with a `RAcc` form.
            pub(crate) fn racc_operand(&self) -> Option<R> {
                match *self {
                    $(Instr::$ir { b, .. } => Some(b),)*
                    _ => None,
                }
            }

            /// This instruction with [`Self::racc_operand`] read from the accumulator.
            pub(crate) fn racc_form(self) -> Option<Instr> {
                match self {
                    $(Instr::$ir { dst, a, .. } => Some(Instr::$irr { dst, a }),)*
                    _ => None,
                }
            }

            /// The (relative) target of a branch, in any form.
            pub fn branch_target_mut(&mut self) -> Option<&mut i32> {
                match self {
                    $(
                        Instr::$bf { target, .. }
                        | Instr::$bfi { target, .. }
                        | Instr::$bfa { target, .. }
                        | Instr::$bfai { target, .. } => Some(target),
                    )*
                    Instr::Br { target }
                    | Instr::BrEntry { target, .. }
                    | Instr::BrIfNez { target, .. }
                    | Instr::BrIfEqz { target, .. }
                    | Instr::BrIfNezAcc { target }
                    | Instr::BrIfEqzAcc { target }
                    | Instr::BrOnNull { target, .. }
                    | Instr::BrOnNonNull { target, .. }
                    | Instr::BrOnCast { target, .. }
                    | Instr::BrOnCastFail { target, .. } => Some(target),
                    _ => None,
                }
            }

            /// This integer instruction leaving its result in the accumulator only, not in
            /// its destination slot (its `ToAcc` form), if it has one.
            pub(crate) fn to_acc_only(self) -> Option<Instr> {
                Some(match self {
                    $(
                        Instr::$ib { a, b, .. } => Instr::$ibt { a, b },
                        Instr::$ibi { a, imm, .. } => Instr::$ibit { a, imm },
                        Instr::$iba { b, .. } => Instr::$ibat { b },
                        Instr::$ibai { imm, .. } => Instr::$ibait { imm },
                    )*
                    $(Instr::$irr { a, .. } => Instr::$irrt { a },)*
                    $(
                        Instr::$ua { src, .. } => Instr::$uat { src },
                        Instr::$uaa { .. } => Instr::$uaat {},
                    )*
                    $(
                        Instr::$la { addr, offset, .. } => Instr::$lat { addr, offset },
                        Instr::$laa { offset, .. } => Instr::$laat { offset },
                    )*
                    _ => return None,
                })
            }

            /// The address slot of a store with an `AtAcc` form.
            pub(crate) fn addr_acc_operand(&self) -> Option<R> {
                match *self {
                    $(Instr::$sf { addr, .. } => Some(addr),)*
                    _ => None,
                }
            }

            /// This store with its address read from the accumulator.
            pub(crate) fn addr_acc_form(self) -> Option<Instr> {
                match self {
                    $(Instr::$sf { val, offset, .. } => Some(Instr::$sfaa { val, offset }),)*
                    _ => None,
                }
            }

            /// Calls `f` on each slot an instruction of the generated groups (unary, binary,
            /// load and store instructions, their operand forms, and the compare-and-branch
            /// forms) reads; false, calling nothing, for any other instruction.
            pub(crate) fn form_reads(&mut self, f: &mut impl FnMut(&mut R)) -> bool {
                match self {
                    $(Instr::$un { src, .. } => f(src),)*
                    $(Instr::$bin { a, b, .. } => {
                        f(a);
                        f(b);
                    })*
                    $(Instr::$ld { addr, .. } => f(addr),)*
                    $(Instr::$st { addr, val, .. } => {
                        f(addr);
                        f(val);
                    })*
                    $(
                        Instr::$ibi { a, .. } | Instr::$ibit { a, .. } => f(a),
                        Instr::$iba { b, .. } | Instr::$ibat { b } => f(b),
                        Instr::$ibai { .. } | Instr::$ibait { .. } => {}
                        Instr::$ibt { a, b } => {
                            f(a);
                            f(b);
                        }
                    )*
                    $(Instr::$irr { a, .. } | Instr::$irrt { a } => f(a),)*
                    $(
                        Instr::$uaa { .. } | Instr::$uaat {} => {}
                        Instr::$uat { src } => f(src),
                    )*
                    $(
                        Instr::$laa { .. } | Instr::$laat { .. } => {}
                        Instr::$lat { addr, .. } => f(addr),
                    )*
                    $(
                        Instr::$sfi { addr, .. } | Instr::$sfa { addr, .. } => f(addr),
                        Instr::$sfaa { val, .. } => f(val),
                    )*
                    $(
                        Instr::$bf { a, b, .. } => {
                            f(a);
                            f(b);
                        }
                        Instr::$bfi { a, .. } => f(a),
                        Instr::$bfa { b, .. } => f(b),
                        Instr::$bfai { .. } => {}
                    )*
                    _ => return self.fused_reads(f),
                }
                true
            }
        }
    };
}

impl Instr {
    /// Calls `f` on each slot a fused instruction of the last translation pass reads itself
    /// (the instructions it reads operands from stay in place and list their own); false
    /// for any other instruction.
    fn fused_reads(&mut self, f: &mut impl FnMut(&mut R)) -> bool {
        use Instr::*;
        match self {
            I32AddLoad8U { a, b, .. }
            | I32AddLoad8UToAcc { a, b, .. }
            | I32AddToAccLoad8U { a, b }
            | I32AddToAccLoad8UToAcc { a, b }
            | I32AddToAccLoad16U { a, b }
            | I32AddToAccLoad { a, b } => {
                f(a);
                f(b);
            }
            I32AddAccLoad8UToAcc { b, .. }
            | I32AddAccLoadToAcc { b, .. }
            | I32AddAccToAccLoad8U { b }
            | I32AddAccToAccLoad8UToAcc { b }
            | I32AddAccToAccLoad16U { b }
            | I32AddAccToAccLoadToAcc { b }
            | I32AddImmToAccLoad { a: b, .. }
            | I32AddImmToAccLoadI64ToAcc { a: b, .. }
            | I32AddImmToAccLoad8U { a: b, .. }
            | I32AddImmToAccLoad16UToAcc { a: b, .. }
            | I32ShrUAndAdd { a: b, .. }
            | CopyBrIfEqz { src: b, .. }
            | CopyBr { src: b, .. }
            | I32AddImmTwice { a: b, .. }
            | I32LoadTwice { addr: b, .. }
            | CopyTwice { src: b, .. } => f(b),
            I32StoreTwice { addr, val, .. } => {
                f(addr);
                f(val);
            }
            I32AddAccImmToAccLoadToAcc { .. } | I32AddAccImmToAccLoad16UToAcc { .. } => {}
            _ => return false,
        }
        true
    }
}

instrs! {
    unary {
        Copy, Copy2,
        I32Eqz, I32Clz, I32Ctz, I32Popcnt, I64Eqz, I64Clz, I64Ctz, I64Popcnt,
        F32Abs, F32Neg, F32Ceil, F32Floor, F32Trunc, F32Nearest, F32Sqrt,
        F64Abs, F64Neg, F64Ceil, F64Floor, F64Trunc, F64Nearest, F64Sqrt,
        I32WrapI64, I32TruncF32S, I32TruncF32U, I32TruncF64S, I32TruncF64U,
        I64ExtendI32S, I64ExtendI32U, I64TruncF32S, I64TruncF32U, I64TruncF64S, I64TruncF64U,
        F32ConvertI32S, F32ConvertI32U, F32ConvertI64S, F32ConvertI64U, F32DemoteF64,
        F64ConvertI32S, F64ConvertI32U, F64ConvertI64S, F64ConvertI64U, F64PromoteF32,
        I32Extend8S, I32Extend16S, I64Extend8S, I64Extend16S, I64Extend32S,
        I32TruncSatF32S, I32TruncSatF32U, I32TruncSatF64S, I32TruncSatF64U,
        I64TruncSatF32S, I64TruncSatF32U, I64TruncSatF64S, I64TruncSatF64U,
        RefIsNull,
        F32CanonNan, F64CanonNan,
        // Clamps a 64-bit table index to `u32::MAX` (always out of bounds) when it is wider.
        I64SatU32,
    }
    binary {
        I32Eq, I32Ne, I32LtS, I32LtU, I32GtS, I32GtU, I32LeS, I32LeU, I32GeS, I32GeU,
        I64Eq, I64Ne, I64LtS, I64LtU, I64GtS, I64GtU, I64LeS, I64LeU, I64GeS, I64GeU,
        F32Eq, F32Ne, F32Lt, F32Gt, F32Le, F32Ge,
        F64Eq, F64Ne, F64Lt, F64Gt, F64Le, F64Ge,
        I32Add, I32Sub, I32Mul, I32DivS, I32DivU, I32RemS, I32RemU,
        I32And, I32Or, I32Xor, I32Shl, I32ShrS, I32ShrU, I32Rotl, I32Rotr,
        I64Add, I64Sub, I64Mul, I64DivS, I64DivU, I64RemS, I64RemU,
        I64And, I64Or, I64Xor, I64Shl, I64ShrS, I64ShrU, I64Rotl, I64Rotr,
        F32Add, F32Sub, F32Mul, F32Div, F32Min, F32Max, F32Copysign,
        F64Add, F64Sub, F64Mul, F64Div, F64Min, F64Max, F64Copysign,
    }
    load {
        I32Load, I64Load, I32Load8S, I32Load8U, I32Load16S, I32Load16U,
        I64Load8S, I64Load8U, I64Load16S, I64Load16U, I64Load32S, I64Load32U, V128Load,
    }
    store {
        I32Store, I64Store, I32Store8, I32Store16, I64Store8, I64Store16, I64Store32, V128Store,
    }
    with_dst {
        /// Writes a 32-bit immediate (for constants beyond the frame's constant area).
        Const32 { dst: R, value: u32 },
        /// Writes the low 32 bits `lo` and high 32 bits `hi` of a 64-bit immediate.
        Const64 { dst: R, lo: u32, hi: u32 },
        GlobalGet { dst: R, global: u32 },
        /// `dst = cond != 0 ? a : b`; the next instruction is `Extra { a: cond, .. }`.
        Select { dst: R, a: R, b: R },
        /// `Select` on the accumulator: `dst = acc != 0 ? a : b` (the `Extra` after it stays,
        /// unread).
        SelectAcc { dst: R, a: R, b: R },
        RefFunc { dst: R, func: u32 },
        MemorySize { dst: R, mem: u32 },
        MemoryGrow { dst: R, delta: R, mem: u32 },
        TableGet { dst: R, index: R, table: u32 },
        TableSize { dst: R, table: u32 },
        /// Canonicalizes NaN lanes of the v128 at `src` (deterministic mode).
        F32x4CanonNan { dst: R, src: R },
        F64x2CanonNan { dst: R, src: R },
        /// Grows `table` by the slots `args` (init, delta) and writes the old size to `dst`.
        TableGrow { dst: R, args: R, table: u32 },
    }
    other {
        /// Charges a metering segment: `gas_lo | gas_hi << 32` gas and `count` instructions.
        Meter { gas_lo: u32, gas_hi: u32, count: u32 },
        /// Traps with "interrupted" if the store's interrupt flag is set.
        CheckInterrupt {},
        /// Counts a loop iteration toward compiling the function (tiered modules only); `osr`
        /// is the loop's index among the body's `loop` operators if compiled code may take
        /// over a running call there (see `tier::osr`), else [`NO_OSR`].
        TierCount { osr: u32 },
        /// Operands that did not fit in the previous instruction.
        Extra { a: u32, b: u32, c: u32 },
        Unreachable {},
        Br { target: i32 },
        BrIfNez { cond: R, target: i32 },
        BrIfEqz { cond: R, target: i32 },
        /// `BrIfNez` on the accumulator.
        BrIfNezAcc { target: i32 },
        /// `BrIfEqz` on the accumulator.
        BrIfEqzAcc { target: i32 },
        /// Jumps to the `Br` at `pc + 1 + min(index, len)`.
        BrTable { index: R, len: u32 },
        /// `BrTable` on the accumulator.
        BrTableAcc { len: u32 },
        /// A `br_table` entry `Br { target }` that also holds the handler of the instruction
        /// at its target (`handler_lo | handler_hi << 32`), so that the table's handler
        /// jumps there without loading it first (made when the instructions become ops).
        BrEntry { target: i32, handler_lo: u32, handler_hi: u32 },
        BrI32Eq { a: R, b: R, target: i32 },
        BrI32Ne { a: R, b: R, target: i32 },
        BrI32LtS { a: R, b: R, target: i32 },
        BrI32LtU { a: R, b: R, target: i32 },
        BrI32GtS { a: R, b: R, target: i32 },
        BrI32GtU { a: R, b: R, target: i32 },
        BrI32LeS { a: R, b: R, target: i32 },
        BrI32LeU { a: R, b: R, target: i32 },
        BrI32GeS { a: R, b: R, target: i32 },
        BrI32GeU { a: R, b: R, target: i32 },
        BrI64Eq { a: R, b: R, target: i32 },
        BrI64Ne { a: R, b: R, target: i32 },
        BrI64LtS { a: R, b: R, target: i32 },
        BrI64LtU { a: R, b: R, target: i32 },
        BrI64GtS { a: R, b: R, target: i32 },
        BrI64GtU { a: R, b: R, target: i32 },
        BrI64LeS { a: R, b: R, target: i32 },
        BrI64LeU { a: R, b: R, target: i32 },
        BrI64GeS { a: R, b: R, target: i32 },
        BrI64GeU { a: R, b: R, target: i32 },
        /// Two copies (made by the last translation pass from a `Copy` to slot `dst` and the
        /// `Copy` to `dst + 1` right after it, which stays in place and is skipped):
        /// `dst = a`, then `dst + 1 = b`.
        CopyPair { dst: R, a: R, b: R },
        /// A loop counter's step and test (made by the last translation pass from an
        /// `I32AddImm` and the `BrI32LtUAcc` right after it, which stays in place and is
        /// skipped): `slot += imm`, then the branch if `slot < b` (unsigned).
        I32AddImmBrLtU { imm: i16, slot: R, b: R, target: i32 },
        /// [`Instr::I32AddImmBrLtU`] with a signed test.
        I32AddImmBrLtS { imm: i16, slot: R, b: R, target: i32 },
        /// [`Instr::I32AddImmBrLtU`] with the test `slot != b`.
        I32AddImmBrNe { imm: i16, slot: R, b: R, target: i32 },
        /// [`Instr::I32AddImmBrLtU`] stepping by slot `step`: `slot += step`.
        I32AddBrLtU { target: i16, slot: R, step: R, b: R },
        /// [`Instr::I32AddBrLtU`] with a signed test.
        I32AddBrLtS { target: i16, slot: R, step: R, b: R },
        /// [`Instr::I32AddBrLtU`] with the test `slot != b`.
        I32AddBrNe { target: i16, slot: R, step: R, b: R },
        /// A bit-field extract, `(a >> shift) & mask` (i32), to `dst` and the accumulator
        /// (made by the last translation pass from an `I32ShrUImmToAcc` and the
        /// `I32AndAccImm` right after it, which stays in place and is skipped).
        I32ShrUAndImm { shift: u16, dst: R, a: R, mask: u32 },
        /// [`Instr::I32ShrUAndImm`] to the accumulator only (from an `I32AndAccImmToAcc`).
        I32ShrUAndImmToAcc { shift: u16, a: R, mask: u32 },
        /// `BrTableAcc` on `acc + imm` (i32): made from an `I32AddAccImmToAcc` and the
        /// `BrTableAcc { len }` right after it, which stays in place (its entries follow
        /// it) and is skipped.
        BrTableAccAddImm { imm: u32, len: u32 },
        /// An i64 moved from memory to memory: loaded at `src + src_offset`, stored at
        /// `dst + dst_offset` and left in the accumulator (from an `I64LoadToAcc` and the
        /// `I64StoreAcc` right after it, which stays in place and is skipped).
        I64LoadStore { src_offset: u16, src: R, dst: R, dst_offset: u32 },
        /// [`Instr::I64LoadStore`] of an i32 (from `I32LoadToAcc` and `I32StoreAcc`).
        I32LoadStore { src_offset: u16, src: R, dst: R, dst_offset: u32 },
        /// A stack allocation: `get = global`, then `global = dst = get - imm` (i32), also
        /// left in the accumulator (from a `GlobalGet`, the `I32SubAccImm` and the
        /// `GlobalSetAcc` of the same global after it, which stay in place and are skipped).
        GlobalSubImm { global: u16, get: R, dst: R, imm: u32 },
        /// `global = a + imm` (i32), also left in the accumulator (from an `I32AddImmToAcc`
        /// and the `GlobalSetAcc` right after it, which stays in place and is skipped).
        GlobalSetAddImm { a: R, imm: u32, global: u32 },
        /// `dst = src`, then the `Call` right after it (which stays in place, so that the
        /// return address and the slow path are the call's own).
        CopyCall { dst: R, src: R },
        /// `CopyPair`, then the `Call` after its skipped second copy.
        CopyPairCall { dst: R, a: R, b: R },
        /// `dst = a + imm` (i32, also to the accumulator), then the `Br` right after it
        /// (which stays in place, and whose target it takes).
        I32AddImmBr { dst: R, a: R, imm: u32 },
        /// `(acc & mask) << shift` (i32) to the accumulator only (from an
        /// `I32AndAccImmToAcc` and the `I32ShlAccImmToAcc` right after it, skipped).
        I32AndShlAccImmToAcc { shift: u16, mask: u32 },
        /// `(a & mask) << shift` (i32) to the accumulator only (from an `I32AndImmToAcc`
        /// and the `I32ShlAccImmToAcc` right after it, skipped).
        I32AndShlImmToAcc { shift: u16, a: R, mask: u32 },
        /// `dst = (a << shift) + b` (i32, also to the accumulator): an address scaled and
        /// added (from an `I32ShlImmToAcc` and the `I32AddAcc` right after it, skipped).
        I32ShlAddImm { shift: u16, dst: R, a: R, b: R },
        /// [`Instr::I32ShlAddImm`] to the accumulator only (from an `I32AddAccToAcc`).
        I32ShlAddImmToAcc { shift: u16, a: R, b: R },
        /// `dst = (acc << shift) + b` (i32, also to the accumulator; from an
        /// `I32ShlAccImmToAcc` and the `I32AddAcc` right after it, skipped).
        I32ShlAccAdd { shift: u16, dst: R, b: R },
        /// [`Instr::I32ShlAccAdd`] to the accumulator only (from an `I32AddAccToAcc`).
        I32ShlAccAddToAcc { shift: u16, b: R },
        /// Copies `slots` slots from `src` to the frame base and returns.
        Return { src: R, slots: u32 },
        /// Returns the accumulator (`Return` of one slot, the one the instruction before
        /// wrote).
        ReturnAcc {},
        /// Calls a function defined in the same module; arguments and results live at `args`.
        /// `link` is 0 until the first call on the fast path sets it to the distance in
        /// bytes from this op to the callee's first op (see `interp/call_link.rs`).
        Call { func: u32, args: R, link: i32 },
        /// Calls an imported function.
        CallImport { func: u32, args: R },
        /// Calls through a table; `site` indexes the function's (table, type) pairs.
        CallIndirect { index: R, args: R, site: u32 },
        /// Like `Select` for v128 values; followed by `Extra { a: cond, .. }`.
        Select2 { dst: R, a: R, b: R },
        GlobalGet2 { dst: R, global: u32 },
        GlobalSet { src: R, global: u32 },
        /// `GlobalSet` of the accumulator (the value the instruction before left).
        GlobalSetAcc { global: u32 },
        GlobalSet2 { src: R, global: u32 },
        MemoryFill { args: R, mem: u32 },
        MemoryCopy { args: R, dst_mem: u32, src_mem: u32 },
        MemoryInit { args: R, mem: u32, data: u32 },
        DataDrop { data: u32 },
        TableSet { index: R, val: R, table: u32 },
        TableFill { args: R, table: u32 },
        TableCopy { args: R, dst_table: u32, src_table: u32 },
        TableInit { args: R, table: u32, elem: u32 },
        ElemDrop { elem: u32 },
        V128Unary { op: u16, dst: R, a: R },
        V128Binary { op: u16, dst: R, a: R, b: R },
        /// Operands are three consecutive v128 values at `args`.
        V128Ternary { op: u16, dst: R, args: R },
        V128Test { op: u16, dst: R, a: R },
        V128Shift { op: u16, dst: R, a: R, count: R },
        V128Splat { op: u16, dst: R, src: R },
        V128Extract { op: u16, lane: u8, dst: R, a: R },
        V128Replace { op: u8, lane: u8, dst: R, a: R, x: R },
        /// Shuffles `a` and `b` by the lanes in the function's shuffle table at the next `Extra.a`.
        V128Shuffle { dst: R, a: R, b: R },
        /// Loads 8 bytes into the low half and applies the SIMD unary `op` (an extend).
        V128LoadExtend { op: u16, dst: R, addr: R, offset: u32 },
        /// Loads `size` bytes and splats them with SIMD splat `op`.
        V128LoadSplat { op: u8, size: u8, dst: R, addr: R, offset: u32 },
        /// Loads `size` bytes zero-extended to 128 bits.
        V128LoadZero { size: u8, dst: R, addr: R, offset: u32 },
        /// Loads into one lane (`op` is the replace-lane op); next is `Extra { a: vector, b: size }`.
        V128LoadLane { op: u8, lane: u8, dst: R, addr: R, offset: u32 },
        /// Stores one lane (`op` is the extract-lane op); next is `Extra { a: size, .. }`.
        V128StoreLane { op: u8, lane: u8, addr: R, val: R, offset: u32 },
        /// Calls the function reference in slot `func`; arguments and results live at `args`.
        CallRef { func: R, args: R },
        /// Jumps when the reference in `src` is null.
        BrOnNull { src: R, target: i32 },
        /// Jumps when the reference in `src` is not null.
        BrOnNonNull { src: R, target: i32 },
        /// Jumps when `src` matches the function's cast type `cast`.
        BrOnCast { src: R, cast: u32, target: i32 },
        /// Jumps when `src` does not match the function's cast type `cast`.
        BrOnCastFail { src: R, cast: u32, target: i32 },
        /// A GC or typed-reference operation (`op` is a `GcOp`) on the operand at `a` (or the
        /// consecutive operands from `a`); `site` indexes the function's GC sites.
        Gc { op: u16, dst: R, a: R, site: u32 },
        /// Throws a new exception of module tag `tag` with the payload at `args`.
        Throw { tag: u32, args: R },
        /// Throws the exception in slot `exn` (traps on null).
        ThrowRef { exn: R },
        /// A load through the generic path (`op` is a `MemOp` with its lane); next is
        /// `Extra { a: offset low 32 bits, b: offset high 32 bits, c: aux }`.
        MemLoad { op: u16, dst: R, addr: R, mem: u32 },
        /// A store through the generic path; next is `Extra` as for `MemLoad`.
        MemStore { op: u16, addr: R, val: R, mem: u32 },
        /// An atomic instruction (`op` is an `AtomicOp`) on operands at `args`, result in
        /// `dst`; next is `Extra { a: offset low 32 bits, b: offset high 32 bits, .. }`.
        Atomic { op: u16, dst: R, args: R, mem: u32 },
        /// `atomic.fence`.
        AtomicFence {},
        /// Tail call of a function defined in the same module, arguments at `args`.
        ReturnCall { func: u32, args: R },
        /// Tail call of an imported function.
        ReturnCallImport { func: u32, args: R },
        /// Tail call of the function reference in slot `func`, arguments at `args`.
        ReturnCallRef { func: R, args: R },
        /// Tail call through a table; `site` as for `CallIndirect`.
        ReturnCallIndirect { index: R, args: R, site: u32 },
        /// 128-bit wide arithmetic (`op` is a `WideOp`) on the i64 operands at `args`; the two
        /// i64 results are written to `args` and `args + 1`.
        Wide { op: u16, args: R },
        /// `dst = a + b` (i32), then the `I32Load8UAcc` right after it, which stays in place:
        /// this reads its `dst` and `offset`, loads at the sum and skips it (a trap, or a
        /// memory grown by another thread, is handled at the load). The other fused address
        /// adds below work the same way, each with the add form and load form its name says.
        I32AddLoad8U { dst: R, a: R, b: R },
        /// `I32Add` then `I32Load8UAccToAcc` (see [`Instr::I32AddLoad8U`]).
        I32AddLoad8UToAcc { dst: R, a: R, b: R },
        /// `I32AddToAcc` then `I32Load8UAcc`.
        I32AddToAccLoad8U { a: R, b: R },
        /// `I32AddToAcc` then `I32Load8UAccToAcc`.
        I32AddToAccLoad8UToAcc { a: R, b: R },
        /// `I32AddAcc` then `I32Load8UAccToAcc`.
        I32AddAccLoad8UToAcc { dst: R, b: R },
        /// `I32AddAcc` then `I32LoadAccToAcc`.
        I32AddAccLoadToAcc { dst: R, b: R },
        /// `I32AddAccToAcc` then `I32Load8UAcc`.
        I32AddAccToAccLoad8U { b: R },
        /// `I32AddAccToAcc` then `I32Load8UAccToAcc`.
        I32AddAccToAccLoad8UToAcc { b: R },
        /// `I32AddAccToAcc` then `I32Load16UAcc`.
        I32AddAccToAccLoad16U { b: R },
        /// `I32AddAccToAcc` then `I32LoadAccToAcc`.
        I32AddAccToAccLoadToAcc { b: R },
        /// `I32AddImmToAcc` then `I32LoadAcc`.
        I32AddImmToAccLoad { a: R, imm: u32 },
        /// `I32AddImmToAcc` then `I64LoadAccToAcc`.
        I32AddImmToAccLoadI64ToAcc { a: R, imm: u32 },
        /// `I32AddAccImmToAcc` then `I32LoadAccToAcc`.
        I32AddAccImmToAccLoadToAcc { imm: u32 },
        /// `I32AddImmToAcc` then `I32Load8UAcc`.
        I32AddImmToAccLoad8U { a: R, imm: u32 },
        /// `I32AddImmToAcc` then `I32Load16UAccToAcc`.
        I32AddImmToAccLoad16UToAcc { a: R, imm: u32 },
        /// `I32AddAccImmToAcc` then `I32Load16UAccToAcc`.
        I32AddAccImmToAccLoad16UToAcc { imm: u32 },
        /// `I32AddToAcc` then `I32Load16UAcc`.
        I32AddToAccLoad16U { a: R, b: R },
        /// `I32AddToAcc` then `I32LoadAcc`.
        I32AddToAccLoad { a: R, b: R },
        /// [`Instr::I32ShrUAndImmToAcc`] (which it replaces with the `I32AndAccImmToAcc` after
        /// it) and the `I32AddAcc` after those: `dst = b + ((a >> shift) & mask)`; reads `dst`
        /// and `b` from the `I32AddAcc`, which stays in place, and skips all three.
        I32ShrUAndAdd { shift: u16, a: R, mask: u32 },
        /// `Copy` then the `BrIfEqz` right after it, which stays in place (its operands are
        /// read from it).
        CopyBrIfEqz { dst: R, src: R },
        /// `Copy` then the `Br` right after it, which stays in place (its target is read from
        /// it).
        CopyBr { dst: R, src: R },
        /// `I32AddImm`, then the `I32AddImm` right after it, which stays in place (its
        /// operands are read from it) and is skipped.
        I32AddImmTwice { dst: R, a: R, imm: u32 },
        /// `I32Load`, then the `I32Load` right after it (read and skipped as above; a trap
        /// in the second is reported at the second).
        I32LoadTwice { dst: R, addr: R, offset: u32 },
        /// `I32Store`, then the `I32Store` right after it (as [`Instr::I32LoadTwice`]).
        I32StoreTwice { addr: R, val: R, offset: u32 },
        /// `Copy`, then the `Copy` right after it (to any slot; read and skipped as above).
        CopyTwice { dst: R, src: R },
    }
    int_binary {
        I32Add(32) => I32AddImm, I32AddAcc, I32AddAccImm
            / I32AddToAcc, I32AddImmToAcc, I32AddAccToAcc, I32AddAccImmToAcc;
        I32Sub(32) => I32SubImm, I32SubAcc, I32SubAccImm
            / I32SubToAcc, I32SubImmToAcc, I32SubAccToAcc, I32SubAccImmToAcc;
        I32Mul(32) => I32MulImm, I32MulAcc, I32MulAccImm
            / I32MulToAcc, I32MulImmToAcc, I32MulAccToAcc, I32MulAccImmToAcc;
        I32And(32) => I32AndImm, I32AndAcc, I32AndAccImm
            / I32AndToAcc, I32AndImmToAcc, I32AndAccToAcc, I32AndAccImmToAcc;
        I32Or(32) => I32OrImm, I32OrAcc, I32OrAccImm
            / I32OrToAcc, I32OrImmToAcc, I32OrAccToAcc, I32OrAccImmToAcc;
        I32Xor(32) => I32XorImm, I32XorAcc, I32XorAccImm
            / I32XorToAcc, I32XorImmToAcc, I32XorAccToAcc, I32XorAccImmToAcc;
        I32Shl(32) => I32ShlImm, I32ShlAcc, I32ShlAccImm
            / I32ShlToAcc, I32ShlImmToAcc, I32ShlAccToAcc, I32ShlAccImmToAcc;
        I32ShrS(32) => I32ShrSImm, I32ShrSAcc, I32ShrSAccImm
            / I32ShrSToAcc, I32ShrSImmToAcc, I32ShrSAccToAcc, I32ShrSAccImmToAcc;
        I32ShrU(32) => I32ShrUImm, I32ShrUAcc, I32ShrUAccImm
            / I32ShrUToAcc, I32ShrUImmToAcc, I32ShrUAccToAcc, I32ShrUAccImmToAcc;
        I32Rotl(32) => I32RotlImm, I32RotlAcc, I32RotlAccImm
            / I32RotlToAcc, I32RotlImmToAcc, I32RotlAccToAcc, I32RotlAccImmToAcc;
        I32Rotr(32) => I32RotrImm, I32RotrAcc, I32RotrAccImm
            / I32RotrToAcc, I32RotrImmToAcc, I32RotrAccToAcc, I32RotrAccImmToAcc;
        I32Eq(32) => I32EqImm, I32EqAcc, I32EqAccImm
            / I32EqToAcc, I32EqImmToAcc, I32EqAccToAcc, I32EqAccImmToAcc;
        I32Ne(32) => I32NeImm, I32NeAcc, I32NeAccImm
            / I32NeToAcc, I32NeImmToAcc, I32NeAccToAcc, I32NeAccImmToAcc;
        I32LtS(32) => I32LtSImm, I32LtSAcc, I32LtSAccImm
            / I32LtSToAcc, I32LtSImmToAcc, I32LtSAccToAcc, I32LtSAccImmToAcc;
        I32LtU(32) => I32LtUImm, I32LtUAcc, I32LtUAccImm
            / I32LtUToAcc, I32LtUImmToAcc, I32LtUAccToAcc, I32LtUAccImmToAcc;
        I32GtS(32) => I32GtSImm, I32GtSAcc, I32GtSAccImm
            / I32GtSToAcc, I32GtSImmToAcc, I32GtSAccToAcc, I32GtSAccImmToAcc;
        I32GtU(32) => I32GtUImm, I32GtUAcc, I32GtUAccImm
            / I32GtUToAcc, I32GtUImmToAcc, I32GtUAccToAcc, I32GtUAccImmToAcc;
        I32LeS(32) => I32LeSImm, I32LeSAcc, I32LeSAccImm
            / I32LeSToAcc, I32LeSImmToAcc, I32LeSAccToAcc, I32LeSAccImmToAcc;
        I32LeU(32) => I32LeUImm, I32LeUAcc, I32LeUAccImm
            / I32LeUToAcc, I32LeUImmToAcc, I32LeUAccToAcc, I32LeUAccImmToAcc;
        I32GeS(32) => I32GeSImm, I32GeSAcc, I32GeSAccImm
            / I32GeSToAcc, I32GeSImmToAcc, I32GeSAccToAcc, I32GeSAccImmToAcc;
        I32GeU(32) => I32GeUImm, I32GeUAcc, I32GeUAccImm
            / I32GeUToAcc, I32GeUImmToAcc, I32GeUAccToAcc, I32GeUAccImmToAcc;
        I32DivS(32) => I32DivSImm, I32DivSAcc, I32DivSAccImm
            / I32DivSToAcc, I32DivSImmToAcc, I32DivSAccToAcc, I32DivSAccImmToAcc;
        I32DivU(32) => I32DivUImm, I32DivUAcc, I32DivUAccImm
            / I32DivUToAcc, I32DivUImmToAcc, I32DivUAccToAcc, I32DivUAccImmToAcc;
        I32RemS(32) => I32RemSImm, I32RemSAcc, I32RemSAccImm
            / I32RemSToAcc, I32RemSImmToAcc, I32RemSAccToAcc, I32RemSAccImmToAcc;
        I32RemU(32) => I32RemUImm, I32RemUAcc, I32RemUAccImm
            / I32RemUToAcc, I32RemUImmToAcc, I32RemUAccToAcc, I32RemUAccImmToAcc;
        I64Add(64) => I64AddImm, I64AddAcc, I64AddAccImm
            / I64AddToAcc, I64AddImmToAcc, I64AddAccToAcc, I64AddAccImmToAcc;
        I64Sub(64) => I64SubImm, I64SubAcc, I64SubAccImm
            / I64SubToAcc, I64SubImmToAcc, I64SubAccToAcc, I64SubAccImmToAcc;
        I64Mul(64) => I64MulImm, I64MulAcc, I64MulAccImm
            / I64MulToAcc, I64MulImmToAcc, I64MulAccToAcc, I64MulAccImmToAcc;
        I64And(64) => I64AndImm, I64AndAcc, I64AndAccImm
            / I64AndToAcc, I64AndImmToAcc, I64AndAccToAcc, I64AndAccImmToAcc;
        I64Or(64) => I64OrImm, I64OrAcc, I64OrAccImm
            / I64OrToAcc, I64OrImmToAcc, I64OrAccToAcc, I64OrAccImmToAcc;
        I64Xor(64) => I64XorImm, I64XorAcc, I64XorAccImm
            / I64XorToAcc, I64XorImmToAcc, I64XorAccToAcc, I64XorAccImmToAcc;
        I64Shl(64) => I64ShlImm, I64ShlAcc, I64ShlAccImm
            / I64ShlToAcc, I64ShlImmToAcc, I64ShlAccToAcc, I64ShlAccImmToAcc;
        I64ShrS(64) => I64ShrSImm, I64ShrSAcc, I64ShrSAccImm
            / I64ShrSToAcc, I64ShrSImmToAcc, I64ShrSAccToAcc, I64ShrSAccImmToAcc;
        I64ShrU(64) => I64ShrUImm, I64ShrUAcc, I64ShrUAccImm
            / I64ShrUToAcc, I64ShrUImmToAcc, I64ShrUAccToAcc, I64ShrUAccImmToAcc;
        I64Rotl(64) => I64RotlImm, I64RotlAcc, I64RotlAccImm
            / I64RotlToAcc, I64RotlImmToAcc, I64RotlAccToAcc, I64RotlAccImmToAcc;
        I64Rotr(64) => I64RotrImm, I64RotrAcc, I64RotrAccImm
            / I64RotrToAcc, I64RotrImmToAcc, I64RotrAccToAcc, I64RotrAccImmToAcc;
        I64Eq(64) => I64EqImm, I64EqAcc, I64EqAccImm
            / I64EqToAcc, I64EqImmToAcc, I64EqAccToAcc, I64EqAccImmToAcc;
        I64Ne(64) => I64NeImm, I64NeAcc, I64NeAccImm
            / I64NeToAcc, I64NeImmToAcc, I64NeAccToAcc, I64NeAccImmToAcc;
        I64LtS(64) => I64LtSImm, I64LtSAcc, I64LtSAccImm
            / I64LtSToAcc, I64LtSImmToAcc, I64LtSAccToAcc, I64LtSAccImmToAcc;
        I64LtU(64) => I64LtUImm, I64LtUAcc, I64LtUAccImm
            / I64LtUToAcc, I64LtUImmToAcc, I64LtUAccToAcc, I64LtUAccImmToAcc;
        I64GtS(64) => I64GtSImm, I64GtSAcc, I64GtSAccImm
            / I64GtSToAcc, I64GtSImmToAcc, I64GtSAccToAcc, I64GtSAccImmToAcc;
        I64GtU(64) => I64GtUImm, I64GtUAcc, I64GtUAccImm
            / I64GtUToAcc, I64GtUImmToAcc, I64GtUAccToAcc, I64GtUAccImmToAcc;
        I64LeS(64) => I64LeSImm, I64LeSAcc, I64LeSAccImm
            / I64LeSToAcc, I64LeSImmToAcc, I64LeSAccToAcc, I64LeSAccImmToAcc;
        I64LeU(64) => I64LeUImm, I64LeUAcc, I64LeUAccImm
            / I64LeUToAcc, I64LeUImmToAcc, I64LeUAccToAcc, I64LeUAccImmToAcc;
        I64GeS(64) => I64GeSImm, I64GeSAcc, I64GeSAccImm
            / I64GeSToAcc, I64GeSImmToAcc, I64GeSAccToAcc, I64GeSAccImmToAcc;
        I64GeU(64) => I64GeUImm, I64GeUAcc, I64GeUAccImm
            / I64GeUToAcc, I64GeUImmToAcc, I64GeUAccToAcc, I64GeUAccImmToAcc;
        I64DivS(64) => I64DivSImm, I64DivSAcc, I64DivSAccImm
            / I64DivSToAcc, I64DivSImmToAcc, I64DivSAccToAcc, I64DivSAccImmToAcc;
        I64DivU(64) => I64DivUImm, I64DivUAcc, I64DivUAccImm
            / I64DivUToAcc, I64DivUImmToAcc, I64DivUAccToAcc, I64DivUAccImmToAcc;
        I64RemS(64) => I64RemSImm, I64RemSAcc, I64RemSAccImm
            / I64RemSToAcc, I64RemSImmToAcc, I64RemSAccToAcc, I64RemSAccImmToAcc;
        I64RemU(64) => I64RemUImm, I64RemUAcc, I64RemUAccImm
            / I64RemUToAcc, I64RemUImmToAcc, I64RemUAccToAcc, I64RemUAccImmToAcc;
    }
    int_binary_racc {
        I32Sub => I32SubRAcc / I32SubRAccToAcc;
        I32Shl => I32ShlRAcc / I32ShlRAccToAcc;
        I32ShrS => I32ShrSRAcc / I32ShrSRAccToAcc;
        I32ShrU => I32ShrURAcc / I32ShrURAccToAcc;
        I32Rotl => I32RotlRAcc / I32RotlRAccToAcc;
        I32Rotr => I32RotrRAcc / I32RotrRAccToAcc;
        I32DivS => I32DivSRAcc / I32DivSRAccToAcc;
        I32DivU => I32DivURAcc / I32DivURAccToAcc;
        I32RemS => I32RemSRAcc / I32RemSRAccToAcc;
        I32RemU => I32RemURAcc / I32RemURAccToAcc;
        I64Sub => I64SubRAcc / I64SubRAccToAcc;
        I64Shl => I64ShlRAcc / I64ShlRAccToAcc;
        I64ShrS => I64ShrSRAcc / I64ShrSRAccToAcc;
        I64ShrU => I64ShrURAcc / I64ShrURAccToAcc;
        I64Rotl => I64RotlRAcc / I64RotlRAccToAcc;
        I64Rotr => I64RotrRAcc / I64RotrRAccToAcc;
        I64DivS => I64DivSRAcc / I64DivSRAccToAcc;
        I64DivU => I64DivURAcc / I64DivURAccToAcc;
        I64RemS => I64RemSRAcc / I64RemSRAccToAcc;
        I64RemU => I64RemURAcc / I64RemURAccToAcc;
    }
    unary_acc {
        I32Eqz => I32EqzAcc / I32EqzToAcc, I32EqzAccToAcc;
        I64Eqz => I64EqzAcc / I64EqzToAcc, I64EqzAccToAcc;
        I64ExtendI32S => I64ExtendI32SAcc / I64ExtendI32SToAcc, I64ExtendI32SAccToAcc;
        I64ExtendI32U => I64ExtendI32UAcc / I64ExtendI32UToAcc, I64ExtendI32UAccToAcc;
        I32WrapI64 => I32WrapI64Acc / I32WrapI64ToAcc, I32WrapI64AccToAcc;
    }
    load_acc {
        I32Load => I32LoadAcc / I32LoadToAcc, I32LoadAccToAcc;
        I64Load => I64LoadAcc / I64LoadToAcc, I64LoadAccToAcc;
        I32Load8S => I32Load8SAcc / I32Load8SToAcc, I32Load8SAccToAcc;
        I32Load8U => I32Load8UAcc / I32Load8UToAcc, I32Load8UAccToAcc;
        I32Load16S => I32Load16SAcc / I32Load16SToAcc, I32Load16SAccToAcc;
        I32Load16U => I32Load16UAcc / I32Load16UToAcc, I32Load16UAccToAcc;
        I64Load8S => I64Load8SAcc / I64Load8SToAcc, I64Load8SAccToAcc;
        I64Load8U => I64Load8UAcc / I64Load8UToAcc, I64Load8UAccToAcc;
        I64Load16S => I64Load16SAcc / I64Load16SToAcc, I64Load16SAccToAcc;
        I64Load16U => I64Load16UAcc / I64Load16UToAcc, I64Load16UAccToAcc;
        I64Load32S => I64Load32SAcc / I64Load32SToAcc, I64Load32SAccToAcc;
        I64Load32U => I64Load32UAcc / I64Load32UToAcc, I64Load32UAccToAcc;
    }
    store_forms {
        I32Store(32) => I32StoreImm, I32StoreAcc, I32StoreAtAcc;
        I64Store(64) => I64StoreImm, I64StoreAcc, I64StoreAtAcc;
        I32Store8(32) => I32Store8Imm, I32Store8Acc, I32Store8AtAcc;
        I32Store16(32) => I32Store16Imm, I32Store16Acc, I32Store16AtAcc;
    }
    branch_forms {
        BrI32Eq(32) => BrI32EqImm, BrI32EqAcc, BrI32EqAccImm;
        BrI32Ne(32) => BrI32NeImm, BrI32NeAcc, BrI32NeAccImm;
        BrI32LtS(32) => BrI32LtSImm, BrI32LtSAcc, BrI32LtSAccImm;
        BrI32LtU(32) => BrI32LtUImm, BrI32LtUAcc, BrI32LtUAccImm;
        BrI32GtS(32) => BrI32GtSImm, BrI32GtSAcc, BrI32GtSAccImm;
        BrI32GtU(32) => BrI32GtUImm, BrI32GtUAcc, BrI32GtUAccImm;
        BrI32LeS(32) => BrI32LeSImm, BrI32LeSAcc, BrI32LeSAccImm;
        BrI32LeU(32) => BrI32LeUImm, BrI32LeUAcc, BrI32LeUAccImm;
        BrI32GeS(32) => BrI32GeSImm, BrI32GeSAcc, BrI32GeSAccImm;
        BrI32GeU(32) => BrI32GeUImm, BrI32GeUAcc, BrI32GeUAccImm;
        BrI64Eq(64) => BrI64EqImm, BrI64EqAcc, BrI64EqAccImm;
        BrI64Ne(64) => BrI64NeImm, BrI64NeAcc, BrI64NeAccImm;
        BrI64LtS(64) => BrI64LtSImm, BrI64LtSAcc, BrI64LtSAccImm;
        BrI64LtU(64) => BrI64LtUImm, BrI64LtUAcc, BrI64LtUAccImm;
        BrI64GtS(64) => BrI64GtSImm, BrI64GtSAcc, BrI64GtSAccImm;
        BrI64GtU(64) => BrI64GtUImm, BrI64GtUAcc, BrI64GtUAccImm;
        BrI64LeS(64) => BrI64LeSImm, BrI64LeSAcc, BrI64LeSAccImm;
        BrI64LeU(64) => BrI64LeUImm, BrI64LeUAcc, BrI64LeUAccImm;
        BrI64GeS(64) => BrI64GeSImm, BrI64GeSAcc, BrI64GeSAccImm;
        BrI64GeU(64) => BrI64GeUImm, BrI64GeUAcc, BrI64GeUAccImm;
    }
}

const _: () = assert!(std::mem::size_of::<Instr>() == 16);
