//! GC instructions (structs, arrays, `i31`, casts) and the stack-map marks that let the
//! runtime find every reference a compiled frame holds when it collects.
//!
//! Allocation, cast and bulk array operations are calls into the runtime ([`LibCall::Gc`]):
//! the operands go to a stack slot, the result comes back in it. Field and element accesses
//! are inline (`gc_access.rs`), with these calls left only for types validation rules out. `i31` and `ref.eq` are inline.
//! Every value that may hold a reference is declared to need a stack map, so at each call
//! Cranelift spills the live ones to slots it lists for the call's return address.

use super::Translator;
use crate::gc::{heap_code, GcOp, GcType, Storage};
use crate::layout::LibCall;
use crate::{Error, TrapKind, WasmType};
use cranelift_codegen::ir::{
    self, condcodes::IntCC, types, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value,
};
use wasmparser::{BlockType, Operator};

impl Translator<'_, '_> {
    /// Declares that `v` may hold a reference the collector must see.
    pub(crate) fn mark_ref(&mut self, v: Value) {
        self.b.declare_value_needs_stack_map(v);
    }

    /// Marks a value of wasm type `t` if it is a reference.
    pub(crate) fn mark_if_ref(&mut self, v: Value, t: WasmType) {
        if t == WasmType::Ref {
            self.mark_ref(v);
        }
    }

    /// The wedge type of a wasmparser value type, telling references the collector traces
    /// ([`WasmType::Ref`]) from function references ([`WasmType::FuncRef`]).
    pub(crate) fn ref_kind(&self, t: wasmparser::ValType) -> WasmType {
        use wasmparser::{AbstractHeapType as A, HeapType as H};
        let wasmparser::ValType::Ref(r) = t else {
            return super::wasm_type(t).unwrap_or(WasmType::I32);
        };
        let func = match r.heap_type() {
            H::Abstract { ty, .. } => matches!(ty, A::Func | A::NoFunc),
            H::Concrete(i) | H::Exact(i) => i
                .as_module_index()
                .is_some_and(|i| matches!(self.env.gc_types.get(i as usize), Some(GcType::Func))),
        };
        if func {
            WasmType::FuncRef
        } else {
            WasmType::Ref
        }
    }

    /// Marks the reference-typed parameters of a block made for `bt` (`params`: the
    /// block type's parameters, else its results).
    pub(crate) fn mark_block_refs(&mut self, block: ir::Block, bt: BlockType, params: bool) {
        let tys: Vec<WasmType> = match bt {
            BlockType::Empty => vec![],
            BlockType::Type(t) => {
                if params {
                    vec![]
                } else {
                    vec![self.ref_kind(t)]
                }
            }
            BlockType::FuncType(i) => {
                let sig = &self.env.types[i as usize];
                if params {
                    sig.params.clone()
                } else {
                    sig.results.clone()
                }
            }
        };
        let vals = self.b.block_params(block).to_vec();
        for (v, t) in vals.into_iter().zip(tys) {
            self.mark_if_ref(v, t);
        }
    }

    /// Marks the reference results of a call of type `type_index`.
    pub(crate) fn mark_call_results(&mut self, inst: ir::Inst, type_index: u32) {
        let results = self.b.inst_results(inst).to_vec();
        let tys = self.env.types[type_index as usize].results.clone();
        for (v, t) in results.into_iter().zip(tys) {
            self.mark_if_ref(v, t);
        }
    }

    /// The fields of struct type `ty`.
    fn struct_fields(&self, ty: u32) -> Vec<Storage> {
        match self.env.gc_types.get(ty as usize) {
            Some(GcType::Struct(f)) => f.iter().map(|f| f.storage).collect(),
            _ => Vec::new(),
        }
    }

    /// The element of array type `ty`.
    fn array_elem(&self, ty: u32) -> Storage {
        match self.env.gc_types.get(ty as usize) {
            Some(GcType::Array(s)) => *s,
            _ => Storage::I8,
        }
    }

