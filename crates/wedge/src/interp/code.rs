//! The register bytecode: what the translator emits and the executor runs.
//!
//! Every operand is a slot index relative to the frame base. A frame is laid out as
//! `[params][locals][constants][temporaries]`; constants are written once per call from the
//! function's init template, so instructions never carry immediates for them.

/// A slot index within the current frame.
pub type R = u32;

macro_rules! instrs {
    (
        unary { $($un:ident),* $(,)? }
        binary { $($bin:ident),* $(,)? }
        load { $($ld:ident),* $(,)? }
        store { $($st:ident),* $(,)? }
        with_dst { $($(#[$dm:meta])* $d:ident { $($df:ident : $dt:ty),* $(,)? }),* $(,)? }
        other { $($(#[$om:meta])* $o:ident { $($of:ident : $ot:ty),* $(,)? }),* $(,)? }
    ) => {
        /// One interpreter instruction (16 bytes).
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[allow(missing_docs)]
        pub enum Instr {
            $($un { dst: R, src: R },)*
            $($bin { dst: R, a: R, b: R },)*
            $($ld { dst: R, addr: R, offset: u32 },)*
            $($st { addr: R, val: R, offset: u32 },)*
            $($(#[$dm])* $d { $($df: $dt),* },)*
            $($(#[$om])* $o { $($of: $ot),* },)*
        }

        impl Instr {
            /// The destination slot of an instruction that writes exactly one result.
            pub fn dst_mut(&mut self) -> Option<&mut R> {
                match self {
                    $(Instr::$un { dst, .. } => Some(dst),)*
                    $(Instr::$bin { dst, .. } => Some(dst),)*
                    $(Instr::$ld { dst, .. } => Some(dst),)*
                    $(Instr::$d { dst, .. } => Some(dst),)*
                    _ => None,
                }
            }
        }
    };
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
        /// Operands that did not fit in the previous instruction.
        Extra { a: u32, b: u32, c: u32 },
        Unreachable {},
        Br { target: u32 },
        BrIfNez { cond: R, target: u32 },
        BrIfEqz { cond: R, target: u32 },
        /// Jumps to the `Br` at `pc + 1 + min(index, len)`.
        BrTable { index: R, len: u32 },
        BrI32Eq { a: R, b: R, target: u32 },
        BrI32Ne { a: R, b: R, target: u32 },
        BrI32LtS { a: R, b: R, target: u32 },
        BrI32LtU { a: R, b: R, target: u32 },
        BrI32GtS { a: R, b: R, target: u32 },
        BrI32GtU { a: R, b: R, target: u32 },
        BrI32LeS { a: R, b: R, target: u32 },
        BrI32LeU { a: R, b: R, target: u32 },
        BrI32GeS { a: R, b: R, target: u32 },
        BrI32GeU { a: R, b: R, target: u32 },
        BrI64Eq { a: R, b: R, target: u32 },
        BrI64Ne { a: R, b: R, target: u32 },
        BrI64LtS { a: R, b: R, target: u32 },
        BrI64LtU { a: R, b: R, target: u32 },
        BrI64GtS { a: R, b: R, target: u32 },
        BrI64GtU { a: R, b: R, target: u32 },
        BrI64LeS { a: R, b: R, target: u32 },
        BrI64LeU { a: R, b: R, target: u32 },
        BrI64GeS { a: R, b: R, target: u32 },
        BrI64GeU { a: R, b: R, target: u32 },
        /// Copies `slots` slots from `src` to the frame base and returns.
        Return { src: R, slots: u32 },
        /// Calls a function defined in the same module; arguments and results live at `args`.
        Call { func: u32, args: R },
        /// Calls an imported function.
        CallImport { func: u32, args: R },
        /// Calls through a table; `site` indexes the function's (table, type) pairs.
        CallIndirect { index: R, args: R, site: u32 },
        /// Like `Select` for v128 values; followed by `Extra { a: cond, .. }`.
        Select2 { dst: R, a: R, b: R },
        GlobalGet2 { dst: R, global: u32 },
        GlobalSet { src: R, global: u32 },
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
        V128Replace { op: u16, lane: u8, dst: R, a: R, x: R },
        /// Shuffles `a` and `b` by the lanes in the function's shuffle table at the next `Extra.a`.
        V128Shuffle { dst: R, a: R, b: R },
        /// Loads 8 bytes into the low half and applies the SIMD unary `op` (an extend).
        V128LoadExtend { op: u16, dst: R, addr: R, offset: u32 },
        /// Loads `size` bytes and splats them with SIMD splat `op`.
        V128LoadSplat { op: u16, size: u8, dst: R, addr: R, offset: u32 },
        /// Loads `size` bytes zero-extended to 128 bits.
        V128LoadZero { size: u8, dst: R, addr: R, offset: u32 },
        /// Loads into one lane (`op` is the replace-lane op); next is `Extra { a: vector, b: size }`.
        V128LoadLane { op: u16, lane: u8, dst: R, addr: R, offset: u32 },
        /// Stores one lane (`op` is the extract-lane op); next is `Extra { a: size, .. }`.
        V128StoreLane { op: u16, lane: u8, addr: R, val: R, offset: u32 },
        /// Calls the function reference in slot `func`; arguments and results live at `args`.
        CallRef { func: R, args: R },
        /// Jumps when the reference in `src` is null.
        BrOnNull { src: R, target: u32 },
        /// Jumps when the reference in `src` is not null.
        BrOnNonNull { src: R, target: u32 },
        /// Jumps when `src` matches the function's cast type `cast`.
        BrOnCast { src: R, cast: u32, target: u32 },
        /// Jumps when `src` does not match the function's cast type `cast`.
        BrOnCastFail { src: R, cast: u32, target: u32 },
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
    }
}

const _: () = assert!(std::mem::size_of::<Instr>() == 16);
