//! Resource control: gas metering with cost tables, instruction counting, interruption from
//! another thread, and caps on linear memory and table growth.
//!
//! # What is counted
//!
//! With [`Config::metering`](crate::Config::metering) on, every wasm operator that executes
//! counts as one instruction and costs its entry in the [`CostTable`] in gas. An operator
//! executes when control flows through it in order; a branch lands *after* its target's
//! structural operator (after the `end` of a block or `if`, after the `loop` opcode of a
//! loop), so a taken branch does not execute that `end` or `loop` again. Operators in dead
//! code never execute.
//!
//! Both tiers charge per straight-line segment: a segment starts at the function's first
//! operator and right after every `loop`, `end`, `else`, `if`, branch, `return`,
//! `unreachable`, call and throw, and is charged in full when entered. A trap in the middle
//! of a segment gives back what the rest of the segment was charged, so the counts stay
//! exact; running out of gas traps on entry to the segment that does not fit, before any of
//! its operators run, and leaves the gas used at what the completed segments cost.
//! Host functions see exact counts, since a call ends its segment.

mod cost_table;
mod interrupt;
mod meter;
mod store_limits;

pub use cost_table::CostTable;
pub(crate) use interrupt::Poll;
pub use interrupt::{Deadline, InterruptHandle};
pub(crate) use meter::ends_segment;
pub use meter::Meter;
pub use store_limits::StoreLimits;
