//! `wedge run`: instantiate a module with WASI and run it as a command, a reactor, or one
//! invoked export.

use crate::limits::LimitArgs;
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wedge_wasi::{DirAccess, WasiCtx, WasiCtxBuilder};

/// WASI options of `wedge run` (named as in WasmEdge where WasmEdge has them).
#[derive(clap::Args, Debug, Default)]
pub struct WasiOptions {
    /// Give the guest a host directory: `GUEST:HOST`, or `PATH` for the same path on both
    /// sides; add `:readonly` to withhold every right that modifies files. Repeatable.
    #[arg(long = "dir", value_name = "GUEST:HOST[:readonly]", value_parser = parse_dir)]
    pub dirs: Vec<DirSpec>,
    /// Set an environment variable for the guest (the host's are not passed). Repeatable.
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env)]
    pub envs: Vec<(String, String)>,
    /// Reactor mode: call `_initialize` if exported, then the export named by the first
    /// argument with the remaining arguments, and print its results.
    #[arg(long)]
    pub reactor: bool,
    /// Listen on a TCP address and hand the socket to the guest as a preopened descriptor,
    /// for `sock_accept`. Repeatable.
    #[arg(long = "tcplisten", value_name = "HOST:PORT")]
    pub tcplisten: Vec<String>,
    #[command(flatten)]
    pub net: crate::net_flags::NetFlags,
    #[command(flatten)]
    pub plugins: crate::plugins::PluginArgs,
}

/// A parsed `--dir` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirSpec {
    /// The name the guest sees.
    pub guest: String,
    /// The host directory.
    pub host: PathBuf,
    /// Read-only or read-write.
    pub access: DirAccess,
}

/// Parses `NAME=VALUE`.
pub fn parse_env(spec: &str) -> Result<(String, String), String> {
    match spec.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("`{spec}` is not NAME=VALUE")),
    }
}

/// Parses `GUEST:HOST`, `PATH`, each with an optional `:readonly` suffix.
pub fn parse_dir(spec: &str) -> Result<DirSpec, String> {
    let (rest, access) = match spec.strip_suffix(":readonly") {
        Some(rest) => (rest, DirAccess::ReadOnly),
        None => (spec, DirAccess::ReadWrite),
    };
    let (guest, host) = match rest.split_once(':') {
        Some((guest, host)) => (guest, host),
        None => (rest, rest),
    };
    if guest.is_empty() || host.is_empty() {
        return Err(format!(
            "`{spec}` is not GUEST:HOST or PATH (with an optional :readonly)"
        ));
    }
    Ok(DirSpec {
        guest: guest.to_string(),
        host: PathBuf::from(host),
        access,
    })
}

/// Builds the guest's WASI context: argv, environment, inherited stdio, directories, sockets.
fn build_ctx(argv: Vec<String>, opts: &WasiOptions) -> Result<WasiCtx> {
    let mut b = WasiCtxBuilder::new()
        .args(argv)
        .inherit_stdio()
        .net_policy(opts.net.policy()?);
    for (name, value) in &opts.envs {
        b = b.env(name, value);
    }
    for spec in &opts.dirs {
        b = b.preopened_dir(&spec.host, spec.guest.clone(), spec.access);
    }
    for addr in &opts.tcplisten {
        let listener = std::net::TcpListener::bind(addr)
            .with_context(|| format!("cannot listen on {addr}"))?;
        b = b.preopened_listener(listener);
    }
    Ok(b.build()?)
}

/// WASI functions whose results depend on the outside world (time, randomness, readiness),
/// refused in deterministic mode, as is every `sock_*` function (the network).
const NONDETERMINISTIC: &[&str] = &[
    "clock_res_get",
    "clock_time_get",
    "poll_oneoff",
    "random_get",
    "epoll_oneoff",
];

/// How `run` executes the module: the tier and the code cache.
pub struct How {
    /// The tier (`--tier`).
    pub tier: Option<crate::tier::Tier>,
    /// The code cache flags.
    pub cache: crate::tier::CacheArgs,
    /// Where to write a core dump if the guest traps.
    pub coredump: crate::coredump::CoredumpArgs,
    /// Profiling support.
    pub profile: crate::profile::ProfileArgs,
}

