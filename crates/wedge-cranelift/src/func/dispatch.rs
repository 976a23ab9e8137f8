//! Threaded dispatch: a loop whose body starts with a small dispatch (a few loads and local
//! updates ending in a `br_table` over blocks opened there, as a bytecode interpreter's
//! `loop` + `switch` compiles to) gets a copy of that dispatch at each `br` back to the loop
//! head. Each case then ends in its own indirect jump, which the CPU predicts from the case
//! it is in, instead of all cases sharing one.
//!
//! The copy runs the same operators on the same locals as the original would after the
//! jump back, so it is exact: no operand-stack values cross into the dispatch (every block
//! it opens starts on the loop's height), the operators have no effect but on locals and
//! traps of loads, and each replayed operator keeps its wasm offset for trap locations.
//! Only unmetered, uninterruptible code is transformed (the back edge carries the checks
//! there), and the blocks the copies branch to are sealed at the end of the loop.

use super::Translator;
use cranelift_codegen::ir::{self, SourceLoc};
use wasmparser::{BlockType, Operator};

/// Most operators (apart from `block`s) a dispatch may have (an interpreter's fetch of an
/// instruction and its operand takes about 17).
const MAX_OPS: usize = 20;
/// Most entries a dispatch's `br_table` may have (the default not counted).
const MAX_TARGETS: usize = 64;
/// Most copies of one dispatch.
const MAX_COPIES: usize = 64;

/// A dispatch being recorded right after its loop opens.
struct Recording<'a> {
    /// The loop's frame index.
    frame: usize,
    /// The operand-stack height inside the loop.
    height: usize,
    /// The operators with their source locations.
    ops: Vec<(SourceLoc, Operator<'a>)>,
}

/// A recorded dispatch: what each copy replays and where its `br_table` goes.
struct Dispatch<'a> {
    frame: usize,
    ops: Vec<(SourceLoc, Operator<'a>)>,
    /// The `br_table`'s targets and its default, none taking values.
    targets: Vec<ir::Block>,
    default: ir::Block,
    /// Targets opened inside the dispatch, sealed when the loop ends.
    unsealed: Vec<ir::Block>,
    copies: usize,
}

/// The translation's state of threaded dispatch.
#[derive(Default)]
pub(crate) struct Threading<'a> {
    recording: Option<Recording<'a>>,
    done: Option<Dispatch<'a>>,
}

/// Whether a dispatch may contain `op`: its only effects are on locals, the operand stack
/// and (for loads) out-of-bounds traps.
fn replayable(op: &Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        Nop | LocalGet { .. }
            | LocalSet { .. }
            | LocalTee { .. }
            | I32Const { .. }
            | I64Const { .. }
            | I32Add
            | I32Sub
            | I32Mul
            | I32And
            | I32Or
            | I32Xor
            | I32Shl
            | I32ShrU
            | I32ShrS
            | I64Add
            | I64Sub
            | I64Mul
            | I64And
            | I64Or
            | I64Xor
            | I64Shl
            | I64ShrU
            | I64ShrS
            | I32WrapI64
            | I64ExtendI32U
            | I64ExtendI32S
            | I32Load { .. }
            | I32Load8U { .. }
            | I32Load8S { .. }
            | I32Load16U { .. }
            | I32Load16S { .. }
            | I64Load { .. }
            | I64Load8U { .. }
            | I64Load8S { .. }
            | I64Load16U { .. }
            | I64Load16S { .. }
            | I64Load32U { .. }
            | I64Load32S { .. }
    )
}

impl<'a> Threading<'a> {
    /// Whether `op` is a `br` that should become a copy of the dispatch.
    fn is_back_edge(&self, t: &Translator, op: &Operator) -> bool {
        match (op, &self.done) {
            (Operator::Br { relative_depth }, Some(d)) => {
                t.reachable
                    && d.copies < MAX_COPIES
                    && t.frames.len() - 1 - *relative_depth as usize == d.frame
            }
            _ => false,
        }
    }
}

