//! Exception handling: `throw`, `throw_ref` and `try_table`.
//!
//! A thrown exception is *pending*: its raw reference sits in the store block
//! (`store_pending_exn`). After every call and throw, code checks it and goes to the
//! dispatch block of the innermost enclosing `try_table` of the function, which tries the
//! catch clauses in order and branches to the first that matches (clearing the pending
//! exception); with no match, or no `try_table` at all, the function returns at once (with
//! zero results) and its caller checks in turn. The runtime turns an exception still pending
//! when compiled code returns to it into an exception thrown by that call.

use super::control::FrameKind;
use super::{clif_type, trap_code, Translator};
use crate::layout::LibCall;
use crate::{TrapKind, WasmType};
use cranelift_codegen::ir::{
    self, types, BlockArg, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value,
};
use wasmparser::Catch;

impl Translator<'_, '_> {
    /// The block an exception thrown here goes to: the dispatch of the innermost enclosing
    /// `try_table`, or the block that returns from the function.
    pub(crate) fn exn_target(&mut self) -> ir::Block {
        self.exn_target_from(self.frames.len())
    }

    /// The exception target of code just inside `frames[..end]` (the innermost of them
    /// first).
    fn exn_target_from(&mut self, end: usize) -> ir::Block {
        for f in self.frames[..end].iter_mut().rev() {
            match &mut f.kind {
                FrameKind::TryTable { dispatch, used, .. }
                | FrameKind::Try {
                    dispatch,
                    used,
                    in_catch: false,
                    ..
                } => {
                    *used = true;
                    return *dispatch;
                }
                _ => {}
            }
        }
        if let Some(b) = self.propagate {
            return b;
        }
        let b = self.b.create_block();
        self.b.set_cold_block(b);
        self.propagate = Some(b);
        b
    }

    /// Fills the block that returns from the function with a pending exception.
    pub(crate) fn finish_propagate(&mut self) {
        let Some(b) = self.propagate else {
            return;
        };
        self.b.switch_to_block(b);
        self.b.seal_block(b);
        let sig = &self.env.types[self.env.func_types[self.func_index as usize] as usize];
        let tys: Vec<ir::Type> = sig.results.iter().map(|t| clif_type(*t)).collect();
        let zeros: Vec<Value> = tys.into_iter().map(|t| self.zero(t)).collect();
        self.b.ins().return_(&zeros);
    }

