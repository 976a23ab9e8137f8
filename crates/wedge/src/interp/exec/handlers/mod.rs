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

/// The trap of a failed numeric operation.
fn num_trap(t: NumTrap) -> TrapKind {
    match t {
        NumTrap::DivByZero => TrapKind::IntegerDivideByZero,
        NumTrap::Overflow => TrapKind::IntegerOverflow,
        NumTrap::InvalidConversion => TrapKind::InvalidConversionToInteger,
    }
}