impl<'a> Translator<'_, '_> {
    /// Translates `op` (at source location `loc`), recording or copying a dispatch where
    /// one applies; `enabled` is false where the transform must not run.
    pub(crate) fn threaded(
        &mut self,
        th: &mut Threading<'a>,
        loc: SourceLoc,
        op: Operator<'a>,
        enabled: bool,
    ) -> Result<(), super::Error> {
        if !enabled {
            return self.operator(op);
        }
        if th.is_back_edge(self, &op) {
            return self.copy_dispatch(th, loc);
        }
        if let Some(rec) = th.recording.as_mut() {
            let keep = match &op {
                Operator::Block {
                    blockty: BlockType::Empty,
                } => self.stack.len() == rec.height,
                Operator::BrTable { targets } => {
                    self.stack.len() == rec.height + 1 && targets.len() as usize <= MAX_TARGETS
                }
                op => replayable(op) && rec.ops.len() < MAX_OPS,
            };
            if !keep || !self.reachable {
                th.recording = None;
            } else if let Operator::BrTable { targets } = &op {
                let rec = th.recording.take().expect("recording");
                th.done = self.finish_recording(rec, targets)?;
            } else if !matches!(op, Operator::Block { .. }) {
                rec.ops.push((loc, op.clone()));
            }
        }
        let end_of = match op {
            Operator::End => th.done.as_ref().map(|d| d.frame) == Some(self.frames.len() - 1),
            _ => false,
        };
        let is_loop = matches!(
            op,
            Operator::Loop {
                blockty: BlockType::Empty
            }
        );
        let reachable = self.reachable;
        self.operator(op)?;
        if end_of {
            let d = th.done.take().expect("dispatch");
            for block in d.unsealed {
                self.b.seal_block(block);
            }
        }
        if is_loop && reachable && th.done.is_none() {
            th.recording = Some(Recording {
                frame: self.frames.len() - 1,
                height: self.stack.len(),
                ops: Vec::new(),
            });
        }
        Ok(())
    }

    /// The dispatch ending in `targets` (not yet translated), if every target takes no
    /// values; its blocks opened in the dispatch stay unsealed from now on.
    fn finish_recording(
        &mut self,
        rec: Recording<'a>,
        targets: &wasmparser::BrTable<'a>,
    ) -> Result<Option<Dispatch<'a>>, super::Error> {
        let depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        let mut blocks = Vec::with_capacity(depths.len() + 1);
        let mut unsealed = Vec::new();
        for depth in depths.iter().chain(std::iter::once(&targets.default())) {
            let i = self.frames.len() - 1 - *depth as usize;
            let f = &self.frames[i];
            let (block, arity) = match f.header {
                Some(h) => (h, f.num_params),
                None => (f.dest, f.num_results),
            };
            if arity != 0 {
                return Ok(None);
            }
            if i > rec.frame && !unsealed.contains(&block) {
                unsealed.push(block);
            }
            blocks.push(block);
        }
        for f in &mut self.frames[rec.frame + 1..] {
            if unsealed.contains(&f.dest) {
                f.seal = false;
            }
        }
        let default = blocks.pop().expect("the default is there");
        Ok(Some(Dispatch {
            frame: rec.frame,
            ops: rec.ops,
            targets: blocks,
            default,
            unsealed,
            copies: 0,
        }))
    }

    /// Translates a `br` back to the dispatch loop's head as a copy of the dispatch.
    fn copy_dispatch(
        &mut self,
        th: &mut Threading<'a>,
        loc: SourceLoc,
    ) -> Result<(), super::Error> {
        let d = th.done.as_mut().expect("dispatch");
        d.copies += 1;
        let height = self.frames[d.frame].height;
        // The `br` drops whatever is above the loop's height.
        self.stack.truncate(height);
        let offsets = self.env.metering.is_none();
        for (at, op) in d.ops.clone() {
            if offsets {
                self.b.set_srcloc(at);
            }
            self.operator(op)?;
        }
        if offsets {
            self.b.set_srcloc(loc);
        }
        let index = self.pop();
        let d = th.done.as_ref().expect("dispatch");
        let targets: Vec<_> = d.targets.iter().map(|b| (*b, Vec::new())).collect();
        self.jump_table(index, targets, (d.default, Vec::new()));
        self.reachable = false;
        Ok(())
    }
}
