//! `br_table`: a jump table, or for tables with few distinct runs of targets a chain of
//! compares, which the CPU predicts better than one indirect jump and which needs no load.

use super::Translator;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, BlockArg, InstBuilder, JumpTableData};
use wasmparser::BrTable;

/// Most runs of equal targets (the default's included) a table may have to become a chain
/// of compares: each run costs one compare and branch, tried in order.
const MAX_CHAIN_RUNS: usize = 3;

/// A run of consecutive table entries with the same target: entries below `end` (and at or
/// above the previous run's end) branch to `block`.
struct Run {
    end: u64,
    /// The index of the run's first entry (the table's length for the default's alone).
    first: usize,
    block: ir::Block,
}

/// A branch target: a block and the values it takes.
pub(crate) type Entry = (ir::Block, Vec<BlockArg>);

/// The runs of a table's entries, the default's (every index from the table's length on)
/// last; `None` if there are more than `MAX_CHAIN_RUNS`.
fn runs(targets: &[ir::Block], default: ir::Block) -> Option<Vec<Run>> {
    let mut runs: Vec<Run> = Vec::new();
    for (i, block) in targets.iter().chain(std::iter::once(&default)).enumerate() {
        match runs.last_mut() {
            Some(last) if last.block == *block => last.end = i as u64 + 1,
            _ => {
                if runs.len() == MAX_CHAIN_RUNS {
                    return None;
                }
                runs.push(Run {
                    end: i as u64 + 1,
                    first: i,
                    block: *block,
                });
            }
        }
    }
    Some(runs)
}

impl Translator<'_, '_> {
    /// Translates `br_table` with `index` (popped) as its operand.
    pub(crate) fn br_table(
        &mut self,
        targets: &BrTable<'_>,
        index: ir::Value,
    ) -> Result<(), super::Error> {
        let depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        let mut entries = Vec::with_capacity(depths.len());
        for depth in depths {
            let (block, n) = self.branch_target(depth);
            entries.push((block, self.branch_args(n)));
        }
        let (block, n) = self.branch_target(targets.default());
        let default = (block, self.branch_args(n));
        self.jump_table(index, entries, default);
        Ok(())
    }

    /// Branches to entry `index` of `entries` (each a block and its arguments), or to
    /// `default` when `index` is past the end.
    pub(crate) fn jump_table(&mut self, index: ir::Value, entries: Vec<Entry>, default: Entry) {
        let blocks: Vec<ir::Block> = entries.iter().map(|e| e.0).collect();
        if let Some(runs) = runs(&blocks, default.0) {
            // Each compare runs only when the ones before failed, so the index is at least
            // the run's start: `index < end` selects the run. The last run (the default's)
            // takes every index left.
            let (last, tests) = runs
                .split_last()
                .expect("the default's run is always there");
            for run in tests {
                let args = &entries[run.first].1;
                let next = self.b.create_block();
                let inside =
                    self.b
                        .ins()
                        .icmp_imm_u(IntCC::UnsignedLessThan, index, run.end as i64);
                self.b.ins().brif(inside, run.block, args, next, &[]);
                self.b.switch_to_block(next);
                self.b.seal_block(next);
            }
            let args = if last.first < entries.len() {
                &entries[last.first].1
            } else {
                &default.1
            };
            self.b.ins().jump(last.block, args);
            return;
        }
        let mut calls = Vec::with_capacity(entries.len());
        for (block, args) in &entries {
            calls.push(self.b.func.dfg.block_call(*block, args));
        }
        let default = self.b.func.dfg.block_call(default.0, &default.1);
        let jt = self
            .b
            .create_jump_table(JumpTableData::new(default, &calls));
        self.b.ins().br_table(index, jt);
    }
}
