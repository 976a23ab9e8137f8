//! Bulk memory and table operations on a store, as compiled code calls them (the interpreter
//! has its own in `interp::exec::bulk`); `memory.fill` and `memory.copy` are inline there.
//!
//! Addresses, indices and lengths arrive already zero-extended to 64 bits.

use super::store::StoreInner;
use super::trap::TrapKind;

/// A range `start..start + len` if it fits in `size`.
fn range(start: u64, len: u64, size: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= size as u64).then_some(start as usize..end as usize)
}

impl StoreInner {
    fn memory_index(&self, instance: u32, mem: u32) -> usize {
        self.instances[instance as usize].memories[mem as usize] as usize
    }

    fn table_index(&self, instance: u32, table: u32) -> usize {
        self.instances[instance as usize].tables[table as usize] as usize
    }

    /// `memory.grow`: the old size in pages, or None.
    pub(crate) fn memory_grow(&mut self, instance: u32, mem: u32, delta: u64) -> Option<u64> {
        let m = self.memory_index(instance, mem);
        self.grow_memory(m, delta)
    }

    /// `memory.atomic.wait32/64` (`width` 4 or 8) at `addr + offset` of memory `mem`: 0 when
    /// woken, 1 when the memory did not hold `expected`, 2 when `timeout_ns` passed (negative:
    /// wait forever). An interruptible store's interrupt ends the wait with a trap.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn memory_atomic_wait(
        &self,
        instance: u32,
        mem: u32,
        width: u32,
        (addr, offset): (u64, u64),
        expected: u64,
        timeout_ns: i64,
    ) -> Result<u64, TrapKind> {
        use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
        let memory = &self.memories[self.memory_index(instance, mem)];
        let interrupt = self
            .engine
            .config()
            .interruptible
            .then_some(&*self.interrupt.stop);
        let at = addr.wrapping_add(offset);
        let result = if width == 4 {
            let cell = memory.atomic::<AtomicU32>(addr, offset)?;
            memory.wait(
                at,
                timeout_ns,
                || cell.load(SeqCst) == expected as u32,
                interrupt,
            )?
        } else {
            let cell = memory.atomic::<AtomicU64>(addr, offset)?;
            memory.wait(at, timeout_ns, || cell.load(SeqCst) == expected, interrupt)?
        };
        Ok(result as u64)
    }

    /// `memory.atomic.notify` at `addr + offset` of memory `mem`: how many waiters woke.
    pub(crate) fn memory_atomic_notify(
        &self,
        instance: u32,
        mem: u32,
        (addr, offset): (u64, u64),
        count: u32,
    ) -> Result<u64, TrapKind> {
        let memory = &self.memories[self.memory_index(instance, mem)];
        memory.atomic::<std::sync::atomic::AtomicU32>(addr, offset)?;
        Ok(memory.notify(addr + offset, count) as u64)
    }

    /// `memory.init` of `len` bytes of data segment `data` from `src` to `dst`.
    pub(crate) fn memory_init(
        &mut self,
        instance: u32,
        mem: u32,
        data: u32,
        (dst, src, len): (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let m = self.memory_index(instance, mem);
        let inst = &self.instances[instance as usize];
        let module = inst.module.clone();
        let seg = if inst.data_dropped[data as usize] {
            &[][..]
        } else {
            &module.inner.bytes[module.inner.datas[data as usize].range.clone()]
        };
        let src_r = range(src, len, seg.len()).ok_or(TrapKind::MemoryOutOfBounds)?;
        let memory = &self.memories[m];
        memory.check(dst, 0, len)?;
        memory.write(dst, &seg[src_r])
    }

    /// `data.drop`.
    pub(crate) fn data_drop(&mut self, instance: u32, data: u32) {
        self.instances[instance as usize].data_dropped[data as usize] = true;
    }

    /// `table.grow` by `delta` elements set to `init`: the old size, or None.
    pub(crate) fn table_grow(
        &mut self,
        instance: u32,
        table: u32,
        init: u64,
        delta: u64,
    ) -> Option<u64> {
        let t = self.table_index(instance, table);
        self.grow_table(t, delta, init)
    }

    /// `table.fill` of `len` elements at `dst` with `val`.
    pub(crate) fn table_fill(
        &mut self,
        instance: u32,
        table: u32,
        (dst, val, len): (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let t = self.table_index(instance, table);
        let elems = &mut self.tables[t].elems;
        let r = range(dst, len, elems.len()).ok_or(TrapKind::TableOutOfBounds)?;
        elems[r].fill(val);
        Ok(())
    }

    /// `table.copy` of `len` elements from `src` to `dst`.
    pub(crate) fn table_copy(
        &mut self,
        instance: u32,
        dst_table: u32,
        src_table: u32,
        (dst, src, len): (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let (d, s) = (
            self.table_index(instance, dst_table),
            self.table_index(instance, src_table),
        );
        let tables = &mut self.tables;
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

    /// `table.init` of `len` elements of segment `elem` from `src` to `dst`.
    pub(crate) fn table_init(
        &mut self,
        instance: u32,
        table: u32,
        elem: u32,
        (dst, src, len): (u64, u64, u64),
    ) -> Result<(), TrapKind> {
        let t = self.table_index(instance, table);
        let seg = &self.instances[instance as usize].elems[elem as usize];
        let src_r = range(src, len, seg.len()).ok_or(TrapKind::TableOutOfBounds)?;
        let items = seg[src_r].to_vec();
        let elems = &mut self.tables[t].elems;
        let dst_r = range(dst, len, elems.len()).ok_or(TrapKind::TableOutOfBounds)?;
        elems[dst_r].copy_from_slice(&items);
        Ok(())
    }

    /// `elem.drop`.
    pub(crate) fn elem_drop(&mut self, instance: u32, elem: u32) {
        self.instances[instance as usize].elems[elem as usize] = Box::new([]);
    }

    /// `ref.func`: the raw reference to module function `func` of an instance.
    pub(crate) fn ref_func(&self, instance: u32, func: u32) -> u64 {
        self.instances[instance as usize].funcs.get(func) as u64 + 1
    }
}
