//! Multi-memory, memory64 (with 64-bit tables) and custom page sizes through the embedding
//! API.

use wedge::*;

fn instantiate(config: &Config, wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat).expect("module is valid");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    (store, instance)
}

#[test]
fn bulk_copy_and_loads_across_memories() {
    let (mut store, instance) = instantiate(
        &Config::new(),
        r#"(module
          (memory $a (export "a") 1)
          (memory $b (export "b") 2)
          (data (memory $a) (i32.const 10) "wedge")
          (func (export "copy") (memory.copy $b $a (i32.const 65540) (i32.const 10) (i32.const 5)))
          (func (export "peek") (result i32) (i32.load8_u $b offset=65540 (i32.const 0)))
          (func (export "fill") (memory.fill $b (i32.const 131071) (i32.const 7) (i32.const 2))))"#,
    );
    let copy = instance.get_typed_func::<(), ()>(&store, "copy").unwrap();
    copy.call(&mut store, ()).unwrap();
    let b = instance.get_memory(&store, "b").unwrap();
    assert_eq!(&b.data(&store)[65540..65545], b"wedge");
    let peek = instance.get_typed_func::<(), i32>(&store, "peek").unwrap();
    assert_eq!(peek.call(&mut store, ()).unwrap(), b'w' as i32);
    let fill = instance.get_typed_func::<(), ()>(&store, "fill").unwrap();
    let err = fill.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::MemoryOutOfBounds);
    let a = instance.get_memory(&store, "a").unwrap();
    assert_eq!(&a.data(&store)[10..15], b"wedge", "memory a is untouched");
}

#[test]
fn memory64_addresses_are_not_truncated() {
    let (mut store, instance) = instantiate(
        &Config::new(),
        r#"(module
          (memory (export "m") i64 1)
          (func (export "load") (param i64) (result i32) (i32.load (local.get 0)))
          (func (export "store_high") (i32.store offset=0x1_0000_0000 (i64.const 0) (i32.const 1)))
          (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
          (func (export "size") (result i64) (memory.size)))"#,
    );
    let load = instance.get_typed_func::<i64, i32>(&store, "load").unwrap();
    let m = instance.get_memory(&store, "m").unwrap();
    m.write(&mut store, 4, &9i32.to_le_bytes()).unwrap();
    assert_eq!(load.call(&mut store, 4).unwrap(), 9);
    // 2^32 + 4 would wrap to 4 if the address were truncated to 32 bits.
    let err = load.call(&mut store, (1 << 32) + 4).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::MemoryOutOfBounds);
    let store_high = instance
        .get_typed_func::<(), ()>(&store, "store_high")
        .unwrap();
    assert!(store_high.call(&mut store, ()).is_err());
    let grow = instance.get_typed_func::<i64, i64>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 2).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1 << 40).unwrap(), -1);
    let size = instance.get_typed_func::<(), i64>(&store, "size").unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 3);
    assert!(m.ty(&store).memory64);
}

#[test]
fn table64_indices_are_not_truncated() {
    let (mut store, instance) = instantiate(
        &Config::new(),
        r#"(module
          (type $t (func (result i32)))
          (table i64 2 funcref)
          (elem (table 0) (i64.const 1) func $one)
          (func $one (result i32) (i32.const 1))
          (func (export "call") (param i64) (result i32) (call_indirect (type $t) (local.get 0)))
          (func (export "grow") (param i64) (result i64) (table.grow (ref.null func) (local.get 0)))
          (func (export "size") (result i64) (table.size)))"#,
    );
    let call = instance.get_typed_func::<i64, i32>(&store, "call").unwrap();
    assert_eq!(call.call(&mut store, 1).unwrap(), 1);
    let err = call.call(&mut store, (1 << 32) + 1).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::UndefinedElement);
    let grow = instance.get_typed_func::<i64, i64>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 1 << 33).unwrap(), -1);
    assert_eq!(grow.call(&mut store, 3).unwrap(), 2);
    let size = instance.get_typed_func::<(), i64>(&store, "size").unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 5);
}

