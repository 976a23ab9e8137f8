//! Inlining of small callees in compiled code (`Config::inlining`): inlined callees that
//! trap, return several values, use memory, call the host, call a function that throws or
//! grows memory give what the interpreter gives, and a trap inside an inlined callee keeps
//! the inlined functions' frames in its backtrace. Larger callees that have a loop, inlined
//! at calls inside a loop, do the same on inputs at the edges of the loops (no iteration, an
//! early exit, an end that wraps around, a fault at the end of memory inside the inlined
//! loop, a loop that calls the host and a function that grows memory).
#![cfg(feature = "compiler")]

use wedge::*;

/// Small callees (inlined into the exported functions) and the exported callers.
const WAT: &str = r#"(module
    (import "host" "twice" (func $twice (param i32) (result i32)))
    (memory (export "mem") 1)
    (tag $e (param i32))
    (func $load (param i32) (result i32) (i32.load (local.get 0)))
    (func $store (param i32 i32) (i32.store (local.get 0) (local.get 1)))
    (func $divmod (param i32 i32) (result i32 i32)
        (i32.div_s (local.get 0) (local.get 1))
        (i32.rem_s (local.get 0) (local.get 1)))
    (func $via_host (param i32) (result i32)
        (i32.add (call $twice (local.get 0)) (i32.const 1)))
    (func $thrower (param i32) (result i32)
        (if (i32.lt_s (local.get 0) (i32.const 0)) (then (throw $e (local.get 0))))
        (local.get 0))
    (func $calls_thrower (param i32) (result i32)
        (i32.add (call $thrower (local.get 0)) (i32.const 1)))
    (func $inner unreachable)
    (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
    (func $grow_via (param i32) (result i32) (call $grow (local.get 0)))
    (func (export "store_load") (param i32 i32) (result i32)
        (call $store (local.get 0) (local.get 1))
        (call $load (local.get 0)))
    (func (export "divmod") (param i32 i32) (result i32)
        (local $q i32)
        (call $divmod (local.get 0) (local.get 1))
        (local.set 1)
        (local.set $q)
        (i32.add (i32.mul (local.get $q) (i32.const 1000)) (local.get 1)))
    (func (export "host") (param i32) (result i32)
        (call $via_host (local.get 0)))
    (func (export "catch") (param i32) (result i32)
        (block $h (result i32)
            (try_table (catch $e $h)
                (return (call $calls_thrower (local.get 0))))
            (unreachable))
        (i32.add (i32.const 100)))
    (func (export "uncaught") (param i32) (result i32)
        (call $calls_thrower (local.get 0)))
    (func (export "grow_load") (param i32) (result i32)
        (drop (call $grow_via (i32.const 1)))
        (i32.load (local.get 0)))
    (func (export "outer") (call $inner))
    (func $mid (call $inner))
    (func (export "nested") (call $mid))
    (func $mid_div (param i32 i32) (result i32) (i32.add (call $divmod (local.get 0) (local.get 1))))
    (func (export "nested_div") (param i32 i32) (result i32)
        (i32.add (call $mid_div (local.get 0) (local.get 1)) (i32.const 1))))"#;

fn engine(strategy: Strategy, inlining: bool) -> Engine {
    let mut config = Config::new();
    config.strategy(strategy).inlining(inlining);
    Engine::new(&config)
}

fn instance(engine: &Engine, store: &mut Store<()>) -> Instance {
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "twice", |_: Caller<'_, ()>, x: i32| x * 2)
        .unwrap();
    let module = Module::new(engine, WAT).unwrap();
    linker.instantiate(store, &module).unwrap()
}

/// What each export gives for a set of arguments, as text; with `frames`, traps name the
/// functions of their backtraces (the tiers differ there: an uncaught exception's
/// backtrace starts at the thrower in compiled code, at the entry in the interpreter).
fn outcomes(engine: &Engine, frames: bool) -> Vec<String> {
    let mut store = Store::new(engine, ());
    let inst = instance(engine, &mut store);
    let cases: &[(&str, &[i32])] = &[
        ("store_load", &[16, 0x1234_5678]),
        ("store_load", &[65532, -7]),
        ("store_load", &[65533, 1]),
        ("store_load", &[-1, 1]),
        ("divmod", &[-7, 2]),
        ("divmod", &[100, 7]),
        ("divmod", &[1, 0]),
        ("divmod", &[i32::MIN, -1]),
        ("host", &[20]),
        ("catch", &[5]),
        ("catch", &[-3]),
        ("uncaught", &[5]),
        ("uncaught", &[-3]),
        ("grow_load", &[65536]),
        ("outer", &[]),
        ("nested", &[]),
        ("nested_div", &[7, 2]),
        ("nested_div", &[7, 0]),
        ("nested_div", &[i32::MIN, -1]),
    ];
    call_all(&mut store, &inst, cases, frames)
}

