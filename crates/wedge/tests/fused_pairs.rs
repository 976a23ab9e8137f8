//! The interpreter's fused pairs (see `interp/translate/peephole.rs`, `fuse_pair`): a
//! bit-field extract, a mask and shift, a `br_table` on a sum, memory-to-memory moves, the
//! shadow-stack pointer's allocation and release, arguments copied right before a call, a
//! step right before a back edge and shift-and-add pairs compute what the instructions they
//! replace compute, with and without metering, and a trap in the second half of a fused
//! move is reported at the store, not at the load.

use wedge::*;

const FUSED: &str = r#"(module
  (memory 1)
  (global $sp (mut i32) (i32.const 4096))
  ;; (x >> s) & mask, kept in a local and as a temporary
  (func (export "extract") (param $x i32) (result i32) (local $a i32)
    (local.set $a (i32.and (i32.shr_u (local.get $x) (i32.const 7)) (i32.const 0xff)))
    (i32.xor
      (i32.mul (local.get $a) (i32.const 65536))
      (i32.and (i32.shr_u (local.get $x) (i32.const 35)) (i32.const 0xff0))))
  ;; br_table on x - 3 (an index computed the instruction before)
  (func (export "switch") (param $x i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (i32.add (i32.xor (local.get $x) (i32.const 0)) (i32.const -3))))
      (return (i32.const 10)))
      (return (i32.const 11)))
      (return (i32.const 12)))
    (i32.const 13))
  ;; memory to memory, then read back
  (func (export "move64") (param $src i32) (param $dst i32) (result i64)
    (i64.store offset=8 (local.get $dst) (i64.load offset=16 (local.get $src)))
    (i64.load offset=8 (local.get $dst)))
  (func (export "move32") (param $src i32) (param $dst i32) (result i32)
    (i32.store offset=4 (local.get $dst) (i32.load offset=12 (local.get $src)))
    (i32.load offset=4 (local.get $dst)))
  (func (export "poke") (param $at i32) (param $v i64)
    (i64.store (local.get $at) (local.get $v)))
  ;; a C function's frame on the shadow stack: allocation, use and release
  (func $framed (param $v i32) (result i32) (local $fp i32)
    (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
    (i32.store offset=4 (local.get $fp) (local.get $v))
    (local.set $v (i32.add (i32.load offset=4 (local.get $fp)) (global.get $sp)))
    (global.set $sp (i32.add (local.get $fp) (i32.const 16)))
    (local.get $v))
  (func (export "framed") (param $v i32) (param $depth i32) (result i32)
    (if (result i32) (i32.eqz (local.get $depth))
      (then (call $framed (local.get $v)))
      (else
        (i32.add
          (call $framed (local.get $v))
          (call 6 (local.get $v) (i32.sub (local.get $depth) (i32.const 1)))))))
  (func (export "sp") (result i32) (global.get $sp))
  ;; (x & 0x7f) << 2, from a value computed the instruction before
  (func (export "mask_shift") (param $x i32) (result i32)
    (i32.add
      (i32.shl (i32.and (i32.xor (local.get $x) (i32.const 0)) (i32.const 0x7f)) (i32.const 34))
      (i32.const 1000)))
  ;; arguments copied into place right before calls (one, then two)
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $minus (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (func (export "calls") (param $a i32) (param $b i32) (result i32)
    (i32.xor (call $triple (local.get $a)) (call $minus (local.get $a) (local.get $b))))
  ;; a loop whose counter steps right before the back edge
  (func (export "count") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (local.set $s (i32.add (local.get $s) (local.get $i)))
        (br_if $done (i32.ge_u (local.get $s) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.add (i32.mul (local.get $i) (i32.const 65536)) (local.get $s)))
)"#;

fn engines() -> Vec<Engine> {
    let mut plain = Config::new();
    plain.strategy(Strategy::Interpreter);
    let mut metered = Config::new();
    metered.strategy(Strategy::Interpreter).metering(true);
    vec![Engine::new(&plain), Engine::new(&metered)]
}

fn instance(engine: &Engine, bytes: &[u8]) -> (Store<()>, Instance) {
    let module = Module::new(engine, bytes).expect("valid");
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    (store, instance)
}

/// The export `name` of `instance` as a typed function.
fn export<P: WasmParams, R: WasmResults>(
    instance: &Instance,
    store: &Store<()>,
    name: &str,
) -> TypedFunc<P, R> {
    instance.get_typed_func::<P, R>(store, name).unwrap()
}

#[test]
fn fused_pairs_compute_what_they_replace() {
    let bytes = wat::parse_str(FUSED).unwrap();
    for engine in engines() {
        let (mut store, instance) = instance(&engine, &bytes);
        let extract = export::<i32, i32>(&instance, &store, "extract");
        for x in [0u32, 1, 0x80, 0x7f80, 0xdead_beef, u32::MAX, 0x8000_0000] {
            let expected = ((x >> 7) & 0xff).wrapping_mul(65536) ^ ((x >> 3) & 0xff0);
            assert_eq!(extract.call(&mut store, x as i32).unwrap() as u32, expected);
        }
        let switch = export::<i32, i32>(&instance, &store, "switch");
        for x in [0i32, 2, 3, 4, 5, 6, 7, -1, i32::MAX, i32::MIN] {
            let expected = 10 + (x.wrapping_sub(3) as u32).min(3) as i32;
            assert_eq!(switch.call(&mut store, x).unwrap(), expected, "{x}");
        }
        let poke = export::<(i32, i64), ()>(&instance, &store, "poke");
        let move64 = export::<(i32, i32), i64>(&instance, &store, "move64");
        let move32 = export::<(i32, i32), i32>(&instance, &store, "move32");
        for (i, v) in [0i64, -1, i64::MIN, 0x1234_5678_9abc_def0]
            .into_iter()
            .enumerate()
        {
            let src = 1000 + 64 * i as i32;
            poke.call(&mut store, (src + 16, v)).unwrap();
            assert_eq!(move64.call(&mut store, (src, 3000)).unwrap(), v);
            poke.call(&mut store, (src + 8, v)).unwrap();
            assert_eq!(
                move32.call(&mut store, (src - 4, 3001)).unwrap(),
                v as i32,
                "{v}"
            );
        }
        let framed = export::<(i32, i32), i32>(&instance, &store, "framed");
        let sp = export::<(), i32>(&instance, &store, "sp");
        assert_eq!(framed.call(&mut store, (5, 0)).unwrap(), 5 + 4080);
        assert_eq!(sp.call(&mut store, ()).unwrap(), 4096);
        // Three nested calls to the framed function, each at the top of the stack.
        assert_eq!(framed.call(&mut store, (7, 2)).unwrap(), 3 * (7 + 4080));
        assert_eq!(sp.call(&mut store, ()).unwrap(), 4096);
        let mask_shift = export::<i32, i32>(&instance, &store, "mask_shift");
        for x in [0u32, 1, 0x7f, 0x80, 0xdead_beef, u32::MAX] {
            let expected = ((x & 0x7f) << 2).wrapping_add(1000);
            assert_eq!(
                mask_shift.call(&mut store, x as i32).unwrap() as u32,
                expected
            );
        }
        let calls = export::<(i32, i32), i32>(&instance, &store, "calls");
        for (a, b) in [(0, 0), (5, 9), (-7, i32::MIN), (i32::MAX, -1)] {
            let expected = a.wrapping_mul(3) ^ a.wrapping_sub(b);
            assert_eq!(calls.call(&mut store, (a, b)).unwrap(), expected, "{a} {b}");
        }
        let count = export::<i32, i32>(&instance, &store, "count");
        for n in [0u32, 1, 2, 10, 1000, 100_000] {
            let (mut i, mut s) = (0u32, 0u32);
            loop {
                s = s.wrapping_add(i);
                if s >= n {
                    break;
                }
                i += 1;
            }
            let expected = i.wrapping_mul(65536).wrapping_add(s);
            assert_eq!(
                count.call(&mut store, n as i32).unwrap() as u32,
                expected,
                "{n}"
            );
        }
    }
}

#[test]
fn a_fused_move_traps_at_the_access_out_of_bounds() {
    let bytes = wat::parse_str(FUSED).unwrap();
    for engine in engines() {
        let (mut store, instance) = instance(&engine, &bytes);
        let poke = export::<(i32, i64), ()>(&instance, &store, "poke");
        let move64 = export::<(i32, i32), i64>(&instance, &store, "move64");
        let move32 = export::<(i32, i32), i32>(&instance, &store, "move32");
        poke.call(&mut store, (16, 99)).unwrap();
        // `i64.load` is opcode 0x29, `i64.store` 0x37, `i32.load` 0x28, `i32.store` 0x36.
        for (call, opcode) in [
            (move64.call(&mut store, (65_530, 0)).map(drop), 0x29),
            (move64.call(&mut store, (0, 65_530)).map(drop), 0x37),
            (move32.call(&mut store, (65_530, 0)).map(drop), 0x28),
            (move32.call(&mut store, (0, 65_530)).map(drop), 0x36),
        ] {
            let err = call.unwrap_err();
            let trap = err.as_trap().expect("a trap");
            assert_eq!(trap.kind(), TrapKind::MemoryOutOfBounds);
            let at = trap.backtrace()[0].module_offset.expect("an offset");
            assert_eq!(bytes[at], opcode);
        }
        // The store that trapped wrote nothing; the next move works.
        assert_eq!(move64.call(&mut store, (0, 100)).unwrap(), 99);
    }
}

/// Shift-and-add and mask-and-shift pairs: `(a << s) + b` from a slot or from the
/// accumulator, kept in a local or passed on, and `(a & mask) << s` from a slot (shift
/// counts of 32 and more wrap).
const SHIFT_ADD: &str = r#"(module
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

const VALUES: [u32; 7] = [0, 1, 0x7f, 0x1234_5678, 0x8000_0000, 0xdead_beef, u32::MAX];

#[test]
fn fused_shift_adds_compute_what_they_replace() {
    let bytes = wat::parse_str(SHIFT_ADD).unwrap();
    for engine in engines() {
        let (mut store, instance) = instance(&engine, &bytes);
        let shl_add = export::<(i32, i32), i32>(&instance, &store, "shl_add");
        let acc_shl_add = export::<(i32, i32), i32>(&instance, &store, "acc_shl_add");
        let and_shl = export::<i32, i32>(&instance, &store, "and_shl");
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
