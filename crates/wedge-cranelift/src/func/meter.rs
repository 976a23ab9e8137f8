//! Metering and interruption points, placed exactly as the interpreter places them: a charge
//! at the start of every segment (see [`crate::Metering`]) and an interrupt check at the
//! function entry and every loop head, after that point's charge.
//!
//! Metered code keeps the gas used in the pinned register: the array trampoline loads it
//! from the store's meter on entry and stores it back on return; the host trampoline and
//! libcalls that may trap store it first (the host trampoline reloads it after); a fault
//! hands it to the runtime through the signal handler. The instruction count stays in the
//! meter.
//!
//! A segment's total is only known once it closes, so its charge is emitted with placeholder
//! constants that are patched afterwards. Every reachable operator gets a source location
//! naming a *record*: its segment and what the segment had charged up to and including it,
//! from which the refund of a trap at that operator follows (the segment's total minus that).

use super::{trap_code, Translator};
use crate::layout::LibCall;
use crate::TrapKind;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Inst, InstBuilder, MemFlagsData, SourceLoc, Value};
use wasmparser::Operator;

/// Where the translator is in the metering segments of a function.
pub(crate) struct Points {
    /// The next reachable operator starts a segment.
    pending_segment: bool,
    /// The next reachable operator starts the function or a loop body.
    pending_check: bool,
    /// The pointer to the store's meter, loaded at the entry (when metering).
    meter: Option<Value>,
    /// Gas and operator count of the current segment so far.
    gas: u64,
    count: u64,
    /// Per segment: its total and the constants to patch with it.
    segments: Vec<Segment>,
    /// Per record (a source location): segment index and what was charged through it.
    records: Vec<(usize, u64, u64)>,
    /// Constants stored before a trapping libcall: (gas constant, count constant, record).
    libcall_refunds: Vec<(Inst, Inst, usize)>,
    /// The current operator accesses memory with an access that faults when out of bounds.
    faulting_access: bool,
}

/// One segment's charge.
struct Segment {
    gas_const: Inst,
    count_const: Inst,
    gas: u64,
    count: u64,
}

impl Points {
    /// Points for a new function.
    pub(crate) fn new() -> Points {
        Points {
            pending_segment: true,
            pending_check: true,
            meter: None,
            gas: 0,
            count: 0,
            segments: Vec::new(),
            records: Vec::new(),
            libcall_refunds: Vec::new(),
            faulting_access: false,
        }
    }
}

impl Translator<'_, '_> {
    /// Loads the meter pointer (at the function entry, so it dominates every use).
    pub(crate) fn meter_entry(&mut self) {
        if self.env.metering.is_some() {
            let store = self.store_ptr();
            let flags = MemFlagsData::trusted().with_readonly();
            let p = self
                .b
                .ins()
                .load(types::I64, flags, store, self.env.layout.store_meter);
            self.points.meter = Some(p);
        }
    }

    /// Called before a reachable operator is translated.
    pub(crate) fn before_operator(&mut self, op: &Operator) {
        let metering = self.env.metering.clone();
        if self.points.pending_segment {
            self.points.pending_segment = false;
            if metering.is_some() {
                self.close_segment();
                self.open_segment();
            }
        }
        if self.points.pending_check {
            self.points.pending_check = false;
            if self.env.interruptible {
                self.interrupt_check();
            }
        }
        if let Some(m) = metering {
            let p = &mut self.points;
            p.gas = p.gas.saturating_add((m.cost)(op));
            p.count += 1;
            let record = self.new_record(self.points.gas, self.points.count);
            self.b.set_srcloc(SourceLoc::new(record));
        }
    }

    /// Notes that the current operator makes a memory access whose fault is the trap.
    pub(crate) fn faulting_access(&mut self) {
        self.points.faulting_access = true;
    }

    /// Called after an operator was translated (reachable, or an `else`/`end` in dead code).
    pub(crate) fn after_operator(&mut self, op: &Operator) {
        if std::mem::take(&mut self.points.faulting_access) && self.env.metering.is_some() {
            // Code generation may fold a load into the instruction using its value, which
            // can belong to the next operator (whose refund differs). A sequence point (no
            // code) is a side effect loads are never moved across.
            self.b.ins().sequence_point();
        }
        if let Some(m) = &self.env.metering {
            if (m.ends_segment)(op) {
                self.points.pending_segment = true;
            }
            self.b.set_srcloc(SourceLoc::default());
        }
        if matches!(op, Operator::Loop { .. }) {
            self.points.pending_check = true;
        }
    }

