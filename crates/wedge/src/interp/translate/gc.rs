//! Typed function references and GC operators, and the stack maps of safepoints.
//!
//! Stack maps: the translator knows the type of every local and every operand-stack
//! entry, so at each safepoint (a call, or an instruction that allocates) it records the
//! frame slots whose values are traced references. Reference-typed locals (and the hidden
//! slots of legacy `try`) are live at every safepoint; operand-stack entries are recorded
//! when they sit in their own slot (entries that still point at a local or a constant are
//! covered by the local, or are null). Operands of an allocating instruction are recorded
//! before they are popped, so they survive the collection the allocation may run; the
//! arguments of a call belong to the callee's frame and are recorded there.

use super::Translator;
use crate::interp::code::{Instr, R};
use crate::interp::gc_code::{GcOp, GcSite};
use crate::registry::{Composite, FieldType, StorageType};
use crate::types::{HeapType, RefType, ValType};
use crate::Error;
use wasmparser::Operator;

const I32: ValType = ValType::I32;

impl Translator<'_> {
    /// Frame slots of the operand stack that hold traced references now.
    pub(super) fn live_refs(&self) -> Vec<R> {
        self.stack
            .iter()
            .filter(|e| e.ty.is_traced() && !e.local && e.slot == e.canon)
            .map(|e| e.slot)
            .collect()
    }

    /// Records the stack map of the safepoint instruction just emitted.
    pub(super) fn record_safepoint(&mut self, live: Vec<R>) {
        if live.is_empty() {
            return;
        }
        let key = self.pc();
        let start = self.gc_slots.len() as u32;
        self.gc_slots.extend_from_slice(&live);
        self.gc_sites_map.push((key, start, live.len() as u32));
    }

    /// Records the stack map of a call just emitted (its arguments already popped).
    pub(super) fn call_safepoint(&mut self) {
        let live = self.live_refs();
        self.record_safepoint(live);
    }

    fn emit_gc(&mut self, op: GcOp, dst: R, a: R, site: GcSite) {
        let index = self.gc_sites.len() as u32;
        self.gc_sites.push(site);
        self.emit(Instr::Gc {
            op: op as u16,
            dst,
            a,
            site: index,
        });
    }

    /// A unary GC op: pops one operand, pushes a result of type `out`.
    fn gc_unary(&mut self, op: GcOp, out: ValType, site: GcSite) {
        let a = self.pop().slot;
        let dst = self.push_temp(out);
        self.emit_gc(op, dst, a, site);
    }

    /// A GC op on `n` consecutive operands with an optional result; `alloc` marks
    /// safepoints (the operands stay live in the stack map).
    fn gc_nary(&mut self, op: GcOp, n: usize, out: Option<ValType>, site: GcSite, alloc: bool) {
        let a = self.materialize_top(n);
        let live = if alloc { self.live_refs() } else { Vec::new() };
        self.pop_n(n);
        let dst = match out {
            Some(t) => self.push_temp(t),
            None => 0,
        };
        self.emit_gc(op, dst, a, site);
        if alloc {
            self.record_safepoint(live);
        }
    }

    fn cast_index(&mut self, ty: RefType) -> u32 {
        self.casts.push(ty);
        self.casts.len() as u32 - 1
    }

    fn struct_fields(&self, ty: u32) -> &[FieldType] {
        match &self.module.canon[ty as usize].composite {
            Composite::Struct(s) => &s.fields,
            _ => &[],
        }
    }

    fn array_elem(&self, ty: u32) -> FieldType {
        match &self.module.canon[ty as usize].composite {
            Composite::Array(f) => *f,
            _ => FieldType {
                storage: StorageType::I8,
                mutable: false,
            },
        }
    }

    fn concrete_ref(&self, ty: u32) -> ValType {
        ValType::Ref(RefType {
            nullable: false,
            heap: self.module.heap_types[ty as usize],
        })
    }

    fn heap(&self, h: wasmparser::HeapType) -> HeapType {
        HeapType::from_wasmparser(h, &self.module.heap_types)
    }

    /// Translates typed-reference and GC operators; returns false for any other operator.
    pub(super) fn gc_operator(&mut self, op: &Operator<'_>) -> Result<bool, Error> {
        use Operator as O;
        let site = GcSite::default();
        match *op {
            O::CallRef { type_index } => self.call_ref(type_index),
            O::ReturnCallRef { type_index } => self.return_call_ref(type_index),
            O::RefAsNonNull => {
                let e = self.pop();
                let ty = match e.ty {
                    ValType::Ref(r) => ValType::Ref(RefType {
                        nullable: false,
                        ..r
                    }),
                    t => t,
                };
                let dst = self.push_temp(ty);
                self.emit_gc(GcOp::RefAsNonNull, dst, e.slot, site);
            }
            O::BrOnNull { relative_depth } => self.br_on_null(relative_depth),
            O::BrOnNonNull { relative_depth } => self.br_on_non_null(relative_depth),
            O::RefEq => self.gc_nary(GcOp::RefEq, 2, Some(I32), site, false),
            O::RefI31 => {
                let ty = ValType::Ref(RefType {
                    nullable: false,
                    heap: HeapType::I31,
                });
                self.gc_unary(GcOp::RefI31, ty, site);
            }
            O::I31GetS => self.gc_unary(GcOp::I31GetS, I32, site),
            O::I31GetU => self.gc_unary(GcOp::I31GetU, I32, site),
            O::AnyConvertExtern | O::ExternConvertAny => {
                let heap = if matches!(op, O::AnyConvertExtern) {
                    HeapType::Any
                } else {
                    HeapType::Extern
                };
                let nullable = match self.stack.last().map(|e| e.ty) {
                    Some(ValType::Ref(r)) => r.nullable,
                    _ => true,
                };
                self.retype_ref(RefType { nullable, heap });
            }
            O::StructNew { struct_type_index } => {
                let n = self.struct_fields(struct_type_index).len();
                let site = GcSite {
                    ty: struct_type_index,
                    ..site
                };
                let out = self.concrete_ref(struct_type_index);
                self.gc_nary(GcOp::StructNew, n, Some(out), site, true);
            }
            O::StructNewDefault { struct_type_index } => {
                let site = GcSite {
                    ty: struct_type_index,
                    ..site
                };
                let out = self.concrete_ref(struct_type_index);
                self.gc_nary(GcOp::StructNewDefault, 0, Some(out), site, true);
            }
            O::StructGet {
                struct_type_index,
                field_index,
            }
            | O::StructGetS {
                struct_type_index,
                field_index,
            }
            | O::StructGetU {
                struct_type_index,
                field_index,
            } => {
                let gop = match op {
                    O::StructGet { .. } => GcOp::StructGet,
                    O::StructGetS { .. } => GcOp::StructGetS,
                    _ => GcOp::StructGetU,
                };
                let out = self.struct_fields(struct_type_index)[field_index as usize]
                    .storage
                    .unpacked();
                let site = GcSite {
                    ty: struct_type_index,
                    field: field_index,
                    cast: 0,
                };
                self.gc_unary(gop, out, site);
            }
            O::StructSet {
                struct_type_index,
                field_index,
            } => {
                let site = GcSite {
                    ty: struct_type_index,
                    field: field_index,
                    cast: 0,
                };
                self.gc_nary(GcOp::StructSet, 2, None, site, false);
            }
            O::ArrayNew { array_type_index } => {
                let site = GcSite {
                    ty: array_type_index,
                    ..site
                };
                let out = self.concrete_ref(array_type_index);
                self.gc_nary(GcOp::ArrayNew, 2, Some(out), site, true);
            }
            O::ArrayNewDefault { array_type_index } => {
                let site = GcSite {
                    ty: array_type_index,
                    ..site
                };
                let out = self.concrete_ref(array_type_index);
                self.gc_nary(GcOp::ArrayNewDefault, 1, Some(out), site, true);
            }
            O::ArrayNewFixed {
                array_type_index,
                array_size,
            } => {
                let site = GcSite {
                    ty: array_type_index,
                    field: array_size,
                    cast: 0,
                };
                let out = self.concrete_ref(array_type_index);
                self.gc_nary(
                    GcOp::ArrayNewFixed,
                    array_size as usize,
                    Some(out),
                    site,
                    true,
                );
            }
            O::ArrayNewData {
                array_type_index,
                array_data_index,
            } => {
                let site = GcSite {
                    ty: array_type_index,
                    field: array_data_index,
                    cast: 0,
                };
                let out = self.concrete_ref(array_type_index);
                self.gc_nary(GcOp::ArrayNewData, 2, Some(out), site, true);
            }
            O::ArrayNewElem {
                array_type_index,
                array_elem_index,
            } => {
                let site = GcSite {
                    ty: array_type_index,
                    field: array_elem_index,
                    cast: 0,
                };
                let out = self.concrete_ref(array_type_index);
                self.gc_nary(GcOp::ArrayNewElem, 2, Some(out), site, true);
            }
            O::ArrayGet { array_type_index }
            | O::ArrayGetS { array_type_index }
            | O::ArrayGetU { array_type_index } => {
                let gop = match op {
                    O::ArrayGet { .. } => GcOp::ArrayGet,
                    O::ArrayGetS { .. } => GcOp::ArrayGetS,
                    _ => GcOp::ArrayGetU,
                };
                let out = self.array_elem(array_type_index).storage.unpacked();
                let site = GcSite {
                    ty: array_type_index,
                    ..site
                };
                self.gc_nary(gop, 2, Some(out), site, false);
            }
            O::ArraySet { array_type_index } => {
                let site = GcSite {
                    ty: array_type_index,
                    ..site
                };
                self.gc_nary(GcOp::ArraySet, 3, None, site, false);
            }
            O::ArrayLen => self.gc_unary(GcOp::ArrayLen, I32, site),
            O::ArrayFill { array_type_index } => {
                let site = GcSite {
                    ty: array_type_index,
                    ..site
                };
                self.gc_nary(GcOp::ArrayFill, 4, None, site, false);
            }
            O::ArrayCopy {
                array_type_index_dst,
                array_type_index_src,
            } => {
                let site = GcSite {
                    ty: array_type_index_dst,
                    field: array_type_index_src,
                    cast: 0,
                };
                self.gc_nary(GcOp::ArrayCopy, 5, None, site, false);
            }
            O::ArrayInitData {
                array_type_index,
                array_data_index,
            } => {
                let site = GcSite {
                    ty: array_type_index,
                    field: array_data_index,
                    cast: 0,
                };
                self.gc_nary(GcOp::ArrayInitData, 4, None, site, false);
            }
            O::ArrayInitElem {
                array_type_index,
                array_elem_index,
            } => {
                let site = GcSite {
                    ty: array_type_index,
                    field: array_elem_index,
                    cast: 0,
                };
                self.gc_nary(GcOp::ArrayInitElem, 4, None, site, false);
            }
            O::RefTestNonNull { hty } | O::RefTestNullable { hty } => {
                let ty = RefType {
                    nullable: matches!(op, O::RefTestNullable { .. }),
                    heap: self.heap(hty),
                };
                let cast = self.cast_index(ty);
                self.gc_unary(GcOp::RefTest, I32, GcSite { cast, ..site });
            }
            O::RefCastNonNull { hty } | O::RefCastNullable { hty } => {
                let ty = RefType {
                    nullable: matches!(op, O::RefCastNullable { .. }),
                    heap: self.heap(hty),
                };
                let cast = self.cast_index(ty);
                self.gc_unary(GcOp::RefCast, ValType::Ref(ty), GcSite { cast, ..site });
            }
            O::BrOnCast {
                relative_depth,
                to_ref_type,
                ..
            } => {
                let to = self.module.ref_type(to_ref_type);
                self.br_on_cast(relative_depth, to, false);
            }
            O::BrOnCastFail {
                relative_depth,
                to_ref_type,
                ..
            } => {
                let to = self.module.ref_type(to_ref_type);
                self.br_on_cast(relative_depth, to, true);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Changes the reference type of the top value (conversions keep the bits).
    fn retype_ref(&mut self, ty: RefType) {
        if let Some(e) = self.stack.last_mut() {
            e.ty = ValType::Ref(ty);
        }
    }

    fn call_ref(&mut self, type_index: u32) {
        let ty = self.module.types[type_index as usize].clone();
        // The reference sits above the arguments, so placing them cannot clobber it.
        let func = self.pop().slot;
        let args = self.materialize_top(ty.params().len());
        self.pop_n(ty.params().len());
        self.emit(Instr::CallRef { func, args });
        self.call_safepoint();
        for &t in ty.results() {
            self.push_temp(t);
        }
        self.max = self.max.max(self.cur);
    }

    /// `br_on_null`: branches with the values below the reference when it is null.
    fn br_on_null(&mut self, depth: u32) {
        let r = self.pop();
        let simple = !self.targets_func(depth) && self.branch_moves(depth).is_empty();
        if simple {
            let at = self.emit(Instr::BrOnNull {
                src: r.slot,
                target: 0,
            });
            self.link_branch(at, depth);
        } else {
            let skip = self.emit(Instr::BrOnNonNull {
                src: r.slot,
                target: 0,
            });
            self.emit_branch(depth);
            let pc = self.pc();
            self.patch(skip, pc);
            self.bind_label();
        }
        let ty = match r.ty {
            ValType::Ref(t) => ValType::Ref(RefType {
                nullable: false,
                ..t
            }),
            t => t,
        };
        self.stack.push(super::stack::Entry { ty, ..r });
        self.cur = r.canon + ty.slots();
    }

    /// `br_on_non_null`: branches with the reference when it is not null, else drops it.
    fn br_on_non_null(&mut self, depth: u32) {
        let r = *self.stack.last().expect("reference");
        let simple = !self.targets_func(depth) && self.branch_moves(depth).is_empty();
        if simple {
            let at = self.emit(Instr::BrOnNonNull {
                src: r.slot,
                target: 0,
            });
            self.link_branch(at, depth);
        } else {
            let skip = self.emit(Instr::BrOnNull {
                src: r.slot,
                target: 0,
            });
            self.emit_branch(depth);
            let pc = self.pc();
            self.patch(skip, pc);
            self.bind_label();
        }
        self.pop();
    }

    /// `br_on_cast` (`fail` = false) and `br_on_cast_fail`: branches with the reference when
    /// the cast to `to` succeeds (fails); otherwise it stays on the stack.
    fn br_on_cast(&mut self, depth: u32, to: RefType, fail: bool) {
        let r = *self.stack.last().expect("reference");
        let cast = self.cast_index(to);
        let simple = !self.targets_func(depth) && self.branch_moves(depth).is_empty();
        let make = |jump_on_match: bool, target: u32| {
            if jump_on_match {
                Instr::BrOnCast {
                    src: r.slot,
                    cast,
                    target,
                }
            } else {
                Instr::BrOnCastFail {
                    src: r.slot,
                    cast,
                    target,
                }
            }
        };
        if simple {
            let at = self.emit(make(!fail, 0));
            self.link_branch(at, depth);
        } else {
            let skip = self.emit(make(fail, 0));
            self.emit_branch(depth);
            let pc = self.pc();
            self.patch(skip, pc);
            self.bind_label();
        }
    }
}
