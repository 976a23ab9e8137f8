//! The operator dispatcher: maps each wasm operator to stack-model updates and instructions.

use super::{CtrlKind, Translator};
use crate::interp::code::{Instr, R};
use crate::interp::simd::{self, SimdShape};
use crate::interp::wide::WideOp;
use crate::types::ValType;
use crate::Error;
use wasmparser::{MemArg, Operator};

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;
const F32: ValType = ValType::F32;
const F64: ValType = ValType::F64;
const V128: ValType = ValType::V128;

impl Translator<'_> {
    fn unary(&mut self, out: ValType, make: fn(R, R) -> Instr) {
        let src = self.pop().slot;
        let dst = self.push_temp(out);
        self.emit(make(dst, src));
    }

    fn binary(&mut self, out: ValType, make: fn(R, R, R) -> Instr) {
        let b = self.pop().slot;
        let a = self.pop().slot;
        let dst = self.push_temp(out);
        self.emit(make(dst, a, b));
    }

    fn load(
        &mut self,
        out: ValType,
        m: &MemArg,
        make: fn(R, R, u32) -> Instr,
    ) -> Result<(), Error> {
        let Some(offset) = self.fast_offset(m) else {
            return self.generic_load(out, m, make(0, 0, 0));
        };
        let addr = self.pop().slot;
        let dst = self.push_temp(out);
        self.emit(make(dst, addr, offset));
        Ok(())
    }

    fn store(&mut self, m: &MemArg, make: fn(R, R, u32) -> Instr) -> Result<(), Error> {
        let Some(offset) = self.fast_offset(m) else {
            return self.generic_store(m, make(0, 0, 0));
        };
        let val = self.pop().slot;
        let addr = self.pop().slot;
        self.emit(make(addr, val, offset));
        Ok(())
    }

    /// Retypes the top value without moving it (reinterpretations keep the bits).
    fn retype(&mut self, ty: ValType) {
        self.stack.last_mut().expect("value").ty = ty;
    }

    /// Materializes and pops `n` operands of a bulk instruction; returns where they start.
    pub(super) fn bulk_args(&mut self, n: usize) -> R {
        let args = self.materialize_top(n);
        self.pop_n(n);
        args
    }

    fn simd_op(&mut self, op: &Operator<'_>) -> Result<(), Error> {
        let Some((shape, id, lane)) = simd::classify(op) else {
            return Err(self.unsupported(op));
        };
        match shape {
            SimdShape::Unary => {
                let a = self.pop().slot;
                let dst = self.push_temp(V128);
                self.emit(Instr::V128Unary { op: id, dst, a });
            }
            SimdShape::Binary => {
                let b = self.pop().slot;
                let a = self.pop().slot;
                let dst = self.push_temp(V128);
                self.emit(Instr::V128Binary { op: id, dst, a, b });
            }
            SimdShape::Ternary => {
                let args = self.bulk_args(3);
                let dst = self.push_temp(V128);
                self.emit(Instr::V128Ternary { op: id, dst, args });
            }
            SimdShape::Test => {
                let a = self.pop().slot;
                let dst = self.push_temp(I32);
                self.emit(Instr::V128Test { op: id, dst, a });
            }
            SimdShape::Shift => {
                let count = self.pop().slot;
                let a = self.pop().slot;
                let dst = self.push_temp(V128);
                self.emit(Instr::V128Shift {
                    op: id,
                    dst,
                    a,
                    count,
                });
            }
            SimdShape::Splat => {
                let src = self.pop().slot;
                let dst = self.push_temp(V128);
                self.emit(Instr::V128Splat { op: id, dst, src });
            }
            SimdShape::ExtractLane => {
                let a = self.pop().slot;
                let dst = self.push_temp(extract_type(op));
                self.emit(Instr::V128Extract {
                    op: id,
                    lane,
                    dst,
                    a,
                });
            }
            SimdShape::ReplaceLane => {
                let x = self.pop().slot;
                let a = self.pop().slot;
                let dst = self.push_temp(V128);
                self.emit(Instr::V128Replace {
                    op: id,
                    lane,
                    dst,
                    a,
                    x,
                });
            }
        }
        Ok(())
    }

    /// The SIMD op id of a helper operator (extends, splats, lane ops used by memory forms).
    fn simd_id(op: Operator<'_>) -> u16 {
        simd::classify(&op).map_or(0, |(_, id, _)| id)
    }

    fn v128_load_lane(&mut self, m: &MemArg, lane: u8, size: u8) -> Result<(), Error> {
        let Some(offset) = self.fast_offset(m) else {
            return self.generic_load_lane(m, lane, size);
        };
        let op = match size {
            1 => Self::simd_id(Operator::I8x16ReplaceLane { lane }),
            2 => Self::simd_id(Operator::I16x8ReplaceLane { lane }),
            4 => Self::simd_id(Operator::I32x4ReplaceLane { lane }),
            _ => Self::simd_id(Operator::I64x2ReplaceLane { lane }),
        };
        let vector = self.pop().slot;
        let addr = self.pop().slot;
        let dst = self.push_temp(V128);
        self.emit(Instr::V128LoadLane {
            op,
            lane,
            dst,
            addr,
            offset,
        });
        self.emit(Instr::Extra {
            a: vector,
            b: size as u32,
            c: 0,
        });
        Ok(())
    }

    fn v128_store_lane(&mut self, m: &MemArg, lane: u8, size: u8) -> Result<(), Error> {
        let Some(offset) = self.fast_offset(m) else {
            return self.generic_store_lane(m, lane, size);
        };
        let op = match size {
            1 => Self::simd_id(Operator::I8x16ExtractLaneU { lane }),
            2 => Self::simd_id(Operator::I16x8ExtractLaneU { lane }),
            4 => Self::simd_id(Operator::I32x4ExtractLane { lane }),
            _ => Self::simd_id(Operator::I64x2ExtractLane { lane }),
        };
        let val = self.pop().slot;
        let addr = self.pop().slot;
        self.emit(Instr::V128StoreLane {
            op,
            lane,
            addr,
            val,
            offset,
        });
        self.emit(Instr::Extra {
            a: size as u32,
            b: 0,
            c: 0,
        });
        Ok(())
    }

    fn v128_load_extend(&mut self, m: &MemArg, extend: Operator<'_>) -> Result<(), Error> {
        let Some(offset) = self.fast_offset(m) else {
            return self.generic_load_extend(m, extend);
        };
        let op = Self::simd_id(extend);
        let addr = self.pop().slot;
        let dst = self.push_temp(V128);
        self.emit(Instr::V128LoadExtend {
            op,
            dst,
            addr,
            offset,
        });
        Ok(())
    }

    fn v128_load_splat(&mut self, m: &MemArg, size: u8, splat: Operator<'_>) -> Result<(), Error> {
        let Some(offset) = self.fast_offset(m) else {
            return self.generic_load_splat(m, size, splat);
        };
        let op = Self::simd_id(splat);
        let addr = self.pop().slot;
        let dst = self.push_temp(V128);
        self.emit(Instr::V128LoadSplat {
            op,
            size,
            dst,
            addr,
            offset,
        });
        Ok(())
    }

    fn v128_load_zero(&mut self, m: &MemArg, size: u8) -> Result<(), Error> {
        let Some(offset) = self.fast_offset(m) else {
            return self.generic_load_zero(m, size);
        };
        let addr = self.pop().slot;
        let dst = self.push_temp(V128);
        self.emit(Instr::V128LoadZero {
            size,
            dst,
            addr,
            offset,
        });
        Ok(())
    }

    /// Translates one reachable operator.
    pub(super) fn operator(&mut self, op: Operator<'_>) -> Result<(), Error> {
        use Instr as I;
        use Operator as O;
        if self.exn_operator(&op)? || self.gc_operator(&op)? {
            return Ok(());
        }
        match op {
            O::Nop => {}
            O::Unreachable => {
                self.emit(I::Unreachable {});
                self.reachable = false;
            }
            O::Block { blockty } => self.block(blockty, CtrlKind::Block)?,
            O::Loop { blockty } => self.block(blockty, CtrlKind::Loop)?,
            O::If { blockty } => self.block(blockty, CtrlKind::If)?,
            O::Else => self.else_(),
            O::End => self.end(),
            O::Br { relative_depth } => self.br(relative_depth),
            O::BrIf { relative_depth } => self.br_if(relative_depth),
            O::BrTable { targets } => self.br_table(&targets)?,
            O::Return => self.return_(),
            O::Call { function_index } => self.call(function_index),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index),
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => self.select(),
            O::LocalGet { local_index } => self.local_get(local_index),
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => {
                let ty = self.module.globals[global_index as usize].content;
                let dst = self.push_temp(ty);
                self.emit(if ty.slots() == 2 {
                    I::GlobalGet2 {
                        dst,
                        global: global_index,
                    }
                } else {
                    I::GlobalGet {
                        dst,
                        global: global_index,
                    }
                });
            }
            O::GlobalSet { global_index } => {
                let e = self.pop();
                self.emit(if e.ty.slots() == 2 {
                    I::GlobalSet2 {
                        src: e.slot,
                        global: global_index,
                    }
                } else {
                    I::GlobalSet {
                        src: e.slot,
                        global: global_index,
                    }
                });
            }

            O::I32Load { memarg } | O::F32Load { memarg } => {
                let ty = if matches!(op, O::I32Load { .. }) {
                    I32
                } else {
                    F32
                };
                self.load(ty, &memarg, |dst, addr, offset| I::I32Load {
                    dst,
                    addr,
                    offset,
                })?
            }
            O::I64Load { memarg } | O::F64Load { memarg } => {
                let ty = if matches!(op, O::I64Load { .. }) {
                    I64
                } else {
                    F64
                };
                self.load(ty, &memarg, |dst, addr, offset| I::I64Load {
                    dst,
                    addr,
                    offset,
                })?
            }
            O::I32Load8S { memarg } => self.load(I32, &memarg, |dst, addr, offset| {
                I::I32Load8S { dst, addr, offset }
            })?,
            O::I32Load8U { memarg } => self.load(I32, &memarg, |dst, addr, offset| {
                I::I32Load8U { dst, addr, offset }
            })?,
            O::I32Load16S { memarg } => self.load(I32, &memarg, |dst, addr, offset| {
                I::I32Load16S { dst, addr, offset }
            })?,
            O::I32Load16U { memarg } => self.load(I32, &memarg, |dst, addr, offset| {
                I::I32Load16U { dst, addr, offset }
            })?,
            O::I64Load8S { memarg } => self.load(I64, &memarg, |dst, addr, offset| {
                I::I64Load8S { dst, addr, offset }
            })?,
            O::I64Load8U { memarg } => self.load(I64, &memarg, |dst, addr, offset| {
                I::I64Load8U { dst, addr, offset }
            })?,
            O::I64Load16S { memarg } => self.load(I64, &memarg, |dst, addr, offset| {
                I::I64Load16S { dst, addr, offset }
            })?,
            O::I64Load16U { memarg } => self.load(I64, &memarg, |dst, addr, offset| {
                I::I64Load16U { dst, addr, offset }
            })?,
            O::I64Load32S { memarg } => self.load(I64, &memarg, |dst, addr, offset| {
                I::I64Load32S { dst, addr, offset }
            })?,
            O::I64Load32U { memarg } => self.load(I64, &memarg, |dst, addr, offset| {
                I::I64Load32U { dst, addr, offset }
            })?,
            O::V128Load { memarg } => self.load(V128, &memarg, |dst, addr, offset| {
                I::V128Load { dst, addr, offset }
            })?,
            O::I32Store { memarg } | O::F32Store { memarg } => {
                self.store(&memarg, |addr, val, offset| I::I32Store {
                    addr,
                    val,
                    offset,
                })?
            }
            O::I64Store { memarg } | O::F64Store { memarg } => {
                self.store(&memarg, |addr, val, offset| I::I64Store {
                    addr,
                    val,
                    offset,
                })?
            }
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => {
                self.store(&memarg, |addr, val, offset| I::I32Store8 {
                    addr,
                    val,
                    offset,
                })?
            }
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(&memarg, |addr, val, offset| I::I32Store16 {
                    addr,
                    val,
                    offset,
                })?
            }
            O::I64Store32 { memarg } => self.store(&memarg, |addr, val, offset| I::I32Store {
                addr,
                val,
                offset,
            })?,
            O::V128Store { memarg } => self.store(&memarg, |addr, val, offset| I::V128Store {
                addr,
                val,
                offset,
            })?,
            O::MemorySize { mem } => {
                let dst = self.push_temp(self.address_type(mem));
                self.emit(I::MemorySize { dst, mem });
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop().slot;
                let dst = self.push_temp(self.address_type(mem));
                self.emit(I::MemoryGrow { dst, delta, mem });
            }
            O::MemoryFill { mem } => {
                let args = self.bulk_args(3);
                self.emit(I::MemoryFill { args, mem });
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let args = self.bulk_args(3);
                self.emit(I::MemoryCopy {
                    args,
                    dst_mem,
                    src_mem,
                });
            }
            O::MemoryInit { data_index, mem } => {
                let args = self.bulk_args(3);
                self.emit(I::MemoryInit {
                    args,
                    mem,
                    data: data_index,
                });
            }
            O::DataDrop { data_index } => {
                self.emit(I::DataDrop { data: data_index });
            }

            O::I32Const { value } => self.push_const(I32, value as u32 as u128),
            O::I64Const { value } => self.push_const(I64, value as u64 as u128),
            O::F32Const { value } => self.push_const(F32, value.bits() as u128),
            O::F64Const { value } => self.push_const(F64, value.bits() as u128),
            O::V128Const { value } => self.push_const(V128, value.i128() as u128),
            O::RefNull { hty } => {
                let heap = crate::types::HeapType::from_wasmparser(hty, &self.module.heap_types);
                let ty = ValType::Ref(crate::types::RefType {
                    nullable: true,
                    heap,
                });
                self.push_const(ty, 0);
            }
            O::RefIsNull => self.unary(I32, |dst, src| I::RefIsNull { dst, src }),
            O::RefFunc { function_index } => {
                let dst = self.push_temp(ValType::FUNCREF);
                self.emit(I::RefFunc {
                    dst,
                    func: function_index,
                });
            }
            O::TableGet { table } => {
                let wide = self.table_is_64(table);
                self.clamp_table_operands(&[wide]);
                let ty = ValType::Ref(self.module.tables[table as usize].element);
                let index = self.pop().slot;
                let dst = self.push_temp(ty);
                self.emit(I::TableGet { dst, index, table });
            }
            O::TableSet { table } => {
                let wide = self.table_is_64(table);
                self.clamp_table_operands(&[wide, false]);
                let val = self.pop().slot;
                let index = self.pop().slot;
                self.emit(I::TableSet { index, val, table });
            }
            O::TableSize { table } => {
                let dst = self.push_temp(self.index_type(table));
                self.emit(I::TableSize { dst, table });
            }
            O::TableGrow { table } => {
                let wide = self.table_is_64(table);
                self.clamp_table_operands(&[false, wide]);
                let args = self.bulk_args(2);
                let dst = self.push_temp(self.index_type(table));
                self.emit(I::TableGrow { dst, args, table });
                if wide {
                    // The old size fits in 31 bits, and failure (-1) must widen to -1.
                    self.emit(I::I64ExtendI32S { dst, src: dst });
                }
            }
            O::TableFill { table } => {
                let wide = self.table_is_64(table);
                self.clamp_table_operands(&[wide, false, wide]);
                let args = self.bulk_args(3);
                self.emit(I::TableFill { args, table });
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let (d, s) = (self.table_is_64(dst_table), self.table_is_64(src_table));
                self.clamp_table_operands(&[d, s, d && s]);
                let args = self.bulk_args(3);
                self.emit(I::TableCopy {
                    args,
                    dst_table,
                    src_table,
                });
            }
            O::TableInit { elem_index, table } => {
                let wide = self.table_is_64(table);
                self.clamp_table_operands(&[wide, false, false]);
                let args = self.bulk_args(3);
                self.emit(I::TableInit {
                    args,
                    table,
                    elem: elem_index,
                });
            }
            O::ElemDrop { elem_index } => {
                self.emit(I::ElemDrop { elem: elem_index });
            }

            O::I32Eqz => self.unary(I32, |dst, src| I::I32Eqz { dst, src }),
            O::I32Eq => self.binary(I32, |dst, a, b| I::I32Eq { dst, a, b }),
            O::I32Ne => self.binary(I32, |dst, a, b| I::I32Ne { dst, a, b }),
            O::I32LtS => self.binary(I32, |dst, a, b| I::I32LtS { dst, a, b }),
            O::I32LtU => self.binary(I32, |dst, a, b| I::I32LtU { dst, a, b }),
            O::I32GtS => self.binary(I32, |dst, a, b| I::I32GtS { dst, a, b }),
            O::I32GtU => self.binary(I32, |dst, a, b| I::I32GtU { dst, a, b }),
            O::I32LeS => self.binary(I32, |dst, a, b| I::I32LeS { dst, a, b }),
            O::I32LeU => self.binary(I32, |dst, a, b| I::I32LeU { dst, a, b }),
            O::I32GeS => self.binary(I32, |dst, a, b| I::I32GeS { dst, a, b }),
            O::I32GeU => self.binary(I32, |dst, a, b| I::I32GeU { dst, a, b }),
            O::I64Eqz => self.unary(I32, |dst, src| I::I64Eqz { dst, src }),
            O::I64Eq => self.binary(I32, |dst, a, b| I::I64Eq { dst, a, b }),
            O::I64Ne => self.binary(I32, |dst, a, b| I::I64Ne { dst, a, b }),
            O::I64LtS => self.binary(I32, |dst, a, b| I::I64LtS { dst, a, b }),
            O::I64LtU => self.binary(I32, |dst, a, b| I::I64LtU { dst, a, b }),
            O::I64GtS => self.binary(I32, |dst, a, b| I::I64GtS { dst, a, b }),
            O::I64GtU => self.binary(I32, |dst, a, b| I::I64GtU { dst, a, b }),
            O::I64LeS => self.binary(I32, |dst, a, b| I::I64LeS { dst, a, b }),
            O::I64LeU => self.binary(I32, |dst, a, b| I::I64LeU { dst, a, b }),
            O::I64GeS => self.binary(I32, |dst, a, b| I::I64GeS { dst, a, b }),
            O::I64GeU => self.binary(I32, |dst, a, b| I::I64GeU { dst, a, b }),
            O::F32Eq => self.binary(I32, |dst, a, b| I::F32Eq { dst, a, b }),
            O::F32Ne => self.binary(I32, |dst, a, b| I::F32Ne { dst, a, b }),
            O::F32Lt => self.binary(I32, |dst, a, b| I::F32Lt { dst, a, b }),
            O::F32Gt => self.binary(I32, |dst, a, b| I::F32Gt { dst, a, b }),
            O::F32Le => self.binary(I32, |dst, a, b| I::F32Le { dst, a, b }),
            O::F32Ge => self.binary(I32, |dst, a, b| I::F32Ge { dst, a, b }),
            O::F64Eq => self.binary(I32, |dst, a, b| I::F64Eq { dst, a, b }),
            O::F64Ne => self.binary(I32, |dst, a, b| I::F64Ne { dst, a, b }),
            O::F64Lt => self.binary(I32, |dst, a, b| I::F64Lt { dst, a, b }),
            O::F64Gt => self.binary(I32, |dst, a, b| I::F64Gt { dst, a, b }),
            O::F64Le => self.binary(I32, |dst, a, b| I::F64Le { dst, a, b }),
            O::F64Ge => self.binary(I32, |dst, a, b| I::F64Ge { dst, a, b }),

            O::I32Clz => self.unary(I32, |dst, src| I::I32Clz { dst, src }),
            O::I32Ctz => self.unary(I32, |dst, src| I::I32Ctz { dst, src }),
            O::I32Popcnt => self.unary(I32, |dst, src| I::I32Popcnt { dst, src }),
            O::I32Add => self.binary(I32, |dst, a, b| I::I32Add { dst, a, b }),
            O::I32Sub => self.binary(I32, |dst, a, b| I::I32Sub { dst, a, b }),
            O::I32Mul => self.binary(I32, |dst, a, b| I::I32Mul { dst, a, b }),
            O::I32DivS => self.binary(I32, |dst, a, b| I::I32DivS { dst, a, b }),
            O::I32DivU => self.binary(I32, |dst, a, b| I::I32DivU { dst, a, b }),
            O::I32RemS => self.binary(I32, |dst, a, b| I::I32RemS { dst, a, b }),
            O::I32RemU => self.binary(I32, |dst, a, b| I::I32RemU { dst, a, b }),
            O::I32And => self.binary(I32, |dst, a, b| I::I32And { dst, a, b }),
            O::I32Or => self.binary(I32, |dst, a, b| I::I32Or { dst, a, b }),
            O::I32Xor => self.binary(I32, |dst, a, b| I::I32Xor { dst, a, b }),
            O::I32Shl => self.binary(I32, |dst, a, b| I::I32Shl { dst, a, b }),
            O::I32ShrS => self.binary(I32, |dst, a, b| I::I32ShrS { dst, a, b }),
            O::I32ShrU => self.binary(I32, |dst, a, b| I::I32ShrU { dst, a, b }),
            O::I32Rotl => self.binary(I32, |dst, a, b| I::I32Rotl { dst, a, b }),
            O::I32Rotr => self.binary(I32, |dst, a, b| I::I32Rotr { dst, a, b }),
            O::I64Clz => self.unary(I64, |dst, src| I::I64Clz { dst, src }),
            O::I64Ctz => self.unary(I64, |dst, src| I::I64Ctz { dst, src }),
            O::I64Popcnt => self.unary(I64, |dst, src| I::I64Popcnt { dst, src }),
            O::I64Add => self.binary(I64, |dst, a, b| I::I64Add { dst, a, b }),
            O::I64Sub => self.binary(I64, |dst, a, b| I::I64Sub { dst, a, b }),
            O::I64Mul => self.binary(I64, |dst, a, b| I::I64Mul { dst, a, b }),
            O::I64DivS => self.binary(I64, |dst, a, b| I::I64DivS { dst, a, b }),
            O::I64DivU => self.binary(I64, |dst, a, b| I::I64DivU { dst, a, b }),
            O::I64RemS => self.binary(I64, |dst, a, b| I::I64RemS { dst, a, b }),
            O::I64RemU => self.binary(I64, |dst, a, b| I::I64RemU { dst, a, b }),
            O::I64And => self.binary(I64, |dst, a, b| I::I64And { dst, a, b }),
            O::I64Or => self.binary(I64, |dst, a, b| I::I64Or { dst, a, b }),
            O::I64Xor => self.binary(I64, |dst, a, b| I::I64Xor { dst, a, b }),
            O::I64Shl => self.binary(I64, |dst, a, b| I::I64Shl { dst, a, b }),
            O::I64ShrS => self.binary(I64, |dst, a, b| I::I64ShrS { dst, a, b }),
            O::I64ShrU => self.binary(I64, |dst, a, b| I::I64ShrU { dst, a, b }),
            O::I64Rotl => self.binary(I64, |dst, a, b| I::I64Rotl { dst, a, b }),
            O::I64Rotr => self.binary(I64, |dst, a, b| I::I64Rotr { dst, a, b }),

            O::F32Abs => self.unary(F32, |dst, src| I::F32Abs { dst, src }),
            O::F32Neg => self.unary(F32, |dst, src| I::F32Neg { dst, src }),
            O::F32Ceil => self.unary(F32, |dst, src| I::F32Ceil { dst, src }),
            O::F32Floor => self.unary(F32, |dst, src| I::F32Floor { dst, src }),
            O::F32Trunc => self.unary(F32, |dst, src| I::F32Trunc { dst, src }),
            O::F32Nearest => self.unary(F32, |dst, src| I::F32Nearest { dst, src }),
            O::F32Sqrt => self.unary(F32, |dst, src| I::F32Sqrt { dst, src }),
            O::F32Add => self.binary(F32, |dst, a, b| I::F32Add { dst, a, b }),
            O::F32Sub => self.binary(F32, |dst, a, b| I::F32Sub { dst, a, b }),
            O::F32Mul => self.binary(F32, |dst, a, b| I::F32Mul { dst, a, b }),
            O::F32Div => self.binary(F32, |dst, a, b| I::F32Div { dst, a, b }),
            O::F32Min => self.binary(F32, |dst, a, b| I::F32Min { dst, a, b }),
            O::F32Max => self.binary(F32, |dst, a, b| I::F32Max { dst, a, b }),
            O::F32Copysign => self.binary(F32, |dst, a, b| I::F32Copysign { dst, a, b }),
            O::F64Abs => self.unary(F64, |dst, src| I::F64Abs { dst, src }),
            O::F64Neg => self.unary(F64, |dst, src| I::F64Neg { dst, src }),
            O::F64Ceil => self.unary(F64, |dst, src| I::F64Ceil { dst, src }),
            O::F64Floor => self.unary(F64, |dst, src| I::F64Floor { dst, src }),
            O::F64Trunc => self.unary(F64, |dst, src| I::F64Trunc { dst, src }),
            O::F64Nearest => self.unary(F64, |dst, src| I::F64Nearest { dst, src }),
            O::F64Sqrt => self.unary(F64, |dst, src| I::F64Sqrt { dst, src }),
            O::F64Add => self.binary(F64, |dst, a, b| I::F64Add { dst, a, b }),
            O::F64Sub => self.binary(F64, |dst, a, b| I::F64Sub { dst, a, b }),
            O::F64Mul => self.binary(F64, |dst, a, b| I::F64Mul { dst, a, b }),
            O::F64Div => self.binary(F64, |dst, a, b| I::F64Div { dst, a, b }),
            O::F64Min => self.binary(F64, |dst, a, b| I::F64Min { dst, a, b }),
            O::F64Max => self.binary(F64, |dst, a, b| I::F64Max { dst, a, b }),
            O::F64Copysign => self.binary(F64, |dst, a, b| I::F64Copysign { dst, a, b }),

            O::I32WrapI64 => self.unary(I32, |dst, src| I::I32WrapI64 { dst, src }),
            O::I32TruncF32S => self.unary(I32, |dst, src| I::I32TruncF32S { dst, src }),
            O::I32TruncF32U => self.unary(I32, |dst, src| I::I32TruncF32U { dst, src }),
            O::I32TruncF64S => self.unary(I32, |dst, src| I::I32TruncF64S { dst, src }),
            O::I32TruncF64U => self.unary(I32, |dst, src| I::I32TruncF64U { dst, src }),
            O::I64ExtendI32S => self.unary(I64, |dst, src| I::I64ExtendI32S { dst, src }),
            O::I64ExtendI32U => self.unary(I64, |dst, src| I::I64ExtendI32U { dst, src }),
            O::I64TruncF32S => self.unary(I64, |dst, src| I::I64TruncF32S { dst, src }),
            O::I64TruncF32U => self.unary(I64, |dst, src| I::I64TruncF32U { dst, src }),
            O::I64TruncF64S => self.unary(I64, |dst, src| I::I64TruncF64S { dst, src }),
            O::I64TruncF64U => self.unary(I64, |dst, src| I::I64TruncF64U { dst, src }),
            O::F32ConvertI32S => self.unary(F32, |dst, src| I::F32ConvertI32S { dst, src }),
            O::F32ConvertI32U => self.unary(F32, |dst, src| I::F32ConvertI32U { dst, src }),
            O::F32ConvertI64S => self.unary(F32, |dst, src| I::F32ConvertI64S { dst, src }),
            O::F32ConvertI64U => self.unary(F32, |dst, src| I::F32ConvertI64U { dst, src }),
            O::F32DemoteF64 => self.unary(F32, |dst, src| I::F32DemoteF64 { dst, src }),
            O::F64ConvertI32S => self.unary(F64, |dst, src| I::F64ConvertI32S { dst, src }),
            O::F64ConvertI32U => self.unary(F64, |dst, src| I::F64ConvertI32U { dst, src }),
            O::F64ConvertI64S => self.unary(F64, |dst, src| I::F64ConvertI64S { dst, src }),
            O::F64ConvertI64U => self.unary(F64, |dst, src| I::F64ConvertI64U { dst, src }),
            O::F64PromoteF32 => self.unary(F64, |dst, src| I::F64PromoteF32 { dst, src }),
            O::I32ReinterpretF32 => self.retype(I32),
            O::I64ReinterpretF64 => self.retype(I64),
            O::F32ReinterpretI32 => self.retype(F32),
            O::F64ReinterpretI64 => self.retype(F64),
            O::I32Extend8S => self.unary(I32, |dst, src| I::I32Extend8S { dst, src }),
            O::I32Extend16S => self.unary(I32, |dst, src| I::I32Extend16S { dst, src }),
            O::I64Extend8S => self.unary(I64, |dst, src| I::I64Extend8S { dst, src }),
            O::I64Extend16S => self.unary(I64, |dst, src| I::I64Extend16S { dst, src }),
            O::I64Extend32S => self.unary(I64, |dst, src| I::I64Extend32S { dst, src }),
            O::I32TruncSatF32S => self.unary(I32, |dst, src| I::I32TruncSatF32S { dst, src }),
            O::I32TruncSatF32U => self.unary(I32, |dst, src| I::I32TruncSatF32U { dst, src }),
            O::I32TruncSatF64S => self.unary(I32, |dst, src| I::I32TruncSatF64S { dst, src }),
            O::I32TruncSatF64U => self.unary(I32, |dst, src| I::I32TruncSatF64U { dst, src }),
            O::I64TruncSatF32S => self.unary(I64, |dst, src| I::I64TruncSatF32S { dst, src }),
            O::I64TruncSatF32U => self.unary(I64, |dst, src| I::I64TruncSatF32U { dst, src }),
            O::I64TruncSatF64S => self.unary(I64, |dst, src| I::I64TruncSatF64S { dst, src }),
            O::I64TruncSatF64U => self.unary(I64, |dst, src| I::I64TruncSatF64U { dst, src }),

            O::V128Load8x8S { memarg } => {
                self.v128_load_extend(&memarg, O::I16x8ExtendLowI8x16S)?
            }
            O::V128Load8x8U { memarg } => {
                self.v128_load_extend(&memarg, O::I16x8ExtendLowI8x16U)?
            }
            O::V128Load16x4S { memarg } => {
                self.v128_load_extend(&memarg, O::I32x4ExtendLowI16x8S)?
            }
            O::V128Load16x4U { memarg } => {
                self.v128_load_extend(&memarg, O::I32x4ExtendLowI16x8U)?
            }
            O::V128Load32x2S { memarg } => {
                self.v128_load_extend(&memarg, O::I64x2ExtendLowI32x4S)?
            }
            O::V128Load32x2U { memarg } => {
                self.v128_load_extend(&memarg, O::I64x2ExtendLowI32x4U)?
            }
            O::V128Load8Splat { memarg } => self.v128_load_splat(&memarg, 1, O::I8x16Splat)?,
            O::V128Load16Splat { memarg } => self.v128_load_splat(&memarg, 2, O::I16x8Splat)?,
            O::V128Load32Splat { memarg } => self.v128_load_splat(&memarg, 4, O::I32x4Splat)?,
            O::V128Load64Splat { memarg } => self.v128_load_splat(&memarg, 8, O::I64x2Splat)?,
            O::V128Load32Zero { memarg } => self.v128_load_zero(&memarg, 4)?,
            O::V128Load64Zero { memarg } => self.v128_load_zero(&memarg, 8)?,
            O::V128Load8Lane { memarg, lane } => self.v128_load_lane(&memarg, lane, 1)?,
            O::V128Load16Lane { memarg, lane } => self.v128_load_lane(&memarg, lane, 2)?,
            O::V128Load32Lane { memarg, lane } => self.v128_load_lane(&memarg, lane, 4)?,
            O::V128Load64Lane { memarg, lane } => self.v128_load_lane(&memarg, lane, 8)?,
            O::V128Store8Lane { memarg, lane } => self.v128_store_lane(&memarg, lane, 1)?,
            O::V128Store16Lane { memarg, lane } => self.v128_store_lane(&memarg, lane, 2)?,
            O::V128Store32Lane { memarg, lane } => self.v128_store_lane(&memarg, lane, 4)?,
            O::V128Store64Lane { memarg, lane } => self.v128_store_lane(&memarg, lane, 8)?,
            O::I8x16Shuffle { lanes } => {
                let b = self.pop().slot;
                let a = self.pop().slot;
                let dst = self.push_temp(V128);
                let index = self.shuffles.len() as u32;
                self.shuffles.push(lanes);
                self.emit(I::V128Shuffle { dst, a, b });
                self.emit(I::Extra {
                    a: index,
                    b: 0,
                    c: 0,
                });
            }
            O::ReturnCall { function_index } => self.return_call(function_index),
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.return_call_indirect(type_index, table_index),
            O::I64Add128 => self.wide(WideOp::Add128),
            O::I64Sub128 => self.wide(WideOp::Sub128),
            O::I64MulWideS => self.wide(WideOp::MulWideS),
            O::I64MulWideU => self.wide(WideOp::MulWideU),
            O::AtomicFence { .. } => {
                self.emit(I::AtomicFence {});
            }
            other => match super::atomic_ops::classify(&other) {
                Some(shape) => self.atomic(shape)?,
                None => self.simd_op(&other)?,
            },
        }
        Ok(())
    }
}

/// The scalar type an extract-lane operator produces.
fn extract_type(op: &Operator<'_>) -> ValType {
    match op {
        Operator::I64x2ExtractLane { .. } => I64,
        Operator::F32x4ExtractLane { .. } => F32,
        Operator::F64x2ExtractLane { .. } => F64,
        _ => I32,
    }
}
