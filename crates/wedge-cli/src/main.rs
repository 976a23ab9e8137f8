//! The `wedge` command-line runtime.

mod aot_key;
mod cache;
mod compile;
mod coredump;
mod features;
mod inspect;
mod invoke;
mod limits;
mod logging;
mod net_flags;
mod oci;
mod plugins;
mod profile;
mod tier;
mod wasi_run;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Wedge: a WebAssembly runtime.
///
/// `wedge FILE ARGS...` is short for `wedge run FILE ARGS...`.
///
/// Exit codes: 0 on success; the guest's own code when it exits through WASI `proc_exit`
/// (its low 8 bits); 1 when a module cannot be read, validated or linked; 2 for bad
/// command-line arguments; 134 when the guest traps (the trap and its wasm backtrace are
/// printed on stderr).
#[derive(Parser)]
#[command(name = "wedge", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    features: features::FeatureFlags,
    /// Inline small functions into their callers when compiling just in time (`wedge compile`
    /// does by default): faster code, longer compilation; results, traps and backtraces are
    /// the same.
    #[arg(long, global = true)]
    inline: bool,
    /// Log what the runtime does on stderr, at LEVEL (`error`, `warn`, `info`, `debug`,
    /// `trace`) or with an env-filter (`wedge::compile=info,wedge::trap=debug`); overrides
    /// `WEDGE_LOG`. Off by default.
    #[arg(long, global = true, value_name = "LEVEL")]
    log: Option<String>,
}

// Parsed once per process: the size of the `Run` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run a module with WASI: call `_start` (passing ARGS to the guest), a reactor export
    /// (`--reactor`), or the export named by `--invoke`.
    ///
    /// The exit code is the guest's `proc_exit` code (0 when `_start` returns); 134 when the
    /// guest traps, with the trap and its wasm backtrace on stderr; 1 when the module cannot
    /// be loaded or linked.
    Run {
        /// Call this exported function with ARGS parsed by its signature and print its results.
        #[arg(long, value_name = "NAME")]
        invoke: Option<String>,
        /// Execution tier (default: tiered where this build can compile, else interp; jit
        /// with `-g` or `--profile perf`, which need every function compiled).
        #[arg(long, value_enum)]
        tier: Option<tier::Tier>,
        #[command(flatten)]
        cache: tier::CacheArgs,
        /// The module file (`.wasm` or `.wat`).
        file: PathBuf,
        /// Arguments for the guest program (or for the invoked function).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
        #[command(flatten)]
        wasi: wasi_run::WasiOptions,
        #[command(flatten)]
        limits: limits::LimitArgs,
        #[command(flatten)]
        coredump: coredump::CoredumpArgs,
        #[command(flatten)]
        profile: profile::ProfileArgs,
    },
    /// Check that a module is valid (binary `.wasm` or text `.wat`).
    Validate {
        /// The module file.
        file: PathBuf,
    },
    /// Run WebAssembly spec scripts (`.wast`) and report `N passed, M failed`.
    Wast {
        /// Execution tier (default: tiered where this build can compile, else interp).
        #[arg(long, value_enum)]
        tier: Option<tier::Tier>,
        /// The script files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Compile a module ahead of time into a universal file: the module plus native code for
    /// this CPU, which `wedge run` uses without compiling (other runtimes run it as plain wasm).
    Compile {
        /// The module file (`.wasm` or `.wat`).
        input: PathBuf,
        /// Where to write the universal `.wasm` file.
        output: PathBuf,
        #[command(flatten)]
        code: compile::CodeArgs,
    },
    /// Inspect or clear the code cache (compiled code `run` keeps between runs).
    #[command(subcommand)]
    Cache(cache::CacheCommand),
    /// Print a module's imports, exports, memories, tables and custom sections.
    Inspect {
        /// The module file.
        file: PathBuf,
        /// Also print the interpreter bytecode of every defined function.
        #[arg(long)]
        disassemble: bool,
    },
    /// Build OCI images of wasm modules (`wedge oci pack APP.wasm -o app.tar --name NAME:TAG`).
    #[command(subcommand)]
    Oci(oci::OciCommand),
}

/// Exit code when the guest traps.
const TRAP_EXIT: u8 = 134;

fn main() -> ExitCode {
    let cli = Cli::parse_from(wasi_run::with_implicit_run(std::env::args_os()));
    if let Err(e) = logging::init(cli.log.as_deref()) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let config = match cli.features.config() {
        Ok(mut config) => {
            config.inlining(cli.inline);
            config
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    match run(cli, &config) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            let trapped = e
                .downcast_ref::<wedge::Error>()
                .is_some_and(|e| e.as_trap().is_some());
            ExitCode::from(if trapped { TRAP_EXIT } else { 1 })
        }
    }
}

fn run(cli: Cli, config: &wedge::Config) -> Result<ExitCode> {
    let engine = wedge::Engine::new(config);
    match cli.command {
        Command::Run {
            invoke,
            tier,
            cache,
            file,
            args,
            wasi,
            limits,
            coredump,
            profile,
        } => {
            let how = wasi_run::How {
                tier,
                cache,
                coredump,
                profile,
            };
            return wasi_run::run(config, &file, invoke, &args, &wasi, &limits, how);
        }
        Command::Cache(cmd) => cache::command(&cmd)?,
        Command::Compile {
            input,
            output,
            code,
        } => compile::compile(config, &input, &output, &code)?,
        Command::Wast { tier, files } => {
            let report = wedge_wast::run_files(&files, &tier::engine(tier, config));
            if report.failed > 0 {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Oci(command) => oci::run(command)?,
        Command::Validate { file } => {
            load(&engine, &file)?;
            println!("{}: valid", file.display());
        }
        Command::Inspect { file, disassemble } => {
            let module = load(&engine, &file)?;
            print!("{}", inspect::describe(&module));
            if disassemble {
                let first = module.function_count() - module.defined_function_count();
                for f in first..module.function_count() {
                    print!("{}", module.disassemble(f as u32)?);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and validates a module file.
fn load(engine: &wedge::Engine, path: &Path) -> Result<wedge::Module> {
    // SAFETY: the file is mapped rather than read (no copy; native code and memory images
    // are mapped from it). Whoever can change the file while it runs could as well have
    // changed it before: the contract is the same as for running any program file.
    let module = unsafe { wedge::Module::from_file_mapped(engine, path) }
        .with_context(|| format!("{}", path.display()))?;
    if let Some(warning) = module.native_code_warning() {
        eprintln!("warning: {}: {warning}", path.display());
    }
    Ok(module)
}
