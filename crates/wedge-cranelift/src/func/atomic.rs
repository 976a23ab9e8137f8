//! Atomic memory operators (threads): sequentially consistent loads, stores,
//! read-modify-writes and compare-exchanges inline, `memory.atomic.wait`/`notify` through
//! the runtime. Every access is bounds-checked explicitly, then checked for alignment, in
//! the interpreter's order (out of bounds wins over unaligned).

use super::{trap_code, Translator};
use crate::layout::LibCall;
use crate::TrapKind;
use cranelift_codegen::ir::{
    types, AtomicRmwOp, Endianness, InstBuilder, MemFlagsData, Type, Value,
};
use wasmparser::{MemArg, Operator};

use types::{I16, I32, I64, I8};

impl Translator<'_, '_> {
    /// The memory index of an atomic access.
    fn atomic_mem(memarg: &MemArg) -> u32 {
        match memarg.target {
            wasmparser::MemArgTarget::Memory(m) => m,
            // Atomics only ever name memories.
            _ => 0,
        }
    }

    /// The native address of a `size`-byte atomic access at `addr` + offset, trapping when
    /// out of bounds or unaligned.
    fn atomic_addr(&mut self, memarg: &MemArg, addr: Value, size: u32) -> Value {
        let mem = Self::atomic_mem(memarg);
        let memory64 = self.env.memories[mem as usize].memory64;
        let addr = self.index_to_i64(addr, memory64);
        self.bounds_check(mem, addr, memarg.offset.checked_add(size as u64));
        let ea = self.b.ins().iadd_imm_u(addr, memarg.offset as i64);
        if size > 1 {
            let low = self.b.ins().band_imm_u(ea, size as i64 - 1);
            self.b
                .ins()
                .trapnz(low, trap_code(TrapKind::UnalignedAtomic));
        }
        let base = self.memory_base(mem);
        self.b.ins().iadd(base, ea)
    }

    fn atomic_flags() -> MemFlagsData {
        MemFlagsData::trusted().with_endianness(Endianness::Little)
    }

    /// The access type of a width in bytes.
    fn narrow(size: u32) -> Type {
        match size {
            1 => I8,
            2 => I16,
            4 => I32,
            _ => I64,
        }
    }

    /// A value of type `ty` cut to `size` bytes.
    fn narrow_to(&mut self, v: Value, ty: Type, size: u32) -> Value {
        let n = Self::narrow(size);
        if n == ty {
            v
        } else {
            self.b.ins().ireduce(n, v)
        }
    }

    /// A `size`-byte value zero-extended to `ty`.
    fn widen_from(&mut self, v: Value, ty: Type, size: u32) -> Value {
        if Self::narrow(size) == ty {
            v
        } else {
            self.b.ins().uextend(ty, v)
        }
    }

    fn atomic_load(&mut self, memarg: &MemArg, ty: Type, size: u32) {
        let addr = self.pop();
        let p = self.atomic_addr(memarg, addr, size);
        let v = self
            .b
            .ins()
            .atomic_load(Self::narrow(size), Self::atomic_flags(), p);
        let v = self.widen_from(v, ty, size);
        self.push(v);
    }

    fn atomic_store(&mut self, memarg: &MemArg, ty: Type, size: u32) {
        let (addr, v) = self.pop2();
        let p = self.atomic_addr(memarg, addr, size);
        let v = self.narrow_to(v, ty, size);
        self.b.ins().atomic_store(Self::atomic_flags(), v, p);
    }

    fn atomic_rmw(&mut self, memarg: &MemArg, ty: Type, size: u32, op: AtomicRmwOp) {
        let (addr, v) = self.pop2();
        let p = self.atomic_addr(memarg, addr, size);
        let v = self.narrow_to(v, ty, size);
        let old = self
            .b
            .ins()
            .atomic_rmw(Self::narrow(size), Self::atomic_flags(), op, p, v);
        let old = self.widen_from(old, ty, size);
        self.push(old);
    }

    fn atomic_cmpxchg(&mut self, memarg: &MemArg, ty: Type, size: u32) {
        let (expected, replacement) = self.pop2();
        let addr = self.pop();
        let p = self.atomic_addr(memarg, addr, size);
        // The expected value is wrapped to the access width, as the spec says.
        let expected = self.narrow_to(expected, ty, size);
        let replacement = self.narrow_to(replacement, ty, size);
        let old = self
            .b
            .ins()
            .atomic_cas(Self::atomic_flags(), p, expected, replacement);
        let old = self.widen_from(old, ty, size);
        self.push(old);
    }

