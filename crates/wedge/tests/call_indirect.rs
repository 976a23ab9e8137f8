//! `call_indirect` sees every change to its table: elements set or grown by wasm or by the
//! host (even in the middle of a call), shared tables, other instances' functions. (The
//! interpreter caches table 0's elements and recently called targets.)

use wedge::*;

/// Table 0 holds $double at 0 and $triple at 1; `call(i, x)` calls element `i` on `x`;
/// `set(i, f)` stores $double (f = 0) or $triple (f = 1) at `i`; `grow(n)` grows the table
/// by `n` elements of $triple; `grow_then_call(i, x)` grows it by 1000, sets element 0 to
/// $triple and calls element `i`; `host_then_call(i, x)` calls the host, then element `i`.
const MODULE: &str = r#"(module
  (import "env" "poke" (func $poke))
  (type $op (func (param i32) (result i32)))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $double $triple)
  (elem declare func $double $triple)
  (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $op) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "call") (param $i i32) (param $x i32) (result i32)
    (call_indirect (type $op) (local.get $x) (local.get $i)))
  (func (export "set") (param $i i32) (param $f i32)
    (table.set (local.get $i)
      (select (result funcref) (ref.func $triple) (ref.func $double) (local.get $f))))
  (func (export "grow") (param $n i32) (result i32)
    (table.grow (ref.func $triple) (local.get $n)))
  (func (export "grow_then_call") (param $i i32) (param $x i32) (result i32)
    (drop (table.grow (ref.func $triple) (i32.const 1000)))
    (table.set (i32.const 0) (ref.func $triple))
    (call_indirect (type $op) (local.get $x) (local.get $i)))
  (func (export "host_then_call") (param $i i32) (param $x i32) (result i32)
    (call $poke)
    (call_indirect (type $op) (local.get $x) (local.get $i)))
  (func (export "twice") (param $i i32) (param $x i32) (result i32)
    (call_indirect (type $op) (local.get $x) (local.get $i))
    (table.set (local.get $i) (ref.func $triple))
    (call_indirect (type $op) (local.get $i)))
)"#;

/// What the host's `poke` does to the table the module exports.
#[derive(Default)]
struct Host {
    table: Option<Table>,
    grow_by: u64,
    set_at: Option<(u64, Func)>,
}

/// The interpreter, whose caches these tests are about.
fn interpreter() -> Engine {
    let mut config = Config::new();
    config.strategy(Strategy::Interpreter);
    Engine::new(&config)
}

fn setup() -> (Store<Host>, Instance) {
    let engine = interpreter();
    let mut linker = Linker::<Host>::new(&engine);
    linker
        .func_wrap("env", "poke", |mut caller: Caller<'_, Host>| {
            let table = caller.data().table.expect("table");
            let grow_by = caller.data().grow_by;
            if grow_by > 0 {
                let init = table.get(&caller, 0).expect("element 0");
                table.grow(&mut caller, grow_by, init).expect("grows");
            }
            if let Some((at, f)) = caller.data_mut().set_at.take() {
                table
                    .set(&mut caller, at, Val::FuncRef(Some(f)))
                    .expect("sets");
            }
        })
        .unwrap();
    let mut store = Store::new(&engine, Host::default());
    let module = Module::new(&engine, MODULE).expect("valid");
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");
    store.data_mut().table = instance.get_table(&store, "table");
    (store, instance)
}

fn call(store: &mut Store<Host>, instance: &Instance, name: &str, i: i32, x: i32) -> i32 {
    let f = instance
        .get_typed_func::<(i32, i32), i32>(&*store, name)
        .unwrap();
    f.call(store, (i, x)).unwrap()
}

#[test]
fn elements_set_by_wasm_are_called() {
    let (mut store, instance) = setup();
    let set = instance
        .get_typed_func::<(i32, i32), ()>(&store, "set")
        .unwrap();
    assert_eq!(call(&mut store, &instance, "call", 0, 5), 10);
    set.call(&mut store, (0, 1)).unwrap();
    assert_eq!(call(&mut store, &instance, "call", 0, 5), 15);
    set.call(&mut store, (0, 0)).unwrap();
    assert_eq!(call(&mut store, &instance, "call", 0, 5), 10);
    // Within one call: the second call_indirect of the same index sees the new element.
    assert_eq!(call(&mut store, &instance, "twice", 0, 4), 24);
}

#[test]
fn elements_grown_by_wasm_are_called() {
    let (mut store, instance) = setup();
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    let f = instance
        .get_typed_func::<(i32, i32), i32>(&store, "call")
        .unwrap();
    let set = instance
        .get_typed_func::<(i32, i32), ()>(&store, "set")
        .unwrap();
    let trap = f.call(&mut store, (2, 1)).unwrap_err();
    assert_eq!(trap.as_trap().unwrap().kind(), TrapKind::UndefinedElement);
    for n in 0..100 {
        assert_eq!(grow.call(&mut store, 1000).unwrap(), 2 + 1000 * n);
        assert_eq!(f.call(&mut store, (2 + 1000 * n + 999, 7)).unwrap(), 21);
        // An element that was there before the table moved, changed after.
        set.call(&mut store, (0, n % 2)).unwrap();
        assert_eq!(f.call(&mut store, (0, 7)).unwrap(), 14 + 7 * (n % 2));
    }
    // Growing and calling within one call.
    for _ in 0..20 {
        set.call(&mut store, (0, 0)).unwrap();
        assert_eq!(call(&mut store, &instance, "grow_then_call", 0, 7), 21);
        let size = store.data().table.unwrap().size(&store) as i32;
        assert_eq!(
            call(&mut store, &instance, "grow_then_call", size + 999, 7),
            21
        );
    }
}