#[test]
fn one_byte_pages_grow_byte_by_byte() {
    let mut config = Config::new();
    config.wasm_feature(Feature::CustomPageSizes, true);
    let (mut store, instance) = instantiate(
        &config,
        r#"(module
          (memory (export "m") 3 5 (pagesize 1))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "store") (param i32) (i32.store8 (local.get 0) (i32.const 1))))"#,
    );
    let m = instance.get_memory(&store, "m").unwrap();
    assert_eq!((m.size(&store), m.data_size(&store)), (3, 3));
    assert_eq!(m.ty(&store).page_size(), 1);
    let store8 = instance.get_typed_func::<i32, ()>(&store, "store").unwrap();
    assert!(store8.call(&mut store, 3).is_err());
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 2).unwrap(), 3);
    store8.call(&mut store, 4).unwrap();
    assert_eq!(m.data(&store), &[0, 0, 0, 0, 1]);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
}

#[test]
fn memory_types_must_match_on_import() {
    let mut config = Config::new();
    config.wasm_feature(Feature::CustomPageSizes, true);
    let engine = Engine::new(&config);
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(
        &mut store,
        MemoryType {
            minimum: 1,
            ..MemoryType::default()
        },
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "env", "m", memory).unwrap();
    for wat in [
        r#"(module (import "env" "m" (memory i64 1)))"#,
        r#"(module (import "env" "m" (memory 1 (pagesize 1))))"#,
        r#"(module (import "env" "m" (memory 1 1 shared)))"#,
    ] {
        let module = Module::new(&engine, wat).unwrap();
        let err = linker.instantiate(&mut store, &module).unwrap_err();
        assert!(matches!(err, Error::Link(_)), "{wat}: {err}");
    }
    let ok = Module::new(&engine, r#"(module (import "env" "m" (memory 1)))"#).unwrap();
    linker.instantiate(&mut store, &ok).unwrap();
}

/// A module with more than 64 KiB of data maps its memory images from an in-memory file made
/// on its second instantiation (the first copies): every instance (in either tier) starts from the segments, in
/// segment order, its writes stay its own, and a memory whose segment offset is an imported
/// global is filled by copying as before.
#[test]
fn large_data_segments_are_mapped_copy_on_write() {
    let big = "ab".repeat(40_000); // 80,000 bytes
    let wat = format!(
        r#"(module
          (import "env" "at" (global $at i32))
          (memory (export "mem") 4)
          (memory (export "other") 1)
          (data (i32.const 100) "{big}")
          (data (i32.const 150000) "tail")
          (data (i32.const 101) "XY")
          (data (memory 1) (global.get $at) "by global")
          (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0))))"#
    );
    for strategy in [Strategy::Interpreter, Strategy::Auto] {
        let mut config = Config::new();
        config.strategy(strategy);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, &wat).unwrap();
        let mut stores = Vec::new();
        for round in 0..3u8 {
            let mut store = Store::new(&engine, ());
            let at = Global::new(
                &mut store,
                GlobalType {
                    content: ValType::I32,
                    mutability: Mutability::Const,
                },
                Val::I32(7 + round as i32),
            )
            .unwrap();
            let mut linker = Linker::new(&engine);
            linker.define(&store, "env", "at", at).unwrap();
            let inst = linker.instantiate(&mut store, &module).unwrap();
            let mem = inst.get_memory(&store, "mem").unwrap();
            let data = mem.data(&store);
            assert_eq!(&data[98..106], b"\0\0aXYbab", "{strategy:?} round {round}");
            assert_eq!(&data[100 + 79_996..100 + 80_002], b"abab\0\0");
            assert_eq!(&data[150_000..150_004], b"tail");
            assert!(data[..100].iter().all(|b| *b == 0));
            let get = inst.get_typed_func::<i32, i32>(&store, "get").unwrap();
            assert_eq!(get.call(&mut store, 150_001).unwrap(), b'a' as i32);
            // This instance's writes are its own.
            mem.data_mut(&mut store)[100..104].copy_from_slice(b"MINE");
            mem.data_mut(&mut store)[200_000] = 9;
            let other = inst.get_memory(&store, "other").unwrap();
            let at = 7 + round as usize;
            assert_eq!(&other.data(&store)[at..at + 9], b"by global");
            stores.push((store, mem));
        }
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        assert!(
            maps.contains("memfd:wedge-memory-image"),
            "the image is mapped, not copied: {maps}"
        );
        for (store, mem) in &stores {
            assert_eq!(&mem.data(store)[100..104], b"MINE");
            assert_eq!(mem.data(store)[200_000], 9);
        }
    }
}
