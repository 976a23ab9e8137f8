//! The last translation pass: rewrites instructions into forms that read an operand from
//! an immediate or from the accumulator instead of a slot (see `code.rs`).
//!
//! It changes instructions in place, never their number or order, so everything keyed by
//! instruction index (metering refunds, stack maps, exception handlers, branch targets)
//! stays valid, and it changes no slot that anything else reads: constant slots keep their
//! values, and every instruction still writes its result to its slot, but for a `ToAcc`
//! form, whose result is a temporary that only the next instruction reads.
//!
//! Before that, branches to unconditional `Br`s are pointed at their final targets (jump
//! threading), and the entries of a `br_table` stay `Br`s, which its handler follows.
//!
//! Fusions come last: a loop counter's step with the branch after it, two copies to
//! consecutive slots, the pairs of `fuse_pair`, and those of `fuse_reading_next` (an address
//! add with the load of the sum, two of a kind in a row, ...), whose fused instruction reads
//! the operands of the instructions after it. The fused instruction takes the first one's
//! place and skips the others, which stay (unreached) so that indices do not move.
//!
//! An instruction may read the accumulator instead of slot `s` when the instruction right
//! before it (or a `select` right before, past its `Extra` word) left its result `s` there
//! ([`Instr::int_result`]) and nothing else leads to it: it is not the target of a branch, a `br_table` entry or an exception handler (a
//! call's return address follows the call, which leaves nothing in the accumulator).

use crate::interp::code::{Instr, R};
use crate::interp::gc_code::Handler;

/// The frame's constant area: slots `base..base + values.len()`, never written.
pub(super) struct Consts<'a> {
    pub base: R,
    pub values: &'a [u64],
}

/// What the pass needs to know of the frame's layout.
pub(super) struct Frame<'a> {
    pub consts: Consts<'a>,
    /// The first slot of the operand stack's temporaries.
    pub temps: R,
}

impl Consts<'_> {
    /// The value of slot `slot` if it is a constant.
    fn value(&self, slot: R) -> Option<u64> {
        let i = slot.checked_sub(self.base)? as usize;
        self.values.get(i).copied()
    }
}

/// Rewrites `instrs` (with exception `handlers`) in place; see the module documentation.
pub(super) fn optimize(instrs: &mut [Instr], frame: &Frame<'_>, handlers: &[Handler]) {
    for instr in instrs.iter_mut() {
        *instr = with_immediate(*instr, &frame.consts);
    }
    thread_jumps(instrs);
    let entries = table_entries(instrs);
    for (i, entry) in entries.into_iter().enumerate() {
        if !entry {
            shorten_jump(instrs, i);
        }
    }
    for i in 0..instrs.len() {
        return_directly(instrs, i);
    }
    let targets = jump_targets(instrs, handlers);
    for i in 1..instrs.len() {
        if targets[i] {
            continue;
        }
        // The instruction before, or the `select` before its `Extra` word.
        let producer = match (instrs[i - 1], i.checked_sub(2).map(|p| instrs[p])) {
            (Instr::Extra { .. }, Some(Instr::Select { .. } | Instr::SelectAcc { .. })) => i - 2,
            _ => i - 1,
        };
        let Some(slot) = acc_result(&instrs[producer]) else {
            continue;
        };
        let next = instrs.get(i + 1).copied();
        let Some((instr, still_read)) = with_accumulator(instrs[i], slot, next) else {
            continue;
        };
        instrs[i] = instr;
        // A temporary is read by one instruction only (the one that pops it from the
        // operand stack): when that one takes it from the accumulator, the slot is dead.
        if slot >= frame.temps && !still_read {
            if let Some(to_acc) = instrs[producer].to_acc_only() {
                instrs[producer] = to_acc;
            }
        }
    }
    // The instructions before `kept` that are after `i` are read by a fused instruction, and
    // stay as they are.
    let mut kept = 0;
    for i in 0..instrs.len().saturating_sub(1) {
        if i < kept {
            continue;
        }
        fuse_step(instrs, i);
        if !targets[i + 1] {
            fuse_copies(instrs, i);
            fuse_pair(instrs, i, &targets);
            kept = fuse_reading_next(instrs, i, &targets);
        }
    }
}

