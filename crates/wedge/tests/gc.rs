//! The GC heap: bounded memory for garbage-heavy programs and precise roots (frames,
//! operand stacks across calls, globals, tables, frames suspended in host calls).

//!
//! Every test runs in the interpreter, in compiled code (whose frames' roots come from
//! the stack maps the compiler records at each call) and from an AOT file (which stores
//! those stack maps).

use wedge::{Caller, Config, Engine, Linker, Module, Store, Strategy, Val};

/// How a test runs its module.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "compiler"), allow(dead_code))]
enum Tier {
    Interp,
    Jit,
    Aot,
}

/// Defines a test module running `$name(tier)` in every tier.
macro_rules! in_every_tier {
    ($($name:ident),* $(,)?) => {
        $(mod $name {
            use super::Tier;
            #[test]
            fn interpreted() {
                super::$name(Tier::Interp);
            }
            #[cfg(feature = "compiler")]
            #[test]
            fn compiled() {
                super::$name(Tier::Jit);
            }
            #[cfg(feature = "compiler")]
            #[test]
            fn aot() {
                super::$name(Tier::Aot);
            }
        })*
    };
}

in_every_tier!(
    ten_million_short_lived_structs_run_in_bounded_memory,
    live_objects_survive_collections,
    operand_stack_references_across_calls_are_roots,
    frames_suspended_in_host_calls_are_roots,
    explicit_collection_frees_garbage_and_stale_references_are_rejected,
    i31_references_cross_the_api,
    host_reads_structs_and_arrays,
    references_in_compiled_frames_survive_collection_at_every_allocation,
);

/// An engine running every function in `tier`.
fn engine(tier: Tier) -> Engine {
    let mut config = Config::new();
    let strategy = match tier {
        Tier::Interp => Strategy::Interpreter,
        Tier::Jit | Tier::Aot => Strategy::Compiler,
    };
    config
        .strategy(strategy)
        .native_code_key(Some(*b"gc-test-key!!!!!"));
    Engine::new(&config)
}

/// The module of `text` for `tier` (through an AOT file for [`Tier::Aot`]).
fn module(engine: &Engine, tier: Tier, text: &str) -> Module {
    let module = Module::new(engine, text).expect("module compiles");
    if !matches!(tier, Tier::Aot) {
        return module;
    }
    let file = module.serialize_native().expect("AOT file");
    let loaded = Module::new(engine, &file).expect("AOT file loads");
    assert!(loaded.is_native() && loaded.native_code_warning().is_none());
    loaded
}

fn instantiate(tier: Tier, text: &str) -> (Store<()>, wedge::Instance) {
    let engine = engine(tier);
    let module = module(&engine, tier, text);
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("module instantiates");
    (store, instance)
}

