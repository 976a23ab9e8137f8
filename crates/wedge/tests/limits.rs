//! Resource control end to end: exact instruction counts, gas with cost tables, interruption
//! and memory/table limits.
//!
//! Expected instruction counts are worked out by hand from the rules in `wedge::limits`:
//! every operator control flows through counts once; a branch lands after its target's
//! `end` (or `loop`), so a taken branch skips that operator.

use std::time::Duration;
use wedge::*;

/// Every strategy, for the limits they all implement (interruption, deterministic mode).
const TIERS: [Strategy; 3] = [Strategy::Interpreter, Strategy::Compiler, Strategy::Tiered];

/// A configuration for `strategy`; a tiered one compiles functions at their second call (or
/// first loop iteration), on the calling thread.
fn tier_config(strategy: Strategy) -> Config {
    let mut config = Config::new();
    config
        .strategy(strategy)
        .tier_up_calls(1)
        .tier_up_iterations(1)
        .tier_up_in_background(false);
    config
}

/// A metering engine with the given cost table.
fn metering_engine(costs: CostTable) -> Engine {
    let mut config = Config::new();
    config.metering(true).cost_table(costs);
    Engine::new(&config)
}

/// Instantiates `wat` in a new store of `engine`, with no imports.
fn instance(engine: &Engine, wat: &str) -> (Store<()>, Instance) {
    let module = Module::new(engine, wat).expect("module is valid");
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    (store, instance)
}

/// Calls export `name` with i32 arguments; returns the i32 result (or the trap kind) and the
/// instructions counted by this call.
fn run_counted(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    args: &[i32],
) -> (Result<i32, TrapKind>, u64) {
    let func = instance.get_func(&*store, name).expect("export exists");
    let params: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
    let mut results = vec![Val::I32(0); func.ty(&*store).results().len()];
    let before = store.instruction_count();
    let outcome = func.call(&mut *store, &params, &mut results);
    let counted = store.instruction_count() - before;
    let value = match outcome {
        Ok(()) => Ok(results.first().and_then(Val::i32).unwrap_or(0)),
        Err(e) => Err(e.as_trap().expect("a trap").kind()),
    };
    (value, counted)
}

const COUNTED: &str = r#"(module
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $sq $boom)
  (type $unary (func (param i32) (result i32)))

  ;; 3 operators + end.
  (func (export "straight") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add)

  ;; 12 per iteration, 2 before the loop, 3 for the exit test, 2 after: 12n + 7.
  (func (export "sum") (param $n i32) (result i32) (local $acc i32)
    block $done
      loop $l
        local.get $n
        i32.eqz
        br_if $done
        local.get $acc
        local.get $n
        i32.add
        local.set $acc
        local.get $n
        i32.const 1
        i32.sub
        local.set $n
        br $l
      end
    end
    local.get $acc)

  ;; 8 when it returns; 5 when the division traps.
  (func (export "div") (param i32 i32) (result i32)
    i32.const 7
    drop
    local.get 0
    local.get 1
    i32.div_u
    i32.const 1
    i32.add)

  ;; 5 operators to the br_table, then 2, 4 or 2 more.
  (func (export "switch") (param i32) (result i32)
    block $b2
      block $b1
        block $b0
          local.get 0
          br_table $b0 $b1 $b2
        end
        i32.const 100
        return
      end
      nop
      nop
      i32.const 200
      return
    end
    i32.const 300)

  ;; 4 operators.
  (func $sq (type $unary)
    local.get 0
    local.get 0
    i32.mul)

  ;; Traps after 2 operators.
  (func $boom (type $unary)
    nop
    unreachable)

  ;; 4 here + 4 per call of $sq = 12.
  (func (export "calls") (param i32) (result i32)
    local.get 0
    call $sq
    call $sq)

  ;; 3 here to the call_indirect + 4 for $sq + 3 after = 10; 3 + 2 when $boom traps; 3 when
  ;; the table index is out of bounds.
  (func (export "indirect") (param i32) (result i32)
    i32.const 5
    local.get 0
    call_indirect (type $unary)
    i32.const 0
    i32.add)

  ;; then: local.get, if, i32.const, else, then 3 after = 7 (the `end` is skipped);
  ;; else: local.get, if, nop, i32.const, end, then 3 after = 8.
  (func (export "choose") (param i32) (result i32)
    local.get 0
    if (result i32)
      i32.const 10
    else
      nop
      i32.const 20
    end
    i32.const 1
    i32.add)

  ;; 3 operators, the store traps when out of bounds.
  (func (export "poke") (param i32) (result i32)
    local.get 0
    i32.const 9
    i32.store
    i32.const 0))"#;

/// An export, its arguments, the expected result and instruction count.
type Case = (&'static str, &'static [i32], Result<i32, TrapKind>, u64);