#[test]
fn inlined_callees_behave_as_in_the_interpreter() {
    let expected = outcomes(&engine(Strategy::Interpreter, false), false);
    assert_eq!(
        outcomes(&engine(Strategy::Compiler, false), false),
        expected
    );
    assert_eq!(outcomes(&engine(Strategy::Compiler, true), false), expected);
    // The interesting cases did happen: traps, a caught exception and an uncaught one.
    let all = expected.join("\n");
    for what in [
        "trap MemoryOutOfBounds",
        "trap IntegerDivideByZero",
        "trap IntegerOverflow",
        "trap Unreachable",
        "catch[I32(-3)]: [I32(97)]",
        "uncaught[I32(-3)]: trap Exception",
        "host[I32(20)]: [I32(41)]",
        "divmod[I32(-7), I32(2)]: [I32(-3001)]",
        "nested_div[I32(7), I32(2)]: [I32(5)]",
        "grow_load[I32(65536)]: [I32(0)]",
    ] {
        assert!(all.contains(what), "{what} missing from\n{all}");
    }
}

#[test]
fn inlined_callees_keep_their_frames_in_backtraces() {
    let expected = outcomes(&engine(Strategy::Compiler, false), true);
    assert_eq!(outcomes(&engine(Strategy::Compiler, true), true), expected);
    // Traps in callees inlined one and two deep, in place (a store into the guard pages,
    // `unreachable`) and out of line (division checks).
    let all = expected.join("\n");
    for what in [
        "store_load[I32(65533), I32(1)]: trap MemoryOutOfBounds in [2, 10]",
        "divmod[I32(1), I32(0)]: trap IntegerDivideByZero in [3, 11]",
        "divmod[I32(-2147483648), I32(-1)]: trap IntegerOverflow in [3, 11]",
        "nested[]: trap Unreachable in [7, 17, 18]",
        "nested_div[I32(7), I32(0)]: trap IntegerDivideByZero in [3, 19, 20]",
        "uncaught[I32(-3)]: trap Exception in [5, 6, 14]",
    ] {
        assert!(all.contains(what), "{what} missing from\n{all}");
    }
}

/// The frames of the trap `outer` raises.
fn outer_frames(inlining: bool) -> Vec<u32> {
    let engine = engine(Strategy::Compiler, inlining);
    let mut store = Store::new(&engine, ());
    let inst = instance(&engine, &mut store);
    let outer = inst.get_func(&store, "outer").unwrap();
    let err = outer.call(&mut store, &[], &mut []).unwrap_err();
    let trap = err.as_trap().unwrap();
    assert_eq!(trap.kind(), TrapKind::Unreachable);
    trap.backtrace().iter().map(|f| f.func_index).collect()
}

#[test]
fn a_trap_in_an_inlined_callee_keeps_the_inlined_frames() {
    // Function 7 is `$inner`, function 16 the exported `outer`.
    assert_eq!(outer_frames(false), [7, 16]);
    assert_eq!(outer_frames(true), [7, 16]);
}

/// Calls exports in order on one instance and gives what each call gave, as text; with
/// `frames`, traps name the functions of their backtraces.
fn call_all(
    store: &mut Store<()>,
    inst: &Instance,
    calls: &[(&str, &[i32])],
    frames: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, args) in calls {
        let f = inst.get_func(&*store, name).unwrap();
        let args: Vec<Val> = args.iter().map(|a| Val::I32(*a)).collect();
        let mut results = vec![Val::I32(0); f.ty(&*store).results().len()];
        let r = match f.call(&mut *store, &args, &mut results) {
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

// Larger callees with a loop, inlined at calls inside a loop.

/// `$scan` and `$grow_scan` are over 100 bytes (the limit for callees inlined anywhere)
/// and have loops; `run` and `grow` call them inside loops, `once` outside one.
const LOOP_WAT: &str = r#"
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

/// What each call gives, in order on one instance (`fill` prepares the memory), as text;
/// with `frames`, traps name the functions of their backtraces.
fn loop_outcomes(engine: &Engine, frames: bool) -> Vec<String> {
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "mix", |_: Caller<'_, ()>, x: i32| {
            x.wrapping_mul(31) ^ 0x55
        })
        .unwrap();
    let module = Module::new(engine, LOOP_WAT).unwrap();
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
    call_all(&mut store, &inst, calls, frames)
}

#[test]
fn loop_callees_inlined_in_loops_behave_as_in_the_interpreter() {
    let expected = loop_outcomes(&engine(Strategy::Interpreter, false), false);
    assert_eq!(
        loop_outcomes(&engine(Strategy::Compiler, false), false),
        expected
    );
    assert_eq!(
        loop_outcomes(&engine(Strategy::Compiler, true), false),
        expected
    );
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
    let expected = loop_outcomes(&engine(Strategy::Compiler, false), true);
    assert_eq!(
        loop_outcomes(&engine(Strategy::Compiler, true), true),
        expected
    );
    // Function 1 is `$scan`, 4 `run`, 6 `once`.
    let all = expected.join("\n");
    for what in [
        "run[I32(65520), I32(4), I32(32)]: trap MemoryOutOfBounds in [1, 4]",
        "once[I32(65530), I32(10)]: trap MemoryOutOfBounds in [1, 6]",
    ] {
        assert!(all.contains(what), "{what} missing from\n{all}");
    }
}
