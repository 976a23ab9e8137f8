//! What metering and interruption cost: the core programs run with each off and on, in the
//! interpreter and as compiled code.
//!
//! Compare `metering/<tier>/<program>/off` with `.../gas` (gas metering and instruction
//! counting), `.../interrupt` (interruption checks) and `.../both`. With both off the code is
//! the same as without these settings, so "off" costs nothing.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use wedge::{Config, Engine, Linker, Module, Store, Strategy, WasmResults};

/// Programs: name, text, argument.
const PROGRAMS: &[(&str, &str, i32)] = &[
    ("fib", include_str!("../../../benches/programs/fib.wat"), 22),
    (
        "loop",
        include_str!("../../../benches/programs/loop.wat"),
        300_000,
    ),
    (
        "sieve",
        include_str!("../../../benches/programs/sieve.wat"),
        300_000,
    ),
    (
        "indirect",
        include_str!("../../../benches/programs/indirect.wat"),
        100_000,
    ),
];

/// Benchmarks `run(n)` of `wat` under each setting in each tier, checking that every run
/// agrees.
fn bench_program<R: WasmResults + PartialEq + std::fmt::Debug>(
    c: &mut Criterion,
    name: &str,
    wat: &str,
    n: i32,
) {
    let mut expected = None;
    let tiers = [
        ("interp", Strategy::Interpreter),
        ("jit", Strategy::Compiler),
    ];
    let settings = [
        ("off", false, false),
        ("gas", true, false),
        ("interrupt", false, true),
        ("both", true, true),
    ];
    let runs = tiers.into_iter().flat_map(|t| settings.map(|s| (t, s)));
    for ((tier, strategy), (setting, metering, interruptible)) in runs {
        let mut config = Config::new();
        config
            .strategy(strategy)
            .metering(metering)
            .interruptible(interruptible);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, wat).expect("program loads");
        let mut store = Store::new(&engine, ());
        let run = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("program instantiates")
            .get_typed_func::<i32, R>(&store, "run")
            .expect("program exports run");
        let got = run.call(&mut store, n).expect("program runs");
        match &expected {
            None => expected = Some(got),
            Some(e) => assert_eq!(&got, e, "{name} {tier} {setting} disagrees"),
        }
        c.bench_function(&format!("metering/{tier}/{name}/{setting}"), |b| {
            b.iter(|| run.call(&mut store, black_box(n)).unwrap())
        });
    }
}

fn metering(c: &mut Criterion) {
    for &(name, wat, n) in PROGRAMS {
        if name == "loop" {
            bench_program::<i64>(c, name, wat, n);
        } else {
            bench_program::<i32>(c, name, wat, n);
        }
    }
}

/// Short runs: the machine is small and shared.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = metering
}
criterion_main!(benches);