/// Replaces the instruction at `at` and the one or two after it (which nothing else leads
/// to) by a fused instruction that does its own work and reads the operands of the others,
/// which stay in place and are skipped: an i32 address add and the load of the sum, a
/// bit-field extract and the add of a base, a copy and the branch after it, and two adds
/// of an immediate, `i32` loads, `i32` stores or copies in a row. Returns the
/// index after the last instruction read, which no later fusion may change (`at` when
/// nothing is fused).
fn fuse_reading_next(instrs: &mut [Instr], at: usize, targets: &[bool]) -> usize {
    use Instr::*;
    let fused = match (instrs[at], instrs[at + 1]) {
        (I32Add { dst, a, b }, I32Load8UAcc { .. }) => I32AddLoad8U { dst, a, b },
        (I32Add { dst, a, b }, I32Load8UAccToAcc { .. }) => I32AddLoad8UToAcc { dst, a, b },
        (I32AddToAcc { a, b }, I32Load8UAcc { .. }) => I32AddToAccLoad8U { a, b },
        (I32AddToAcc { a, b }, I32Load8UAccToAcc { .. }) => I32AddToAccLoad8UToAcc { a, b },
        (I32AddAcc { dst, b }, I32Load8UAccToAcc { .. }) => I32AddAccLoad8UToAcc { dst, b },
        (I32AddAcc { dst, b }, I32LoadAccToAcc { .. }) => I32AddAccLoadToAcc { dst, b },
        (I32AddAccToAcc { b }, I32Load8UAcc { .. }) => I32AddAccToAccLoad8U { b },
        (I32AddAccToAcc { b }, I32Load8UAccToAcc { .. }) => I32AddAccToAccLoad8UToAcc { b },
        (I32AddAccToAcc { b }, I32Load16UAcc { .. }) => I32AddAccToAccLoad16U { b },
        (I32AddAccToAcc { b }, I32LoadAccToAcc { .. }) => I32AddAccToAccLoadToAcc { b },
        (I32AddImmToAcc { a, imm }, I32LoadAcc { .. }) => I32AddImmToAccLoad { a, imm },
        (I32AddImmToAcc { a, imm }, I64LoadAccToAcc { .. }) => {
            I32AddImmToAccLoadI64ToAcc { a, imm }
        }
        (I32AddAccImmToAcc { imm }, I32LoadAccToAcc { .. }) => I32AddAccImmToAccLoadToAcc { imm },
        (I32AddImmToAcc { a, imm }, I32Load8UAcc { .. }) => I32AddImmToAccLoad8U { a, imm },
        (I32AddImmToAcc { a, imm }, I32Load16UAccToAcc { .. }) => {
            I32AddImmToAccLoad16UToAcc { a, imm }
        }
        (I32AddAccImmToAcc { imm }, I32Load16UAccToAcc { .. }) => {
            I32AddAccImmToAccLoad16UToAcc { imm }
        }
        (I32AddToAcc { a, b }, I32Load16UAcc { .. }) => I32AddToAccLoad16U { a, b },
        (I32AddToAcc { a, b }, I32LoadAcc { .. }) => I32AddToAccLoad { a, b },
        (I32ShrUAndImmToAcc { shift, a, mask }, I32AndAccImmToAcc { .. }) => {
            match (instrs.get(at + 2), targets.get(at + 2)) {
                (Some(I32AddAcc { .. }), Some(false)) => {
                    instrs[at] = I32ShrUAndAdd { shift, a, mask };
                    return at + 3;
                }
                _ => return at,
            }
        }
        (Copy { dst, src }, BrIfEqz { .. }) => CopyBrIfEqz { dst, src },
        (Copy { dst, src }, Br { .. }) => CopyBr { dst, src },
        // Two of a kind, unless the second fuses with the one after it.
        (I32AddImm { dst, a, imm }, I32AddImm { .. }) => match instrs.get(at + 2) {
            Some(Br { .. } | BrI32LtUAcc { .. } | BrI32LtSAcc { .. } | BrI32NeAcc { .. }) => {
                return at
            }
            _ => I32AddImmTwice { dst, a, imm },
        },
        (I32Load { dst, addr, offset }, I32Load { .. }) => I32LoadTwice { dst, addr, offset },
        (I32Store { addr, val, offset }, I32Store { .. }) => I32StoreTwice { addr, val, offset },
        (Copy { dst, src }, Copy { .. }) => match instrs.get(at + 2) {
            Some(Call { .. } | BrIfEqz { .. } | Br { .. } | Copy { .. }) => return at,
            _ => CopyTwice { dst, src },
        },
        _ => return at,
    };
    instrs[at] = fused;
    at + 2
}

