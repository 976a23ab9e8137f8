//! Calls and returns on the interpreter's fast paths: a return whose caller returns right
//! away (a call in tail position, not a tail call) goes on returning without dispatching
//! each `Return`, which must give the same results, instruction counts, gas and backtraces
//! as the compiled tier, with zero, one and several results, through the accumulator, at
//! the entry frame and across instances.

use wedge::*;

/// Functions whose calls sit in tail position (`call` then `return` or the function's end).
const CHAINS: &str = r#"(module
  (global $g (mut i64) (i64.const 0))
  ;; sum(n, acc) = acc + n + (n - 1) + ... + 1, one frame per step, each returning its
  ;; callee's result.
  (func $sum (export "sum") (param i64 i64) (result i64)
    (if (i64.eqz (local.get 0)) (then (return (local.get 1))))
    (return (call $sum (i64.sub (local.get 0) (i64.const 1))
                       (i64.add (local.get 1) (local.get 0)))))
  ;; A chain of distinct functions, the innermost returning a sum it just computed.
  (func $d (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000)))
  (func $c (param i32) (result i32) (call $d (i32.mul (local.get 0) (i32.const 3))))
  (func $b (param i32) (result i32) (return (call $c (i32.add (local.get 0) (i32.const 7)))))
  (func (export "chain") (param i32) (result i32) (call $b (i32.xor (local.get 0) (i32.const 5))))
  ;; No results: the innermost writes a global.
  (func $v3 (param i64) (global.set $g (i64.mul (local.get 0) (i64.const 11))))
  (func $v2 (param i64) (call $v3 (i64.add (local.get 0) (i64.const 2))))
  (func (export "void_chain") (param i64) (result i64)
    (call $v2 (local.get 0))
    (global.get $g))
  ;; Two results in the middle of a chain of single results.
  (func $two (param i32) (result i32 i32)
    (i32.add (local.get 0) (i32.const 1)) (i32.sub (local.get 0) (i32.const 1)))
  (func $two_outer (param i32) (result i32 i32) (call $two (local.get 0)))
  (func $sub_two (param i32) (result i32) (i32.sub (call $two_outer (local.get 0))))
  (func (export "mixed") (param i32) (result i32) (call $sub_two (i32.mul (local.get 0) (i32.const 2))))
  ;; A result the caller uses after the call: not a chain.
  (func (export "not_tail") (param i32) (result i32)
    (i32.mul (call $c (local.get 0)) (i32.const 2)))
  ;; Recursion whose innermost call traps, all frames in tail position.
  (func $dive (export "dive") (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (return (i32.div_u (i32.const 1) (local.get 0)))))
    (call $dive (i32.sub (local.get 0) (i32.const 1))))
  ;; A C or Rust function's shadow-stack prologue and epilogue, called in tail position.
  (global $sp (mut i32) (i32.const 4096))
  (memory 1)
  (func $framed (param i32) (result i32) (local $fp i32)
    (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
    (i32.store (local.get $fp) (i32.mul (local.get 0) (i32.const 5)))
    (local.set 0 (i32.add (i32.load (local.get $fp)) (local.get $fp)))
    (global.set $sp (i32.add (local.get $fp) (i32.const 16)))
    (local.get 0))
  (func (export "framed") (param i32) (result i32)
    (call $framed (i32.add (local.get 0) (i32.const 1))))
  (func (export "sp") (result i32) (global.get $sp)))"#;

/// Expected `sum(n, acc)`.
fn sum(n: i64, acc: i64) -> i64 {
    acc + n * (n + 1) / 2
}

/// Expected `chain(x)`.
fn chain(x: i32) -> i32 {
    ((x ^ 5) + 7) * 3 + 1000
}

/// An engine of `strategy`, metering if asked.
fn engine(strategy: Strategy, metering: bool) -> Engine {
    let mut config = Config::new();
    config.strategy(strategy).metering(metering);
    Engine::new(&config)
}

/// The two tiers, labelled.
const TIERS: [(&str, Strategy); 2] = [
    ("interpreter", Strategy::Interpreter),
    ("compiler", Strategy::Compiler),
];

fn instantiate(engine: &Engine, store: &mut Store<()>, wat: &str) -> Instance {
    let module = Module::new(engine, wat).expect("module is valid");
    Linker::new(engine)
        .instantiate(store, &module)
        .expect("instantiates")
}

