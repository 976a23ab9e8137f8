//! Interpreted trap frames record their locals' values (for core dumps): parameters first,
//! then declared locals, numbers as they were when the trap happened, `None` for vectors
//! and references; compiled frames record none.

use wedge::*;

const WAT: &str = r#"(module
  (func $leaf (param i32 f64) (result i32)
    (local i64 v128 f32 externref i32)
    (local.set 2 (i64.const -5))
    (local.set 4 (f32.const 1.5))
    (local.set 6 (i32.add (local.get 0) (i32.const 1)))
    (if (i32.gt_s (local.get 6) (i32.const 5)) (then unreachable))
    (local.get 6))
  (func (export "run") (param i32) (result i32)
    (local i32)
    (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
    (call $leaf (local.get 1) (f64.const 2.25))))"#;

/// The trap of `run(2)` under `strategy`.
fn trap_of(strategy: Strategy) -> Trap {
    let mut config = Config::new();
    config.strategy(strategy);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let mut out = [Val::I32(0)];
    let err = run.call(&mut store, &[Val::I32(2)], &mut out).unwrap_err();
    err.as_trap().unwrap().clone()
}

#[test]
fn interpreted_frames_record_their_locals() {
    let trap = trap_of(Strategy::Interpreter);
    let frames = trap.backtrace();
    assert_eq!(
        frames[0].locals,
        [
            Some(Val::I32(6)),
            Some(Val::F64(2.25f64.to_bits())),
            Some(Val::I64(-5)),
            None,
            Some(Val::F32(1.5f32.to_bits())),
            None,
            Some(Val::I32(7)),
        ]
    );
    assert_eq!(frames[1].locals, [Some(Val::I32(2)), Some(Val::I32(6))]);
}

#[cfg(feature = "compiler")]
#[test]
fn compiled_frames_record_no_locals() {
    let trap = trap_of(Strategy::Compiler);
    assert_eq!(trap.backtrace().len(), 2);
    assert!(trap.backtrace().iter().all(|f| f.locals.is_empty()));
}
