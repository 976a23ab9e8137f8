//! WASI-NN for Wedge: WasmEdge's `wasi_ephemeral_nn` host module as a plugin, with an ONNX
//! backend on tract or ONNX Runtime (loaded at run time) and (cargo feature `ggml`) a GGML/GGUF LLM backend on llama.cpp.
//!
//! Build the plugin with `cargo build --release -p wedge-nn` (it is
//! `target/release/libwedge_nn.so`) and run a guest with
//! `wedge run --plugin target/release/libwedge_nn.so app.wasm`, or register it statically
//! with `wedge_plugin::Plugin::from_static(wedge_nn::descriptor())`. Models preloaded with
//! `wedge run --nn-preload NAME:ENCODING:TARGET:PATH` reach the plugin through the
//! `WASMEDGE_WASINN_PRELOAD` environment variable (one spec per line).
//!
//! Numbering (encodings, targets, tensor types, errnos) is WasmEdge's (>= 0.15); see
//! `docs/WASI-NN.md`.

mod errno;
mod funcs;
#[cfg(feature = "ggml")]
mod ggml;
#[cfg(not(feature = "ggml"))]
#[path = "ggml_off.rs"]
mod ggml;
mod onnx;
mod onnx_ort;
mod onnx_tract;
pub mod preload;
mod state;
mod tensor;
mod types;

pub use errno::Errno;
pub use types::{encoding_by_name, target_by_name, TensorType};

use errno::NnResult;
use wedge_plugin_sdk::{export_plugin, Caller, PluginBuilder, Val, ValType::I32};

/// The import module name.
pub const MODULE: &str = "wasi_ephemeral_nn";

/// A WASI-NN function: guest arguments (as u32) to an errno.
type Op = fn(&mut Caller<'_>, &[u32]) -> NnResult<()>;

/// The functions with their parameter counts; each returns one i32 errno.
const FUNCTIONS: &[(&str, usize, Op)] = &[
    ("load", 5, funcs::load),
    ("load_by_name", 3, funcs::load_by_name),
    (
        "load_by_name_with_config",
        5,
        funcs::load_by_name_with_config,
    ),
    ("init_execution_context", 2, funcs::init_execution_context),
    ("set_input", 3, funcs::set_input),
    ("compute", 1, funcs::compute),
    ("get_output", 5, funcs::get_output),
    ("compute_single", 1, funcs::compute_single),
    ("get_output_single", 5, funcs::get_output_single),
    ("fini_single", 1, funcs::fini_single),
    ("unload", 1, funcs::unload),
    (
        "finalize_execution_context",
        1,
        funcs::finalize_execution_context,
    ),
];

/// Frees what a store's guests left loaded (the host calls it when the store ends).
unsafe extern "C" fn store_dropped(store: u64) {
    state::state().store_dropped(store);
}

/// How many graphs and contexts the plugin holds in this process (graphs, contexts).
pub fn live_counts() -> (usize, usize) {
    state::state().counts()
}

/// The plugin's definition.
fn plugin() -> PluginBuilder {
    let builder = PluginBuilder::new("wasi_nn", env!("CARGO_PKG_VERSION"));
    builder
        .on_store_dropped(store_dropped)
        .module(MODULE, |mut m| {
            for &(name, params, op) in FUNCTIONS {
                m = m.func(
                    name,
                    &vec![I32; params],
                    &[I32],
                    move |caller, args, results| {
                        // Like WasmEdge: a guest without memory is a host error (trap), not an errno.
                        if caller.memory().is_none() {
                            return Err(
                                "wasi_ephemeral_nn needs the caller's exported memory".into()
                            );
                        }
                        let a: Vec<u32> =
                            args.iter().map(|v| v.i32().unwrap_or(0) as u32).collect();
                        let errno = match op(caller, &a) {
                            Ok(()) => Errno::Success,
                            Err(e) => e,
                        };
                        results[0] = Val::I32(errno as i32);
                        Ok(())
                    },
                );
            }
            m
        })
}

export_plugin!(plugin);
