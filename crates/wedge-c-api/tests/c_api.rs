//! Builds each C program in `tests/c` against libwedge with the system C compiler, runs it
//! and compares its standard output with `tests/c/NAME.expected`, written by hand.
//!
//! With `WEDGE_C_API_VALGRIND=1` every program also runs under valgrind, which must report
//! no invalid accesses and no definitely lost memory (programs whose work scales take a
//! smaller count then; compiled code traps through signals valgrind cannot hand back, so the
//! programs then use the interpreter, except `serialize`, which needs native code and
//! does not trap).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate's directory.
fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where cargo put libwedge.so: the profile directory above this test's `deps/`.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

/// Builds libwedge itself: `cargo test` builds only what the test executable links, and
/// the C programs link the cdylib.
fn build_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let lib = lib_dir();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "-p", "wedge-c-api", "--lib"])
            .current_dir(crate_dir());
        if lib.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        if let Some(target) = lib.parent() {
            cmd.env("CARGO_TARGET_DIR", target);
        }
        let status = cmd.status().expect("run cargo");
        assert!(status.success(), "building libwedge failed");
    });
}

/// Compiles `tests/c/NAME.c` (C11, warnings are errors) and returns the executable.
fn build(name: &str) -> PathBuf {
    let src = crate_dir().join("tests/c").join(format!("{name}.c"));
    compile(&src, name, "CC", "cc", &["-std=c11"], &[])
}

/// Compiles one C or C++ source against libwedge with the compiler named by `$var` (or
/// `default`), warnings as errors, and returns the executable.
fn compile(
    src: &Path,
    name: &str,
    var: &str,
    default: &str,
    flags: &[&str],
    includes: &[PathBuf],
) -> PathBuf {
    build_library();
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c-api");
    std::fs::create_dir_all(&out_dir).expect("output directory");
    let exe = out_dir.join(name);
    let lib = lib_dir();
    let mut cmd = Command::new(std::env::var(var).unwrap_or_else(|_| default.into()));
    cmd.args(flags)
        .args(["-O1", "-g", "-Wall", "-Wextra", "-Werror", "-pthread"])
        .arg("-I")
        .arg(crate_dir().join("include"));
    for dir in includes {
        cmd.arg("-I").arg(dir);
    }
    let status = cmd
        .arg(src)
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib.display()))
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lwedge")
        .status()
        .expect("run the compiler");
    assert!(status.success(), "compiling {} failed", src.display());
    exe
}

fn valgrind() -> bool {
    std::env::var("WEDGE_C_API_VALGRIND").is_ok_and(|v| v == "1")
}

/// Runs a program in `tests/c` (under valgrind if asked) and returns its stdout, failing on
/// a non-zero exit.
fn run(exe: &Path, args: &[&str]) -> String {
    run_in(exe, args, &crate_dir().join("tests/c"))
}

/// Runs a program in directory `dir`.
fn run_in(exe: &Path, args: &[&str], dir: &Path) -> String {
    let mut cmd = if valgrind() {
        let mut c = Command::new("valgrind");
        c.args([
            "--quiet",
            "--undef-value-errors=no",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
        ])
        .arg(exe)
        .env("WEDGE_TEST_INTERPRET", "1");
        c
    } else {
        Command::new(exe)
    };
    let out = cmd
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run the test program");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        exe.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Builds and runs `NAME`, comparing its stdout with `NAME.expected` (where `{N}` stands
/// for the count passed as the first argument, if any).
fn check(name: &str, count: Option<(u32, u32)>) {
    let exe = build(name);
    let expected_path = crate_dir().join("tests/c").join(format!("{name}.expected"));
    let mut expected = std::fs::read_to_string(&expected_path).expect("expected output");
    let out = match count {
        Some((normal, small)) => {
            let n = if valgrind() { small } else { normal };
            expected = expected.replace("{N}", &n.to_string());
            run(&exe, &[&n.to_string()])
        }
        None => run(&exe, &[]),
    };
    assert_eq!(
        out, expected,
        "stdout of {name} differs from {name}.expected"
    );
}

#[test]
fn hello() {
    check("hello", None);
}

#[test]
fn callbacks_with_environments_and_finalizers() {
    check("callback", None);
}

#[test]
fn traps_with_frames_and_messages() {
    check("trap", None);
}

#[test]
fn trapping_start_function() {
    check("start", None);
}

#[test]
fn reflection_of_imports_exports_and_limits() {
    check("reflect", None);
}

#[test]
fn globals() {
    check("global", None);
}

#[test]
fn memories_with_grow() {
    check("memory", None);
}

#[test]
fn tables_with_grow_set_get_and_call_indirect() {
    check("table", None);
}

#[test]
fn externref_and_foreign_objects() {
    check("hostref", None);
}

#[test]
fn multi_value_host_functions() {
    check("multi", None);
}

#[test]
fn serialize_and_deserialize() {
    check("serialize", None);
}

#[test]
fn many_instantiations_run_all_finalizers() {
    check("instances", Some((100_000, 300)));
}

#[test]
fn threads_share_a_module_with_a_store_each() {
    check("threads", None);
}

#[test]
fn wasi_hello() {
    check("wasi", None);
}

/// The C++ wrapper's own test program, `bindings/cpp/tests/test_wedge.cc`.
#[test]
fn cpp_wrapper() {
    let cpp = crate_dir().join("../../bindings/cpp");
    let exe = compile(
        &cpp.join("tests/test_wedge.cc"),
        "test_wedge",
        "CXX",
        "c++",
        &["-std=c++17"],
        std::slice::from_ref(&cpp),
    );
    let out = run_in(&exe, &[], &cpp.join("tests"));
    let expected =
        std::fs::read_to_string(cpp.join("tests/test_wedge.expected")).expect("expected output");
    assert_eq!(
        out, expected,
        "stdout of test_wedge differs from test_wedge.expected"
    );
}

#[test]
fn debug_info_registers_compiled_code_with_gdb() {
    // One object file per compiled module; none in the interpreter (the valgrind run).
    check("gdbjit", Some((1, 0)));
}

#[test]
fn gas_time_limits_interrupts_and_features() {
    check("limits", None);
}
