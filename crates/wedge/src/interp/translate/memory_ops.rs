//! Memory and table accesses beyond the fast path: other memories (multi-memory), 64-bit
//! memories and tables (memory64), and offsets wider than 32 bits.
//!
//! Loads and stores on a 32-bit memory 0 with a 32-bit offset keep their specialised
//! instructions; everything else becomes a generic `MemLoad`/`MemStore` naming the memory
//! and carrying the full 64-bit offset.

use super::Translator;
use crate::interp::code::{Instr, R};
use crate::interp::mem_op::MemOp;
use crate::interp::simd;
use crate::types::ValType;
use crate::Error;
use wasmparser::{MemArg, MemArgTarget, Operator};

/// The generic kind matching a fast load instruction (built with dummy operands).
fn load_kind(template: Instr) -> MemOp {
    match template {
        Instr::I64Load { .. } => MemOp::I64Load,
        Instr::I32Load8S { .. } => MemOp::I32Load8S,
        Instr::I32Load8U { .. } => MemOp::I32Load8U,
        Instr::I32Load16S { .. } => MemOp::I32Load16S,
        Instr::I32Load16U { .. } => MemOp::I32Load16U,
        Instr::I64Load8S { .. } => MemOp::I64Load8S,
        Instr::I64Load8U { .. } => MemOp::I64Load8U,
        Instr::I64Load16S { .. } => MemOp::I64Load16S,
        Instr::I64Load16U { .. } => MemOp::I64Load16U,
        Instr::I64Load32S { .. } => MemOp::I64Load32S,
        Instr::I64Load32U { .. } => MemOp::I64Load32U,
        Instr::V128Load { .. } => MemOp::V128Load,
        _ => MemOp::I32Load,
    }
}

/// The generic kind matching a fast store instruction (built with dummy operands).
fn store_kind(template: Instr) -> MemOp {
    match template {
        Instr::I64Store { .. } => MemOp::I64Store,
        Instr::I32Store8 { .. } | Instr::I64Store8 { .. } => MemOp::Store8,
        Instr::I32Store16 { .. } | Instr::I64Store16 { .. } => MemOp::Store16,
        Instr::I64Store32 { .. } => MemOp::Store32,
        Instr::V128Store { .. } => MemOp::V128Store,
        _ => MemOp::I32Store,
    }
}

/// The `Extra` word carrying a 64-bit offset and an auxiliary operand.
fn offset_extra(offset: u64, aux: u32) -> Instr {
    Instr::Extra {
        a: offset as u32,
        b: (offset >> 32) as u32,
        c: aux,
    }
}

