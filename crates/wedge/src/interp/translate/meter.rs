//! Metering and interruption points: `Meter` at the start of every segment (see
//! [`crate::limits`]) and `CheckInterrupt` at function entry and loop heads.

use super::Translator;
use crate::interp::code::Instr;
use crate::limits::{ends_segment, CostTable};
use wasmparser::Operator;

/// The segment being translated and what each instruction may have to give back.
pub(super) struct SegmentMeter {
    costs: CostTable,
    /// Index of the current segment's `Meter` instruction.
    meter_at: usize,
    /// Gas and operator count of the current segment so far.
    gas: u64,
    count: u32,
    /// Per instruction: gas and count of its segment up to the operator that emitted it.
    charged: Vec<(u64, u32)>,
    /// Per instruction: what a trap at it gives back (filled when its segment closes).
    pub refunds: Vec<(u64, u32)>,
}

/// What the main translation loop asks for around each operator.
pub(super) struct Points {
    /// Emit `Meter` instructions.
    pub metering: Option<SegmentMeter>,
    /// Emit `CheckInterrupt` instructions.
    pub interruptible: bool,
    /// Emit `TierCount` instructions (at loop heads).
    pub tiering: bool,
    /// The next reachable operator starts a segment.
    pending_segment: bool,
    /// The next reachable operator starts a loop body or the function body.
    pending_check: bool,
    /// The next reachable operator starts a loop body: the `osr` of its `TierCount`.
    pending_loop: Option<u32>,
    /// The `osr` of the `TierCount` of the loop being translated (set before its `loop`).
    pub loop_osr: u32,
}

impl Points {
    /// Points for a function of an engine with these settings.
    pub fn new(metering: bool, costs: &CostTable, interruptible: bool) -> Points {
        Points {
            metering: metering.then(|| SegmentMeter {
                costs: costs.clone(),
                meter_at: 0,
                gas: 0,
                count: 0,
                charged: Vec::new(),
                refunds: Vec::new(),
            }),
            interruptible,
            tiering: false,
            pending_segment: true,
            pending_check: true,
            pending_loop: None,
            loop_osr: crate::interp::code::NO_OSR,
        }
    }

    /// Whether anything is emitted at all.
    pub fn active(&self) -> bool {
        self.metering.is_some() || self.interruptible || self.tiering
    }
}

impl Translator<'_> {
    /// Called before a reachable operator is translated.
    pub(super) fn before_operator(&mut self, points: &mut Points, op: &Operator<'_>) {
        if points.pending_segment {
            points.pending_segment = false;
            if let Some(m) = &mut points.metering {
                m.close(&mut self.instrs);
                m.meter_at = self.instrs.len();
                m.gas = 0;
                m.count = 0;
                self.instrs.push(Instr::Meter {
                    gas_lo: 0,
                    gas_hi: 0,
                    count: 0,
                });
            }
        }
        if points.pending_check {
            points.pending_check = false;
            if points.interruptible {
                self.instrs.push(Instr::CheckInterrupt {});
            }
        }
        if let Some(osr) = points.pending_loop.take() {
            if points.tiering {
                self.instrs.push(Instr::TierCount { osr });
            }
        }
        if let Some(m) = &mut points.metering {
            m.record(self.instrs.len());
            m.gas = m.gas.saturating_add(m.costs.cost(op));
            m.count += 1;
        }
    }

    /// Called after any operator was translated (reachable or a label in dead code).
    pub(super) fn after_operator(&mut self, points: &mut Points, op: &Operator<'_>) {
        if let Some(m) = &mut points.metering {
            m.record(self.instrs.len());
        }
        if points.metering.is_some() && ends_segment(op) {
            points.pending_segment = true;
        }
        if matches!(op, Operator::Loop { .. }) {
            points.pending_check = true;
            points.pending_loop = Some(points.loop_osr);
        }
    }

    /// Closes the last segment; returns the per-instruction refunds.
    pub(super) fn finish_points(&mut self, points: &mut Points) -> Vec<(u64, u32)> {
        match &mut points.metering {
            Some(m) => {
                m.record(self.instrs.len());
                m.close(&mut self.instrs);
                let mut refunds = std::mem::take(&mut m.refunds);
                refunds.resize(self.instrs.len(), (0, 0));
                refunds
            }
            None => Vec::new(),
        }
    }
}

impl SegmentMeter {
    /// Marks every instruction emitted since the last call with the charge so far.
    fn record(&mut self, len: usize) {
        let so_far = (self.gas, self.count);
        self.charged.resize(len, so_far);
    }

    /// Writes the current segment's totals into its `Meter` and the refunds of its code.
    fn close(&mut self, instrs: &mut [Instr]) {
        let start = self.meter_at;
        if start >= instrs.len() {
            return;
        }
        instrs[start] = Instr::Meter {
            gas_lo: self.gas as u32,
            gas_hi: (self.gas >> 32) as u32,
            count: self.count,
        };
        self.refunds.resize(start, (0, 0));
        // The `Meter` itself gives nothing back: running out of gas charges nothing.
        self.refunds.push((0, 0));
        for &(gas, count) in &self.charged[start + 1..instrs.len()] {
            self.refunds.push((self.gas - gas, self.count - count));
        }
    }
}
