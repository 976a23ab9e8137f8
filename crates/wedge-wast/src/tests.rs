//! Tests of the runner itself, on small inline scripts.

use crate::runner::trap_message_matches;
use crate::{Report, WastRunner};
use wedge::Engine;

/// Runs a script with a fresh runner.
fn run(script: &str) -> Report {
    WastRunner::new(&Engine::default()).run_source("test.wast", script)
}

/// Runs a script in which every directive should pass.
fn assert_all_pass(script: &str, directives: usize) {
    let report = run(script);
    assert_eq!(report.failures, Vec::<String>::new());
    assert_eq!(report.passed, directives);
}

/// Runs a script whose single assertion (after `setup` directives) should fail,
/// and returns its failure line.
fn single_failure(script: &str, setup: usize) -> String {
    let report = run(script);
    assert_eq!(report.passed, setup, "failures: {:?}", report.failures);
    assert_eq!(report.failed, 1, "failures: {:?}", report.failures);
    report.failures[0].clone()
}

const FUNCS: &str = r#"
(module
  (func (export "one") (result i32) (i32.const 1))
  (func (export "id64") (param i64) (result i64) (local.get 0))
  (func (export "trap") (unreachable))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "nan32") (result f32) (f32.const nan))
  (func (export "nan32_arith") (result f32) (f32.const nan:0x400001))
  (func (export "nan64") (result f64) (f64.const -nan))
  (func (export "neg_zero") (result f32) (f32.const -0))
  (func (export "vec") (result v128) (v128.const f32x4 nan 1 nan:0x600000 -2))
  (func (export "null_func") (result funcref) (ref.null func))
  (func (export "null_extern") (result externref) (ref.null extern))
  (func (export "some_func") (result funcref) (ref.func 0))
  (func (export "extern_id") (param externref) (result externref) (local.get 0))
  (func $loop (export "loop") (call $loop))
  (global (export "g") i32 (i32.const 42))
)
"#;

