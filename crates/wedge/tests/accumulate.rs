//! Functions of the form `f(x) = ... x OP f(y)` (which the compiler runs as a loop for
//! those calls, see wedge-cranelift's `func/accumulate.rs`) give the interpreter's results
//! in the compiled tier, keep their side effects in order, and still exhaust the stack on
//! unbounded recursion.
#![cfg(feature = "compiler")]

use wedge::*;

fn engine(strategy: Strategy) -> Engine {
    let mut config = Config::new();
    config.strategy(strategy);
    Engine::new(&config)
}

/// Calls export `run` of `wat` with each argument under the interpreter and the compiler,
/// and checks both give the same result or trap; returns the compiler's results.
fn both(wat: &str, args: &[i64]) -> Vec<Result<i64, TrapKind>> {
    let mut all = Vec::new();
    for strategy in [Strategy::Interpreter, Strategy::Compiler] {
        let engine = engine(strategy);
        let module = Module::new(&engine, wat).expect("module is valid");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("instantiates");
        let run = instance.get_func(&store, "run").expect("exports run");
        let mut got = Vec::new();
        for a in args {
            let mut out = [Val::I64(0)];
            let r = run
                .call(&mut store, &[Val::I64(*a)], &mut out)
                .map(|()| match out[0] {
                    Val::I64(v) => v,
                    Val::I32(v) => v as i64,
                    ref v => panic!("unexpected result {v:?}"),
                })
                .map_err(|e| e.as_trap().expect("a trap").kind());
            got.push(r);
        }
        all.push(got);
    }
    assert_eq!(all[0], all[1], "interpreter and compiler disagree");
    all.pop().unwrap()
}

#[test]
fn fibonacci_with_add_matches_the_interpreter() {
    let wat = r#"(module (func $fib (export "run") (param i64) (result i64)
        (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
          (then (local.get 0))
          (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                         (call $fib (i64.sub (local.get 0) (i64.const 2))))))))"#;
    let got = both(wat, &[0, 1, 2, 10, 25]);
    assert_eq!(got, vec![Ok(0), Ok(1), Ok(1), Ok(55), Ok(75025)]);
}

#[test]
fn every_operator_with_locals_and_explicit_returns_matches() {
    // g(n) = n < 1 ? n + 3 : h(n) OP g(n - 1) OP... with a declared local that must be zero
    // again on each iteration, and the tail call behind a `return`.
    for op in ["add", "mul", "and", "or", "xor"] {
        let wat = format!(
            r#"(module (func $g (export "run") (param i64) (result i64) (local i64)
                (local.set 1 (i64.add (local.get 1) (local.get 0)))
                (if (i64.lt_s (local.get 0) (i64.const 1))
                  (then (return (i64.add (local.get 0) (i64.const 3)))))
                (block (result i64)
                  (i64.mul (call $g (i64.const 0)) (i64.add (local.get 1) (i64.const 7)))
                  (return (i64.{op} (call $g (i64.sub (local.get 0) (i64.const 1))))))))"#
        );
        let got = both(&wat, &[0, 1, 5, 40]);
        assert!(got.iter().all(Result::is_ok), "{op}: {got:?}");
    }
}

#[test]
fn side_effects_between_calls_keep_their_order() {
    // Each call appends its argument to a global running hash before recursing.
    let wat = r#"(module (global $h (mut i32) (i32.const 17))
        (func $f (export "run") (param i64) (result i32)
          (global.set $h (i32.add (i32.mul (global.get $h) (i32.const 31))
                                  (i32.wrap_i64 (local.get 0))))
          (if (result i32) (i64.le_s (local.get 0) (i64.const 1))
            (then (global.get $h))
            (else (i32.xor (call $f (i64.shr_u (local.get 0) (i64.const 1)))
                           (call $f (i64.sub (local.get 0) (i64.const 1))))))))"#;
    both(wat, &[0, 1, 2, 7, 20]);
}

#[test]
fn unbounded_recursion_still_exhausts_the_stack() {
    // The first call recurses forever: the stack must run out in both tiers.
    let wat = r#"(module (func $f (export "run") (param i64) (result i64)
        (i64.add (call $f (i64.add (local.get 0) (i64.const 1)))
                 (call $f (i64.sub (local.get 0) (i64.const 1))))))"#;
    assert_eq!(both(wat, &[5]), vec![Err(TrapKind::StackExhausted)]);
}

#[test]
fn a_single_self_call_is_left_a_call() {
    // Like the spec's fac-rec: the only self call stays one, so a huge argument exhausts
    // the stack instead of looping.
    let wat = r#"(module (func $fac (export "run") (param i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0))
          (then (i64.const 1))
          (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1))))))))"#;
    assert_eq!(
        both(wat, &[20, 1 << 30]),
        vec![Ok(2432902008176640000), Err(TrapKind::StackExhausted)]
    );
}

#[test]
fn a_body_that_can_trap_is_not_rewritten() {
    // A division by zero deep in the recursion traps the same way in both tiers.
    let wat = r#"(module (func $f (export "run") (param i64) (result i64)
        (if (result i64) (i64.lt_s (local.get 0) (i64.const 1))
          (then (i64.div_s (i64.const 1) (local.get 0)))
          (else (i64.add (call $f (i64.const 0))
                         (call $f (i64.sub (local.get 0) (i64.const 1))))))))"#;
    assert_eq!(both(wat, &[6]), vec![Err(TrapKind::IntegerDivideByZero)]);
}

#[test]
fn the_compiler_runs_accumulator_calls_in_constant_stack() {
    // f(n) = f(0) + f(n - 1): ten million deep as calls, one frame deep as compiled.
    let wat = r#"(module (func $f (export "run") (param i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0))
          (then (i64.const 1))
          (else (i64.add (call $f (i64.const 0))
                         (call $f (i64.sub (local.get 0) (i64.const 1))))))))"#;
    let engine = engine(Strategy::Compiler);
    let module = Module::new(&engine, wat).expect("module is valid");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let run = instance.get_typed_func::<i64, i64>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 10_000_000).unwrap(), 10_000_001);
}
