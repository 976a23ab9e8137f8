//! Exceptions across the embedding API: host-thrown exceptions caught by wasm, wasm
//! exceptions reaching the host, tags shared between instances and the host.

use wedge::{
    Caller, Config, Engine, ExnRef, Extern, FuncType, Linker, Module, Store, Strategy, Tag, Trap,
    TrapKind, Val, ValType,
};

/// An engine per tier: every test runs on the interpreter, on compiled code and tiered (when
/// this build has the compiler).
fn engines() -> Vec<Engine> {
    let tiers: &[Strategy] = if cfg!(feature = "compiler") {
        &[Strategy::Interpreter, Strategy::Compiler, Strategy::Tiered]
    } else {
        &[Strategy::Interpreter]
    };
    tiers
        .iter()
        .copied()
        .map(|s| {
            let mut config = Config::new();
            // Tiered: every function compiled at its second call or first loop iteration.
            config
                .strategy(s)
                .tier_up_calls(1)
                .tier_up_iterations(1)
                .tier_up_in_background(false);
            Engine::new(&config)
        })
        .collect()
}

const CATCHER: &str = r#"(module
  (import "host" "tag" (tag $t (param i32 i64)))
  (import "host" "maybe_throw" (func $maybe_throw (param i32)))
  (func (export "call") (param i32) (result i64) (local $a i32) (local $b i64)
    (block $caught (result i32 i64)
      (try_table (catch $t $caught)
        (call $maybe_throw (local.get 0)))
      (return (i64.const -1)))
    (local.set $b)
    (local.set $a)
    (i64.add (i64.extend_i32_u (local.get $a)) (local.get $b)))
  (func (export "throw") (param i32 i64)
    (throw $t (local.get 0) (local.get 1)))
  (func (export "rethrow_all") (param i32)
    (block $caught (result exnref)
      (try_table (catch_all_ref $caught)
        (call $maybe_throw (local.get 0)))
      (return))
    (throw_ref)))"#;

fn setup(engine: &Engine) -> (Store<()>, wedge::Instance, Tag) {
    let mut store = Store::new(engine, ());
    let tag = Tag::new(&mut store, FuncType::new([ValType::I32, ValType::I64], []));
    let mut linker = Linker::new(engine);
    linker.define(&store, "host", "tag", tag).unwrap();
    linker
        .func_wrap(
            "host",
            "maybe_throw",
            move |mut caller: Caller<'_, ()>, x: i32| -> Result<(), Trap> {
                if x == 0 {
                    return Ok(());
                }
                let exn = ExnRef::new(&mut caller, tag, &[Val::I32(x), Val::I64(1000)])
                    .map_err(|e| Trap::host(e.to_string()))?;
                Err(Trap::throw(exn))
            },
        )
        .unwrap();
    let module = Module::new(engine, CATCHER).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance, tag)
}

#[test]
fn wasm_catches_an_exception_thrown_by_the_host() {
    for engine in &engines() {
        let (mut store, instance, _) = setup(engine);
        let call = instance.get_typed_func::<i32, i64>(&store, "call").unwrap();
        assert_eq!(call.call(&mut store, 0).unwrap(), -1);
        assert_eq!(call.call(&mut store, 5).unwrap(), 1005);
    }
}

#[test]
fn uncaught_wasm_exception_reaches_the_host_with_its_tag_and_payload() {
    for engine in &engines() {
        let (mut store, instance, tag) = setup(engine);
        let throw = instance
            .get_typed_func::<(i32, i64), ()>(&store, "throw")
            .unwrap();
        let err = throw.call(&mut store, (7, -8)).unwrap_err();
        let trap = err.as_trap().expect("a trap");
        assert_eq!(trap.kind(), TrapKind::Exception);
        let exn = trap.exception().expect("the exception");
        assert_eq!(exn.tag(&store), Some(tag));
        assert_eq!(exn.payload(&store), Some(vec![Val::I32(7), Val::I64(-8)]));
        // The exception stays valid after collections.
        store.gc();
        assert_eq!(exn.payload(&store), Some(vec![Val::I32(7), Val::I64(-8)]));
    }
}

