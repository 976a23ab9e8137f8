//! Resource-control flags of `wedge run` (named as WasmEdge names them) and the statistics
//! summary printed at exit.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wedge::{Config, CostTable, Deadline, Store, StoreLimits, TrapKind};

/// Limits and statistics for one run.
#[derive(Args, Debug, Default)]
pub struct LimitArgs {
    /// Trap with "gas exhausted" once the guest has used N gas (turns metering on).
    #[arg(long, value_name = "N")]
    pub gas_limit: Option<u64>,
    /// Gas cost of each operator, from FILE (`OPERATOR COST` lines; see `wedge::limits`).
    #[arg(long, value_name = "FILE")]
    pub cost_table: Option<PathBuf>,
    /// Interrupt the guest after MS milliseconds of running, even in a loop without calls.
    #[arg(long, value_name = "MS")]
    pub time_limit: Option<u64>,
    /// Let no memory grow past N pages of 64 KiB (`memory.grow` returns -1 beyond).
    #[arg(long, value_name = "N")]
    pub memory_page_limit: Option<u64>,
    /// Run deterministically: canonical NaNs, fixed relaxed-SIMD choices, no threads.
    #[arg(long)]
    pub deterministic: bool,
    /// Print the number of wasm instructions executed, on stderr at exit.
    #[arg(long)]
    pub enable_instruction_count: bool,
    /// Print the gas used, on stderr at exit.
    #[arg(long)]
    pub enable_gas_measuring: bool,
    /// Print the execution time and the time spent in host functions, on stderr at exit.
    #[arg(long)]
    pub enable_time_measuring: bool,
    /// Print every statistic: instructions, gas, times and instructions per second.
    #[arg(long)]
    pub enable_all_statistics: bool,
    /// Write every statistic (as `--enable-all-statistics` counts them) to FILE as JSON at
    /// exit, for scraping.
    #[arg(long, value_name = "FILE")]
    pub stats_json: Option<PathBuf>,
}

impl LimitArgs {
    fn counting(&self) -> bool {
        self.gas_limit.is_some()
            || self.cost_table.is_some()
            || self.enable_instruction_count
            || self.enable_gas_measuring
            || self.enable_all_statistics
            || self.stats_json.is_some()
    }

    fn timing(&self) -> bool {
        self.enable_time_measuring || self.enable_all_statistics || self.stats_json.is_some()
    }

    /// Applies the flags that change how code is translated.
    pub fn configure(&self, config: &mut Config) -> Result<()> {
        if self.counting() {
            config.metering(true);
        }
        if let Some(path) = &self.cost_table {
            let table = CostTable::from_file(path)
                .with_context(|| format!("cannot use cost table {}", path.display()))?;
            config.cost_table(table);
        }
        if self.time_limit.is_some() {
            config.interruptible(true);
        }
        if self.timing() {
            config.measure_host_time(true);
        }
        if self.deterministic {
            config.deterministic(true);
        }
        Ok(())
    }

    /// Applies the per-store limits; the returned guard enforces the time limit until dropped.
    pub fn apply<T>(&self, store: &mut Store<T>) -> Running {
        store.set_gas_limit(self.gas_limit);
        if let Some(pages) = self.memory_page_limit {
            store.set_limits(StoreLimits::new().memory_pages(pages));
        }
        Running {
            started: Instant::now(),
            deadline: self.time_limit.map(|ms| {
                store
                    .interrupt_handle()
                    .interrupt_after(Duration::from_millis(ms))
            }),
        }
    }

    /// Rewords an interrupt caused by the time limit.
    pub fn explain(&self, error: anyhow::Error) -> anyhow::Error {
        let interrupted = error
            .downcast_ref::<wedge::Error>()
            .and_then(wedge::Error::as_trap)
            .is_some_and(|t| t.kind() == TrapKind::Interrupted);
        match self.time_limit {
            Some(ms) if interrupted => error.context(format!("time limit of {ms} ms exceeded")),
            _ => error,
        }
    }

    /// Prints the statistics that were asked for, on stderr, and writes the JSON file.
    pub fn report<T>(&self, store: &Store<T>, running: Running) -> Result<()> {
        let elapsed = running.finish();
        self.print(store, elapsed);
        let Some(path) = &self.stats_json else {
            return Ok(());
        };
        let stats = store.statistics();
        let seconds = elapsed.as_secs_f64();
        let json = serde_json::json!({
            "instructions": stats.instructions,
            "gas_used": stats.gas_used,
            "gas_limit": self.gas_limit,
            "execution_ms": millis(elapsed),
            "host_ms": millis(stats.host_time),
            "wasm_ms": millis(elapsed.saturating_sub(stats.host_time)),
            "instructions_per_second":
                if seconds > 0.0 { stats.instructions as f64 / seconds } else { 0.0 },
        });
        std::fs::write(path, format!("{json:#}\n"))
            .with_context(|| format!("cannot write statistics to {}", path.display()))
    }

    /// Prints the statistics that were asked for, on stderr.
    fn print<T>(&self, store: &Store<T>, elapsed: Duration) {
        let all = self.enable_all_statistics;
        let instructions = store.instruction_count();
        if all || self.enable_instruction_count {
            eprintln!("[statistics] instructions executed: {instructions}");
        }
        if all || self.enable_gas_measuring {
            match self.gas_limit {
                Some(limit) => eprintln!("[statistics] gas used: {} of {limit}", store.gas_used()),
                None => eprintln!("[statistics] gas used: {}", store.gas_used()),
            }
        }
        if all || self.enable_time_measuring {
            let host = store.host_time();
            eprintln!("[statistics] execution time: {:.3} ms", millis(elapsed));
            eprintln!("[statistics] host function time: {:.3} ms", millis(host));
            eprintln!(
                "[statistics] wasm time: {:.3} ms",
                millis(elapsed.saturating_sub(host))
            );
        }
        if all {
            let seconds = elapsed.as_secs_f64();
            let rate = if seconds > 0.0 {
                instructions as f64 / seconds
            } else {
                0.0
            };
            eprintln!("[statistics] instructions per second: {rate:.0}");
        }
    }
}

/// A run in progress: when it started, and its time limit.
pub struct Running {
    started: Instant,
    deadline: Option<Deadline>,
}

impl Running {
    /// Ends the run (cancelling the time limit) and returns how long it took.
    fn finish(self) -> Duration {
        drop(self.deadline);
        self.started.elapsed()
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