    /// Calls the runtime for `op` with immediates `(a, b)` on `args`; returns its result of
    /// type `result`, if any (marked when it is a reference).
    fn gc_call(
        &mut self,
        op: GcOp,
        (a, b): (u32, u32),
        args: &[Value],
        result: Option<WasmType>,
    ) -> Option<Value> {
        let mut size = 0u32;
        for v in args {
            size += if self.b.func.dfg.value_type(*v).bytes() == 16 {
                16
            } else {
                8
            };
        }
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size + 16,
            4,
        ));
        let io = self.b.ins().stack_addr(types::I64, slot, 0);
        let flags = MemFlagsData::trusted();
        let mut at = 0i32;
        for v in args {
            let v = self.canon(*v);
            let ty = self.b.func.dfg.value_type(v);
            let v = if ty == types::I32 {
                self.b.ins().uextend(types::I64, v)
            } else {
                v
            };
            self.b.ins().store(flags, v, io, at);
            at += if ty.bytes() == 16 { 16 } else { 8 };
        }
        let sp = self.b.ins().get_stack_pointer(types::I64);
        let op = self.b.ins().iconst(types::I32, op as i64);
        let a = self.b.ins().iconst(types::I32, a as i64);
        let b = self.b.ins().iconst(types::I32, b as i64);
        self.libcall(LibCall::Gc, &[op, a, b, io, sp]);
        let t = result?;
        let v = self.b.ins().load(super::clif_type(t), flags, io, 0);
        self.mark_if_ref(v, t);
        Some(v)
    }

    /// Calls the runtime and pushes the result.
    fn gc_push(&mut self, op: GcOp, imm: (u32, u32), n: usize, result: Option<WasmType>) {
        let args = self.popn(n);
        if let Some(v) = self.gc_call(op, imm, &args, result) {
            self.push(v);
        }
    }

    /// Whether the reference on top of the stack matches `to` (an i32 0 or 1).
    fn ref_test(&mut self, v: Value, to: wasmparser::RefType) -> Value {
        let imm = (heap_code(to.heap_type()), to.is_nullable() as u32);
        self.gc_call(GcOp::RefTest, imm, &[v], Some(WasmType::I32))
            .expect("ref.test has a result")
    }

    /// Translates a GC operator; false if `op` is none.
    pub(crate) fn gc(&mut self, op: &Operator) -> Result<bool, Error> {
        use WasmType::{Ref, I32};
        if self.gc_access(op) {
            return Ok(true);
        }
        match *op {
            Operator::RefI31 => {
                let v = self.pop();
                let v = self.b.ins().uextend(types::I64, v);
                let v = self.b.ins().ishl_imm_u(v, 33);
                let v = self.b.ins().ushr_imm_u(v, 32);
                let v = self.b.ins().bor_imm_u(v, 1);
                self.push(v);
            }
            Operator::I31GetS | Operator::I31GetU => {
                let v = self.pop();
                self.b
                    .ins()
                    .trapz(v, super::trap_code(TrapKind::NullI31Reference));
                let v = self.b.ins().ireduce(types::I32, v);
                let v = if matches!(op, Operator::I31GetS) {
                    self.b.ins().sshr_imm_u(v, 1)
                } else {
                    self.b.ins().ushr_imm_u(v, 1)
                };
                self.push(v);
            }
            Operator::RefEq => {
                let (a, b) = self.pop2();
                let c = self.b.ins().icmp(IntCC::Equal, a, b);
                let v = self.b.ins().uextend(types::I32, c);
                self.push(v);
            }
            Operator::AnyConvertExtern | Operator::ExternConvertAny => {}
            Operator::RefTestNonNull { hty } | Operator::RefTestNullable { hty } => {
                let nullable = matches!(op, Operator::RefTestNullable { .. });
                let v = self.pop();
                let imm = (heap_code(hty), nullable as u32);
                self.gc_push_one(GcOp::RefTest, imm, v, Some(I32));
            }
            Operator::RefCastNonNull { hty } | Operator::RefCastNullable { hty } => {
                let nullable = matches!(op, Operator::RefCastNullable { .. });
                let v = self.pop();
                let imm = (heap_code(hty), nullable as u32);
                self.gc_push_one(GcOp::RefCast, imm, v, Some(Ref));
            }
            Operator::BrOnCast {
                relative_depth,
                to_ref_type,
                ..
            }
            | Operator::BrOnCastFail {
                relative_depth,
                to_ref_type,
                ..
            } => {
                let v = self.pop();
                let ok = self.ref_test(v, to_ref_type);
                self.push(v);
                let (block, n) = self.branch_target(relative_depth);
                let args = self.branch_args(n);
                let next = self.b.create_block();
                if matches!(op, Operator::BrOnCast { .. }) {
                    self.b.ins().brif(ok, block, &args, next, &[]);
                } else {
                    self.b.ins().brif(ok, next, &[], block, &args);
                }
                self.b.seal_block(next);
                self.b.switch_to_block(next);
            }
            Operator::StructNew { struct_type_index } => {
                let n = self.struct_fields(struct_type_index).len();
                self.gc_push(GcOp::StructNew, (struct_type_index, 0), n, Some(Ref));
            }
            Operator::StructNewDefault { struct_type_index } => {
                self.gc_push(GcOp::StructNewDefault, (struct_type_index, 0), 0, Some(Ref));
            }
            Operator::StructGet {
                struct_type_index,
                field_index,
            } => {
                let t = self.struct_fields(struct_type_index)[field_index as usize].unpacked();
                let imm = (struct_type_index, field_index);
                self.gc_push(GcOp::StructGet, imm, 1, Some(t));
            }
            Operator::StructGetS {
                struct_type_index,
                field_index,
            } => self.gc_push(
                GcOp::StructGetS,
                (struct_type_index, field_index),
                1,
                Some(I32),
            ),
            Operator::StructGetU {
                struct_type_index,
                field_index,
            } => self.gc_push(
                GcOp::StructGetU,
                (struct_type_index, field_index),
                1,
                Some(I32),
            ),
            Operator::StructSet {
                struct_type_index,
                field_index,
            } => self.gc_push(GcOp::StructSet, (struct_type_index, field_index), 2, None),
            Operator::ArrayNew { array_type_index } => {
                self.gc_push(GcOp::ArrayNew, (array_type_index, 0), 2, Some(Ref))
            }
            Operator::ArrayNewDefault { array_type_index } => {
                self.gc_push(GcOp::ArrayNewDefault, (array_type_index, 0), 1, Some(Ref))
            }
            Operator::ArrayNewFixed {
                array_type_index,
                array_size,
            } => self.gc_push(
                GcOp::ArrayNewFixed,
                (array_type_index, array_size),
                array_size as usize,
                Some(Ref),
            ),
            Operator::ArrayNewData {
                array_type_index,
                array_data_index,
            } => self.gc_push(
                GcOp::ArrayNewData,
                (array_type_index, array_data_index),
                2,
                Some(Ref),
            ),
            Operator::ArrayNewElem {
                array_type_index,
                array_elem_index,
            } => self.gc_push(
                GcOp::ArrayNewElem,
                (array_type_index, array_elem_index),
                2,
                Some(Ref),
            ),
            Operator::ArrayGet { array_type_index } => {
                let t = self.array_elem(array_type_index).unpacked();
                self.gc_push(GcOp::ArrayGet, (array_type_index, 0), 2, Some(t));
            }
            Operator::ArrayGetS { array_type_index } => {
                self.gc_push(GcOp::ArrayGetS, (array_type_index, 0), 2, Some(I32))
            }
            Operator::ArrayGetU { array_type_index } => {
                self.gc_push(GcOp::ArrayGetU, (array_type_index, 0), 2, Some(I32))
            }
            Operator::ArraySet { array_type_index } => {
                self.gc_push(GcOp::ArraySet, (array_type_index, 0), 3, None)
            }
            Operator::ArrayLen => self.gc_push(GcOp::ArrayLen, (0, 0), 1, Some(I32)),
            Operator::ArrayFill { array_type_index } => {
                self.gc_push(GcOp::ArrayFill, (array_type_index, 0), 4, None)
            }
            Operator::ArrayCopy {
                array_type_index_dst,
                array_type_index_src,
            } => self.gc_push(
                GcOp::ArrayCopy,
                (array_type_index_dst, array_type_index_src),
                5,
                None,
            ),
            Operator::ArrayInitData {
                array_type_index,
                array_data_index,
            } => self.gc_push(
                GcOp::ArrayInitData,
                (array_type_index, array_data_index),
                4,
                None,
            ),
            Operator::ArrayInitElem {
                array_type_index,
                array_elem_index,
            } => self.gc_push(
                GcOp::ArrayInitElem,
                (array_type_index, array_elem_index),
                4,
                None,
            ),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Traps unless the callee's type (canonical id `actual`) is module type `type_index`
    /// or a subtype of it; the runtime is asked only when the ids `differ`.
    pub(crate) fn check_func_subtype(&mut self, differ: Value, actual: Value, type_index: u32) {
        let slow = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(differ, slow, &[], done, &[]);
        self.b.seal_block(slow);
        self.b.switch_to_block(slow);
        let actual = self.b.ins().uextend(types::I64, actual);
        let ok = self
            .gc_call(
                GcOp::FuncSubtype,
                (type_index, 0),
                &[actual],
                Some(WasmType::I32),
            )
            .expect("the check has a result");
        self.b
            .ins()
            .trapz(ok, super::trap_code(TrapKind::IndirectCallTypeMismatch));
        self.b.ins().jump(done, &[]);
        self.b.seal_block(done);
        self.b.switch_to_block(done);
    }

    /// Calls the runtime on one operand and pushes the result.
    fn gc_push_one(&mut self, op: GcOp, imm: (u32, u32), v: Value, result: Option<WasmType>) {
        if let Some(r) = self.gc_call(op, imm, &[v], result) {
            self.push(r);
        }
    }
}
