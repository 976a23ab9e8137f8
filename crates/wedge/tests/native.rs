//! The compiler tier through the embedding API: traps, host calls, stack limits, memory
//! growth, cross-instance calls and AOT files.
#![cfg(feature = "compiler")]

use wedge::*;

fn engine(strategy: Strategy) -> Engine {
    let mut config = Config::new();
    config
        .strategy(strategy)
        .native_code_key(Some(*b"native-test-key!"));
    Engine::new(&config)
}

fn jit() -> Engine {
    engine(Strategy::Compiler)
}

/// The compiler tier, inlining small callees or not.
fn jit_inlining(inlining: bool) -> Engine {
    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .inlining(inlining)
        .native_code_key(Some(*b"native-test-key!"));
    Engine::new(&config)
}

fn instance(engine: &Engine, store: &mut Store<()>, wat: &str) -> Instance {
    let module = Module::new(engine, wat).unwrap();
    assert!(module.is_native());
    Linker::new(engine).instantiate(store, &module).unwrap()
}

#[test]
fn traps_carry_kind_and_backtrace() {
    traps_carry_kind_and_backtrace_with(false);
    traps_carry_kind_and_backtrace_with(true);
}

fn traps_carry_kind_and_backtrace_with(inlining: bool) {
    let engine = jit_inlining(inlining);
    let mut store = Store::new(&engine, ());
    let wat = r#"(module
        (memory 1)
        (func $inner (export "inner") unreachable)
        (func $outer (export "outer") call $inner)
        (func $fill (export "fill") (memory.fill (i32.const 65530) (i32.const 0) (i32.const 10)))
        (func $call_fill (export "call_fill") call $fill)
        (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
        (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;
    let inst = instance(&engine, &mut store, wat);
    let outer = inst.get_func(&store, "outer").unwrap();
    let err = outer.call(&mut store, &[], &mut []).unwrap_err();
    let trap = err.as_trap().unwrap();
    assert_eq!(trap.kind(), TrapKind::Unreachable);
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["inner", "outer"]);
    // The same from an AOT file, which stores where inlined code came from.
    let file = Module::new(&engine, wat)
        .unwrap()
        .serialize_native()
        .unwrap();
    let loaded = Module::new(&engine, &file).unwrap();
    assert!(loaded.is_native() && loaded.native_code_warning().is_none());
    let mut aot_store = Store::new(&engine, ());
    let aot = Linker::new(&engine)
        .instantiate(&mut aot_store, &loaded)
        .unwrap();
    let err = aot
        .get_func(&aot_store, "outer")
        .unwrap()
        .call(&mut aot_store, &[], &mut [])
        .unwrap_err();
    let names: Vec<_> = err
        .as_trap()
        .unwrap()
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["inner", "outer"]);

    let err = inst
        .get_func(&store, "call_fill")
        .unwrap()
        .call(&mut store, &[], &mut [])
        .unwrap_err();
    let trap = err.as_trap().unwrap();
    assert_eq!(trap.kind(), TrapKind::MemoryOutOfBounds);
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["fill", "call_fill"]);

    let div = inst.get_typed_func::<i32, i32>(&store, "div").unwrap();
    assert_eq!(div.call(&mut store, 1).unwrap(), 1);
    let err = div.call(&mut store, 0).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::IntegerDivideByZero);
    let load = inst.get_typed_func::<i32, i32>(&store, "load").unwrap();
    let err = load.call(&mut store, 65533).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::MemoryOutOfBounds);
    assert_eq!(load.call(&mut store, 0).unwrap(), 0);
}

