//! The interpreter's fused pairs (see `interp/translate/peephole.rs`, `fuse_pair`): a
//! bit-field extract, a mask and shift, a `br_table` on a sum, memory-to-memory moves, the
//! shadow-stack pointer's allocation and release, arguments copied right before a call, a
//! step right before a back edge and shift-and-add pairs compute what the instructions they
//! replace compute, with and without metering, and a trap in the second half of a fused
//! move is reported at the store, not at the load. Address adds fused with the load of the
//! sum load what the pair loads and trap at the load; a field extract fused with the add of
//! a base, copies fused with the branch after them and two adds, loads, stores or copies
//! in a row compute what they replace; the second of two accesses traps at itself.

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

/// The functions that fuse an i32 address add with the load of the sum (each export's
/// name is its fused instruction): the sum kept in a local or passed on, computed from two
/// slots, from the accumulator or with an immediate, and the value loaded to a local or
/// passed on. Each takes `$a` and `$b` and returns an i64.
const ADD_LOADS: [(&str, &str); 18] = [
    (
        "I32AddLoad8U",
        "(local.set $s (i32.add (local.get $a) (local.get $b)))
         (local.set $v (i32.load8_u offset=3 (local.get $s)))
         (i64.extend_i32_u (i32.xor (i32.mul (local.get $v) (i32.const 65536)) (local.get $s)))",
    ),
    (
        "I32AddLoad8UToAcc",
        "(local.set $s (i32.add (local.get $a) (local.get $b)))
         (i64.extend_i32_u (i32.xor (i32.load8_u offset=3 (local.get $s)) (local.get $s)))",
    ),
    (
        "I32AddToAccLoad8U",
        "(local.set $v (i32.load8_u offset=2 (i32.add (local.get $a) (local.get $b))))
         (i64.extend_i32_u (i32.mul (local.get $v) (i32.const 7)))",
    ),
    (
        "I32AddToAccLoad8UToAcc",
        "(i64.extend_i32_u (i32.mul (i32.load8_u (i32.add (local.get $b) (local.get $a)))
           (i32.const 3)))",
    ),
    (
        "I32AddAccLoad8UToAcc",
        "(local.set $s (i32.add (i32.xor (local.get $a) (i32.const 1)) (local.get $b)))
         (i64.extend_i32_u (i32.xor (i32.load8_u (local.get $s)) (local.get $s)))",
    ),
    (
        "I32AddAccLoadToAcc",
        "(local.set $s (i32.add (i32.xor (local.get $a) (i32.const 1)) (local.get $b)))
         (i64.extend_i32_u (i32.xor (i32.load offset=2 (local.get $s)) (local.get $s)))",
    ),
    (
        "I32AddAccToAccLoad8U",
        "(local.set $v
           (i32.load8_u offset=5 (i32.add (i32.xor (local.get $a) (i32.const 2)) (local.get $b))))
         (i64.extend_i32_u (i32.mul (local.get $v) (i32.const 7)))",
    ),
    (
        "I32AddAccToAccLoad8UToAcc",
        "(i64.extend_i32_u (i32.mul
           (i32.load8_u (i32.add (i32.xor (local.get $a) (i32.const 3)) (local.get $b)))
           (i32.const 3)))",
    ),
    (
        "I32AddAccToAccLoad16U",
        "(local.set $v
           (i32.load16_u offset=7 (i32.add (i32.xor (local.get $a) (i32.const 4)) (local.get $b))))
         (i64.extend_i32_u (i32.mul (local.get $v) (i32.const 7)))",
    ),
    (
        "I32AddAccToAccLoadToAcc",
        "(i64.extend_i32_u (i32.mul
           (i32.load offset=1 (i32.add (i32.xor (local.get $a) (i32.const 5)) (local.get $b)))
           (i32.const 3)))",
    ),
    (
        "I32AddImmToAccLoad",
        "(local.set $v (i32.load offset=4 (i32.add (local.get $a) (i32.const 9))))
         (i64.extend_i32_u (i32.mul (local.get $v) (i32.const 7)))",
    ),
    (
        "I32AddImmToAccLoadI64ToAcc",
        "(i64.mul (i64.load offset=2 (i32.add (local.get $a) (i32.const 17))) (i64.const 3))",
    ),
    (
        "I32AddAccImmToAccLoadToAcc",
        "(i64.extend_i32_u (i32.mul
           (i32.load (i32.add (i32.xor (local.get $a) (i32.const 6)) (i32.const 11)))
           (i32.const 3)))",
    ),
    (
        "I32AddImmToAccLoad8U",
        "(local.set $v (i32.load8_u (i32.add (local.get $a) (i32.const 3))))
         (i64.extend_i32_u (i32.mul (local.get $v) (i32.const 7)))",
    ),
    (
        "I32AddImmToAccLoad16UToAcc",
        "(i64.extend_i32_u (i32.mul
           (i32.load16_u offset=1 (i32.add (local.get $a) (i32.const 5))) (i32.const 3)))",
    ),
    (
        "I32AddAccImmToAccLoad16UToAcc",
        "(i64.extend_i32_u (i32.mul
           (i32.load16_u (i32.add (i32.xor (local.get $a) (i32.const 7)) (i32.const 13)))
           (i32.const 3)))",
    ),
    (
        "I32AddToAccLoad16U",
        "(local.set $v (i32.load16_u offset=3 (i32.add (local.get $a) (local.get $b))))
         (i64.extend_i32_u (i32.mul (local.get $v) (i32.const 7)))",
    ),
    (
        "I32AddToAccLoad",
        "(local.set $v (i32.load offset=1 (i32.add (local.get $a) (local.get $b))))
         (i64.extend_i32_u (i32.mul (local.get $v) (i32.const 7)))",
    ),
];