/// Replaces an instruction at `at` and the one after it (nothing else leading to it) by
/// one instruction doing both (see the fused instructions in `code.rs`). Most pairs are an
/// instruction and the one reading its result from the accumulator: a bit-field extract,
/// a mask and shift, a `br_table` on a sum, a memory-to-memory move, and a global's step
/// (the shadow-stack pointer's allocation, whose third instruction must not be a target
/// either, and release). The others end in a control transfer that stays in place and
/// that the fused instruction reads: a copy (or `CopyPair`) right before a `Call`, and a
/// step right before a `Br`. The instructions replaced stay in place, skipped.
fn fuse_pair(instrs: &mut [Instr], at: usize, targets: &[bool]) {
    use Instr::*;
    let fused = match (instrs[at], instrs[at + 1]) {
        (I32ShrUImmToAcc { a, imm: shift }, I32AndAccImm { dst, imm: mask }) => I32ShrUAndImm {
            shift: (shift & 31) as u16,
            dst,
            a,
            mask,
        },
        (I32ShrUImmToAcc { a, imm: shift }, I32AndAccImmToAcc { imm: mask }) => {
            I32ShrUAndImmToAcc {
                shift: (shift & 31) as u16,
                a,
                mask,
            }
        }
        (I32AddAccImmToAcc { imm }, BrTableAcc { len }) => BrTableAccAddImm { imm, len },
        (
            I64LoadToAcc { addr, offset },
            I64StoreAcc {
                addr: dst,
                offset: dst_offset,
            },
        ) => {
            let Ok(src_offset) = u16::try_from(offset) else {
                return;
            };
            I64LoadStore {
                src_offset,
                src: addr,
                dst,
                dst_offset,
            }
        }
        (
            I32LoadToAcc { addr, offset },
            I32StoreAcc {
                addr: dst,
                offset: dst_offset,
            },
        ) => {
            let Ok(src_offset) = u16::try_from(offset) else {
                return;
            };
            I32LoadStore {
                src_offset,
                src: addr,
                dst,
                dst_offset,
            }
        }
        (GlobalGet { dst: get, global }, I32SubAccImm { dst, imm }) => {
            let (Ok(short), Some(false), Some(&GlobalSetAcc { global: set })) = (
                u16::try_from(global),
                targets.get(at + 2).copied(),
                instrs.get(at + 2),
            ) else {
                return;
            };
            if set != global {
                return;
            }
            GlobalSubImm {
                global: short,
                get,
                dst,
                imm,
            }
        }
        (I32AddImmToAcc { a, imm }, GlobalSetAcc { global }) => GlobalSetAddImm { a, imm, global },
        (I32AndAccImmToAcc { imm: mask }, I32ShlAccImmToAcc { imm: shift }) => {
            I32AndShlAccImmToAcc {
                shift: (shift & 31) as u16,
                mask,
            }
        }
        (I32AndImmToAcc { a, imm: mask }, I32ShlAccImmToAcc { imm: shift }) => I32AndShlImmToAcc {
            shift: (shift & 31) as u16,
            a,
            mask,
        },
        (I32ShlImmToAcc { a, imm: shift }, I32AddAcc { dst, b }) => I32ShlAddImm {
            shift: (shift & 31) as u16,
            dst,
            a,
            b,
        },
        (I32ShlImmToAcc { a, imm: shift }, I32AddAccToAcc { b }) => I32ShlAddImmToAcc {
            shift: (shift & 31) as u16,
            a,
            b,
        },
        (I32ShlAccImmToAcc { imm: shift }, I32AddAcc { dst, b }) => I32ShlAccAdd {
            shift: (shift & 31) as u16,
            dst,
            b,
        },
        (I32ShlAccImmToAcc { imm: shift }, I32AddAccToAcc { b }) => I32ShlAccAddToAcc {
            shift: (shift & 31) as u16,
            b,
        },
        (I32AddImm { dst, a, imm }, Br { .. }) => I32AddImmBr { dst, a, imm },
        (Copy { dst, src }, Call { .. }) => CopyCall { dst, src },
        (CopyPair { dst, a, b }, _) => match (instrs.get(at + 2), targets.get(at + 2)) {
            (Some(Call { .. }), Some(false)) => CopyPairCall { dst, a, b },
            _ => return,
        },
        _ => return,
    };
    instrs[at] = fused;
}

