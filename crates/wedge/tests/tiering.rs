//! Tiered execution: functions start interpreted and the hot ones run compiled from their
//! next call on. Whatever mix of tiers runs, results, traps (kinds and backtraces) and
//! exceptions are those of the interpreter alone.
#![cfg(feature = "compiler")]

use wedge::{Caller, Config, Engine, Error, Linker, Module, Store, Strategy, Val};

/// An engine that interprets only.
fn interpreter() -> Engine {
    let mut config = Config::new();
    config.strategy(Strategy::Interpreter);
    Engine::new(&config)
}

/// A tiered engine that finds every function hot at its second call (or first loop
/// iteration) and compiles it at once on the calling thread, so runs mix the tiers the same
/// way every time.
fn eager_tiered() -> Engine {
    let mut config = Config::new();
    config
        .strategy(Strategy::Tiered)
        .tier_up_calls(1)
        .tier_up_iterations(1)
        .tier_up_in_background(false);
    Engine::new(&config)
}

/// Functions calling each other in every way (direct, recursive, through the table, through
/// a host function that calls back into wasm), touching memory and globals, growing memory
/// in a callee, throwing and catching across calls, and trapping deep in a call chain.
const MIXED: &str = r#"(module
  (import "host" "call_back" (func $call_back (param i32) (result i32)))
  (type $i2i (func (param i32) (result i32)))
  (tag $e (param i32))
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (table 8 funcref)
  (elem (i32.const 0) $fib $sum $deep $boom $grow $catch $via_host $div)
  (func $fib (type $i2i)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $sum (type $i2i) (local $i i32) (local $acc i32)
    (loop $l
      (i32.store8 (local.get $i) (local.get $i))
      (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $i))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (local.get 0))))
    (local.get $acc))
  (func $deep (type $i2i)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call_indirect (type $i2i) (i32.const 7) (i32.const 3)))
      (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
  (func $boom (type $i2i)
    (if (i32.eq (local.get 0) (i32.const 3)) (then unreachable))
    (i32.div_u (i32.const 100) (i32.sub (local.get 0) (i32.const 7))))
  (func $div (type $i2i)
    (call $boom (local.get 0)))
  (func $grow (type $i2i)
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.mul (memory.size) (i32.const 65532)) (local.get 0))
    (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4 ))))
  (func $thrower (param i32)
    (if (i32.gt_u (local.get 0) (i32.const 5)) (then (throw $e (local.get 0)))))
  (func $catch (type $i2i)
    (block $caught (result i32)
      (try_table (catch $e $caught)
        (call $thrower (local.get 0))
        (return (i32.const -1)))
      (unreachable))
    (i32.mul (i32.const 2)))
  (func $via_host (type $i2i)
    (call $call_back (local.get 0)))
  (func (export "callee") (param i32) (result i32)
    (i32.add (call $fib (i32.and (local.get 0) (i32.const 7))) (call $sum (i32.const 20))))
  (func (export "run") (param i32 i32) (result i32)
    (i32.add (global.get $calls)
      (call_indirect (type $i2i) (local.get 0) (local.get 1))))
  (func (export "throws") (param i32) (result i32)
    (call $thrower (local.get 0))
    (i32.const 0)))"#;

/// What one call did: results, or the trap with its backtrace (function indices, innermost
/// first).
fn outcome(r: Result<Vec<Val>, Error>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(Error::Trap(t)) => {
            let frames: Vec<u32> = t.backtrace().iter().map(|f| f.func_index).collect();
            format!("trap {:?} at {frames:?}", t.kind())
        }
        Err(e) => format!("error {e}"),
    }
}

/// Runs a fixed sequence of calls on `MIXED` (every function several times) and records
/// every outcome; also returns how many functions ended up compiled.
fn run_mixed(engine: &Engine) -> (Vec<String>, usize) {
    let module = Module::new(engine, MIXED).expect("valid module");
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker
        .func_wrap(
            "host",
            "call_back",
            |mut caller: Caller<'_, ()>, x: i32| -> Result<i32, wedge::Trap> {
                let f = caller
                    .get_export("callee")
                    .and_then(|e| e.into_func())
                    .expect("callee export");
                let mut out = [Val::I32(0)];
                f.call(&mut caller, &[Val::I32(x)], &mut out)
                    .map_err(|e| wedge::Trap::host(e.to_string()))?;
                Ok(out[0].i32().unwrap() + 1)
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).expect("links");
    let run = instance.get_func(&store, "run").unwrap();
    let throws = instance.get_func(&store, "throws").unwrap();
    let mut outcomes = Vec::new();
    for round in 0..6 {
        for which in 0..8 {
            for arg in [0, 3, 6, 7, 9 + round] {
                let mut out = [Val::I32(0)];
                let r = run
                    .call(&mut store, &[Val::I32(arg), Val::I32(which)], &mut out)
                    .map(|()| out.to_vec());
                outcomes.push(format!("run({arg}, {which}): {}", outcome(r)));
            }
        }
        let mut out = [Val::I32(0)];
        let r = throws.call(&mut store, &[Val::I32(round * 2)], &mut out);
        outcomes.push(format!("throws: {}", outcome(r.map(|()| out.to_vec()))));
    }
    (outcomes, module.native_function_count())
}