/// Ten million structs that die right away: the heap must stay small, which needs many
/// collections. The loop also reads every struct back, so a wrongly freed object would
/// change the sum.
fn ten_million_short_lived_structs_run_in_bounded_memory(tier: Tier) {
    let (mut store, instance) = instantiate(
        tier,
        r#"(module
          (type $pair (struct (field i64) (field (mut i64))))
          (func (export "churn") (param $n i32) (result i64)
            (local $i i32) (local $p (ref null $pair)) (local $sum i64)
            (loop $next
              (local.set $p (struct.new $pair (i64.extend_i32_u (local.get $i)) (i64.const 1)))
              (struct.set $pair 1 (local.get $p) (i64.const 2))
              (local.set $sum (i64.add (local.get $sum)
                (i64.add (struct.get $pair 0 (local.get $p)) (struct.get $pair 1 (local.get $p)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
            (local.get $sum)))"#,
    );
    let churn = instance
        .get_typed_func::<i32, i64>(&store, "churn")
        .unwrap();
    let n: i64 = 10_000_000;
    let expected = n * (n - 1) / 2 + 2 * n;
    assert_eq!(churn.call(&mut store, n as i32).unwrap(), expected);
    let stats = store.gc_stats();
    println!("after 10 million structs: {stats:?}");
    assert!(stats.collections >= 100, "{stats:?}");
    // 10 million structs of 16 bytes would need over 600 MB without collection.
    assert!(stats.peak_bytes < 4 << 20, "{stats:?}");
    assert!(stats.slots < 100_000, "{stats:?}");
}

/// A long list held in a local, a struct held in a global and an array held in a table
/// survive many collections caused by garbage allocated around them.
fn live_objects_survive_collections(tier: Tier) {
    let (mut store, instance) = instantiate(
        tier,
        r#"(module
          (type $node (struct (field $v i32) (field $next (ref null $node))))
          (type $arr (array (mut i32)))
          (global $g (mut (ref null $node)) (ref.null $node))
          (table $t 1 (ref null $arr))
          (func $garbage (param $n i32)
            (loop $l
              (drop (struct.new $node (local.get $n) (ref.null $node)))
              (drop (array.new $arr (i32.const 1) (i32.const 8)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $l (local.get $n))))
          (func $sum (param $l (ref null $node)) (result i32)
            (local $s i32)
            (block $done
              (loop $next
                (br_if $done (ref.is_null (local.get $l)))
                (local.set $s (i32.add (local.get $s) (struct.get $node $v (local.get $l))))
                (local.set $l (struct.get $node $next (local.get $l)))
                (br $next)))
            (local.get $s))
          (func (export "run") (result i32)
            (local $list (ref null $node)) (local $i i32)
            (loop $build
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (local.set $list (struct.new $node (local.get $i) (local.get $list)))
              (call $garbage (i32.const 50))
              (br_if $build (i32.lt_u (local.get $i) (i32.const 1000))))
            (global.set $g (struct.new $node (i32.const 7) (ref.null $node)))
            (table.set $t (i32.const 0) (array.new $arr (i32.const 3) (i32.const 4)))
            (call $garbage (i32.const 100000))
            (i32.add (call $sum (local.get $list))
              (i32.add (struct.get $node $v (global.get $g))
                (array.get $arr (table.get $t (i32.const 0)) (i32.const 2))))))"#,
    );
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 500_500 + 7 + 3);
    assert!(store.gc_stats().collections > 0);
}

/// A reference that only sits on the caller's operand stack (an argument evaluated
/// before a call that allocates) is a root.
fn operand_stack_references_across_calls_are_roots(tier: Tier) {
    let (mut store, instance) = instantiate(
        tier,
        r#"(module
          (type $box (struct (field i64)))
          (func $churn (result i64)
            (local $n i32)
            (local.set $n (i32.const 200000))
            (loop $l
              (drop (struct.new $box (i64.const 0)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $l (local.get $n)))
            (i64.const 1))
          (func $use (param $b (ref $box)) (param $x i64) (result i64)
            (i64.add (struct.get $box 0 (local.get $b)) (local.get $x)))
          (func (export "run") (result i64)
            (call $use (struct.new $box (i64.const 41)) (call $churn))))"#,
    );
    let run = instance.get_typed_func::<(), i64>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 42);
    assert!(store.gc_stats().collections > 0);
}

/// Frames of an execution suspended in a host call stay roots while the host runs wasm
/// that collects.
fn frames_suspended_in_host_calls_are_roots(tier: Tier) {
    let engine = engine(tier);
    let module = module(
        &engine,
        tier,
        r#"(module
          (type $box (struct (field i32)))
          (import "host" "reenter" (func $reenter))
          (func (export "churn")
            (local $n i32)
            (local.set $n (i32.const 200000))
            (loop $l
              (drop (struct.new $box (i32.const 0)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $l (local.get $n))))
          (func (export "run") (result i32)
            (local $b (ref null $box))
            (local.set $b (struct.new $box (i32.const 99)))
            (call $reenter)
            (struct.get $box 0 (local.get $b))))"#,
    );
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "reenter", |mut caller: Caller<'_, ()>| {
            let churn = caller.get_export("churn").unwrap().into_func().unwrap();
            churn
                .call(&mut caller, &[], &mut [])
                .map_err(|e| wedge::Trap::host(e.to_string()))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 99);
    assert!(store.gc_stats().collections > 0);
}

/// `Store::gc` frees what nothing references; references the host got before are then
/// stale and rejected instead of reaching freed memory.
fn explicit_collection_frees_garbage_and_stale_references_are_rejected(tier: Tier) {
    let (mut store, instance) = instantiate(
        tier,
        r#"(module
          (type $box (struct (field i32)))
          (global $keep (mut (ref null $box)) (ref.null $box))
          (func (export "make") (param i32) (result (ref $box)) (struct.new $box (local.get 0)))
          (func (export "keep") (param i32) (global.set $keep (struct.new $box (local.get 0))))
          (func (export "get") (param (ref null $box)) (result i32)
            (struct.get $box 0 (local.get 0))))"#,
    );
    let make = instance.get_func(&store, "make").unwrap();
    let keep = instance.get_func(&store, "keep").unwrap();
    let get = instance.get_func(&store, "get").unwrap();
    let mut out = [Val::AnyRef(None)];
    for i in 0..10 {
        make.call(&mut store, &[Val::I32(i)], &mut out).unwrap();
    }
    keep.call(&mut store, &[Val::I32(5)], &mut []).unwrap();
    let mut value = [Val::I32(0)];
    get.call(&mut store, &[out[0]], &mut value).unwrap();
    assert_eq!(value[0], Val::I32(9));
    assert_eq!(store.gc_stats().objects, 11);

    store.gc();
    assert_eq!(
        store.gc_stats().objects,
        1,
        "only the global's struct is left"
    );
    let err = get.call(&mut store, &[out[0]], &mut value).unwrap_err();
    assert!(err.to_string().contains("stale reference"), "{err}");
    let global = instance.get_global(&store, "keep");
    assert!(global.is_none(), "the global is not exported");
}

