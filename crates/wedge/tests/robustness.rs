//! Robustness: arbitrary bytes given to `Module::new`, and arbitrary valid modules
//! instantiated and called, never panic, abort or hang the host.
//!
//! This is the bounded, deterministic version of the fuzz targets in `fuzz/`, so that
//! `cargo test` exercises the same harness (`robustness/harness.rs`) on every run.

#[path = "robustness/harness.rs"]
mod harness;

use arbitrary::Unstructured;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// How many byte strings `loading_arbitrary_bytes_never_panics` feeds to `Module::new`.
const LOAD_CASES: u64 = 2000;

/// How many wasm-smith modules `running_generated_modules_never_panics` runs.
const EXECUTE_CASES: u64 = 300;
/// Generated modules with GC and exceptions that are run.
const GC_EXECUTE_CASES: u64 = 300;

/// How many Wasm 3.0 wasm-smith modules `running_generated_wasm3_modules_never_panics` runs.
const EXECUTE_WASM3_CASES: u64 = 300;

/// How long one case may take before it counts as a hang (generous, for debug builds).
const CASE_TIME_LIMIT: Duration = Duration::from_secs(20);

/// A small deterministic random number generator (SplitMix64).
struct Rng(u64);

impl Rng {
    /// Creates a generator from a seed; equal seeds give equal sequences.
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5745_4447_4521_2121)
    }

    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A random byte.
    fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    /// `len` random bytes.
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }
}

/// Valid modules (text format) whose mutations make the loading corpus.
const SEEDS: &[&str] = &[
    // Every section kind, with names, a start function and segments of each mode.
    r#"(module $seed
        (type $t (func (param i32) (result i32)))
        (import "env" "f" (func $imp (type $t)))
        (import "env" "g" (global $g i32))
        (table $tab 2 10 funcref)
        (memory $mem 1 2)
        (global $count (mut i32) (i32.const 0))
        (export "run" (func $run))
        (export "mem" (memory $mem))
        (start $init)
        (elem (i32.const 0) $run $init)
        (elem $passive func $run)
        (elem declare func $init)
        (data (i32.const 8) "hello")
        (data $later "world")
        (func $init (global.set $count (i32.const 1)))
        (func $run (type $t) (local i64 f32)
            (block $out
                (loop $again
                    (br_if $out (i32.eqz (local.get 0)))
                    (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                    (br $again)))
            (drop (call_indirect (type $t) (local.get 0) (i32.const 0)))
            (memory.init $later (i32.const 0) (i32.const 0) (i32.const 5))
            (data.drop $later)
            (i32.add (i32.load8_u (i32.const 8)) (global.get $g))))"#,
    // Numeric, SIMD and conversion instructions, multi-value blocks and br_table.
    r#"(module
        (func (export "math") (param i64 f64) (result i64 f64)
            (i64.extend32_s (local.get 0))
            (f64.sqrt (local.get 1)))
        (func (export "simd") (param v128) (result i32)
            (i32x4.extract_lane 3
                (i32x4.add (local.get 0) (v128.const i32x4 1 2 3 4))))
        (func (export "conv") (param f32) (result i32 i64)
            (i32.trunc_sat_f32_s (local.get 0))
            (i64.trunc_f32_u (local.get 0)))
        (func (export "switch") (param i32) (result i32)
            (block $a (result i32)
                (block $b (result i32)
                    (br_table $a $b $a (i32.const 7) (local.get 0)))
                (i32.const 1)
                (i32.add))))"#,
    // Reference types, tables and bulk memory.
    r#"(module
        (table $t 3 externref)
        (table $f 3 funcref)
        (memory 1)
        (func $id (param externref) (result externref) (local.get 0))
        (func (export "refs") (param externref) (result i32)
            (table.set $t (i32.const 1) (call $id (local.get 0)))
            (drop (table.grow $t (ref.null extern) (i32.const 2)))
            (table.fill $f (i32.const 0) (ref.func $id) (i32.const 3))
            (table.copy $f $f (i32.const 0) (i32.const 1) (i32.const 2))
            (memory.fill (i32.const 0) (i32.const 255) (i32.const 100))
            (memory.copy (i32.const 50) (i32.const 0) (i32.const 50))
            (drop (memory.grow (i32.const 1)))
            (i32.add (ref.is_null (table.get $t (i32.const 1))) (table.size $f)))
        (elem declare func $id))"#,
];

/// Returns a copy of `original` changed by one to four random mutations.
fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            bytes.push(rng.byte());
            continue;
        }
        let at = rng.below(bytes.len());
        match rng.below(6) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = rng.byte(),
            // Values at the edges of LEB128 encodings and section ids.
            2 => bytes[at] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x0b][rng.below(7)],
            3 => {
                let count = 1 + rng.below(8);
                let insert = rng.bytes(count);
                bytes.splice(at..at, insert);
            }
            4 => bytes.truncate(at),
            _ => {
                let end = (at + 1 + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

/// The loading corpus's case `index`: random bytes, or a mutated binary or text seed.
fn load_case(index: u64, binaries: &[Vec<u8>]) -> Vec<u8> {
    let mut rng = Rng::new(index);
    match index % 8 {
        0 => {
            let len = rng.below(256);
            rng.bytes(len)
        }
        1 => {
            // A valid header, so the section reader sees the random part.
            let mut bytes = b"\0asm\x01\0\0\0".to_vec();
            let len = rng.below(256);
            bytes.extend(rng.bytes(len));
            bytes
        }
        2 => {
            let seed = SEEDS[rng.below(SEEDS.len())];
            mutate(&mut rng, seed.as_bytes())
        }
        _ => {
            let binary = &binaries[rng.below(binaries.len())];
            mutate(&mut rng, binary)
        }
    }
}

/// Runs `case` on its own thread; `Err` says whether it panicked or ran past the time limit.
fn run_guarded<T: Send + 'static>(case: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (sender, receiver) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        // The receiver may be gone after a timeout; nothing is left to tell then.
        let _ = sender.send(case());
    });
    match receiver.recv_timeout(CASE_TIME_LIMIT) {
        Ok(value) => Ok(value),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("hang: over {CASE_TIME_LIMIT:?}")),
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(payload) => Err(format!("panic: {}", panic_message(&*payload))),
            Ok(()) => Err("worker ended without a result".into()),
        },
    }
}