#[test]
fn host_functions_get_arguments_and_reenter_wasm() {
    let engine = jit();
    let mut store = Store::new(&engine, 0i64);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "mix",
            |mut c: Caller<'_, i64>, a: i32, b: i64, x: f32, y: f64, v: u128| -> (i64, u128) {
                *c.data_mut() += 1;
                let sum = a as i64 + b + x as i64 + y as i64;
                (sum, v.rotate_left(8))
            },
        )
        .unwrap();
    linker
        .func_wrap(
            "host",
            "again",
            |mut c: Caller<'_, i64>, n: i32| -> Result<i32, Trap> {
                let f = c.get_export("twice").unwrap().into_func().unwrap();
                let f = f
                    .typed::<i32, i32>(&c)
                    .map_err(|e| Trap::host(e.to_string()))?;
                f.call(&mut c, n).map_err(|e| match e {
                    Error::Trap(t) => t,
                    other => Trap::host(other.to_string()),
                })
            },
        )
        .unwrap();
    let wat = r#"(module
        (import "host" "mix" (func $mix (param i32 i64 f32 f64 v128) (result i64 v128)))
        (import "host" "again" (func $again (param i32) (result i32)))
        (func (export "mix") (result i64 i64)
            (call $mix (i32.const 1) (i64.const 2) (f32.const 3.5) (f64.const 4.5)
                       (v128.const i64x2 0x0102030405060708 0x1112131415161718))
            (i64x2.extract_lane 0))
        (func (export "twice") (param i32) (result i32)
            (if (i32.eq (local.get 0) (i32.const 13)) (then unreachable))
            (i32.mul (local.get 0) (i32.const 2)))
        (func (export "via_host") (param i32) (result i32)
            (i32.add (call $again (local.get 0)) (i32.const 1))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let mix = inst
        .get_typed_func::<(), (i64, i64)>(&store, "mix")
        .unwrap();
    assert_eq!(
        mix.call(&mut store, ()).unwrap(),
        (10, 0x0203040506070811u64 as i64)
    );
    assert_eq!(*store.data(), 1);
    let via = inst.get_typed_func::<i32, i32>(&store, "via_host").unwrap();
    assert_eq!(via.call(&mut store, 20).unwrap(), 41);
    // A trap inside the re-entered call unwinds both activations.
    let err = via.call(&mut store, 13).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::Unreachable);
    assert_eq!(via.call(&mut store, 1).unwrap(), 3);
}

#[test]
fn host_trap_stops_compiled_code() {
    let engine = jit();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "fail", |_: Caller<'_, ()>| -> Result<(), Trap> {
            Err(Trap::host("host says no"))
        })
        .unwrap();
    let wat = r#"(module (import "host" "fail" (func $fail))
        (func $f (export "f") (call $fail) unreachable))"#;
    let module = Module::new(&engine, wat).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let err = inst
        .get_func(&store, "f")
        .unwrap()
        .call(&mut store, &[], &mut [])
        .unwrap_err();
    let trap = err.as_trap().unwrap();
    assert_eq!(trap.kind(), TrapKind::Host);
    assert!(trap.to_string().starts_with("host says no"));
    assert_eq!(trap.backtrace()[0].func_name.as_deref(), Some("f"));
}

#[test]
fn deep_recursion_exhausts_the_stack_cleanly_on_small_threads() {
    let wat = r#"(module (func $f (export "f") (param i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 0))
          (else (i64.add (i64.const 1) (call $f (i64.sub (local.get 0) (i64.const 1))))))))"#;
    let handle = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let engine = jit();
            let mut store = Store::new(&engine, ());
            let inst = instance(&engine, &mut store, wat);
            let f = inst.get_typed_func::<i64, i64>(&store, "f").unwrap();
            assert_eq!(f.call(&mut store, 1000).unwrap(), 1000);
            let err = f.call(&mut store, 100_000_000).unwrap_err();
            let kind = err.as_trap().map(|t| t.kind());
            // The store is still usable afterwards.
            assert_eq!(f.call(&mut store, 10).unwrap(), 10);
            kind
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), Some(TrapKind::StackExhausted));
}

#[test]
fn max_wasm_stack_limits_recursion() {
    let wat = r#"(module (func $f (export "f") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $f (i32.sub (local.get 0) (i32.const 1))))))))"#;
    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .max_wasm_stack(64 * 1024);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let inst = instance(&engine, &mut store, wat);
    let f = inst.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, 100).unwrap(), 100);
    let err = f.call(&mut store, 100_000).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::StackExhausted);
}