/// The slot whose value `instr` also leaves in the accumulator: the result of an integer
/// instruction ([`Instr::int_result`]), of a one-slot `select` or of a one-slot
/// `global.get`.
fn acc_result(instr: &Instr) -> Option<R> {
    match *instr {
        Instr::Select { dst, .. } | Instr::SelectAcc { dst, .. } | Instr::GlobalGet { dst, .. } => {
            Some(dst)
        }
        _ => instr.int_result(),
    }
}

/// Replaces a `Copy` to slot `d` at `at` followed by a `Copy` to `d + 1` (nothing else
/// leading to it) by one instruction doing both in the same order; the second stays in
/// place, skipped (as arguments of a call are copied into place).
fn fuse_copies(instrs: &mut [Instr], at: usize) {
    if let (Instr::Copy { dst, src: a }, Instr::Copy { dst: next, src: b }) =
        (instrs[at], instrs[at + 1])
    {
        if dst.checked_add(1) == Some(next) {
            instrs[at] = Instr::CopyPair { dst, a, b };
        }
    }
}

/// Replaces a loop counter's step at `at`, `slot += imm` or `slot += step` (i32), followed
/// by a branch on `slot < b` or `slot != b` read from the accumulator, by one instruction
/// doing both. The branch stays at `at + 1` (nothing else leads to it: it reads the
/// accumulator), skipped by the fused instruction; instruction indices do not change.
fn fuse_step(instrs: &mut [Instr], at: usize) {
    use Instr::*;
    // The branch's target, relative to `at`.
    let Some(target) = instrs[at + 1]
        .clone()
        .branch_target_mut()
        .and_then(|t| t.checked_add(1))
    else {
        return;
    };
    let fused = match (instrs[at], instrs[at + 1]) {
        (I32AddImm { dst, a, imm }, BrI32LtUAcc { b, .. }) if dst == a => {
            let Ok(imm) = i16::try_from(imm as i32) else {
                return;
            };
            I32AddImmBrLtU {
                imm,
                slot: dst,
                b,
                target,
            }
        }
        (I32AddImm { dst, a, imm }, BrI32LtSAcc { b, .. }) if dst == a => {
            let Ok(imm) = i16::try_from(imm as i32) else {
                return;
            };
            I32AddImmBrLtS {
                imm,
                slot: dst,
                b,
                target,
            }
        }
        (I32AddImm { dst, a, imm }, BrI32NeAcc { b, .. }) if dst == a => {
            let Ok(imm) = i16::try_from(imm as i32) else {
                return;
            };
            I32AddImmBrNe {
                imm,
                slot: dst,
                b,
                target,
            }
        }
        (I32Add { dst, a, b: step }, branch) if dst == a || dst == step => {
            let step = if dst == a { step } else { a };
            let Ok(target) = i16::try_from(target) else {
                return;
            };
            match branch {
                BrI32LtUAcc { b, .. } => I32AddBrLtU {
                    target,
                    slot: dst,
                    step,
                    b,
                },
                BrI32LtSAcc { b, .. } => I32AddBrLtS {
                    target,
                    slot: dst,
                    step,
                    b,
                },
                BrI32NeAcc { b, .. } => I32AddBrNe {
                    target,
                    slot: dst,
                    step,
                    b,
                },
                _ => return,
            }
        }
        _ => return,
    };
    instrs[at] = fused;
}

