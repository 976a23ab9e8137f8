//! Differential testing of the two tiers: wasm-smith modules run in the interpreter and as
//! compiled code must return the same values, trap the same way and leave the same memory
//! and globals behind. Both engines run in deterministic mode, so NaNs are canonical and the
//! comparison can be bit-exact.
#![cfg(feature = "compiler")]

#[path = "robustness/harness.rs"]
mod harness;

use arbitrary::Unstructured;
use wedge::{Config, Engine, Error, Extern, Module, Store, Strategy, TrapKind, Val};

/// How many generated modules are compared.
const CASES: u64 = 1000;

/// What one tier observed: per export call, its results or trap kind; then the final state.
#[derive(Debug, PartialEq)]
struct Run {
    calls: Vec<(String, Result<Vec<Val>, TrapKind>)>,
    memories: Vec<Vec<u8>>,
    globals: Vec<Val>,
}

fn engine(strategy: Strategy, inlining: bool) -> Engine {
    let mut config = Config::new();
    config
        .strategy(strategy)
        .inlining(inlining)
        .deterministic(true)
        .wasm_all_features(true)
        // Tiered: every function compiled at its second call or first loop iteration.
        .tier_up_calls(1)
        .tier_up_iterations(1)
        .tier_up_in_background(false);
    Engine::new(&config)
}

/// A module generated from `entropy` by `config` (the harness's fuel keeps it terminating).
type Generator = fn(&mut Unstructured<'_>) -> Option<Vec<u8>>;

/// WebAssembly 2.0 modules.
fn wasm2(u: &mut Unstructured<'_>) -> Option<Vec<u8>> {
    harness::generate(u).ok()
}

/// Modules with the 3.0 proposals the compiler translates (tail calls, multiple and 64-bit
/// memories, relaxed SIMD, extended constants, wide arithmetic, custom page sizes); no
/// threads, which deterministic mode refuses.
fn wasm3(u: &mut Unstructured<'_>) -> Option<Vec<u8>> {
    let config = wasm_smith::Config {
        threads_enabled: false,
        ..harness::smith_config_wasm3()
    };
    harness::generate_with(config, u).ok()
}

/// Modules with GC types and instructions, typed function references and exception
/// handling.
fn gc(u: &mut Unstructured<'_>) -> Option<Vec<u8>> {
    let config = wasm_smith::Config {
        tail_call_enabled: true,
        ..harness::smith_config_gc()
    };
    harness::generate_with(config, u).ok()
}

/// WebAssembly 2.0 modules with exception handling (tags, `throw`, `throw_ref`,
/// `try_table`) and tail calls.
fn exceptions(u: &mut Unstructured<'_>) -> Option<Vec<u8>> {
    let config = wasm_smith::Config {
        exceptions_enabled: true,
        tail_call_enabled: true,
        ..harness::smith_config()
    };
    harness::generate_with(config, u).ok()
}

/// Runs a module like the robustness harness does, recording everything observable.
/// `None` when instantiation fails without a comparable outcome.
fn run(engine: &Engine, wasm: &[u8]) -> Option<Run> {
    let module = Module::new(engine, wasm).expect("generated modules are valid");
    let mut store = Store::new(engine, ());
    let linker = harness::dummy_linker(&mut store).expect("dummy imports");
    let mut out = Run {
        calls: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
    };
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(Error::Trap(t)) => {
            out.calls.push(("<instantiate>".into(), Err(t.kind())));
            return Some(out);
        }
        Err(_) => return None,
    };
    let exports = instance.exports(&store);
    for (name, export) in &exports {
        if let Extern::Func(func) = export {
            let ty = func.ty(&store);
            let params: Vec<Val> = ty.params().iter().map(|t| Val::default_of(*t)).collect();
            let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_of(*t)).collect();
            let r = match func.call(&mut store, &params, &mut results) {
                Ok(()) => Ok(results),
                Err(Error::Trap(t)) => Err(t.kind()),
                Err(e) => panic!("call of {name} failed without a trap: {e}"),
            };
            out.calls.push((name.clone(), r));
        }
    }
    for (_, export) in &exports {
        match export {
            Extern::Memory(m) => out.memories.push(m.data(&store).to_vec()),
            Extern::Global(g) => out.globals.push(g.get(&store)),
            _ => {}
        }
    }
    Some(out)
}