#[test]
fn memory_growth_is_seen_by_compiled_code_and_the_host() {
    let engine = jit();
    let mut store = Store::new(&engine, ());
    let wat = r#"(module (memory (export "mem") 1)
        (func (export "grow_and_store") (param i32) (result i32)
            (local $old i32)
            (local.set $old (memory.grow (local.get 0)))
            (i32.store (i32.mul (memory.size) (i32.const 65536)) (i32.const 0))
            (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))
                       (i32.const 0x01020304))
            (local.get $old))
        (func (export "last") (result i32)
            (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))))"#;
    let inst = instance(&engine, &mut store, wat);
    let grow = inst.get_func(&store, "grow_and_store").unwrap();
    let mut out = [Val::I32(0)];
    // The store past the end traps after growing.
    let err = grow.call(&mut store, &[Val::I32(3)], &mut out).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::MemoryOutOfBounds);
    let mem = inst.get_memory(&store, "mem").unwrap();
    assert_eq!(mem.size(&store), 4);
    mem.write(&mut store, 4 * 65536 - 4, &[9, 0, 0, 0]).unwrap();
    let last = inst.get_typed_func::<(), i32>(&store, "last").unwrap();
    assert_eq!(last.call(&mut store, ()).unwrap(), 9);
    mem.grow(&mut store, 1).unwrap();
    mem.write(&mut store, 5 * 65536 - 4, &[7, 0, 0, 0]).unwrap();
    assert_eq!(last.call(&mut store, ()).unwrap(), 7);
}

/// 32-bit accesses are left to the guard pages: every out-of-bounds access, however far
/// (up to the largest static offset), faults and becomes a trap naming the function; the
/// same code then runs on normally.
#[test]
fn guard_pages_turn_out_of_bounds_accesses_into_traps() {
    guard_pages_turn_out_of_bounds_accesses_into_traps_with(false);
    guard_pages_turn_out_of_bounds_accesses_into_traps_with(true);
}

fn guard_pages_turn_out_of_bounds_accesses_into_traps_with(inlining: bool) {
    let engine = jit_inlining(inlining);
    let mut store = Store::new(&engine, ());
    let wat = r#"(module (memory (export "mem") 1 3)
        (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
        (func $far (export "far") (param i32) (result i64)
            (i64.load offset=0x7ffffff0 (local.get 0)))
        (func $store (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
        (func (export "via") (param i32) (result i32) (call $load (local.get 0))))"#;
    let inst = instance(&engine, &mut store, wat);
    let load = inst.get_typed_func::<i32, i32>(&store, "load").unwrap();
    let far = inst.get_typed_func::<i32, i64>(&store, "far").unwrap();
    let store8 = inst
        .get_typed_func::<(i32, i32), ()>(&store, "store")
        .unwrap();
    let via = inst.get_typed_func::<i32, i32>(&store, "via").unwrap();
    let kind = |e: Error| e.as_trap().unwrap().kind();
    for addr in [65533, 65536, 1 << 20, i32::MAX, -4, -1] {
        assert_eq!(
            kind(load.call(&mut store, addr).unwrap_err()),
            TrapKind::MemoryOutOfBounds
        );
        assert_eq!(
            kind(far.call(&mut store, addr).unwrap_err()),
            TrapKind::MemoryOutOfBounds
        );
    }
    assert_eq!(
        kind(store8.call(&mut store, (65536, 1)).unwrap_err()),
        TrapKind::MemoryOutOfBounds
    );
    let err = via.call(&mut store, -1).unwrap_err();
    let trap = err.as_trap().unwrap();
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone())
        .collect();
    assert_eq!(names, [Some("load".to_string()), None]);
    // Bytes of the last page and of grown pages are reachable; past the maximum is not.
    store8.call(&mut store, (65535, 7)).unwrap();
    assert_eq!(load.call(&mut store, 65532).unwrap(), 7 << 24);
    let mem = inst.get_memory(&store, "mem").unwrap();
    mem.grow(&mut store, 2).unwrap();
    store8.call(&mut store, (3 * 65536 - 1, 9)).unwrap();
    assert_eq!(mem.data(&store)[3 * 65536 - 1], 9);
    assert!(mem.grow(&mut store, 1).is_err());
    assert_eq!(
        kind(load.call(&mut store, 3 * 65536).unwrap_err()),
        TrapKind::MemoryOutOfBounds
    );
}

/// A shared memory's length is read afresh at every use: growth by another thread is seen
/// at once.
#[test]
fn shared_memory_growth_is_seen_by_compiled_code() {
    let engine = jit();
    let ty = MemoryType {
        minimum: 1,
        maximum: Some(4),
        shared: true,
        ..MemoryType::default()
    };
    let shared = SharedMemory::new(ty).unwrap();
    let wat = r#"(module (import "env" "mem" (memory 1 4 shared))
        (func (export "size") (result i32) (memory.size))
        (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;
    let module = Module::new(&engine, wat).unwrap();
    assert!(module.is_native());
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .define_shared_memory("env", "mem", shared.clone())
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let size = inst.get_typed_func::<(), i32>(&store, "size").unwrap();
    let peek = inst.get_typed_func::<i32, i32>(&store, "peek").unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 1);
    assert!(peek.call(&mut store, 65536).is_err());
    let other = shared.clone();
    std::thread::spawn(move || {
        other.grow(2).unwrap();
        other.write(2 * 65536, &[42]).unwrap();
    })
    .join()
    .unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 3);
    assert_eq!(peek.call(&mut store, 2 * 65536).unwrap(), 42);
}

