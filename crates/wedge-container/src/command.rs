//! One container's wasm command: what to run and how its outcome becomes an exit code.

use std::path::PathBuf;
use wedge_wasi::{DirAccess, WasiCtx, WasiCtxBuilder};

/// Exit code when the module cannot be read, validated or linked (as `wedge run`).
pub const LOAD_FAILED: i32 = 1;
/// Exit code when the guest traps (as `wedge run`).
pub const TRAPPED: i32 = 134;

/// Where the module comes from.
#[derive(Debug)]
pub enum ModuleSource {
    /// A file (inside the container, after pivot_root).
    File(PathBuf),
    /// Module bytes already read (an OCI wasm layer).
    Bytes(Vec<u8>),
}

/// Which execution tier runs the module.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tier {
    /// Native code (precompiled or compiled at start) where the host allows it.
    #[default]
    Compiled,
    /// The interpreter.
    Interpreted,
}

impl Tier {
    /// The tier a container asks for with `WEDGE_TIER=interp|jit` among its `NAME=VALUE`
    /// variables (compiled when unset).
    pub fn from_env<'a>(envs: impl IntoIterator<Item = &'a str>) -> Tier {
        match envs.into_iter().find_map(|e| e.strip_prefix("WEDGE_TIER=")) {
            Some("interp") => Tier::Interpreted,
            _ => Tier::Compiled,
        }
    }
}

/// A WASI command to run as the container's process.
#[derive(Debug)]
pub struct Command {
    /// The module.
    pub source: ModuleSource,
    /// How the module is named in messages (its path in the container, usually).
    pub name: String,
    /// The export to call (`_start` for a command).
    pub func: String,
    /// The guest's argv (the first is the program name).
    pub args: Vec<String>,
    /// The guest's environment, `NAME=VALUE` each.
    pub envs: Vec<String>,
    /// Directories to preopen: (guest name, host path).
    pub preopens: Vec<(String, PathBuf)>,
    /// Interpreter or compiled code.
    pub tier: Tier,
    /// The key that authenticates native code stored in the module (see
    /// `wedge::Config::native_code_key`); without one it is compiled again.
    pub native_code_key: Option<[u8; 16]>,
    /// A code cache directory (`wedge::Config::cache_dir`) shared by the node's containers:
    /// a module compiled at one container's start is loaded from there by the next. Used
    /// only with a `native_code_key`, which signs its entries.
    pub code_cache: Option<PathBuf>,
}

/// Why a command stopped without a WASI exit: the exit code and the message for stderr.
struct Failure(i32, String);

fn load_failed(message: String) -> Failure {
    Failure(LOAD_FAILED, message)
}

impl Command {
    /// The engine configuration containers run with: the tier, interruption on (for
    /// SIGTERM), the node's key. Precompilation must use the same, or its code is not used.
    /// (A code cache, when there is one, is set on top: see [`Command::code_cache`].)
    pub fn config(tier: Tier, native_code_key: Option<[u8; 16]>) -> wedge::Config {
        let mut config = wedge::Config::new();
        config
            .strategy(match tier {
                Tier::Compiled => wedge::Strategy::Auto,
                Tier::Interpreted => wedge::Strategy::Interpreter,
            })
            .interruptible(true)
            .native_code_key(native_code_key);
        config
    }

    /// Runs the command in this process and returns the container's exit code; a failure
    /// is explained on stderr (`wedge: ...`). SIGTERM and SIGINT interrupt the guest.
    pub fn run(self) -> i32 {
        match self.try_run() {
            Ok(code) => code,
            Err(Failure(code, message)) => {
                eprintln!("wedge: {message}");
                code
            }
        }
    }