/// Points every branch whose target is an unconditional `Br` at that `Br`'s own target
/// (following chains of them), so that a jump to a jump costs one dispatch. The `Br`s stay
/// in place (indices do not change); a cycle of them (an empty infinite loop) is left as is.
///
/// Nothing is counted differently with metering or interruption on: a `Br` charges
/// nothing itself, and those put their instruction first at loop heads and after block
/// ends, so a branch there lands on that instruction, not on a `Br`.
fn thread_jumps(instrs: &mut [Instr]) {
    for at in 0..instrs.len() {
        let mut instr = instrs[at];
        let Some(target) = instr.branch_target_mut() else {
            continue;
        };
        let mut to = at as i64 + *target as i64;
        for _ in 0..8 {
            match instrs.get(to as usize) {
                Some(Instr::Br { target: next }) if to + *next as i64 != to => {
                    to += *next as i64;
                }
                _ => break,
            }
        }
        let Ok(by) = i32::try_from(to - at as i64) else {
            continue;
        };
        *target = by;
        instrs[at] = instr;
    }
}

/// Which instructions are the `Br` entries of a `BrTable` (they stay `Br`s: the `BrTable`
/// handler jumps to their targets directly).
fn table_entries(instrs: &[Instr]) -> Vec<bool> {
    let mut entries = vec![false; instrs.len()];
    for (i, instr) in instrs.iter().enumerate() {
        if let Instr::BrTable { len, .. } = *instr {
            for e in &mut entries[i + 1..=i + 1 + len as usize] {
                *e = true;
            }
        }
    }
    entries
}

/// Replaces the unconditional branch at `at` by what its target does first, when that is
/// cheaper:
///
/// - a branch to a `Return` returns at once;
/// - a branch back to a conditional branch that leaves the loop to just after this one
///   (a loop whose exit test is at its head, `block (loop (br_if 1 cond) ... (br 0)))`)
///   becomes the opposite test jumping to the rest of the loop head: one instruction per
///   iteration instead of two.
///
/// Nothing is counted differently with metering or interruption on: those put their
/// instruction first at loop heads and after block ends, so the patterns do not match.
fn shorten_jump(instrs: &mut [Instr], at: usize) {
    let Instr::Br { target } = instrs[at] else {
        return;
    };
    let head = (at as i64 + target as i64) as usize;
    match instrs[head] {
        ret @ Instr::Return { .. } => instrs[at] = ret,
        test => {
            let Some(exit) = test
                .clone()
                .branch_target_mut()
                .map(|t| head as i64 + *t as i64)
            else {
                return;
            };
            if exit != at as i64 + 1 {
                return;
            }
            if let Some(mut stay) = negated(test) {
                if let Some(t) = stay.branch_target_mut() {
                    *t = (head as i64 + 1 - at as i64) as i32;
                    instrs[at] = stay;
                }
            }
        }
    }
}

/// `Copy { dst, src }` right before `Return { src: dst, slots: 1 }` returns `src` itself.
fn return_directly(instrs: &mut [Instr], at: usize) {
    if let (Instr::Copy { dst, src }, Some(&Instr::Return { src: ret, slots: 1 })) =
        (instrs[at], instrs.get(at + 1))
    {
        if ret == dst {
            instrs[at] = Instr::Return { src, slots: 1 };
        }
    }
}

/// The branch taken exactly when `instr` (a conditional branch with slot or immediate
/// operands) is not, to the same target.
fn negated(instr: Instr) -> Option<Instr> {
    use Instr::*;
    macro_rules! negate {
        ($($x:ident <=> $y:ident { $($f:ident),* }),* $(,)?) => {
            Some(match instr {
                $(
                    $x { $($f),* } => $y { $($f),* },
                    $y { $($f),* } => $x { $($f),* },
                )*
                _ => return None,
            })
        };
    }
    negate! {
        BrIfNez <=> BrIfEqz { cond, target },
        BrOnNull <=> BrOnNonNull { src, target },
        BrI32Eq <=> BrI32Ne { a, b, target },
        BrI32LtS <=> BrI32GeS { a, b, target },
        BrI32LtU <=> BrI32GeU { a, b, target },
        BrI32GtS <=> BrI32LeS { a, b, target },
        BrI32GtU <=> BrI32LeU { a, b, target },
        BrI64Eq <=> BrI64Ne { a, b, target },
        BrI64LtS <=> BrI64GeS { a, b, target },
        BrI64LtU <=> BrI64GeU { a, b, target },
        BrI64GtS <=> BrI64LeS { a, b, target },
        BrI64GtU <=> BrI64LeU { a, b, target },
        BrI32EqImm <=> BrI32NeImm { a, imm, target },
        BrI32LtSImm <=> BrI32GeSImm { a, imm, target },
        BrI32LtUImm <=> BrI32GeUImm { a, imm, target },
        BrI32GtSImm <=> BrI32LeSImm { a, imm, target },
        BrI32GtUImm <=> BrI32LeUImm { a, imm, target },
        BrI64EqImm <=> BrI64NeImm { a, imm, target },
        BrI64LtSImm <=> BrI64GeSImm { a, imm, target },
        BrI64LtUImm <=> BrI64GeUImm { a, imm, target },
        BrI64GtSImm <=> BrI64LeSImm { a, imm, target },
        BrI64GtUImm <=> BrI64LeUImm { a, imm, target },
    }
}

