//! Struct field and array element access, which compiled code does inline (without calling
//! the runtime): every case runs in the interpreter, compiled and from an AOT file, and
//! must give the expected value or trap in each, with collections at every allocation.

#![cfg(feature = "compiler")]

use wedge::{Config, Engine, Func, Linker, Module, Store, Strategy, Val};

const MODULE: &str = r#"(module
  (type $base (sub (struct (field $a (mut i8)) (field $b (mut i16)))))
  (type $derived (sub $base (struct
    (field $a (mut i8)) (field $b (mut i16)) (field $c (mut f64)) (field $d (mut v128))
    (field $e (mut (ref null $base))) (field $f (mut i32)) (field $g (mut f32)))))
  (type $bytes (array (mut i8)))
  (type $shorts (array (mut i16)))
  (type $longs (array (mut i64)))
  (type $doubles (array (mut f64)))
  (type $vecs (array (mut v128)))
  (type $objs (array (mut (ref null $base))))

  ;; Packed struct fields written with high bits set, read sign- and zero-extended.
  (func (export "packed") (param $x i32) (param $y i32) (result i32 i32 i32 i32)
    (local $s (ref $base))
    (local.set $s (struct.new $base (i32.const 0) (i32.const 0)))
    (struct.set $base $a (local.get $s) (local.get $x))
    (struct.set $base $b (local.get $s) (local.get $y))
    (struct.get_s $base $a (local.get $s))
    (struct.get_u $base $a (local.get $s))
    (struct.get_s $base $b (local.get $s))
    (struct.get_u $base $b (local.get $s)))

  ;; A subtype object read and written through its supertype's fields, and its own wide
  ;; fields (f64, v128, a reference, i32, f32) after a write.
  (func (export "subtype") (param $x i32) (result i32 i32 f64 v128 i32 i32 f32)
    (local $d (ref $derived)) (local $b (ref $base))
    (local.set $d (struct.new $derived (i32.const -3) (i32.const 1000) (f64.const 2.5)
      (v128.const i32x4 1 2 3 4) (ref.null $base) (i32.const 7) (f32.const -0.5)))
    (local.set $b (local.get $d))
    (struct.set $base $a (local.get $b) (local.get $x))
    (struct.set $derived $e (local.get $d) (struct.new $base (i32.const 5) (i32.const -6)))
    (struct.set $derived $d (local.get $d)
      (i32x4.add (struct.get $derived $d (local.get $d)) (v128.const i32x4 10 20 30 40)))
    (struct.set $derived $c (local.get $d)
      (f64.mul (struct.get $derived $c (local.get $d)) (f64.const 3)))
    (struct.get_s $base $a (local.get $b))
    (struct.get_s $base $b (local.get $b))
    (struct.get $derived $c (local.get $d))
    (struct.get $derived $d (local.get $d))
    (struct.get_s $base $b (ref.as_non_null (struct.get $derived $e (local.get $d))))
    (struct.get $derived $f (local.get $d))
    (struct.get $derived $g (local.get $d)))

  ;; Element `i` of byte, short and long arrays of length `n` (filled with -1 - k at k):
  ;; sign- and zero-extended for the packed ones.
  (func (export "elements") (param $n i32) (param $i i32) (result i32 i32 i32 i32 i64 i32)
    (local $b (ref $bytes)) (local $s (ref $shorts)) (local $l (ref $longs)) (local $k i32)
    (local.set $b (array.new_default $bytes (local.get $n)))
    (local.set $s (array.new_default $shorts (local.get $n)))
    (local.set $l (array.new_default $longs (local.get $n)))
    (block $done
      (loop $fill
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (array.set $bytes (local.get $b) (local.get $k) (i32.sub (i32.const -1) (local.get $k)))
        (array.set $shorts (local.get $s) (local.get $k) (i32.sub (i32.const -1) (local.get $k)))
        (array.set $longs (local.get $l) (local.get $k)
          (i64.extend_i32_s (i32.sub (i32.const -1) (local.get $k))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $fill)))
    (array.get_s $bytes (local.get $b) (local.get $i))
    (array.get_u $bytes (local.get $b) (local.get $i))
    (array.get_s $shorts (local.get $s) (local.get $i))
    (array.get_u $shorts (local.get $s) (local.get $i))
    (array.get $longs (local.get $l) (local.get $i))
    (array.len (local.get $s)))

  ;; Writes element `i` of an f64 array and a v128 array of length `n`, reads them back.
  (func (export "wide") (param $n i32) (param $i i32) (result f64 v128 i32)
    (local $d (ref $doubles)) (local $v (ref $vecs))
    (local.set $d (array.new $doubles (f64.const 1.25) (local.get $n)))
    (local.set $v (array.new_default $vecs (local.get $n)))
    (array.set $doubles (local.get $d) (local.get $i) (f64.const -8.5))
    (array.set $vecs (local.get $v) (local.get $i) (v128.const i64x2 -1 0x0123456789abcdef))
    (array.get $doubles (local.get $d) (local.get $i))
    (array.get $vecs (local.get $v) (local.get $i))
    (array.len (local.get $v)))

  ;; Stores to element `i` of a byte array of length `n` (traps out of bounds).
  (func (export "store_byte") (param $n i32) (param $i i32) (result i32)
    (local $b (ref $bytes))
    (local.set $b (array.new_default $bytes (local.get $n)))
    (array.set $bytes (local.get $b) (local.get $i) (i32.const 0x1ff))
    (array.get_u $bytes (local.get $b) (local.get $i)))

  ;; Each operation on a null reference (`which` picks it).
  (func (export "null") (param $which i32) (result i32)
    (local $s (ref null $derived)) (local $a (ref null $shorts))
    (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 (local.get $which)))
      (return (struct.get_u $derived $a (local.get $s))))
      (struct.set $derived $d (local.get $s) (v128.const i32x4 0 0 0 0))
      (return (i32.const 0)))
      (return (array.get_s $shorts (local.get $a) (i32.const 0))))
      (array.set $shorts (local.get $a) (i32.const 0) (i32.const 1))
      (return (i32.const 0)))
      (return (array.len (local.get $a))))
    (i32.trunc_f64_s (struct.get $derived $c (local.get $s))))

  ;; A list of `n` subtype objects and an array holding them, built while garbage is
  ;; allocated between the accesses; then every field is read back through both.
  (func (export "survive") (param $n i32) (result i64)
    (local $list (ref null $derived)) (local $objs (ref $objs)) (local $i i32)
    (local $node (ref null $derived)) (local $sum i64)
    (local.set $objs (array.new_default $objs (local.get $n)))
    (loop $build
      (local.set $list (struct.new $derived (local.get $i) (i32.mul (local.get $i) (i32.const 3))
        (f64.convert_i32_u (local.get $i)) (i32x4.splat (local.get $i)) (local.get $list)
        (i32.const 1) (f32.const 0)))
      (drop (array.new_default $longs (i32.const 16)))
      (array.set $objs (local.get $objs) (local.get $i) (local.get $list))
      (drop (struct.new $base (i32.const 0) (i32.const 0)))
      (struct.set $derived $f (local.get $list)
        (i32.add (struct.get $derived $f (local.get $list))
          (array.len (array.new_default $bytes (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $build (i32.lt_u (local.get $i) (local.get $n))))
    ;; Through the list: a (i8, zero-extended) + b + c + lane 3 of d + f.
    (local.set $node (local.get $list))
    (block $end
      (loop $walk
        (br_if $end (ref.is_null (local.get $node)))
        (drop (struct.new $base (i32.const 1) (i32.const 1)))
        (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u
          (i32.add (i32.add (struct.get_u $derived $a (local.get $node))
                            (struct.get_s $derived $b (local.get $node)))
            (i32.add (i32.trunc_f64_u (struct.get $derived $c (local.get $node)))
              (i32.add (i32x4.extract_lane 3 (struct.get $derived $d (local.get $node)))
                (struct.get $derived $f (local.get $node))))))))
        (local.set $node (ref.cast (ref null $derived) (struct.get $derived $e (local.get $node))))
        (br $walk)))
    ;; Through the array, as supertype objects: b of each.
    (local.set $i (i32.const 0))
    (loop $again
      (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_s
        (struct.get_s $base $b (ref.as_non_null
          (array.get $objs (local.get $objs) (local.get $i)))))))
      (drop (array.new_default $bytes (i32.const 3)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (array.len (local.get $objs)))))
    (local.get $sum)))"#;

