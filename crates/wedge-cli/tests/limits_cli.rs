//! `wedge run` resource-control flags: gas, cost tables, time and memory limits, statistics.

use std::path::PathBuf;
use std::process::{Command, Output};

fn wedge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .args(args)
        .output()
        .expect("wedge binary runs")
}

fn write_temp(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wedge-limits-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `count(n)` loops n times: 2 + 8n + 3 + 2 instructions (see the comments).
const COUNTER: &str = r#"(module
  (func (export "count") (param $n i32) (result i32)
    block $done             ;; 1
      loop $next            ;; 2
        local.get $n        ;; 3 per test
        i32.eqz
        br_if $done
        local.get $n        ;; 4 per iteration
        i32.const 1
        i32.sub
        local.set $n
        br $next
      end
    end
    i32.const 7             ;; 2 at the end
  ))"#;

#[test]
fn instruction_count_and_gas_are_printed_alike_in_both_tiers() {
    let file = write_temp("counter.wat", COUNTER);
    for tier in ["interp", "jit"] {
        let out = wedge(&[
            "run",
            "--tier",
            tier,
            "--enable-instruction-count",
            "--enable-gas-measuring",
            "--invoke",
            "count",
            file.to_str().unwrap(),
            "10",
        ]);
        assert!(out.status.success(), "{tier}: {}", stderr(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "7\n");
        // 2 + 10 * (3 + 5) + 3 + 2 = 87.
        let err = stderr(&out);
        assert!(err.contains("instructions executed: 87"), "{tier}: {err}");
        assert!(err.contains("gas used: 87"), "{tier}: {err}");
    }
}

#[test]
fn cost_table_file_sets_prices() {
    let file = write_temp("counter2.wat", COUNTER);
    let table = write_temp("costs.txt", "# prices\ndefault 0\ni32.sub 100\n");
    let out = wedge(&[
        "run",
        "--cost-table",
        table.to_str().unwrap(),
        "--enable-gas-measuring",
        "--invoke",
        "count",
        file.to_str().unwrap(),
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("gas used: 300"), "{}", stderr(&out));
}

#[test]
fn bad_cost_table_is_a_clear_error() {
    let file = write_temp("counter3.wat", COUNTER);
    let table = write_temp("bad-costs.txt", "i32.add 1\ni32.frob 2\n");
    let out = wedge(&[
        "run",
        "--cost-table",
        table.to_str().unwrap(),
        "--invoke",
        "count",
        file.to_str().unwrap(),
        "3",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("line 2") && err.contains("i32.frob"), "{err}");
}

#[test]
fn gas_limit_traps_with_gas_exhausted_in_both_tiers() {
    let file = write_temp("counter4.wat", COUNTER);
    for tier in ["interp", "jit"] {
        let out = wedge(&[
            "run",
            "--tier",
            tier,
            "--gas-limit",
            "50",
            "--enable-gas-measuring",
            "--invoke",
            "count",
            file.to_str().unwrap(),
            "1000",
        ]);
        assert_eq!(out.status.code(), Some(134), "{tier}");
        let err = stderr(&out);
        assert!(err.contains("gas exhausted"), "{tier}: {err}");
        // Segments of 2, then 3 and 5 per iteration: 2 + 6 * 8 = 50 fits exactly.
        assert!(err.contains("gas used: 50 of 50"), "{tier}: {err}");
    }
}

#[test]
fn time_limit_ends_an_infinite_loop_in_both_tiers() {
    let file = write_temp(
        "spin.wat",
        r#"(module (func (export "_start") (loop (br 0))))"#,
    );
    for tier in ["interp", "jit"] {
        let out = wedge(&[
            "run",
            "--tier",
            tier,
            "--time-limit",
            "30",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(134), "{tier}");
        let err = stderr(&out);
        assert!(
            err.contains("time limit of 30 ms exceeded"),
            "{tier}: {err}"
        );
    }
}

#[test]
fn memory_page_limit_makes_memory_grow_fail() {
    let file = write_temp(
        "grow.wat",
        r#"(module (memory 1)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let path = file.to_str().unwrap();
    let limited = wedge(&[
        "run",
        "--memory-page-limit",
        "4",
        "--invoke",
        "grow",
        path,
        "4",
    ]);
    assert!(limited.status.success(), "{}", stderr(&limited));
    assert_eq!(String::from_utf8_lossy(&limited.stdout), "-1\n");
    let unlimited = wedge(&["run", "--invoke", "grow", path, "4"]);
    assert_eq!(String::from_utf8_lossy(&unlimited.stdout), "1\n");
}

#[test]
fn all_statistics_print_every_line() {
    let file = write_temp("counter5.wat", COUNTER);
    let out = wedge(&[
        "run",
        "--enable-all-statistics",
        "--invoke",
        "count",
        file.to_str().unwrap(),
        "5",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for line in [
        "instructions executed: 47",
        "gas used: 47",
        "execution time:",
        "host function time:",
        "instructions per second:",
    ] {
        assert!(err.contains(line), "missing {line:?} in {err}");
    }
}

#[test]
fn bad_limit_values_are_argument_errors() {
    let file = write_temp("counter6.wat", COUNTER);
    let out = wedge(&["run", "--gas-limit", "lots", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let out = wedge(&["run", "--time-limit", "-5", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn deterministic_flag_canonicalizes_nans() {
    let file = write_temp(
        "nan.wat",
        r#"(module (func (export "nan") (param f32) (result i32)
             (i32.reinterpret_f32 (f32.div (local.get 0) (local.get 0)))))"#,
    );
    let out = wedge(&[
        "run",
        "--deterministic",
        "--invoke",
        "nan",
        file.to_str().unwrap(),
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2143289344\n");
}

#[test]
fn deterministic_flag_refuses_nondeterministic_wasi_imports() {
    let file = write_temp(
        "random.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
             (memory (export "memory") 1)
             (func (export "_start")))"#,
    );
    let path = file.to_str().unwrap();
    let out = wedge(&["run", "--deterministic", path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("random_get") && err.contains("deterministic"),
        "{err}"
    );
    let out = wedge(&["run", path]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn statistics_cover_wasi_programs() {
    let hello = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/guests/bin/hello.wasm"
    );
    let out = wedge(&["run", "--enable-all-statistics", hello]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("instructions executed:"), "{err}");
    assert!(!err.contains("instructions executed: 0\n"), "{err}");
}