/// The message of a panic payload, when it is a string.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string payload)".into()
    }
}

/// Writes a failing input where it can be picked up as a reproducer; returns its path.
fn save_reproducer(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("robustness");
    std::fs::create_dir_all(&dir).expect("create reproducer directory");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write reproducer");
    path
}

/// Bytes as lowercase hex, for short reproducers in failure messages.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn loading_arbitrary_bytes_never_panics() {
    let binaries: Vec<Vec<u8>> = SEEDS
        .iter()
        .map(|text| wat::parse_str(text).expect("seed is valid"))
        .collect();
    let engines = harness::load_engines();
    for binary in &binaries {
        assert_eq!(harness::load(&engines, binary), engines.len(), "seed loads");
    }
    let mut accepted = 0;
    let mut failures = Vec::new();
    for index in 0..LOAD_CASES {
        let bytes = load_case(index, &binaries);
        let (engines, input) = (engines.clone(), bytes.clone());
        match run_guarded(move || harness::load(&engines, &input)) {
            Ok(count) => accepted += usize::from(count > 0),
            Err(why) => {
                let path = save_reproducer(&format!("load-{index}.bin"), &bytes);
                failures.push(format!("case {index}: {why}\n  input {}", path.display()));
                if bytes.len() <= 512 {
                    failures.push(format!("  hex {}", hex(&bytes)));
                }
            }
        }
    }
    println!("loading: {LOAD_CASES} inputs, {accepted} accepted as valid modules");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn running_generated_modules_never_panics() {
    run_generated(EXECUTE_CASES, harness::smith_config, false);
}

/// The same with GC types and instructions, typed function references and exceptions;
/// each module runs a second time collecting at every allocation, with the same outcome.
#[test]
fn running_generated_gc_and_exception_modules_never_panics() {
    run_generated(GC_EXECUTE_CASES, harness::smith_config_gc, true);
}

/// Generates `cases` modules with the configuration and runs each; fails on any panic,
/// hang or non-trap error (or, with `compare_gc_stress`, a different outcome when the
/// store collects at every allocation).
fn run_generated(cases: u64, config: fn() -> wasm_smith::Config, compare_gc_stress: bool) {
    let engine = wedge::Engine::default();
    let (mut generated, mut instantiated, mut instantiation_trapped) = (0, 0, 0);
    let (mut calls_returned, mut calls_trapped) = (0, 0);
    let mut failures = Vec::new();
    for index in 0..cases {
        let mut rng = Rng::new(index);
        let len = 512 + rng.below(8 * 1024);
        let entropy = rng.bytes(len);
        let Ok(wasm) = harness::generate_with(config(), &mut Unstructured::new(&entropy)) else {
            continue;
        };
        generated += 1;
        let (engine, input) = (engine.clone(), wasm.clone());
        let stress = compare_gc_stress;
        let result = run_guarded(move || {
            let outcome = harness::execute(&engine, &input)?;
            if stress {
                let stressed = harness::execute_with(&engine, &input, true)?;
                if stressed != outcome {
                    return Err(format!(
                        "collecting at every allocation changed the outcome: \
                         {outcome:?} became {stressed:?}"
                    ));
                }
            }
            Ok(outcome)
        });
        match result {
            Ok(Ok(outcome)) => {
                instantiated += usize::from(outcome.instantiated);
                instantiation_trapped += usize::from(outcome.instantiation_trapped);
                calls_returned += outcome.calls_returned;
                calls_trapped += outcome.calls_trapped;
            }
            Ok(Err(why)) | Err(why) => {
                let path = save_reproducer(&format!("execute-{index}.wasm"), &wasm);
                failures.push(format!("case {index}: {why}\n  module {}", path.display()));
            }
        }
    }
    println!(
        "execution: {generated} modules generated, {instantiated} instantiated, \
         {instantiation_trapped} trapped while instantiating; \
         {calls_returned} calls returned, {calls_trapped} trapped"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn running_generated_wasm3_modules_never_panics() {
    let engine = harness::wasm3_engine();
    let (mut generated, mut instantiated, mut calls) = (0, 0, 0);
    let mut failures = Vec::new();
    for index in 0..EXECUTE_WASM3_CASES {
        let mut rng = Rng::new(index ^ 0x3_0000);
        let len = 512 + rng.below(8 * 1024);
        let entropy = rng.bytes(len);
        let Ok(Some(wasm)) = harness::generate_wasm3(&mut Unstructured::new(&entropy)) else {
            continue;
        };
        generated += 1;
        let (engine, input) = (engine.clone(), wasm.clone());
        match run_guarded(move || harness::execute(&engine, &input)) {
            Ok(Ok(outcome)) => {
                instantiated += usize::from(outcome.instantiated);
                calls += outcome.calls_returned + outcome.calls_trapped;
            }
            Ok(Err(why)) | Err(why) => {
                let path = save_reproducer(&format!("execute-wasm3-{index}.wasm"), &wasm);
                failures.push(format!("case {index}: {why}\n  module {}", path.display()));
            }
        }
    }
    println!(
        "wasm3 execution: {generated} modules generated, {instantiated} instantiated, \
         {calls} calls made"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
