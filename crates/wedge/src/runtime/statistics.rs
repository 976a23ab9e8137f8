//! A store's execution statistics in one value (`Store::statistics`), for scraping.

use super::store::Store;
use std::time::Duration;

/// What a store has counted so far (the counters `wedge run --enable-all-statistics` prints).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Statistics {
    /// Wasm instructions executed (counted with metering on, see `Store::instruction_count`).
    pub instructions: u64,
    /// Gas used (with metering on).
    pub gas_used: u64,
    /// Time spent in host functions (with `Config::measure_host_time`).
    pub host_time: Duration,
}

impl<T> Store<T> {
    /// The store's statistics so far: instructions, gas and host time.
    pub fn statistics(&self) -> Statistics {
        Statistics {
            instructions: self.instruction_count(),
            gas_used: self.gas_used(),
            host_time: self.host_time(),
        }
    }
}
