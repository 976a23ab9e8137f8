//! Bulk memory and table operations, and the rarer loads and stores.

use super::run::{Executor, State};
use crate::interp::code::R;
use crate::runtime::TrapKind;
use crate::Error;

/// An address operand of a 32-bit (zero-extended) or 64-bit memory.
pub(super) fn address(is_64: bool, raw: u64) -> u64 {
    if is_64 {
        raw
    } else {
        raw as u32 as u64
    }
}

/// A range `start..start + len` if it fits in `size`.
fn range(start: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= size as u64).then_some(start as usize..end as usize)
}

impl<T> Executor<'_, T> {
    pub(super) fn memory_index(&self, instance: u32, mem: u32) -> usize {
        self.store.inner.instances[instance as usize].memories[mem as usize] as usize
    }

    fn table_index(&self, instance: u32, table: u32) -> usize {
        self.store.inner.instances[instance as usize].tables[table as usize] as usize
    }

    /// `memory.fill` with (dst, value, len).
    #[inline(never)]
    pub(super) fn memory_fill(
        &mut self,
        instance: u32,
        mem: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let m = &self.store.inner.memories[self.memory_index(instance, mem)];
        let (dst, len) = (address(m.is_64(), a.0), address(m.is_64(), a.2));
        m.fill(dst, len, a.1 as u8)
    }

    /// `memory.copy` with (dst, src, len); the length is 64-bit only if both memories are.
    #[inline(never)]
    pub(super) fn memory_copy(
        &mut self,
        instance: u32,
        dst_mem: u32,
        src_mem: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let mems = &self.store.inner.memories;
        let d = &mems[self.memory_index(instance, dst_mem)];
        let s = &mems[self.memory_index(instance, src_mem)];
        let len = address(d.is_64() && s.is_64(), a.2);
        d.copy_from(address(d.is_64(), a.0), s, address(s.is_64(), a.1), len)
    }

    /// `memory.init` with (dst, src offset in segment, len).
    #[inline(never)]
    pub(super) fn memory_init(
        &mut self,
        instance: u32,
        mem: u32,
        data: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let m = self.memory_index(instance, mem);
        let inner = &mut self.store.inner;
        let inst = &inner.instances[instance as usize];
        let module = inst.module.clone();
        let seg = if inst.data_dropped[data as usize] {
            &[][..]
        } else {
            &module.inner.bytes[module.inner.datas[data as usize].range.clone()]
        };
        let memory = &inner.memories[m];
        let (dst, src, len) = (
            address(memory.is_64(), a.0),
            a.1 as u32 as u64,
            a.2 as u32 as u64,
        );
        let src_r = range(src, len, seg.len()).ok_or(TrapKind::MemoryOutOfBounds)?;
        memory.check(dst, 0, len)?;
        memory.write(dst, &seg[src_r])
    }

    /// `table.get`.
    pub(super) fn table_get(&self, instance: u32, table: u32, index: u32) -> Result<u64, TrapKind> {
        let t = self.table_index(instance, table);
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
        let t = self.table_index(instance, table);
        let slot = self.store.inner.tables[t]
            .elems
            .get_mut(index as usize)
            .ok_or(TrapKind::TableOutOfBounds)?;
        *slot = val;
        Ok(())
    }

    /// `table.grow` with (init, delta): the old size, or -1 as u32.
    pub(super) fn table_grow(&mut self, instance: u32, table: u32, init: u64, delta: u32) -> u32 {
        let t = self.table_index(instance, table);
        match self.store.inner.grow_table(t, delta as u64, init) {
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
        let t = self.table_index(instance, table);
        let elems = &mut self.store.inner.tables[t].elems;
        let r = range(a.0 as u32 as u64, a.2 as u32 as u64, elems.len())
            .ok_or(TrapKind::TableOutOfBounds)?;
        elems[r].fill(a.1);
        Ok(())
    }

    /// `table.copy` with (dst, src, len).
    pub(super) fn table_copy(
        &mut self,
        instance: u32,
        dst_table: u32,
        src_table: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let (d, s) = (
            self.table_index(instance, dst_table),
            self.table_index(instance, src_table),
        );
        let (dst, src, len) = (a.0 as u32 as u64, a.1 as u32 as u64, a.2 as u32 as u64);
        let tables = &mut self.store.inner.tables;
        let src_r = range(src, len, tables[s].elems.len()).ok_or(TrapKind::TableOutOfBounds)?;
        let dst_r = range(dst, len, tables[d].elems.len()).ok_or(TrapKind::TableOutOfBounds)?;
        if d == s {
            tables[d].elems.copy_within(src_r, dst_r.start);
        } else {
            let items = tables[s].elems[src_r].to_vec();
            tables[d].elems[dst_r].copy_from_slice(&items);
        }
        Ok(())
    }

    /// `table.init` with (dst, src offset in segment, len).
    pub(super) fn table_init(
        &mut self,
        instance: u32,
        table: u32,
        elem: u32,
        a: (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let t = self.table_index(instance, table);
        let inner = &mut self.store.inner;
        let seg = &inner.instances[instance as usize].elems[elem as usize];
        let (dst, src, len) = (a.0 as u32 as u64, a.1 as u32 as u64, a.2 as u32 as u64);
        let src_r = range(src, len, seg.len()).ok_or(TrapKind::TableOutOfBounds)?;
        let items = seg[src_r].to_vec();
        let elems = &mut inner.tables[t].elems;
        let dst_r = range(dst, len, elems.len()).ok_or(TrapKind::TableOutOfBounds)?;
        elems[dst_r].copy_from_slice(&items);
        Ok(())
    }

    /// Loads `size` (1, 2, 4 or 8) little-endian bytes from memory 0, zero-extended.
    #[inline(never)]
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
        if ea + size as usize > st.mem_len && ea + size as usize > self.memory0_len_of(st.instance)
        {
            return Err(self.trap_at(st, TrapKind::MemoryOutOfBounds));
        }
        let mut buf = [0u8; 8];
        // SAFETY: bounds checked against the cached memory length.
        unsafe { std::ptr::copy_nonoverlapping(st.mem.add(ea), buf.as_mut_ptr(), size as usize) };
        Ok(u64::from_le_bytes(buf))
    }

    /// Stores the low `size` bytes of `value` to memory 0.
    #[inline(never)]
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
        if ea + size as usize > st.mem_len && ea + size as usize > self.memory0_len_of(st.instance)
        {
            return Err(self.trap_at(st, TrapKind::MemoryOutOfBounds));
        }
        let buf = value.to_le_bytes();
        // SAFETY: bounds checked against the cached memory length.
        unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), st.mem.add(ea), size as usize) };
        Ok(())
    }
}
