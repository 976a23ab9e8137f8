//! Drops from the frame template the constants that no instruction reads any more.
//!
//! The translator gives every distinct constant of a function a slot before it translates
//! the body, and the last pass (`peephole.rs`) then turns many of the instructions that
//! read one into forms with an immediate. A constant whose readers all took such a form
//! still had its slot copied into every new frame. This pass, run after that one, numbers
//! the constants that are still read first (in their old order) and returns their values
//! alone, so that the template ends after them: the slots of the others stay in the
//! frame, never read nor written.
//!
//! It changes only operands that name a constant slot, and only in functions all of whose
//! instructions it knows the reads of; anything else (SIMD, GC, exceptions, atomics, tail
//! calls, wide arithmetic, generic memory access, or a range of slots read from below the
//! temporaries) leaves the function as it is.

use crate::interp::code::{Instr, R};

/// Renumbers the constant slots `base..base + values.len()` (one slot per value, no wide
/// constant) that `instrs` read so that they come first, and returns their values in the
/// new order; None (changing nothing) if some instruction's reads are not known here.
/// `temps` is the first slot of the temporaries, after the constants.
pub(super) fn compact(instrs: &mut [Instr], base: R, values: &[u64], temps: R) -> Option<Vec<u64>> {
    let len = values.len() as R;
    let index = |slot: R| slot.checked_sub(base).filter(|&i| i < len);
    let mut used = vec![false; values.len()];
    for at in 0..instrs.len() {
        let mut instr = instrs[at];
        let before = at.checked_sub(1).map(|b| instrs[b]);
        let known = reads(&mut instr, before, temps, &mut |slot| {
            if let Some(i) = index(*slot) {
                used[i as usize] = true;
            }
        });
        if !known {
            return None;
        }
    }
    if used.iter().all(|&u| u) {
        return None;
    }
    let mut renumbered = vec![0; values.len()];
    let mut kept = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        if used[i] {
            renumbered[i] = base + kept.len() as R;
            kept.push(v);
        }
    }
    for at in 0..instrs.len() {
        let before = at.checked_sub(1).map(|b| instrs[b]);
        reads(&mut instrs[at], before, temps, &mut |slot| {
            if let Some(i) = index(*slot) {
                *slot = renumbered[i as usize];
            }
        });
    }
    Some(kept)
}

/// Calls `f` on each slot `instr` reads as one value (`before` is the instruction before
/// it, which an `Extra` word belongs to); false if its reads are not known here, or it
/// reads a range of slots that does not start at or after `temps`.
fn reads(instr: &mut Instr, before: Option<Instr>, temps: R, f: &mut impl FnMut(&mut R)) -> bool {
    use Instr::*;
    if instr.form_reads(f) {
        return true;
    }
    let range = |start: R| start >= temps;
    match instr {
        Const32 { .. }
        | Const64 { .. }
        | GlobalGet { .. }
        | GlobalGet2 { .. }
        | RefFunc { .. }
        | MemorySize { .. }
        | TableSize { .. }
        | Meter { .. }
        | CheckInterrupt {}
        | TierCount { .. }
        | Unreachable {}
        | Br { .. }
        | BrIfNezAcc { .. }
        | BrIfEqzAcc { .. }
        | BrTableAcc { .. }
        | BrEntry { .. }
        | ReturnAcc {}
        | GlobalSetAcc { .. }
        | DataDrop { .. }
        | ElemDrop { .. } => true,
        Select { a, b, .. } | SelectAcc { a, b, .. } | Select2 { a, b, .. } => {
            f(a);
            f(b);
            true
        }
        // The condition of a `select`.
        Extra { a, .. } => match before {
            Some(Select { .. } | SelectAcc { .. } | Select2 { .. }) => {
                f(a);
                true
            }
            _ => false,
        },
        F32x4CanonNan { src, .. } | F64x2CanonNan { src, .. } => {
            f(src);
            true
        }
        MemoryGrow { delta, .. } => {
            f(delta);
            true
        }
        TableGet { index, .. } | BrTable { index, .. } => {
            f(index);
            true
        }
        BrIfNez { cond, .. } | BrIfEqz { cond, .. } => {
            f(cond);
            true
        }
        I32ShrUAndImm { a, .. }
        | I32ShrUAndImmToAcc { a, .. }
        | GlobalSetAddImm { a, .. }
        | I32AndShlImmToAcc { a, .. }
        | I32ShlAccAdd { b: a, .. }
        | I32ShlAccAddToAcc { b: a, .. } => {
            f(a);
            true
        }
        BrTableAccAddImm { .. } | GlobalSubImm { .. } | I32AndShlAccImmToAcc { .. } => true,
        CopyCall { src, .. } | I32AddImmBr { a: src, .. } => {
            f(src);
            true
        }
        CopyPairCall { a, b, .. } | I32ShlAddImm { a, b, .. } | I32ShlAddImmToAcc { a, b, .. } => {
            f(a);
            f(b);
            true
        }
        I64LoadStore { src, dst, .. } | I32LoadStore { src, dst, .. } => {
            f(src);
            f(dst);
            true
        }
        CopyPair { a, b, .. } => {
            f(a);
            f(b);
            true
        }
        I32AddImmBrLtU { slot, b, .. }
        | I32AddImmBrLtS { slot, b, .. }
        | I32AddImmBrNe { slot, b, .. } => {
            f(slot);
            f(b);
            true
        }
        I32AddBrLtU { slot, step, b, .. }
        | I32AddBrLtS { slot, step, b, .. }
        | I32AddBrNe { slot, step, b, .. } => {
            f(slot);
            f(step);
            f(b);
            true
        }
        GlobalSet { src, .. } | GlobalSet2 { src, .. } => {
            f(src);
            true
        }
        TableSet { index, val, .. } => {
            f(index);
            f(val);
            true
        }
        Return { src, slots } => match *slots {
            0 => true,
            1 => {
                f(src);
                true
            }
            _ => range(*src),
        },
        CallIndirect { index, args, .. } => {
            f(index);
            range(*args)
        }
        Call { args, .. }
        | CallImport { args, .. }
        | TableGrow { args, .. }
        | MemoryFill { args, .. }
        | MemoryCopy { args, .. }
        | MemoryInit { args, .. }
        | TableFill { args, .. }
        | TableCopy { args, .. }
        | TableInit { args, .. } => range(*args),
        _ => false,
    }
}
