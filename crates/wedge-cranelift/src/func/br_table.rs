//! `br_table`: a jump table, or for tables with few distinct runs of targets a chain of
//! compares, which the CPU predicts better than one indirect jump and which needs no load.

use super::Translator;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, JumpTableData};
use wasmparser::BrTable;

/// Most runs of equal targets (the default's included) a table may have to become a chain
/// of compares: each run costs one compare and branch, tried in order.
const MAX_CHAIN_RUNS: usize = 3;

/// A run of consecutive table entries with the same target: entries below `end` (and at or
/// above the previous run's end) branch to label `depth`.
struct Run {
    end: u64,
    depth: u32,
}

/// The runs of a table's entries, the default's (every index from the table's length on)
/// last; `None` if there are more than `MAX_CHAIN_RUNS`.
fn runs(targets: &[u32], default: u32) -> Option<Vec<Run>> {
    let mut runs: Vec<Run> = Vec::new();
    for (i, depth) in targets.iter().chain(std::iter::once(&default)).enumerate() {
        match runs.last_mut() {
            Some(last) if last.depth == *depth => last.end = i as u64 + 1,
            _ => {
                if runs.len() == MAX_CHAIN_RUNS {
                    return None;
                }
                runs.push(Run {
                    end: i as u64 + 1,
                    depth: *depth,
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
        index: cranelift_codegen::ir::Value,
    ) -> Result<(), super::Error> {
        let depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        let default = targets.default();
        if let Some(runs) = runs(&depths, default) {
            // Each compare runs only when the ones before failed, so the index is at least
            // the run's start: `index < end` selects the run. The last run (the default's)
            // takes every index left.
            let (last, tests) = runs
                .split_last()
                .expect("the default's run is always there");
            for run in tests {
                let (block, n) = self.branch_target(run.depth);
                let args = self.branch_args(n);
                let next = self.b.create_block();
                let inside =
                    self.b
                        .ins()
                        .icmp_imm_u(IntCC::UnsignedLessThan, index, run.end as i64);
                self.b.ins().brif(inside, block, &args, next, &[]);
                self.b.switch_to_block(next);
                self.b.seal_block(next);
            }
            let (block, n) = self.branch_target(last.depth);
            let args = self.branch_args(n);
            self.b.ins().jump(block, &args);
            return Ok(());
        }
        let mut calls = Vec::with_capacity(depths.len());
        for depth in depths {
            let (block, n) = self.branch_target(depth);
            let args = self.branch_args(n);
            calls.push(self.b.func.dfg.block_call(block, &args));
        }
        let (block, n) = self.branch_target(default);
        let args = self.branch_args(n);
        let default = self.b.func.dfg.block_call(block, &args);
        let jt = self
            .b
            .create_jump_table(JumpTableData::new(default, &calls));
        self.b.ins().br_table(index, jt);
        Ok(())
    }
}
