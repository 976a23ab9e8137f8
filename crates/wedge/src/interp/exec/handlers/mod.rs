//! The handler of every instruction, named after its `Instr` variant (see `dispatch.rs`
//! for how they run).

mod control;
mod float;
mod int;
mod memory;
mod reference;
mod simd;

pub(crate) use control::*;
pub(crate) use float::*;
pub(crate) use int::*;
pub(crate) use memory::*;
pub(crate) use reference::*;
pub(crate) use simd::*;

use crate::interp::num::NumTrap;
use crate::runtime::TrapKind;

/// The trap of a failed numeric operation.
fn num_trap(t: NumTrap) -> TrapKind {
    match t {
        NumTrap::DivByZero => TrapKind::IntegerDivideByZero,
        NumTrap::Overflow => TrapKind::IntegerOverflow,
        NumTrap::InvalidConversion => TrapKind::InvalidConversionToInteger,
    }
}
