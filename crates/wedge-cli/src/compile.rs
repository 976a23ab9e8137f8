//! `wedge compile`: writes a universal file (the module plus native code for this CPU).

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Compilations taking longer than this show a progress bar (on a terminal).
const SHOW_AFTER: Duration = Duration::from_millis(300);

/// Settings that change the generated code; `wedge run` uses a file's native code only when
/// its own flags ask for the same (else it compiles again, with a warning).
#[derive(clap::Args, Debug, Default)]
pub struct CodeArgs {
    /// Meter gas and count instructions, for runs with `--gas-limit`, `--cost-table` or the
    /// counting statistics.
    #[arg(long)]
    pub metering: bool,
    /// Gas cost of each operator, from FILE, as `wedge run --cost-table` (implies --metering).
    #[arg(long, value_name = "FILE")]
    pub cost_table: Option<PathBuf>,
    /// Check for interruption at function entries and loop heads, for runs with
    /// `--time-limit`.
    #[arg(long)]
    pub interruptible: bool,
    /// Canonical NaNs, for runs with `--deterministic`.
    #[arg(long)]
    pub deterministic: bool,
    /// Do not inline small functions into their callers (compiles faster; the code runs
    /// the same, a little slower). Files made either way serve every run.
    #[arg(long)]
    pub no_inline: bool,
}

impl CodeArgs {
    /// Applies the settings to `config`.
    fn configure(&self, config: &mut wedge::Config) -> Result<()> {
        if self.metering || self.cost_table.is_some() {
            config.metering(true);
        }
        if let Some(path) = &self.cost_table {
            let table = wedge::CostTable::from_file(path)
                .with_context(|| format!("cannot use cost table {}", path.display()))?;
            config.cost_table(table);
        }
        config
            .interruptible(self.interruptible)
            .deterministic(self.deterministic)
            .inlining(!self.no_inline);
        Ok(())
    }
}

/// Compiles `input` for this host (with the features of `base` and the code settings of
/// `code`) and writes the universal file to `output`.
pub fn compile(base: &wedge::Config, input: &Path, output: &Path, code: &CodeArgs) -> Result<()> {
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let mut config = base.clone();
    code.configure(&mut config)?;
    config
        .strategy(wedge::Strategy::Compiler)
        .native_code_key(Some(crate::aot_key::load_or_create()?));
    let engine = wedge::Engine::new(&config);
    let started = Instant::now();
    let bar = Mutex::new(None::<ProgressBar>);
    let progress = |done: usize, total: usize| {
        let mut bar = bar.lock().unwrap_or_else(|e| e.into_inner());
        if bar.is_none() && started.elapsed() >= SHOW_AFTER {
            let b = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("compiling {bar:40} {pos}/{len} functions {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            *bar = Some(b);
        }
        if let Some(b) = bar.as_ref() {
            b.set_position(done as u64);
        }
    };
    let module = wedge::Module::new_with_progress(&engine, bytes, &progress)
        .with_context(|| format!("{}", input.display()))?;
    if let Some(b) = bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
        b.finish_and_clear();
    }
    let file = module
        .serialize_native()
        .with_context(|| format!("{}", input.display()))?;
    std::fs::write(output, &file).with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}
