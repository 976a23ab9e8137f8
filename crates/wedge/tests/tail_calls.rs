//! Tail calls run in constant stack: `return_call`, `return_call_indirect` and
//! `return_call_ref`, within a module, across instances and into host functions.

use wedge::*;

/// Depth of the mutual recursions: far beyond the call-depth limit of ordinary calls.
const DEPTH: i64 = 10_000_000;

/// `even`/`odd` by mutual recursion; `$call` is `return_call` or `call` (for comparison).
fn even_odd(call: &str) -> String {
    format!(
        r#"(module
          (func $even (export "even") (param i64) (result i32)
            (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
              (else ({call} $odd (i64.sub (local.get 0) (i64.const 1))))))
          (func $odd (export "odd") (param i64) (result i32)
            (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
              (else ({call} $even (i64.sub (local.get 0) (i64.const 1)))))))"#
    )
}

/// The interpreter and the engine's default tier (the compiler where this build has it).
fn engines() -> [Engine; 2] {
    let mut interpreter = Config::new();
    interpreter.strategy(Strategy::Interpreter);
    [Engine::new(&interpreter), Engine::default()]
}

fn instantiate(engine: &Engine, store: &mut Store<()>, wat: &str) -> Instance {
    let module = Module::new(engine, wat).expect("module is valid");
    Linker::new(engine)
        .instantiate(store, &module)
        .expect("instantiates")
}

#[test]
fn mutual_tail_recursion_ten_million_deep_completes() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(&engine, &mut store, &even_odd("return_call"));
        let even = instance.get_typed_func::<i64, i32>(&store, "even").unwrap();
        assert_eq!(even.call(&mut store, DEPTH).unwrap(), 1);
        assert_eq!(even.call(&mut store, DEPTH + 1).unwrap(), 0);
    }
}

#[test]
fn the_same_recursion_with_plain_calls_exhausts_the_stack() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(&engine, &mut store, &even_odd("call"));
        let even = instance.get_typed_func::<i64, i32>(&store, "even").unwrap();
        let err = even.call(&mut store, DEPTH).unwrap_err();
        assert_eq!(err.as_trap().unwrap().kind(), TrapKind::StackExhausted);
        assert_eq!(even.call(&mut store, 100).unwrap(), 1);
    }
}

#[test]
fn return_call_indirect_loops_in_constant_stack() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let wat = r#"(module
      (type $t (func (param i64 i64) (result i64)))
      (table funcref (elem $count $done))
      ;; Sums 1..n with the accumulator in the second parameter.
      (func $count (type $t)
        (return_call_indirect (type $t)
          (i64.sub (local.get 0) (i64.const 1))
          (i64.add (local.get 1) (local.get 0))
          (i64.eq (local.get 0) (i64.const 1))))
      (func $done (type $t) (local.get 1))
      (func (export "sum") (param i64) (result i64)
        (return_call $count (local.get 0) (i64.const 0))))"#;
        let instance = instantiate(&engine, &mut store, wat);
        let sum = instance.get_typed_func::<i64, i64>(&store, "sum").unwrap();
        let n = DEPTH;
        assert_eq!(sum.call(&mut store, n).unwrap(), n * (n + 1) / 2);
    }
}

#[test]
fn tail_calls_cross_instances_and_reach_host_functions() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("host", "triple", |_: Caller<'_, ()>, x: i64| x * 3)
            .unwrap();
        let pong = Module::new(
            &engine,
            r#"(module
          (import "ping" "ping" (func $ping (param i64) (result i64)))
          (import "host" "triple" (func $triple (param i64) (result i64)))
          (func (export "pong") (param i64) (result i64)
            (if (result i64) (i64.eqz (local.get 0))
              (then (return_call $triple (i64.const 14)))
              (else (return_call $ping (i64.sub (local.get 0) (i64.const 1)))))))"#,
        )
        .unwrap();
        let ping = Module::new(
            &engine,
            r#"(module
          (import "pong" "pong" (func $pong (param i64) (result i64)))
          (func (export "ping") (param i64) (result i64)
            (return_call $pong (local.get 0))))"#,
        )
        .unwrap();
        // The two modules import each other, so route the first call through a table that is
        // filled once both exist.
        let table = Table::new(
            &mut store,
            TableType::new(RefType::FUNCREF, 1, None),
            Val::FuncRef(None),
        )
        .unwrap();
        let trampoline = Module::new(
            &engine,
            r#"(module
          (type $t (func (param i64) (result i64)))
          (import "env" "table" (table 1 funcref))
          (func (export "ping") (param i64) (result i64)
            (return_call_indirect (type $t) (local.get 0) (i32.const 0))))"#,
        )
        .unwrap();
        linker.define(&store, "env", "table", table).unwrap();
        let tramp = linker.instantiate(&mut store, &trampoline).unwrap();
        linker.instance(&store, "ping", tramp).unwrap();
        let pong = linker.instantiate(&mut store, &pong).unwrap();
        linker.instance(&store, "pong", pong).unwrap();
        let ping = linker.instantiate(&mut store, &ping).unwrap();
        let ping_fn = ping.get_func(&store, "ping").unwrap();
        table
            .set(&mut store, 0, Val::FuncRef(Some(ping_fn)))
            .unwrap();

        let run = ping.get_typed_func::<i64, i64>(&store, "ping").unwrap();
        assert_eq!(run.call(&mut store, 1_000_000).unwrap(), 42);
        assert_eq!(run.call(&mut store, 0).unwrap(), 42);
    }
}