    /// `memory.atomic.wait32/64` and `memory.atomic.notify` through the runtime, which
    /// checks bounds, alignment and sharing.
    fn atomic_wait_notify(&mut self, memarg: &MemArg, wait_width: Option<u32>) {
        let mem = Self::atomic_mem(memarg);
        let memory64 = self.env.memories[mem as usize].memory64;
        let m = self.b.ins().iconst(I32, mem as i64);
        let offset = self.b.ins().iconst(I64, memarg.offset as i64);
        let r = match wait_width {
            Some(width) => {
                let (expected, timeout) = self.pop2();
                let addr = self.pop();
                let addr = self.index_to_i64(addr, memory64);
                let expected = if width == 4 {
                    self.b.ins().uextend(I64, expected)
                } else {
                    expected
                };
                let w = self.b.ins().iconst(I32, width as i64);
                let args = [m, w, addr, offset, expected, timeout];
                self.libcall(LibCall::AtomicWait, &args)[0]
            }
            None => {
                let (addr, count) = self.pop2();
                let addr = self.index_to_i64(addr, memory64);
                self.libcall(LibCall::AtomicNotify, &[m, addr, offset, count])[0]
            }
        };
        self.push(r);
    }

    pub(crate) fn atomic(&mut self, op: &Operator) -> Result<bool, super::Error> {
        use AtomicRmwOp::{Add, And, Or, Sub, Xchg, Xor};
        match op {
            Operator::AtomicFence { .. } => {
                self.b.ins().fence();
            }
            Operator::MemoryAtomicNotify { memarg } => self.atomic_wait_notify(memarg, None),
            Operator::MemoryAtomicWait32 { memarg } => self.atomic_wait_notify(memarg, Some(4)),
            Operator::MemoryAtomicWait64 { memarg } => self.atomic_wait_notify(memarg, Some(8)),

            Operator::I32AtomicLoad { memarg } => self.atomic_load(memarg, I32, 4),
            Operator::I64AtomicLoad { memarg } => self.atomic_load(memarg, I64, 8),
            Operator::I32AtomicLoad8U { memarg } => self.atomic_load(memarg, I32, 1),
            Operator::I32AtomicLoad16U { memarg } => self.atomic_load(memarg, I32, 2),
            Operator::I64AtomicLoad8U { memarg } => self.atomic_load(memarg, I64, 1),
            Operator::I64AtomicLoad16U { memarg } => self.atomic_load(memarg, I64, 2),
            Operator::I64AtomicLoad32U { memarg } => self.atomic_load(memarg, I64, 4),

            Operator::I32AtomicStore { memarg } => self.atomic_store(memarg, I32, 4),
            Operator::I64AtomicStore { memarg } => self.atomic_store(memarg, I64, 8),
            Operator::I32AtomicStore8 { memarg } => self.atomic_store(memarg, I32, 1),
            Operator::I32AtomicStore16 { memarg } => self.atomic_store(memarg, I32, 2),
            Operator::I64AtomicStore8 { memarg } => self.atomic_store(memarg, I64, 1),
            Operator::I64AtomicStore16 { memarg } => self.atomic_store(memarg, I64, 2),
            Operator::I64AtomicStore32 { memarg } => self.atomic_store(memarg, I64, 4),

            Operator::I32AtomicRmwAdd { memarg } => self.atomic_rmw(memarg, I32, 4, Add),
            Operator::I64AtomicRmwAdd { memarg } => self.atomic_rmw(memarg, I64, 8, Add),
            Operator::I32AtomicRmw8AddU { memarg } => self.atomic_rmw(memarg, I32, 1, Add),
            Operator::I32AtomicRmw16AddU { memarg } => self.atomic_rmw(memarg, I32, 2, Add),
            Operator::I64AtomicRmw8AddU { memarg } => self.atomic_rmw(memarg, I64, 1, Add),
            Operator::I64AtomicRmw16AddU { memarg } => self.atomic_rmw(memarg, I64, 2, Add),
            Operator::I64AtomicRmw32AddU { memarg } => self.atomic_rmw(memarg, I64, 4, Add),

            Operator::I32AtomicRmwSub { memarg } => self.atomic_rmw(memarg, I32, 4, Sub),
            Operator::I64AtomicRmwSub { memarg } => self.atomic_rmw(memarg, I64, 8, Sub),
            Operator::I32AtomicRmw8SubU { memarg } => self.atomic_rmw(memarg, I32, 1, Sub),
            Operator::I32AtomicRmw16SubU { memarg } => self.atomic_rmw(memarg, I32, 2, Sub),
            Operator::I64AtomicRmw8SubU { memarg } => self.atomic_rmw(memarg, I64, 1, Sub),
            Operator::I64AtomicRmw16SubU { memarg } => self.atomic_rmw(memarg, I64, 2, Sub),
            Operator::I64AtomicRmw32SubU { memarg } => self.atomic_rmw(memarg, I64, 4, Sub),

            Operator::I32AtomicRmwAnd { memarg } => self.atomic_rmw(memarg, I32, 4, And),
            Operator::I64AtomicRmwAnd { memarg } => self.atomic_rmw(memarg, I64, 8, And),
            Operator::I32AtomicRmw8AndU { memarg } => self.atomic_rmw(memarg, I32, 1, And),
            Operator::I32AtomicRmw16AndU { memarg } => self.atomic_rmw(memarg, I32, 2, And),
            Operator::I64AtomicRmw8AndU { memarg } => self.atomic_rmw(memarg, I64, 1, And),
            Operator::I64AtomicRmw16AndU { memarg } => self.atomic_rmw(memarg, I64, 2, And),
            Operator::I64AtomicRmw32AndU { memarg } => self.atomic_rmw(memarg, I64, 4, And),

            Operator::I32AtomicRmwOr { memarg } => self.atomic_rmw(memarg, I32, 4, Or),
            Operator::I64AtomicRmwOr { memarg } => self.atomic_rmw(memarg, I64, 8, Or),
            Operator::I32AtomicRmw8OrU { memarg } => self.atomic_rmw(memarg, I32, 1, Or),
            Operator::I32AtomicRmw16OrU { memarg } => self.atomic_rmw(memarg, I32, 2, Or),
            Operator::I64AtomicRmw8OrU { memarg } => self.atomic_rmw(memarg, I64, 1, Or),
            Operator::I64AtomicRmw16OrU { memarg } => self.atomic_rmw(memarg, I64, 2, Or),
            Operator::I64AtomicRmw32OrU { memarg } => self.atomic_rmw(memarg, I64, 4, Or),

            Operator::I32AtomicRmwXor { memarg } => self.atomic_rmw(memarg, I32, 4, Xor),
            Operator::I64AtomicRmwXor { memarg } => self.atomic_rmw(memarg, I64, 8, Xor),
            Operator::I32AtomicRmw8XorU { memarg } => self.atomic_rmw(memarg, I32, 1, Xor),
            Operator::I32AtomicRmw16XorU { memarg } => self.atomic_rmw(memarg, I32, 2, Xor),
            Operator::I64AtomicRmw8XorU { memarg } => self.atomic_rmw(memarg, I64, 1, Xor),
            Operator::I64AtomicRmw16XorU { memarg } => self.atomic_rmw(memarg, I64, 2, Xor),
            Operator::I64AtomicRmw32XorU { memarg } => self.atomic_rmw(memarg, I64, 4, Xor),

            Operator::I32AtomicRmwXchg { memarg } => self.atomic_rmw(memarg, I32, 4, Xchg),
            Operator::I64AtomicRmwXchg { memarg } => self.atomic_rmw(memarg, I64, 8, Xchg),
            Operator::I32AtomicRmw8XchgU { memarg } => self.atomic_rmw(memarg, I32, 1, Xchg),
            Operator::I32AtomicRmw16XchgU { memarg } => self.atomic_rmw(memarg, I32, 2, Xchg),
            Operator::I64AtomicRmw8XchgU { memarg } => self.atomic_rmw(memarg, I64, 1, Xchg),
            Operator::I64AtomicRmw16XchgU { memarg } => self.atomic_rmw(memarg, I64, 2, Xchg),
            Operator::I64AtomicRmw32XchgU { memarg } => self.atomic_rmw(memarg, I64, 4, Xchg),

            Operator::I32AtomicRmwCmpxchg { memarg } => self.atomic_cmpxchg(memarg, I32, 4),
            Operator::I64AtomicRmwCmpxchg { memarg } => self.atomic_cmpxchg(memarg, I64, 8),
            Operator::I32AtomicRmw8CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I32, 1),
            Operator::I32AtomicRmw16CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I32, 2),
            Operator::I64AtomicRmw8CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I64, 1),
            Operator::I64AtomicRmw16CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I64, 2),
            Operator::I64AtomicRmw32CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I64, 4),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