#[test]
fn instruction_counts_are_exact() {
    let engine = metering_engine(CostTable::default());
    let (mut store, inst) = instance(&engine, COUNTED);
    let cases: &[Case] = &[
        ("straight", &[41], Ok(42), 4),
        ("sum", &[0], Ok(0), 7),
        ("sum", &[10], Ok(55), 127),
        ("sum", &[1000], Ok(500_500), 12_007),
        ("div", &[6, 3], Ok(3), 8),
        ("div", &[1, 0], Err(TrapKind::IntegerDivideByZero), 5),
        ("switch", &[0], Ok(100), 7),
        ("switch", &[1], Ok(200), 9),
        ("switch", &[2], Ok(300), 7),
        ("switch", &[77], Ok(300), 7),
        ("calls", &[3], Ok(81), 12),
        ("indirect", &[0], Ok(25), 10),
        ("indirect", &[1], Err(TrapKind::Unreachable), 5),
        ("indirect", &[2], Err(TrapKind::UndefinedElement), 3),
        ("choose", &[1], Ok(11), 7),
        ("choose", &[0], Ok(21), 8),
        ("poke", &[0], Ok(0), 5),
        ("poke", &[65_534], Err(TrapKind::MemoryOutOfBounds), 3),
    ];
    for &(name, args, expected, count) in cases {
        let got = run_counted(&mut store, &inst, name, args);
        assert_eq!(got, (expected, count), "{name}{args:?}");
    }
    // Counts accumulate in the store until reset.
    let total: u64 = cases.iter().map(|c| c.3).sum();
    assert_eq!(store.instruction_count(), total);
    assert_eq!(store.gas_used(), total, "every operator costs 1 by default");
    store.reset_meter();
    assert_eq!((store.instruction_count(), store.gas_used()), (0, 0));
}

#[test]
fn eager_and_lazy_translation_count_alike() {
    let mut config = Config::new();
    config.metering(true).eager_translation(true);
    let (mut eager, inst) = instance(&Engine::new(&config), COUNTED);
    let (mut lazy, lazy_inst) = instance(&metering_engine(CostTable::default()), COUNTED);
    for n in [0, 1, 7, 300] {
        assert_eq!(
            run_counted(&mut eager, &inst, "sum", &[n]),
            run_counted(&mut lazy, &lazy_inst, "sum", &[n])
        );
    }
}

#[test]
fn host_functions_see_exact_counts() {
    let engine = metering_engine(CostTable::default());
    let mut linker = Linker::<Vec<u64>>::new(&engine);
    linker
        .func_wrap("env", "probe", |mut caller: Caller<'_, Vec<u64>>| {
            let seen = caller.as_context().instruction_count();
            caller.data_mut().push(seen);
        })
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "probe" (func $probe))
             (func (export "run") nop nop call $probe nop call $probe))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let run = linker
        .instantiate(&mut store, &module)
        .unwrap()
        .get_typed_func::<(), ()>(&store, "run")
        .unwrap();
    run.call(&mut store, ()).unwrap();
    assert_eq!(store.data(), &vec![3, 5]);
    assert_eq!(store.instruction_count(), 6);
}

#[test]
fn cost_table_prices_operators() {
    let costs = CostTable::parse("default 2\ni32.mul 10\ncall 7\nend 0\n").unwrap();
    let engine = metering_engine(costs);
    let (mut store, inst) = instance(&engine, COUNTED);
    // calls: local.get 2, call 7, call 7, end 0; $sq twice: 2 + 2 + 10 + 0.
    assert_eq!(run_counted(&mut store, &inst, "calls", &[3]), (Ok(81), 12));
    assert_eq!(store.gas_used(), 2 + 7 + 7 + 2 * (2 + 2 + 10));
}

#[test]
fn gas_exhaustion_traps_and_more_gas_resumes() {
    let engine = metering_engine(CostTable::default());
    let (mut store, inst) = instance(&engine, COUNTED);
    store.set_gas_limit(Some(1000));
    let (outcome, _) = run_counted(&mut store, &inst, "sum", &[1_000_000]);
    assert_eq!(outcome, Err(TrapKind::GasExhausted));
    // Segments of `sum`: 2 (block, loop), then per iteration 3 (the exit test) and 9. After
    // 83 iterations 998 is used; the next exit test (3) does not fit and is not charged.
    assert_eq!(store.gas_used(), 998);
    assert_eq!(store.instruction_count(), 998);
    assert_eq!(store.gas_remaining(), Some(2));

    // Out of gas, even a short call traps; with more gas it runs.
    assert_eq!(
        run_counted(&mut store, &inst, "straight", &[1]).0,
        Err(TrapKind::GasExhausted)
    );
    store.add_gas(100);
    assert_eq!(run_counted(&mut store, &inst, "straight", &[1]), (Ok(2), 4));
    store.set_gas_limit(None);
    assert_eq!(store.gas_remaining(), None);
    assert_eq!(run_counted(&mut store, &inst, "sum", &[100]).0, Ok(5050));
}

