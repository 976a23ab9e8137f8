//! Metering is identical in both tiers: the interpreter and compiled code report the same gas
//! used and instruction count after every call, and running out of gas at any limit traps at
//! the same point (same trap, same counts). Checked on the whole-program benchmark guests and
//! on wasm-smith modules, with the default cost table, an uneven one and a uniform one.
#![cfg(feature = "compiler")]

#[path = "robustness/harness.rs"]
mod harness;

use arbitrary::Unstructured;
use wedge::{
    Config, CostTable, Engine, Error, Extern, Linker, Module, Store, Strategy, TrapKind, Val,
};

/// How many generated modules are compared.
const CASES: u64 = 300;

/// A cost table with zero, small and large costs, so segment totals are not operator counts.
fn uneven_costs() -> CostTable {
    CostTable::parse(
        "default 2\ncall 7\ncall_indirect 11\ni32.load 3\ni64.store 4\nbr_if 5\nloop 0\n\
         local.get 0\nlocal.set 1\nmemory.grow 100\nend 0\ni32.add 1\n",
    )
    .expect("valid cost table")
}

fn engine(strategy: Strategy, costs: &CostTable) -> Engine {
    let mut config = Config::new();
    config
        .strategy(strategy)
        // Tiered: every function compiled at its second call or first loop iteration.
        .tier_up_calls(1)
        .tier_up_iterations(1)
        .tier_up_in_background(false)
        .metering(true)
        .cost_table(costs.clone())
        .interruptible(true)
        .inlining(true)
        .deterministic(true)
        .wasm_all_features(true);
    Engine::new(&config)
}

/// One step of a run: what happened, then the store's gas used and instruction count.
type Step = (String, u64, u64);

/// A value as comparable across tiers (references only by null-ness).
fn show(v: &Val) -> String {
    match v {
        Val::FuncRef(f) => format!("funcref({})", f.is_some()),
        Val::ExternRef(e) => format!("externref({})", e.is_some()),
        Val::ExnRef(e) => format!("exnref({})", e.is_some()),
        other => format!("{other:?}"),
    }
}

/// What a call or instantiation returned.
fn outcome<T>(r: Result<T, Error>, ok: impl FnOnce(T) -> String) -> Result<String, ()> {
    match r {
        Ok(v) => Ok(ok(v)),
        // Call depth limits differ between tiers (frames vs bytes of native stack).
        Err(Error::Trap(t)) if t.kind() == TrapKind::StackExhausted => Err(()),
        Err(Error::Trap(t)) => Ok(format!("trap {:?}", t.kind())),
        Err(e) => Ok(format!("error {e}")),
    }
}

/// Instantiates `module` (with dummy imports) under `gas_limit` and calls every exported
/// function with default arguments; None when the run is not comparable (instantiation
/// failed to link, or the call stack ran out).
fn run_generated(engine: &Engine, module: &Module, gas_limit: Option<u64>) -> Option<Vec<Step>> {
    let mut store = Store::new(engine, ());
    store.set_gas_limit(gas_limit);
    let linker = harness::dummy_linker(&mut store).expect("dummy imports");
    let mut steps = Vec::new();
    let instance = match linker.instantiate(&mut store, module) {
        Ok(i) => i,
        Err(Error::Trap(t)) if t.kind() != TrapKind::StackExhausted => {
            let what = format!("instantiate: trap {:?}", t.kind());
            steps.push((what, store.gas_used(), store.instruction_count()));
            return Some(steps);
        }
        Err(_) => return None,
    };
    steps.push((
        "instantiate".into(),
        store.gas_used(),
        store.instruction_count(),
    ));
    for (name, export) in instance.exports(&store) {
        let Extern::Func(func) = export else { continue };
        let ty = func.ty(&store);
        let params: Vec<Val> = ty.params().iter().map(|t| Val::default_of(*t)).collect();
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_of(*t)).collect();
        let r = func.call(&mut store, &params, &mut results);
        let what = outcome(r, |()| {
            results.iter().map(show).collect::<Vec<_>>().join(",")
        })
        .ok()?;
        steps.push((
            format!("{name}: {what}"),
            store.gas_used(),
            store.instruction_count(),
        ));
    }
    Some(steps)
}

/// The gas limits a run that used `total` gas is repeated with: none at all, tiny ones, and
/// points through the run up to just short of the end.
fn limits(total: u64) -> Vec<u64> {
    let mut l = vec![
        0,
        1,
        2,
        3,
        total / 7,
        total / 3,
        total / 2,
        total.saturating_sub(1),
    ];
    l.retain(|n| *n < total);
    l.sort_unstable();
    l.dedup();
    l
}

#[test]
fn generated_modules_meter_alike_in_both_tiers() {
    compare(|u| harness::generate(u).ok(), CASES);
}

