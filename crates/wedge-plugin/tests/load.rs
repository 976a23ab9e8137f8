//! The plugin API end to end: a C and a Rust plugin loaded from shared libraries, called by
//! a wat guest (values, memory, traps with messages, panics), and bad plugins refused with
//! clear errors while the host carries on.

#[path = "../../../tests/plugins/support.rs"]
mod support;

use wedge::{Engine, Linker, Module, Store};
use wedge_plugin::{Plugin, PluginError, PluginSet};

const GUEST: &str = r#"(module
  (import "cdemo" "add" (func $add (param i32 i32) (result i32)))
  (import "cdemo" "sum" (func $sum (param i32 i32) (result i64)))
  (import "cdemo" "greet" (func $greet (param i32 i32) (result i32)))
  (import "cdemo" "scale" (func $scale (param i64 f32 f64) (result f64)))
  (import "cdemo" "fail" (func $fail))
  (import "rdemo" "reverse" (func $reverse (param i32 i32) (result i32)))
  (import "rdemo" "mul" (func $mul (param f64 f64) (result f64)))
  (import "rdemo" "fail" (func $rfail (param i32)))
  (import "rdemo" "boom" (func $boom))
  (memory (export "memory") 1)
  (data (i32.const 16) "\01\02\03\04\05abc")
  (func (export "add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "sum") (result i64) (call $sum (i32.const 16) (i32.const 5)))
  (func (export "sum_oob") (result i64) (call $sum (i32.const 65534) (i32.const 5)))
  (func (export "greet") (result i32) (call $greet (i32.const 100) (i32.const 32)))
  (func (export "scale") (result f64) (call $scale (i64.const 3) (f32.const 0.5) (f64.const 10)))
  (func (export "fail") (call $fail))
  (func (export "reverse") (result i32)
    (drop (call $reverse (i32.const 21) (i32.const 3)))
    (i32.load (i32.const 20)))
  (func (export "reverse_oob") (result i32) (call $reverse (i32.const 65535) (i32.const 2)))
  (func (export "mul") (result f64) (call $mul (f64.const 1.5) (f64.const 4)))
  (func (export "rfail") (call $rfail (i32.const 7)))
  (func (export "boom") (call $boom)))"#;

fn linked(set: &PluginSet) -> (Store<()>, wedge::Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, GUEST).unwrap();
    let mut linker = Linker::new(&engine);
    set.add_to_linker(&mut linker).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn both_plugins(dir: &std::path::Path) -> Option<PluginSet> {
    if !support::have_tool("cc", &["--version"]) {
        return None;
    }
    let c = support::build_c_plugin(dir, "ctest", &[]);
    let mut set = PluginSet::new();
    // SAFETY: our own test plugins, built against include/wedge_plugin.h.
    let c = unsafe { Plugin::load(&c) }.unwrap();
    assert_eq!((c.name(), c.version()), ("c-test", "1.2.3"));
    assert_eq!(c.module_names().collect::<Vec<_>>(), ["cdemo"]);
    assert_eq!(
        c.function_names("cdemo"),
        ["add", "sum", "greet", "scale", "fail", "store", "dropped"]
    );
    set.add(c).unwrap();
    // SAFETY: as above.
    let r = unsafe { Plugin::load(support::rust_plugin()) }.unwrap();
    assert_eq!((r.name(), r.version()), ("rust-test", "0.4.0"));
    set.add(r).unwrap();
    Some(set)
}

#[test]
fn c_and_rust_plugins_serve_a_guest() {
    let dir = tempfile::tempdir().unwrap();
    let Some(set) = both_plugins(dir.path()) else {
        return;
    };
    let (mut store, instance) = linked(&set);
    let add = instance
        .get_typed_func::<(i32, i32), i32>(&store, "add")
        .unwrap();
    assert_eq!(add.call(&mut store, (2, 40)).unwrap(), 1042);
    let sum = instance.get_typed_func::<(), i64>(&store, "sum").unwrap();
    assert_eq!(sum.call(&mut store, ()).unwrap(), 15);
    let greet = instance.get_typed_func::<(), i32>(&store, "greet").unwrap();
    assert_eq!(greet.call(&mut store, ()).unwrap(), 12);
    let memory = instance.get_memory(&store, "memory").unwrap();
    assert_eq!(&memory.data(&store)[100..112], b"hello from C");
    let scale = instance.get_typed_func::<(), f64>(&store, "scale").unwrap();
    assert_eq!(scale.call(&mut store, ()).unwrap(), 15.0);
    let reverse = instance
        .get_typed_func::<(), i32>(&store, "reverse")
        .unwrap();
    // bytes 20..24 were 05 'a' 'b' 'c'; 21..24 reversed gives 05 'c' 'b' 'a'.
    assert_eq!(
        reverse.call(&mut store, ()).unwrap().to_le_bytes(),
        [5, b'c', b'b', b'a']
    );
    let mul = instance.get_typed_func::<(), f64>(&store, "mul").unwrap();
    assert_eq!(mul.call(&mut store, ()).unwrap(), 6.0);
}

#[test]
fn errors_and_panics_trap_with_a_message_and_the_host_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let Some(set) = both_plugins(dir.path()) else {
        return;
    };
    let (mut store, instance) = linked(&set);
    let trap = |store: &mut Store<()>, name: &str| {
        let f = instance.get_typed_func::<(), ()>(&*store, name).unwrap();
        f.call(store, ()).unwrap_err().to_string()
    };
    let msg = trap(&mut store, "fail");
    assert!(msg.contains("cdemo::fail: cdemo refuses"), "{msg}");
    let msg = trap(&mut store, "rfail");
    assert!(
        msg.contains("rdemo::fail: rdemo failed with code 7"),
        "{msg}"
    );
    let msg = trap(&mut store, "boom");
    assert!(msg.contains("panicked: rdemo boom"), "{msg}");
    let oob = instance
        .get_typed_func::<(), i64>(&store, "sum_oob")
        .unwrap();
    let msg = oob.call(&mut store, ()).unwrap_err().to_string();
    assert!(msg.contains("sum: out of bounds"), "{msg}");
    let oob = instance
        .get_typed_func::<(), i32>(&store, "reverse_oob")
        .unwrap();
    let msg = oob.call(&mut store, ()).unwrap_err().to_string();
    assert!(msg.contains("out of bounds"), "{msg}");
    // After all of that the same instance still works.
    let add = instance
        .get_typed_func::<(i32, i32), i32>(&store, "add")
        .unwrap();
    assert_eq!(add.call(&mut store, (1, 1)).unwrap(), 1002);
}