#[test]
fn a_trap_after_tail_calls_reports_the_callee() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(
            &engine,
            &mut store,
            r#"(module
          (func $boom unreachable)
          (func $outer (export "outer") (return_call $boom)))"#,
        );
        let outer = instance.get_func(&store, "outer").unwrap();
        let err = outer.call(&mut store, &[], &mut []).unwrap_err();
        let trap = err.as_trap().unwrap();
        assert_eq!(trap.kind(), TrapKind::Unreachable);
        let frames: Vec<u32> = trap.backtrace().iter().map(|f| f.func_index).collect();
        assert_eq!(frames, vec![0], "the tail-calling frame was replaced");
    }
}

#[test]
fn return_call_ref_mutual_recursion_ten_million_deep_completes() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let wat = r#"(module
      (type $t (func (param i64) (result i32)))
      (elem declare func $even $odd)
      (func $even (export "even") (type $t)
        (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
          (else (return_call_ref $t (i64.sub (local.get 0) (i64.const 1)) (ref.func $odd)))))
      (func $odd (type $t)
        (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
          (else (return_call_ref $t (i64.sub (local.get 0) (i64.const 1)) (ref.func $even)))))
      (func (export "null") (result i32)
        (return_call_ref $t (i64.const 1) (ref.null $t))))"#;
        let instance = instantiate(&engine, &mut store, wat);
        let even = instance.get_typed_func::<i64, i32>(&store, "even").unwrap();
        assert_eq!(even.call(&mut store, DEPTH).unwrap(), 1);
        assert_eq!(even.call(&mut store, DEPTH + 1).unwrap(), 0);
        let null = instance.get_typed_func::<(), i32>(&store, "null").unwrap();
        let err = null.call(&mut store, ()).unwrap_err();
        assert_eq!(
            err.as_trap().unwrap().kind(),
            TrapKind::NullFunctionReference
        );
    }
}

/// A host function reached by a tail call throws: the exception is thrown at the call site
/// of the function that made the tail call, so that caller's handler catches it, and the
/// handler of the frame the tail call replaced does not.
#[test]
fn host_exception_after_a_tail_call_goes_to_the_caller() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let tag = Tag::new(&mut store, FuncType::new([ValType::I32], []));
        let mut linker = Linker::new(&engine);
        linker.define(&store, "host", "tag", tag).unwrap();
        linker
            .func_wrap(
                "host",
                "throw",
                move |mut caller: Caller<'_, ()>, x: i32| -> Result<i32, Trap> {
                    let exn = ExnRef::new(&mut caller, tag, &[Val::I32(x)])
                        .map_err(|e| Trap::host(e.to_string()))?;
                    Err(Trap::throw(exn))
                },
            )
            .unwrap();
        let wat = r#"(module
      (import "host" "tag" (tag $e (param i32)))
      (import "host" "throw" (func $throw (param i32) (result i32)))
      (type $t (func (param i32) (result i32)))
      (table funcref (elem $throw))
      ;; Its handler would answer -1, but the tail call has left this frame.
      (func $tail (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (return_call $throw (local.get 0)))
          (unreachable))
        (drop) (i32.const -1))
      (func $tail_indirect (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (return_call_indirect (type $t) (local.get 0) (i32.const 0)))
          (unreachable))
        (drop) (i32.const -1))
      (func (export "outer") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (return (call $tail (local.get 0))))
          (unreachable))
        (i32.add (i32.const 100)))
      (func (export "outer_indirect") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h)
            (return (call $tail_indirect (local.get 0))))
          (unreachable))
        (i32.add (i32.const 200)))
      (func (export "uncaught") (param i32) (result i32)
        (return_call $throw (local.get 0))))"#;
        let module = Module::new(&engine, wat).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let outer = instance
            .get_typed_func::<i32, i32>(&store, "outer")
            .unwrap();
        assert_eq!(outer.call(&mut store, 7).unwrap(), 107);
        let outer_indirect = instance
            .get_typed_func::<i32, i32>(&store, "outer_indirect")
            .unwrap();
        assert_eq!(outer_indirect.call(&mut store, 8).unwrap(), 208);
        let uncaught = instance
            .get_typed_func::<i32, i32>(&store, "uncaught")
            .unwrap();
        let err = uncaught.call(&mut store, 9).unwrap_err();
        assert_eq!(err.as_trap().unwrap().kind(), TrapKind::Exception);
    }
}