/// `i31` references are values, not heap objects: they cross the API unchanged.
fn i31_references_cross_the_api(tier: Tier) {
    let (mut store, instance) = instantiate(
        tier,
        r#"(module
          (func (export "twice") (param i31ref) (result i31ref)
            (ref.i31 (i32.mul (i31.get_s (local.get 0)) (i32.const 2)))))"#,
    );
    let twice = instance.get_func(&store, "twice").unwrap();
    let arg = Val::AnyRef(Some(wedge::AnyRef::i31(&store, -21)));
    let mut out = [Val::AnyRef(None)];
    twice.call(&mut store, &[arg], &mut out).unwrap();
    match out[0] {
        Val::AnyRef(Some(r)) => assert_eq!(r.as_i31(), Some(-42)),
        other => panic!("expected an i31, got {other:?}"),
    }
}

/// The host reads struct fields and array elements, following references between them.
fn host_reads_structs_and_arrays(tier: Tier) {
    let (mut store, instance) = instantiate(
        tier,
        r#"(module
          (type $arr (array (mut i16)))
          (type $rec (struct (field i64) (field i8) (field (ref $arr)) (field f32)))
          (func (export "make") (result (ref $rec))
            (struct.new $rec (i64.const -5) (i32.const 200)
              (array.new_fixed $arr 3 (i32.const 1) (i32.const -2) (i32.const 3))
              (f32.const 1.5))))"#,
    );
    let make = instance.get_func(&store, "make").unwrap();
    let mut out = [Val::AnyRef(None)];
    make.call(&mut store, &[], &mut out).unwrap();
    let Val::AnyRef(Some(rec)) = out[0] else {
        panic!("expected a struct, got {:?}", out[0]);
    };
    assert!(rec.is_struct(&store));
    assert_eq!(rec.struct_field(&store, 0), Some(Val::I64(-5)));
    assert_eq!(rec.struct_field(&store, 1), Some(Val::I32(200)));
    assert_eq!(rec.struct_field(&store, 3), Some(Val::from(1.5f32)));
    let Some(Val::AnyRef(Some(arr))) = rec.struct_field(&store, 2) else {
        panic!("field 2 is an array reference");
    };
    assert_eq!(arr.array_len(&store), Some(3));
    let elems: Vec<_> = (0..4).map(|i| arr.array_get(&store, i)).collect();
    assert_eq!(
        elems,
        [
            Some(Val::I32(1)),
            Some(Val::I32(0xfffe)),
            Some(Val::I32(3)),
            None
        ]
    );
    assert_eq!(rec.array_len(&store), None, "a struct is no array");
    store.gc();
    assert_eq!(
        rec.struct_field(&store, 0),
        None,
        "nothing kept the struct alive"
    );
}

/// References held in compiled frames (locals, operands of an allocation, values live
/// across calls, block results) survive a collection at every allocation.
fn references_in_compiled_frames_survive_collection_at_every_allocation(tier: Tier) {
    let (mut store, instance) = instantiate(
        tier,
        r#"(module
          (type $box (struct (field i64)))
          (type $pair (struct (field (ref null $box)) (field (ref null $box))))
          (type $arr (array (mut (ref null $box))))
          (func $new (param i64) (result (ref $box)) (struct.new $box (local.get 0)))
          (func $get (param (ref null $box)) (result i64) (struct.get $box 0 (local.get 0)))
          ;; More parameters than registers: some arrive on the stack, below the frame.
          (func $many (param i64 i64 i64 i64 i64 i64 i64 i64 (ref $box) i64) (result i64)
            (drop (struct.new $box (i64.const 0)))
            (i64.add (call $get (struct.new $box (local.get 9)))
              (i64.add (struct.get $box 0 (local.get 8)) (local.get 7))))
          (func (export "run") (result i64)
            (local $keep (ref null $box)) (local $a (ref null $arr)) (local $i i32)
            (local $sum i64)
            (local.set $keep (call $new (i64.const 1000)))
            (local.set $a (array.new_default $arr (i32.const 8)))
            (loop $l
              (array.set $arr (local.get $a) (i32.and (local.get $i) (i32.const 7))
                (struct.new $box (i64.extend_i32_u (local.get $i))))
              (local.set $sum (i64.add (local.get $sum)
                (struct.get $box 0 (struct.get $pair 1
                  (struct.new $pair (call $new (i64.const 5)) (call $new (i64.const 2)))))))
              (local.set $sum (i64.add (local.get $sum)
                (block (result (ref null $box))
                  (struct.new $box (i64.const 3))
                  (drop (call $new (i64.const 9))))
                  (call $get)))
              (local.set $sum (i64.add (local.get $sum)
                (call $many (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0)
                  (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 1)
                  (struct.new $box (i64.const 2)) (i64.const 3))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (i32.const 2000))))
            (i64.add (local.get $sum)
              (i64.add (call $get (local.get $keep))
                (call $get (array.get $arr (local.get $a) (i32.const 3)))))))"#,
    );
    store.set_gc_min_heap(0);
    let run = instance.get_typed_func::<(), i64>(&store, "run").unwrap();
    // 2000 * (2 + 3 + 6) + 1000 + 1995 (the last index written to element 3).
    assert_eq!(run.call(&mut store, ()).unwrap(), 22_000 + 1000 + 1995);
    assert!(
        store.gc_stats().collections > 2000,
        "{:?}",
        store.gc_stats()
    );
}
