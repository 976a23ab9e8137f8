//! Trap frames carry the wasm offset of their instruction in every tier: the trapping
//! instruction for the innermost frame, the call for the others (what source locations
//! from DWARF are looked up by), and `Trap`'s text names frames demangled.
#![cfg(feature = "compiler")]

use wedge::*;

const NESTED: &str = r#"(module
  (memory 1)
  (func $_ZN4demo5inner17h0123456789abcdefE (param i32) (result i32)
    (i32.store (i32.const 0) (local.get 0))
    (if (i32.gt_u (local.get 0) (i32.const 2)) (then unreachable))
    (i32.add (local.get 0) (i32.const 1)))
  (func $_RNvCs1234_4demo6middle (param i32) (result i32)
    (i32.add (call $_ZN4demo5inner17h0123456789abcdefE (i32.mul (local.get 0) (i32.const 2)))
             (i32.const 1)))
  (func $outer (export "outer") (param i32) (result i32)
    (i32.add (call $_RNvCs1234_4demo6middle (i32.add (local.get 0) (i32.const 1)))
             (i32.const 1))))"#;

fn engine(strategy: Strategy, inlining: bool) -> Engine {
    let mut config = Config::new();
    config
        .strategy(strategy)
        .inlining(inlining)
        .native_code_key(Some(*b"native-test-key!"));
    Engine::new(&config)
}

/// Runs `outer(1)` (which traps) and returns the trap and the module's bytes.
fn trap_of(strategy: Strategy, inlining: bool) -> (Trap, Vec<u8>) {
    let engine = engine(strategy, inlining);
    let bytes = wat::parse_str(NESTED).unwrap();
    let module = Module::new(&engine, &bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let outer = instance.get_func(&store, "outer").unwrap();
    let err = outer
        .call(&mut store, &[Val::I32(1)], &mut [Val::I32(0)])
        .unwrap_err();
    (err.as_trap().unwrap().clone(), bytes)
}

#[test]
fn both_tiers_record_the_same_offsets() {
    let (interp, bytes) = trap_of(Strategy::Interpreter, false);
    let (jit, _) = trap_of(Strategy::Compiler, false);
    let frames = |t: &Trap| -> Vec<(u32, Option<usize>, Option<usize>)> {
        t.backtrace()
            .iter()
            .map(|f| (f.func_index, f.module_offset, f.func_offset))
            .collect()
    };
    assert_eq!(frames(&interp), frames(&jit));
    let offsets: Vec<usize> = interp
        .backtrace()
        .iter()
        .map(|f| f.module_offset.expect("an offset"))
        .collect();
    assert_eq!(offsets.len(), 3);
    // `unreachable` is opcode 0x00, `call` is 0x10.
    assert_eq!(bytes[offsets[0]], 0x00);
    assert_eq!(bytes[offsets[1]], 0x10);
    assert_eq!(bytes[offsets[2]], 0x10);
    assert!(interp.backtrace().iter().all(|f| f.source.is_empty()));
}

#[test]
fn inlined_frames_keep_the_offsets_of_their_calls() {
    let (interp, _) = trap_of(Strategy::Interpreter, false);
    let (inlined, _) = trap_of(Strategy::Compiler, true);
    let funcs: Vec<u32> = inlined.backtrace().iter().map(|f| f.func_index).collect();
    assert_eq!(funcs, [0, 1, 2]);
    // The callers' frames are at their calls; the innermost inlined body records none.
    for i in 1..3 {
        assert_eq!(
            inlined.backtrace()[i].module_offset,
            interp.backtrace()[i].module_offset
        );
    }
}

#[test]
fn trap_text_demangles_names() {
    let (trap, _) = trap_of(Strategy::Compiler, false);
    let text = trap.to_string();
    assert!(text.contains("0: demo::inner (func 0)"), "{text}");
    assert!(text.contains("1: demo::middle (func 1)"), "{text}");
    assert!(text.contains("2: outer (func 2)"), "{text}");
    assert_eq!(
        trap.backtrace()[0].func_name.as_deref(),
        Some("_ZN4demo5inner17h0123456789abcdefE")
    );
    assert_eq!(
        trap.backtrace()[0].demangled_name().as_deref(),
        Some("demo::inner")
    );
}

#[test]
fn malformed_dwarf_gives_frames_without_source() {
    let garbage: String = (0..200u32)
        .map(|i| format!("\\{:02x}", (i * 37 + 11) % 256))
        .collect();
    let wat = format!(
        r#"(module
          (@custom ".debug_info" "{garbage}")
          (@custom ".debug_abbrev" "{garbage}")
          (@custom ".debug_line" "\ff\ff\ff\ff{garbage}")
          (@custom ".debug_str" "{garbage}")
          (func $f (export "f") unreachable))"#
    );
    for strategy in [Strategy::Interpreter, Strategy::Compiler] {
        let engine = engine(strategy, false);
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let f = instance.get_func(&store, "f").unwrap();
        let err = f.call(&mut store, &[], &mut []).unwrap_err();
        let trap = err.as_trap().unwrap();
        assert_eq!(trap.backtrace()[0].func_name.as_deref(), Some("f"));
        assert!(trap.backtrace()[0].module_offset.is_some());
        assert!(trap.to_string().contains("0: f (func 0)"), "{trap}");
    }
}
