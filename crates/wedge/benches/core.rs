//! Criterion benchmarks of the interpreter on small programs, and of module load time.
//!
//! The programs live in `benches/programs/` at the repository root; `benches/compare.sh`
//! runs the same files under `wedge` and Wasmi at bigger sizes.

use criterion::{criterion_group, criterion_main, Criterion};
use std::fmt::Debug;
use std::hint::black_box;
use std::time::Duration;
use wedge::{Config, Engine, Linker, Module, Store, Strategy, WasmResults};

/// Recursive Fibonacci.
const FIB: &str = include_str!("../../../benches/programs/fib.wat");
/// Tight i32/i64 arithmetic loop.
const LOOP: &str = include_str!("../../../benches/programs/loop.wat");
/// Sieve of Eratosthenes in linear memory.
const SIEVE: &str = include_str!("../../../benches/programs/sieve.wat");
/// Loop over `call_indirect` through a table of six functions.
const INDIRECT: &str = include_str!("../../../benches/programs/indirect.wat");

/// The interpreter's engine (the default one compiles where it can).
fn interpreter() -> Engine {
    let mut config = Config::new();
    config.strategy(Strategy::Interpreter);
    Engine::new(&config)
}

/// Functions in the module of the load benchmarks.
const BIG_FUNCS: usize = 400;
/// Bytes in the data segment of the module of the load benchmarks.
const BIG_DATA: usize = 16 * 1024;

/// What `loop.wat` returns for `n` rounds, computed natively.
fn loop_reference(n: u32) -> i64 {
    let mut x: u32 = 1;
    let mut acc: u64 = 0xcbf2_9ce4_8422_2325;
    for _ in 0..n {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        acc = (acc ^ x as u64).wrapping_mul(0x100_0000_01b3);
        acc ^= acc >> 29;
    }
    acc as i64
}

/// What `indirect.wat` returns for `n` rounds, computed natively.
fn indirect_reference(n: u32) -> i32 {
    let mut acc: u32 = 0;
    for i in 0..n {
        acc = match i % 6 {
            0 => acc.wrapping_add(i),
            1 => acc ^ i,
            2 => acc.wrapping_mul(3).wrapping_add(i),
            3 => acc.rotate_left(5) ^ i,
            4 => acc.wrapping_sub(i << 1),
            _ => (acc >> 3).wrapping_add(i.wrapping_mul(7)),
        };
    }
    acc as i32
}

/// Text of a module with `funcs` small functions in a table, globals, a memory and a
/// `data_len`-byte data segment; its export `run (param i32) (result i32)` calls one of them.
fn big_module_text(funcs: usize, data_len: usize) -> String {
    let mut text = String::from("(module\n  (type $op (func (param i32 i32) (result i32)))\n");
    text += "  (memory 1)\n  (global $sum (mut i32) (i32.const 0))\n";
    text += "  (global $seed i32 (i32.const 12345))\n";
    for k in 0..funcs {
        let offset = (k * 4) % (data_len - 4);
        text += &format!(
            "  (func $f{k} (type $op) (local $t i32)
    (local.set $t (i32.mul (local.get 0) (i32.const {mul})))
    (if (i32.and (local.get 1) (i32.const 1))
      (then (local.set $t (i32.xor (local.get $t) (i32.load offset={offset} (i32.const 0)))))
      (else (i32.store offset={offset} (i32.const 0) (local.get $t))))
    (block $out
      (loop $again
        (br_if $out (i32.eqz (local.get 1)))
        (local.set $t (i32.add (i32.rotl (local.get $t) (i32.const {rot})) (global.get $seed)))
        (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
        (br $again)))
    (global.set $sum (i32.add (global.get $sum) (local.get $t)))
    (i32.add (local.get $t) (i32.const {k})))\n",
            mul = 2 * k + 1,
            rot = k % 31 + 1,
        );
    }
    text += &format!("  (table {funcs} funcref)\n  (elem (i32.const 0)");
    for k in 0..funcs {
        text += &format!(" $f{k}");
    }
    text += ")\n  (data (i32.const 0) \"";
    for i in 0..data_len {
        text += &format!("\\{:02x}", (i * 7 + 3) % 256);
    }
    text += "\")\n";
    text += &format!(
        "  (func (export \"run\") (param $n i32) (result i32)
    (call_indirect (type $op) (local.get $n) (i32.const 3)
      (i32.rem_u (local.get $n) (i32.const {funcs})))))\n"
    );
    text
}

