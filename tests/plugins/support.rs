//! Test support shared by the plugin tests of wedge-plugin and wedge-cli: builds the C test
//! plugin with `cc` and the Rust test plugin with cargo, into the target directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The cargo target directory these tests run from.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    // <target>/<profile>/deps/<test binary>
    exe.parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

/// Whether a tool can be run; when it cannot, fails under WEDGE_CI=1, else prints a note.
pub fn have_tool(tool: &str, args: &[&str]) -> bool {
    let ok = Command::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("WEDGE_CI").as_deref() == Ok("1") {
            panic!("`{tool}` is needed for the plugin tests: install a C compiler (apt-get install gcc)");
        }
        eprintln!("note: `{tool}` not found, skipping this plugin test");
    }
    ok
}

/// Compiles tests/plugins/c/test_plugin.c into `dir/lib<name>.so` with extra `-D` flags.
pub fn build_c_plugin(dir: &Path, name: &str, defines: &[&str]) -> PathBuf {
    let out = dir.join(format!("lib{name}.{}", std::env::consts::DLL_EXTENSION));
    let repo = repo();
    let mut cmd = Command::new("cc");
    cmd.args(["-shared", "-fPIC", "-O2", "-Wall", "-Werror"])
        .arg("-I")
        .arg(repo.join("include"))
        .args(defines)
        .arg(repo.join("tests/plugins/c/test_plugin.c"))
        .arg("-o")
        .arg(&out);
    let status = cmd.status().expect("run cc");
    assert!(status.success(), "cc failed for {name}");
    out
}

/// Builds tests/plugins/rust once per process and returns the shared library.
pub fn rust_plugin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let target = target_dir().join("plugin-tests");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--release", "--quiet", "--manifest-path"])
                .arg(repo().join("tests/plugins/rust/Cargo.toml"))
                .arg("--target-dir")
                .arg(&target)
                .env_remove("RUSTFLAGS")
                .status()
                .expect("run cargo");
            assert!(status.success(), "building the Rust test plugin failed");
            let name = format!(
                "{}wedge_test_plugin.{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_EXTENSION
            );
            target.join("release").join(name)
        })
        .clone()
}