/// `wedge run`: runs `_start` (a command), a reactor export, or the export named by `invoke`,
/// within the resource limits, on an engine with `features` (the feature flags' config).
pub fn run(
    features: &wedge::Config,
    file: &Path,
    invoke: Option<String>,
    args: &[String],
    opts: &WasiOptions,
    limits: &LimitArgs,
    how: How,
) -> Result<ExitCode> {
    let mut config = features.clone();
    let tier = how.tier.or(how
        .profile
        .needs_native_code()
        .then_some(crate::tier::Tier::Jit));
    crate::tier::configure(tier, &mut config);
    limits.configure(&mut config)?;
    how.profile.configure(&mut config);
    crate::tier::configure_cache(&how.cache, &mut config);
    if crate::cache::is_fill_process() {
        // Compiled off the critical path: worth inlining (entries serve runs either way).
        config.inlining(true);
    }
    let engine = &wedge::Engine::new(&config);
    let module = crate::load(engine, file)?;
    if crate::cache::is_fill_process() {
        return crate::cache::fill_now(&module);
    }
    if limits.deterministic {
        if let Some(import) = module.imports().find(|i| {
            i.module.starts_with("wasi_")
                && (i.name.starts_with("sock_") || NONDETERMINISTIC.contains(&i.name.as_str()))
        }) {
            bail!(
                "{}: imports `{}::{}`, whose result is not deterministic; --deterministic refuses it",
                file.display(),
                import.module,
                import.name
            );
        }
    }
    let (export, call_args, argv) = if opts.reactor {
        let Some((name, rest)) = args.split_first() else {
            bail!("--reactor needs the name of the export to call as the first argument");
        };
        let mut argv = vec![file.display().to_string()];
        argv.extend(rest.iter().cloned());
        (Some(name.clone()), rest.to_vec(), argv)
    } else if let Some(name) = invoke {
        (Some(name), args.to_vec(), vec![file.display().to_string()])
    } else {
        let mut argv = vec![file.display().to_string()];
        argv.extend(args.iter().cloned());
        (None, Vec::new(), argv)
    };

    crate::net_flags::raise_fd_limit();
    let plugins = opts.plugins.load()?;
    let ctx = build_ctx(argv, opts)?;
    let mut store = wedge::Store::new(engine, ctx);
    let running = limits.apply(&mut store);
    how.profile.start(&mut store)?;
    let outcome = run_in_store(
        &mut store,
        &module,
        &plugins,
        export,
        &call_args,
        opts.reactor,
    );
    if let Err(e) = how.profile.finish(&mut store, file) {
        eprintln!("warning: {e:#}");
    }
    let reported = limits.report(&store, running);
    let trap = outcome
        .as_ref()
        .err()
        .and_then(|e| e.downcast_ref::<wedge::Error>())
        .and_then(wedge::Error::as_trap)
        .filter(|t| t.exit_code().is_none());
    let dumped = match (trap, &how.coredump.coredump_on_trap) {
        (Some(trap), Some(path)) => {
            crate::coredump::write(path, &file.display().to_string(), &store, trap)
        }
        _ => Ok(()),
    };
    crate::cache::fill_later(&module);
    // The process ends right after: the system reclaims memory mappings and open files at
    // once, faster than tearing the store and module down piece by piece (zeroing memories
    // for reuse, unmapping code, freeing metadata).
    std::mem::forget(store);
    std::mem::forget(module);
    if let Err(e) = dumped {
        eprintln!("warning: {e:#}");
    }
    let code = outcome.map_err(|e| limits.explain(e))?;
    reported?;
    Ok(code)
}

/// Instantiates `module` in `store` and runs `_start`, or `export` (after `_initialize` for a
/// reactor) with `call_args`.
fn run_in_store(
    store: &mut wedge::Store<WasiCtx>,
    module: &wedge::Module,
    plugins: &wedge_plugin::PluginSet,
    export: Option<String>,
    call_args: &[String],
    reactor: bool,
) -> Result<ExitCode> {
    let mut store = store;
    let mut linker = wedge::Linker::new(store.engine());
    wedge_wasi::add_to_linker(&mut linker, |ctx| ctx)?;
    plugins.add_to_linker(&mut linker)?;
    let instance = linker.instantiate(&mut store, module)?;

    let outcome = match export {
        None => match instance.get_func(&store, "_start") {
            Some(start) => start.call(&mut store, &[], &mut []).map(|()| Vec::new()),
            None => Ok(Vec::new()),
        },
        Some(name) => {
            if reactor {
                if let Some(init) = instance.get_func(&store, "_initialize") {
                    if let Err(e) = init.call(&mut store, &[], &mut []) {
                        return finish(Err(e));
                    }
                }
            }
            call_export(store, &instance, &name, call_args)?
        }
    };
    finish(outcome)
}

