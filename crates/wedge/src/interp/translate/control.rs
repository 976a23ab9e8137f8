//! Control flow, locals and calls: blocks, branches, returns and call sites.

use super::{Ctrl, CtrlKind, Translator};
use crate::interp::code::{Instr, R};
use crate::types::ValType;
use crate::Error;

/// The fused branch replacing a compare whose only use is a conditional jump.
fn fuse_compare(instr: Instr, jump_if_true: bool) -> Option<Instr> {
    use Instr::*;
    let target = 0;
    Some(match (instr, jump_if_true) {
        (I32Eqz { src, .. }, true) => BrIfEqz { cond: src, target },
        (I32Eqz { src, .. }, false) => BrIfNez { cond: src, target },
        (I32Eq { a, b, .. }, true) | (I32Ne { a, b, .. }, false) => BrI32Eq { a, b, target },
        (I32Ne { a, b, .. }, true) | (I32Eq { a, b, .. }, false) => BrI32Ne { a, b, target },
        (I32LtS { a, b, .. }, true) | (I32GeS { a, b, .. }, false) => BrI32LtS { a, b, target },
        (I32LtU { a, b, .. }, true) | (I32GeU { a, b, .. }, false) => BrI32LtU { a, b, target },
        (I32GtS { a, b, .. }, true) | (I32LeS { a, b, .. }, false) => BrI32GtS { a, b, target },
        (I32GtU { a, b, .. }, true) | (I32LeU { a, b, .. }, false) => BrI32GtU { a, b, target },
        (I32LeS { a, b, .. }, true) | (I32GtS { a, b, .. }, false) => BrI32LeS { a, b, target },
        (I32LeU { a, b, .. }, true) | (I32GtU { a, b, .. }, false) => BrI32LeU { a, b, target },
        (I32GeS { a, b, .. }, true) | (I32LtS { a, b, .. }, false) => BrI32GeS { a, b, target },
        (I32GeU { a, b, .. }, true) | (I32LtU { a, b, .. }, false) => BrI32GeU { a, b, target },
        (I64Eq { a, b, .. }, true) | (I64Ne { a, b, .. }, false) => BrI64Eq { a, b, target },
        (I64Ne { a, b, .. }, true) | (I64Eq { a, b, .. }, false) => BrI64Ne { a, b, target },
        (I64LtS { a, b, .. }, true) | (I64GeS { a, b, .. }, false) => BrI64LtS { a, b, target },
        (I64LtU { a, b, .. }, true) | (I64GeU { a, b, .. }, false) => BrI64LtU { a, b, target },
        (I64GtS { a, b, .. }, true) | (I64LeS { a, b, .. }, false) => BrI64GtS { a, b, target },
        (I64GtU { a, b, .. }, true) | (I64LeU { a, b, .. }, false) => BrI64GtU { a, b, target },
        (I64LeS { a, b, .. }, true) | (I64GtS { a, b, .. }, false) => BrI64LeS { a, b, target },
        (I64LeU { a, b, .. }, true) | (I64GtU { a, b, .. }, false) => BrI64LeU { a, b, target },
        (I64GeS { a, b, .. }, true) | (I64LtS { a, b, .. }, false) => BrI64GeS { a, b, target },
        (I64GeU { a, b, .. }, true) | (I64LtU { a, b, .. }, false) => BrI64GeU { a, b, target },
        _ => return None,
    })
}