/// Runs every export of `CHAINS` on a few inputs; returns the results as i64s.
fn run_chains(store: &mut Store<()>, instance: Instance) -> Vec<i64> {
    let mut out = Vec::new();
    let sum_f = instance
        .get_typed_func::<(i64, i64), i64>(&*store, "sum")
        .unwrap();
    let chain_f = instance
        .get_typed_func::<i32, i32>(&*store, "chain")
        .unwrap();
    let void_f = instance
        .get_typed_func::<i64, i64>(&*store, "void_chain")
        .unwrap();
    let mixed_f = instance
        .get_typed_func::<i32, i32>(&*store, "mixed")
        .unwrap();
    let not_tail_f = instance
        .get_typed_func::<i32, i32>(&*store, "not_tail")
        .unwrap();
    for n in [0i64, 1, 2, 10, 5000] {
        out.push(sum_f.call(&mut *store, (n, 3)).unwrap());
    }
    for x in [0i32, 1, -9, 1 << 20] {
        out.push(chain_f.call(&mut *store, x).unwrap() as i64);
        out.push(mixed_f.call(&mut *store, x).unwrap() as i64);
        out.push(not_tail_f.call(&mut *store, x).unwrap() as i64);
    }
    for x in [0i64, 4, -100] {
        out.push(void_f.call(&mut *store, x).unwrap());
    }
    let framed_f = instance
        .get_typed_func::<i32, i32>(&*store, "framed")
        .unwrap();
    let sp_f = instance.get_typed_func::<(), i32>(&*store, "sp").unwrap();
    for x in [0i32, 6, -3] {
        out.push(framed_f.call(&mut *store, x).unwrap() as i64);
        out.push(sp_f.call(&mut *store, ()).unwrap() as i64);
    }
    out
}

/// What `run_chains` must return, computed here.
fn expected_chains() -> Vec<i64> {
    let mut out = Vec::new();
    for n in [0i64, 1, 2, 10, 5000] {
        out.push(sum(n, 3));
    }
    for x in [0i32, 1, -9, 1 << 20] {
        out.push(chain(x) as i64);
        // (2x + 1) - (2x - 1)
        out.push(2);
        out.push((x.wrapping_mul(3) + 1000).wrapping_mul(2) as i64);
    }
    for x in [0i64, 4, -100] {
        out.push((x + 2) * 11);
    }
    for x in [0i32, 6, -3] {
        // The frame sits 16 bytes under the initial stack pointer, which comes back.
        out.push(((x + 1) * 5 + 4080) as i64);
        out.push(4096);
    }
    out
}

#[test]
fn returns_in_tail_position_give_the_same_results_counts_and_gas_in_both_tiers() {
    for metering in [false, true] {
        let mut counts = Vec::new();
        for (label, strategy) in TIERS {
            let engine = engine(strategy, metering);
            let mut store = Store::new(&engine, ());
            let instance = instantiate(&engine, &mut store, CHAINS);
            assert_eq!(
                run_chains(&mut store, instance),
                expected_chains(),
                "{label}, metering {metering}"
            );
            counts.push((store.instruction_count(), store.gas_used()));
        }
        if metering {
            assert!(counts[0].0 > 5000, "counted: {counts:?}");
            assert_eq!(counts[0], counts[1], "interpreter, compiler");
        }
    }
}

#[test]
fn a_trap_under_calls_in_tail_position_lists_every_frame() {
    for (label, strategy) in TIERS {
        let engine = engine(strategy, false);
        let mut store = Store::new(&engine, ());
        let instance = instantiate(&engine, &mut store, CHAINS);
        let dive = instance.get_typed_func::<i32, i32>(&store, "dive").unwrap();
        let err = dive.call(&mut store, 3).unwrap_err();
        let trap = err.as_trap().expect("a trap");
        assert_eq!(trap.kind(), TrapKind::IntegerDivideByZero, "{label}");
        // `$dive` is function 13: its four activations, innermost first.
        let frames: Vec<u32> = trap.backtrace().iter().map(|f| f.func_index).collect();
        assert_eq!(frames, vec![13; 4], "{label}");
        // The store runs the next call normally.
        assert_eq!(
            dive.call(&mut store, 0)
                .unwrap_err()
                .as_trap()
                .map(|t| t.kind()),
            Some(TrapKind::IntegerDivideByZero),
            "{label}"
        );
    }
}

