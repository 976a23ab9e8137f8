//! The guest profiler through the API: samples name the hot function in every strategy,
//! atomic waits and metering are unaffected, and it needs an interruptible engine.

use std::time::Duration;
use wedge::*;

/// Every strategy; a tiered one compiles functions at their second call, on the calling thread.
const TIERS: [Strategy; 3] = [Strategy::Interpreter, Strategy::Compiler, Strategy::Tiered];

/// `run` calls `$cold` once (a short loop), then `$hot` (a long loop) `n` times.
const HOT_COLD: &str = r#"(module
  (func $hot (param $n i32) (result i32) (local $h i32)
    (loop $l
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (local.get $n)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $h))
  (func $cold (result i32) (call $hot (i32.const 10)))
  (func $run (export "run") (param $n i32) (result i32)
    (i32.add (call $cold) (call $hot (local.get $n)))))"#;

fn config(strategy: Strategy) -> Config {
    let mut config = Config::new();
    config
        .strategy(strategy)
        .interruptible(true)
        .tier_up_calls(1)
        .tier_up_iterations(1)
        .tier_up_in_background(false);
    config
}

/// Runs `run(n)` for `n` growing until the profile holds at least 20 samples.
fn profile_of(strategy: Strategy) -> GuestProfile {
    let engine = Engine::new(&config(strategy));
    let module = Module::new(&engine, HOT_COLD).unwrap();
    let mut store = Store::new(&engine, ());
    let run = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap()
        .get_typed_func::<i32, i32>(&store, "run")
        .unwrap();
    run.call(&mut store, 1).unwrap();
    store.start_profiling(Duration::from_millis(1)).unwrap();
    let mut n = 1 << 20;
    loop {
        run.call(&mut store, n).unwrap();
        let samples = store.stop_profiling().unwrap();
        if samples.samples().len() >= 20 || n >= 1 << 30 {
            return samples;
        }
        store.start_profiling(Duration::from_millis(1)).unwrap();
        n *= 4;
    }
}

#[test]
fn samples_name_the_hot_function_in_every_strategy() {
    for strategy in TIERS {
        let p = profile_of(strategy);
        assert!(
            p.samples().len() >= 20,
            "{strategy:?}: {}",
            p.samples().len()
        );
        assert_eq!(p.samples().len(), p.weights().len());
        let name = |i: usize| p.frames()[i].name.as_str();
        for s in p.samples() {
            assert_eq!(name(s[0]), "run", "{strategy:?}: outermost first");
        }
        let top = p.self_times()[0].0;
        assert_eq!(top.name, "hot", "{strategy:?}");
        let hot_under_run = p
            .samples()
            .iter()
            .filter(|s| s.iter().map(|&i| name(i)).eq(["run", "hot"]))
            .count();
        assert!(hot_under_run * 2 > p.samples().len(), "{strategy:?}");
    }
}

#[test]
fn samples_in_compiled_code_include_the_interpreted_callers() {
    // Tiered, `run` stays interpreted (called twice), `hot` is compiled after its first loop.
    let mut c = Config::new();
    c.strategy(Strategy::Tiered)
        .interruptible(true)
        .tier_up_calls(1000)
        .tier_up_iterations(1)
        .tier_up_in_background(false);
    let engine = Engine::new(&c);
    let module = Module::new(&engine, HOT_COLD).unwrap();
    let mut store = Store::new(&engine, ());
    let run = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap()
        .get_typed_func::<i32, i32>(&store, "run")
        .unwrap();
    run.call(&mut store, 1000).unwrap();
    store.start_profiling(Duration::from_millis(1)).unwrap();
    run.call(&mut store, 1 << 28).unwrap();
    let p = store.stop_profiling().unwrap();
    assert!(p.samples().len() >= 20, "{}", p.samples().len());
    let names: Vec<&str> = p.frames().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(p.self_times()[0].0.name, "hot");
    for s in p.samples() {
        assert_eq!(
            names[s[0]], "run",
            "outermost first, interpreted caller included"
        );
    }
}

#[test]
fn an_atomic_wait_is_not_cut_short_by_samples() {
    let wat = r#"(module (memory 1 1 shared)
      (func (export "wait") (result i32)
        (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 100000000))))"#;
    for strategy in TIERS {
        let engine = Engine::new(&config(strategy));
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let wait = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap()
            .get_typed_func::<(), i32>(&store, "wait")
            .unwrap();
        store.start_profiling(Duration::from_millis(1)).unwrap();
        assert_eq!(
            wait.call(&mut store, ()).unwrap(),
            2,
            "{strategy:?}: timed out"
        );
        store.stop_profiling().unwrap();
    }
}

#[test]
fn an_interrupt_still_stops_a_profiled_call() {
    let wat = r#"(module (func (export "spin") (loop (br 0))))"#;
    for strategy in TIERS {
        let engine = Engine::new(&config(strategy));
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let spin = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap()
            .get_typed_func::<(), ()>(&store, "spin")
            .unwrap();
        store.start_profiling(Duration::from_millis(1)).unwrap();
        let _deadline = store
            .interrupt_handle()
            .interrupt_after(Duration::from_millis(50));
        let trap = spin.call(&mut store, ()).unwrap_err();
        assert_eq!(trap.as_trap().unwrap().kind(), TrapKind::Interrupted);
        assert!(!store.stop_profiling().unwrap().samples().is_empty());
    }
}

#[test]
fn metered_counts_are_the_same_with_the_profiler() {
    for strategy in TIERS {
        let mut c = config(strategy);
        c.metering(true);
        let engine = Engine::new(&c);
        let module = Module::new(&engine, HOT_COLD).unwrap();
        let count = |profile: bool| {
            let mut store = Store::new(&engine, ());
            store.set_gas_limit(None);
            let run = Linker::new(&engine)
                .instantiate(&mut store, &module)
                .unwrap()
                .get_typed_func::<i32, i32>(&store, "run")
                .unwrap();
            if profile {
                store.start_profiling(Duration::from_millis(1)).unwrap();
            }
            let r = run.call(&mut store, 3_000_000).unwrap();
            (r, store.gas_used())
        };
        assert_eq!(count(false), count(true), "{strategy:?}");
    }
}

#[test]
fn profiling_needs_an_interruptible_engine() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let err = store.start_profiling(Duration::from_millis(1)).unwrap_err();
    assert!(err.to_string().contains("interruptible"), "{err}");
    assert!(store.stop_profiling().is_none());
}