    fn try_run(self) -> Result<i32, Failure> {
        let name = self.name.as_str();
        let bytes = match self.source {
            ModuleSource::Bytes(bytes) => bytes,
            ModuleSource::File(ref path) => std::fs::read(path).map_err(|e| {
                load_failed(format!("cannot read the module {}: {e}", path.display()))
            })?,
        };
        let mut config = Self::config(self.tier, self.native_code_key);
        config.cache_dir(self.code_cache.clone());
        let engine = wedge::Engine::new(&config);
        let module =
            wedge::Module::new(&engine, bytes).map_err(|e| load_failed(format!("{name}: {e}")))?;
        report_code_origin(&module, name);
        release_compiler_memory();

        let wasi = wasi_ctx(&self.args, &self.envs, &self.preopens).map_err(load_failed)?;
        let mut store = wedge::Store::new(&engine, wasi);
        let mut linker = wedge::Linker::new(&engine);
        wedge_wasi::add_to_linker(&mut linker, |ctx| ctx)
            .map_err(|e| load_failed(format!("cannot set up WASI: {e}")))?;
        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(|e| trapped_or_failed(name, e))?;
        let func = instance.get_func(&store, &self.func).ok_or_else(|| {
            load_failed(format!("{name} exports no function named `{}`", self.func))
        })?;
        let ty = func.ty(&store);
        if !ty.params().is_empty() {
            return Err(load_failed(format!(
                "{name}: `{}` has type {ty}; an entry function takes no parameters",
                self.func
            )));
        }
        let mut results = vec![wedge::Val::I32(0); ty.results().len()];

        crate::signals::install(store.interrupt_handle());
        let outcome = func.call(&mut store, &[], &mut results);
        crate::signals::finished();
        // The process ends right after: skip tearing the store and module down.
        std::mem::forget(store);
        std::mem::forget(module);
        match outcome {
            Ok(()) => Ok(0),
            Err(e) => exit_code(name, e),
        }
    }
}

/// The exit code for an error from the guest: its `proc_exit` code, 128 + the signal that
/// interrupted it, or a trap.
fn exit_code(name: &str, e: wedge::Error) -> Result<i32, Failure> {
    if let Some(trap) = e.as_trap() {
        if let Some(code) = trap.exit_code() {
            return Ok(code);
        }
        if trap.kind() == wedge::TrapKind::Interrupted {
            return Ok(crate::signals::exit_code());
        }
    }
    Err(trapped_or_failed(name, e))
}

/// A trap (in the start function, say) is a trap; anything else a failure to load.
fn trapped_or_failed(name: &str, e: wedge::Error) -> Failure {
    let code = if e.as_trap().is_some() {
        TRAPPED
    } else {
        LOAD_FAILED
    };
    Failure(code, format!("{name}: {e}"))
}

/// Gives the heap the compiler used (freed, but kept by malloc) back to the system: the
/// guest may run for days, and each container pays for what its process keeps.
fn release_compiler_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free memory of glibc's heap to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Logs whether the module's native code came stored in it or was compiled now.
fn report_code_origin(module: &wedge::Module, name: &str) {
    let stored = module
        .custom_sections()
        .iter()
        .any(|(section, _)| section == "wedge.native");
    if let Some(warning) = module.native_code_warning() {
        log::warn!("{name}: {warning}");
    } else if module.is_native() && stored {
        log::info!("{name}: running precompiled native code (no compilation)");
    } else if module.is_cached() {
        log::info!("{name}: running native code from the node's code cache (no compilation)");
    } else if module.is_native() && module.cache_entry().is_some() {
        log::info!("{name}: compiled to native code at start, kept in the node's code cache");
    } else if module.is_native() {
        log::info!("{name}: compiled to native code at start");
    } else {
        log::info!("{name}: interpreted");
    }
}

/// The guest's WASI context: argv, environment, this process's stdio, preopened directories,
/// the network.
fn wasi_ctx(
    args: &[String],
    envs: &[String],
    preopens: &[(String, PathBuf)],
) -> Result<WasiCtx, String> {
    // The container's network namespace is the boundary: inside it the guest may use the
    // network as under WasmEdge (its socket extension, name resolution).
    let mut b = WasiCtxBuilder::new()
        .args(args.iter().cloned())
        .inherit_stdio()
        .inherit_network();
    for entry in envs {
        let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
        b = b.env(name, value);
    }
    for (guest, host) in preopens {
        b = b.preopened_dir(host, guest.clone(), DirAccess::ReadWrite);
    }
    b.build().map_err(|e| e.to_string())
}