/// Which instructions something other than the one before them can lead to.
fn jump_targets(instrs: &[Instr], handlers: &[Handler]) -> Vec<bool> {
    let mut targets = vec![false; instrs.len() + 1];
    let mut mark = |at: i64| {
        if let Some(t) = usize::try_from(at).ok().and_then(|at| targets.get_mut(at)) {
            *t = true;
        }
    };
    for (i, instr) in instrs.iter().enumerate() {
        let mut instr = *instr;
        if let Some(&mut target) = instr.branch_target_mut() {
            mark(i as i64 + target as i64);
        }
        if let Instr::BrTable { len, .. } = instr {
            for entry in 0..=len as i64 {
                mark(i as i64 + 1 + entry);
            }
        }
    }
    for h in handlers {
        mark(h.target as i64);
    }
    targets
}

/// The same comparison or commutative operation with its operands swapped.
fn mirrored(instr: Instr) -> Option<Instr> {
    use Instr::*;
    macro_rules! mirror {
        ($($x:ident <=> $y:ident),* $(,)?) => {
            match instr {
                $(
                    $x { dst, a, b } => $y { dst, a: b, b: a },
                    $y { dst, a, b } => $x { dst, a: b, b: a },
                )*
                I32Add { dst, a, b } => I32Add { dst, a: b, b: a },
                I32Mul { dst, a, b } => I32Mul { dst, a: b, b: a },
                I32And { dst, a, b } => I32And { dst, a: b, b: a },
                I32Or { dst, a, b } => I32Or { dst, a: b, b: a },
                I32Xor { dst, a, b } => I32Xor { dst, a: b, b: a },
                I32Eq { dst, a, b } => I32Eq { dst, a: b, b: a },
                I32Ne { dst, a, b } => I32Ne { dst, a: b, b: a },
                I64Add { dst, a, b } => I64Add { dst, a: b, b: a },
                I64Mul { dst, a, b } => I64Mul { dst, a: b, b: a },
                I64And { dst, a, b } => I64And { dst, a: b, b: a },
                I64Or { dst, a, b } => I64Or { dst, a: b, b: a },
                I64Xor { dst, a, b } => I64Xor { dst, a: b, b: a },
                I64Eq { dst, a, b } => I64Eq { dst, a: b, b: a },
                I64Ne { dst, a, b } => I64Ne { dst, a: b, b: a },
                _ => return mirrored_branch(instr),
            }
        };
    }
    Some(mirror! {
        I32LtS <=> I32GtS, I32LtU <=> I32GtU, I32LeS <=> I32GeS, I32LeU <=> I32GeU,
        I64LtS <=> I64GtS, I64LtU <=> I64GtU, I64LeS <=> I64GeS, I64LeU <=> I64GeU,
    })
}

