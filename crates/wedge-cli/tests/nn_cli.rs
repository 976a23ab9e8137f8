//! `wedge run --plugin libwedge_nn.so --nn-preload ...` with the Rust WASI-NN guest.

#[path = "../../wedge-nn/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

#[test]
fn nn_preload_runs_the_rust_guest_through_the_cli() {
    let Some(plugin) = support::cli_plugin(Path::new(env!("CARGO_BIN_EXE_wedge"))) else {
        return;
    };
    let Some(data) = support::onnx_data() else {
        return;
    };
    let models = data.join("pytorch-converted/test_Conv2d");
    let input = support::read_proto(&models.join("test_data_set_0/input_0.pb"));
    let want = support::read_proto(&models.join("test_data_set_0/output_0.pb"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("input.bin"),
        support::f32_bytes(&input.floats),
    )
    .unwrap();
    let dims: Vec<String> = input.dims.iter().map(|d| d.to_string()).collect();
    let guest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/bin/nn.wasm");
    let preload = format!("conv:onnx:cpu:{}", models.join("model.onnx").display());
    let run = |preload: &str| {
        Command::new(env!("CARGO_BIN_EXE_wedge"))
            .env("WEDGE_CACHE", "off")
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env_remove("WEDGE_PLUGIN_PATH")
            .arg("run")
            .arg("--plugin")
            .arg(&plugin)
            .arg("--nn-preload")
            .arg(preload)
            .arg("--dir")
            .arg(format!("/w:{}", dir.path().display()))
            .arg(&guest)
            .args([
                "preload:conv",
                "/w/input.bin",
                &dims.join(","),
                "/w/output.bin",
            ])
            .output()
            .unwrap()
    };
    let out = run(&preload);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("output:"));
    let got = std::fs::read(dir.path().join("output.bin")).unwrap();
    support::assert_close(
        &support::bytes_f32(&got),
        &want.floats,
        "test_Conv2d via CLI",
    );

    // A name that was not preloaded: the guest gets NotFound and says so.
    let out = run("other:onnx:cpu:/nowhere.onnx");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("load"), "{err}");

    // A malformed --nn-preload is a usage error.
    let out = Command::new(env!("CARGO_BIN_EXE_wedge"))
        .args(["run", "--nn-preload", "nocolons", guest.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NAME:ENCODING:TARGET:PATH"));
}