#[test]
fn tables_call_across_instances_and_into_host_functions() {
    let engine = jit();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let add = Func::wrap(&mut store, |_: Caller<'_, ()>, a: i32, b: i32| a + b);
    linker.define(&store, "host", "add", add).unwrap();
    let a = r#"(module (table (export "t") 4 funcref)
        (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
        (elem (i32.const 0) $sub))"#;
    let module_a = Module::new(&engine, a).unwrap();
    let inst_a = linker.instantiate(&mut store, &module_a).unwrap();
    linker.instance(&store, "a", inst_a).unwrap();
    let b = r#"(module
        (import "a" "t" (table 4 funcref))
        (import "host" "add" (func $add (param i32 i32) (result i32)))
        (type $bin (func (param i32 i32) (result i32)))
        (elem (i32.const 1) $add)
        (func (export "call") (param i32 i32 i32) (result i32)
            (call_indirect (type $bin) (local.get 1) (local.get 2) (local.get 0))))"#;
    let module_b = Module::new(&engine, b).unwrap();
    let inst_b = linker.instantiate(&mut store, &module_b).unwrap();
    let call = inst_b
        .get_typed_func::<(i32, i32, i32), i32>(&store, "call")
        .unwrap();
    assert_eq!(call.call(&mut store, (0, 10, 3)).unwrap(), 7);
    assert_eq!(call.call(&mut store, (1, 10, 3)).unwrap(), 13);
    let err = call.call(&mut store, (2, 10, 3)).unwrap_err();
    assert_eq!(
        err.as_trap().unwrap().kind(),
        TrapKind::UninitializedElement
    );
    let err = call.call(&mut store, (9, 10, 3)).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::UndefinedElement);
    // A host function of the same type created later is callable through the table.
    let mul = Func::wrap(&mut store, |_: Caller<'_, ()>, a: i32, b: i32| a * b);
    let table = inst_a.get_table(&store, "t").unwrap();
    table.set(&mut store, 2, Val::FuncRef(Some(mul))).unwrap();
    assert_eq!(call.call(&mut store, (2, 10, 3)).unwrap(), 30);
}

#[test]
fn traps_on_many_threads_at_once_stay_on_their_thread() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        (if (i32.eqz (i32.rem_u (local.get 0) (i32.const 3))) (then unreachable))
        (i32.div_u (i32.const 100) (i32.rem_u (local.get 0) (i32.const 3)))))"#;
    let engine = jit();
    let module = Module::new(&engine, wat).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (engine, module) = (engine.clone(), module.clone());
            std::thread::spawn(move || {
                let mut store = Store::new(&engine, ());
                let inst = Linker::new(&engine)
                    .instantiate(&mut store, &module)
                    .unwrap();
                let f = inst.get_typed_func::<i32, i32>(&store, "f").unwrap();
                let mut traps = 0;
                for i in 0..3000 {
                    match f.call(&mut store, i) {
                        Ok(v) => assert_eq!(v, 100 / (i % 3)),
                        Err(e) => {
                            assert_eq!(e.as_trap().unwrap().kind(), TrapKind::Unreachable);
                            traps += 1;
                        }
                    }
                }
                traps
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 1000);
    }
}