/// Calls an export with arguments parsed by its signature.
fn call_export(
    store: &mut wedge::Store<WasiCtx>,
    instance: &wedge::Instance,
    name: &str,
    args: &[String],
) -> Result<Result<Vec<wedge::Val>, wedge::Error>> {
    let func = instance
        .get_func(&*store, name)
        .with_context(|| format!("no exported function named `{name}`"))?;
    let ty = func.ty(&*store);
    if args.len() != ty.params().len() {
        bail!(
            "`{name}` takes {} argument(s) {}, {} given",
            ty.params().len(),
            ty,
            args.len()
        );
    }
    let params = args
        .iter()
        .zip(ty.params())
        .map(|(a, t)| crate::invoke::parse_arg(a, *t))
        .collect::<Result<Vec<_>>>()?;
    let mut results = vec![wedge::Val::I32(0); ty.results().len()];
    Ok(func.call(store, &params, &mut results).map(|()| results))
}

/// Turns the outcome of the call into the process exit: results are printed; a WASI exit
/// becomes the exit code; a trap is returned as an error (printed, exit code 134).
fn finish(outcome: Result<Vec<wedge::Val>, wedge::Error>) -> Result<ExitCode> {
    match outcome {
        Ok(results) => {
            // A closed stdout (e.g. piped into `head`) must not turn into a panic.
            let mut out = std::io::stdout().lock();
            for r in &results {
                let _ = writeln!(out, "{}", crate::invoke::format_val(r));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => match e.as_trap().and_then(wedge::Trap::exit_code) {
            // Like a POSIX process, only the low 8 bits of the status reach the parent.
            Some(code) => Ok(ExitCode::from(code as u8)),
            None => Err(e.into()),
        },
    }
}

/// Subcommands of `wedge`: any other first argument is a module file to run.
const SUBCOMMANDS: &[&str] = &[
    "run", "validate", "wast", "inspect", "compile", "cache", "oci", "help",
];

/// Inserts `run` after the program name when the first argument names a module file (an
/// existing path, or one ending in `.wasm`/`.wat`), so that `wedge FILE ARGS...` means
/// `wedge run FILE ARGS...`; anything else is left for the parser to accept or reject.
pub fn with_implicit_run(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let mut args: Vec<_> = args.into_iter().collect();
    if let Some(first) = args.get(1) {
        let text = first.to_string_lossy();
        let path = Path::new(first);
        let looks_like_module = path.exists()
            || matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("wasm" | "wat")
            );
        if !text.starts_with('-') && !SUBCOMMANDS.contains(&text.as_ref()) && looks_like_module {
            args.insert(1, "run".into());
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_specs_parse_like_wasmedge() {
        let d = parse_dir(".:/tmp/x").unwrap();
        assert_eq!(
            (d.guest.as_str(), d.host.as_path(), d.access),
            (".", Path::new("/tmp/x"), DirAccess::ReadWrite)
        );
        let d = parse_dir("/data").unwrap();
        assert_eq!(
            (d.guest.as_str(), d.host.as_path()),
            ("/data", Path::new("/data"))
        );
        let d = parse_dir("/data:/srv/data:readonly").unwrap();
        assert_eq!(
            (d.guest.as_str(), d.host.as_path(), d.access),
            ("/data", Path::new("/srv/data"), DirAccess::ReadOnly)
        );
        let d = parse_dir("/data:readonly").unwrap();
        assert_eq!(
            (d.guest.as_str(), d.host.as_path(), d.access),
            ("/data", Path::new("/data"), DirAccess::ReadOnly)
        );
        assert!(parse_dir(":/x").is_err());
        assert!(parse_dir("x:").is_err());
    }
}
