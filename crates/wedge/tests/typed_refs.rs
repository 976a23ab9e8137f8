//! Typed function references and canonical type identity across modules.

use wedge::{Engine, Linker, Module, Store, Val};

/// Equal recursive type groups declared by two modules are the same type: a function of
/// such a type links across modules, and `call_indirect` accepts declared subtypes.
#[test]
fn rec_groups_are_canonical_across_modules_and_call_indirect_uses_subtyping() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let exporter = Module::new(
        &engine,
        r#"(module
          (rec (type $f (sub (func (param (ref null $s)) (result i32))))
               (type $s (struct (field i32))))
          (type $g (sub $f (func (param (ref null $s)) (result i32))))
          (func (export "get") (type $g) (struct.get $s 0 (local.get 0)))
          (func (export "make") (param i32) (result (ref $s)) (struct.new $s (local.get 0))))"#,
    )
    .unwrap();
    let exporter = Linker::new(&engine)
        .instantiate(&mut store, &exporter)
        .unwrap();
    let mut linker = Linker::new(&engine);
    linker.instance(&store, "m", exporter).unwrap();

    // The importer declares the same rec group on its own and imports `get` at the
    // supertype $f; calls through a table typed $f reach the $g function.
    let importer = Module::new(
        &engine,
        r#"(module
          (rec (type $f (sub (func (param (ref null $s)) (result i32))))
               (type $s (struct (field i32))))
          (import "m" "get" (func $get (type $f)))
          (import "m" "make" (func $make (param i32) (result (ref $s))))
          (table 1 funcref)
          (elem (i32.const 0) func $get)
          (func (export "run") (param i32) (result i32)
            (call_indirect (type $f) (call $make (local.get 0)) (i32.const 0)))
          (func (export "run_ref") (param i32) (result i32)
            (call_ref $f (call $make (local.get 0)) (ref.func $get)))
          (elem declare func $get))"#,
    )
    .unwrap();
    let importer = linker.instantiate(&mut store, &importer).unwrap();
    let run = importer.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 17).unwrap(), 17);
    let run_ref = importer
        .get_typed_func::<i32, i32>(&store, "run_ref")
        .unwrap();
    assert_eq!(run_ref.call(&mut store, 23).unwrap(), 23);

    // A group that differs (the struct field is i64) is another type: linking fails.
    let other = Module::new(
        &engine,
        r#"(module
          (rec (type $f (sub (func (param (ref null $s)) (result i32))))
               (type $s (struct (field i64))))
          (import "m" "get" (func (type $f))))"#,
    )
    .unwrap();
    let err = linker.instantiate(&mut store, &other).unwrap_err();
    assert!(matches!(err, wedge::Error::Link(_)), "{err}");
}

/// Arguments of concrete reference types are checked against the signature, with
/// subtyping, when the host calls a function.
#[test]
fn host_calls_check_concrete_reference_arguments() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
          (type $unary (func (param i32) (result i32)))
          (func $double (export "double") (type $unary) (i32.mul (local.get 0) (i32.const 2)))
          (func $nullary (export "nullary") (result i32) (i32.const 0))
          (func (export "apply") (param (ref $unary)) (param i32) (result i32)
            (call_ref $unary (local.get 1) (local.get 0))))"#,
    )
    .unwrap();
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let apply = instance.get_func(&store, "apply").unwrap();
    let double = instance.get_func(&store, "double").unwrap();
    let nullary = instance.get_func(&store, "nullary").unwrap();
    let mut out = [Val::I32(0)];
    apply
        .call(
            &mut store,
            &[Val::FuncRef(Some(double)), Val::I32(21)],
            &mut out,
        )
        .unwrap();
    assert_eq!(out[0], Val::I32(42));
    let err = apply
        .call(
            &mut store,
            &[Val::FuncRef(Some(nullary)), Val::I32(1)],
            &mut out,
        )
        .unwrap_err();
    assert!(matches!(err, wedge::Error::Type(_)), "{err}");
    let err = apply
        .call(&mut store, &[Val::FuncRef(None), Val::I32(1)], &mut out)
        .unwrap_err();
    assert!(matches!(err, wedge::Error::Type(_)), "{err}");
}
