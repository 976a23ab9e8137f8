//! Globals, linear memory, tables and references.

use super::{trap_code, Translator};
use crate::layout::LibCall;
use crate::TrapKind;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AliasRegion, AliasRegionData, Endianness, InstBuilder, MemFlagsData, Type, Value,
};
use wasmparser::{MemArg, Operator};

/// Alias regions, so loads are not reloaded across stores to unrelated state.
#[derive(Clone, Copy)]
pub(crate) enum Region {
    /// Linear memory bytes.
    Heap = 1,
    /// Memory and table definitions (base and length).
    Defs = 2,
    /// Global cells.
    Globals = 3,
    /// Table elements.
    Tables = 4,
    /// The GC heap's slot views and the cell pointing at them.
    GcViews = 5,
    /// GC object payloads (struct fields, array elements).
    GcData = 6,
}

/// Every address a 32-bit index can form before its static offset.
const INDEX_SPACE_32: u64 = 1 << 32;

impl Translator<'_, '_> {
    pub(crate) fn region(&mut self, r: Region) -> AliasRegion {
        let name = match r {
            Region::Heap => "heap",
            Region::Defs => "defs",
            Region::Globals => "globals",
            Region::Tables => "tables",
            Region::GcViews => "gc views",
            Region::GcData => "gc data",
        };
        self.b.func.dfg.alias_regions.insert(AliasRegionData {
            user_id: r as u32,
            description: name.into(),
        })
    }

    fn flags_in(&mut self, r: Region) -> MemFlagsData {
        let region = self.region(r);
        MemFlagsData::trusted().with_alias_region(Some(region))
    }

    /// The address of a global's cell.
    fn global_cell(&mut self, global: u32) -> Value {
        self.vmctx_ptr(self.env.layout.vmctx_globals + 8 * global as i32)
    }

    /// The base address of a memory (read once at the function entry: it never changes).
    pub(crate) fn memory_base(&mut self, mem: u32) -> Value {
        self.heaps[mem as usize].base
    }

    /// The current length in bytes of a memory: from the variable `reload_memories` keeps
    /// current, or read now (atomically for a shared memory, which other threads may grow).
    pub(crate) fn memory_len(&mut self, mem: u32) -> Value {
        if let Some(var) = self.heaps[mem as usize].len {
            return self.b.use_var(var);
        }
        let l = self.env.layout;
        let def = self.vmctx_ptr(l.vmctx_memories + 16 * mem as i32);
        if self.env.memories[mem as usize].shared {
            let at = self.b.ins().iadd_imm_u(def, l.memory_len as i64);
            self.b
                .ins()
                .atomic_load(types::I64, MemFlagsData::trusted(), at)
        } else {
            let flags = self.flags_in(Region::Defs);
            self.b.ins().load(types::I64, flags, def, l.memory_len)
        }
    }

    /// Whether a memory's length is kept in a variable: unshared memories whose accesses are
    /// checked explicitly (with a guard region the length is rarely needed; a shared
    /// memory's changes at any time).
    fn keeps_len(&self, mem: usize) -> bool {
        let d = &self.env.memories[mem];
        !d.shared && (d.memory64 || d.reserved_bytes <= INDEX_SPACE_32)
    }

    /// Sets up each memory's base (at the function entry) and length variable.
    pub(crate) fn declare_memories(&mut self) {
        let l = self.env.layout;
        for mem in 0..self.env.memories.len() {
            let base = self.vmctx_ptr(l.vmctx_memories + 16 * mem as i32 + 8);
            let len = self.keeps_len(mem).then(|| self.b.declare_var(types::I64));
            self.heaps.push(super::Heap { base, len });
        }
        self.reload_memories();
    }

    /// Reads the lengths kept in variables again (after anything that may grow a memory).
    pub(crate) fn reload_memories(&mut self) {
        let l = self.env.layout;
        for mem in 0..self.heaps.len() {
            let Some(var) = self.heaps[mem].len else {
                continue;
            };
            let def = self.vmctx_ptr(l.vmctx_memories + 16 * mem as i32);
            let flags = self.flags_in(Region::Defs);
            let len = self.b.ins().load(types::I64, flags, def, l.memory_len);
            self.b.def_var(var, len);
        }
    }