impl Translator<'_> {
    /// Whether memory `mem` of the module is indexed with 64-bit addresses.
    pub(super) fn memory_is_64(&self, mem: u32) -> bool {
        self.module
            .memories
            .get(mem as usize)
            .is_some_and(|m| m.memory64)
    }

    /// Whether table `table` of the module is indexed with 64-bit indices.
    pub(super) fn table_is_64(&self, table: u32) -> bool {
        self.module
            .tables
            .get(table as usize)
            .is_some_and(|t| t.table64)
    }

    /// The type of an address (or page count) of memory `mem`.
    pub(super) fn address_type(&self, mem: u32) -> ValType {
        if self.memory_is_64(mem) {
            ValType::I64
        } else {
            ValType::I32
        }
    }

    /// The type of an index (or size) of table `table`.
    pub(super) fn index_type(&self, table: u32) -> ValType {
        if self.table_is_64(table) {
            ValType::I64
        } else {
            ValType::I32
        }
    }

    /// The offset of an access the fast instructions can do (32-bit memory 0, 32-bit
    /// offset), or None when the generic path is needed.
    pub(super) fn fast_offset(&self, m: &MemArg) -> Option<u32> {
        match m.target {
            MemArgTarget::Memory(0) if !self.memory_is_64(0) => u32::try_from(m.offset).ok(),
            _ => None,
        }
    }

    /// The memory an access targets.
    fn target_memory(&self, m: &MemArg) -> Result<u32, Error> {
        match m.target {
            MemArgTarget::Memory(mem) => Ok(mem),
            MemArgTarget::Array(_) => Err(Error::Invalid {
                message: "array memory access is not supported".into(),
                offset: 0,
            }),
        }
    }

    /// A load the fast path cannot do; `template` is the fast instruction's shape.
    pub(super) fn generic_load(
        &mut self,
        out: ValType,
        m: &MemArg,
        template: Instr,
    ) -> Result<(), Error> {
        self.emit_generic_load(out, m, load_kind(template).encode(0), 0)
    }

    /// A store the fast path cannot do; `template` is the fast instruction's shape.
    pub(super) fn generic_store(&mut self, m: &MemArg, template: Instr) -> Result<(), Error> {
        let mem = self.target_memory(m)?;
        let val = self.pop().slot;
        let addr = self.pop().slot;
        let op = store_kind(template).encode(0);
        self.emit(Instr::MemStore { op, addr, val, mem });
        self.emit(offset_extra(m.offset, 0));
        Ok(())
    }

    fn emit_generic_load(
        &mut self,
        out: ValType,
        m: &MemArg,
        op: u16,
        aux: u32,
    ) -> Result<(), Error> {
        let mem = self.target_memory(m)?;
        let addr = self.pop().slot;
        let dst = self.push_temp(out);
        self.emit(Instr::MemLoad { op, dst, addr, mem });
        self.emit(offset_extra(m.offset, aux));
        Ok(())
    }

    /// `v128.loadNxM_s/u` on the generic path; `extend` is the SIMD widening operator.
    pub(super) fn generic_load_extend(
        &mut self,
        m: &MemArg,
        extend: Operator<'_>,
    ) -> Result<(), Error> {
        let id = simd::classify(&extend).map_or(0, |(_, id, _)| id);
        let op = MemOp::V128LoadExtend.encode(0);
        self.emit_generic_load(ValType::V128, m, op, id as u32)
    }

    /// `v128.loadN_splat` on the generic path.
    pub(super) fn generic_load_splat(
        &mut self,
        m: &MemArg,
        size: u8,
        splat: Operator<'_>,
    ) -> Result<(), Error> {
        let id = simd::classify(&splat).map_or(0, |(_, id, _)| id);
        let kind = match size {
            1 => MemOp::V128LoadSplat8,
            2 => MemOp::V128LoadSplat16,
            4 => MemOp::V128LoadSplat32,
            _ => MemOp::V128LoadSplat64,
        };
        self.emit_generic_load(ValType::V128, m, kind.encode(0), id as u32)
    }

    /// `v128.loadN_zero` on the generic path.
    pub(super) fn generic_load_zero(&mut self, m: &MemArg, size: u8) -> Result<(), Error> {
        let kind = if size == 4 {
            MemOp::V128Load32Zero
        } else {
            MemOp::V128Load64Zero
        };
        self.emit_generic_load(ValType::V128, m, kind.encode(0), 0)
    }

    /// `v128.loadN_lane` on the generic path.
    pub(super) fn generic_load_lane(
        &mut self,
        m: &MemArg,
        lane: u8,
        size: u8,
    ) -> Result<(), Error> {
        let mem = self.target_memory(m)?;
        let vector = self.pop().slot;
        let addr = self.pop().slot;
        let dst = self.push_temp(ValType::V128);
        let kind = match size {
            1 => MemOp::V128Load8Lane,
            2 => MemOp::V128Load16Lane,
            4 => MemOp::V128Load32Lane,
            _ => MemOp::V128Load64Lane,
        };
        let op = kind.encode(lane);
        self.emit(Instr::MemLoad { op, dst, addr, mem });
        self.emit(offset_extra(m.offset, vector));
        Ok(())
    }

    /// `v128.storeN_lane` on the generic path.
    pub(super) fn generic_store_lane(
        &mut self,
        m: &MemArg,
        lane: u8,
        size: u8,
    ) -> Result<(), Error> {
        let mem = self.target_memory(m)?;
        let val = self.pop().slot;
        let addr = self.pop().slot;
        let kind = match size {
            1 => MemOp::V128Store8Lane,
            2 => MemOp::V128Store16Lane,
            4 => MemOp::V128Store32Lane,
            _ => MemOp::V128Store64Lane,
        };
        let op = kind.encode(lane);
        self.emit(Instr::MemStore { op, addr, val, mem });
        self.emit(offset_extra(m.offset, 0));
        Ok(())
    }

    /// Before a table instruction on a 64-bit table: clamps the 64-bit operands among the
    /// top `n` stack values (`wide[i]` for the i-th from the bottom) to 32 bits, so the
    /// 32-bit table code sees an index that is out of bounds exactly when the original was.
    pub(super) fn clamp_table_operands(&mut self, wide: &[bool]) {
        let n = wide.len();
        let len = self.stack.len();
        for (i, &is_wide) in wide.iter().enumerate() {
            if !is_wide {
                continue;
            }
            let at = len - n + i;
            self.materialize(at);
            let slot: R = self.stack[at].canon;
            self.emit(Instr::I64SatU32 {
                dst: slot,
                src: slot,
            });
        }
    }
}