#[test]
fn aot_files_load_without_compiling_and_fall_back_on_mismatch() {
    let wat = r#"(module (func $f (export "f") (param i32) (result i32)
        (i32.mul (local.get 0) (i32.const 3))))"#;
    let engine = jit();
    let module = Module::new(&engine, wat).unwrap();
    let file = module.serialize_native().unwrap();
    // Still a valid module for a runtime that ignores the section.
    let interp = engine_interp();
    let plain = Module::new(&interp, &file).unwrap();
    assert!(!plain.is_native());
    assert!(plain.native_code_warning().is_none());

    let loaded = Module::new(&engine, &file).unwrap();
    assert!(loaded.is_native());
    assert!(loaded.native_code_warning().is_none());
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &loaded)
        .unwrap();
    let f = inst.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, 14).unwrap(), 42);
    // Re-serializing replaces the section rather than stacking a second one.
    assert_eq!(loaded.serialize_native().unwrap(), file);

    // Code compiled with other settings (or by another version, for another CPU) is
    // compiled again, with a warning.
    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .interruptible(true)
        .native_code_key(Some(*b"native-test-key!"));
    let m = Module::new(&Engine::new(&config), &file).unwrap();
    assert!(m.is_native());
    assert!(m.native_code_warning().unwrap().contains("other settings"));
    // Editing the stamp breaks the signature.
    let stamp_at = find(&file, b"wedge 0.").unwrap();
    let mut other = file.clone();
    other[stamp_at + 6] = b'9';
    let m = Module::new(&engine, &other).unwrap();
    assert!(m.native_code_warning().unwrap().contains("signature"));

    // Native code pasted onto another module is refused.
    let module2 = Module::new(
        &engine,
        r#"(module (func $f (export "f") (param i32) (result i32)
            (i32.mul (local.get 0) (i32.const 5))))"#,
    )
    .unwrap();
    let original_len = module2.serialize_native().unwrap().len() - (file.len() - plain_len(&file));
    let mut pasted = module2.serialize_native().unwrap()[..original_len].to_vec();
    pasted.extend_from_slice(&file[plain_len(&file)..]);
    let m = Module::new(&engine, &pasted).unwrap();
    assert!(m.native_code_warning().unwrap().contains("signature"));
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let f = inst.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, 2).unwrap(), 10);

    // Files signed with another key, or read without one, are compiled again.
    for key in [Some(*b"another-key-here"), None] {
        let mut config = Config::new();
        config.strategy(Strategy::Compiler).native_code_key(key);
        let m = Module::new(&Engine::new(&config), &file).unwrap();
        assert!(m.is_native());
        let w = m.native_code_warning().unwrap();
        assert!(
            w.contains("signature") || w.contains("no native-code key"),
            "{w}"
        );
    }
    // Forged code with the right stamp and hash but no valid signature never runs.
    let mut forged = file.clone();
    let n = forged.len();
    forged[n - 20] ^= 0xff;
    let m = Module::new(&engine, &forged).unwrap();
    assert!(m.native_code_warning().unwrap().contains("signature"));

    // Every truncation of the section is rejected cleanly.
    for cut in (plain_len(&file) + 20..file.len()).step_by(61) {
        let mut t = file[..cut].to_vec();
        fix_section_size(&mut t, plain_len(&file));
        if let Ok(m) = Module::new(&engine, &t) {
            assert!(m.native_code_warning().is_some());
        }
    }
}

