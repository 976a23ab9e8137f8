//! `wedge cache stats|clear`, and filling the code cache after a tiered run.
//!
//! `wedge run` of a module the cache lacks runs it tiered (interpreted at first, hot
//! functions compiled in the background) and, when it is done, starts a background process
//! that compiles the whole module into the cache, so the next run of the same module starts
//! with its compiled code. That process is this same command line run again with
//! `WEDGE_CACHE_FILL=1`, which makes `run` compile and store the module instead of running
//! it, at the lowest scheduling priority.

use crate::tier::CacheArgs;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What to do with the code cache.
#[derive(clap::Subcommand, Debug)]
pub enum CacheCommand {
    /// Print where the code cache is, how many compiled modules it holds and their size.
    Stats {
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Remove every compiled module from the code cache.
    Clear {
        #[command(flatten)]
        cache: CacheArgs,
    },
}

/// Runs `wedge cache ...`.
pub fn command(cmd: &CacheCommand) -> Result<()> {
    let (CacheCommand::Stats { cache } | CacheCommand::Clear { cache }) = cmd;
    let dir = cache
        .dir()
        .context("no code cache directory: give --cache-dir or set WEDGE_CACHE_DIR")?;
    match cmd {
        CacheCommand::Stats { .. } => {
            let stats = wedge::cache::stats(&dir);
            println!("directory: {}", dir.display());
            println!("entries: {}", stats.entries);
            println!("size: {} bytes ({:.1} MiB)", stats.bytes, mib(stats.bytes));
            println!(
                "limit: {} bytes ({:.1} MiB)",
                wedge::DEFAULT_CACHE_MAX_BYTES,
                mib(wedge::DEFAULT_CACHE_MAX_BYTES)
            );
        }
        CacheCommand::Clear { .. } => {
            let removed = wedge::cache::clear(&dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
            println!("removed {removed} entries from {}", dir.display());
        }
    }
    Ok(())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Set in the environment of a process started to fill the cache.
const FILL_ENV: &str = "WEDGE_CACHE_FILL";

/// A fill that has held its lock this long is taken to have died.
const STALE_LOCK: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether this process was started to fill the cache (see the module documentation).
pub fn is_fill_process() -> bool {
    std::env::var_os(FILL_ENV).is_some_and(|v| v == "1")
}

/// The lock file of a cache entry, held by the process filling it.
fn lock_path(entry: &Path) -> PathBuf {
    entry.with_extension("lock")
}

/// Whether a fill of `entry` is running (its lock exists and is not stale).
fn fill_running(entry: &Path) -> bool {
    std::fs::metadata(lock_path(entry))
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().unwrap_or_default() < STALE_LOCK)
}

/// After a run: if the cache lacks the module's compiled code, starts a background process
/// that compiles it there. Failing to start one changes nothing but the next start-up.
pub fn fill_later(module: &wedge::Module) {
    if !module.cache_missing() || is_fill_process() {
        return;
    }
    let Some(entry) = module.cache_entry() else {
        return;
    };
    if entry.exists() || fill_running(entry) {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    use std::os::unix::process::CommandExt;
    let _ = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(FILL_ENV, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        // Its own process group: a Ctrl-C at the terminal does not reach it.
        .process_group(0)
        .spawn();
}

/// In a process started by [`fill_later`]: compiles the module into the cache, at the
/// lowest priority, unless another process is at it.
pub fn fill_now(module: &wedge::Module) -> Result<ExitCode> {
    let _ = rustix::process::setpriority_process(None, 19);
    let Some(entry) = module.cache_entry() else {
        return Ok(ExitCode::SUCCESS);
    };
    let lock = lock_path(entry);
    if fill_running(entry) {
        return Ok(ExitCode::SUCCESS);
    }
    // The first run with a new cache directory finds none yet: the lock goes in it.
    if let Some(dir) = entry.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("code cache {}", dir.display()))?;
    }
    let _ = std::fs::remove_file(&lock);
    if std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
        .is_err()
    {
        return Ok(ExitCode::SUCCESS);
    }
    let filled = module.cache_fill();
    let _ = std::fs::remove_file(&lock);
    filled?;
    Ok(ExitCode::SUCCESS)
}
