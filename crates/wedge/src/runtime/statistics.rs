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
    ///
    /// ```
    /// use wedge::*;
    /// let mut config = Config::new();
    /// config.metering(true);
    /// let engine = Engine::new(&config);
    /// let module = Module::new(&engine, r#"(module (func (export "f") (result i32)
    ///     (i32.add (i32.const 1) (i32.const 2))))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// let f = Linker::new(&engine).instantiate(&mut store, &module)?.get_func(&store, "f").unwrap();
    /// f.call(&mut store, &[], &mut [Val::I32(0)])?;
    /// let stats = store.statistics();
    /// assert!(stats.instructions >= 3);
    /// assert_eq!(stats.gas_used, store.gas_used());
    /// # Ok::<(), wedge::Error>(())
    /// ```
    pub fn statistics(&self) -> Statistics {
        Statistics {
            instructions: self.instruction_count(),
            gas_used: self.gas_used(),
            host_time: self.host_time(),
        }
    }
}
