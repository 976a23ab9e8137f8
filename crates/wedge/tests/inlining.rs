//! Inlining of small callees in compiled code (`Config::inlining`): inlined callees that
//! trap, return several values, use memory, call the host, call a function that throws or
//! grows memory give what the interpreter gives, and a trap inside an inlined callee keeps
//! the inlined functions' frames in its backtrace.
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
    let mut out = Vec::new();
    for (name, args) in cases {
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
