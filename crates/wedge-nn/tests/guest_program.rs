//! The Rust guest `tests/guests/bin/nn.wasm` (written with the `wasmedge-wasi-nn` crate, as
//! for WasmEdge) runs ONNX models through the plugin loaded from its shared library, and its
//! output matches the expected output shipped with the model, on each ONNX backend.

mod support;

use std::path::{Path, PathBuf};
use wedge::{Engine, Linker, Module, Store};
use wedge_plugin::{Plugin, PluginSet};
use wedge_wasi::{DirAccess, WasiCtx, WasiCtxBuilder};

/// The plugin library built with this package's library (see `support::nn_library`).
fn plugin_library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    support::nn_library(profile_dir).unwrap_or_else(|| {
        panic!(
            "no WASI-NN plugin library under {}: cargo test --release builds it",
            profile_dir.display()
        )
    })
}

/// Runs nn.wasm with `args`, the folder `dir` preopened as `/w`; the exit code.
fn run_guest(dir: &Path, args: &[&str]) -> i32 {
    let engine = Engine::default();
    let wasm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/bin/nn.wasm");
    let module = Module::from_file(&engine, &wasm).unwrap();
    let mut set = PluginSet::new();
    // SAFETY: the plugin built from this very package.
    set.add(unsafe { Plugin::load(plugin_library()) }.unwrap())
        .unwrap();
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    wedge_wasi::add_to_linker(&mut linker, |ctx| ctx).unwrap();
    set.add_to_linker(&mut linker).unwrap();
    let mut argv = vec!["nn.wasm"];
    argv.extend_from_slice(args);
    let ctx = WasiCtxBuilder::new()
        .args(argv)
        .inherit_stdio()
        .preopened_dir(dir, "/w", DirAccess::ReadWrite)
        .build()
        .unwrap();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance.get_func(&store, "_start").unwrap();
    match start.call(&mut store, &[], &mut []) {
        Ok(()) => 0,
        Err(e) => match e.as_trap().and_then(wedge::Trap::exit_code) {
            Some(code) => code,
            None => panic!("guest trapped: {e}"),
        },
    }
}

#[test]
fn the_rust_guest_classifies_through_the_shared_library_plugin() {
    let Some(data) = support::onnx_data() else {
        return;
    };
    for backend in support::backends() {
        let _turn = support::use_backend(&backend);
        let b = backend.name();
        let dir = tempfile::tempdir().unwrap();
        for name in ["test_Conv2d", "test_Softmax"] {
            let models = data.join("pytorch-converted").join(name);
            std::fs::copy(models.join("model.onnx"), dir.path().join("model.onnx")).unwrap();
            let input = support::read_proto(&models.join("test_data_set_0/input_0.pb"));
            let want = support::read_proto(&models.join("test_data_set_0/output_0.pb"));
            std::fs::write(
                dir.path().join("input.bin"),
                support::f32_bytes(&input.floats),
            )
            .unwrap();
            let dims: Vec<String> = input.dims.iter().map(|d| d.to_string()).collect();
            let code = run_guest(
                dir.path(),
                &[
                    "/w/model.onnx",
                    "/w/input.bin",
                    &dims.join(","),
                    "/w/output.bin",
                ],
            );
            assert_eq!(code, 0, "{name} on {b}: guest exit code");
            let got = std::fs::read(dir.path().join("output.bin")).unwrap();
            support::assert_close(
                &support::bytes_f32(&got),
                &want.floats,
                &format!("{name} on {b}"),
            );
        }
        // A corrupt model: the guest reports the errno (InvalidArgument) and exits 1.
        std::fs::write(dir.path().join("model.onnx"), b"\x08\x07garbage").unwrap();
        let code = run_guest(
            dir.path(),
            &["/w/model.onnx", "/w/input.bin", "1", "/w/out.bin"],
        );
        assert_eq!(code, 1, "{b}: corrupt model");
    }
}
