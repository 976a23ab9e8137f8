//! A test plugin in Rust: module `rdemo` with functions that use the caller's memory, trap
//! with a message, and panic (which the SDK turns into a trap).

use wedge_plugin_sdk::{export_plugin, PluginBuilder, Val, ValType::*};

/// The plugin's definition.
fn plugin() -> PluginBuilder {
    PluginBuilder::new("rust-test", "0.4.0").module("rdemo", |m| {
        m.func("reverse", &[I32, I32], &[I32], |caller, args, results| {
            let (ptr, len) = (args[0].i32().unwrap_or(0), args[1].i32().unwrap_or(0));
            let bytes = caller
                .bytes(ptr as u32, len as u32)
                .map_err(|e| format!("reverse: {e}"))?;
            bytes.reverse();
            results[0] = Val::I32(len);
            Ok(())
        })
        .func("mul", &[F64, F64], &[F64], |_caller, args, results| {
            results[0] = Val::F64(args[0].f64().unwrap_or(0.0) * args[1].f64().unwrap_or(0.0));
            Ok(())
        })
        .func("fail", &[I32], &[], |_caller, args, _results| {
            Err(format!("rdemo failed with code {}", args[0].i32().unwrap_or(0)))
        })
        .func("boom", &[], &[], |_caller, _args, _results| {
            panic!("rdemo boom")
        })
    })
}

export_plugin!(plugin);
