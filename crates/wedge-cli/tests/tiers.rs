//! `wedge compile` and `--tier`: universal files and the choice of execution tier.

use std::path::PathBuf;
use std::process::{Command, Output};

fn wedge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .args(args)
        .env("WEDGE_AOT_KEY_FILE", temp_dir("key").join("aot.key"))
        .output()
        .expect("wedge binary runs")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wedge-tiers-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const FAC: &str = r#"(module (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1))))))))"#;

#[test]
fn run_gives_the_same_results_in_both_tiers() {
    let dir = temp_dir("run");
    let wat = dir.join("fac.wat");
    std::fs::write(&wat, FAC).unwrap();
    for tier in ["interp", "jit"] {
        let out = wedge(&[
            "run",
            "--tier",
            tier,
            "--invoke",
            "fac",
            wat.to_str().unwrap(),
            "20",
        ]);
        assert!(out.status.success(), "{tier}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "2432902008176640000\n"
        );
    }
    let out = wedge(&["run", "--tier", "turbo", wat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn compiled_files_run_natively_and_stay_valid_wasm() {
    let dir = temp_dir("compile");
    let wat = dir.join("fac.wat");
    std::fs::write(&wat, FAC).unwrap();
    let out_file = dir.join("fac.native.wasm");
    let out = wedge(&["compile", wat.to_str().unwrap(), out_file.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let bytes = std::fs::read(&out_file).unwrap();
    assert_eq!(&bytes[..4], b"\0asm");
    let out = wedge(&["run", "--invoke", "fac", out_file.to_str().unwrap(), "10"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "3628800\n");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The interpreter ignores the native code; inspect lists the section.
    let out = wedge(&[
        "run",
        "--tier",
        "interp",
        "--invoke",
        "fac",
        out_file.to_str().unwrap(),
        "5",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "120\n");
    let out = wedge(&["inspect", out_file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("wedge.native"));
}

#[test]
fn a_stamp_mismatch_recompiles_with_a_warning() {
    let dir = temp_dir("stamp");
    let wat = dir.join("fac.wat");
    std::fs::write(&wat, FAC).unwrap();
    let out_file = dir.join("fac.native.wasm");
    let out = wedge(&["compile", wat.to_str().unwrap(), out_file.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let mut bytes = std::fs::read(&out_file).unwrap();
    let at = bytes
        .windows(8)
        .position(|w| w == b"x86_64-u" || w == b"aarch64-")
        .expect("the stamp names the target");
    bytes[at] = b'y';
    std::fs::write(&out_file, &bytes).unwrap();
    let out = wedge(&["run", "--invoke", "fac", out_file.to_str().unwrap(), "6"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "720\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("compiling the module again"),
        "{err}"
    );
}

#[test]
fn metered_files_serve_metered_runs_without_compiling() {
    let dir = temp_dir("metered");
    let wat = dir.join("fac.wat");
    std::fs::write(&wat, FAC).unwrap();
    let costs = dir.join("costs.txt");
    std::fs::write(&costs, "default 2\ncall 10\n").unwrap();
    let plain = dir.join("fac.plain.wasm");
    let metered = dir.join("fac.metered.wasm");
    let (w, p, m, c) = (
        wat.to_str().unwrap(),
        plain.to_str().unwrap(),
        metered.to_str().unwrap(),
        costs.to_str().unwrap(),
    );
    let out = wedge(&["compile", w, p]);
    assert!(out.status.success(), "{out:?}");
    let out = wedge(&["compile", "--cost-table", c, "--interruptible", w, m]);
    assert!(out.status.success(), "{out:?}");
    // The same counts from the interpreter, the metered file and the plain file (which a
    // metered run compiles again, with a warning).
    let run = |file: &str, tier: &str| {
        let out = wedge(&[
            "run",
            "--tier",
            tier,
            "--cost-table",
            c,
            "--time-limit",
            "60000",
            "--enable-instruction-count",
            "--enable-gas-measuring",
            "--invoke",
            "fac",
            file,
            "10",
        ]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "3628800\n");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let interp = run(w, "interp");
    let from_metered = run(m, "jit");
    let from_plain = run(p, "jit");
    assert!(interp.contains("instructions executed: "), "{interp}");
    assert_eq!(from_metered, interp);
    assert!(
        from_plain.contains("compiling the module again"),
        "{from_plain}"
    );
    assert!(from_plain.ends_with(&interp), "{from_plain}");
}

#[test]
fn files_signed_with_another_key_are_compiled_again() {
    let dir = temp_dir("otherkey");
    let wat = dir.join("fac.wat");
    std::fs::write(&wat, FAC).unwrap();
    let out_file = dir.join("fac.native.wasm");
    let out = Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .args(["compile", wat.to_str().unwrap(), out_file.to_str().unwrap()])
        .env("WEDGE_AOT_KEY_FILE", dir.join("someone-else.key"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let key = std::fs::read(dir.join("someone-else.key")).unwrap();
    assert_eq!(key.len(), 16);
    let out = wedge(&["run", "--invoke", "fac", out_file.to_str().unwrap(), "4"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "24\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("signature does not match"), "{err}");
}

#[test]
fn compile_reports_invalid_input() {
    let dir = temp_dir("bad");
    let wat = dir.join("bad.wat");
    std::fs::write(&wat, "(module (func (result i32)))").unwrap();
    let out = wedge(&[
        "compile",
        wat.to_str().unwrap(),
        dir.join("o.wasm").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("type mismatch"));
    assert!(!dir.join("o.wasm").exists());
}

#[test]
fn wast_runs_in_either_tier() {
    let dir = temp_dir("wast");
    let script = dir.join("t.wast");
    std::fs::write(
        &script,
        r#"(module (func (export "d") (param i32) (result i32) (i32.div_s (i32.const 7) (local.get 0))))
           (assert_return (invoke "d" (i32.const 2)) (i32.const 3))
           (assert_trap (invoke "d" (i32.const 0)) "integer divide by zero")"#,
    )
    .unwrap();
    for tier in ["interp", "jit"] {
        let out = wedge(&["wast", "--tier", tier, script.to_str().unwrap()]);
        assert!(out.status.success(), "{tier}: {out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("3 passed, 0 failed"));
    }
}

/// `wedge compile` inlines small functions unless told `--no-inline`; the code differs, but
/// files made either way serve runs with and without `--inline`, with the same results,
/// traps and backtraces (the inlined function keeps its frame).
#[test]
fn compiled_files_inline_by_default_and_serve_every_run() {
    let dir = temp_dir("inline");
    let wat = dir.join("trap.wat");
    std::fs::write(
        &wat,
        r#"(module
             (memory 1)
             (func $get (param i32) (result i32) (i32.load (local.get 0)))
             (func (export "outer") (param i32) (result i32)
               (i32.add (call $get (local.get 0)) (i32.const 1))))"#,
    )
    .unwrap();
    let inlined = dir.join("trap.inlined.wasm");
    let plain = dir.join("trap.plain.wasm");
    let w = wat.to_str().unwrap();
    let (i, p) = (inlined.to_str().unwrap(), plain.to_str().unwrap());
    assert!(wedge(&["compile", w, i]).status.success());
    assert!(wedge(&["compile", "--no-inline", w, p]).status.success());
    assert_ne!(
        std::fs::read(&inlined).unwrap(),
        std::fs::read(&plain).unwrap(),
        "inlining changes the code"
    );
    for file in [i, p] {
        for flag in [None, Some("--inline")] {
            let run = |arg: &str| {
                let mut args = vec!["run", "--tier", "jit", "--invoke", "outer", file, arg];
                if let Some(flag) = flag {
                    args.insert(1, flag);
                }
                wedge(&args)
            };
            let out = run("0");
            assert!(out.status.success(), "{out:?}");
            assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
            assert!(out.stderr.is_empty(), "the file's code is used: {out:?}");
            let out = run("70000");
            assert_eq!(out.status.code(), Some(134));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("out of bounds memory access"), "{err}");
            assert!(
                err.contains("0: get (func 0)") && err.contains("1: func 1"),
                "{err}"
            );
        }
    }
}

/// A WASI program whose whole work is one loop in `_start`: it prints a checksum of 30
/// million iterations (as 16 hex digits).
const ONE_LOOP: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "0123456789abcdef")
  (func (export "_start") (local $i i32) (local $h i64) (local $k i32)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (loop $l
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.extend_i32_u (local.get $i)))
                             (i64.const 0x100000001b3)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (i32.const 30000000))))
    (loop $digits
      (i32.store8 (i32.add (i32.const 100) (local.get $k))
        (i32.load8_u offset=64 (i32.wrap_i64 (i64.and (i64.shr_u (local.get $h)
          (i64.extend_i32_u (i32.sub (i32.const 60) (i32.mul (local.get $k) (i32.const 4)))))
          (i64.const 15)))))
      (br_if $digits (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 16))))
    (i32.store8 (i32.const 116) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 17))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

#[test]
fn a_program_that_is_one_loop_continues_compiled_under_the_default_tier() {
    let dir = temp_dir("one-loop");
    let wat = dir.join("one_loop.wat");
    std::fs::write(&wat, ONE_LOOP).unwrap();
    let interp = wedge(&["run", "--tier", "interp", wat.to_str().unwrap()]);
    assert!(interp.status.success(), "{interp:?}");
    assert_eq!(interp.stdout.len(), 17, "{interp:?}");
    let tiered = wedge(&["run", "--log", "wedge::tier=debug", wat.to_str().unwrap()]);
    assert!(tiered.status.success(), "{tiered:?}");
    assert_eq!(tiered.stdout, interp.stdout);
    let log = String::from_utf8_lossy(&tiered.stderr);
    assert!(
        log.contains("running call continues in compiled code"),
        "{log}"
    );
}