#[test]
fn host_exception_rethrown_by_wasm_keeps_its_identity() {
    for engine in &engines() {
        let (mut store, instance, tag) = setup(engine);
        let rethrow = instance
            .get_typed_func::<i32, ()>(&store, "rethrow_all")
            .unwrap();
        rethrow.call(&mut store, 0).unwrap();
        let err = rethrow.call(&mut store, 3).unwrap_err();
        let exn = err
            .as_trap()
            .and_then(|t| t.exception())
            .expect("exception");
        assert_eq!(exn.tag(&store), Some(tag));
        assert_eq!(exn.payload(&store), Some(vec![Val::I32(3), Val::I64(1000)]));
    }
}

/// wasm → host → wasm: an exception thrown by the inner wasm call passes through the
/// host function (which returns the error) and is caught by the outer wasm code.
#[test]
fn exceptions_cross_nested_host_calls() {
    for engine in &engines() {
        let mut store = Store::new(engine, ());
        let inner = Module::new(
            engine,
            r#"(module
              (tag $e (export "e") (param i32))
              (func (export "throw") (param i32) (throw $e (local.get 0))))"#,
        )
        .unwrap();
        let linker0 = Linker::new(engine);
        let inner = linker0.instantiate(&mut store, &inner).unwrap();
        let throw = inner.get_func(&store, "throw").unwrap();
        let mut linker = Linker::new(engine);
        linker.instance(&store, "inner", inner).unwrap();
        linker
            .func_wrap(
                "host",
                "via_host",
                move |mut caller: Caller<'_, ()>, x: i32| -> Result<(), Trap> {
                    match throw.call(&mut caller, &[Val::I32(x + 1)], &mut []) {
                        Ok(()) => Ok(()),
                        Err(wedge::Error::Trap(t)) => Err(t),
                        Err(e) => Err(Trap::host(e.to_string())),
                    }
                },
            )
            .unwrap();
        let outer = Module::new(
            engine,
            r#"(module
              (import "inner" "e" (tag $e (param i32)))
              (import "host" "via_host" (func $via_host (param i32)))
              (func (export "run") (param i32) (result i32)
                (block $caught (result i32)
                  (try_table (catch $e $caught) (call $via_host (local.get 0)))
                  (i32.const -1))))"#,
        )
        .unwrap();
        let outer = linker.instantiate(&mut store, &outer).unwrap();
        let run = outer.get_typed_func::<i32, i32>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, 41).unwrap(), 42);
    }
}

