//! The `wedge` command-line runtime.

mod inspect;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Wedge: a WebAssembly runtime.
#[derive(Parser)]
#[command(name = "wedge", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check that a module is valid (binary `.wasm` or text `.wat`).
    Validate {
        /// The module file.
        file: PathBuf,
    },
    /// Print a module's imports, exports, memories, tables and custom sections.
    Inspect {
        /// The module file.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let engine = wedge::Engine::default();
    match cli.command {
        Command::Validate { file } => {
            load(&engine, &file)?;
            println!("{}: valid", file.display());
        }
        Command::Inspect { file } => {
            let module = load(&engine, &file)?;
            print!("{}", inspect::describe(&module));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and validates a module file.
fn load(engine: &wedge::Engine, path: &Path) -> Result<wedge::Module> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    wedge::Module::new(engine, bytes).with_context(|| format!("{}", path.display()))
}