#[test]
fn wrong_abi_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    if !support::have_tool("cc", &["--version"]) {
        return;
    }
    let lib = support::build_c_plugin(dir.path(), "abi99", &["-DTEST_ABI_VERSION=99"]);
    // SAFETY: our own test plugin.
    let err = unsafe { Plugin::load(&lib) }.err().expect("refused");
    assert!(matches!(
        err,
        PluginError::AbiVersion {
            found: 99,
            expected: 2,
            ..
        }
    ));
    assert!(err.to_string().contains("ABI version 99"), "{err}");
}

#[test]
fn a_library_without_the_descriptor_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    if !support::have_tool("cc", &["--version"]) {
        return;
    }
    let lib = support::build_c_plugin(dir.path(), "nodesc", &["-DTEST_NO_DESCRIPTOR"]);
    // SAFETY: our own test library.
    let err = unsafe { Plugin::load(&lib) }.err().expect("refused");
    assert!(
        err.to_string()
            .contains("does not export `wedge_plugin_get_descriptor`"),
        "{err}"
    );
    // SAFETY: a path that does not exist is never loaded.
    let err = unsafe { Plugin::load(dir.path().join("missing.so")) }
        .err()
        .expect("refused");
    assert!(err.to_string().contains("cannot load plugin"), "{err}");
}

#[test]
fn two_plugins_with_the_same_module_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    if !support::have_tool("cc", &["--version"]) {
        return;
    }
    let a = support::build_c_plugin(dir.path(), "one", &["-DTEST_NAME=\"one\""]);
    let b = support::build_c_plugin(dir.path(), "two", &["-DTEST_NAME=\"two\""]);
    let mut set = PluginSet::new();
    // SAFETY: our own test plugins.
    set.add(unsafe { Plugin::load(&a) }.unwrap()).unwrap();
    // SAFETY: as above.
    let err = set.add(unsafe { Plugin::load(&b) }.unwrap()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("host module `cdemo` is provided by two plugins"),
        "{msg}"
    );
    assert!(msg.contains("`one`") && msg.contains("`two`"), "{msg}");
    assert_eq!(set.plugins().len(), 1);
}

/// A plugin hears, once, when a store that called it is dropped, with the number its
/// functions saw as the caller's store; stores that never called it are not reported.
#[test]
fn a_c_plugin_hears_when_a_store_that_called_it_ends() {
    if !support::have_tool("cc", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lib = support::build_c_plugin(dir.path(), "cstores", &[]);
    let mut set = PluginSet::new();
    // SAFETY: our own test plugin.
    set.add(unsafe { Plugin::load(&lib) }.unwrap()).unwrap();
    let guest = r#"(module
      (import "cdemo" "store" (func $store (result i64)))
      (import "cdemo" "dropped" (func $dropped (result i32 i64)))
      (func (export "store") (result i64) (call $store))
      (func (export "dropped") (result i32 i64) (call $dropped)))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, guest).unwrap();
    let mut linker = Linker::new(&engine);
    set.add_to_linker(&mut linker).unwrap();
    let new_store = || {
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        (store, instance)
    };
    let dropped = |store: &mut Store<()>, instance: &wedge::Instance| {
        let f = instance
            .get_typed_func::<(), (i32, i64)>(&*store, "dropped")
            .unwrap();
        f.call(&mut *store, ()).unwrap()
    };

    let (mut first, instance) = new_store();
    let seen = instance
        .get_typed_func::<(), i64>(&first, "store")
        .unwrap()
        .call(&mut first, ())
        .unwrap();
    assert_eq!(
        seen as u64,
        first.id(),
        "the caller's store is the store's number"
    );
    let (count, _) = dropped(&mut first, &instance);
    assert_eq!(count, 0);
    // A store that never calls the plugin is not reported.
    drop(new_store());
    drop(first);
    let (mut second, instance) = new_store();
    assert_eq!(dropped(&mut second, &instance), (1, seen));
    let (mut third, instance3) = new_store();
    assert_eq!(dropped(&mut third, &instance3), (1, seen));
    drop(second);
    assert_eq!(dropped(&mut third, &instance3).0, 2, "each store once");
}
