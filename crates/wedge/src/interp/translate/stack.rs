//! The translator's model of the operand stack: where each value lives right now.
//!
//! A value pushed at stack position `i` has a canonical slot fixed by the heights below it.
//! `local.get` and constants are not copied: their entry points at the local's or constant's
//! slot until something forces the value into its canonical slot ("materializing").

use super::Translator;
use crate::interp::code::{Instr, R};
use crate::types::ValType;

/// One value on the modelled operand stack.
#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    pub ty: ValType,
    /// Where the value is now.
    pub slot: R,
    /// Where the value belongs at its stack position.
    pub canon: R,
    /// Whether `slot` is a local (which a later `local.set` could overwrite).
    pub local: bool,
}

impl Translator<'_> {
    fn bump(&mut self, ty: ValType) -> R {
        let canon = self.cur;
        self.cur += ty.slots();
        self.max = self.max.max(self.cur);
        canon
    }

    /// Pushes a fresh value that an instruction will write to its canonical slot.
    pub(super) fn push_temp(&mut self, ty: ValType) -> R {
        let canon = self.bump(ty);
        self.stack.push(Entry {
            ty,
            slot: canon,
            canon,
            local: false,
        });
        canon
    }

    /// Pushes a reference to a local's slot.
    pub(super) fn push_local(&mut self, ty: ValType, slot: R) {
        let canon = self.bump(ty);
        self.stack.push(Entry {
            ty,
            slot,
            canon,
            local: true,
        });
    }

    /// Pushes a constant, from the frame's constant area or with an immediate instruction.
    pub(super) fn push_const(&mut self, ty: ValType, bits: u128) {
        match self.consts.slot_of(bits, ty.slots() == 2) {
            Some(slot) => {
                let canon = self.bump(ty);
                self.stack.push(Entry {
                    ty,
                    slot,
                    canon,
                    local: false,
                });
            }
            None => {
                let dst = self.push_temp(ty);
                let lo = bits as u64;
                self.emit(Instr::Const64 {
                    dst,
                    lo: lo as u32,
                    hi: (lo >> 32) as u32,
                });
                if ty.slots() == 2 {
                    let hi = (bits >> 64) as u64;
                    self.emit(Instr::Const64 {
                        dst: dst + 1,
                        lo: hi as u32,
                        hi: (hi >> 32) as u32,
                    });
                }
            }
        }
    }

    /// Pops the top value.
    pub(super) fn pop(&mut self) -> Entry {
        let e = self.stack.pop().expect("validated code never underflows");
        self.cur = e.canon;
        e
    }

    /// Pops the top `n` values, bottom first.
    pub(super) fn pop_n(&mut self, n: usize) -> Vec<Entry> {
        let at = self.stack.len() - n;
        let entries = self.stack.split_off(at);
        if let Some(first) = entries.first() {
            self.cur = first.canon;
        }
        entries
    }

    /// Emits the copy of a value from one slot to another.
    pub(super) fn emit_copy(&mut self, ty: ValType, dst: R, src: R) {
        if dst != src {
            if ty.slots() == 2 {
                self.emit(Instr::Copy2 { dst, src });
            } else {
                self.emit(Instr::Copy { dst, src });
            }
        }
    }

    /// Moves the stack entry at `index` into its canonical slot.
    pub(super) fn materialize(&mut self, index: usize) {
        let e = self.stack[index];
        if e.slot != e.canon {
            self.emit_copy(e.ty, e.canon, e.slot);
            self.stack[index].slot = e.canon;
            self.stack[index].local = false;
        }
    }

    /// Materializes the top `n` entries; returns the canonical slot of the lowest.
    pub(super) fn materialize_top(&mut self, n: usize) -> R {
        let len = self.stack.len();
        for i in len - n..len {
            self.materialize(i);
        }
        if n == 0 {
            self.cur
        } else {
            self.stack[len - n].canon
        }
    }
}

/// The frame's constant area: distinct constants get a slot each, up to a limit.
#[derive(Default)]
pub(super) struct ConstPool {
    /// First slot of the area.
    pub base: R,
    /// The constants' slot contents, in slot order.
    pub values: Vec<u64>,
    index: std::collections::HashMap<(u128, bool), R>,
}

/// How many distinct constant slots a frame may have; the rest use immediate instructions.
pub(super) const MAX_CONST_SLOTS: usize = 256;

impl ConstPool {
    /// An empty pool whose first slot is `base`.
    pub fn new(base: R) -> ConstPool {
        ConstPool {
            base,
            ..ConstPool::default()
        }
    }

    /// Reserves a slot for a constant if there is room (called while pre-scanning the body).
    pub fn add(&mut self, bits: u128, wide: bool) {
        if self.index.contains_key(&(bits, wide)) || self.values.len() + 2 > MAX_CONST_SLOTS {
            return;
        }
        let slot = self.base + self.values.len() as R;
        self.values.push(bits as u64);
        if wide {
            self.values.push((bits >> 64) as u64);
        }
        self.index.insert((bits, wide), slot);
    }

    /// The slot holding a constant, if it has one.
    pub fn slot_of(&self, bits: u128, wide: bool) -> Option<R> {
        self.index.get(&(bits, wide)).copied()
    }
}
