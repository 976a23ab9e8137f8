//! The generic load and store instructions: any memory of the instance, 32- or 64-bit
//! addresses, 64-bit offsets (multi-memory and memory64).

use super::bulk::address;
use super::run::{Executor, State};
use crate::interp::code::R;
use crate::interp::mem_op::MemOp;
use crate::interp::simd;
use crate::runtime::LinearMemory;
use crate::Error;

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

fn slot128(st: &State, i: R) -> u128 {
    slot(st, i) as u128 | (slot(st, i + 1) as u128) << 64
}

fn set_slot128(st: &State, i: R, v: u128) {
    set_slot(st, i, v as u64);
    set_slot(st, i + 1, (v >> 64) as u64);
}

/// `v` with its lane `lane` of `size` bytes replaced by the low bytes of `x`.
fn replace_lane(v: u128, lane: u8, size: u64, x: u64) -> u128 {
    let shift = lane as u32 * size as u32 * 8;
    let mask = (u128::MAX >> (128 - size as u32 * 8)) << shift;
    (v & !mask) | (((x as u128) << shift) & mask)
}

/// The `size`-byte lane `lane` of `v`, zero-extended.
fn extract_lane(v: u128, lane: u8, size: u64) -> u64 {
    let shift = lane as u32 * size as u32 * 8;
    ((v >> shift) & (u128::MAX >> (128 - size as u32 * 8))) as u64
}

impl<T> Executor<'_, T> {
    /// The memory `mem` of the running instance.
    pub(super) fn memory(&self, st: &State, mem: u32) -> &LinearMemory {
        &self.store.inner.memories[self.memory_index(st.instance, mem)]
    }

    /// The effective address of an access of `size` bytes, bounds-checked.
    fn effective(
        &mut self,
        st: &State,
        mem: u32,
        addr: R,
        offset: u64,
        size: u64,
    ) -> Result<u64, Error> {
        let checked = {
            let memory = self.memory(st, mem);
            memory.check(address(memory.is_64(), slot(st, addr)), offset, size)
        };
        checked
            .map(|ea| ea as u64)
            .map_err(|kind| self.trap_at(st, kind))
    }

    /// `MemLoad`: loads per `op` from memory `mem` into `dst`.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(super) fn mem_load(
        &mut self,
        st: &State,
        op: u16,
        dst: R,
        addr: R,
        mem: u32,
        offset: u64,
        aux: u32,
    ) -> Result<(), Error> {
        let (kind, lane) = MemOp::decode(op);
        let size = kind.size();
        let ea = self.effective(st, mem, addr, offset, size)?;
        let mut buf = [0u8; 16];
        let read = self.memory(st, mem).read(ea, &mut buf[..size as usize]);
        read.map_err(|k| self.trap_at(st, k))?;
        let bits = u128::from_le_bytes(buf);
        let low = bits as u64;
        use MemOp::*;
        match kind {
            I32Load | I32Load8U | I32Load16U | I64Load | I64Load8U | I64Load16U | I64Load32U => {
                set_slot(st, dst, low)
            }
            I32Load8S => set_slot(st, dst, low as i8 as i32 as u32 as u64),
            I32Load16S => set_slot(st, dst, low as i16 as i32 as u32 as u64),
            I64Load8S => set_slot(st, dst, low as i8 as i64 as u64),
            I64Load16S => set_slot(st, dst, low as i16 as i64 as u64),
            I64Load32S => set_slot(st, dst, low as i32 as i64 as u64),
            V128Load | V128Load32Zero | V128Load64Zero => set_slot128(st, dst, bits),
            V128LoadExtend => set_slot128(st, dst, simd::unary(aux as u16, low as u128)),
            V128LoadSplat8 | V128LoadSplat16 | V128LoadSplat32 | V128LoadSplat64 => {
                set_slot128(st, dst, simd::splat(aux as u16, low))
            }
            V128Load8Lane | V128Load16Lane | V128Load32Lane | V128Load64Lane => {
                let v = replace_lane(slot128(st, aux), lane, size, low);
                set_slot128(st, dst, v)
            }
            I32Store | I64Store | Store8 | Store16 | Store32 | V128Store | V128Store8Lane
            | V128Store16Lane | V128Store32Lane | V128Store64Lane => {
                unreachable!("store kind {kind:?} in a load")
            }
        }
        Ok(())
    }

    /// `MemStore`: stores `val` per `op` to memory `mem`.
    #[inline(never)]
    pub(super) fn mem_store(
        &mut self,
        st: &State,
        op: u16,
        addr: R,
        val: R,
        mem: u32,
        offset: u64,
    ) -> Result<(), Error> {
        let (kind, lane) = MemOp::decode(op);
        let size = kind.size();
        let bits = match kind {
            MemOp::V128Store => slot128(st, val),
            MemOp::V128Store8Lane
            | MemOp::V128Store16Lane
            | MemOp::V128Store32Lane
            | MemOp::V128Store64Lane => extract_lane(slot128(st, val), lane, size) as u128,
            _ => slot(st, val) as u128,
        };
        let ea = self.effective(st, mem, addr, offset, size)?;
        let written = self
            .memory(st, mem)
            .write(ea, &bits.to_le_bytes()[..size as usize]);
        written.map_err(|k| self.trap_at(st, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes() {
        let v = 0x0011_2233_4455_6677_8899_aabb_ccdd_eeffu128;
        assert_eq!(extract_lane(v, 0, 1), 0xff);
        assert_eq!(extract_lane(v, 1, 4), 0x8899_aabb);
        assert_eq!(extract_lane(v, 1, 8), 0x0011_2233_4455_6677);
        let r = replace_lane(v, 15, 1, 0x1ab);
        assert_eq!(r, 0xab11_2233_4455_6677_8899_aabb_ccdd_eeffu128);
        assert_eq!(replace_lane(0, 1, 8, u64::MAX), (u64::MAX as u128) << 64);
    }
}