/// The same with the 3.0 proposals the compiler translates (tail calls, multiple and 64-bit
/// memories, relaxed SIMD, extended constants, wide arithmetic, custom page sizes; no
/// threads, which deterministic mode refuses).
#[test]
fn generated_wasm3_modules_meter_alike_in_both_tiers() {
    let generate = |u: &mut Unstructured<'_>| {
        let config = wasm_smith::Config {
            threads_enabled: false,
            ..harness::smith_config_wasm3()
        };
        harness::generate_with(config, u).ok()
    };
    compare(generate, CASES / 2);
}

/// The same with GC types and instructions, typed function references and exceptions
/// (compiled code calls the runtime for allocations and casts, and checks field and element
/// accesses inline; both may trap mid-segment).
#[test]
fn generated_gc_modules_meter_alike_in_both_tiers() {
    let generate = |u: &mut Unstructured<'_>| {
        let config = wasm_smith::Config {
            tail_call_enabled: true,
            ..harness::smith_config_gc()
        };
        harness::generate_with(config, u).ok()
    };
    compare(generate, CASES / 2);
}

/// Modules with exception handling: throws, handlers and exceptions leaving calls.
#[test]
fn generated_exception_modules_meter_alike_in_both_tiers() {
    let generate = |u: &mut Unstructured<'_>| {
        let config = wasm_smith::Config {
            exceptions_enabled: true,
            tail_call_enabled: true,
            ..harness::smith_config()
        };
        harness::generate_with(config, u).ok()
    };
    compare(generate, CASES / 2);
}

/// Compares both tiers' counts on `cases` modules from `generate`, without a limit and at
/// several limits.
fn compare(generate: fn(&mut Unstructured<'_>) -> Option<Vec<u8>>, cases: u64) {
    // The default table, an uneven one, and one where every operator costs 3.
    let engines = [CostTable::default(), uneven_costs(), CostTable::uniform(3)].map(|costs| {
        (
            engine(Strategy::Interpreter, &costs),
            engine(Strategy::Compiler, &costs),
            engine(Strategy::Tiered, &costs),
        )
    });
    let (mut compared, mut limited, mut skipped) = (0, 0, 0);
    for index in 0..cases {
        let entropy = harness::case_entropy(index, 0x5eed);
        let Some(wasm) = generate(&mut Unstructured::new(&entropy)) else {
            continue;
        };
        let (interp, jit, tiered) = &engines[index as usize % engines.len()];
        // Every other module runs tiered instead of compiled.
        let jit = if index % 2 == 0 { jit } else { tiered };
        let a_module = Module::new(interp, &wasm).expect("generated modules are valid");
        let b_module = Module::new(jit, &wasm).expect("generated modules are valid");
        let (Some(a), Some(b)) = (
            run_generated(interp, &a_module, None),
            run_generated(jit, &b_module, None),
        ) else {
            skipped += 1;
            continue;
        };
        let save = |what: &str| {
            let path = std::env::temp_dir().join(format!("wedge-metering-{index}.wasm"));
            std::fs::write(&path, &wasm).unwrap();
            format!("case {index} {what} (module saved to {})", path.display())
        };
        assert_eq!(a, b, "{}", save("differs"));
        compared += 1;
        let total = a.last().map_or(0, |s| s.1);
        for limit in limits(total) {
            let a = run_generated(interp, &a_module, Some(limit));
            let b = run_generated(jit, &b_module, Some(limit));
            assert_eq!(a, b, "{}", save(&format!("differs with gas limit {limit}")));
            limited += 1;
        }
    }
    println!(
        "metering across tiers: {compared} modules compared, {limited} runs with a gas \
         limit, {skipped} skipped"
    );
    assert!(compared > cases / 2, "too few modules compared: {compared}");
}

/// Runs `run(n)` of a benchmark guest under `gas_limit`: its result (or trap), gas used and
/// instructions counted.
fn run_guest(engine: &Engine, module: &Module, n: i32, gas_limit: Option<u64>) -> Step {
    let mut store = Store::new(engine, ());
    store.set_gas_limit(gas_limit);
    let instance = Linker::new(engine)
        .instantiate(&mut store, module)
        .expect("benchmark guests have no imports");
    let run = instance.get_func(&store, "run").expect("exports run");
    let mut results = [Val::I64(0)];
    let r = run.call(&mut store, &[Val::I32(n)], &mut results);
    let what = outcome(r, |()| show(&results[0])).expect("no stack exhaustion");
    (what, store.gas_used(), store.instruction_count())
}

#[test]
fn benchmark_guests_meter_alike_in_both_tiers() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/guests/bench/wasm");
    for costs in [CostTable::default(), uneven_costs()] {
        let interp = engine(Strategy::Interpreter, &costs);
        let jit = engine(Strategy::Compiler, &costs);
        for name in ["matmul", "interp", "hash", "compress", "json", "regex"] {
            let wasm = std::fs::read(format!("{dir}/{name}.wasm")).expect("guest is committed");
            let a_module = Module::new(&interp, &wasm).expect("valid guest");
            let b_module = Module::new(&jit, &wasm).expect("valid guest");
            let a = run_guest(&interp, &a_module, 1, None);
            let b = run_guest(&jit, &b_module, 1, None);
            assert_eq!(a, b, "{name}: counts differ between tiers");
            assert!(!a.0.starts_with("trap"), "{name}: {}", a.0);
            assert!(a.2 > 1000, "{name} ran only {} instructions", a.2);
            println!("{name}: {} gas, {} instructions in both tiers", a.1, a.2);
            for limit in [1, a.1 / 5, a.1 / 2, a.1 - 1] {
                let a = run_guest(&interp, &a_module, 1, Some(limit));
                let b = run_guest(&jit, &b_module, 1, Some(limit));
                assert_eq!(a, b, "{name}: differs with gas limit {limit}");
                assert_eq!(a.0, "trap GasExhausted", "{name} with gas limit {limit}");
                assert!(a.1 <= limit);
            }
        }
    }
}

