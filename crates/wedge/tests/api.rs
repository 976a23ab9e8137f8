//! The embedding API end to end: host functions, callers, memory, re-entry, limits.

use wedge::*;

fn instantiate<T: 'static>(linker: &Linker<T>, store: &mut Store<T>, wat: &str) -> Instance {
    let module = Module::new(store.engine(), wat).expect("module is valid");
    linker.instantiate(store, &module).expect("instantiates")
}

#[test]
fn host_function_reads_and_writes_caller_memory() {
    let engine = Engine::default();
    let mut linker = Linker::<Vec<String>>::new(&engine);
    linker
        .func_wrap(
            "env",
            "log",
            |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| {
                let memory = caller
                    .get_export("memory")
                    .and_then(Extern::into_memory)
                    .unwrap();
                let mut buf = vec![0u8; len as usize];
                memory.read(&caller, ptr as usize, &mut buf).unwrap();
                caller.data_mut().push(String::from_utf8(buf).unwrap());
                memory.write(&mut caller, ptr as usize, b"HELLO").unwrap();
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = instantiate(
        &linker,
        &mut store,
        r#"(module (import "env" "log" (func $log (param i32 i32)))
             (memory (export "memory") 1) (data (i32.const 16) "hello")
             (func (export "run") (result i32)
               (call $log (i32.const 16) (i32.const 5)) (i32.load8_u (i32.const 16))))"#,
    );
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), b'H' as i32);
    assert_eq!(store.data(), &vec!["hello".to_string()]);
}

#[test]
fn host_trap_propagates_with_message() {
    let engine = Engine::default();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("env", "fail", |_: Caller<'_, ()>| -> Result<(), Trap> {
            Err(Trap::host("the host said no"))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = instantiate(
        &linker,
        &mut store,
        r#"(module (import "env" "fail" (func $fail)) (func (export "run") (call $fail)))"#,
    );
    let run = instance.get_func(&store, "run").unwrap();
    let err = run.call(&mut store, &[], &mut []).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.kind(), TrapKind::Host);
    assert!(trap.to_string().contains("the host said no"));
    assert_eq!(trap.backtrace()[0].func_index, 1);
}

#[test]
fn host_can_call_back_into_wasm() {
    let engine = Engine::default();
    let mut linker = Linker::<Option<Func>>::new(&engine);
    linker
        .func_wrap(
            "env",
            "twice",
            |mut caller: Caller<'_, Option<Func>>, x: i32| {
                let callback = caller.data().expect("callback set");
                let mut out = [Val::I32(0)];
                callback
                    .call(&mut caller, &[Val::I32(x)], &mut out)
                    .unwrap();
                out[0].i32().unwrap() * 2
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, None);
    let instance = instantiate(
        &linker,
        &mut store,
        r#"(module (import "env" "twice" (func $twice (param i32) (result i32)))
             (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
             (func (export "run") (param i32) (result i32) (call $twice (local.get 0))))"#,
    );
    *store.data_mut() = instance.get_func(&store, "inc");
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 20).unwrap(), 42);
}

#[test]
fn deep_recursion_traps_on_a_small_host_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(|| {
            let engine = Engine::default();
            let mut store = Store::new(&engine, ());
            let instance = instantiate(
                &Linker::new(&engine),
                &mut store,
                r#"(module (func $f (export "f") (param i64) (result i64)
                     (i64.add (call $f (i64.add (local.get 0) (i64.const 1))) (i64.const 1))))"#,
            );
            let f = instance.get_typed_func::<i64, i64>(&store, "f").unwrap();
            let err = f.call(&mut store, 0).unwrap_err();
            err.as_trap().map(|t| t.kind())
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), Some(TrapKind::StackExhausted));
}

#[test]
fn call_depth_limit_is_configurable() {
    let wat = r#"(module (func $f (export "f") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $f (i32.sub (local.get 0) (i32.const 1))))))))"#;
    let mut config = Config::new();
    config.max_call_depth(100).strategy(Strategy::Interpreter);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let instance = instantiate(&Linker::new(&engine), &mut store, wat);
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, 90).unwrap(), 90);
    let err = f.call(&mut store, 200).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::StackExhausted);
    // The store stays usable after a trap.
    assert_eq!(f.call(&mut store, 10).unwrap(), 10);
}