/// Memory 0 of the add-and-load module: one page, its first 300 bytes from a data segment.
fn add_load_memory() -> Vec<u8> {
    let mut mem = vec![0u8; 65536];
    for (i, byte) in mem.iter_mut().take(300).enumerate() {
        *byte = (i * 37 + 11) as u8;
    }
    mem
}

/// A little-endian load of `n` bytes at `sum + offset` (the address not wrapped), or the
/// opcode of the load (`op`) when it is out of bounds.
fn load(mem: &[u8], sum: u32, offset: u32, n: usize, op: u8) -> Result<u64, u8> {
    let ea = sum as usize + offset as usize;
    let bytes = mem.get(ea..ea + n).ok_or(op)?;
    Ok(bytes.iter().rev().fold(0, |v, &b| v << 8 | b as u64))
}

/// What export `name` of the add-and-load module returns, or the opcode it traps at.
fn add_load_expected(mem: &[u8], name: &str, a: u32, b: u32) -> Result<u64, u8> {
    // `i32.load` is opcode 0x28, `i64.load` 0x29, `i32.load8_u` 0x2d, `i32.load16_u` 0x2f.
    let (u8l, u16l, u32l, u64l) = (
        |s, o| load(mem, s, o, 1, 0x2d),
        |s, o| load(mem, s, o, 2, 0x2f),
        |s, o| load(mem, s, o, 4, 0x28),
        |s, o| load(mem, s, o, 8, 0x29),
    );
    let m32 = |v: u64, k: u32| (v as u32).wrapping_mul(k) as u64;
    let sum = a.wrapping_add(b);
    Ok(match name {
        "I32AddLoad8U" => ((u8l(sum, 3)? as u32).wrapping_mul(65536) ^ sum) as u64,
        "I32AddLoad8UToAcc" => (u8l(sum, 3)? as u32 ^ sum) as u64,
        "I32AddToAccLoad8U" => m32(u8l(sum, 2)?, 7),
        "I32AddToAccLoad8UToAcc" => m32(u8l(sum, 0)?, 3),
        "I32AddAccLoad8UToAcc" => {
            let s = (a ^ 1).wrapping_add(b);
            (u8l(s, 0)? as u32 ^ s) as u64
        }
        "I32AddAccLoadToAcc" => {
            let s = (a ^ 1).wrapping_add(b);
            (u32l(s, 2)? as u32 ^ s) as u64
        }
        "I32AddAccToAccLoad8U" => m32(u8l((a ^ 2).wrapping_add(b), 5)?, 7),
        "I32AddAccToAccLoad8UToAcc" => m32(u8l((a ^ 3).wrapping_add(b), 0)?, 3),
        "I32AddAccToAccLoad16U" => m32(u16l((a ^ 4).wrapping_add(b), 7)?, 7),
        "I32AddAccToAccLoadToAcc" => m32(u32l((a ^ 5).wrapping_add(b), 1)?, 3),
        "I32AddImmToAccLoad" => m32(u32l(a.wrapping_add(9), 4)?, 7),
        "I32AddImmToAccLoadI64ToAcc" => u64l(a.wrapping_add(17), 2)?.wrapping_mul(3),
        "I32AddAccImmToAccLoadToAcc" => m32(u32l((a ^ 6).wrapping_add(11), 0)?, 3),
        "I32AddImmToAccLoad8U" => m32(u8l(a.wrapping_add(3), 0)?, 7),
        "I32AddImmToAccLoad16UToAcc" => m32(u16l(a.wrapping_add(5), 1)?, 3),
        "I32AddAccImmToAccLoad16UToAcc" => m32(u16l((a ^ 7).wrapping_add(13), 0)?, 3),
        "I32AddToAccLoad16U" => m32(u16l(sum, 3)?, 7),
        "I32AddToAccLoad" => m32(u32l(sum, 1)?, 7),
        _ => unreachable!("{name}"),
    })
}