/// Tiered runs (every function compiled at its second call) count as the interpreter does.
/// (The regex guest found that trampolines left the upper half of i32 slots undefined,
/// which interpreted callees read as part of the value.)
#[test]
fn benchmark_guests_meter_alike_tiered() {
    tiered_guests(&["matmul", "interp", "hash", "compress", "json", "regex"]);
}

fn tiered_guests(names: &[&str]) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/guests/bench/wasm");
    for costs in [CostTable::default(), uneven_costs()] {
        let interp = engine(Strategy::Interpreter, &costs);
        let tiered = engine(Strategy::Tiered, &costs);
        for name in names {
            let wasm = std::fs::read(format!("{dir}/{name}.wasm")).expect("guest is committed");
            let a_module = Module::new(&interp, &wasm).expect("valid guest");
            let c_module = Module::new(&tiered, &wasm).expect("valid guest");
            assert_eq!(
                run_guest(&interp, &a_module, 1, None),
                run_guest(&tiered, &c_module, 1, None),
                "{name}: counts differ between the interpreter and a tiered run"
            );
        }
    }
}

/// Exceptions caught by `try_table` and by the legacy `try`/`catch`/`delegate`/`rethrow`,
/// thrown in the same function and by callees, meter alike in both tiers (handlers start
/// their own segments), with and without gas limits.
#[test]
fn exception_handlers_meter_alike_in_both_tiers() {
    let wat = r#"(module
      (tag $e (param i32))
      (tag $f)
      (func $throw (param i32) (if (local.get 0) (then (throw $e (local.get 0)))))
      (func (export "try_table") (result i32)
        (local $i i32) (local $sum i32)
        (loop $next
          (block $caught (result i32)
            (try_table (catch $e $caught)
              (call $throw (local.get $i))
              (local.set $sum (i32.add (local.get $sum) (i32.const 100))))
            (i32.const 0))
          (local.set $sum (i32.add (local.get $sum)))
          (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                 (i32.const 5))))
        (local.get $sum))
      (func (export "legacy") (result i32)
        (local $sum i32)
        try (result i32)
          try
            i32.const 3
            call $throw
          catch $f
            i32.const 1000
            local.set $sum
          catch $e
            local.set $sum
            rethrow 0
          end
          i32.const 0
        catch $e
          local.get $sum
          i32.add
        catch_all
          i32.const -1
        end)
      (func (export "delegate") (result i32)
        try (result i32)
          try
            i32.const 7
            call $throw
          delegate 0
          i32.const 0
        catch $e
          i32.const 1
          i32.add
        catch_all
          i32.const -1
        end)
      (func (export "escape")
        try
          throw $f
        catch $e
          drop
        end))"#;
    for costs in [CostTable::default(), uneven_costs()] {
        let interp = engine(Strategy::Interpreter, &costs);
        let jit = engine(Strategy::Compiler, &costs);
        let a_module = Module::new(&interp, wat).expect("valid module");
        let b_module = Module::new(&jit, wat).expect("valid module");
        let a = run_generated(&interp, &a_module, None).expect("runs");
        let b = run_generated(&jit, &b_module, None).expect("runs");
        assert_eq!(a, b, "counts differ between tiers");
        let results: Vec<&str> = a.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(
            results,
            [
                "instantiate",
                "try_table: I32(110)",
                "legacy: I32(6)",
                "delegate: I32(8)",
                "escape: trap Exception"
            ]
        );
        let total = a.last().map_or(0, |s| s.1);
        for limit in limits(total) {
            let a = run_generated(&interp, &a_module, Some(limit));
            let b = run_generated(&jit, &b_module, Some(limit));
            assert_eq!(a, b, "counts differ between tiers with gas limit {limit}");
        }
    }
}
