//! On-stack replacement: under tiered execution a call that becomes hot while it runs a loop
//! continues in compiled code at the loop's head. Results, traps (kinds, backtraces) and
//! exceptions are those of the interpreter and of the compiler alone; loops it cannot take
//! over stay interpreted.
#![cfg(feature = "compiler")]

use wedge::{Caller, Config, Engine, Error, Linker, Module, Store, Strategy, Val};

/// An engine with `strategy`; tiered engines find a function hot after 100 loop iterations
/// (or 10 calls) and compile on the calling thread, so every run switches at the same place.
fn engine(strategy: Strategy) -> Engine {
    let mut config = Config::new();
    config
        .strategy(strategy)
        .tier_up_iterations(100)
        .tier_up_calls(10)
        .tier_up_in_background(false);
    Engine::new(&config)
}

/// What a call did: its results, or the trap with its backtrace (function index and module
/// offset of each frame, innermost first).
fn outcome(r: Result<Vec<Val>, Error>) -> String {
    match r {
        Ok(v) => format!("{:?}", v.iter().map(bits).collect::<Vec<_>>()),
        Err(Error::Trap(t)) => {
            let frames: Vec<(u32, Option<usize>)> = t
                .backtrace()
                .iter()
                .map(|f| (f.func_index, f.module_offset))
                .collect();
            format!("trap {:?} at {frames:?}", t.kind())
        }
        Err(e) => format!("error {e}"),
    }
}

/// A value with floats as their bits (so NaN payloads compare).
fn bits(v: &Val) -> String {
    match v {
        Val::F32(b) => format!("f32:{b:#x}"),
        Val::F64(b) => format!("f64:{b:#x}"),
        other => format!("{other:?}"),
    }
}

/// Calls export `name` of `wat` with `args` under `strategy`: the outcome of each call, and
/// how many calls took an OSR entry.
fn run(strategy: Strategy, wat: &str, calls: &[(&str, Vec<Val>)]) -> (Vec<String>, usize) {
    let engine = engine(strategy);
    let module = Module::new(&engine, wat).expect("valid module");
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "twice",
            |_: Caller<'_, ()>, x: i32| -> Result<i32, wedge::Trap> { Ok(x.wrapping_mul(2)) },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).expect("links");
    let mut outcomes = Vec::new();
    for (name, args) in calls {
        let f = instance.get_func(&store, name).expect("export");
        let n = f.ty(&store).results().len();
        let mut out = vec![Val::I32(0); n];
        let r = f.call(&mut store, args, &mut out).map(|()| out);
        outcomes.push(format!("{name}: {}", outcome(r)));
    }
    (outcomes, module.osr_count())
}

/// Runs `calls` interpreted, compiled and tiered: all three must agree; returns the OSR
/// count of the tiered run.
fn same_in_every_tier(wat: &str, calls: &[(&str, Vec<Val>)]) -> usize {
    let (interpreted, _) = run(Strategy::Interpreter, wat, calls);
    let (compiled, _) = run(Strategy::Compiler, wat, calls);
    let (tiered, osr) = run(Strategy::Tiered, wat, calls);
    assert_eq!(interpreted, compiled, "interpreter and compiler differ");
    assert_eq!(interpreted, tiered, "tiered run differs");
    osr
}

/// A loop over locals of every numeric type; the float locals hold NaNs with payloads that
/// must come out unchanged.
const ALL_TYPES: &str = r#"(module
  (func (export "mix") (param $n i32) (param $seed i64) (result i64)
    (local $i i32) (local $acc i64) (local $f f32) (local $d f64)
    (local $nan32 f32) (local $nan64 f64)
    (local.set $nan32 (f32.reinterpret_i32 (i32.const 0x7fa00001)))
    (local.set $nan64 (f64.reinterpret_i64 (i64.const 0xfff4000000000123)))
    (local.set $acc (local.get $seed))
    (loop $l
      (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 6364136223846793005))
                               (i64.extend_i32_u (local.get $i))))
      (local.set $f (f32.add (local.get $f) (f32.const 0.5)))
      (local.set $d (f64.add (local.get $d) (f64.convert_i64_s (i64.shr_s (local.get $acc) (i64.const 40)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.xor (local.get $acc)
      (i64.xor (i64.extend_i32_u (i32.reinterpret_f32 (local.get $f)))
        (i64.xor (i64.reinterpret_f64 (local.get $d))
          (i64.xor (i64.extend_i32_u (i32.reinterpret_f32 (local.get $nan32)))
                   (i64.reinterpret_f64 (local.get $nan64)))))))
  (func (export "nan32") (param $n i32) (result f32) (local $x f32) (local $i i32)
    (local.set $x (f32.reinterpret_i32 (i32.const 0xffc00abc)))
    (loop $l
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $x))
  (func (export "nan64") (param $n i32) (param $x f64) (result f64) (local $i i32)
    (loop $l
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $x)))"#;

#[test]
fn one_long_loop_continues_compiled_with_every_local_type() {
    let calls = [
        ("mix", vec![Val::I32(100_000), Val::I64(7)]),
        ("nan32", vec![Val::I32(5000)]),
        (
            "nan64",
            vec![Val::I32(5000), Val::F64(0x7ff0_0000_dead_beef)],
        ),
    ];
    let osr = same_in_every_tier(ALL_TYPES, &calls);
    assert_eq!(osr, 3, "each long loop continues compiled");
}

/// A loop that traps after many iterations, called through another function.
const TRAPS: &str = r#"(module
  (memory 1)
  (func $spin (param $n i32) (param $bad i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (i32.div_u (i32.const 1000) (i32.sub (local.get $bad) (local.get $i)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $s))
  (func (export "direct") (param i32 i32) (result i32)
    (call $spin (local.get 0) (local.get 1)))
  (func (export "via") (param i32 i32) (result i32)
    (i32.add (i32.const 1) (call $spin (local.get 0) (local.get 1))))
  (func (export "oob") (param $n i32) (local $i i32)
    (loop $l
      (i32.store (i32.mul (local.get $i) (i32.const 64)) (local.get $i))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))"#;

#[test]
fn a_trap_after_osr_has_the_backtrace_of_one_tier() {
    let calls = [
        ("via", vec![Val::I32(10_000), Val::I32(5000)]),
        ("oob", vec![Val::I32(100_000)]),
    ];
    let osr = same_in_every_tier(TRAPS, &calls);
    assert_eq!(osr, 2);
    // Called from the host, the looping function itself is the entry frame.
    let (outcomes, osr) = run(Strategy::Tiered, TRAPS, &[("oob", vec![Val::I32(100_000)])]);
    assert_eq!(osr, 1);
    assert!(outcomes[0].contains("MemoryOutOfBounds"), "{outcomes:?}");
}

/// Nested loops: the inner one becomes hot first.
const NESTED: &str = r#"(module
  (func (export "grid") (param $n i32) (result i64) (local $i i32) (local $j i32) (local $s i64)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (i32.mul (local.get $i) (local.get $j)))))
        (br_if $inner (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $n))))
      (br_if $outer (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $s))
  (func (export "in_block") (param $n i32) (result i32) (local $i i32)
    (block $done
      (if (i32.eqz (local.get $n)) (then (br $done)))
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 3)))
        (br $l)))
    (local.get $i)))"#;