/// The tiers a case runs in.
#[derive(Clone, Copy, Debug)]
enum Tier {
    Interp,
    Jit,
    Aot,
}

/// Runs export `name` of [`MODULE`] on `args` in `tier`, collecting at every allocation:
/// its results, or the trap message.
fn run(tier: Tier, name: &str, args: &[Val]) -> Result<Vec<Val>, String> {
    let mut config = Config::new();
    config
        .strategy(match tier {
            Tier::Interp => Strategy::Interpreter,
            Tier::Jit | Tier::Aot => Strategy::Compiler,
        })
        .native_code_key(Some(*b"gc-access-key!!!"));
    let engine = Engine::new(&config);
    let mut module = Module::new(&engine, MODULE).expect("module compiles");
    if matches!(tier, Tier::Aot) {
        let file = module.serialize_native().expect("AOT file");
        module = Module::new(&engine, &file).expect("AOT file loads");
        assert!(module.is_native());
    }
    let mut store = Store::new(&engine, ());
    store.set_gc_min_heap(0);
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("module instantiates");
    let func: Func = instance.get_func(&store, name).expect("export");
    let mut out = vec![Val::I32(0); func.ty(&store).results().len()];
    func.call(&mut store, args, &mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Runs a case in every tier and checks each gives `expected`.
fn check(name: &str, args: &[Val], expected: Result<Vec<Val>, &str>) {
    for tier in [Tier::Interp, Tier::Jit, Tier::Aot] {
        let got = run(tier, name, args);
        match (&expected, &got) {
            (Ok(want), Ok(got)) => assert_eq!(got, want, "{name}{args:?} in {tier:?}"),
            (Err(want), Err(got)) => {
                assert!(got.contains(want), "{name}{args:?} in {tier:?}: {got}")
            }
            _ => panic!("{name}{args:?} in {tier:?}: got {got:?}, expected {expected:?}"),
        }
    }
}

fn f64v(v: f64) -> Val {
    Val::F64(v.to_bits())
}

#[test]
fn packed_struct_fields_extend_as_asked() {
    let (x, y) = (Val::I32(0x1f0), Val::I32(0x18001));
    let want = [-16, 0xf0, -32767, 0x8001].map(Val::I32).to_vec();
    check("packed", &[x, y], Ok(want));
    let want = [0x7f, 0x7f, 0x7fff, 0x7fff].map(Val::I32).to_vec();
    check("packed", &[Val::I32(0x7f), Val::I32(0x7fff)], Ok(want));
}

#[test]
fn subtype_objects_are_accessed_through_supertype_fields() {
    let lanes = |l: [u32; 4]| {
        l.iter()
            .rev()
            .fold(0u128, |acc, &x| (acc << 32) | x as u128)
    };
    let want = vec![
        Val::I32(-128),
        Val::I32(1000),
        f64v(7.5),
        Val::V128(lanes([11, 22, 33, 44])),
        Val::I32(-6),
        Val::I32(7),
        Val::F32((-0.5f32).to_bits()),
    ];
    check("subtype", &[Val::I32(0x80)], Ok(want));
}

#[test]
fn array_elements_are_bounds_checked_at_the_length() {
    let (n, last) = (Val::I32(300), Val::I32(299));
    // Element 299 holds -300: 0xd4 as a byte, 0xfed4 as a short.
    let want = vec![
        Val::I32(-44),
        Val::I32(0xd4),
        Val::I32(-300),
        Val::I32(0xfed4),
        Val::I64(-300),
        Val::I32(300),
    ];
    check("elements", &[n, last], Ok(want));
    check("elements", &[n, n], Err("out of bounds array access"));
    check(
        "elements",
        &[n, Val::I32(-1)],
        Err("out of bounds array access"),
    );
    check(
        "elements",
        &[Val::I32(0), Val::I32(0)],
        Err("out of bounds array access"),
    );
    check(
        "store_byte",
        &[Val::I32(5), Val::I32(4)],
        Ok(vec![Val::I32(0xff)]),
    );
    check(
        "store_byte",
        &[Val::I32(5), Val::I32(5)],
        Err("out of bounds array access"),
    );
}

#[test]
fn wide_array_elements_round_trip() {
    let v = (0x0123_4567_89ab_cdef_u128 << 64) | u64::MAX as u128;
    let want = vec![f64v(-8.5), Val::V128(v), Val::I32(9)];
    check("wide", &[Val::I32(9), Val::I32(8)], Ok(want));
    check(
        "wide",
        &[Val::I32(9), Val::I32(9)],
        Err("out of bounds array access"),
    );
}

#[test]
fn null_references_trap() {
    for which in 0..2 {
        check("null", &[Val::I32(which)], Err("null structure reference"));
    }
    for which in 2..5 {
        check("null", &[Val::I32(which)], Err("null array reference"));
    }
    check("null", &[Val::I32(5)], Err("null structure reference"));
}

#[test]
fn fields_read_back_survive_collections() {
    let n: i64 = 200;
    // Per node i: a = i mod 256, b = 3i, c = i, lane 3 = i, f = 1 + i; then b again.
    let per_node: i64 = (0..n).map(|i| (i % 256) + 3 * i + i + i + 1 + i).sum();
    let through_array: i64 = (0..n).map(|i| 3 * i).sum();
    check(
        "survive",
        &[Val::I32(n as i32)],
        Ok(vec![Val::I64(per_node + through_array)]),
    );
}