#[test]
fn lazy_translation_defers_work_and_eager_does_it_upfront() {
    let wat = r#"(module (func (export "a") (result i32) (i32.const 1))
                         (func (export "b") (result i32) (i32.const 2)))"#;
    let mut lazy = Config::new();
    lazy.strategy(Strategy::Interpreter);
    let engine = Engine::new(&lazy);
    let module = Module::new(&engine, wat).unwrap();
    assert_eq!(module.translated_function_count(), 0);
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let b = instance.get_typed_func::<(), i32>(&store, "b").unwrap();
    assert_eq!(b.call(&mut store, ()).unwrap(), 2);
    assert_eq!(module.translated_function_count(), 1);

    let mut eager = Config::new();
    eager
        .eager_translation(true)
        .strategy(Strategy::Interpreter);
    let engine = Engine::new(&eager);
    let module = Module::new(&engine, wat).unwrap();
    assert_eq!(module.translated_function_count(), 2);
}

#[test]
fn invalid_module_error_names_offset() {
    let engine = Engine::default();
    let err = Module::new(&engine, b"\0asm\x01\0\0\0\x01\x05").unwrap_err();
    match err {
        Error::Invalid { offset, .. } => assert!(offset > 0),
        other => panic!("unexpected error {other:?}"),
    }
    assert!(matches!(
        Module::new(&engine, "(module (func (result i32)))"),
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        Module::new(&engine, "(module (fun))"),
        Err(Error::Wat(_))
    ));
}

#[test]
fn typed_func_checks_signature() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let instance = instantiate(
        &Linker::new(&engine),
        &mut store,
        r#"(module (func (export "f") (param i32) (result i32) (local.get 0)))"#,
    );
    assert!(instance.get_typed_func::<i64, i32>(&store, "f").is_err());
    assert!(instance.get_typed_func::<i32, ()>(&store, "f").is_err());
    let f = instance.get_func(&store, "f").unwrap();
    let mut out = [Val::I32(0)];
    assert!(matches!(
        f.call(&mut store, &[Val::I64(1)], &mut out),
        Err(Error::Type(_))
    ));
}

#[test]
fn globals_tables_and_memories_are_shared_across_instances() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let producer = instantiate(
        &linker,
        &mut store,
        r#"(module (global (export "g") (mut i32) (i32.const 7)) (memory (export "m") 1)
             (table (export "t") 2 funcref) (func $f (result i32) (i32.const 99)) (elem (i32.const 1) $f))"#,
    );
    linker.instance(&store, "p", producer).unwrap();
    let consumer = instantiate(
        &linker,
        &mut store,
        r#"(module (import "p" "g" (global $g (mut i32))) (import "p" "m" (memory 1))
             (import "p" "t" (table 2 funcref)) (type $t (func (result i32)))
             (func (export "run") (result i32)
               (global.set $g (i32.add (global.get $g) (i32.const 1)))
               (i32.store (i32.const 0) (i32.const 5))
               (call_indirect (type $t) (i32.const 1))))"#,
    );
    let run = consumer.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 99);
    assert_eq!(
        producer.get_global(&store, "g").unwrap().get(&store),
        Val::I32(8)
    );
    assert_eq!(producer.get_memory(&store, "m").unwrap().data(&store)[0], 5);
}

#[test]
fn store_has_user_data() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, String::from("ctx"));
    store.data_mut().push('!');
    assert_eq!(store.into_data(), "ctx!");
}

#[test]
fn overloads_bind_by_the_import_type() {
    let engine = Engine::default();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("env", "f", |_: Caller<'_, ()>, x: i32| x + 1)
        .unwrap();
    linker
        .func_wrap_overload("env", "f", |_: Caller<'_, ()>, x: i32, y: i32| x * y)
        .unwrap();
    // The same type twice, or an overload of nothing, is refused.
    assert!(linker
        .func_wrap_overload("env", "f", |_: Caller<'_, ()>, x: i32| x)
        .is_err());
    assert!(linker
        .func_wrap_overload("env", "g", |_: Caller<'_, ()>, x: i32| x)
        .is_err());
    let mut store = Store::new(&engine, ());
    // One module imports both signatures under the one name.
    let instance = instantiate(
        &linker,
        &mut store,
        r#"(module
             (import "env" "f" (func $one (param i32) (result i32)))
             (import "env" "f" (func $two (param i32 i32) (result i32)))
             (func (export "run") (result i32)
               (i32.add (call $one (i32.const 9)) (call $two (i32.const 6) (i32.const 7)))))"#,
    );
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 10 + 42);
    // A type that matches no overload is a link error naming the import.
    let module = Module::new(&engine, r#"(module (import "env" "f" (func (param i64))))"#).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(err.to_string().contains("env::f"), "{err}");
}