#[test]
fn nested_loops_switch_at_the_inner_head() {
    let calls = [
        ("grid", vec![Val::I32(300)]),
        ("in_block", vec![Val::I32(30_000)]),
    ];
    assert_eq!(same_in_every_tier(NESTED, &calls), 2);
}

/// A recursive function with a loop, and a loop that calls other functions: compiled,
/// interpreted and host ones, and one that throws to an interpreted caller.
const CALLS: &str = r#"(module
  (import "host" "twice" (func $twice (param i32) (result i32)))
  (tag $e (param i32))
  (func $rec (export "rec") (param $d i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 300))))
    (if (result i32) (i32.eqz (local.get $d))
      (then (local.get $s))
      (else (i32.add (local.get $s) (call $rec (i32.sub (local.get $d) (i32.const 1)))))))
  (func $small (param i32) (result i32) (i32.xor (local.get 0) (i32.const 0x55)))
  (func $thrower (param i32) (if (i32.eq (local.get 0) (i32.const 4000)) (then (throw $e (local.get 0)))))
  (func $caller (export "caller") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (call $thrower (local.get $i))
      (local.set $s (i32.add (local.get $s)
        (i32.add (call $small (local.get $i)) (call $twice (local.get $i)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $s))
  (func (export "catches") (param $n i32) (result i32)
    (block $caught (result i32)
      (try_table (catch $e $caught)
        (return (call $caller (local.get $n))))
      (unreachable))))"#;

#[test]
fn recursive_and_calling_loops() {
    let calls = [
        ("rec", vec![Val::I32(20)]),
        ("caller", vec![Val::I32(3000)]),
        ("catches", vec![Val::I32(3000)]),
        ("catches", vec![Val::I32(5000)]),
    ];
    assert!(same_in_every_tier(CALLS, &calls) >= 2);
}

/// Loops compiled code does not take over: with a parameter, with a value below it on the
/// operand stack, inside a `try_table`, and in a function with a vector local.
const OUT_OF_SCOPE: &str = r#"(module
  (tag $e)
  (func (export "param") (param $n i32) (result i32) (local $i i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (i32.add (local.get $i))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  (func (export "below") (param $n i32) (result i32) (local $i i32)
    (i32.const 7)
    (loop $l
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32.add (local.get $i)))
  (func (export "in_try") (param $n i32) (result i32) (local $i i32)
    (block $caught
      (try_table (catch $e $caught)
        (loop $l
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))
    (local.get $i))
  (func (export "vector") (param $n i32) (result i32) (local $i i32) (local $v v128)
    (loop $l
      (local.set $v (i32x4.add (local.get $v) (i32x4.splat (local.get $i))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32x4.extract_lane 2 (local.get $v))))"#;

#[test]
fn loops_out_of_scope_stay_interpreted() {
    let calls = [
        ("param", vec![Val::I32(10_000)]),
        ("below", vec![Val::I32(10_000)]),
        ("in_try", vec![Val::I32(10_000)]),
        ("vector", vec![Val::I32(10_000)]),
    ];
    assert_eq!(same_in_every_tier(OUT_OF_SCOPE, &calls), 0);
}

#[test]
fn no_osr_when_metering() -> Result<(), Error> {
    let mut config = Config::new();
    config
        .strategy(Strategy::Tiered)
        .tier_up_iterations(100)
        .tier_up_in_background(false)
        .metering(true);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, ALL_TYPES)?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
    let f = instance.get_func(&store, "nan32").unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut store, &[Val::I32(5000)], &mut out)?;
    assert_eq!(out[0], Val::F32(0xffc0_0abc));
    assert!(store.gas_used() > 5000);
    assert_eq!(module.osr_count(), 0);
    Ok(())
}