#[test]
fn elements_grown_and_set_by_the_host_during_a_call_are_called() {
    let (mut store, instance) = setup();
    let double = {
        let table = store.data().table.unwrap();
        match table.get(&store, 0) {
            Some(Val::FuncRef(Some(f))) => f,
            other => panic!("element 0 is {other:?}"),
        }
    };
    // Warm the targets up, then let the host move the elements while wasm runs.
    assert_eq!(call(&mut store, &instance, "host_then_call", 1, 3), 9);
    store.data_mut().grow_by = 100_000;
    store.data_mut().set_at = Some((1, double));
    assert_eq!(call(&mut store, &instance, "host_then_call", 100_001, 3), 6);
    assert_eq!(call(&mut store, &instance, "call", 1, 3), 6);
    let trap = instance
        .get_typed_func::<(i32, i32), i32>(&store, "call")
        .unwrap()
        .call(&mut store, (200_002, 3))
        .unwrap_err();
    assert_eq!(trap.as_trap().unwrap().kind(), TrapKind::UndefinedElement);
}

#[test]
fn functions_of_another_instance_in_a_shared_table_are_called() {
    let engine = interpreter();
    let mut linker = Linker::<()>::new(&engine);
    let mut store = Store::new(&engine, ());
    let provider = Module::new(
        &engine,
        r#"(module
             (type $op (func (param i32) (result i32)))
             (table (export "table") 4 funcref)
             (memory 1)
             (elem (i32.const 0) $inc $load)
             (func $inc (type $op) (i32.add (local.get 0) (i32.const 1)))
             ;; reads its own memory, so a switch of instance must switch memories
             (func $load (type $op) (i32.add (local.get 0) (i32.load8_u (i32.const 0))))
             (data (i32.const 0) "\2a"))"#,
    )
    .unwrap();
    let provider = linker.instantiate(&mut store, &provider).unwrap();
    linker.instance(&mut store, "p", provider).unwrap();
    let user = Module::new(
        &engine,
        r#"(module
             (type $op (func (param i32) (result i32)))
             (import "p" "table" (table 4 funcref))
             (memory 1)
             (elem (i32.const 2) $neg $load)
             (func $neg (type $op) (i32.sub (i32.const 0) (local.get 0)))
             (func $load (type $op) (i32.add (local.get 0) (i32.load8_u (i32.const 0))))
             (data (i32.const 0) "\07")
             (func (export "call") (param $i i32) (param $x i32) (result i32)
               (call_indirect (type $op) (local.get $x) (local.get $i))))"#,
    )
    .unwrap();
    let user = linker.instantiate(&mut store, &user).unwrap();
    let f = user
        .get_typed_func::<(i32, i32), i32>(&store, "call")
        .unwrap();
    for _ in 0..3 {
        assert_eq!(f.call(&mut store, (0, 10)).unwrap(), 11);
        assert_eq!(f.call(&mut store, (1, 10)).unwrap(), 10 + 42);
        assert_eq!(f.call(&mut store, (2, 10)).unwrap(), -10);
        assert_eq!(f.call(&mut store, (3, 10)).unwrap(), 10 + 7);
    }
}

/// A loop of `call_indirect`s that take the slow path (the target is a host function, never
/// cached), and of other slow operations, runs in constant host stack: each slow call hands over to the next instruction's
/// handler instead of calling it, so two million of them in a thread with a small stack end
/// normally (they used to overflow the host stack and abort the process).
#[test]
fn slow_indirect_calls_run_in_constant_host_stack() {
    const LOOP: &str = r#"(module
      (import "env" "tick" (func $tick (result i32)))
      (type $t (func (result i32)))
      (table 1 funcref)
      (memory 1)
      (elem (i32.const 0) $tick)
      (elem declare func $tick)
      (func (export "run") (param $n i32) (result i32) (local $i i32) (local $sum i32)
        (loop $l
          (local.set $sum (i32.add (local.get $sum) (call_indirect (type $t) (i32.const 0))))
          ;; Other slow paths: a host call, a call through a reference, growing memory
          ;; and tables, table access.
          (drop (call $tick))
          (drop (call_ref $t (ref.func $tick)))
          (drop (memory.grow (i32.const 0)))
          (drop (table.grow (ref.func $tick) (i32.const 0)))
          (table.set (i32.const 0) (table.get (i32.const 0)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $sum)))"#;
    let sum = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let engine = interpreter();
            let module = Module::new(&engine, LOOP).unwrap();
            let mut store = Store::new(&engine, ());
            let mut linker = Linker::new(&engine);
            linker
                .func_wrap("env", "tick", |_: Caller<'_, ()>| 1i32)
                .unwrap();
            let instance = linker.instantiate(&mut store, &module).unwrap();
            let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
            run.call(&mut store, 2_000_000).unwrap()
        })
        .unwrap()
        .join()
        .expect("the loop must not overflow the host stack");
    assert_eq!(sum, 2_000_000);
}
