//! Executing atomic instructions: every access is sequentially consistent, traps when out
//! of bounds or unaligned, and `memory.atomic.wait` really blocks the thread.

use super::bulk::address;
use super::run::{Executor, State};
use crate::interp::code::R;
use crate::interp::mem_op::AtomicOp;
use crate::runtime::{AtomicCell, LinearMemory, TrapKind};
use crate::Error;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, AtomicU8};
use std::sync::Arc;

/// Reads the slot `i` of the running frame.
fn slot(st: &State, i: R) -> u64 {
    // SAFETY: the translator only emits slot indices inside the frame, which `enter` checked.
    unsafe { *st.regs.add(i as usize) }
}

/// Writes the slot `i` of the running frame.
fn set_slot(st: &State, i: R, v: u64) {
    // SAFETY: as for `slot`.
    unsafe { *st.regs.add(i as usize) = v }
}

/// The operations of one atomic width, on values zero-extended to `u64`.
trait AtomicInt: Sized + 'static {
    fn load(&self) -> u64;
    fn store(&self, v: u64);
    fn rmw(&self, op: AtomicOp, v: u64) -> u64;
    fn cmpxchg(&self, expected: u64, new: u64) -> u64;
}

macro_rules! atomic_int {
    ($($a:ty => $t:ty),*) => {$(
        impl AtomicInt for $a {
            fn load(&self) -> u64 {
                <$a>::load(self, SeqCst) as u64
            }
            fn store(&self, v: u64) {
                <$a>::store(self, v as $t, SeqCst)
            }
            fn rmw(&self, op: AtomicOp, v: u64) -> u64 {
                let v = v as $t;
                (match op {
                    AtomicOp::Add => self.fetch_add(v, SeqCst),
                    AtomicOp::Sub => self.fetch_sub(v, SeqCst),
                    AtomicOp::And => self.fetch_and(v, SeqCst),
                    AtomicOp::Or => self.fetch_or(v, SeqCst),
                    AtomicOp::Xor => self.fetch_xor(v, SeqCst),
                    _ => self.swap(v, SeqCst),
                }) as u64
            }
            fn cmpxchg(&self, expected: u64, new: u64) -> u64 {
                // The expected value is wrapped to the access width, as the spec says.
                match self.compare_exchange(expected as $t, new as $t, SeqCst, SeqCst) {
                    Ok(old) | Err(old) => old as u64,
                }
            }
        }
    )*};
}
atomic_int!(AtomicU8 => u8, AtomicU16 => u16, AtomicU32 => u32, AtomicU64 => u64);

/// Runs one non-wait, non-notify atomic op on the cell at `addr + offset`.
fn access<A: AtomicInt + AtomicCell>(
    memory: &LinearMemory,
    op: AtomicOp,
    addr: u64,
    offset: u64,
    operands: [u64; 2],
) -> Result<u64, TrapKind> {
    let cell = memory.atomic::<A>(addr, offset)?;
    Ok(match op {
        AtomicOp::Load => cell.load(),
        AtomicOp::Store => {
            cell.store(operands[0]);
            0
        }
        AtomicOp::Cmpxchg => cell.cmpxchg(operands[0], operands[1]),
        _ => cell.rmw(op, operands[0]),
    })
}

impl Executor<'_> {
    /// `Atomic`: runs `op` on memory `mem` with operands at `args`, result to `dst`.
    #[inline(never)]
    pub(super) fn atomic(
        &mut self,
        st: &State,
        op: u16,
        dst: R,
        args: R,
        mem: u32,
        offset: u64,
    ) -> Result<(), Error> {
        let (kind, width) = AtomicOp::decode(op);
        let interrupt = self
            .inner
            .engine
            .config()
            .interruptible
            .then(|| self.interrupt.stop.clone());
        let memory = self.memory(st, mem);
        let addr = address(memory.is_64(), slot(st, args));
        let operands = [slot(st, args + 1), slot(st, args + 2)];
        let result: Result<u64, TrapKind> = match kind {
            AtomicOp::Wait => Self::wait(memory, width, addr, offset, operands, interrupt),
            AtomicOp::Notify => memory
                .atomic::<AtomicU32>(addr, offset)
                .map(|_| memory.notify(addr + offset, operands[0] as u32) as u64),
            _ => match width {
                1 => access::<AtomicU8>(memory, kind, addr, offset, operands),
                2 => access::<AtomicU16>(memory, kind, addr, offset, operands),
                4 => access::<AtomicU32>(memory, kind, addr, offset, operands),
                _ => access::<AtomicU64>(memory, kind, addr, offset, operands),
            },
        };
        match result {
            Ok(v) => {
                if kind != AtomicOp::Store {
                    set_slot(st, dst, v);
                }
                Ok(())
            }
            Err(k) => {
                if k == TrapKind::Interrupted {
                    // The interrupt took effect, as at an interruption point.
                    self.interrupt.clear();
                }
                Err(self.trap_at(st, k))
            }
        }
    }

    /// `memory.atomic.wait32/64`: operands are the expected value and the timeout in ns.
    /// Waits may be ended by the store's interrupt flag when the engine is interruptible.
    fn wait(
        memory: &LinearMemory,
        width: u8,
        addr: u64,
        offset: u64,
        operands: [u64; 2],
        interrupt: Option<Arc<AtomicBool>>,
    ) -> Result<u64, TrapKind> {
        let [expected, timeout] = operands;
        let at = addr + offset;
        let flag = interrupt.as_deref();
        let result = if width == 4 {
            let cell = memory.atomic::<AtomicU32>(addr, offset)?;
            memory.wait(
                at,
                timeout as i64,
                || cell.load(SeqCst) == expected as u32,
                flag,
            )?
        } else {
            let cell = memory.atomic::<AtomicU64>(addr, offset)?;
            memory.wait(at, timeout as i64, || cell.load(SeqCst) == expected, flag)?
        };
        Ok(result as u64)
    }
}