    /// A record of the current segment with `gas` and `count` charged so far.
    fn new_record(&mut self, gas: u64, count: u64) -> u32 {
        let seg = self.points.segments.len() - 1;
        self.points.records.push((seg, gas, count));
        (self.points.records.len() - 1) as u32
    }

    /// Emits the charge of a new segment (its amounts patched when it closes).
    fn open_segment(&mut self) {
        let l = self.env.layout;
        let meter = self.points.meter.expect("meter loaded at the entry");
        let gas = self.b.ins().iconst(types::I64, 0);
        let count = self.b.ins().iconst(types::I64, 0);
        let gas_const = self.b.func.dfg.value_def(gas).unwrap_inst();
        let count_const = self.b.func.dfg.value_def(count).unwrap_inst();
        self.points.segments.push(Segment {
            gas_const,
            count_const,
            gas: 0,
            count: 0,
        });
        self.points.gas = 0;
        self.points.count = 0;
        // The charge and the interrupt check give everything back if they trap (running out
        // of gas charged nothing; an interrupt before any operator ran).
        let record = self.new_record(0, 0);
        self.b.set_srcloc(SourceLoc::new(record));
        let flags = MemFlagsData::trusted();
        let used = self.b.ins().get_pinned_reg(types::I64);
        let limit = self
            .b
            .ins()
            .load(types::I64, flags, meter, l.meter_gas_limit);
        let exhausted = trap_code(TrapKind::GasExhausted);
        let new = self.b.ins().uadd_overflow_trap(used, gas, exhausted);
        let over = self.b.ins().icmp(IntCC::UnsignedGreaterThan, new, limit);
        self.b.ins().trapnz(over, exhausted);
        self.b.ins().set_pinned_reg(new);
        if !self
            .env
            .metering
            .as_ref()
            .is_some_and(|m| m.count_instructions)
        {
            return;
        }
        let n = self
            .b
            .ins()
            .load(types::I64, flags, meter, l.meter_instructions);
        let n = self.b.ins().iadd(n, count);
        self.b.ins().store(flags, n, meter, l.meter_instructions);
    }

    /// Records the current segment's totals.
    fn close_segment(&mut self) {
        if let Some(s) = self.points.segments.last_mut() {
            s.gas = self.points.gas;
            s.count = self.points.count;
        }
    }

    /// Before a libcall that may trap mid-segment: stores the gas used (kept in the pinned
    /// register) and what such a trap gives back.
    pub(crate) fn store_libcall_refund(&mut self, call: LibCall) {
        if self.env.metering.is_none() || !call.may_trap() {
            return;
        }
        let meter = self.points.meter.expect("meter loaded at the entry");
        let used = self.b.ins().get_pinned_reg(types::I64);
        let at = self.env.layout.meter_gas_used;
        self.b.ins().store(MemFlagsData::trusted(), used, meter, at);
        let Some(record) = self.points.records.len().checked_sub(1) else {
            return;
        };
        let l = self.env.layout;
        let store = self.store_ptr();
        let gas = self.b.ins().iconst(types::I64, 0);
        let count = self.b.ins().iconst(types::I64, 0);
        let flags = MemFlagsData::trusted();
        self.b.ins().store(flags, gas, store, l.store_refund_gas);
        self.b
            .ins()
            .store(flags, count, store, l.store_refund_count);
        let gas = self.b.func.dfg.value_def(gas).unwrap_inst();
        let count = self.b.func.dfg.value_def(count).unwrap_inst();
        self.points.libcall_refunds.push((gas, count, record));
    }

    /// Patches every segment's charge with its total; returns the refund of each record.
    pub(crate) fn finish_points(&mut self) -> Vec<(u64, u32)> {
        if self.env.metering.is_none() {
            return Vec::new();
        }
        self.close_segment();
        let p = std::mem::replace(&mut self.points, Points::new());
        for s in &p.segments {
            self.b
                .func
                .replace(s.gas_const)
                .iconst(types::I64, s.gas as i64);
            self.b
                .func
                .replace(s.count_const)
                .iconst(types::I64, s.count as i64);
        }
        let refunds: Vec<(u64, u32)> = p
            .records
            .iter()
            .map(|&(seg, gas, count)| {
                let s = &p.segments[seg];
                (s.gas - gas, (s.count - count) as u32)
            })
            .collect();
        for &(gas, count, record) in &p.libcall_refunds {
            let (g, c) = refunds[record];
            self.b.func.replace(gas).iconst(types::I64, g as i64);
            self.b.func.replace(count).iconst(types::I64, c as i64);
        }
        refunds
    }
}
