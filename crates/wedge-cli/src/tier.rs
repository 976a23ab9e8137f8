//! `--tier`: choosing how `run` and `wast` execute functions, and where `run` keeps
//! compiled code between runs (`--cache-dir`, `--no-cache`).

use clap::ValueEnum;
use std::path::PathBuf;

/// Which execution tier runs wasm functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Tier {
    /// The register-bytecode interpreter (fast start-up).
    Interp,
    /// Native code from the Cranelift compiler (fast execution); uses native code stored by
    /// `wedge compile`, or in the code cache, when it matches this host.
    Jit,
    /// Start in the interpreter and compile hot functions in the background; uses stored
    /// native code like `jit`.
    Tiered,
}

/// Where compiled code is kept between runs.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct CacheArgs {
    /// Keep compiled code in DIR (default: `$WEDGE_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/wedge/code`, else `~/.cache/wedge/code`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither use nor fill the code cache (as `WEDGE_CACHE=off` in the environment).
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
}

impl CacheArgs {
    /// The cache directory these flags select, if the cache is on and a place can be named.
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_cache || std::env::var_os("WEDGE_CACHE").is_some_and(|v| v == "off") {
            return None;
        }
        if let Some(dir) = &self.cache_dir {
            return Some(dir.clone());
        }
        if let Some(dir) = std::env::var_os("WEDGE_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("wedge").join("code"))
    }
}

/// The tier used without `--tier`: tiered (interpreter first, hot functions compiled in
/// the background), which interprets where this build or host cannot compile.
pub const DEFAULT_TIER: Tier = Tier::Tiered;

/// Sets the strategy for a tier ([`DEFAULT_TIER`] without one).
pub fn configure(tier: Option<Tier>, config: &mut wedge::Config) {
    config.native_code_key(crate::aot_key::load());
    config.strategy(match tier.unwrap_or(DEFAULT_TIER) {
        Tier::Interp => wedge::Strategy::Interpreter,
        Tier::Jit => wedge::Strategy::Compiler,
        Tier::Tiered => wedge::Strategy::Tiered,
    });
}

/// Turns the code cache on (creating the signing key if there is none yet) unless the
/// flags turn it off or the engine never compiles. A cache that cannot be set up is left
/// off, with a warning.
pub fn configure_cache(cache: &CacheArgs, config: &mut wedge::Config) {
    let Some(dir) = cache.dir().filter(|_| config.compiles()) else {
        return;
    };
    match crate::aot_key::load_or_create() {
        Ok(key) => {
            config.native_code_key(Some(key)).cache_dir(Some(dir));
        }
        Err(e) => eprintln!("warning: code cache off: {e:#}"),
    }
}

/// The engine for a tier, with the features of `base`.
pub fn engine(tier: Option<Tier>, base: &wedge::Config) -> wedge::Engine {
    let mut config = base.clone();
    configure(tier, &mut config);
    wedge::Engine::new(&config)
}