    /// The native address of `len` bytes at `start` of a memory, trapping unless they are all
    /// in bounds (`is64`: the sum may overflow 64 bits; 32-bit operands cannot).
    fn bulk_range(&mut self, mem: u32, start: Value, len: Value, is64: bool) -> Value {
        let oob = trap_code(TrapKind::MemoryOutOfBounds);
        let end = if is64 {
            self.b.ins().uadd_overflow_trap(start, len, oob)
        } else {
            self.b.ins().iadd(start, len)
        };
        let size = self.memory_len(mem);
        let past = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, size);
        self.b.ins().trapnz(past, oob);
        let base = self.memory_base(mem);
        self.b.ins().iadd(base, start)
    }

    /// Base and length of a table.
    pub(crate) fn table_def(&mut self, table: u32) -> (Value, Value) {
        let l = self.env.layout;
        let def = self.vmctx_ptr(l.vmctx_tables + 8 * table as i32);
        let flags = self.flags_in(Region::Defs);
        let base = self.b.ins().load(types::I64, flags, def, l.table_base);
        let len = self.b.ins().load(types::I64, flags, def, l.table_len);
        (base, len)
    }

    /// The native address of a `size`-byte access at wasm address `addr` + `offset`,
    /// bounds-checked, with the flags to access it with.
    pub(crate) fn heap_addr(
        &mut self,
        memarg: &MemArg,
        addr: Value,
        size: u32,
    ) -> (Value, MemFlagsData) {
        let wasmparser::MemArgTarget::Memory(mem) = memarg.target else {
            // Validation rejects GC array targets unless that proposal is on.
            let v = self.b.ins().iconst(types::I64, 0);
            self.b.ins().trap(trap_code(TrapKind::Unreachable));
            return (v, MemFlagsData::trusted());
        };
        let desc = self.env.memories[mem as usize];
        let region = self.region(Region::Heap);
        let mut flags = MemFlagsData::new()
            .with_endianness(Endianness::Little)
            .with_alias_region(Some(region));
        let base = self.memory_base(mem);
        let block = self.b.current_block();
        if block != self.checked_block {
            self.checked.clear();
            self.checked_block = block;
        }
        let key = (mem, addr);
        let wasm_addr = addr;
        let addr = self.index_to_i64(addr, desc.memory64);
        let end_offset = memarg.offset.checked_add(size as u64);
        // A 32-bit index plus the static offset and size stays inside the reservation, whose
        // inaccessible part faults: the hardware checks the access.
        let guarded = !desc.memory64
            && end_offset.is_some_and(|e| e <= desc.reserved_bytes.saturating_sub(INDEX_SPACE_32));
        let covered = end_offset
            .zip(self.checked.get(&key))
            .is_some_and(|(end, done)| end <= *done);
        if covered {
            flags = flags.with_notrap();
        } else if !guarded {
            if let Some(end) = end_offset {
                let done = self.checked.entry((mem, wasm_addr)).or_insert(0);
                *done = (*done).max(end);
            }
            self.bounds_check(mem, addr, end_offset);
            flags = flags.with_notrap();
        } else {
            self.faulting_access();
        }
        let mut p = self.b.ins().iadd(base, addr);
        if memarg.offset > 0 {
            p = self.b.ins().iadd_imm_u(p, memarg.offset as i64);
        }
        (p, flags)
    }

    /// Traps unless `addr` (as i64) plus `end_offset` (the static offset plus the access
    /// size; None if that overflows) is within the memory's length.
    pub(crate) fn bounds_check(&mut self, mem: u32, addr: Value, end_offset: Option<u64>) {
        let memory64 = self.env.memories[mem as usize].memory64;
        let oob = match end_offset {
            Some(e) if e <= i64::MAX as u64 => {
                let end = if memory64 {
                    let e = self.b.ins().iconst(types::I64, e as i64);
                    self.b
                        .ins()
                        .uadd_overflow_trap(addr, e, trap_code(TrapKind::MemoryOutOfBounds))
                } else {
                    self.b.ins().iadd_imm_u(addr, e as i64)
                };
                let len = self.memory_len(mem);
                self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len)
            }
            _ => self.b.ins().iconst(types::I8, 1),
        };
        self.b
            .ins()
            .trapnz(oob, trap_code(TrapKind::MemoryOutOfBounds));
    }

    fn load(&mut self, memarg: &MemArg, ty: Type, size: u32, ext: Option<(Type, bool)>) {
        let addr = self.pop();
        let (p, flags) = self.heap_addr(memarg, addr, size);
        let v = match (size, ext) {
            (_, None) => self.b.ins().load(ty, flags, p, 0),
            (1, Some((to, signed))) => self.ext_load(to, signed, types::I8, flags, p),
            (2, Some((to, signed))) => self.ext_load(to, signed, types::I16, flags, p),
            (_, Some((to, signed))) => self.ext_load(to, signed, types::I32, flags, p),
        };
        self.push(v);
    }

    fn ext_load(
        &mut self,
        to: Type,
        signed: bool,
        narrow: Type,
        flags: MemFlagsData,
        p: Value,
    ) -> Value {
        // Extending loads: one `movzx`/`movsx`, not a load and a separate extension.
        let ins = self.b.ins();
        match (narrow, signed) {
            (types::I8, false) => ins.uload8(to, flags, p, 0),
            (types::I8, true) => ins.sload8(to, flags, p, 0),
            (types::I16, false) => ins.uload16(to, flags, p, 0),
            (types::I16, true) => ins.sload16(to, flags, p, 0),
            (_, false) => ins.uload32(flags, p, 0),
            (_, true) => ins.sload32(flags, p, 0),
        }
    }

    fn store(&mut self, memarg: &MemArg, size: u32) {
        let val = self.pop();
        let addr = self.pop();
        let (p, flags) = self.heap_addr(memarg, addr, size);
        let ty = self.b.func.dfg.value_type(val);
        let val = if ty.is_int() && ty.bytes() > size {
            let narrow = Type::int_with_byte_size(size as u16).expect("1, 2 or 4 bytes");
            self.b.ins().ireduce(narrow, val)
        } else {
            val
        };
        self.b.ins().store(flags, val, p, 0);
    }

    /// An index or length operand as i64 (memory and table indices may be 32- or 64-bit).
    fn mem_index(&mut self, v: Value, mem: u32) -> Value {
        let is64 = self.env.memories[mem as usize].memory64;
        self.index_to_i64(v, is64)
    }

    fn table_index(&mut self, v: Value, table: u32) -> Value {
        let is64 = self.env.tables[table as usize].table64;
        self.index_to_i64(v, is64)
    }

    /// Narrows a 64-bit result to an index type.
    fn narrow_index(&mut self, v: Value, is64: bool) -> Value {
        if is64 {
            v
        } else {
            self.b.ins().ireduce(types::I32, v)
        }
    }

    pub(crate) fn memory(&mut self, op: &Operator) -> Result<bool, super::Error> {
        use types::{F32, F64, I32, I64};
        match op {
            Operator::I32Load { memarg } => self.load(memarg, I32, 4, None),
            Operator::I64Load { memarg } => self.load(memarg, I64, 8, None),
            Operator::F32Load { memarg } => self.load(memarg, F32, 4, None),
            Operator::F64Load { memarg } => self.load(memarg, F64, 8, None),
            Operator::I32Load8S { memarg } => self.load(memarg, I32, 1, Some((I32, true))),
            Operator::I32Load8U { memarg } => self.load(memarg, I32, 1, Some((I32, false))),
            Operator::I32Load16S { memarg } => self.load(memarg, I32, 2, Some((I32, true))),
            Operator::I32Load16U { memarg } => self.load(memarg, I32, 2, Some((I32, false))),
            Operator::I64Load8S { memarg } => self.load(memarg, I64, 1, Some((I64, true))),
            Operator::I64Load8U { memarg } => self.load(memarg, I64, 1, Some((I64, false))),
            Operator::I64Load16S { memarg } => self.load(memarg, I64, 2, Some((I64, true))),
            Operator::I64Load16U { memarg } => self.load(memarg, I64, 2, Some((I64, false))),
            Operator::I64Load32S { memarg } => self.load(memarg, I64, 4, Some((I64, true))),
            Operator::I64Load32U { memarg } => self.load(memarg, I64, 4, Some((I64, false))),
            Operator::V128Load { memarg } => self.load(memarg, types::I8X16, 16, None),
            Operator::I32Store { memarg } | Operator::F32Store { memarg } => self.store(memarg, 4),
            Operator::I64Store { memarg } | Operator::F64Store { memarg } => self.store(memarg, 8),
            Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => {
                self.store(memarg, 1)
            }
            Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => {
                self.store(memarg, 2)
            }
            Operator::I64Store32 { memarg } => self.store(memarg, 4),
            Operator::V128Store { memarg } => self.store(memarg, 16),

            Operator::GlobalGet { global_index } => {
                let ty = super::clif_type(self.env.globals[*global_index as usize].ty);
                let cell = self.global_cell(*global_index);
                let flags = self.flags_in(Region::Globals);
                let flags = if self.env.globals[*global_index as usize].mutable {
                    flags
                } else {
                    flags.with_readonly()
                };
                let v = self.b.ins().load(ty, flags, cell, 0);
                self.mark_if_ref(v, self.env.globals[*global_index as usize].ty);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let v = self.pop();
                let v = self.canon(v);
                let cell = self.global_cell(*global_index);
                let flags = self.flags_in(Region::Globals);
                self.b.ins().store(flags, v, cell, 0);
            }

            Operator::MemorySize { mem } => {
                let len = self.memory_len(*mem);
                let shift = self.env.memories[*mem as usize].page_size_log2;
                let pages = self.b.ins().ushr_imm_u(len, shift as i64);
                let is64 = self.env.memories[*mem as usize].memory64;
                let v = self.narrow_index(pages, is64);
                self.push(v);
            }
            Operator::MemoryGrow { mem } => {
                let delta = self.pop();
                let delta = self.mem_index(delta, *mem);
                let m = self.b.ins().iconst(I32, *mem as i64);
                let r = self.libcall(LibCall::MemoryGrow, &[m, delta])[0];
                let is64 = self.env.memories[*mem as usize].memory64;
                let v = self.narrow_index(r, is64);
                self.push(v);
            }
            Operator::MemoryFill { mem } => {
                let (dst, val, len) = self.pop3();
                let is64 = self.env.memories[*mem as usize].memory64;
                let dst = self.mem_index(dst, *mem);
                let len = self.mem_index(len, *mem);
                let p = self.bulk_range(*mem, dst, len, is64);
                self.libcall(LibCall::Memset, &[p, val, len]);
            }
            Operator::MemoryCopy { dst_mem, src_mem } => {
                let (dst, src, len) = self.pop3();
                let dst64 = self.env.memories[*dst_mem as usize].memory64;
                let src64 = self.env.memories[*src_mem as usize].memory64;
                let dst = self.mem_index(dst, *dst_mem);
                let src = self.mem_index(src, *src_mem);
                let len = self.index_to_i64(len, dst64 && src64);
                let s = self.bulk_range(*src_mem, src, len, src64);
                let d = self.bulk_range(*dst_mem, dst, len, dst64);
                self.copy_bytes(d, s, len);
            }
            Operator::MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.pop3();
                let dst = self.mem_index(dst, *mem);
                let m = self.b.ins().iconst(I32, *mem as i64);
                let d = self.b.ins().iconst(I32, *data_index as i64);
                self.libcall(LibCall::MemoryInit, &[m, d, dst, src, len]);
            }
            Operator::DataDrop { data_index } => {
                let d = self.b.ins().iconst(I32, *data_index as i64);
                self.libcall(LibCall::DataDrop, &[d]);
            }

            Operator::TableGet { table } => {
                let index = self.pop();
                let index = self.table_index(index, *table);
                let p = self.table_elem(*table, index, TrapKind::TableOutOfBounds);
                let flags = self.flags_in(Region::Tables);
                let v = self.b.ins().load(I64, flags, p, 0);
                self.mark_if_ref(v, self.env.tables[*table as usize].elem);
                self.push(v);
            }
            Operator::TableSet { table } => {
                let val = self.pop();
                let index = self.pop();
                let index = self.table_index(index, *table);
                let p = self.table_elem(*table, index, TrapKind::TableOutOfBounds);
                let flags = self.flags_in(Region::Tables);
                self.b.ins().store(flags, val, p, 0);
            }
            Operator::TableSize { table } => {
                let (_, len) = self.table_def(*table);
                let is64 = self.env.tables[*table as usize].table64;
                let v = self.narrow_index(len, is64);
                self.push(v);
            }
            Operator::TableGrow { table } => {
                let (init, delta) = self.pop2();
                let delta = self.table_index(delta, *table);
                let t = self.b.ins().iconst(I32, *table as i64);
                let r = self.libcall(LibCall::TableGrow, &[t, init, delta])[0];
                let is64 = self.env.tables[*table as usize].table64;
                let v = self.narrow_index(r, is64);
                self.push(v);
            }
            Operator::TableFill { table } => {
                let (dst, val, len) = self.pop3();
                let dst = self.table_index(dst, *table);
                let len = self.table_index(len, *table);
                let t = self.b.ins().iconst(I32, *table as i64);
                self.libcall(LibCall::TableFill, &[t, dst, val, len]);
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let (dst, src, len) = self.pop3();
                let dst = self.table_index(dst, *dst_table);
                let src = self.table_index(src, *src_table);
                let both64 = self.env.tables[*dst_table as usize].table64
                    && self.env.tables[*src_table as usize].table64;
                let len = self.index_to_i64(len, both64);
                let d = self.b.ins().iconst(I32, *dst_table as i64);
                let s = self.b.ins().iconst(I32, *src_table as i64);
                self.libcall(LibCall::TableCopy, &[d, s, dst, src, len]);
            }
            Operator::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3();
                let dst = self.table_index(dst, *table);
                let t = self.b.ins().iconst(I32, *table as i64);
                let e = self.b.ins().iconst(I32, *elem_index as i64);
                self.libcall(LibCall::TableInit, &[t, e, dst, src, len]);
            }
            Operator::ElemDrop { elem_index } => {
                let e = self.b.ins().iconst(I32, *elem_index as i64);
                self.libcall(LibCall::ElemDrop, &[e]);
            }

            Operator::RefNull { .. } => {
                let v = self.b.ins().iconst(I64, 0);
                self.push(v);
            }
            Operator::RefIsNull => {
                let v = self.pop();
                let c = self.b.ins().icmp_imm_u(IntCC::Equal, v, 0);
                let v = self.b.ins().uextend(I32, c);
                self.push(v);
            }
            Operator::RefFunc { function_index } => {
                let f = self.b.ins().iconst(I32, *function_index as i64);
                let v = self.libcall(LibCall::RefFunc, &[f])[0];
                self.push(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The address of a table element, trapping with `oob` when the index is out of bounds.
    pub(crate) fn table_elem(&mut self, table: u32, index: Value, oob: TrapKind) -> Value {
        let (base, len) = self.table_def(table);
        let past = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.b.ins().trapnz(past, trap_code(oob));
        let off = self.b.ins().imul_imm_u(index, 8);
        self.b.ins().iadd(base, off)
    }
}
