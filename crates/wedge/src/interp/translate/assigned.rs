//! Which declared locals a function may read before writing them: a forward "definitely
//! assigned" pass over the body, so that a call zeroes only those locals in the new frame.
//!
//! The pass follows wasm's structured control flow: each block, loop and `if` keeps the
//! set of locals written on every path that reaches its end (the intersection over the
//! branches to its label and the fall-through), a loop's start is reached with what was
//! assigned on entry (back edges only add to that), and code after an unconditional
//! branch is unreachable and assigns everything. A `local.get` of a local outside the set
//! at that point needs the local zeroed. Functions with exception handling, or too many
//! locals for the pass to be cheap, zero all their locals.

use crate::Error;
use wasmparser::{FunctionBody, Operator};

/// Locals above this count are all zeroed (the pass copies a set per block).
const MAX_LOCALS: usize = 4096;

/// A set of declared locals, one bit each.
type Set = Vec<u64>;

/// A control frame of the pass.
struct Frame {
    /// Whether branches to the frame's label go to its start (a loop).
    is_loop: bool,
    /// Assigned on entry (an `else` starts from it).
    entry: Set,
    /// Intersection of the sets of the branches to the frame's end so far (None: none yet).
    out: Option<Set>,
    /// An `if` without its `else` yet: the implicit else falls through with `entry`.
    open_if: bool,
}

/// Per declared local (after the `params` parameters), whether it may be read before it
/// is written, so its slot must start as zero.
pub(super) fn needs_zero(
    body: &FunctionBody<'_>,
    params: u32,
    count: usize,
) -> Result<Vec<bool>, Error> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if count > MAX_LOCALS {
        return Ok(vec![true; count]);
    }
    let words = count.div_ceil(64);
    let mut needs = vec![false; count];
    let mut cur: Set = vec![0; words];
    let mut reachable = true;
    let mut frames = vec![Frame {
        is_loop: false,
        entry: cur.clone(),
        out: None,
        open_if: false,
    }];
    // The declared local of a local index, if it is not a parameter.
    let local = |index: u32| index.checked_sub(params).map(|i| i as usize);
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let op = reader.read()?;
        match op {
            Operator::LocalGet { local_index } => {
                if let Some(i) = local(local_index) {
                    if reachable && cur[i / 64] & 1 << (i % 64) == 0 {
                        needs[i] = true;
                    }
                }
            }
            Operator::LocalSet { local_index } | Operator::LocalTee { local_index } => {
                if let Some(i) = local(local_index) {
                    cur[i / 64] |= 1 << (i % 64);
                }
            }
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                frames.push(Frame {
                    is_loop: matches!(op, Operator::Loop { .. }),
                    entry: cur.clone(),
                    out: None,
                    open_if: matches!(op, Operator::If { .. }),
                });
            }
            Operator::Else => {
                let f = frames.last_mut().expect("validated: else in an if");
                if reachable {
                    join(&mut f.out, &cur);
                }
                f.open_if = false;
                cur.clone_from(&f.entry);
                reachable = true;
            }
            Operator::End => {
                let f = frames.pop().expect("validated: balanced ends");
                let mut out = if f.is_loop { None } else { f.out };
                if reachable {
                    join(&mut out, &cur);
                }
                if f.open_if {
                    join(&mut out, &f.entry);
                }
                match out {
                    Some(set) => {
                        cur = set;
                        reachable = true;
                    }
                    None => reachable = false,
                }
            }
            Operator::Br { relative_depth } => {
                branch(&mut frames, relative_depth, &cur, reachable);
                reachable = false;
            }
            Operator::BrIf { relative_depth }
            | Operator::BrOnNull { relative_depth }
            | Operator::BrOnNonNull { relative_depth }
            | Operator::BrOnCast { relative_depth, .. }
            | Operator::BrOnCastFail { relative_depth, .. }
            | Operator::BrOnCastDescEq { relative_depth, .. }
            | Operator::BrOnCastDescEqFail { relative_depth, .. } => {
                branch(&mut frames, relative_depth, &cur, reachable);
            }
            Operator::BrTable { targets } => {
                for depth in targets.targets() {
                    branch(&mut frames, depth?, &cur, reachable);
                }
                branch(&mut frames, targets.default(), &cur, reachable);
                reachable = false;
            }
            Operator::Return
            | Operator::Unreachable
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef => reachable = false,
            Operator::TryTable { .. }
            | Operator::Try { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Delegate { .. }
            | Operator::Rethrow { .. }
            | Operator::Resume { .. }
            | Operator::ResumeThrow { .. }
            | Operator::ResumeThrowRef { .. }
            | Operator::Switch { .. } => return Ok(vec![true; count]),
            _ => {}
        }
    }
    Ok(needs)
}

/// Records a branch with `set` assigned to the frame `depth` labels out.
fn branch(frames: &mut [Frame], depth: u32, set: &Set, reachable: bool) {
    if !reachable {
        return;
    }
    let i = frames.len() - 1 - depth as usize;
    let f = &mut frames[i];
    if !f.is_loop {
        join(&mut f.out, set);
    }
}

/// Intersects `out` (None: everything) with `set`.
fn join(out: &mut Option<Set>, set: &Set) {
    match out {
        Some(o) => o.iter_mut().zip(set).for_each(|(a, b)| *a &= b),
        None => *out = Some(set.clone()),
    }
}
