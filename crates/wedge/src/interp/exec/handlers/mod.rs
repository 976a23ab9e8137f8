//! The handler of every instruction, named after its `Instr` variant (see `dispatch.rs`
//! for how they run).

mod call;
mod control;
mod float;
mod int;
mod memory;
mod reference;
mod simd;

pub(crate) use call::*;
pub(crate) use control::*;
pub(crate) use float::*;
pub(crate) use int::*;
pub(crate) use memory::*;
pub(crate) use reference::*;
pub(crate) use simd::*;

use crate::interp::num::NumTrap;
use crate::runtime::TrapKind;

/// `items[i]`, for an index that validation or the store's invariants keep in bounds.
///
/// # Safety
///
/// `i < items.len()`.
#[inline(always)]
unsafe fn known<T>(items: &[T], i: usize) -> &T {
    debug_assert!(i < items.len());
    // SAFETY: the caller guarantees the bound.
    unsafe { items.get_unchecked(i) }
}

/// The value of an instruction's 32-bit immediate as an operand of type `Self`: i64
/// immediates are sign-extended.
trait Imm {
    fn imm(imm: u32) -> Self;
}

impl Imm for u32 {
    #[inline(always)]
    fn imm(imm: u32) -> u32 {
        imm
    }
}

impl Imm for i32 {
    #[inline(always)]
    fn imm(imm: u32) -> i32 {
        imm as i32
    }
}

impl Imm for u64 {
    #[inline(always)]
    fn imm(imm: u32) -> u64 {
        imm as i32 as i64 as u64
    }
}

impl Imm for i64 {
    #[inline(always)]
    fn imm(imm: u32) -> i64 {
        imm as i32 as i64
    }
}

/// The trap of a failed numeric operation.
fn num_trap(t: NumTrap) -> TrapKind {
    match t {
        NumTrap::DivByZero => TrapKind::IntegerDivideByZero,
        NumTrap::Overflow => TrapKind::IntegerOverflow,
        NumTrap::InvalidConversion => TrapKind::InvalidConversionToInteger,
    }
}
