//! A plugin built with the SDK and registered statically (no shared library).

use wedge::{Engine, Linker, Module, Store};
use wedge_plugin::{Plugin, PluginSet};
use wedge_plugin_sdk::{export_plugin, PluginBuilder, Val, ValType::I32};

fn plugin() -> PluginBuilder {
    PluginBuilder::new("static-test", "0.0.1").module("counter", |m| {
        m.func("store_len", &[I32], &[I32], |caller, args, results| {
            let len = caller.memory().map_or(0, |m| m.len()) as u32;
            caller
                .write_u32(args[0].i32().unwrap_or(0) as u32, len)
                .map_err(|e| e.to_string())?;
            results[0] = Val::I32(0);
            Ok(())
        })
    })
}

export_plugin!(plugin);

#[test]
fn a_statically_linked_plugin_sees_the_callers_memory() {
    // SAFETY: the descriptor is built by the SDK and lives for the process.
    let plugin = unsafe { Plugin::from_static(descriptor()) }.unwrap();
    assert_eq!(plugin.path(), None);
    let mut set = PluginSet::new();
    set.add(plugin).unwrap();
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "counter" "store_len" (func $f (param i32) (result i32)))
          (memory (export "memory") 2)
          (func (export "run") (result i32)
            (drop (call $f (i32.const 8)))
            (i32.load (i32.const 8)))
          (func (export "oob") (result i32) (call $f (i32.const 131070))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    set.add_to_linker(&mut linker).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 2 * 65536);
    let oob = instance.get_typed_func::<(), i32>(&store, "oob").unwrap();
    let msg = oob.call(&mut store, ()).unwrap_err().to_string();
    assert!(
        msg.contains("counter::store_len: guest memory access out of bounds"),
        "{msg}"
    );
    // The entry point the SDK exports gives the same descriptor.
    assert_eq!(wedge_plugin_get_descriptor(), descriptor() as *const _);
}
