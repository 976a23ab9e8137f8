//! Behaviour of the `wedge` binary: exit codes, messages and output.

use std::process::{Command, Output};

fn wedge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wedge"))
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