#[test]
fn fused_address_adds_load_the_sum_and_trap_at_the_load() {
    let mem = add_load_memory();
    let data: String = mem[..300].iter().map(|b| format!("\\{b:02x}")).collect();
    let funcs: String = ADD_LOADS
        .iter()
        .map(|(name, body)| {
            format!(
                "(func (export \"{name}\") (param $a i32) (param $b i32) (result i64)
                   (local $s i32) (local $v i32) {body})\n"
            )
        })
        .collect();
    let wat = format!("(module (memory 1) (data (i32.const 0) \"{data}\") {funcs})");
    let bytes = wat::parse_str(&wat).unwrap();
    // In bounds, wrapping to low addresses, at the end of memory and past it.
    let inputs = [
        (0u32, 0u32),
        (5, 9),
        (100, 77),
        (250, 30),
        (u32::MAX, 1),
        (0xffff_ff00, 0x140),
        (65_000, 520),
        (65_520, 9),
        (65_530, 10),
        (0xffff_fff0, 4),
        (u32::MAX, u32::MAX),
    ];
    for engine in engines() {
        let (mut store, instance) = instance(&engine, &bytes);
        for (name, _) in ADD_LOADS {
            let f = export::<(i32, i32), i64>(&instance, &store, name);
            for (a, b) in inputs {
                let got = f.call(&mut store, (a as i32, b as i32));
                match add_load_expected(&mem, name, a, b) {
                    Ok(v) => assert_eq!(got.unwrap() as u64, v, "{name} {a:#x} {b:#x}"),
                    Err(opcode) => {
                        let err = got.unwrap_err();
                        let trap = err.as_trap().expect("a trap");
                        assert_eq!(trap.kind(), TrapKind::MemoryOutOfBounds, "{name}");
                        let at = trap.backtrace()[0].module_offset.expect("an offset");
                        assert_eq!(bytes[at], opcode, "{name} {a:#x} {b:#x}");
                    }
                }
            }
        }
    }
}

/// A field extract fused with the add of a base, and copies fused with the conditional or
/// unconditional branch right after them.
const FIELD_AND_COPIES: &str = r#"(module
  ;; base + ((i >> 3) & 0xff0), kept in a local
  (func (export "field") (param $base i32) (param $i i32) (result i32) (local $r i32)
    (local.set $r
      (i32.add (local.get $base) (i32.and (i32.shr_u (local.get $i) (i32.const 35)) (i32.const 0xff0))))
    (i32.xor (local.get $r) (i32.mul (local.get $r) (i32.const 3))))
  ;; a copy before a `br_if` on another local, and before the `br` that ends a `then`
  (func (export "copies") (param $n i32) (param $x i32) (result i32)
    (local $y i32) (local $c i32) (local $s i32)
    (local.set $c (local.get $n))
    (block $done
      (loop $next
        (local.set $y (local.get $x))
        (br_if $done (i32.eqz (local.get $c)))
        (local.set $s (i32.add (local.get $s) (local.get $y)))
        (local.set $x (i32.add (local.get $x) (i32.const 3)))
        (local.set $c (i32.sub (local.get $c) (i32.const 1)))
        (if (i32.and (local.get $c) (i32.const 1))
          (then (local.set $y (local.get $x)))
          (else (local.set $y (local.get $c))))
        (local.set $s (i32.xor (local.get $s) (local.get $y)))
        (br $next)))
    (i32.add (local.get $s) (local.get $y)))
)"#;

#[test]
fn fused_field_add_and_copy_branches_compute_what_they_replace() {
    let bytes = wat::parse_str(FIELD_AND_COPIES).unwrap();
    for engine in engines() {
        let (mut store, instance) = instance(&engine, &bytes);
        let field = export::<(i32, i32), i32>(&instance, &store, "field");
        let copies = export::<(i32, i32), i32>(&instance, &store, "copies");
        for base in VALUES {
            for i in VALUES {
                let r = base.wrapping_add((i >> 3) & 0xff0);
                let expected = r ^ r.wrapping_mul(3);
                let got = field.call(&mut store, (base as i32, i as i32)).unwrap();
                assert_eq!(got as u32, expected, "field {base:#x} {i:#x}");
            }
        }
        for n in [0u32, 1, 2, 3, 10, 1001] {
            for x0 in [0u32, 5, u32::MAX] {
                let (mut x, mut c, mut s) = (x0, n, 0u32);
                let y = loop {
                    let y = x;
                    if c == 0 {
                        break y;
                    }
                    s = s.wrapping_add(y);
                    x = x.wrapping_add(3);
                    c -= 1;
                    s ^= if c & 1 != 0 { x } else { c };
                };
                let got = copies.call(&mut store, (n as i32, x0 as i32)).unwrap();
                assert_eq!(got as u32, s.wrapping_add(y), "copies {n} {x0}");
            }
        }
    }
}