#[test]
fn metering_off_counts_nothing() {
    let (mut store, inst) = instance(&Engine::default(), COUNTED);
    store.set_gas_limit(Some(1));
    assert_eq!(run_counted(&mut store, &inst, "sum", &[100]), (Ok(5050), 0));
    assert_eq!(store.gas_used(), 0);
}

#[test]
fn interrupt_stops_an_infinite_loop_and_the_store_runs_again() {
    for strategy in TIERS {
        let mut config = tier_config(strategy);
        config.interruptible(true);
        let engine = Engine::new(&config);
        let (mut store, inst) = instance(
            &engine,
            r#"(module
             (func (export "spin") (loop (br 0)))
             (func (export "one") (result i32) i32.const 1))"#,
        );
        let handle = store.interrupt_handle();
        let interrupter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            handle.interrupt();
        });
        let spin = inst.get_typed_func::<(), ()>(&store, "spin").unwrap();
        let err = spin.call(&mut store, ()).unwrap_err();
        assert_eq!(err.as_trap().unwrap().kind(), TrapKind::Interrupted);
        assert!(err.to_string().contains("interrupted"), "{err}");
        interrupter.join().unwrap();
        let one = inst.get_typed_func::<(), i32>(&store, "one").unwrap();
        assert_eq!(one.call(&mut store, ()).unwrap(), 1);
    }
}

#[test]
fn interrupt_stops_recursion_without_loops() {
    for strategy in TIERS {
        let mut config = tier_config(strategy);
        config.interruptible(true).max_call_depth(usize::MAX);
        let engine = Engine::new(&config);
        // A call tree of 2^40 leaves: it would run for days, and it never loops.
        let (mut store, inst) = instance(
            &engine,
            r#"(module (func $tree (export "tree") (param i32)
             (if (local.get 0) (then
               (call $tree (i32.sub (local.get 0) (i32.const 1)))
               (call $tree (i32.sub (local.get 0) (i32.const 1)))))))"#,
        );
        let _deadline = store
            .interrupt_handle()
            .interrupt_after(Duration::from_millis(20));
        let tree = inst.get_typed_func::<i32, ()>(&store, "tree").unwrap();
        let err = tree.call(&mut store, 40).unwrap_err();
        assert_eq!(err.as_trap().unwrap().kind(), TrapKind::Interrupted);
    }
}

#[test]
fn dropped_deadline_never_fires() {
    for strategy in TIERS {
        let mut config = tier_config(strategy);
        config.interruptible(true);
        let engine = Engine::new(&config);
        let (mut store, inst) = instance(
            &engine,
            r#"(module (func (export "one") (result i32) i32.const 1))"#,
        );
        // Dropping the deadline joins its timer thread: had the cancel not reached the timer,
        // the drop would return only after the limit, with the interrupt raised. A limit far
        // longer than a drop takes keeps the timer from winning the race on a loaded machine.
        drop(
            store
                .interrupt_handle()
                .interrupt_after(Duration::from_secs(5)),
        );
        let one = inst.get_typed_func::<(), i32>(&store, "one").unwrap();
        assert_eq!(one.call(&mut store, ()).unwrap(), 1);
    }
}

#[test]
fn memory_limits_make_growth_fail_as_the_spec_says() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (memory (export "a") 1)
             (memory (export "b") 1)
             (func (export "grow_a") (param i32) (result i32) (memory.grow 0 (local.get 0)))
             (func (export "grow_b") (param i32) (result i32) (memory.grow 1 (local.get 0))))"#,
    );
    // Two memories need multi-memory; without it, check one memory at a time.
    let module = match module {
        Ok(m) => m,
        Err(_) => Module::new(
            &engine,
            r#"(module (memory (export "a") 1)
                 (func (export "grow_a") (param i32) (result i32) (memory.grow (local.get 0))))"#,
        )
        .unwrap(),
    };
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits::new().memory_pages(4).memory_bytes(5 * 65536));
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let grow_a = inst.get_typed_func::<i32, i32>(&store, "grow_a").unwrap();
    assert_eq!(
        grow_a.call(&mut store, 4).unwrap(),
        -1,
        "5 pages > 4 per memory"
    );
    assert_eq!(grow_a.call(&mut store, 3).unwrap(), 1);
    assert_eq!(grow_a.call(&mut store, 1).unwrap(), -1);
    if let Ok(grow_b) = inst.get_typed_func::<i32, i32>(&store, "grow_b") {
        // 4 + 1 pages in use; the store's 5-page total leaves nothing.
        assert_eq!(grow_b.call(&mut store, 1).unwrap(), -1);
    }
    // The embedding API's grow fails with an error, not a trap or a panic.
    let a = inst.get_memory(&store, "a").unwrap();
    assert!(a.grow(&mut store, 1).is_err());
    assert_eq!(a.size(&store), 4);
}