/// The same compare-and-branch with its operands swapped.
fn mirrored_branch(instr: Instr) -> Option<Instr> {
    use Instr::*;
    macro_rules! mirror {
        ($($x:ident <=> $y:ident),* $(,)?) => {
            match instr {
                $(
                    $x { a, b, target } => $y { a: b, b: a, target },
                    $y { a, b, target } => $x { a: b, b: a, target },
                )*
                BrI32Eq { a, b, target } => BrI32Eq { a: b, b: a, target },
                BrI32Ne { a, b, target } => BrI32Ne { a: b, b: a, target },
                BrI64Eq { a, b, target } => BrI64Eq { a: b, b: a, target },
                BrI64Ne { a, b, target } => BrI64Ne { a: b, b: a, target },
                _ => return None,
            }
        };
    }
    Some(mirror! {
        BrI32LtS <=> BrI32GtS, BrI32LtU <=> BrI32GtU, BrI32LeS <=> BrI32GeS,
        BrI32LeU <=> BrI32GeU, BrI64LtS <=> BrI64GtS, BrI64LtU <=> BrI64GtU,
        BrI64LeS <=> BrI64GeS, BrI64LeU <=> BrI64GeU,
    })
}

/// `instr` with a constant operand turned into an immediate, when it has such a form.
fn with_immediate(instr: Instr, consts: &Consts<'_>) -> Instr {
    // A constant first operand of an operation that commutes (or mirrors) goes second.
    let instr = match (mirrored(instr), instr.acc_operand(), instr.imm_operand()) {
        (Some(swapped), Some(a), Some(b))
            if consts.value(a).is_some() && consts.value(b).is_none() =>
        {
            swapped
        }
        _ => instr,
    };
    let (Some(slot), Some(width)) = (instr.imm_operand(), instr.imm_width()) else {
        return instr;
    };
    let Some(value) = consts.value(slot) else {
        return instr;
    };
    let imm = value as u32;
    if width == 64 && imm as i32 as i64 as u64 != value {
        return instr;
    }
    if !divisor_ok(&instr, imm) {
        return instr;
    }
    instr.imm_form(imm).unwrap_or(instr)
}

/// Whether `imm` may be the divisor of `instr` (a division or remainder by zero or, signed,
/// by -1 keeps its slot form, whose handler has the trap paths for them).
fn divisor_ok(instr: &Instr, imm: u32) -> bool {
    use Instr::*;
    match instr {
        I32DivU { .. } | I32RemU { .. } | I64DivU { .. } | I64RemU { .. } => imm != 0,
        I32DivS { .. } | I32RemS { .. } | I64DivS { .. } | I64RemS { .. } => {
            imm != 0 && imm != u32::MAX
        }
        _ => true,
    }
}

/// `instr` reading the accumulator instead of slot `acc`, when it has such a form, and
/// whether it still reads slot `acc` as another operand.
fn with_accumulator(instr: Instr, acc: R, next: Option<Instr>) -> Option<(Instr, bool)> {
    match instr {
        Instr::Select { dst, a, b } if matches!(next, Some(Instr::Extra { a: cond, .. }) if cond == acc) =>
        {
            return Some((Instr::SelectAcc { dst, a, b }, a == acc || b == acc));
        }
        Instr::BrIfNez { cond, target } if cond == acc => {
            return Some((Instr::BrIfNezAcc { target }, false));
        }
        Instr::BrIfEqz { cond, target } if cond == acc => {
            return Some((Instr::BrIfEqzAcc { target }, false));
        }
        Instr::BrTable { index, len } if index == acc => {
            return Some((Instr::BrTableAcc { len }, false));
        }
        Instr::Return { src, slots: 1 } if src == acc => {
            return Some((Instr::ReturnAcc {}, false));
        }
        Instr::GlobalSet { src, global } if src == acc => {
            return Some((Instr::GlobalSetAcc { global }, false));
        }
        _ => {}
    }
    if instr.acc_operand() == Some(acc) {
        // The other operand: a store's address, or the second operand.
        let other = match instr.addr_acc_operand() {
            Some(addr) => Some(addr),
            None => instr.imm_operand(),
        };
        return Some((instr.acc_form()?, other == Some(acc)));
    }
    // The accumulator is the second operand (and the first is another slot): swap the
    // operands if the operation allows, else use the form that reads it second.
    if instr.imm_operand() == Some(acc) {
        if let Some(swapped) = mirrored(instr) {
            if swapped.acc_operand() == Some(acc) {
                return Some((swapped.acc_form()?, false));
            }
        }
    }
    if instr.racc_operand() == Some(acc) {
        return Some((instr.racc_form()?, false));
    }
    if instr.addr_acc_operand() == Some(acc) {
        return Some((instr.addr_acc_form()?, false));
    }
    None
}
