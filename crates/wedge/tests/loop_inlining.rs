//! Inlining of larger callees that have a loop at calls inside a loop (`Config::inlining`):
//! results, traps (a fault at the end of memory inside the inlined loop) and backtraces are the interpreter's and the not-inlined code's, on inputs at the
//! edges of the loops (no iteration, an early exit, an end that wraps around, a callee
//! whose loop calls the host and a function that grows memory).
#![cfg(feature = "compiler")]

use wedge::*;

/// `$scan` and `$grow_scan` are over 100 bytes (the limit for callees inlined anywhere)
/// and have loops; `run` and `grow` call them inside loops, `once` outside one.
const WAT: &str = r#"
(module
    (import "host" "mix" (func $mix (param i32) (result i32)))
    (memory (export "mem") 1)
    (func $scan (param $p i32) (param $n i32) (result i32)
        (local $h i32) (local $end i32)
        (local.set $h (i32.const 0x811c9dc5))
        (local.set $end (i32.add (local.get $p) (local.get $n)))
        (block $done
            (loop $l
                (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
                (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
                (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $p)))
                    (i32.const 16777619)))
                (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))))
                (local.set $h (i32.add (local.get $h) (i32.rotl (local.get $h) (i32.const 5))))
                (local.set $h (i32.sub (local.get $h) (i32.div_u (local.get $h) (i32.load8_u (local.get $p)))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $l)))
        (i32.xor (local.get $h) (i32.shl (local.get $n) (i32.const 16))))
    (func $grow_scan (param $p i32) (param $n i32) (result i32)
        (local $i i32) (local $s i32)
        (loop $l
            (if (i32.ge_u (local.get $p) (i32.mul (memory.size) (i32.const 65536)))
                (then (call $grow1)))
            (local.set $s (i32.add (local.get $s) (call $mix (i32.load (local.get $p)))))
            (local.set $s (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 7))))
            (local.set $s (i32.add (local.get $s) (i32.shl (local.get $s) (i32.const 9))))
            (local.set $s (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 11))))
            (i32.store (local.get $p) (i32.add (local.get $s) (local.get $i)))
            (local.set $p (i32.add (local.get $p) (i32.const 4096)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 3))))
    (func (export "fill") (param i32 i32 i32)
        (memory.fill (local.get 0) (local.get 2) (local.get 1)))
    (func (export "run") (param $base i32) (param $count i32) (param $len i32) (result i32)
        (local $i i32) (local $acc i32)
        (block $out
            (loop $l
                (br_if $out (i32.ge_u (local.get $i) (local.get $count)))
                (local.set $acc (i32.add (i32.rotl (local.get $acc) (i32.const 3))
                    (call $scan (i32.add (local.get $base) (local.get $i)) (local.get $len))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $l)))
        (local.get $acc))
    (func (export "grow") (param $p i32) (param $n i32) (result i32)
        (local $k i32) (local $acc i32)
        (loop $l
            (local.set $acc (i32.xor (local.get $acc) (call $grow_scan (local.get $p) (local.get $n))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $k) (i32.const 2))))
        (i32.add (local.get $acc) (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))))
    (func (export "once") (param i32 i32) (result i32)
        (call $scan (local.get 0) (local.get 1)))
    (func $grow1 (drop (memory.grow (i32.const 1)))))
"#;

fn engine(strategy: Strategy, inlining: bool) -> Engine {
    let mut config = Config::new();
    config.strategy(strategy).inlining(inlining);
    Engine::new(&config)
}

/// What each call gives, in order on one instance (`fill` prepares the memory), as text;
/// with `frames`, traps name the functions of their backtraces.
fn outcomes(engine: &Engine, frames: bool) -> Vec<String> {
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "mix", |_: Caller<'_, ()>, x: i32| {
            x.wrapping_mul(31) ^ 0x55
        })
        .unwrap();
    let module = Module::new(engine, WAT).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let calls: &[(&str, &[i32])] = &[
        ("fill", &[0, 200, 7]),
        ("run", &[0, 50, 20]),
        ("run", &[0, 0, 20]),
        ("run", &[190, 5, 20]),
        ("run", &[0, 3, 0]),
        ("run", &[10, 2, -1]),
        ("fill", &[65000, 536, 3]),
        ("run", &[65500, 4, 32]),
        ("run", &[65520, 4, 32]),
        ("once", &[65530, 10]),
        ("fill", &[300, 1, 0]),
        ("fill", &[301, 1, 5]),
        ("run", &[295, 3, 10]),
        ("grow", &[0, 3]),
        ("grow", &[61440, 3]),
        ("grow", &[131072, 1]),
    ];
    let mut out = Vec::new();
    for (name, args) in calls {
        let f = inst.get_func(&store, name).unwrap();
        let args: Vec<Val> = args.iter().map(|a| Val::I32(*a)).collect();
        let mut results = vec![Val::I32(0); f.ty(&store).results().len()];
        let r = match f.call(&mut store, &args, &mut results) {
            Ok(()) => format!("{results:?}"),
            Err(Error::Trap(t)) if frames => {
                let frames: Vec<u32> = t.backtrace().iter().map(|f| f.func_index).collect();
                format!("trap {:?} in {frames:?}", t.kind())
            }
            Err(Error::Trap(t)) => format!("trap {:?}", t.kind()),
            Err(e) => format!("error {e}"),
        };
        out.push(format!("{name}{args:?}: {r}"));
    }
    out
}

#[test]
fn loop_callees_inlined_in_loops_behave_as_in_the_interpreter() {
    let expected = outcomes(&engine(Strategy::Interpreter, false), false);
    assert_eq!(
        outcomes(&engine(Strategy::Compiler, false), false),
        expected
    );
    assert_eq!(outcomes(&engine(Strategy::Compiler, true), false), expected);
    // The edges did happen: faults at the end of memory inside the loops, no iteration,
    // and memory grown inside an inlined loop read past its old end.
    let all = expected.join("\n");
    for what in [
        "run[I32(65520), I32(4), I32(32)]: trap MemoryOutOfBounds",
        "once[I32(65530), I32(10)]: trap MemoryOutOfBounds",
        "run[I32(0), I32(0), I32(20)]: [I32(0)]",
    ] {
        assert!(all.contains(what), "{what} missing from\n{all}");
    }
    assert!(!all.contains("grow[I32(61440), I32(3)]: trap"), "{all}");
}

#[test]
fn loop_callees_inlined_in_loops_keep_their_frames_in_backtraces() {
    let expected = outcomes(&engine(Strategy::Compiler, false), true);
    assert_eq!(outcomes(&engine(Strategy::Compiler, true), true), expected);
    // Function 1 is `$scan`, 4 `run`, 6 `once`.
    let all = expected.join("\n");
    for what in [
        "run[I32(65520), I32(4), I32(32)]: trap MemoryOutOfBounds in [1, 4]",
        "once[I32(65530), I32(10)]: trap MemoryOutOfBounds in [1, 6]",
    ] {
        assert!(all.contains(what), "{what} missing from\n{all}");
    }
}
