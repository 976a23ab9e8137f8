//! Tables initialized on first use: a table only `call_indirect` reads starts empty and
//! takes each element from the module's segments when a call first reaches it. Calls,
//! traps on real nulls, out-of-bounds and mismatched elements, tail calls, imported
//! functions in the table and recycled element buffers behave as with tables written at
//! instantiation, in every tier; tables that other instructions or the host reach are
//! written at instantiation, as before.

use wedge::*;

/// A module whose table only `call_indirect` reads: elements 1..=4 hold an imported host
/// function, two defined functions and one of another type; 0, 5, 6 and 7 are null.
/// `call(i, x)` and `tail(i, x)` call element `i` on `x` (the latter as a tail call);
/// `set_base(b)` sets the global the defined functions add.
const CALL_ONLY: &str = r#"(module
  (import "host" "negate" (func $negate (param i32) (result i32)))
  (type $op (func (param i32) (result i32)))
  (type $other (func (result i64)))
  (global $base (mut i32) (i32.const 0))
  (table 8 funcref)
  (elem (i32.const 1) $negate $double $triple)
  (elem (i32.const 4) $wide)
  (func $double (type $op) (i32.add (global.get $base) (i32.mul (local.get 0) (i32.const 2))))
  (func $triple (type $op) (i32.add (global.get $base) (i32.mul (local.get 0) (i32.const 3))))
  (func $wide (type $other) (i64.const 7))
  (func (export "call") (param $i i32) (param $x i32) (result i32)
    (call_indirect (type $op) (local.get $x) (local.get $i)))
  (func (export "tail") (param $i i32) (param $x i32) (result i32)
    (return_call_indirect (type $op) (local.get $x) (local.get $i)))
  (func (export "size") (result i32) (table.size))
  (func (export "set_base") (param i32) (global.set $base (local.get 0)))
)"#;

/// The engines to compare: the interpreter, compiled code, and tiering that compiles every
/// function at its second call.
fn engines() -> Vec<(&'static str, Engine)> {
    let mut out = Vec::new();
    let mut interp = Config::new();
    interp.strategy(Strategy::Interpreter);
    out.push(("interpreter", Engine::new(&interp)));
    #[cfg(feature = "compiler")]
    {
        let mut compiled = Config::new();
        compiled.strategy(Strategy::Compiler);
        out.push(("compiled", Engine::new(&compiled)));
        let mut tiered = Config::new();
        tiered
            .strategy(Strategy::Tiered)
            .tier_up_calls(1)
            .tier_up_iterations(1)
            .tier_up_in_background(false);
        out.push(("tiered", Engine::new(&tiered)));
    }
    out
}

/// A linker defining `host.negate`.
fn linker(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "negate", |_: Caller<'_, ()>, x: i32| -> i32 { -x })
        .unwrap();
    linker
}

/// `name(args)` of `instance` as an i32, or the trap's kind.
fn call(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    args: &[i32],
) -> Result<i32, TrapKind> {
    let f = instance.get_func(&*store, name).expect("exported");
    let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
    let mut out = vec![Val::I32(0); f.ty(&*store).results().len()];
    match f.call(&mut *store, &args, &mut out) {
        Ok(()) => Ok(out.first().and_then(|v| v.i32()).unwrap_or(0)),
        Err(e) => Err(e.as_trap().expect("a trap").kind()),
    }
}

/// Every element of CALL_ONLY's table through `call` and `tail`, twice (the second time
/// through elements already initialized), with base `base`.
fn check_calls(store: &mut Store<()>, instance: &Instance, base: i32, tier: &str) {
    call(store, instance, "set_base", &[base]).ok();
    for round in 0..2 {
        for export in ["call", "tail"] {
            let at = format!("{tier}, {export}, round {round}");
            let c = |store: &mut Store<()>, i: i32| call(store, instance, export, &[i, 5]);
            assert_eq!(c(store, 0), Err(TrapKind::UninitializedElement), "{at}");
            assert_eq!(c(store, 1), Ok(-5), "{at}");
            assert_eq!(c(store, 2), Ok(base + 10), "{at}");
            assert_eq!(c(store, 3), Ok(base + 15), "{at}");
            assert_eq!(c(store, 4), Err(TrapKind::IndirectCallTypeMismatch), "{at}");
            for null in 5..8 {
                assert_eq!(c(store, null), Err(TrapKind::UninitializedElement), "{at}");
            }
            assert_eq!(c(store, 8), Err(TrapKind::UndefinedElement), "{at}");
            assert_eq!(c(store, -1), Err(TrapKind::UndefinedElement), "{at}");
        }
    }
    assert_eq!(call(store, instance, "size", &[]), Ok(8), "{tier}");
}

