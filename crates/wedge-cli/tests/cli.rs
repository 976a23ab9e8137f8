//! Behaviour of the `wedge` binary: exit codes, messages and output.

use std::process::{Command, Output};

fn wedge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .args(args)
        .output()
        .expect("wedge binary runs")
}

fn write_temp(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wedge-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn validate_accepts_valid_text_module() {
    let file = write_temp(
        "ok.wat",
        "(module (func (export \"f\") (result i32) i32.const 7))",
    );
    let out = wedge(&["validate", file.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid"));
}

#[test]
fn validate_rejects_invalid_module_with_offset() {
    let file = write_temp("bad.wat", "(module (func (result i32)))");
    let out = wedge(&["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("type mismatch") && err.contains("offset"),
        "{err}"
    );
}

#[test]
fn validate_rejects_garbage_bytes() {
    let dir = std::env::temp_dir().join(format!("wedge-cli-garbage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("garbage.wasm");
    std::fs::write(
        &path,
        [0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00, 0xff],
    )
    .unwrap();
    let out = wedge(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid module"));
}

#[test]
fn inspect_lists_imports_exports_and_custom_sections() {
    let file = write_temp(
        "inspect.wat",
        r#"(module (import "env" "log" (func (param i32))) (memory 1 2)
             (func (export "f") (result i32) i32.const 1) (@custom "meta" "abc"))"#,
    );
    let out = wedge(&["inspect", file.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("functions: 2 (1 imported, 1 defined)"),
        "{text}"
    );
    assert!(
        text.contains("func \"env\" \"log\": (func (param i32))"),
        "{text}"
    );
    assert!(text.contains("func \"f\": (func (result i32))"), "{text}");
    assert!(text.contains("memory 0: pages min 1, max 2"), "{text}");
    assert!(text.contains("\"meta\": 3 bytes"), "{text}");
}

#[test]
fn bad_arguments_exit_with_code_2() {
    assert_eq!(wedge(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(wedge(&["validate"]).status.code(), Some(2));
}

#[test]
fn missing_file_is_a_clear_error() {
    let out = wedge(&["validate", "/nonexistent/x.wasm"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn help_and_version_work() {
    assert!(wedge(&["--help"]).status.success());
    let out = wedge(&["--version"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wedge "));
}

#[test]
fn run_invoke_prints_results() {
    let out = wedge(&["run", "--invoke", "fib", "../../examples/fib.wat", "20"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "6765");
}

#[test]
fn run_invoke_parses_every_numeric_type() {
    let file = write_temp(
        "types.wat",
        r#"(module (func (export "mix") (param i32 i64 f32 f64) (result i64 f64)
             (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1))
             (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))))"#,
    );
    let out = wedge(&[
        "run",
        "--invoke",
        "mix",
        file.to_str().unwrap(),
        "-5",
        "10",
        "1.5",
        "0.25",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "5\n1.75\n");
}

#[test]
fn run_reports_traps_with_backtrace_and_exit_code() {
    let file = write_temp(
        "trap.wat",
        r#"(module (func $inner (unreachable)) (func (export "outer") (call $inner)))"#,
    );
    // With `--inline`, `inner` runs inlined into `outer` and keeps its frame.
    for inline in [&[][..], &["--inline"][..]] {
        let mut args = vec!["run", "--invoke", "outer", file.to_str().unwrap()];
        args.extend_from_slice(inline);
        let out = wedge(&args);
        assert_eq!(out.status.code(), Some(134), "{inline:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unreachable"), "{err}");
        assert!(
            err.contains("0: inner (func 0)") && err.contains("1: func 1"),
            "{inline:?}: {err}"
        );
    }
}

#[test]
fn run_calls_start_export() {
    let file = write_temp(
        "start.wat",
        r#"(module (func (export "_start") (unreachable)))"#,
    );
    let out = wedge(&["run", file.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(134),
        "_start must have run and trapped"
    );
}

#[test]
fn run_provides_wasi_and_names_unknown_wasi_imports() {
    let hello = write_temp(
        "wasi-hello.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (data (i32.const 16) "hi from wat\n")
             (func (export "_start")
               (i32.store (i32.const 0) (i32.const 16))
               (i32.store (i32.const 4) (i32.const 12))
               (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
    );
    let out = wedge(&["run", hello.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi from wat\n");

    let unknown = write_temp(
        "wasi-unknown.wat",
        r#"(module (import "wasi_snapshot_preview1" "no_such_call" (func)))"#,
    );
    let out = wedge(&["run", unknown.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_call"));
}

#[test]
fn run_rejects_wrong_argument_count_and_bad_values() {
    let out = wedge(&["run", "--invoke", "fib", "../../examples/fib.wat"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("takes 1 argument"));
    let out = wedge(&["run", "--invoke", "fib", "../../examples/fib.wat", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot parse `x` as i32"));
    let out = wedge(&["run", "--invoke", "nope", "../../examples/fib.wat"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn run_reports_unknown_imports() {
    let file = write_temp("import.wat", r#"(module (import "env" "missing" (func)))"#);
    let out = wedge(&["run", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("env::missing"));
}

#[test]
fn wast_reports_passes_and_failures() {
    let good = write_temp(
        "good.wast",
        r#"(module (func (export "f") (result i32) (i32.const 1)))
           (assert_return (invoke "f") (i32.const 1))
           (assert_trap (module (func (export "t") unreachable) (start 0)) "unreachable")"#,
    );
    let out = wedge(&["wast", good.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 passed, 0 failed"));

    let bad = write_temp(
        "bad.wast",
        r#"(module (func (export "f") (result i32) (i32.const 1)))
           (assert_return (invoke "f") (i32.const 2))"#,
    );
    let out = wedge(&["wast", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("bad.wast:2:"), "{text}");
    assert!(
        text.contains("2 passed, 1 failed") || text.contains("1 passed, 1 failed"),
        "{text}"
    );
}

#[test]
fn uncaught_exception_exits_like_a_trap_and_gc_programs_run() {
    let file = write_temp(
        "gc.wat",
        r#"(module
          (type $box (struct (field i32)))
          (tag $e (param i32))
          (func $boom (export "boom") (throw $e (i32.const 1)))
          (func (export "unbox") (param i32) (result i32)
            (struct.get $box 0 (struct.new $box (local.get 0)))))"#,
    );
    let path = file.to_str().unwrap();
    let out = wedge(&["run", "--invoke", "unbox", path, "41"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "41");
    let out = wedge(&["run", "--invoke", "boom", path]);
    assert_eq!(out.status.code(), Some(134), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("uncaught exception") && err.contains("boom"),
        "{err}"
    );
}

#[test]
fn disabled_feature_is_named_in_the_error() {
    let file = write_temp(
        "tail.wat",
        r#"(module (func $f (export "f") (result i32) (return_call $g)) (func $g (result i32) i32.const 7))"#,
    );
    let path = file.to_str().unwrap();
    let out = wedge(&["run", "--invoke", "f", path]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "7");
    for args in [
        vec!["--disable-tail-call", "validate", path],
        vec!["validate", "--disable-tail-call", path],
    ] {
        let out = wedge(&args);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("`tail-call`") && err.contains("--enable-tail-call"),
            "{err}"
        );
    }
}

#[test]
fn off_by_default_features_need_their_flag() {
    let file = write_temp(
        "wide.wat",
        r#"(module (func (export "mul") (param i64 i64) (result i64 i64)
             (i64.mul_wide_u (local.get 0) (local.get 1))))"#,
    );
    let path = file.to_str().unwrap();
    let out = wedge(&["run", "--invoke", "mul", path, "-1", "2"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("`wide-arithmetic`"));
    for flag in ["--enable-wide-arithmetic", "--enable-all"] {
        let out = wedge(&["run", flag, "--invoke", "mul", path, "-1", "2"]);
        assert!(out.status.success(), "{flag}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "-2\n1\n");
    }
}

#[test]
fn contradicting_feature_flags_exit_with_code_2() {
    let file = write_temp("empty.wat", "(module)");
    let out = wedge(&[
        "--enable-gc",
        "--disable-gc",
        "validate",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("contradict"));
    assert_eq!(
        wedge(&["--enable-teleportation", "validate", "x"])
            .status
            .code(),
        Some(2)
    );
}

/// A guest that exits with fd 1's WASI filetype, plus 16 if it has the right to tell its
/// position (wasi-libc's `isatty` takes a character device with neither that right nor
/// the seek right for a terminal).
const STDOUT_KIND_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $stat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $stat (i32.const 1) (i32.const 0)))
    (call $exit
      (i32.or (i32.load8_u (i32.const 0))
              (i32.shl (i32.wrap_i64 (i64.and (i64.shr_u (i64.load (i32.const 8)) (i64.const 5))
                                              (i64.const 1)))
                       (i32.const 4))))))"#;

#[test]
fn stdout_on_dev_null_is_no_terminal_but_a_terminal_is() {
    let file = write_temp("stdout_kind.wat", STDOUT_KIND_WAT);
    // /dev/null: a character device with the tell right, so not a terminal (programs such
    // as bzip2 refuse to write compressed data to a terminal).
    let status = Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .args(["run", file.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(2 | 16),
        "character device with the tell right"
    );
    // A pipe: a stream without a position.
    let out = wedge(&["run", file.to_str().unwrap()]);
    assert_eq!(out.status.code().map(|c| c & 16), Some(0), "{out:?}");
    // A terminal (a pseudo-terminal made by util-linux `script`): a character device
    // without the tell right.
    let cmd = format!(
        "WEDGE_CACHE=off {} run {}; echo \"code=$?\"",
        env!("CARGO_BIN_EXE_wedge"),
        file.display()
    );
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output();
    match out {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("code=2"), "{text}");
        }
        Err(e) => assert!(
            std::env::var_os("WEDGE_CI").is_none(),
            "util-linux `script` is needed: {e}"
        ),
    }
}