#[test]
fn a_matching_script_passes() {
    let script = format!(
        r#"{FUNCS}
        (assert_return (invoke "one") (i32.const 1))
        (assert_return (invoke "id64" (i64.const -5)) (i64.const -5))
        (assert_return (invoke "nan32") (f32.const nan:canonical))
        (assert_return (invoke "nan32") (f32.const nan:arithmetic))
        (assert_return (invoke "nan32_arith") (f32.const nan:arithmetic))
        (assert_return (invoke "nan64") (f64.const nan:canonical))
        (assert_return (invoke "neg_zero") (f32.const -0))
        (assert_return (invoke "vec") (v128.const f32x4 nan:canonical 1 nan:arithmetic -2))
        (assert_return (invoke "null_func") (ref.null func))
        (assert_return (invoke "null_extern") (ref.null extern))
        (assert_return (invoke "some_func") (ref.func))
        (assert_return (invoke "extern_id" (ref.extern 7)) (ref.extern 7))
        (assert_return (invoke "extern_id" (ref.null extern)) (ref.null extern))
        (assert_return (invoke "one") (either (i32.const 0) (i32.const 1)))
        (assert_return (get "g") (i32.const 42))
        (assert_trap (invoke "trap") "unreachable")
        (assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
        (assert_exhaustion (invoke "loop") "call stack exhausted")
        (invoke "one")
        "#
    );
    assert_all_pass(&script, 20);
}

#[test]
fn a_wrong_result_is_reported_with_its_location() {
    let script = r#"(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 2))"#;
    let failure = single_failure(script, 1);
    assert_eq!(
        failure,
        "test.wast:2:2: assert_return: expected [i32.const 2], got [i32.const 1]"
    );
}

#[test]
fn each_failing_assertion_is_counted_once() {
    let cases = [
        r#"(assert_return (invoke "nan32_arith") (f32.const nan:canonical))"#,
        r#"(assert_return (invoke "neg_zero") (f32.const 0))"#,
        r#"(assert_return (invoke "vec") (v128.const f32x4 nan:canonical 1 nan:canonical -2))"#,
        r#"(assert_return (invoke "extern_id" (ref.extern 1)) (ref.extern 2))"#,
        r#"(assert_return (invoke "null_func") (ref.null extern))"#,
        r#"(assert_return (invoke "one") (either (i32.const 2) (i32.const 3)))"#,
        r#"(assert_return (invoke "one"))"#,
        r#"(assert_return (invoke "trap"))"#,
        r#"(assert_trap (invoke "one") "unreachable")"#,
        r#"(assert_trap (invoke "trap") "integer overflow")"#,
        r#"(assert_invalid (module (func (result i32) (i32.const 0))) "type mismatch")"#,
        r#"(assert_malformed (module quote "(func)") "unexpected token")"#,
        r#"(assert_unlinkable (module) "unknown import")"#,
        r#"(assert_exception (invoke "one"))"#,
        r#"(invoke "missing")"#,
        r#"(invoke $Nope "one")"#,
    ];
    for case in cases {
        let failure = single_failure(&format!("{FUNCS}\n{case}"), 1);
        assert!(failure.starts_with("test.wast:"), "{failure}");
    }
}

#[test]
fn assert_exception_needs_an_uncaught_exception() {
    let script = r#"
        (module
          (tag $e (param i32))
          (func (export "throw") (throw $e (i32.const 1)))
          (func (export "quiet")))
        (assert_exception (invoke "throw"))
    "#;
    let report = run(script);
    assert_eq!(
        (report.passed, report.failed),
        (2, 0),
        "{:?}",
        report.failures
    );
    let failure = single_failure(&format!("{FUNCS}\n(assert_exception (invoke \"one\"))"), 1);
    assert!(
        failure.ends_with("expected an uncaught exception, got [i32.const 1]"),
        "{failure}"
    );
}

#[test]
fn module_forms_and_registration_work() {
    let script = r#"
        (module $A (func (export "f") (result i32) (i32.const 10)))
        (register "a" $A)
        (module binary "\00asm" "\01\00\00\00")
        (module quote "(func (export \"g\") (result i32) (i32.const 20))")
        (assert_return (invoke "g") (i32.const 20))
        (assert_return (invoke $A "f") (i32.const 10))
        (module (import "a" "f" (func $f (result i32)))
          (func (export "h") (result i32) (call $f)))
        (assert_return (invoke "h") (i32.const 10))
        (module definition $D (func (export "k") (result i32) (i32.const 30)))
        (module instance $I $D)
        (assert_return (invoke $I "k") (i32.const 30))
        (assert_return (invoke "k") (i32.const 30))
    "#;
    assert_all_pass(script, 12);
}

#[test]
fn module_assertions_work() {
    let script = r#"
        (assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
        (assert_invalid (module quote "(func (result i32) (i64.const 0))") "type mismatch")
        (assert_malformed (module quote "(func (i32.bogus))") "unknown operator")
        (assert_malformed (module binary "\00asm" "\02\00\00\00") "unknown binary version")
        (assert_unlinkable (module (import "nowhere" "f" (func))) "unknown import")
        (assert_unlinkable (module (import "spectest" "print_i32" (func (param i64))))
          "incompatible import type")
        (assert_trap (module (func $start unreachable) (start $start)) "unreachable")
        (assert_trap (module (memory 1) (data (i32.const 70000) "x"))
          "out of bounds memory access")
    "#;
    assert_all_pass(script, 8);
}

#[test]
fn the_spectest_module_is_complete() {
    let script = r#"
        (module
          (import "spectest" "print" (func))
          (import "spectest" "print_i32" (func (param i32)))
          (import "spectest" "print_i64" (func (param i64)))
          (import "spectest" "print_f32" (func (param f32)))
          (import "spectest" "print_f64" (func (param f64)))
          (import "spectest" "print_i32_f32" (func (param i32 f32)))
          (import "spectest" "print_f64_f64" (func (param f64 f64)))
          (import "spectest" "global_i32" (global $i32 i32))
          (import "spectest" "global_i64" (global $i64 i64))
          (import "spectest" "global_f32" (global $f32 f32))
          (import "spectest" "global_f64" (global $f64 f64))
          (import "spectest" "table" (table 10 20 funcref))
          (import "spectest" "memory" (memory 1 2))
          (func (export "i32") (result i32) (global.get $i32))
          (func (export "i64") (result i64) (global.get $i64))
          (func (export "f32") (result f32) (global.get $f32))
          (func (export "f64") (result f64) (global.get $f64))
          (func (export "print") (call 1 (i32.const 1)))
        )
        (assert_return (invoke "i32") (i32.const 666))
        (assert_return (invoke "i64") (i64.const 666))
        (assert_return (invoke "f32") (f32.const 666.6))
        (assert_return (invoke "f64") (f64.const 666.6))
        (assert_return (invoke "print"))
    "#;
    assert_all_pass(script, 6);
}

#[test]
fn a_script_that_does_not_parse_is_one_failure() {
    let report = run("(module (func)");
    assert_eq!(report.passed, 0);
    assert_eq!(report.failed, 1);
    assert!(report.failures[0].starts_with("test.wast: cannot parse script"));
}

#[test]
fn trap_messages_match_by_containment_or_prefix() {
    assert!(trap_message_matches("unreachable", "unreachable"));
    assert!(trap_message_matches("unreachable", "unreachable executed"));
    assert!(trap_message_matches(
        "uninitialized element 2",
        "uninitialized element"
    ));
    assert!(!trap_message_matches(
        "integer overflow",
        "integer divide by zero"
    ));
    assert!(!trap_message_matches("unreachable", ""));
}

#[test]
fn run_files_adds_up_every_file() {
    let dir = std::env::temp_dir().join(format!("wedge-wast-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.wast");
    let bad = dir.join("bad.wast");
    std::fs::write(&good, "(module (func (export \"f\")))\n(invoke \"f\")").unwrap();
    std::fs::write(&bad, "(assert_trap (invoke \"f\") \"unreachable\")").unwrap();
    let missing = dir.join("missing.wast");

    let report = crate::run_files(&[good, bad, missing], &Engine::default());
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(report.passed, 2);
    assert_eq!(report.failed, 2);
    assert!(report.failures[0].contains("bad.wast:1:2: assert_trap: no current module"));
    assert!(report.failures[1].contains("missing.wast: cannot read file"));
}
