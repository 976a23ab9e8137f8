//! `memory.copy` of every short length (the compiler copies up to 16 bytes inline with two
//! words that may overlap) and a few long ones, forwards and backwards over overlapping
//! ranges, against a reference copy; and the bounds checks before any byte moves.

use wedge::*;

#[path = "support/engines.rs"]
mod engines;

const WAT: &str = r#"(module
  (memory 1)
  ;; Fills bytes [0, 256) with 1, 2, 3, ... (wrapping).
  (func (export "fill")
    (local $i i32)
    (loop $l
      (i32.store8 (local.get $i) (i32.add (local.get $i) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 256)))))
  (func (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "byte") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
)"#;

/// Memory bytes [0, 256) after `fill` and then a copy of `len` bytes from `src` to `dst`.
fn reference(dst: usize, src: usize, len: usize) -> Vec<u8> {
    let mut m: Vec<u8> = (0..256).map(|i| (i + 1) as u8).collect();
    m.copy_within(src..src + len, dst);
    m
}

/// The test module's store and its `fill`, `copy` and `byte` exports.
#[allow(clippy::type_complexity)]
fn instantiate(
    engine: &Engine,
) -> (
    Store<()>,
    TypedFunc<(), ()>,
    TypedFunc<(i32, i32, i32), ()>,
    TypedFunc<i32, i32>,
) {
    let module = Module::new(engine, WAT).expect("valid");
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let fill = instance.get_typed_func(&store, "fill").unwrap();
    let copy = instance.get_typed_func(&store, "copy").unwrap();
    let byte = instance.get_typed_func(&store, "byte").unwrap();
    (store, fill, copy, byte)
}

#[test]
fn short_and_long_copies_over_overlapping_ranges_match_a_reference() {
    let lens = (0..=20).chain([31, 32, 33, 64, 100]);
    for (name, engine) in engines::interpreter_and_compilers() {
        let (mut store, fill, copy, byte) = instantiate(&engine);
        for len in lens.clone() {
            for shift in [-20i32, -9, -8, -7, -1, 0, 1, 3, 7, 8, 9, 16, 20] {
                let src = 100;
                let dst = src + shift;
                fill.call(&mut store, ()).unwrap();
                copy.call(&mut store, (dst, src, len)).unwrap();
                let want = reference(dst as usize, src as usize, len as usize);
                for (at, expected) in want.iter().enumerate() {
                    assert_eq!(
                        byte.call(&mut store, at as i32).unwrap(),
                        i32::from(*expected),
                        "{name}: copy of {len} bytes from {src} to {dst}, byte {at}"
                    );
                }
            }
        }
    }
}

#[test]
fn copies_past_the_end_trap_before_moving_a_byte() {
    const PAGE: i32 = 65536;
    for (name, engine) in engines::interpreter_and_compilers() {
        let (mut store, fill, copy, byte) = instantiate(&engine);
        fill.call(&mut store, ()).unwrap();
        // In bounds up to the last byte, and empty copies at the very end.
        for (dst, src, len) in [
            (PAGE - 8, 0, 8),
            (0, PAGE - 5, 5),
            (PAGE, 0, 0),
            (0, PAGE, 0),
        ] {
            copy.call(&mut store, (dst, src, len))
                .unwrap_or_else(|e| panic!("{name}: copy({dst}, {src}, {len}): {e}"));
        }
        fill.call(&mut store, ()).unwrap();
        for (dst, src, len) in [
            (PAGE - 7, 0, 8),
            (0, PAGE - 4, 5),
            (PAGE + 1, 0, 0),
            (0, PAGE + 1, 0),
            (0, 16, -1),
            (-1, 16, 1),
        ] {
            let err = copy.call(&mut store, (dst, src, len)).unwrap_err();
            let kind = err.as_trap().expect("a trap").kind();
            assert_eq!(
                kind,
                TrapKind::MemoryOutOfBounds,
                "{name}: copy({dst}, {src}, {len})"
            );
            // Nothing moved: the first bytes still hold the fill pattern.
            for at in 0..32 {
                assert_eq!(
                    byte.call(&mut store, at).unwrap(),
                    at + 1,
                    "{name}: byte {at}"
                );
            }
        }
    }
}
