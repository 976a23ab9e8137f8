//! `wedge run --profile perf`: lets Linux `perf` name compiled wasm functions.

use clap::ValueEnum;

/// What `--profile` turns on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Write `/tmp/perf-PID.map` (address range and demangled name of every compiled wasm
    /// function) for `perf record` + `perf report`.
    Perf,
}

/// The flag of `wedge run`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct ProfileArgs {
    /// Profiling support to turn on (`perf`: a perf map of compiled functions).
    #[arg(long, value_enum, value_name = "KIND")]
    pub profile: Option<Profile>,
}

impl ProfileArgs {
    /// Applies the flag to the engine's configuration.
    pub fn configure(&self, config: &mut wedge::Config) {
        if self.profile == Some(Profile::Perf) {
            config.perf_map(true);
        }
    }
}