impl Translator<'_> {
    /// Sets the jump target of the branch instruction at `at` to instruction `to` (stored
    /// relative to `at`).
    pub(super) fn patch(&mut self, at: usize, to: u32) {
        match self.instrs[at].branch_target_mut() {
            Some(target) => *target = (to as i64 - at as i64) as i32,
            None => unreachable!("not a branch: {:?}", self.instrs[at]),
        }
    }

    /// Pops the i32 condition and emits a jump taken when it is `jump_if_true`; returns the
    /// instruction to patch with the target.
    fn emit_cond_jump(&mut self, jump_if_true: bool) -> usize {
        if let Some(idx) = self.last_producer_of_top() {
            if let Some(fused) = fuse_compare(self.instrs[idx], jump_if_true) {
                self.pop();
                self.instrs[idx] = fused;
                return idx;
            }
        }
        let cond = self.pop().slot;
        let target = 0;
        self.emit(if jump_if_true {
            Instr::BrIfNez { cond, target }
        } else {
            Instr::BrIfEqz { cond, target }
        })
    }

    /// Registers a forward or backward jump to the label of the frame `depth` levels out.
    pub(super) fn link_branch(&mut self, at: usize, depth: u32) {
        let i = self.ctrl.len() - 1 - depth as usize;
        if self.ctrl[i].kind == CtrlKind::Loop {
            let start = self.ctrl[i].loop_start;
            self.patch(at, start);
        } else {
            self.ctrl[i].patches.push(at);
        }
    }

    /// The copies a branch to `depth` needs: (type, destination, source) in safe order.
    pub(super) fn branch_moves(&self, depth: u32) -> Vec<(ValType, R, R)> {
        let target = &self.ctrl[self.ctrl.len() - 1 - depth as usize];
        let types = target.label_types();
        let entries = &self.stack[self.stack.len() - types.len()..];
        let mut dst = target.base;
        let mut moves = Vec::new();
        for e in entries {
            if e.slot != dst {
                moves.push((e.ty, dst, e.slot));
            }
            dst += e.ty.slots();
        }
        moves
    }

    pub(super) fn targets_func(&self, depth: u32) -> bool {
        depth as usize == self.ctrl.len() - 1
    }

    /// Emits an unconditional branch (or return) to the frame `depth` levels out.
    pub(super) fn emit_branch(&mut self, depth: u32) {
        if self.targets_func(depth) {
            self.emit_return();
            return;
        }
        for (ty, dst, src) in self.branch_moves(depth) {
            self.emit_copy(ty, dst, src);
        }
        let at = self.emit(Instr::Br { target: 0 });
        self.link_branch(at, depth);
    }

    /// Emits the function's return of the values on top of the stack, leaving the model as is.
    pub(super) fn emit_return(&mut self) {
        let n = self.ctrl[0].results.len();
        let entries: Vec<_> = self.stack[self.stack.len() - n..].to_vec();
        let slots: u32 = entries.iter().map(|e| e.ty.slots()).sum();
        let src = match entries.as_slice() {
            [] => 0,
            [one] => one.slot,
            [first, ..] => {
                for e in &entries {
                    self.emit_copy(e.ty, e.canon, e.slot);
                }
                first.canon
            }
        };
        self.emit(Instr::Return { src, slots });
    }

    pub(super) fn block(&mut self, bt: wasmparser::BlockType, kind: CtrlKind) -> Result<(), Error> {
        let (params, results) = self.block_type(bt);
        let is_if = kind == CtrlKind::If;
        // Values that a branch or another path could see must sit in their own slots.
        let cond_len = usize::from(is_if);
        let below = self.stack.len() - cond_len;
        for i in 0..below {
            let e = self.stack[i];
            if e.local || i >= below - params.len() {
                self.materialize(i);
            }
        }
        let else_patch = if is_if {
            Some(self.emit_cond_jump(false))
        } else {
            None
        };
        let height = self.stack.len() - params.len();
        let base = self.stack.get(height).map_or(self.cur, |e| e.canon);
        if kind == CtrlKind::Loop {
            self.bind_label();
        }
        self.ctrl.push(Ctrl {
            kind,
            params,
            results,
            height,
            base,
            loop_start: self.pc(),
            patches: Vec::new(),
            else_patch,
            try_info: super::TryInfo::none(),
        });
        Ok(())
    }

    /// Resets the stack to a frame's height and pushes `types` in their canonical slots.
    pub(super) fn reset_stack(&mut self, height: usize, base: R, types: &[ValType]) {
        self.stack.truncate(height);
        self.cur = base;
        for &t in types {
            self.push_temp(t);
        }
    }

    pub(super) fn else_(&mut self) {
        if self.reachable {
            let n = self.ctrl.last().map_or(0, |c| c.results.len());
            self.materialize_top(n);
            let at = self.emit(Instr::Br { target: 0 });
            self.ctrl.last_mut().expect("in if").patches.push(at);
        }
        let pc = self.pc();
        let ctrl = self.ctrl.last_mut().expect("in if");
        let else_patch = ctrl.else_patch.take();
        ctrl.kind = CtrlKind::Else;
        let (height, base, params) = (ctrl.height, ctrl.base, ctrl.params.clone());
        if let Some(at) = else_patch {
            self.patch(at, pc);
        }
        self.bind_label();
        self.reset_stack(height, base, &params);
        self.reachable = true;
    }

    pub(super) fn end(&mut self) {
        self.resolve_delegates();
        if self.ctrl.len() == 1 {
            if self.reachable {
                self.emit_return();
            }
            self.ctrl.pop();
            self.reachable = false;
            return;
        }
        if self.reachable {
            let n = self.ctrl.last().map_or(0, |c| c.results.len());
            self.materialize_top(n);
        }
        let ctrl = self.ctrl.pop().expect("frame");
        let pc = self.pc();
        for &at in &ctrl.patches {
            self.patch(at, pc);
        }
        if let Some(at) = ctrl.else_patch {
            self.patch(at, pc);
        }
        self.bind_label();
        self.reset_stack(ctrl.height, ctrl.base, &ctrl.results);
        self.reachable = true;
    }

    pub(super) fn br(&mut self, depth: u32) {
        self.emit_branch(depth);
        self.reachable = false;
    }

    pub(super) fn br_if(&mut self, depth: u32) {
        // After popping the condition, see whether the branch needs copies.
        let cond = self.stack.len() - 1;
        let simple = {
            let saved = self.stack.remove(cond);
            let simple = !self.targets_func(depth) && self.branch_moves(depth).is_empty();
            self.stack.insert(cond, saved);
            simple
        };
        if simple {
            let at = self.emit_cond_jump(true);
            self.link_branch(at, depth);
        } else {
            let skip = self.emit_cond_jump(false);
            self.emit_branch(depth);
            let pc = self.pc();
            self.patch(skip, pc);
            self.bind_label();
        }
    }

    pub(super) fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<(), Error> {
        let index = self.pop().slot;
        let mut depths = Vec::with_capacity(targets.len() as usize + 1);
        for d in targets.targets() {
            depths.push(d?);
        }
        depths.push(targets.default());
        self.emit(Instr::BrTable {
            index,
            len: depths.len() as u32 - 1,
        });
        let mut stubs = Vec::new();
        for &depth in &depths {
            let at = self.emit(Instr::Br { target: 0 });
            if self.targets_func(depth) || !self.branch_moves(depth).is_empty() {
                stubs.push((at, depth));
            } else {
                self.link_branch(at, depth);
            }
        }
        for (at, depth) in stubs {
            let pc = self.pc();
            self.patch(at, pc);
            self.emit_branch(depth);
        }
        self.reachable = false;
        Ok(())
    }

    pub(super) fn return_(&mut self) {
        self.emit_return();
        self.reachable = false;
    }

    pub(super) fn local_get(&mut self, index: u32) {
        let (ty, slot) = self.locals[index as usize];
        self.push_local(ty, slot);
    }

    pub(super) fn local_set(&mut self, index: u32, tee: bool) {
        let (ty, slot) = self.locals[index as usize];
        let top = *self.stack.last().expect("value");
        if top.local && top.slot == slot {
            if !tee {
                self.pop();
            }
            return;
        }
        // Earlier reads of the local that are still pending must see the old value.
        let len = self.stack.len();
        for i in 0..len - 1 {
            if self.stack[i].local && self.stack[i].slot == slot {
                self.materialize(i);
            }
        }
        if let Some(idx) = self.last_producer_of_top() {
            *self.instrs[idx].dst_mut().expect("producer") = slot;
        } else {
            self.emit_copy(ty, slot, top.slot);
        }
        self.pop();
        if tee {
            self.push_local(ty, slot);
        }
    }

    /// Materializes `n` arguments and returns the slot where they (and the results) live.
    pub(super) fn call_args(&mut self, n: usize) -> R {
        let args = self.materialize_top(n);
        self.pop_n(n);
        args
    }

    pub(super) fn call(&mut self, func: u32) {
        let ty = self.module.func_type(func).clone();
        let args = self.call_args(ty.params().len());
        if func < self.module.num_imported_funcs {
            self.emit(Instr::CallImport { func, args });
        } else {
            self.emit(Instr::Call {
                func,
                args,
                link: 0,
            });
        }
        self.call_safepoint();
        for &t in ty.results() {
            self.push_temp(t);
        }
        // The callee's frame starts at `args`; make sure ours is big enough to hold its results.
        self.max = self.max.max(self.cur);
    }

    pub(super) fn call_indirect(&mut self, type_index: u32, table: u32) {
        if self.table_is_64(table) {
            self.clamp_table_operands(&[true]);
        }
        let ty = self.module.types[type_index as usize].clone();
        // The index sits above the arguments, so copying them into place cannot clobber it.
        let index_slot = self.pop().slot;
        let args = self.call_args(ty.params().len());
        let site = self.indirect_sites.len() as u32;
        self.indirect_sites
            .push((table, self.module.type_ids[type_index as usize]));
        self.emit(Instr::CallIndirect {
            index: index_slot,
            args,
            site,
        });
        self.call_safepoint();
        for &t in ty.results() {
            self.push_temp(t);
        }
        self.max = self.max.max(self.cur);
    }

    pub(super) fn select(&mut self) {
        let cond = self.pop();
        let b = self.pop();
        let a = self.pop();
        let dst = self.push_temp(a.ty);
        if a.ty.slots() == 2 {
            self.emit(Instr::Select2 {
                dst,
                a: a.slot,
                b: b.slot,
            });
        } else {
            self.emit(Instr::Select {
                dst,
                a: a.slot,
                b: b.slot,
            });
        }
        self.emit(Instr::Extra {
            a: cond.slot,
            b: 0,
            c: 0,
        });
    }
}