#[test]
fn mixed_tiers_behave_like_the_interpreter() {
    let (expected, none) = run_mixed(&interpreter());
    assert_eq!(none, 0);
    for trap in [
        "run(3, 7): trap Unreachable at [4, 5, 11]",
        "run(3, 2): trap IntegerDivideByZero at [4, 3, 3, 3, 3, 11]",
        "throws: trap Exception at [7, 12]",
    ] {
        assert!(expected.iter().any(|o| o == trap), "{trap}: {expected:#?}");
    }
    let (tiered, compiled) = run_mixed(&eager_tiered());
    for (a, b) in expected.iter().zip(&tiered) {
        assert_eq!(a, b);
    }
    assert_eq!(expected.len(), tiered.len());
    // Every function but the one that only throws across the host boundary got hot.
    assert!(compiled >= 10, "only {compiled} functions were compiled");
}

/// A recursion that alternates between a compiled function and one still interpreted goes
/// far deeper than host re-entry may (64 levels): calls between the tiers are not re-entry.
#[test]
fn deep_recursion_across_tiers() {
    let wat = r#"(module
      (func $hot (export "hot") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $cold (i32.sub (local.get 0) (i32.const 1)))))))
      (func $cold (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $hot (i32.sub (local.get 0) (i32.const 1))))))))"#;
    let mut config = Config::new();
    config
        .strategy(Strategy::Tiered)
        .tier_up_calls(100)
        .tier_up_iterations(100)
        .tier_up_in_background(false);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let hot = instance.get_typed_func::<i32, i32>(&store, "hot").unwrap();
    // `hot` becomes hot (and compiled) without `cold` ever running.
    for _ in 0..102 {
        assert_eq!(hot.call(&mut store, 0).unwrap(), 0);
    }
    assert_eq!(module.native_function_count(), 1);
    // Compiled `hot` and interpreted `cold` alternate for 200 levels, until `cold` gets hot
    // too; the rest runs compiled.
    assert_eq!(hot.call(&mut store, 600).unwrap(), 600);
    assert_eq!(module.native_function_count(), 2);
}

/// In the background (the default), hot functions get compiled while the program runs, and
/// calls keep their results meanwhile.
#[test]
fn background_compilation_switches_hot_functions() {
    let mut config = Config::new();
    config.strategy(Strategy::Tiered).tier_up_calls(10);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, MIXED).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "call_back", |_: Caller<'_, ()>, x: i32| x)
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let callee = instance
        .get_typed_func::<i32, i32>(&store, "callee")
        .unwrap();
    // fib(5) + sum(0..20); the loop stops when the compiler thread has done its work (it
    // gets a few seconds of waiting between rounds on a loaded machine).
    let mut rounds = 0;
    while module.native_function_count() < 3 {
        for i in 0..100 {
            assert_eq!(callee.call(&mut store, 5 + 8 * i).unwrap(), 5 + 190);
        }
        rounds += 1;
        assert!(rounds < 30_000, "the compiler thread compiled nothing");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(callee.call(&mut store, 5).unwrap(), 5 + 190);
}

/// A tiered module serializes as a whole compiled module (not only its hot functions), and
/// the file loads as native code that computes what the interpreter computes.
#[test]
fn tiered_module_serializes_all_its_code() -> Result<(), Error> {
    const KEY: [u8; 16] = *b"tiered-aot-key!!";
    const WAT: &str = r#"(module
      (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
      (func (export "f") (param i32) (result i32)
        (i32.add (call $sq (local.get 0)) (i32.const 1))))"#;
    let mut config = Config::new();
    config.strategy(Strategy::Tiered).native_code_key(Some(KEY));
    let tiered = Engine::new(&config);
    let module = Module::new(&tiered, WAT)?;
    assert_eq!(module.native_function_count(), 0, "nothing is hot yet");
    let aot = module.serialize_native()?;

    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .native_code_key(Some(KEY));
    let compiled = Engine::new(&config);
    let loaded = Module::new(&compiled, &aot[..])?;
    assert!(loaded.is_native(), "{:?}", loaded.native_code_warning());
    assert!(loaded.native_code_warning().is_none());
    let mut store = Store::new(&compiled, ());
    let instance = Linker::new(&compiled).instantiate(&mut store, &loaded)?;
    let f = instance.get_typed_func::<i32, i32>(&store, "f")?;
    assert_eq!(f.call(&mut store, 12)?, 145);
    Ok(())
}
