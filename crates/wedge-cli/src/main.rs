//! The `wedge` command-line runtime.

mod aot_key;
mod compile;
mod inspect;
mod invoke;
mod limits;
mod tier;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Wedge: a WebAssembly runtime.
///
/// Exit codes: 0 on success; 1 when a module cannot be read, validated or linked; 2 for bad
/// command-line arguments; 134 when the guest traps (the trap and its wasm backtrace are
/// printed on stderr).
#[derive(Parser)]
#[command(name = "wedge", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Instantiate a module and call `_start`, or the export named by `--invoke`.
    Run {
        /// Call this exported function with ARGS parsed by its signature and print its results.
        #[arg(long, value_name = "NAME")]
        invoke: Option<String>,
        /// Execution tier (default: jit where available, else interp).
        #[arg(long, value_enum)]
        tier: Option<tier::Tier>,
        /// The module file (`.wasm` or `.wat`).
        file: PathBuf,
        /// Arguments for the invoked function.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
        #[command(flatten)]
        limits: limits::LimitArgs,
    },
    /// Check that a module is valid (binary `.wasm` or text `.wat`).
    Validate {
        /// The module file.
        file: PathBuf,
    },
    /// Run WebAssembly spec scripts (`.wast`) and report `N passed, M failed`.
    Wast {
        /// Execution tier (default: jit where available, else interp).
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
    },
    /// Print a module's imports, exports, memories, tables and custom sections.
    Inspect {
        /// The module file.
        file: PathBuf,
        /// Also print the interpreter bytecode of every defined function.
        #[arg(long)]
        disassemble: bool,
    },
}

/// Exit code when the guest traps.
const TRAP_EXIT: u8 = 134;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
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

fn run(cli: Cli) -> Result<ExitCode> {
    let engine = wedge::Engine::default();
    match cli.command {
        Command::Run {
            invoke,
            tier,
            file,
            args,
            limits,
        } => return run_module(&file, invoke, &args, &limits, tier),
        Command::Compile { input, output } => compile::compile(&input, &output)?,
        Command::Wast { tier, files } => {
            let report = wedge_wast::run_files(&files, &tier::engine(tier));
            if report.failed > 0 {
                return Ok(ExitCode::from(1));
            }
        }
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
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let module =
        wedge::Module::new(engine, bytes).with_context(|| format!("{}", path.display()))?;
    if let Some(warning) = module.native_code_warning() {
        eprintln!("warning: {}: {warning}", path.display());
    }
    Ok(module)
}

/// `wedge run`: instantiate, then call `_start` or the invoked export, within the limits.
fn run_module(
    file: &Path,
    invoke: Option<String>,
    args: &[String],
    limits: &limits::LimitArgs,
    tier: Option<tier::Tier>,
) -> Result<ExitCode> {
    let mut config = wedge::Config::new();
    tier::configure(tier, &mut config);
    limits.configure(&mut config)?;
    let engine = &wedge::Engine::new(&config);
    let module = load(engine, file)?;
    if let Some(import) = module
        .imports()
        .find(|i| i.module.starts_with("wasi_snapshot_preview1") || i.module == "wasi_unstable")
    {
        anyhow::bail!(
            "{}: the module imports WASI (`{}::{}`), which this build of wedge does not provide yet",
            file.display(),
            import.module,
            import.name
        );
    }
    let mut store = wedge::Store::new(engine, ());
    let running = limits.apply(&mut store);
    let outcome = instantiate_and_call(&mut store, &module, invoke.as_deref(), args);
    limits.report(&store, running);
    outcome.map_err(|e| limits.explain(e))
}

/// Instantiates `module` and calls `_start` or the export `invoke` with `args`.
fn instantiate_and_call(
    store: &mut wedge::Store<()>,
    module: &wedge::Module,
    invoke: Option<&str>,
    args: &[String],
) -> Result<ExitCode> {
    let mut store = store;
    let linker = wedge::Linker::new(store.engine());
    let instance = linker.instantiate(&mut store, module)?;
    let name = match invoke {
        Some(name) => name,
        None if instance.get_func(&store, "_start").is_some() => "_start",
        None => return Ok(ExitCode::SUCCESS),
    };
    let func = instance
        .get_func(&store, name)
        .with_context(|| format!("no exported function named `{name}`"))?;
    let ty = func.ty(&store);
    if args.len() != ty.params().len() {
        anyhow::bail!(
            "`{name}` takes {} argument(s) {}, {} given",
            ty.params().len(),
            ty,
            args.len()
        );
    }
    let params = args
        .iter()
        .zip(ty.params())
        .map(|(a, t)| invoke::parse_arg(a, *t))
        .collect::<Result<Vec<_>>>()?;
    let mut results = vec![wedge::Val::I32(0); ty.results().len()];
    func.call(&mut store, &params, &mut results)?;
    for r in &results {
        println!("{}", invoke::format_val(r));
    }
    Ok(ExitCode::SUCCESS)
}