/// References are store handles, equal across tiers only by null-ness and kind.
fn comparable(v: &Val) -> String {
    match v {
        Val::FuncRef(f) => format!("funcref({})", f.is_some()),
        Val::ExternRef(e) => format!("externref({})", e.is_some()),
        Val::AnyRef(a) => format!("anyref({:?})", a.map(|r| r.as_i31())),
        Val::ExnRef(e) => format!("exnref({})", e.is_some()),
        other => format!("{other:?}"),
    }
}

fn normalize(run: &Run) -> (Vec<String>, &Vec<Vec<u8>>, Vec<String>) {
    let calls = run
        .calls
        .iter()
        .map(|(n, r)| match r {
            Ok(vals) => format!(
                "{n} -> {:?}",
                vals.iter().map(comparable).collect::<Vec<_>>()
            ),
            Err(k) => format!("{n} -> trap {k:?}"),
        })
        .collect();
    let globals = run.globals.iter().map(comparable).collect();
    (calls, &run.memories, globals)
}

#[test]
fn interpreter_and_compiler_agree_on_generated_modules() {
    compare("2.0", wasm2, CASES);
}

#[test]
fn interpreter_and_compiler_agree_on_generated_wasm3_modules() {
    compare("3.0", wasm3, CASES / 2);
}

#[test]
fn interpreter_and_compiler_agree_on_generated_gc_modules() {
    compare("gc", gc, CASES / 2);
}

#[test]
fn interpreter_and_compiler_agree_on_generated_exception_modules() {
    compare("exceptions", exceptions, CASES / 2);
}

/// Compares both tiers on `cases` modules from `generate`; one module in three is compiled
/// with small callees inlined, one in three runs tiered (its functions compiled when called
/// a second time, so the tiers mix).
fn compare(what: &str, generate: Generator, cases: u64) {
    let interp = engine(Strategy::Interpreter, false);
    let jits = [
        engine(Strategy::Compiler, false),
        engine(Strategy::Compiler, true),
        engine(Strategy::Tiered, false),
    ];
    let (mut compared, mut skipped, mut returned, mut trapped) = (0, 0, 0, 0);
    for index in 0..cases {
        let entropy = harness::case_entropy(index, 0xd1ff);
        let Some(wasm) = generate(&mut Unstructured::new(&entropy)) else {
            continue;
        };
        let jit = &jits[index as usize % jits.len()];
        let (Some(a), Some(b)) = (run(&interp, &wasm), run(jit, &wasm)) else {
            skipped += 1;
            continue;
        };
        // Call depth limits differ between tiers (frames vs bytes of native stack).
        let exhausted = |r: &Run| {
            r.calls
                .iter()
                .any(|(_, r)| *r == Err(TrapKind::StackExhausted))
        };
        if exhausted(&a) || exhausted(&b) {
            skipped += 1;
            continue;
        }
        let (na, nb) = (normalize(&a), normalize(&b));
        if na != nb {
            let path = std::env::temp_dir().join(format!("wedge-differential-{index}.wasm"));
            std::fs::write(&path, &wasm).unwrap();
            panic!(
                "case {index} differs (module saved to {}):\ninterp: {:?}\njit:    {:?}",
                path.display(),
                na.0,
                nb.0
            );
        }
        compared += 1;
        returned += a.calls.iter().filter(|(_, r)| r.is_ok()).count();
        trapped += a.calls.iter().filter(|(_, r)| r.is_err()).count();
    }
    println!(
        "differential ({what}): {compared} modules compared ({returned} calls returned, \
         {trapped} trapped), {skipped} skipped"
    );
    assert!(compared > cases / 2, "too few modules compared: {compared}");
}