    /// The pending exception slot's value.
    fn load_pending(&mut self) -> Value {
        let store = self.store_ptr();
        let at = self.env.layout.store_pending_exn;
        self.b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), store, at)
    }

    /// Sets the pending exception slot.
    fn set_pending(&mut self, v: Value) {
        let store = self.store_ptr();
        let at = self.env.layout.store_pending_exn;
        self.b.ins().store(MemFlagsData::trusted(), v, store, at);
    }

    /// After a call: goes to the exception target if the callee left an exception pending.
    pub(crate) fn check_exception(&mut self) {
        let pending = self.load_pending();
        let target = self.exn_target();
        let next = self.b.create_block();
        self.b.ins().brif(pending, target, &[], next, &[]);
        self.b.seal_block(next);
        self.b.switch_to_block(next);
    }

    /// The address of a new stack slot of `words` 8-byte words.
    fn word_buffer(&mut self, words: usize) -> Value {
        let bytes = (words.max(1) * 8) as u32;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            bytes,
            4,
        ));
        self.b.ins().stack_addr(types::I64, slot, 0)
    }

    /// The payload types of module tag `tag` and how many words they take.
    fn tag_payload(&self, tag: u32) -> (Vec<WasmType>, usize) {
        let ty = self.env.tags[tag as usize];
        let params = self.env.types[ty as usize].params.clone();
        let words = params
            .iter()
            .map(|t| if *t == WasmType::V128 { 2 } else { 1 })
            .sum();
        (params, words)
    }

    /// `throw`, `throw_ref` and `try_table`; false for other operators.
    pub(crate) fn exceptions(&mut self, op: &wasmparser::Operator) -> Result<bool, crate::Error> {
        use wasmparser::Operator;
        match op {
            Operator::Throw { tag_index } => {
                let (params, words) = self.tag_payload(*tag_index);
                let vals = self.popn(params.len());
                let addr = self.word_buffer(words);
                let mut offset = 0;
                for (v, t) in vals.into_iter().zip(&params) {
                    let v = self.canon(v);
                    self.b.ins().store(MemFlagsData::trusted(), v, addr, offset);
                    offset += if *t == WasmType::V128 { 16 } else { 8 };
                }
                let tag = self.b.ins().iconst(types::I32, *tag_index as i64);
                self.libcall(LibCall::Throw, &[tag, addr]);
                let target = self.exn_target();
                self.b.ins().jump(target, &[]);
                self.reachable = false;
            }
            Operator::ThrowRef => {
                let exn = self.pop();
                self.b.ins().trapz(exn, trap_code(TrapKind::NullReference));
                self.set_pending(exn);
                let target = self.exn_target();
                self.b.ins().jump(target, &[]);
                self.reachable = false;
            }
            Operator::TryTable { try_table } => {
                let (params, results) = self.block_type(try_table.ty)?;
                let dest = self.new_block_with(&results);
                self.mark_block_refs(dest, try_table.ty, false);
                let dispatch = self.b.create_block();
                self.b.set_cold_block(dispatch);
                let kind = FrameKind::TryTable {
                    dispatch,
                    catches: try_table.catches.clone(),
                    used: false,
                };
                self.push_frame(kind, dest, None, params.len(), results.len());
            }
            Operator::Try { blockty } => {
                let (params, results) = self.block_type(*blockty)?;
                let dest = self.new_block_with(&results);
                self.mark_block_refs(dest, *blockty, false);
                let dispatch = self.b.create_block();
                self.b.set_cold_block(dispatch);
                let exn = self.b.declare_var(types::I64);
                self.b.declare_var_needs_stack_map(exn);
                let zero = self.b.ins().iconst(types::I64, 0);
                self.b.def_var(exn, zero);
                let kind = FrameKind::Try {
                    dispatch,
                    used: false,
                    handlers: Vec::new(),
                    exn,
                    in_catch: false,
                };
                self.push_frame(kind, dest, None, params.len(), results.len());
            }
            Operator::Catch { tag_index } => self.legacy_catch(Some(*tag_index)),
            Operator::CatchAll => self.legacy_catch(None),
            Operator::Delegate { relative_depth } => self.end_with(Some(*relative_depth))?,
            Operator::Rethrow { relative_depth } => {
                let i = self.frames.len() - 1 - *relative_depth as usize;
                let FrameKind::Try { exn, .. } = self.frames[i].kind else {
                    return Err(crate::Error::Unsupported("rethrow outside catch".into()));
                };
                let exn = self.b.use_var(exn);
                self.set_pending(exn);
                let target = self.exn_target();
                self.b.ins().jump(target, &[]);
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Legacy `catch` (with a tag) or `catch_all`: ends the try body or the previous
    /// handler and starts a handler, which receives the payload.
    fn legacy_catch(&mut self, tag: Option<u32>) {
        let payload = tag.map_or_else(Vec::new, |t| self.tag_payload(t).0);
        let types: Vec<ir::Type> = payload.iter().map(|t| clif_type(*t)).collect();
        let handler = self.new_block_with(&types);
        let params = self.b.block_params(handler).to_vec();
        for (v, t) in params.into_iter().zip(payload) {
            self.mark_if_ref(v, t);
        }
        let f = self.frames.last_mut().expect("catch inside try");
        let (dest, n, height) = (f.dest, f.num_results, f.height);
        if let FrameKind::Try {
            handlers, in_catch, ..
        } = &mut f.kind
        {
            handlers.push((tag, handler));
            *in_catch = true;
        }
        if self.reachable {
            self.frames.last_mut().expect("try frame").dest_reached = true;
            let args = self.branch_args(n);
            self.b.ins().jump(dest, &args);
        }
        self.stack.truncate(height);
        self.b.switch_to_block(handler);
        let vals = self.b.block_params(handler).to_vec();
        self.stack.extend(vals);
        self.reachable = true;
    }

    /// Fills the dispatch block of a legacy `try` that just ended (with `delegate`, its
    /// exceptions go to the handlers of that label's frame), and seals its handlers.
    pub(crate) fn finish_try(
        &mut self,
        dispatch: ir::Block,
        used: bool,
        handlers: &[(Option<u32>, ir::Block)],
        exn_var: cranelift_frontend::Variable,
        delegate: Option<u32>,
    ) {
        if used {
            self.b.switch_to_block(dispatch);
            self.b.seal_block(dispatch);
            let exn = self.load_pending();
            let mut caught = false;
            for &(tag, handler) in handlers {
                let mut vals = Vec::new();
                let mut next = None;
                if let Some(tag) = tag {
                    let (payload, miss) = self.match_tag(exn, tag);
                    vals.extend(payload.into_iter().map(BlockArg::Value));
                    next = Some(miss);
                }
                let zero = self.b.ins().iconst(types::I64, 0);
                self.set_pending(zero);
                self.b.def_var(exn_var, exn);
                self.b.ins().jump(handler, &vals);
                match next {
                    Some(miss) => self.b.switch_to_block(miss),
                    None => {
                        caught = true;
                        break;
                    }
                }
            }
            if !caught {
                let target = match delegate {
                    Some(depth) => self.exn_target_from(self.frames.len() - depth as usize),
                    None => self.exn_target(),
                };
                self.b.ins().jump(target, &[]);
            }
        }
        for &(_, handler) in handlers {
            self.b.seal_block(handler);
        }
    }

    /// Tests whether exception `exn` has tag `tag`: code continues in a block reached on a
    /// match, with the payload loaded; returns the payload and the block reached on a miss.
    fn match_tag(&mut self, exn: Value, tag: u32) -> (Vec<Value>, ir::Block) {
        let (params, words) = self.tag_payload(tag);
        let addr = self.word_buffer(words);
        let t = self.b.ins().iconst(types::I32, tag as i64);
        let hit = self.libcall(LibCall::ExnCatch, &[exn, t, addr])[0];
        let matched = self.b.create_block();
        let miss = self.b.create_block();
        self.b.ins().brif(hit, matched, &[], miss, &[]);
        self.b.seal_block(matched);
        self.b.seal_block(miss);
        self.b.switch_to_block(matched);
        let mut payload = Vec::with_capacity(params.len());
        let mut offset = 0;
        for t in &params {
            let flags = MemFlagsData::trusted();
            payload.push(self.b.ins().load(clif_type(*t), flags, addr, offset));
            offset += if *t == WasmType::V128 { 16 } else { 8 };
        }
        (payload, miss)
    }

    /// Fills the dispatch block of a `try_table` that just ended (the control stack is back
    /// to its enclosing frames, which its catch labels name).
    pub(crate) fn finish_dispatch(&mut self, dispatch: ir::Block, catches: &[Catch]) {
        self.b.switch_to_block(dispatch);
        self.b.seal_block(dispatch);
        let exn = self.load_pending();
        for c in catches {
            let (tag, label, with_ref) = match *c {
                Catch::One { tag, label } => (Some(tag), label, false),
                Catch::OneRef { tag, label } => (Some(tag), label, true),
                Catch::All { label } => (None, label, false),
                Catch::AllRef { label } => (None, label, true),
            };
            let mut vals = Vec::new();
            let mut next = None;
            if let Some(tag) = tag {
                let (payload, miss) = self.match_tag(exn, tag);
                vals = payload;
                next = Some(miss);
            }
            if with_ref {
                vals.push(exn);
            }
            let zero = self.b.ins().iconst(types::I64, 0);
            self.set_pending(zero);
            let (block, _) = self.branch_target(label);
            let args: Vec<BlockArg> = vals
                .into_iter()
                .map(|v| BlockArg::Value(self.canon(v)))
                .collect();
            self.b.ins().jump(block, &args);
            match next {
                Some(miss) => self.b.switch_to_block(miss),
                None => return,
            }
        }
        let target = self.exn_target();
        self.b.ins().jump(target, &[]);
    }
}
