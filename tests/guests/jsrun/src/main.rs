//! A JavaScript runner for WASI on QuickJS (through `rquickjs`), the way WasmEdge runs JS:
//! `jsrun SCRIPT.mjs [ARGS...]` evaluates the script as an ES module. Imports are resolved
//! relative to the importing file and read through WASI, as is `readFile(path)`.
//! Globals: `print(...)`, `console.log(...)`, `readFile(path)`, `scriptArgs`.
//! Exit code 0 on success, 1 on an uncaught exception (printed on stderr), 2 on bad usage.

use rquickjs::function::Rest;
use rquickjs::loader::{Resolver, ScriptLoader};
use std::path::{Component, Path, PathBuf};
use rquickjs::{CatchResultExt, Coerced, Context, Ctx, Function, Module, Object, Runtime};

fn print(args: Rest<Coerced<String>>) {
    let parts: Vec<&str> = args.0.iter().map(|a| a.0.as_str()).collect();
    println!("{}", parts.join(" "));
}

fn read_file(path: String) -> rquickjs::Result<String> {
    std::fs::read_to_string(&path).map_err(|e| {
        rquickjs::Error::new_from_js_message("path", "string", format!("{path}: {e}"))
    })
}

/// Resolves an import against the directory of the importing module, to a normalized path
/// (kept absolute when the importer's is, since WASI resolves absolute paths by preopen).
struct PathResolver;

impl Resolver for PathResolver {
    fn resolve<'js>(&mut self, _ctx: &Ctx<'js>, base: &str, name: &str) -> rquickjs::Result<String> {
        let dir = Path::new(base).parent().unwrap_or(Path::new(""));
        let mut out = PathBuf::new();
        for part in dir.join(name).components() {
            match part {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        Ok(out.to_string_lossy().into_owned())
    }
}

fn install<'js>(ctx: &Ctx<'js>, args: &[String]) -> rquickjs::Result<()> {
    let globals = ctx.globals();
    let print = Function::new(ctx.clone(), print)?;
    let console = Object::new(ctx.clone())?;
    console.set("log", print.clone())?;
    globals.set("print", print)?;
    globals.set("console", console)?;
    globals.set("readFile", Function::new(ctx.clone(), read_file)?)?;
    globals.set("scriptArgs", args.to_vec())?;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: jsrun SCRIPT [ARGS...]");
        std::process::exit(2);
    };
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("jsrun: cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let rt = Runtime::new().expect("QuickJS runtime");
    rt.set_loader(PathResolver, ScriptLoader::default().with_extension("mjs"));
    let ctx = Context::full(&rt).expect("QuickJS context");
    let code = ctx.with(|ctx| {
        if let Err(e) = install(&ctx, &args[2..]) {
            eprintln!("jsrun: {e}");
            return 2;
        }
        let outcome = Module::evaluate(ctx.clone(), path.as_str(), source)
            .and_then(|promise| promise.finish::<()>())
            .catch(&ctx);
        match outcome {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("uncaught exception: {e}");
                1
            }
        }
    });
    std::process::exit(code);
}
