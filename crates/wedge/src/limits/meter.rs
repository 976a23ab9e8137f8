//! The gas and instruction counters of a store, and where metering segments end.

use wasmparser::Operator;

/// A store's counters: gas used against its limit, and instructions executed.
///
/// Compiled code updates them in place, so their layout is fixed (see `native::compile`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Meter {
    /// Gas the store may use in total; `u64::MAX` means unlimited.
    pub gas_limit: u64,
    /// Gas used so far.
    pub gas_used: u64,
    /// Wasm instructions executed so far.
    pub instructions: u64,
}

impl Default for Meter {
    fn default() -> Self {
        Meter {
            gas_limit: u64::MAX,
            gas_used: 0,
            instructions: 0,
        }
    }
}

impl Meter {
    /// Charges a segment; false (and nothing charged) if its gas does not fit.
    #[inline(always)]
    pub(crate) fn charge(&mut self, gas: u64, instructions: u64) -> bool {
        match self.gas_used.checked_add(gas) {
            Some(used) if used <= self.gas_limit => {
                self.gas_used = used;
                self.instructions += instructions;
                true
            }
            _ => false,
        }
    }

    /// Gives back what a segment was charged for operators that did not run.
    pub(crate) fn refund(&mut self, gas: u64, instructions: u64) {
        self.gas_used -= gas;
        self.instructions -= instructions;
    }
}

/// Whether a new metering segment starts right after `op` (see the module documentation).
pub(crate) fn ends_segment(op: &Operator<'_>) -> bool {
    use Operator as O;
    matches!(
        op,
        O::Loop { .. }
            | O::If { .. }
            | O::Else
            | O::End
            | O::Br { .. }
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::Return
            | O::Unreachable
            | O::Call { .. }
            | O::CallIndirect { .. }
            | O::CallRef { .. }
            | O::ReturnCall { .. }
            | O::ReturnCallIndirect { .. }
            | O::ReturnCallRef { .. }
            | O::Throw { .. }
            | O::ThrowRef
            | O::Rethrow { .. }
            | O::Try { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Delegate { .. }
            | O::TryTable { .. }
            | O::BrOnNull { .. }
            | O::BrOnNonNull { .. }
            | O::BrOnCast { .. }
            | O::BrOnCastFail { .. }
    )
}