/// A file written by `wedge compile`, loaded with `Module::from_file_mapped`, runs its code
/// and the initial contents of its memory mapped from the file; writes stay private.
#[test]
fn aot_files_map_code_and_memory_images() {
    let wat = r#"(module (memory (export "mem") 2)
        (data (i32.const 10) "hello")
        (data (i32.const 70000) "world")
        (data (i32.const 12) "LL")
        (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
        (func (export "set") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#;
    let engine = jit();
    let file = Module::new(&engine, wat)
        .unwrap()
        .serialize_native()
        .unwrap();
    let path = std::env::temp_dir().join(format!("wedge-image-test-{}.wasm", std::process::id()));
    std::fs::write(&path, &file).unwrap();
    // SAFETY: the test owns the file and does not change it while the module lives.
    let module = unsafe { Module::from_file_mapped(&engine, &path) }.unwrap();
    assert!(module.is_native());
    assert!(module.native_code_warning().is_none());
    let run = |module: &Module| {
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, module)
            .unwrap();
        let get = inst.get_typed_func::<i32, i32>(&store, "get").unwrap();
        let set = inst
            .get_typed_func::<(i32, i32), ()>(&store, "set")
            .unwrap();
        let text: Vec<u8> = (10..15)
            .map(|a| get.call(&mut store, a).unwrap() as u8)
            .collect();
        assert_eq!(text, b"heLLo");
        assert_eq!(get.call(&mut store, 70004).unwrap(), b'd' as i32);
        assert_eq!(get.call(&mut store, 9000).unwrap(), 0);
        set.call(&mut store, (10, b'J' as i32)).unwrap();
        set.call(&mut store, (5000, 7)).unwrap();
        assert_eq!(get.call(&mut store, 10).unwrap(), b'J' as i32);
        let mem = inst.get_memory(&store, "mem").unwrap();
        assert_eq!(&mem.data(&store)[10..15], b"JeLLo");
        assert_eq!(mem.data(&store)[5000], 7);
        // The module, its code and the memory image are each mapped from the file.
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            maps.lines().filter(|l| l.contains(name)).count() >= 3,
            "{maps}"
        );
    };
    run(&module);
    // A second instance starts from the image again, and the file is unchanged.
    run(&module);
    assert_eq!(std::fs::read(&path).unwrap(), file);
    // An interpreting engine reads the same file as plain wasm.
    let interp = engine_interp();
    // SAFETY: as above.
    let plain = unsafe { Module::from_file_mapped(&interp, &path) }.unwrap();
    let mut store = Store::new(&interp, ());
    let inst = Linker::new(&interp)
        .instantiate(&mut store, &plain)
        .unwrap();
    let get = inst.get_typed_func::<i32, i32>(&store, "get").unwrap();
    assert_eq!(get.call(&mut store, 12).unwrap(), b'L' as i32);
    drop((module, plain, store));
    std::fs::remove_file(&path).unwrap();
}

fn engine_interp() -> Engine {
    engine(Strategy::Interpreter)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Length of the module before the `wedge.native` section (written by `wedge compile` with
/// a 5-byte section size).
fn plain_len(file: &[u8]) -> usize {
    let name = find(file, b"wedge.native").unwrap();
    // id byte, 5-byte size, name length byte, then the name.
    assert_eq!(file[name - 7], 0);
    name - 7
}

/// Rewrites the size of the last section (starting at `at`) to match the truncated file.
fn fix_section_size(file: &mut Vec<u8>, at: usize) {
    let mut p = at + 1;
    while file[p] & 0x80 != 0 {
        p += 1;
    }
    let rest = file.split_off(p + 1);
    file.truncate(at + 1);
    let mut v = rest.len() as u64;
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            file.push(b);
            break;
        }
        file.push(b | 0x80);
    }
    file.extend_from_slice(&rest);
}

#[test]
fn interruption_stops_compiled_loops_and_calls() {
    let mut config = Config::new();
    config.strategy(Strategy::Compiler).interruptible(true);
    let engine = Engine::new(&config);
    let wat = r#"(module
        (func (export "spin") (loop (br 0)))
        (func $r (export "recurse") (call $r)))"#;
    let mut store = Store::new(&engine, ());
    let inst = instance(&engine, &mut store, wat);
    let spin = inst.get_typed_func::<(), ()>(&store, "spin").unwrap();
    let deadline = store
        .interrupt_handle()
        .interrupt_after(std::time::Duration::from_millis(20));
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::Interrupted);
    drop(deadline);
    // The flag was cleared by the trap: an interrupt before the call stops it at entry.
    store.interrupt_handle().interrupt();
    let recurse = inst.get_typed_func::<(), ()>(&store, "recurse").unwrap();
    let err = recurse.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::Interrupted);
}

