//! Atomic instructions of the threads proposal: loads, stores, read-modify-writes,
//! compare-exchange, `memory.atomic.wait32/64` and `memory.atomic.notify`.
//!
//! Every one becomes an `Atomic { op, dst, args, mem }` instruction whose operands are
//! materialized in consecutive slots (address first), followed by an `Extra` holding the
//! 64-bit offset.

use super::Translator;
use crate::interp::code::Instr;
use crate::interp::mem_op::AtomicOp;
use crate::types::ValType;
use crate::Error;
use wasmparser::{MemArg, MemArgTarget, Operator};

/// How to translate one atomic operator.
pub(super) struct AtomicShape {
    op: AtomicOp,
    /// Bytes accessed.
    width: u8,
    memarg: MemArg,
    /// Operands, including the address.
    args: usize,
    /// The type of the result, if any.
    result: Option<ValType>,
}

/// The shape of an atomic operator, or None for any other operator (and `atomic.fence`).
pub(super) fn classify(op: &Operator<'_>) -> Option<AtomicShape> {
    use AtomicOp::*;
    use Operator as O;
    const I32: Option<ValType> = Some(ValType::I32);
    const I64: Option<ValType> = Some(ValType::I64);
    let (op, width, memarg, result) = match *op {
        O::I32AtomicLoad { memarg } => (Load, 4, memarg, I32),
        O::I64AtomicLoad { memarg } => (Load, 8, memarg, I64),
        O::I32AtomicLoad8U { memarg } => (Load, 1, memarg, I32),
        O::I32AtomicLoad16U { memarg } => (Load, 2, memarg, I32),
        O::I64AtomicLoad8U { memarg } => (Load, 1, memarg, I64),
        O::I64AtomicLoad16U { memarg } => (Load, 2, memarg, I64),
        O::I64AtomicLoad32U { memarg } => (Load, 4, memarg, I64),
        O::I32AtomicStore { memarg } => (Store, 4, memarg, None),
        O::I64AtomicStore { memarg } => (Store, 8, memarg, None),
        O::I32AtomicStore8 { memarg } | O::I64AtomicStore8 { memarg } => (Store, 1, memarg, None),
        O::I32AtomicStore16 { memarg } | O::I64AtomicStore16 { memarg } => (Store, 2, memarg, None),
        O::I64AtomicStore32 { memarg } => (Store, 4, memarg, None),
        O::I32AtomicRmwAdd { memarg } => (Add, 4, memarg, I32),
        O::I64AtomicRmwAdd { memarg } => (Add, 8, memarg, I64),
        O::I32AtomicRmw8AddU { memarg } => (Add, 1, memarg, I32),
        O::I32AtomicRmw16AddU { memarg } => (Add, 2, memarg, I32),
        O::I64AtomicRmw8AddU { memarg } => (Add, 1, memarg, I64),
        O::I64AtomicRmw16AddU { memarg } => (Add, 2, memarg, I64),
        O::I64AtomicRmw32AddU { memarg } => (Add, 4, memarg, I64),
        O::I32AtomicRmwSub { memarg } => (Sub, 4, memarg, I32),
        O::I64AtomicRmwSub { memarg } => (Sub, 8, memarg, I64),
        O::I32AtomicRmw8SubU { memarg } => (Sub, 1, memarg, I32),
        O::I32AtomicRmw16SubU { memarg } => (Sub, 2, memarg, I32),
        O::I64AtomicRmw8SubU { memarg } => (Sub, 1, memarg, I64),
        O::I64AtomicRmw16SubU { memarg } => (Sub, 2, memarg, I64),
        O::I64AtomicRmw32SubU { memarg } => (Sub, 4, memarg, I64),
        O::I32AtomicRmwAnd { memarg } => (And, 4, memarg, I32),
        O::I64AtomicRmwAnd { memarg } => (And, 8, memarg, I64),
        O::I32AtomicRmw8AndU { memarg } => (And, 1, memarg, I32),
        O::I32AtomicRmw16AndU { memarg } => (And, 2, memarg, I32),
        O::I64AtomicRmw8AndU { memarg } => (And, 1, memarg, I64),
        O::I64AtomicRmw16AndU { memarg } => (And, 2, memarg, I64),
        O::I64AtomicRmw32AndU { memarg } => (And, 4, memarg, I64),
        O::I32AtomicRmwOr { memarg } => (Or, 4, memarg, I32),
        O::I64AtomicRmwOr { memarg } => (Or, 8, memarg, I64),
        O::I32AtomicRmw8OrU { memarg } => (Or, 1, memarg, I32),
        O::I32AtomicRmw16OrU { memarg } => (Or, 2, memarg, I32),
        O::I64AtomicRmw8OrU { memarg } => (Or, 1, memarg, I64),
        O::I64AtomicRmw16OrU { memarg } => (Or, 2, memarg, I64),
        O::I64AtomicRmw32OrU { memarg } => (Or, 4, memarg, I64),
        O::I32AtomicRmwXor { memarg } => (Xor, 4, memarg, I32),
        O::I64AtomicRmwXor { memarg } => (Xor, 8, memarg, I64),
        O::I32AtomicRmw8XorU { memarg } => (Xor, 1, memarg, I32),
        O::I32AtomicRmw16XorU { memarg } => (Xor, 2, memarg, I32),
        O::I64AtomicRmw8XorU { memarg } => (Xor, 1, memarg, I64),
        O::I64AtomicRmw16XorU { memarg } => (Xor, 2, memarg, I64),
        O::I64AtomicRmw32XorU { memarg } => (Xor, 4, memarg, I64),
        O::I32AtomicRmwXchg { memarg } => (Xchg, 4, memarg, I32),
        O::I64AtomicRmwXchg { memarg } => (Xchg, 8, memarg, I64),
        O::I32AtomicRmw8XchgU { memarg } => (Xchg, 1, memarg, I32),
        O::I32AtomicRmw16XchgU { memarg } => (Xchg, 2, memarg, I32),
        O::I64AtomicRmw8XchgU { memarg } => (Xchg, 1, memarg, I64),
        O::I64AtomicRmw16XchgU { memarg } => (Xchg, 2, memarg, I64),
        O::I64AtomicRmw32XchgU { memarg } => (Xchg, 4, memarg, I64),
        O::I32AtomicRmwCmpxchg { memarg } => (Cmpxchg, 4, memarg, I32),
        O::I64AtomicRmwCmpxchg { memarg } => (Cmpxchg, 8, memarg, I64),
        O::I32AtomicRmw8CmpxchgU { memarg } => (Cmpxchg, 1, memarg, I32),
        O::I32AtomicRmw16CmpxchgU { memarg } => (Cmpxchg, 2, memarg, I32),
        O::I64AtomicRmw8CmpxchgU { memarg } => (Cmpxchg, 1, memarg, I64),
        O::I64AtomicRmw16CmpxchgU { memarg } => (Cmpxchg, 2, memarg, I64),
        O::I64AtomicRmw32CmpxchgU { memarg } => (Cmpxchg, 4, memarg, I64),
        O::MemoryAtomicWait32 { memarg } => (Wait, 4, memarg, I32),
        O::MemoryAtomicWait64 { memarg } => (Wait, 8, memarg, I32),
        O::MemoryAtomicNotify { memarg } => (Notify, 4, memarg, I32),
        _ => return None,
    };
    let args = match op {
        Load => 1,
        Cmpxchg | Wait => 3,
        _ => 2,
    };
    Some(AtomicShape {
        op,
        width,
        memarg,
        args,
        result,
    })
}

impl Translator<'_> {
    /// Translates an atomic operator classified by [`classify`].
    pub(super) fn atomic(&mut self, shape: AtomicShape) -> Result<(), Error> {
        let MemArgTarget::Memory(mem) = shape.memarg.target else {
            return Err(Error::Invalid {
                message: "atomic access to an array is not supported".into(),
                offset: 0,
            });
        };
        let args = self.bulk_args(shape.args);
        let dst = match shape.result {
            Some(ty) => self.push_temp(ty),
            None => args,
        };
        let op = shape.op.encode(shape.width);
        self.emit(Instr::Atomic { op, dst, args, mem });
        let offset = shape.memarg.offset;
        self.emit(Instr::Extra {
            a: offset as u32,
            b: (offset >> 32) as u32,
            c: 0,
        });
        Ok(())
    }
}
