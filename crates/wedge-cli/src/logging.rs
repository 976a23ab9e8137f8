//! `--log LEVEL` / `WEDGE_LOG`: the runtime's `tracing` events, printed on stderr.

use anyhow::{Context, Result};
use tracing_subscriber::EnvFilter;

/// Installs a stderr subscriber when `--log` (else `WEDGE_LOG`) names a filter; without
/// either nothing is installed and every event is skipped at the cost of one check.
pub fn init(flag: Option<&str>) -> Result<()> {
    let from_env = std::env::var("WEDGE_LOG").ok();
    let Some(spec) = flag.or(from_env.as_deref()).filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let filter = EnvFilter::builder()
        .parse(spec)
        .with_context(|| format!("bad log filter `{spec}`"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    Ok(())
}