/// Benchmarks export `run` of the module `wat` called with `n`, after checking that it
/// returns `expected`; the module is instantiated once, outside the measurement.
fn bench_run<R>(c: &mut Criterion, name: &str, wat: &str, n: i32, expected: R)
where
    R: WasmResults + PartialEq + Debug,
{
    let engine = interpreter();
    let module = Module::new(&engine, wat).expect("benchmark program loads");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("benchmark program instantiates");
    let run = instance
        .get_typed_func::<i32, R>(&store, "run")
        .expect("benchmark program exports run");
    let got = run.call(&mut store, n).expect("benchmark program runs");
    assert_eq!(got, expected, "{name}({n}) returned a wrong result");
    c.bench_function(&format!("{name}/{n}"), |b| {
        b.iter(|| run.call(&mut store, black_box(n)).unwrap())
    });
}

/// Recursive `fib(25)`: about 250 thousand calls.
fn fib(c: &mut Criterion) {
    bench_run(c, "fib", FIB, 25, 75_025i32);
}

/// One million rounds of the multiply-add-xor-shift loop.
fn arith_loop(c: &mut Criterion) {
    bench_run(c, "loop", LOOP, 1_000_000, loop_reference(1_000_000));
}

/// Sieve over one million bytes: primes below 1 000 000.
fn sieve(c: &mut Criterion) {
    bench_run(c, "sieve", SIEVE, 1_000_000, 78_498i32);
}

/// 300 thousand `call_indirect` calls.
fn indirect(c: &mut Criterion) {
    bench_run(
        c,
        "indirect",
        INDIRECT,
        300_000,
        indirect_reference(300_000),
    );
}

/// Decoding and validating the big module's binary, then instantiating it.
fn load(c: &mut Criterion) {
    let text = big_module_text(BIG_FUNCS, BIG_DATA);
    let bytes = wat::parse_str(&text).expect("generated module parses");
    let engine = interpreter();
    let module = Module::new(&engine, &bytes).expect("generated module loads");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("generated module instantiates");
    let run = instance
        .get_typed_func::<i32, i32>(&store, "run")
        .expect("generated module exports run");
    // run(5) calls $f5(5, 3): t = 5 * 11 = 55, xor the data word at offset 20, three
    // rounds of t = rotl(t, 6) + 12345, and returns t + 5.
    let word = u32::from_le_bytes(std::array::from_fn(|i| ((20 + i) * 7 + 3) as u8));
    let mut t = 55u32 ^ word;
    for _ in 0..3 {
        t = t.rotate_left(6).wrapping_add(12_345);
    }
    let got = run.call(&mut store, 5).expect("generated module runs");
    assert_eq!(
        got,
        t.wrapping_add(5) as i32,
        "big module's run(5) is wrong"
    );

    let name = format!("{BIG_FUNCS}_funcs_{}KiB_data", BIG_DATA / 1024);
    c.bench_function(&format!("load_only/{name}"), |b| {
        b.iter(|| Module::new(&engine, black_box(&bytes)).unwrap())
    });
    c.bench_function(&format!("load_instantiate/{name}"), |b| {
        b.iter(|| {
            let module = Module::new(&engine, black_box(&bytes)).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Linker::new(&engine)
                .instantiate(&mut store, &module)
                .unwrap();
            (store, instance)
        })
    });
}

/// Shorter runs than criterion's defaults: the machine is small and shared.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = fib, arith_loop, sieve, indirect, load
}
criterion_main!(benches);