/// Two instructions of a kind in a row: adds of an immediate, loads, stores and copies.
const TWICE: &str = r#"(module
  (memory 1)
  (func (export "adds") (param $x i32) (param $y i32) (result i32)
    (local.set $x (i32.add (local.get $x) (i32.const 5)))
    (local.set $y (i32.add (local.get $y) (i32.const -9)))
    (i32.xor (i32.mul (local.get $x) (i32.const 3)) (local.get $y)))
  (func (export "loads") (param $p i32) (param $q i32) (result i32) (local $a i32) (local $b i32)
    (local.set $a (i32.load (local.get $p)))
    (local.set $b (i32.load offset=1000 (local.get $q)))
    (i32.xor (i32.mul (local.get $a) (i32.const 3)) (local.get $b)))
  (func (export "stores") (param $p i32) (param $q i32) (param $v i32)
    (i32.store (local.get $p) (local.get $v))
    (i32.store offset=1000 (local.get $q) (local.get $p)))
  (func (export "copies") (param $x i32) (param $y i32) (result i32) (local $a i32) (local $b i32)
    (local.set $b (local.get $x))
    (local.set $a (local.get $y))
    (i32.sub (local.get $a) (i32.mul (local.get $b) (i32.const 3))))
)"#;

#[test]
fn two_of_a_kind_compute_what_they_replace_and_trap_at_the_second() {
    let bytes = wat::parse_str(TWICE).unwrap();
    // `i32.load offset=1000` and `i32.store offset=1000` (alignment 2, offset 0xe8 0x07).
    let at = |op: u8| {
        bytes
            .windows(4)
            .position(|w| w == [op, 2, 0xe8, 7])
            .unwrap()
    };
    let (second_load, second_store) = (at(0x28), at(0x36));
    for engine in engines() {
        let (mut store, instance) = instance(&engine, &bytes);
        let adds = export::<(i32, i32), i32>(&instance, &store, "adds");
        let loads = export::<(i32, i32), i32>(&instance, &store, "loads");
        let stores = export::<(i32, i32, i32), ()>(&instance, &store, "stores");
        let copies = export::<(i32, i32), i32>(&instance, &store, "copies");
        for x in VALUES {
            for y in VALUES {
                let expected = x.wrapping_add(5).wrapping_mul(3) ^ y.wrapping_sub(9);
                let got = adds.call(&mut store, (x as i32, y as i32)).unwrap();
                assert_eq!(got as u32, expected, "adds {x:#x} {y:#x}");
                let expected = y.wrapping_sub(x.wrapping_mul(3));
                let got = copies.call(&mut store, (x as i32, y as i32)).unwrap();
                assert_eq!(got as u32, expected, "copies {x:#x} {y:#x}");
            }
        }
        for (p, q, v) in [
            (0u32, 8u32, 7u32),
            (100, 60, u32::MAX),
            (64, 64, 0x1234_5678),
        ] {
            stores
                .call(&mut store, (p as i32, q as i32, v as i32))
                .unwrap();
            let expected = v.wrapping_mul(3) ^ p;
            let got = loads.call(&mut store, (p as i32, q as i32)).unwrap();
            assert_eq!(got as u32, expected, "{p} {q}");
        }
        // The second access out of bounds: it traps at itself, after the first is done.
        for (call, at) in [
            (loads.call(&mut store, (4, 65_000)).map(drop), second_load),
            (
                stores.call(&mut store, (12, 65_000, 77)).map(drop),
                second_store,
            ),
        ] {
            let err = call.unwrap_err();
            let trap = err.as_trap().expect("a trap");
            assert_eq!(trap.kind(), TrapKind::MemoryOutOfBounds);
            assert_eq!(trap.backtrace()[0].module_offset, Some(at));
        }
        assert_eq!(loads.call(&mut store, (12, 0)).unwrap(), 77 * 3);
        // The first access out of bounds traps at the first.
        let err = loads.call(&mut store, (65_534, 0)).unwrap_err();
        let at = err.as_trap().expect("a trap").backtrace()[0].module_offset;
        assert_eq!(bytes[at.expect("an offset")], 0x28);
        assert_ne!(at, Some(second_load));
    }
}