#[test]
fn call_indirect_reaches_every_element_of_a_lazy_table_in_every_tier() {
    for (tier, engine) in engines() {
        let module = Module::new(&engine, CALL_ONLY).expect("valid");
        let linker = linker(&engine);
        // Several instances in one store (their functions at other store indices), then
        // stores one after another (recycling the first ones' element buffers).
        let mut store = Store::new(&engine, ());
        let a = linker
            .instantiate(&mut store, &module)
            .expect("instantiates");
        let b = linker
            .instantiate(&mut store, &module)
            .expect("instantiates");
        check_calls(&mut store, &b, 100, tier);
        check_calls(&mut store, &a, 1000, tier);
        drop(store);
        for base in [7, 70, 700] {
            let mut store = Store::new(&engine, ());
            let c = linker
                .instantiate(&mut store, &module)
                .expect("instantiates");
            check_calls(&mut store, &c, base, tier);
        }
    }
}

#[test]
fn a_recycled_table_buffer_holds_no_element_of_its_last_instance() {
    for (tier, engine) in engines() {
        let module = Module::new(&engine, CALL_ONLY).expect("valid");
        let linker = linker(&engine);
        // The later instances of a store have functions at higher store indices: an element
        // left over from one of them would name a function the next store does not have,
        // or another one.
        let mut store = Store::new(&engine, ());
        for _ in 0..20 {
            let i = linker
                .instantiate(&mut store, &module)
                .expect("instantiates");
            call(&mut store, &i, "set_base", &[3]).unwrap();
            assert_eq!(call(&mut store, &i, "call", &[2, 1]), Ok(5), "{tier}");
            assert_eq!(call(&mut store, &i, "call", &[3, 1]), Ok(6), "{tier}");
        }
        drop(store);
        for _ in 0..4 {
            let mut store = Store::new(&engine, ());
            let fresh = linker
                .instantiate(&mut store, &module)
                .expect("instantiates");
            call(&mut store, &fresh, "set_base", &[40]).unwrap();
            assert_eq!(call(&mut store, &fresh, "call", &[3, 1]), Ok(43), "{tier}");
            assert_eq!(call(&mut store, &fresh, "call", &[2, 1]), Ok(42), "{tier}");
            assert_eq!(
                call(&mut store, &fresh, "call", &[6, 1]),
                Err(TrapKind::UninitializedElement),
                "{tier}"
            );
        }
    }
}

/// A module whose table other instructions reach (so it is written at instantiation):
/// `get_is_null(i)`, `copy(d, s, n)`, `fill(d, n)` (with $triple), `grow(n)` (with null),
/// `call(i, x)`.
const TABLE_OPS: &str = r#"(module
  (type $op (func (param i32) (result i32)))
  (table 6 funcref)
  (elem (i32.const 1) $double $triple)
  (elem declare func $triple)
  (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $op) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "call") (param $i i32) (param $x i32) (result i32)
    (call_indirect (type $op) (local.get $x) (local.get $i)))
  (func (export "get_is_null") (param $i i32) (result i32)
    (ref.is_null (table.get (local.get $i))))
  (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
    (table.copy (local.get $d) (local.get $s) (local.get $n)))
  (func (export "fill") (param $d i32) (param $n i32)
    (table.fill (local.get $d) (ref.func $triple) (local.get $n)))
  (func (export "grow") (param $n i32) (result i32)
    (table.grow (ref.null func) (local.get $n)))
)"#;

