//! The interpreter's fused shift-and-add and mask-and-shift pairs (see
//! `interp/translate/peephole.rs`, `fuse_pair`): `(a << s) + b` from a slot or from the
//! accumulator, kept in a local or passed on in the accumulator, and `(a & mask) << s`
//! from a slot, compute what the instructions they replace compute (shift counts of 32 and
//! more wrap), with and without metering.

use wedge::*;

const FUSED: &str = r#"(module
  ;; (x << 3) + y kept in a local, and (x << 35) + y passed on
  (func (export "shl_add") (param $x i32) (param $y i32) (result i32) (local $r i32)
    (local.set $r (i32.add (i32.shl (local.get $x) (i32.const 3)) (local.get $y)))
    (i32.xor
      (i32.mul (local.get $r) (i32.const 3))
      (i32.mul (i32.add (i32.shl (local.get $x) (i32.const 35)) (local.get $y)) (i32.const 7))))
  ;; the same from a value computed the instruction before
  (func (export "acc_shl_add") (param $x i32) (param $y i32) (result i32) (local $r i32)
    (local.set $r
      (i32.add (i32.shl (i32.xor (local.get $x) (local.get $y)) (i32.const 2)) (local.get $y)))
    (i32.xor
      (i32.mul (local.get $r) (i32.const 3))
      (i32.mul
        (i32.add (i32.shl (i32.sub (local.get $x) (local.get $y)) (i32.const 33)) (local.get $x))
        (i32.const 7))))
  ;; (x & 0x7f) << 34, from a slot
  (func (export "and_shl") (param $x i32) (result i32)
    (i32.add (i32.shl (i32.and (local.get $x) (i32.const 0x7f)) (i32.const 34)) (i32.const 1000)))
)"#;

fn engines() -> Vec<Engine> {
    let mut plain = Config::new();
    plain.strategy(Strategy::Interpreter);
    let mut metered = Config::new();
    metered.strategy(Strategy::Interpreter).metering(true);
    vec![Engine::new(&plain), Engine::new(&metered)]
}

const VALUES: [u32; 7] = [0, 1, 0x7f, 0x1234_5678, 0x8000_0000, 0xdead_beef, u32::MAX];

#[test]
fn fused_shift_adds_compute_what_they_replace() {
    let bytes = wat::parse_str(FUSED).unwrap();
    for engine in engines() {
        let module = Module::new(&engine, &bytes).expect("valid");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("instantiates");
        let shl_add = instance
            .get_typed_func::<(i32, i32), i32>(&store, "shl_add")
            .unwrap();
        let acc_shl_add = instance
            .get_typed_func::<(i32, i32), i32>(&store, "acc_shl_add")
            .unwrap();
        let and_shl = instance
            .get_typed_func::<i32, i32>(&store, "and_shl")
            .unwrap();
        for x in VALUES {
            for y in VALUES {
                let r = (x << 3).wrapping_add(y);
                let t = (x << 3).wrapping_add(y);
                let expected = r.wrapping_mul(3) ^ t.wrapping_mul(7);
                let got = shl_add.call(&mut store, (x as i32, y as i32)).unwrap();
                assert_eq!(got as u32, expected, "shl_add {x:#x} {y:#x}");
                let r = ((x ^ y) << 2).wrapping_add(y);
                let t = (x.wrapping_sub(y) << 1).wrapping_add(x);
                let expected = r.wrapping_mul(3) ^ t.wrapping_mul(7);
                let got = acc_shl_add.call(&mut store, (x as i32, y as i32)).unwrap();
                assert_eq!(got as u32, expected, "acc_shl_add {x:#x} {y:#x}");
            }
            let expected = ((x & 0x7f) << 2).wrapping_add(1000);
            assert_eq!(and_shl.call(&mut store, x as i32).unwrap() as u32, expected);
        }
    }
}