#[test]
fn returns_in_tail_position_cross_instances() {
    // The inner module's chain returns into the outer module's, whose frames return in
    // tail position too: each return that reaches the other instance switches instances.
    let inner = r#"(module
      (func $k (param i64) (result i64) (i64.mul (local.get 0) (i64.const 7)))
      (func $j (param i64) (result i64) (call $k (i64.add (local.get 0) (i64.const 1))))
      (func (export "inner") (param i64) (result i64) (call $j (local.get 0))))"#;
    let outer = r#"(module
      (import "inner" "inner" (func $inner (param i64) (result i64)))
      (memory (export "mem") 1)
      (func $p (param i64) (result i64)
        (i64.store (i32.const 8) (local.get 0))
        (call $inner (i64.load (i32.const 8))))
      (func $q (param i64) (result i64) (return (call $p (i64.sub (local.get 0) (i64.const 3)))))
      (func (export "outer") (param i64) (result i64)
        (i64.add (call $q (local.get 0)) (i64.load (i32.const 8)))))"#;
    for (label, strategy) in TIERS {
        let engine = engine(strategy, false);
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let inner = Module::new(&engine, inner).unwrap();
        let inner = linker.instantiate(&mut store, &inner).unwrap();
        linker.instance(&store, "inner", inner).unwrap();
        let outer = Module::new(&engine, outer).unwrap();
        let outer = linker.instantiate(&mut store, &outer).unwrap();
        let run = outer.get_typed_func::<i64, i64>(&store, "outer").unwrap();
        for x in [0i64, 3, 100, -50] {
            let expect = ((x - 3) + 1) * 7 + (x - 3);
            assert_eq!(run.call(&mut store, x).unwrap(), expect, "{label} x={x}");
        }
    }
}

/// Direct calls (their sites linked to the callee by the first call) and `call_indirect`s
/// (through the cache of targets) in a loop, and a callee that traps once called enough.
const MANY_CALLS: &str = r#"(module
  (type $bin (func (param i32 i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $add $mix $sub)
  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (func $mix (param i32 i32) (result i32)
    (i32.xor (call $add (local.get 1) (local.get 0)) (i32.const 0x5a5a)))
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $div (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  ;; `n` rounds; round `i` divides by `n - i`, which is 0 in the last round if `trap`.
  (func (export "run") (param $n i32) (param $trap i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (call $add (local.get $acc) (local.get $i)))
      (local.set $acc (call $triple (local.get $acc)))
      (local.set $acc (call_indirect (type $bin) (local.get $acc) (local.get $i)
        (i32.rem_u (local.get $i) (i32.const 3))))
      (local.set $acc (i32.add (local.get $acc)
        (call $div (i32.const 1000)
          (i32.sub (i32.sub (local.get $n) (local.get $i)) (local.get $trap)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"#;

/// Expected `run(n, 0)` of `MANY_CALLS`.
fn many_calls(n: u32) -> u32 {
    let mut acc = 0u32;
    for i in 0..n {
        acc = acc.wrapping_add(i).wrapping_mul(3);
        acc = match i % 3 {
            0 => acc.wrapping_add(i),
            1 => i.wrapping_add(acc) ^ 0x5a5a,
            _ => acc.wrapping_sub(i),
        };
        acc = acc.wrapping_add(1000 / (n - i));
    }
    acc
}

#[test]
fn linked_calls_give_the_same_results_counts_gas_and_backtraces_in_both_tiers() {
    for metering in [false, true] {
        let mut counts = Vec::new();
        for (label, strategy) in TIERS {
            let engine = engine(strategy, metering);
            let mut store = Store::new(&engine, ());
            let instance = instantiate(&engine, &mut store, MANY_CALLS);
            let run = instance
                .get_typed_func::<(u32, u32), u32>(&store, "run")
                .unwrap();
            for n in [1, 2, 7, 300] {
                let got = run.call(&mut store, (n, 0)).unwrap();
                assert_eq!(got, many_calls(n), "{label}, metering {metering}, n={n}");
            }
            // The last round's `$div` (function 4) divides by zero, called from `run` (5).
            let err = run.call(&mut store, (50, 1)).unwrap_err();
            let trap = err.as_trap().expect("a trap");
            assert_eq!(trap.kind(), TrapKind::IntegerDivideByZero, "{label}");
            let frames: Vec<u32> = trap.backtrace().iter().map(|f| f.func_index).collect();
            assert_eq!(frames, vec![4, 5], "{label}");
            counts.push((store.instruction_count(), store.gas_used()));
        }
        if metering {
            assert!(counts[0].0 > 10_000, "counted: {counts:?}");
            assert_eq!(counts[0], counts[1], "interpreter, compiler");
        }
    }
}

#[test]
fn linked_calls_run_on_several_threads_sharing_a_module() {
    // The threads' first calls link the module's shared call sites while the others run.
    let engine = engine(Strategy::Interpreter, false);
    let module = Module::new(&engine, MANY_CALLS).unwrap();
    let start = std::sync::Barrier::new(4);
    std::thread::scope(|s| {
        for t in 0..4u32 {
            let (engine, module, start) = (&engine, &module, &start);
            s.spawn(move || {
                let mut store = Store::new(engine, ());
                let instance = Linker::new(engine).instantiate(&mut store, module).unwrap();
                let run = instance
                    .get_typed_func::<(u32, u32), u32>(&store, "run")
                    .unwrap();
                start.wait();
                for n in [1 + t, 100 + t, 1000] {
                    assert_eq!(
                        run.call(&mut store, (n, 0)).unwrap(),
                        many_calls(n),
                        "n={n}"
                    );
                }
            });
        }
    });
}