#[test]
fn metered_compiled_code_gives_back_what_a_trap_skips() {
    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .metering(true)
        .interruptible(true)
        .native_code_key(Some(*b"native-test-key!"));
    let engine = Engine::new(&config);
    let wat = r#"(module
        (memory 1)
        (func (export "spin") (loop (br 0)))
        ;; One segment of 5 operators (with the `end`); the load (the 2nd) traps.
        (func (export "oob") (result i32)
            i32.const 70000
            i32.load offset=65536
            drop
            i32.const 7)
        ;; memory.init traps in the runtime (a libcall) as the 4th of 6.
        (func (export "init")
            i32.const 0
            i32.const 0
            i32.const 100
            memory.init $d
            nop)
        (data $d "abc"))"#;
    let module = Module::new(&engine, wat).unwrap();
    assert!(module.is_native());
    // The same code through an AOT file carries the same refunds, and so does a tiered
    // engine (functions compiled when called a second time).
    let file = module.serialize_native().unwrap();
    let loaded = Module::new(&engine, &file).unwrap();
    let mut tiered = config.clone();
    tiered
        .strategy(Strategy::Tiered)
        .tier_up_calls(1)
        .tier_up_iterations(1)
        .tier_up_in_background(false);
    let tiered = Engine::new(&tiered);
    let tiered_module = Module::new(&tiered, wat).unwrap();
    let runs = [
        (engine.clone(), module),
        (engine.clone(), loaded),
        (tiered.clone(), tiered_module.clone()),
    ];
    for (engine, module) in runs {
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let trap = |store: &mut Store<()>, name: &str| {
            let f = inst.get_func(&*store, name).unwrap();
            let mut results = vec![Val::I32(0); f.ty(&*store).results().len()];
            let err = f.call(&mut *store, &[], &mut results).unwrap_err();
            err.as_trap().unwrap().kind()
        };
        // Interrupted at the entry: the entry segment is charged and given back.
        store.interrupt_handle().interrupt();
        assert_eq!(trap(&mut store, "spin"), TrapKind::Interrupted);
        assert_eq!((store.gas_used(), store.instruction_count()), (0, 0));
        // Interrupted at the loop head after some iterations: `loop` once, `br` per turn.
        let deadline = store
            .interrupt_handle()
            .interrupt_after(std::time::Duration::from_millis(20));
        assert_eq!(trap(&mut store, "spin"), TrapKind::Interrupted);
        drop(deadline);
        assert!(store.gas_used() >= 1);
        assert_eq!(store.gas_used(), store.instruction_count());
        store.reset_meter();
        assert_eq!(trap(&mut store, "oob"), TrapKind::MemoryOutOfBounds);
        assert_eq!((store.gas_used(), store.instruction_count()), (2, 2));
        store.reset_meter();
        assert_eq!(trap(&mut store, "init"), TrapKind::MemoryOutOfBounds);
        assert_eq!((store.gas_used(), store.instruction_count()), (4, 4));
        // Out of gas: the segment that does not fit charges nothing.
        store.reset_meter();
        store.set_gas_limit(Some(4));
        assert_eq!(trap(&mut store, "oob"), TrapKind::GasExhausted);
        assert_eq!((store.gas_used(), store.instruction_count()), (0, 0));
    }
    // `spin` and `oob`, called twice, got compiled (and ran compiled in the run above:
    // both tiers count alike).
    assert_eq!(tiered_module.native_function_count(), 2);
}

#[test]
fn a_panicking_host_function_panics_through_compiled_code() {
    let engine = jit();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "boom", |_: Caller<'_, ()>| -> i32 {
            panic!("boom")
        })
        .unwrap();
    let wat = r#"(module (import "host" "boom" (func $boom (result i32)))
        (func (export "f") (result i32) (i32.add (call $boom) (i32.const 1))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let f = inst.get_typed_func::<(), i32>(&store, "f").unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.call(&mut store, ())));
    let payload = r.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    // Nothing was left behind: the next trap is reported normally.
    let wat = r#"(module (func (export "u") unreachable))"#;
    let inst = instance(&engine, &mut store, wat);
    let u = inst.get_typed_func::<(), ()>(&store, "u").unwrap();
    let err = u.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::Unreachable);
}