#[test]
fn memory_and_table_minimums_past_the_limits_fail_instantiation() {
    let engine = Engine::default();
    let big_memory = Module::new(&engine, "(module (memory 10))").unwrap();
    let big_table = Module::new(&engine, "(module (table 100 funcref))").unwrap();
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits::new().memory_pages(9).table_elements(99));
    let linker = Linker::new(&engine);
    let err = linker.instantiate(&mut store, &big_memory).unwrap_err();
    assert!(err.to_string().contains("memory limit"), "{err}");
    let err = linker.instantiate(&mut store, &big_table).unwrap_err();
    assert!(err.to_string().contains("table limit"), "{err}");
}

#[test]
fn table_limits_make_table_grow_return_minus_one() {
    let engine = Engine::default();
    let (mut store, inst) = instance(
        &engine,
        r#"(module (table 1 funcref)
             (func (export "grow") (param i32) (result i32)
               (table.grow (ref.null func) (local.get 0))))"#,
    );
    store.set_limits(StoreLimits::new().table_elements(10));
    let grow = inst.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 10).unwrap(), -1);
    assert_eq!(grow.call(&mut store, 9).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
}

#[test]
fn host_time_is_measured_when_asked() {
    let mut config = Config::new();
    config.measure_host_time(true);
    let engine = Engine::new(&config);
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("env", "nap", |_: Caller<'_, ()>| {
            std::thread::sleep(Duration::from_millis(5))
        })
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "nap" (func $nap)) (func (export "run") call $nap call $nap))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let run = linker
        .instantiate(&mut store, &module)
        .unwrap()
        .get_typed_func::<(), ()>(&store, "run")
        .unwrap();
    assert_eq!(store.host_time(), Duration::ZERO);
    run.call(&mut store, ()).unwrap();
    // Two naps of at least 5 ms each were spent in the host.
    assert!(store.host_time() >= Duration::from_millis(10));
}

/// Bits of the f32 results of `nans`: 0/0, NaN-with-payload + 1, sqrt(-1), and a v128 lane.
fn nan_bits(config: &Config) -> Vec<u32> {
    let engine = Engine::new(config);
    let (mut store, inst) = instance(
        &engine,
        r#"(module
             (func (export "div") (param f32 f32) (result i32)
               (i32.reinterpret_f32 (f32.div (local.get 0) (local.get 1))))
             (func (export "add") (result i32)
               (i32.reinterpret_f32 (f32.add (f32.const nan:0x200000) (f32.const 1))))
             (func (export "sqrt") (result i32)
               (i32.reinterpret_f32 (f32.sqrt (f32.const -1))))
             (func (export "lanes") (result i32)
               (i32x4.extract_lane 2
                 (f32x4.mul (v128.const f32x4 1 2 nan:0x1234 4) (v128.const f32x4 1 1 1 1)))))"#,
    );
    let div = inst
        .get_typed_func::<(f32, f32), i32>(&store, "div")
        .unwrap();
    let mut bits = vec![div.call(&mut store, (0.0, 0.0)).unwrap() as u32];
    for name in ["add", "sqrt", "lanes"] {
        let f = inst.get_typed_func::<(), i32>(&store, name).unwrap();
        bits.push(f.call(&mut store, ()).unwrap() as u32);
    }
    bits
}

#[test]
fn deterministic_mode_canonicalizes_every_nan() {
    for strategy in TIERS {
        let mut config = tier_config(strategy);
        config.deterministic(true);
        assert_eq!(nan_bits(&config), vec![0x7fc0_0000; 4]);
        // Without it the NaNs are whatever the CPU makes (each is still a NaN).
        for bits in nan_bits(&tier_config(strategy)) {
            assert!(f32::from_bits(bits).is_nan(), "{bits:#x}");
        }
    }
}

#[test]
fn deterministic_mode_rejects_threads() {
    let shared = "(module (memory 1 1 shared))";
    let mut config = Config::new();
    config.wasm_features(config.features() | wasmparser_threads());
    assert!(Module::new(&Engine::new(&config), shared).is_ok());
    config.deterministic(true);
    let err = Module::new(&Engine::new(&config), shared).unwrap_err();
    assert!(err.to_string().contains("threads"), "{err}");
}

/// The threads feature flag, as the engine's feature set spells it.
fn wasmparser_threads() -> wasmparser::WasmFeatures {
    wasmparser::WasmFeatures::THREADS
}
