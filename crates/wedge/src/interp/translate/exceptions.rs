//! Exception handling: `throw`, `throw_ref`, `try_table`, and the legacy
//! `try`/`catch`/`catch_all`/`delegate`/`rethrow`.
//!
//! Every handler becomes an entry of the function's handler table covering the
//! instruction range of its body. `try_table` catch clauses get a landing pad after the
//! block that moves the delivered values to the clause's label; legacy catch bodies are
//! inline and keep the caught exception in a hidden slot for `rethrow`.

use super::{CtrlKind, Translator, TryInfo};
use crate::interp::code::Instr;
use crate::interp::gc_code::{Handler, HandlerKind, NO_SLOT};
use crate::types::{HeapType, RefType, ValType};
use crate::Error;
use wasmparser::{Catch, Operator};

impl Translator<'_> {
    /// Translates exception operators; returns false for any other operator.
    pub(super) fn exn_operator(&mut self, op: &Operator<'_>) -> Result<bool, Error> {
        use Operator as O;
        match op {
            O::TryTable { try_table } => {
                self.block(try_table.ty, CtrlKind::TryTable)?;
                let start = self.pc();
                self.bind_label();
                let ctrl = self.ctrl.last_mut().expect("try_table frame");
                ctrl.try_info.start = start;
                ctrl.try_info.catches = try_table.catches.clone();
            }
            O::Throw { tag_index } => self.throw(*tag_index),
            O::ThrowRef => {
                let exn = self.pop().slot;
                self.emit(Instr::ThrowRef { exn });
                self.reachable = false;
            }
            O::Try { blockty } => {
                self.block(*blockty, CtrlKind::Try)?;
                let start = self.pc();
                self.bind_label();
                let hidden = self.hidden_slots.pop().unwrap_or(NO_SLOT);
                let ctrl = self.ctrl.last_mut().expect("try frame");
                ctrl.try_info.start = start;
                ctrl.try_info.hidden = hidden;
            }
            O::Catch { tag_index } => self.legacy_catch(Some(*tag_index)),
            O::CatchAll => self.legacy_catch(None),
            O::Delegate { relative_depth } => self.delegate(*relative_depth),
            O::Rethrow { relative_depth } => {
                let i = self.ctrl.len() - 1 - *relative_depth as usize;
                let exn = self.ctrl[i].try_info.hidden;
                self.emit(Instr::ThrowRef { exn });
                self.reachable = false;
            }
            O::End if self.ctrl.last().map(|c| c.kind) == Some(CtrlKind::TryTable) => {
                self.try_table_end();
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The payload types of module tag `tag`.
    fn tag_params(&self, tag: u32) -> Vec<ValType> {
        let ty = self.module.tags[tag as usize];
        self.module.types[ty as usize].params().to_vec()
    }

    fn throw(&mut self, tag: u32) {
        let n = self.tag_params(tag).len();
        let args = self.materialize_top(n);
        let live = self.live_refs();
        self.pop_n(n);
        self.emit(Instr::Throw { tag, args });
        self.record_safepoint(live);
        self.reachable = false;
    }

    /// Points the pending `delegate` handlers that name the innermost frame's label at the
    /// handlers pushed from now on.
    pub(super) fn resolve_delegates(&mut self) {
        let resume = self.handlers.len() as u32;
        let Some(ctrl) = self.ctrl.last_mut() else {
            return;
        };
        for i in std::mem::take(&mut ctrl.try_info.delegates) {
            self.handlers[i].kind = HandlerKind::Delegate { resume };
        }
    }

    fn try_table_end(&mut self) {
        let end = self.pc();
        let has_catches = !self.ctrl.last().expect("frame").try_info.catches.is_empty();
        if self.reachable {
            let n = self.ctrl.last().map_or(0, |c| c.results.len());
            self.materialize_top(n);
            if has_catches {
                let at = self.emit(Instr::Br { target: 0 });
                self.ctrl.last_mut().expect("frame").patches.push(at);
            }
        }
        self.resolve_delegates();
        let ctrl = self.ctrl.pop().expect("try_table frame");
        let exnref = ValType::Ref(RefType {
            nullable: false,
            heap: HeapType::Exn,
        });
        for catch in &ctrl.try_info.catches {
            let (tag, with_ref, label) = match *catch {
                Catch::One { tag, label } => (Some(tag), false, label),
                Catch::OneRef { tag, label } => (Some(tag), true, label),
                Catch::All { label } => (None, false, label),
                Catch::AllRef { label } => (None, true, label),
            };
            let mut types = tag.map(|t| self.tag_params(t)).unwrap_or_default();
            let payload_slots: u32 = types.iter().map(|t| t.slots()).sum();
            if with_ref {
                types.push(exnref);
            }
            self.reset_stack(ctrl.height, ctrl.base, &types);
            let target = self.pc();
            self.bind_label();
            self.handlers.push(Handler {
                start: ctrl.try_info.start,
                end,
                kind: match tag {
                    Some(tag) => HandlerKind::Catch { tag },
                    None => HandlerKind::CatchAll,
                },
                dst: ctrl.base,
                exn_dst: if with_ref {
                    ctrl.base + payload_slots
                } else {
                    NO_SLOT
                },
                target,
            });
            self.reachable = true;
            self.emit_branch(label);
        }
        // Close the block like `end`: everything jumping to its end lands after the pads.
        let pc = self.pc();
        for &at in &ctrl.patches {
            self.patch(at, pc);
        }
        self.bind_label();
        self.reset_stack(ctrl.height, ctrl.base, &ctrl.results);
        self.reachable = true;
    }

    /// Legacy `catch` (with a tag) and `catch_all` (without).
    fn legacy_catch(&mut self, tag: Option<u32>) {
        if self.reachable {
            let n = self.ctrl.last().map_or(0, |c| c.results.len());
            self.materialize_top(n);
            let at = self.emit(Instr::Br { target: 0 });
            self.ctrl.last_mut().expect("try frame").patches.push(at);
        }
        if self.ctrl.last().map(|c| c.kind) == Some(CtrlKind::Try) {
            let end = self.pc();
            self.resolve_delegates();
            let ctrl = self.ctrl.last_mut().expect("try frame");
            ctrl.try_info.body_end = end;
            ctrl.kind = CtrlKind::Catch;
        }
        let ctrl = self.ctrl.last().expect("try frame");
        let (start, end, base, height, hidden) = (
            ctrl.try_info.start,
            ctrl.try_info.body_end,
            ctrl.base,
            ctrl.height,
            ctrl.try_info.hidden,
        );
        let target = self.pc();
        self.bind_label();
        self.handlers.push(Handler {
            start,
            end,
            kind: match tag {
                Some(tag) => HandlerKind::Catch { tag },
                None => HandlerKind::CatchAll,
            },
            dst: base,
            exn_dst: hidden,
            target,
        });
        let types = tag.map(|t| self.tag_params(t)).unwrap_or_default();
        self.reset_stack(height, base, &types);
        self.reachable = true;
    }

    /// Legacy `delegate`: ends the try; exceptions from its body go to the handlers of the
    /// frame `depth` levels out (or to the caller).
    fn delegate(&mut self, depth: u32) {
        let end = self.pc();
        // Delegates that name this try resume at its own delegate entry.
        self.resolve_delegates();
        let start = self.ctrl.last().expect("try frame").try_info.start;
        let index = self.handlers.len();
        self.handlers.push(Handler {
            start,
            end,
            kind: HandlerKind::Delegate { resume: u32::MAX },
            dst: 0,
            exn_dst: NO_SLOT,
            target: 0,
        });
        let target = self.ctrl.len() - 2 - depth as usize;
        if target > 0 {
            self.ctrl[target].try_info.delegates.push(index);
        }
        self.end();
    }
}

impl TryInfo {
    /// Information for a frame that is no try block.
    pub(super) fn none() -> TryInfo {
        TryInfo {
            start: 0,
            body_end: 0,
            hidden: NO_SLOT,
            catches: Vec::new(),
            delegates: Vec::new(),
        }
    }
}