#[test]
fn tags_are_exported_and_must_match_exactly_when_imported() {
    for engine in &engines() {
        let mut store = Store::new(engine, ());
        let m = Module::new(engine, r#"(module (tag (export "t") (param f32)))"#).unwrap();
        let instance = Linker::new(engine).instantiate(&mut store, &m).unwrap();
        let Some(Extern::Tag(tag)) = instance.get_export(&store, "t") else {
            panic!("tag export missing");
        };
        assert_eq!(tag.ty(&store), FuncType::new([ValType::F32], []));
        let wrong = Module::new(engine, r#"(module (import "m" "t" (tag (param i32))))"#).unwrap();
        let mut linker = Linker::new(engine);
        linker.define(&store, "m", "t", tag).unwrap();
        let err = linker.instantiate(&mut store, &wrong).unwrap_err();
        assert!(matches!(err, wedge::Error::Link(_)), "{err}");
        let right = Module::new(engine, r#"(module (import "m" "t" (tag (param f32))))"#).unwrap();
        linker.instantiate(&mut store, &right).unwrap();
    }
}

#[test]
fn host_exception_payload_is_type_checked() {
    for engine in &engines() {
        let mut store = Store::new(engine, ());
        let tag = Tag::new(&mut store, FuncType::new([ValType::I32], []));
        assert!(ExnRef::new(&mut store, tag, &[Val::I64(1)]).is_err());
        assert!(ExnRef::new(&mut store, tag, &[]).is_err());
        assert!(ExnRef::new(&mut store, tag, &[Val::I32(1)]).is_ok());
    }
}

/// Exceptions that reach the host live as long as the trap carrying them: dropping the
/// errors lets a collection free them, so throwing in a loop does not leak.
#[test]
fn escaped_exceptions_are_freed_once_their_traps_are_dropped() {
    for engine in &engines() {
        let (mut store, instance, _) = setup(engine);
        let throw = instance
            .get_typed_func::<(i32, i64), ()>(&store, "throw")
            .unwrap();
        let mut last = None;
        for i in 0..10_000 {
            let err = throw.call(&mut store, (i, 0)).unwrap_err();
            last = err.as_trap().and_then(|t| t.exception());
        }
        let kept = throw.call(&mut store, (-1, 0)).unwrap_err();
        store.gc();
        assert_eq!(
            store.gc_stats().objects,
            1,
            "only the exception of `kept` is alive"
        );
        let kept_exn = kept.as_trap().and_then(|t| t.exception()).unwrap();
        assert_eq!(
            kept_exn.payload(&store),
            Some(vec![Val::I32(-1), Val::I64(0)])
        );
        assert_eq!(
            last.unwrap().payload(&store),
            None,
            "a freed exception reads as stale"
        );
    }
}

/// An exception thrown by one instance passes through the frames of another that has no
/// handlers and no tags (called directly and through a table), and is caught by a third;
/// uncaught, it reaches the host after the middle frames stopped at the throw.
#[test]
fn exceptions_pass_through_instances_without_handlers() {
    for engine in &engines() {
        let mut store = Store::new(engine, ());
        let thrower = Module::new(
            engine,
            r#"(module
              (tag $e (export "e") (param i32 i64))
              (func (export "throw") (param i32)
                (if (local.get 0) (then (throw $e (local.get 0) (i64.const 7))))))"#,
        )
        .unwrap();
        let thrower = Linker::new(engine)
            .instantiate(&mut store, &thrower)
            .unwrap();
        let middle = Module::new(
            engine,
            r#"(module
              (import "t" "throw" (func $throw (param i32)))
              (global $after (export "after") (mut i32) (i32.const 0))
              (table funcref (elem $throw))
              (func (export "direct") (param i32) (result i32)
                (call $throw (local.get 0))
                (global.set $after (i32.const 1))
                (i32.const 100))
              (func (export "indirect") (param i32) (result i32)
                (call_indirect (param i32) (local.get 0) (i32.const 0))
                (global.set $after (i32.const 2))
                (i32.const 200)))"#,
        )
        .unwrap();
        let mut linker = Linker::new(engine);
        linker.instance(&store, "t", thrower).unwrap();
        let middle = linker.instantiate(&mut store, &middle).unwrap();
        linker.instance(&store, "m", middle).unwrap();
        let catcher = Module::new(
            engine,
            r#"(module
              (import "t" "e" (tag $e (param i32 i64)))
              (import "m" "direct" (func $direct (param i32) (result i32)))
              (import "m" "indirect" (func $indirect (param i32) (result i32)))
              (func (export "run") (param i32 i32) (result i64) (local $b i64)
                (block $caught (result i32 i64)
                  (try_table (result i32) (catch $e $caught)
                    (if (result i32) (local.get 1)
                      (then (call $indirect (local.get 0)))
                      (else (call $direct (local.get 0)))))
                  (return (i64.extend_i32_u)))
                (local.set $b)
                (i64.add (i64.extend_i32_u) (local.get $b)))
              (func (export "uncaught") (param i32) (result i32)
                (call $direct (local.get 0))))"#,
        )
        .unwrap();
        let catcher = linker.instantiate(&mut store, &catcher).unwrap();
        let run = catcher
            .get_typed_func::<(i32, i32), i64>(&store, "run")
            .unwrap();
        let after = middle.get_global(&store, "after").unwrap();
        assert_eq!(run.call(&mut store, (0, 0)).unwrap(), 100);
        assert_eq!(run.call(&mut store, (0, 1)).unwrap(), 200);
        assert_eq!(after.get(&store), Val::I32(2));
        after.set(&mut store, Val::I32(0)).unwrap();
        assert_eq!(run.call(&mut store, (5, 0)).unwrap(), 12);
        assert_eq!(run.call(&mut store, (9, 1)).unwrap(), 16);
        assert_eq!(after.get(&store), Val::I32(0), "the middle frames stopped");
        let uncaught = catcher
            .get_typed_func::<i32, i32>(&store, "uncaught")
            .unwrap();
        let err = uncaught.call(&mut store, 3).unwrap_err();
        let exn = err
            .as_trap()
            .and_then(|t| t.exception())
            .expect("exception");
        assert_eq!(exn.payload(&store), Some(vec![Val::I32(3), Val::I64(7)]));
        assert_eq!(after.get(&store), Val::I32(0));
    }
}

