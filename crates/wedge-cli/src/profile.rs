//! `wedge run --profile`: `perf` lets Linux `perf` name compiled wasm functions; `guest[,MS]`
//! samples the wasm call stack and writes a speedscope profile; `-g` registers compiled code
//! with GDB.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Sampling interval of `--profile guest` without one, in milliseconds.
const DEFAULT_INTERVAL_MS: u64 = 1;

/// What `--profile` turns on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Write `/tmp/perf-PID.map` (address range and demangled name of every compiled wasm
    /// function) for `perf record` + `perf report`.
    Perf,
    /// Sample the wasm call stack every `interval_ms` milliseconds.
    Guest {
        /// The sampling interval.
        interval_ms: u64,
    },
}

/// Parses `perf`, `guest` or `guest,MS`.
fn parse_profile(s: &str) -> Result<Profile, String> {
    match s.split_once(',') {
        None if s == "perf" => Ok(Profile::Perf),
        None if s == "guest" => Ok(Profile::Guest {
            interval_ms: DEFAULT_INTERVAL_MS,
        }),
        Some(("guest", ms)) => match ms.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Profile::Guest { interval_ms: n }),
            _ => Err(format!(
                "`{ms}` is not a sampling interval in whole milliseconds (>= 1)"
            )),
        },
        _ => Err(format!("`{s}`: expected `perf`, `guest` or `guest,MS`")),
    }
}

/// The flags of `wedge run`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct ProfileArgs {
    /// Profiling to turn on: `perf` (a perf map of compiled functions) or `guest[,MS]`
    /// (sample the wasm call stack every MS milliseconds, default 1, into a speedscope file).
    #[arg(long, value_name = "KIND", value_parser = parse_profile)]
    pub profile: Option<Profile>,
    /// Where `--profile guest` writes its profile (default `wedge-profile-PID.speedscope.json`).
    #[arg(long, value_name = "FILE")]
    pub profile_out: Option<PathBuf>,
    /// Register compiled code with GDB's JIT interface (symbols, source lines from the
    /// module's DWARF, unwind tables): `gdb --args wedge run -g app.wasm`.
    #[arg(short = 'g', long = "debug-info")]
    pub debug_info: bool,
}

impl ProfileArgs {
    /// Whether these flags need every function compiled before it runs (`-g` for GDB,
    /// `--profile perf` for the perf map), which is what the `jit` tier does.
    pub fn needs_native_code(&self) -> bool {
        self.debug_info || self.profile == Some(Profile::Perf)
    }

    /// Applies the flag to the engine's configuration.
    pub fn configure(&self, config: &mut wedge::Config) {
        config.debug_info(self.debug_info);
        match self.profile {
            Some(Profile::Perf) => {
                config.perf_map(true);
            }
            Some(Profile::Guest { .. }) => {
                config.interruptible(true);
            }
            None => {}
        }
    }

    /// Starts the guest profiler on `store` if asked for.
    pub fn start<T>(&self, store: &mut wedge::Store<T>) -> Result<()> {
        if let Some(Profile::Guest { interval_ms }) = self.profile {
            store.start_profiling(Duration::from_millis(interval_ms))?;
        }
        Ok(())
    }

    /// Stops the guest profiler, writes its profile of `module` and prints a summary.
    pub fn finish<T>(&self, store: &mut wedge::Store<T>, module: &Path) -> Result<()> {
        let Some(profile) = store.stop_profiling() else {
            return Ok(());
        };
        let path = self.profile_out.clone().unwrap_or_else(|| {
            PathBuf::from(format!(
                "wedge-profile-{}.speedscope.json",
                std::process::id()
            ))
        });
        let name = module
            .file_name()
            .map_or("wasm".into(), |n| n.to_string_lossy());
        let mut file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write the profile to {}", path.display()))?;
        profile
            .write_speedscope(&mut file, &name)
            .with_context(|| format!("cannot write the profile to {}", path.display()))?;
        let total: f64 = profile.weights().iter().sum();
        let top: Vec<String> = profile
            .self_times()
            .iter()
            .take(5)
            .map(|(f, ms)| {
                format!(
                    "{} {:.0}%",
                    f.name,
                    100.0 * ms / total.max(f64::MIN_POSITIVE)
                )
            })
            .collect();
        eprintln!(
            "wedge: guest profile of {} samples written to {} (self time: {})",
            profile.samples().len(),
            path.display(),
            top.join(", ")
        );
        Ok(())
    }
}
