//! The interpreter's frame template holds only the constants some instruction still reads
//! from a slot (see `interp/translate/const_slots.rs`): those that all became immediates
//! are dropped and the others renumbered. A function mixing both kinds must compute the
//! same results in every tier, even when the call before it left other values in the
//! slots of the dropped constants.

use wedge::*;

const WAT: &str = r#"
(module
  (func $mix (param $x i32) (param $y i32) (result f64)
    (local $s i32)
    ;; Constants that only end up as immediates.
    (local.set $s (i32.add (local.get $x) (i32.const 101)))
    (local.set $s (i32.xor (local.get $s) (i32.const 202)))
    (local.set $s (i32.mul (local.get $s) (i32.const 303)))
    (local.set $s (i32.sub (local.get $s) (i32.const 404)))
    (local.set $s (i32.and (local.get $s) (i32.const 0x7fff)))
    (local.set $s (i32.or (local.get $s) (i32.const 0x10000)))
    (local.set $s (i32.shl (local.get $s) (i32.const 3)))
    (local.set $s (i32.add (local.get $s) (i32.const 505)))
    (local.set $s (i32.add (local.get $s) (i32.const 606)))
    (local.set $s (i32.add (local.get $s) (i32.const 707)))
    ;; Constants still read from their slots: float operands, a call argument, the
    ;; operands of a select and the first operand of a subtraction.
    (f64.add
      (f64.mul (f64.convert_i32_s (local.get $s)) (f64.const 0.5))
      (f64.add
        (f64.const 1.25)
        (f64.convert_i32_s
          (i32.add
            (call $twice (i32.const 808))
            (i32.add
              (select (i32.const 909) (i32.const 1010) (local.get $y))
              (i32.sub (i32.const 1111) (local.get $y))))))))
  (func $twice (param i32) (result i32)
    (i32.add (local.get 0) (local.get 0)))
  ;; Fills the slots where `$mix` has its constants with other values.
  (func $noise (param $x i32) (param $y i32) (result f64)
    (f64.add
      (f64.add
        (f64.add (f64.const 7.5) (f64.const 8.5))
        (f64.add (f64.const 9.5) (f64.const 10.5)))
      (f64.add
        (f64.add (f64.const 11.5) (f64.const 12.5))
        (f64.add (f64.const 13.5) (f64.const 14.5)))))
  (func (export "run") (param $x i32) (param $y i32) (result f64)
    (drop (call $noise (local.get $x) (local.get $y)))
    (call $mix (local.get $x) (local.get $y))))
"#;

/// What `run` computes, in the same order of operations.
fn expected(x: i32, y: i32) -> f64 {
    let mut s = x.wrapping_add(101);
    s ^= 202;
    s = s.wrapping_mul(303);
    s = s.wrapping_sub(404);
    s &= 0x7fff;
    s |= 0x10000;
    s = s.wrapping_shl(3);
    s = s.wrapping_add(505).wrapping_add(606).wrapping_add(707);
    let chosen: i32 = if y != 0 { 909 } else { 1010 };
    let ints = 1616i32.wrapping_add(chosen.wrapping_add(1111i32.wrapping_sub(y)));
    s as f64 * 0.5 + (1.25 + ints as f64)
}

fn engines() -> Vec<(&'static str, Engine)> {
    let mut plain = Config::new();
    plain.strategy(Strategy::Interpreter);
    let mut metered = Config::new();
    metered.strategy(Strategy::Interpreter).metering(true);
    let mut compiled = Config::new();
    compiled.strategy(Strategy::Compiler);
    vec![
        ("interpreter", Engine::new(&plain)),
        ("metered", Engine::new(&metered)),
        ("compiler", Engine::new(&compiled)),
    ]
}

#[test]
fn dropped_constants_leave_results_unchanged() {
    for (label, engine) in engines() {
        let module = Module::new(&engine, WAT).expect("valid");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("instantiates");
        let run = instance
            .get_typed_func::<(i32, i32), f64>(&store, "run")
            .expect("run");
        for (x, y) in [
            (0, 0),
            (1, 1),
            (-7, 3),
            (i32::MAX, -1),
            (i32::MIN, 0),
            (12345, 99),
        ] {
            let got = run.call(&mut store, (x, y)).expect("runs");
            assert_eq!(
                got.to_bits(),
                expected(x, y).to_bits(),
                "{label}: run({x}, {y})"
            );
        }
    }
}

#[test]
fn template_holds_only_constants_read_from_slots() {
    let mut config = Config::new();
    config.strategy(Strategy::Interpreter);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, WAT).expect("valid");
    let code = module.disassemble(0).expect("disassembles");
    let header = code.lines().next().expect("header line");
    let init = header
        .split("init [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("template in the header");
    let values: Vec<&str> = init.split(',').map(str::trim).collect();
    // Seventeen distinct constants (with the zero every function has); six are read from
    // slots: 0.5, 1.25, 808, 909, 1010 and 1111. `$s` is written before it is read, so the
    // template holds no zeroed local.
    assert!(values.len() <= 8, "{header}");
    for bits in [0.5f64.to_bits(), 1.25f64.to_bits(), 808, 909, 1010, 1111] {
        assert!(
            values.contains(&bits.to_string().as_str()),
            "{bits}: {header}"
        );
    }
}