/// Compiled code looks for a pending exception only after calls that may throw. A module
/// with no imports and no throws of its own still gets exceptions from a host function
/// the host puts in its exported table, or passes in as a function reference: both reach
/// the handler through a function that has none.
#[test]
fn exceptions_from_functions_entering_through_tables_and_references_are_caught() {
    for engine in &engines() {
        let mut store = Store::new(engine, ());
        let module = Module::new(
            engine,
            r#"(module
              (type $f (func (param i32)))
              (tag $e (export "e") (param i32))
              (table (export "table") 1 funcref)
              (global $after (export "after") (mut i32) (i32.const 0))
              (func $middle (param i32)
                (call_indirect (type $f) (local.get 0) (i32.const 0))
                (global.set $after (i32.const 1)))
              (func (export "via_table") (param i32) (result i32)
                (block $caught (result i32)
                  (try_table (catch $e $caught) (call $middle (local.get 0)))
                  (i32.const -1)))
              (func $middle_ref (param i32) (param (ref $f))
                (call_ref $f (local.get 0) (local.get 1)))
              (func (export "via_ref") (param i32) (param funcref) (result i32)
                (block $caught (result i32)
                  (try_table (catch $e $caught)
                    (call $middle_ref (local.get 0)
                      (ref.cast (ref $f) (local.get 1))))
                  (i32.const -1))))"#,
        )
        .unwrap();
        let instance = Linker::new(engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let Some(Extern::Tag(tag)) = instance.get_export(&store, "e") else {
            panic!("tag export missing");
        };
        let thrower = wedge::Func::wrap(
            &mut store,
            move |mut caller: Caller<'_, ()>, x: i32| -> Result<(), Trap> {
                if x == 0 {
                    return Ok(());
                }
                let exn = ExnRef::new(&mut caller, tag, &[Val::I32(x * 10)])
                    .map_err(|e| Trap::host(e.to_string()))?;
                Err(Trap::throw(exn))
            },
        );
        let table = instance.get_table(&store, "table").unwrap();
        table
            .set(&mut store, 0, Val::FuncRef(Some(thrower)))
            .unwrap();
        let after = instance.get_global(&store, "after").unwrap();
        let via_table = instance
            .get_typed_func::<i32, i32>(&store, "via_table")
            .unwrap();
        assert_eq!(via_table.call(&mut store, 0).unwrap(), -1);
        assert_eq!(after.get(&store), Val::I32(1));
        after.set(&mut store, Val::I32(0)).unwrap();
        assert_eq!(via_table.call(&mut store, 4).unwrap(), 40);
        assert_eq!(
            after.get(&store),
            Val::I32(0),
            "the middle frame stopped at the throw"
        );
        let via_ref = instance.get_func(&store, "via_ref").unwrap();
        let mut out = [Val::I32(0)];
        via_ref
            .call(
                &mut store,
                &[Val::I32(6), Val::FuncRef(Some(thrower))],
                &mut out,
            )
            .unwrap();
        assert_eq!(out[0], Val::I32(60));
    }
}