#[test]
fn table_instructions_see_the_segments_of_a_table_never_called_through() {
    for (tier, engine) in engines() {
        let module = Module::new(&engine, TABLE_OPS).expect("valid");
        let linker = Linker::<()>::new(&engine);
        // The second and later instances are the ones a lazy table would serve.
        for _ in 0..3 {
            let mut store = Store::new(&engine, ());
            let i = linker
                .instantiate(&mut store, &module)
                .expect("instantiates");
            let is_null = |store: &mut Store<()>, at: i32| call(store, &i, "get_is_null", &[at]);
            assert_eq!(is_null(&mut store, 0), Ok(1), "{tier}");
            assert_eq!(is_null(&mut store, 1), Ok(0), "{tier}");
            assert_eq!(is_null(&mut store, 2), Ok(0), "{tier}");
            // Copy elements 1..3 (never called) over 3..5, then call them.
            call(&mut store, &i, "copy", &[3, 1, 2]).ok();
            assert_eq!(call(&mut store, &i, "call", &[3, 5]), Ok(10), "{tier}");
            assert_eq!(call(&mut store, &i, "call", &[4, 5]), Ok(15), "{tier}");
            // Copy a null over element 1.
            call(&mut store, &i, "copy", &[1, 0, 1]).ok();
            assert_eq!(
                call(&mut store, &i, "call", &[1, 5]),
                Err(TrapKind::UninitializedElement),
                "{tier}"
            );
            assert_eq!(call(&mut store, &i, "grow", &[2]), Ok(6), "{tier}");
            assert_eq!(is_null(&mut store, 7), Ok(1), "{tier}");
            call(&mut store, &i, "fill", &[6, 2]).ok();
            assert_eq!(call(&mut store, &i, "call", &[7, 5]), Ok(15), "{tier}");
            assert_eq!(call(&mut store, &i, "call", &[2, 5]), Ok(15), "{tier}");
        }
    }
}

/// CALL_ONLY with its table exported: the host reads and writes it.
#[test]
fn the_host_sees_the_segments_of_an_exported_table() {
    let exported = CALL_ONLY.replace("(table 8 funcref)", "(table (export \"t\") 8 funcref)");
    for (tier, engine) in engines() {
        let module = Module::new(&engine, &exported).expect("valid");
        let linker = linker(&engine);
        for _ in 0..3 {
            let mut store = Store::new(&engine, ());
            let i = linker
                .instantiate(&mut store, &module)
                .expect("instantiates");
            let t = i.get_table(&store, "t").expect("exported");
            assert!(
                matches!(t.get(&store, 0), Some(Val::FuncRef(None))),
                "{tier}"
            );
            for at in 1..4 {
                assert!(
                    matches!(t.get(&store, at), Some(Val::FuncRef(Some(_)))),
                    "{tier}"
                );
            }
            assert!(
                matches!(t.get(&store, 5), Some(Val::FuncRef(None))),
                "{tier}"
            );
            let Some(Val::FuncRef(Some(triple))) = t.get(&store, 3) else {
                panic!("{tier}: element 3 is a function");
            };
            t.set(&mut store, 6, Val::FuncRef(Some(triple))).unwrap();
            assert_eq!(call(&mut store, &i, "call", &[6, 5]), Ok(15), "{tier}");
            assert_eq!(call(&mut store, &i, "call", &[2, 5]), Ok(10), "{tier}");
        }
    }
}

/// A module with more code than is scanned on a first instantiation: its tables become
/// lazy from the second instance on; every instance calls the same.
#[test]
fn a_large_module_calls_the_same_before_and_after_its_tables_turn_lazy() {
    let padding = "(drop (i32.const 1000000))".repeat(14_000);
    let large = CALL_ONLY.replace(
        "(func (export \"size\")",
        &format!("(func $padding {padding})\n  (func (export \"size\")"),
    );
    for (tier, engine) in engines() {
        let module = Module::new(&engine, &large).expect("valid");
        let linker = linker(&engine);
        for base in 0..3 {
            let mut store = Store::new(&engine, ());
            let i = linker
                .instantiate(&mut store, &module)
                .expect("instantiates");
            check_calls(&mut store, &i, base, tier);
        }
    }
}

/// A module loaded from an AOT file (its bodies not validated again) gets lazy tables too,
/// and its stored code resolves their elements.
#[cfg(feature = "compiler")]
#[test]
fn a_module_loaded_from_an_aot_file_calls_through_lazy_tables() {
    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .native_code_key(Some(*b"lazy-tables-key!"));
    let engine = Engine::new(&config);
    let file = Module::new(&engine, CALL_ONLY)
        .expect("valid")
        .serialize_native()
        .expect("AOT file");
    let loaded = Module::new(&engine, &file).expect("loads");
    assert!(loaded.is_native() && loaded.native_code_warning().is_none());
    let linker = linker(&engine);
    for base in [1, 2, 3] {
        let mut store = Store::new(&engine, ());
        let i = linker
            .instantiate(&mut store, &loaded)
            .expect("instantiates");
        check_calls(&mut store, &i, base, "aot");
    }
}
