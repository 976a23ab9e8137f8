//! Bulk memory and table operations, and the rarer loads and stores.

use super::run::{Executor, State};
use crate::interp::code::R;
use crate::runtime::TrapKind;
use crate::Error;

/// Zero-extends the three 32-bit operands of a bulk operation.
fn u32s(a: (u64, u64, u64)) -> (u64, u64, u64) {
    (a.0 as u32 as u64, a.1 as u32 as u64, a.2 as u32 as u64)
}

impl<T> Executor<'_, T> {
    /// `memory.fill` with (dst, value, len).
    pub(super) fn memory_fill(
        &mut self,
        instance: u32,
        mem: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let (dst, val, len) = u32s(a);
        self.store
            .inner
            .memory_fill(instance, mem, dst, val as u8, len)
    }

    /// `memory.copy` with (dst, src, len).
    pub(super) fn memory_copy(
        &mut self,
        instance: u32,
        dst_mem: u32,
        src_mem: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        self.store
            .inner
            .memory_copy(instance, dst_mem, src_mem, u32s(a))
    }

    /// `memory.init` with (dst, src offset in segment, len).
    pub(super) fn memory_init(
        &mut self,
        instance: u32,
        mem: u32,
        data: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        self.store.inner.memory_init(instance, mem, data, u32s(a))
    }

    /// `table.get`.
    pub(super) fn table_get(&self, instance: u32, table: u32, index: u32) -> Result<u64, TrapKind> {
        let t = self.store.inner.instances[instance as usize].tables[table as usize] as usize;
        self.store.inner.tables[t]
            .elems
            .get(index as usize)
            .copied()
            .ok_or(TrapKind::TableOutOfBounds)
    }

    /// `table.set`.
    pub(super) fn table_set(
        &mut self,
        instance: u32,
        table: u32,
        index: u32,
        val: u64,
    ) -> Result<(), TrapKind> {
        let t = self.store.inner.instances[instance as usize].tables[table as usize] as usize;
        let slot = self.store.inner.tables[t]
            .elems
            .get_mut(index as usize)
            .ok_or(TrapKind::TableOutOfBounds)?;
        *slot = val;
        Ok(())
    }

    /// `table.grow` with (init, delta): the old size, or -1 as u32.
    pub(super) fn table_grow(&mut self, instance: u32, table: u32, init: u64, delta: u32) -> u32 {
        match self
            .store
            .inner
            .table_grow(instance, table, init, delta as u64)
        {
            Some(old) => old as u32,
            None => u32::MAX,
        }
    }

    /// `table.fill` with (start, value, len).
    pub(super) fn table_fill(
        &mut self,
        instance: u32,
        table: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let a = (a.0 as u32 as u64, a.1, a.2 as u32 as u64);
        self.store.inner.table_fill(instance, table, a)
    }

    /// `table.copy` with (dst, src, len).
    pub(super) fn table_copy(
        &mut self,
        instance: u32,
        dst_table: u32,
        src_table: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        self.store
            .inner
            .table_copy(instance, dst_table, src_table, u32s(a))
    }

    /// `table.init` with (dst, src offset in segment, len).
    pub(super) fn table_init(
        &mut self,
        instance: u32,
        table: u32,
        elem: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        self.store.inner.table_init(instance, table, elem, u32s(a))
    }

    /// Loads `size` (1, 2, 4 or 8) little-endian bytes from memory 0, zero-extended.
    pub(super) fn load_bytes(
        &mut self,
        st: &State,
        addr: R,
        offset: u32,
        size: u8,
    ) -> Result<u64, Error> {
        // SAFETY: `addr` is a slot of the running frame.
        let base = unsafe { *st.regs.add(addr as usize) } as u32 as usize;
        let ea = base + offset as usize;
        if ea + size as usize > st.mem_len {
            return Err(self.trap_at(st, TrapKind::MemoryOutOfBounds));
        }
        let mut buf = [0u8; 8];
        // SAFETY: bounds checked against the cached memory length.
        unsafe { std::ptr::copy_nonoverlapping(st.mem.add(ea), buf.as_mut_ptr(), size as usize) };
        Ok(u64::from_le_bytes(buf))
    }

    /// Stores the low `size` bytes of `value` to memory 0.
    pub(super) fn store_bytes(
        &mut self,
        st: &State,
        addr: R,
        offset: u32,
        size: u8,
        value: u64,
    ) -> Result<(), Error> {
        // SAFETY: `addr` is a slot of the running frame.
        let base = unsafe { *st.regs.add(addr as usize) } as u32 as usize;
        let ea = base + offset as usize;
        if ea + size as usize > st.mem_len {
            return Err(self.trap_at(st, TrapKind::MemoryOutOfBounds));
        }
        let buf = value.to_le_bytes();
        // SAFETY: bounds checked against the cached memory length.
        unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), st.mem.add(ea), size as usize) };
        Ok(())
    }
}
