//! Unit tests for the SIMD value operations in `simd.rs`.

use super::*;
use wasmparser::Operator as O;

fn b8(l: [i8; 16]) -> u128 {
    put8(l.map(|x| x as u8))
}
fn b16(l: [i16; 8]) -> u128 {
    put16(l.map(|x| x as u16))
}
fn b32(l: [i32; 4]) -> u128 {
    put32(l.map(|x| x as u32))
}
fn b64(l: [i64; 2]) -> u128 {
    put64(l.map(|x| x as u64))
}
fn bf32(l: [f32; 4]) -> u128 {
    put32(l.map(f32::to_bits))
}
fn bf64(l: [f64; 2]) -> u128 {
    put64(l.map(f64::to_bits))
}
fn lf32(a: u128) -> [f32; 4] {
    get32(a).map(f32::from_bits)
}
fn lf64(a: u128) -> [f64; 2] {
    get64(a).map(f64::from_bits)
}

fn id(op: O, shape: SimdShape) -> u16 {
    match classify(&op) {
        Some((s, id, _)) if s == shape => id,
        r => panic!("{op:?} classified as {r:?}, expected {shape:?}"),
    }
}
fn un(op: O, a: u128) -> u128 {
    unary(id(op, SimdShape::Unary), a)
}
fn bin(op: O, a: u128, b: u128) -> u128 {
    binary(id(op, SimdShape::Binary), a, b)
}
fn tst(op: O, a: u128) -> i32 {
    test(id(op, SimdShape::Test), a)
}
fn shf(op: O, a: u128, n: u32) -> u128 {
    shift(id(op, SimdShape::Shift), a, n)
}
fn spl(op: O, x: u64) -> u128 {
    splat(id(op, SimdShape::Splat), x)
}
fn ext(op: O, a: u128) -> u64 {
    let (s, id, lane) = classify(&op).unwrap();
    assert_eq!(s, SimdShape::ExtractLane);
    extract_lane(id, a, lane)
}
fn rep(op: O, a: u128, x: u64) -> u128 {
    let (s, id, lane) = classify(&op).unwrap();
    assert_eq!(s, SimdShape::ReplaceLane);
    replace_lane(id, a, lane, x)
}

/// Decodes every 0xFD sub-opcode < 0x100 and checks which ones are classified.
#[test]
fn classify_covers_all_value_ops() {
    let mut counts = [0usize; 8];
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    // 0x00..0xff: SIMD; 0x100..0x113: relaxed SIMD.
    for code in 0u32..0x114 {
        let mut bytes = vec![0xfd];
        if code < 0x80 {
            bytes.push(code as u8);
        } else {
            bytes.extend([(code as u8 & 0x7f) | 0x80, (code >> 7) as u8]);
        }
        bytes.extend([0u8; 40]);
        let mut r = wasmparser::OperatorsReader::new(wasmparser::BinaryReader::new(&bytes, 0));
        let Ok(op) = r.read() else { continue };
        let name = format!("{op:?}");
        let handled_elsewhere = name.contains("Load")
            || name.contains("Store")
            || name.starts_with("V128Const")
            || name.starts_with("I8x16Shuffle");
        match classify(&op) {
            Some((shape, id, _)) => {
                assert!(!handled_elsewhere, "{name} should not be classified");
                assert!(seen.insert((shape as u8, id)), "duplicate id for {name}");
                counts[shape as usize] += 1;
                total += 1;
            }
            None => assert!(handled_elsewhere, "{name} not classified"),
        }
    }
    assert_eq!(total, 212 + 20);
    assert_eq!(counts[SimdShape::Unary as usize], UNARY.len());
    assert_eq!(counts[SimdShape::Binary as usize], BINARY.len());
    assert_eq!(counts[SimdShape::Ternary as usize], TERNARY.len());
    assert_eq!(counts[SimdShape::Test as usize], TEST.len());
    assert_eq!(counts[SimdShape::Shift as usize], SHIFT.len());
    assert_eq!(counts[SimdShape::Splat as usize], SPLAT.len());
    assert_eq!(counts[SimdShape::ExtractLane as usize], EXTRACT.len());
    assert_eq!(counts[SimdShape::ReplaceLane as usize], REPLACE.len());
    assert_eq!(classify(&O::I32Add), None);
    assert_eq!(
        classify(&O::I8x16RelaxedSwizzle).map(|c| c.0),
        Some(SimdShape::Binary)
    );
    assert_eq!(classify(&O::I8x16Shuffle { lanes: [0; 16] }), None);
    let (s, _, lane) = classify(&O::F64x2ReplaceLane { lane: 1 }).unwrap();
    assert_eq!((s, lane), (SimdShape::ReplaceLane, 1));
    assert_eq!(classify(&O::I8x16ExtractLaneU { lane: 15 }).unwrap().2, 15);
    assert_eq!(classify(&O::I8x16Add).unwrap().2, 0);
}
#[test]
fn bitwise() {
    let a = 0x0123_4567_89ab_cdef_0f0f_f0f0_ffff_0000u128;
    let b = 0xffff_0000_ffff_0000_00ff_00ff_1234_5678u128;
    assert_eq!(un(O::V128Not, a), !a);
    assert_eq!(bin(O::V128And, a, b), a & b);
    assert_eq!(bin(O::V128AndNot, a, b), a & !b);
    assert_eq!(bin(O::V128Or, a, b), a | b);
    assert_eq!(bin(O::V128Xor, a, b), a ^ b);
    let c = 0xffff_ffff_0000_0000_ffff_ffff_0000_0000u128;
    let t = id(O::V128Bitselect, SimdShape::Ternary);
    assert_eq!(ternary(t, a, b, c), (a & c) | (b & !c));
    assert_eq!(ternary(t, 0xf0, 0x0f, 0x3c), 0x33);
    assert_eq!(tst(O::V128AnyTrue, 0), 0);
    assert_eq!(tst(O::V128AnyTrue, 1 << 127), 1);
}

#[test]
fn splat_extract_replace() {
    assert_eq!(spl(O::I8x16Splat, 0x1ff), u128::MAX);
    assert_eq!(
        spl(O::I8x16Splat, 0x12),
        0x1212_1212_1212_1212_1212_1212_1212_1212
    );
    assert_eq!(spl(O::I16x8Splat, 0xffff_8001), b16([-32767; 8]));
    assert_eq!(
        spl(O::I32x4Splat, 0xdead_beef),
        b32([0xdead_beefu32 as i32; 4])
    );
    assert_eq!(spl(O::I64x2Splat, u64::MAX - 1), b64([-2, -2]));
    assert_eq!(
        spl(O::F32x4Splat, (-1.5f32).to_bits() as u64),
        bf32([-1.5; 4])
    );
    assert_eq!(spl(O::F64x2Splat, 0.25f64.to_bits()), bf64([0.25; 2]));

    let v = b8([0, 1, 2, 3, 4, 5, 6, -1, 8, 9, 10, 11, 12, 13, 14, -128]);
    assert_eq!(ext(O::I8x16ExtractLaneS { lane: 7 }, v), 0xffff_ffff);
    assert_eq!(ext(O::I8x16ExtractLaneU { lane: 7 }, v), 0xff);
    assert_eq!(ext(O::I8x16ExtractLaneS { lane: 15 }, v), 0xffff_ff80);
    assert_eq!(ext(O::I8x16ExtractLaneS { lane: 6 }, v), 6);
    let v = b16([1, -2, 3, 0x7fff, 5, 6, 7, -32768]);
    assert_eq!(ext(O::I16x8ExtractLaneS { lane: 1 }, v), 0xffff_fffe);
    assert_eq!(ext(O::I16x8ExtractLaneU { lane: 1 }, v), 0xfffe);
    assert_eq!(ext(O::I16x8ExtractLaneS { lane: 3 }, v), 0x7fff);
    assert_eq!(ext(O::I16x8ExtractLaneU { lane: 7 }, v), 0x8000);
    let v = b32([10, -20, 30, -40]);
    assert_eq!(
        ext(O::I32x4ExtractLane { lane: 1 }, v),
        (-20i32) as u32 as u64
    );
    assert_eq!(ext(O::I32x4ExtractLane { lane: 3 }, v), 0xffff_ffd8);
    assert_eq!(
        ext(O::I64x2ExtractLane { lane: 1 }, b64([5, -6])),
        (-6i64) as u64
    );
    let v = bf32([1.0, -0.0, 2.5, f32::INFINITY]);
    assert_eq!(ext(O::F32x4ExtractLane { lane: 1 }, v), 0x8000_0000);
    assert_eq!(ext(O::F32x4ExtractLane { lane: 3 }, v), 0x7f80_0000);
    let v = bf64([1.0, -3.0]);
    assert_eq!(ext(O::F64x2ExtractLane { lane: 1 }, v), (-3.0f64).to_bits());
    // Signalling NaN bits are preserved by lane access.
    let v = put32([0, 0, 0x7fa0_0001, 0]);
    assert_eq!(ext(O::F32x4ExtractLane { lane: 2 }, v), 0x7fa0_0001);

    let z = 0u128;
    assert_eq!(rep(O::I8x16ReplaceLane { lane: 5 }, z, 0x1234), 0x34 << 40);
    assert_eq!(
        rep(O::I8x16ReplaceLane { lane: 15 }, u128::MAX, 0),
        u128::MAX >> 8
    );
    assert_eq!(
        rep(O::I16x8ReplaceLane { lane: 7 }, z, 0xffff_abcd),
        0xabcd << 112
    );
    assert_eq!(
        rep(O::I32x4ReplaceLane { lane: 2 }, u128::MAX, 0),
        !(0xffff_ffffu128 << 64)
    );
    assert_eq!(
        rep(O::I64x2ReplaceLane { lane: 1 }, b64([7, 8]), 9),
        b64([7, 9])
    );
    let v = rep(O::F32x4ReplaceLane { lane: 0 }, bf32([1.0; 4]), 0x7fa0_0001);
    assert_eq!(
        get32(v),
        [0x7fa0_0001, 0x3f80_0000, 0x3f80_0000, 0x3f80_0000]
    );
    let v = rep(
        O::F64x2ReplaceLane { lane: 0 },
        bf64([1.0, 2.0]),
        (-0.0f64).to_bits(),
    );
    assert_eq!(get64(v), [1 << 63, 2.0f64.to_bits()]);
}

#[test]
fn int_compare() {
    let a = b8([-1, 1, 0, 5, -128, 127, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0]);
    let b = b8([1, -1, 0, 6, 127, -128, 3, 4, 0, 0, 0, 0, 0, 0, 0, 1]);
    let t = -1;
    assert_eq!(
        bin(O::I8x16Eq, a, b),
        b8([0, 0, t, 0, 0, 0, t, 0, t, t, t, t, t, t, t, 0])
    );
    assert_eq!(bin(O::I8x16Ne, a, b), !bin(O::I8x16Eq, a, b));
    assert_eq!(
        bin(O::I8x16LtS, a, b),
        b8([t, 0, 0, t, t, 0, 0, t, 0, 0, 0, 0, 0, 0, 0, t])
    );
    assert_eq!(
        bin(O::I8x16LtU, a, b),
        b8([0, t, 0, t, 0, t, 0, t, 0, 0, 0, 0, 0, 0, 0, t])
    );
    assert_eq!(
        bin(O::I8x16GtS, a, b),
        b8([0, t, 0, 0, 0, t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    );
    assert_eq!(
        bin(O::I8x16GtU, a, b),
        b8([t, 0, 0, 0, t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    );
    assert_eq!(bin(O::I8x16LeS, a, b), !bin(O::I8x16GtS, a, b));
    assert_eq!(bin(O::I8x16LeU, a, b), !bin(O::I8x16GtU, a, b));
    assert_eq!(bin(O::I8x16GeS, a, b), !bin(O::I8x16LtS, a, b));
    assert_eq!(bin(O::I8x16GeU, a, b), !bin(O::I8x16LtU, a, b));

    let a = b16([-1, 1, 0, -32768, 0, 0, 0, 0]);
    let b = b16([1, -1, 0, 32767, 0, 0, 0, 0]);
    assert_eq!(
        bin(O::I16x8LtS, a, b),
        b16([t as i16, 0, 0, -1, 0, 0, 0, 0])
    );
    assert_eq!(bin(O::I16x8LtU, a, b), b16([0, -1, 0, 0, 0, 0, 0, 0]));
    assert_eq!(bin(O::I16x8GtS, a, b), b16([0, -1, 0, 0, 0, 0, 0, 0]));
    assert_eq!(bin(O::I16x8GtU, a, b), b16([-1, 0, 0, -1, 0, 0, 0, 0]));
    assert_eq!(bin(O::I16x8LeS, a, b), b16([-1, 0, -1, -1, -1, -1, -1, -1]));
    assert_eq!(bin(O::I16x8LeU, a, b), b16([0, -1, -1, 0, -1, -1, -1, -1]));
    assert_eq!(bin(O::I16x8GeS, a, b), b16([0, -1, -1, 0, -1, -1, -1, -1]));
    assert_eq!(bin(O::I16x8GeU, a, b), b16([-1, 0, -1, -1, -1, -1, -1, -1]));
    assert_eq!(bin(O::I16x8Eq, a, b), b16([0, 0, -1, 0, -1, -1, -1, -1]));
    assert_eq!(bin(O::I16x8Ne, a, b), b16([-1, -1, 0, -1, 0, 0, 0, 0]));

    let a = b32([-1, 1, i32::MIN, 7]);
    let b = b32([1, -1, i32::MAX, 7]);
    assert_eq!(bin(O::I32x4Eq, a, b), b32([0, 0, 0, -1]));
    assert_eq!(bin(O::I32x4Ne, a, b), b32([-1, -1, -1, 0]));
    assert_eq!(bin(O::I32x4LtS, a, b), b32([-1, 0, -1, 0]));
    assert_eq!(bin(O::I32x4LtU, a, b), b32([0, -1, 0, 0]));
    assert_eq!(bin(O::I32x4GtS, a, b), b32([0, -1, 0, 0]));
    assert_eq!(bin(O::I32x4GtU, a, b), b32([-1, 0, -1, 0]));
    assert_eq!(bin(O::I32x4LeS, a, b), b32([-1, 0, -1, -1]));
    assert_eq!(bin(O::I32x4LeU, a, b), b32([0, -1, 0, -1]));
    assert_eq!(bin(O::I32x4GeS, a, b), b32([0, -1, 0, -1]));
    assert_eq!(bin(O::I32x4GeU, a, b), b32([-1, 0, -1, -1]));

    let a = b64([-1, 5]);
    let b = b64([1, 5]);
    assert_eq!(bin(O::I64x2Eq, a, b), b64([0, -1]));
    assert_eq!(bin(O::I64x2Ne, a, b), b64([-1, 0]));
    assert_eq!(bin(O::I64x2LtS, a, b), b64([-1, 0]));
    assert_eq!(bin(O::I64x2GtS, a, b), b64([0, 0]));
    assert_eq!(bin(O::I64x2LeS, a, b), b64([-1, -1]));
    assert_eq!(bin(O::I64x2GeS, a, b), b64([0, -1]));
    assert_eq!(
        bin(O::I64x2GtS, b64([i64::MAX, 0]), b64([i64::MIN, 0])),
        b64([-1, 0])
    );
}

#[test]
fn abs_neg_popcnt() {
    let v = b8([-128, -1, 0, 1, 127, -127, 5, -5, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        un(O::I8x16Abs, v),
        b8([-128, 1, 0, 1, 127, 127, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0])
    );
    assert_eq!(
        un(O::I8x16Neg, v),
        b8([-128, 1, 0, -1, -127, 127, -5, 5, 0, 0, 0, 0, 0, 0, 0, 0])
    );
    let p = put8([
        0xff, 0x55, 0, 1, 0x80, 0x0f, 3, 7, 0, 0, 0, 0, 0, 0, 0, 0xfe,
    ]);
    assert_eq!(
        get8(un(O::I8x16Popcnt, p)),
        [8, 4, 0, 1, 1, 4, 2, 3, 0, 0, 0, 0, 0, 0, 0, 7]
    );
    let v = b16([-32768, -1, 0, 32767, -300, 300, 1, -1]);
    assert_eq!(
        un(O::I16x8Abs, v),
        b16([-32768, 1, 0, 32767, 300, 300, 1, 1])
    );
    assert_eq!(
        un(O::I16x8Neg, v),
        b16([-32768, 1, 0, -32767, 300, -300, -1, 1])
    );
    let v = b32([i32::MIN, -7, 0, i32::MAX]);
    assert_eq!(un(O::I32x4Abs, v), b32([i32::MIN, 7, 0, i32::MAX]));
    assert_eq!(un(O::I32x4Neg, v), b32([i32::MIN, 7, 0, -i32::MAX]));
    let v = b64([i64::MIN, -9]);
    assert_eq!(un(O::I64x2Abs, v), b64([i64::MIN, 9]));
    assert_eq!(un(O::I64x2Neg, v), b64([i64::MIN, 9]));
    assert_eq!(un(O::I64x2Neg, b64([1, 0])), b64([-1, 0]));
}

#[test]
fn all_true_bitmask() {
    let mut l = [1i8; 16];
    assert_eq!(tst(O::I8x16AllTrue, b8(l)), 1);
    l[9] = 0;
    assert_eq!(tst(O::I8x16AllTrue, b8(l)), 0);
    assert_eq!(tst(O::I16x8AllTrue, b8(l)), 1);
    assert_eq!(tst(O::I16x8AllTrue, b16([1, 1, 1, 1, 1, 1, 1, 0])), 0);
    assert_eq!(tst(O::I32x4AllTrue, b32([1, 2, 3, 4])), 1);
    assert_eq!(tst(O::I32x4AllTrue, b32([1, 0, 3, 4])), 0);
    assert_eq!(tst(O::I64x2AllTrue, b64([1 << 40, -1])), 1);
    assert_eq!(tst(O::I64x2AllTrue, b64([0, -1])), 0);
    let v = b8([-1, 0, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -2]);
    assert_eq!(tst(O::I8x16Bitmask, v), 0b1000_0000_0000_0101);
    assert_eq!(tst(O::I8x16Bitmask, u128::MAX), 0xffff);
    assert_eq!(
        tst(O::I16x8Bitmask, b16([-1, 1, -32768, 0, 0, 0, 0, -5])),
        0b1000_0101
    );
    assert_eq!(tst(O::I32x4Bitmask, b32([0, -1, 1, i32::MIN])), 0b1010);
    assert_eq!(tst(O::I64x2Bitmask, b64([-1, 1])), 0b01);
    assert_eq!(tst(O::I64x2Bitmask, b64([1, i64::MIN])), 0b10);
}

#[test]
fn narrow() {
    let a = b16([300, -300, 127, -128, 128, -129, 0, -1]);
    let b = b16([1, 2, 3, 255, 256, -32768, 32767, 4]);
    assert_eq!(
        bin(O::I8x16NarrowI16x8S, a, b),
        b8([127, -128, 127, -128, 127, -128, 0, -1, 1, 2, 3, 127, 127, -128, 127, 4])
    );
    assert_eq!(
        get8(bin(O::I8x16NarrowI16x8U, a, b)),
        [255, 0, 127, 0, 128, 0, 0, 0, 1, 2, 3, 255, 255, 0, 255, 4]
    );
    let a = b32([70000, -70000, 32767, -32768]);
    let b = b32([65535, 65536, -1, 40000]);
    assert_eq!(
        bin(O::I16x8NarrowI32x4S, a, b),
        b16([32767, -32768, 32767, -32768, 32767, 32767, -1, 32767])
    );
    assert_eq!(
        get16(bin(O::I16x8NarrowI32x4U, a, b)),
        [65535, 0, 32767, 0, 65535, 65535, 0, 40000]
    );
}

#[test]
fn extend() {
    let v = b8([-1, 2, -128, 127, 0, 0, 0, 0, 5, -6, 0, 0, 0, 0, 0, -128]);
    assert_eq!(
        un(O::I16x8ExtendLowI8x16S, v),
        b16([-1, 2, -128, 127, 0, 0, 0, 0])
    );
    assert_eq!(
        un(O::I16x8ExtendLowI8x16U, v),
        b16([255, 2, 128, 127, 0, 0, 0, 0])
    );
    assert_eq!(
        un(O::I16x8ExtendHighI8x16S, v),
        b16([5, -6, 0, 0, 0, 0, 0, -128])
    );
    assert_eq!(
        un(O::I16x8ExtendHighI8x16U, v),
        b16([5, 250, 0, 0, 0, 0, 0, 128])
    );
    let v = b16([-1, 2, -32768, 3, 4, -5, 6, -7]);
    assert_eq!(un(O::I32x4ExtendLowI16x8S, v), b32([-1, 2, -32768, 3]));
    assert_eq!(un(O::I32x4ExtendLowI16x8U, v), b32([65535, 2, 32768, 3]));
    assert_eq!(un(O::I32x4ExtendHighI16x8S, v), b32([4, -5, 6, -7]));
    assert_eq!(un(O::I32x4ExtendHighI16x8U, v), b32([4, 65531, 6, 65529]));
    let v = b32([-1, 2, i32::MIN, 3]);
    assert_eq!(un(O::I64x2ExtendLowI32x4S, v), b64([-1, 2]));
    assert_eq!(un(O::I64x2ExtendLowI32x4U, v), b64([0xffff_ffff, 2]));
    assert_eq!(un(O::I64x2ExtendHighI32x4S, v), b64([i32::MIN as i64, 3]));
    assert_eq!(un(O::I64x2ExtendHighI32x4U, v), b64([0x8000_0000, 3]));
}

#[test]
fn shifts() {
    let v = b8([1, -128, -1, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    assert_eq!(
        shf(O::I8x16Shl, v, 1),
        b8([2, 0, -2, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6])
    );
    assert_eq!(shf(O::I8x16Shl, v, 9), shf(O::I8x16Shl, v, 1));
    assert_eq!(shf(O::I8x16Shl, v, 8), v);
    assert_eq!(
        shf(O::I8x16ShrS, v, 1),
        b8([0, -64, -1, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    );
    assert_eq!(
        shf(O::I8x16ShrU, v, 1),
        b8([0, 64, 127, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    );
    assert_eq!(
        shf(O::I8x16ShrS, v, 7),
        b8([0, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    );
    assert_eq!(shf(O::I8x16ShrU, v, 0xffff_fff9), shf(O::I8x16ShrU, v, 1));
    let v = b16([-32768, 1, -2, 0x4000, 0, 0, 0, 0]);
    assert_eq!(shf(O::I16x8ShrS, v, 15), b16([-1, 0, -1, 0, 0, 0, 0, 0]));
    assert_eq!(shf(O::I16x8ShrU, v, 15), b16([1, 0, 1, 0, 0, 0, 0, 0]));
    assert_eq!(shf(O::I16x8Shl, v, 17), b16([0, 2, -4, -32768, 0, 0, 0, 0]));
    assert_eq!(shf(O::I16x8ShrS, v, 16), v);
    let v = b32([i32::MIN, 1, -1, 0x1234_5678]);
    assert_eq!(shf(O::I32x4Shl, v, 32), v);
    assert_eq!(shf(O::I32x4Shl, v, 4), b32([0, 16, -16, 0x2345_6780]));
    assert_eq!(shf(O::I32x4ShrS, v, 31), b32([-1, 0, -1, 0]));
    assert_eq!(
        shf(O::I32x4ShrU, v, 33),
        b32([0x4000_0000, 0, i32::MAX, 0x091a_2b3c])
    );
    let v = b64([i64::MIN, -1]);
    assert_eq!(shf(O::I64x2ShrU, v, 65), b64([1 << 62, i64::MAX]));
    assert_eq!(shf(O::I64x2ShrS, v, 63), b64([-1, -1]));
    assert_eq!(
        shf(O::I64x2Shl, b64([1, 3]), 64 + 63),
        b64([i64::MIN, i64::MIN])
    );
    assert_eq!(shf(O::I64x2Shl, v, 0), v);
}

#[test]
fn add_sub_saturating() {
    let a = b8([127, -128, -1, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let b = b8([1, -1, -1, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(
        bin(O::I8x16Add, a, b),
        b8([-128, 127, -2, -56, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    );
    assert_eq!(
        bin(O::I8x16AddSatS, a, b),
        b8([127, -128, -2, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    );
    assert_eq!(get8(bin(O::I8x16AddSatU, a, b))[..4], [128, 255, 255, 200]);
    assert_eq!(
        bin(O::I8x16Sub, a, b),
        b8([126, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1])
    );
    assert_eq!(
        bin(O::I8x16SubSatS, b, a),
        b8([-126, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    );
    assert_eq!(
        bin(O::I8x16SubSatS, a, b),
        b8([126, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1])
    );
    assert_eq!(
        get8(bin(O::I8x16SubSatU, b, a)),
        [0, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    );
    let m = b8([-128; 16]);
    assert_eq!(bin(O::I8x16SubSatS, m, b8([1; 16])), m);
    assert_eq!(bin(O::I8x16SubSatU, 0, b8([1; 16])), 0);

    let a = b16([32767, -32768, -1, 20000, 0, 1, 2, 3]);
    let b = b16([1, -1, -1, 20000, 0, 1, 2, 3]);
    assert_eq!(
        bin(O::I16x8Add, a, b),
        b16([-32768, 32767, -2, -25536, 0, 2, 4, 6])
    );
    assert_eq!(
        bin(O::I16x8AddSatS, a, b),
        b16([32767, -32768, -2, 32767, 0, 2, 4, 6])
    );
    assert_eq!(
        get16(bin(O::I16x8AddSatU, a, b)),
        [32768, 65535, 65535, 40000, 0, 2, 4, 6]
    );
    assert_eq!(
        bin(O::I16x8Sub, a, b),
        b16([32766, -32767, 0, 0, 0, 0, 0, 0])
    );
    assert_eq!(
        bin(O::I16x8SubSatS, b16([-32768; 8]), b16([1; 8])),
        b16([-32768; 8])
    );
    assert_eq!(
        bin(O::I16x8SubSatS, b16([32767; 8]), b16([-1; 8])),
        b16([32767; 8])
    );
    assert_eq!(
        get16(bin(O::I16x8SubSatU, b, a)),
        [0, 32767, 0, 0, 0, 0, 0, 0]
    );

    let a = b32([i32::MAX, 5, -1, 0]);
    let b = b32([1, 7, -1, 0]);
    assert_eq!(bin(O::I32x4Add, a, b), b32([i32::MIN, 12, -2, 0]));
    assert_eq!(bin(O::I32x4Sub, a, b), b32([i32::MAX - 1, -2, 0, 0]));
    assert_eq!(
        bin(O::I64x2Add, b64([i64::MAX, 1]), b64([1, -2])),
        b64([i64::MIN, -1])
    );
    assert_eq!(
        bin(O::I64x2Sub, b64([i64::MIN, 1]), b64([1, -2])),
        b64([i64::MAX, 3])
    );
}

#[test]
fn mul_min_max_avgr() {
    let a = b16([300, -2, 32767, 0, 1, 2, 3, -32768]);
    let b = b16([300, 3, 2, 9, 1, 2, 3, -1]);
    assert_eq!(
        bin(O::I16x8Mul, a, b),
        b16([24464, -6, -2, 0, 1, 4, 9, -32768])
    );
    let a = b32([0x10000, -3, i32::MAX, 7]);
    let b = b32([0x10000, 5, 2, -7]);
    assert_eq!(bin(O::I32x4Mul, a, b), b32([0, -15, -2, -49]));
    assert_eq!(
        bin(O::I64x2Mul, b64([1 << 32, -3]), b64([1 << 32, 1 << 40])),
        b64([0, -3 << 40])
    );

    let a = b8([-1, 5, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let b = b8([1, 4, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(get8(bin(O::I8x16MinS, a, b))[..4], [0xff, 4, 0x80, 0x80]);
    assert_eq!(get8(bin(O::I8x16MinU, a, b))[..4], [1, 4, 0x7f, 0x7f]);
    assert_eq!(get8(bin(O::I8x16MaxS, a, b))[..4], [1, 5, 0x7f, 0x7f]);
    assert_eq!(get8(bin(O::I8x16MaxU, a, b))[..4], [0xff, 5, 0x80, 0x80]);
    let a = b16([-1, 5, 0, 0, 0, 0, 0, 0]);
    let b = b16([1, 4, 0, 0, 0, 0, 0, 0]);
    assert_eq!(bin(O::I16x8MinS, a, b), b16([-1, 4, 0, 0, 0, 0, 0, 0]));
    assert_eq!(bin(O::I16x8MinU, a, b), b16([1, 4, 0, 0, 0, 0, 0, 0]));
    assert_eq!(bin(O::I16x8MaxS, a, b), b16([1, 5, 0, 0, 0, 0, 0, 0]));
    assert_eq!(bin(O::I16x8MaxU, a, b), b16([-1, 5, 0, 0, 0, 0, 0, 0]));
    let a = b32([-1, 5, i32::MIN, 0]);
    let b = b32([1, 4, i32::MAX, 0]);
    assert_eq!(bin(O::I32x4MinS, a, b), b32([-1, 4, i32::MIN, 0]));
    assert_eq!(bin(O::I32x4MinU, a, b), b32([1, 4, i32::MAX, 0]));
    assert_eq!(bin(O::I32x4MaxS, a, b), b32([1, 5, i32::MAX, 0]));
    assert_eq!(bin(O::I32x4MaxU, a, b), b32([-1, 5, i32::MIN, 0]));

    let a = put8([255, 0, 1, 1, 254, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let b = put8([255, 1, 2, 1, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    assert_eq!(
        get8(bin(O::I8x16AvgrU, a, b)),
        [255, 1, 2, 1, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]
    );
    let a = put16([65535, 0, 1, 100, 0, 0, 0, 0]);
    let b = put16([65535, 1, 2, 201, 0, 0, 0, 0]);
    assert_eq!(
        get16(bin(O::I16x8AvgrU, a, b)),
        [65535, 1, 2, 151, 0, 0, 0, 0]
    );
}

#[test]
fn q15mulr_dot() {
    let a = b16([-32768, 16384, 1, -1, 16384, -16384, -16385, 32767]);
    let b = b16([-32768, 16384, 1, 1, 1, 1, 1, 32767]);
    assert_eq!(
        bin(O::I16x8Q15MulrSatS, a, b),
        b16([32767, 8192, 0, 0, 1, 0, -1, 32766])
    );
    let a = b16([-32768, -32768, 1, 2, 32767, 32767, -3, 4]);
    let b = b16([-32768, -32768, 3, 4, 32767, 32767, 5, 6]);
    assert_eq!(
        bin(O::I32x4DotI16x8S, a, b),
        b32([i32::MIN, 11, 2_147_352_578, 9])
    );
}

#[test]
fn extmul_extadd() {
    let a = b8([-128, 127, -1, 2, 0, 0, 0, 0, -1, 3, 0, 0, 0, 0, 0, 7]);
    let b = b8([-128, 127, -1, -2, 0, 0, 0, 0, -1, 4, 0, 0, 0, 0, 0, 8]);
    assert_eq!(
        bin(O::I16x8ExtMulLowI8x16S, a, b),
        b16([16384, 16129, 1, -4, 0, 0, 0, 0])
    );
    assert_eq!(
        get16(bin(O::I16x8ExtMulLowI8x16U, a, b)),
        [16384, 16129, 65025, 508, 0, 0, 0, 0]
    );
    assert_eq!(
        bin(O::I16x8ExtMulHighI8x16S, a, b),
        b16([1, 12, 0, 0, 0, 0, 0, 56])
    );
    assert_eq!(
        get16(bin(O::I16x8ExtMulHighI8x16U, a, b)),
        [65025, 12, 0, 0, 0, 0, 0, 56]
    );
    let a = b16([-32768, -1, 0, 0, 5, -6, 0, 0]);
    let b = b16([-32768, -1, 0, 0, 7, 8, 0, 0]);
    assert_eq!(bin(O::I32x4ExtMulLowI16x8S, a, b), b32([1 << 30, 1, 0, 0]));
    assert_eq!(
        get32(bin(O::I32x4ExtMulLowI16x8U, a, b)),
        [1 << 30, 0xfffe_0001, 0, 0]
    );
    assert_eq!(bin(O::I32x4ExtMulHighI16x8S, a, b), b32([35, -48, 0, 0]));
    assert_eq!(
        get32(bin(O::I32x4ExtMulHighI16x8U, a, b)),
        [35, 65530 * 8, 0, 0]
    );
    let a = b32([-1, i32::MIN, 3, -4]);
    let b = b32([-1, i32::MIN, 5, 6]);
    assert_eq!(bin(O::I64x2ExtMulLowI32x4S, a, b), b64([1, 1 << 62]));
    assert_eq!(
        get64(bin(O::I64x2ExtMulLowI32x4U, a, b)),
        [0xffff_fffe_0000_0001, 1 << 62]
    );
    assert_eq!(bin(O::I64x2ExtMulHighI32x4S, a, b), b64([15, -24]));
    assert_eq!(
        get64(bin(O::I64x2ExtMulHighI32x4U, a, b)),
        [15, 0xffff_fffc * 6]
    );

    let v = b8([-128, -128, 127, 127, -1, 1, 0, 5, -1, -1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        un(O::I16x8ExtAddPairwiseI8x16S, v),
        b16([-256, 254, 0, 5, -2, 0, 0, 0])
    );
    assert_eq!(
        get16(un(O::I16x8ExtAddPairwiseI8x16U, v)),
        [256, 254, 256, 5, 510, 0, 0, 0]
    );
    let v = b16([-32768, -32768, 32767, 32767, -1, -1, 2, 3]);
    assert_eq!(
        un(O::I32x4ExtAddPairwiseI16x8S, v),
        b32([-65536, 65534, -2, 5])
    );
    assert_eq!(
        get32(un(O::I32x4ExtAddPairwiseI16x8U, v)),
        [65536, 65534, 131070, 5]
    );
}

#[test]
fn swizzle_shuffle() {
    let a = put8(from_fn(|i| 0xa0 + i as u8));
    let b = put8(from_fn(|i| 0xb0 + i as u8));
    let idx = put8([0, 15, 16, 255, 3, 3, 128, 17, 1, 2, 4, 8, 9, 10, 11, 12]);
    assert_eq!(
        get8(bin(O::I8x16Swizzle, a, idx)),
        [0xa0, 0xaf, 0, 0, 0xa3, 0xa3, 0, 0, 0xa1, 0xa2, 0xa4, 0xa8, 0xa9, 0xaa, 0xab, 0xac]
    );
    let lanes = [0, 16, 31, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22];
    assert_eq!(
        get8(shuffle(a, b, lanes)),
        [
            0xa0, 0xb0, 0xbf, 0xaf, 0xa1, 0xb1, 0xa2, 0xb2, 0xa3, 0xb3, 0xa4, 0xb4, 0xa5, 0xb5,
            0xa6, 0xb6
        ]
    );
}

const SNAN32: u32 = 0x7fa0_0001;
const SNAN64: u64 = 0x7ff4_0000_0000_0001;

#[test]
fn float_arith() {
    let a = bf32([1.5, -2.0, 1.0, f32::INFINITY]);
    let b = bf32([0.25, 4.0, 0.0, f32::INFINITY]);
    assert_eq!(lf32(bin(O::F32x4Add, a, b))[..3], [1.75, 2.0, 1.0]);
    assert!(lf32(bin(O::F32x4Sub, a, b))[3].is_nan());
    assert_eq!(
        lf32(bin(O::F32x4Mul, a, b)),
        [0.375, -8.0, 0.0, f32::INFINITY]
    );
    let d = lf32(bin(O::F32x4Div, a, b));
    assert_eq!(d[..3], [6.0, -0.5, f32::INFINITY]);
    assert!(d[3].is_nan());
    let s = lf32(un(O::F32x4Sqrt, bf32([4.0, -1.0, -0.0, 2.0])));
    assert_eq!(
        (s[0], s[2].to_bits(), s[3]),
        (2.0, 0x8000_0000, 2f32.sqrt())
    );
    assert!(s[1].is_nan());
    let r = get32(bin(O::F32x4Add, put32([SNAN32, 0, 0, 0]), 0));
    assert!(f32::from_bits(r[0]).is_nan() && r[0] & 0x0040_0000 != 0);

    let a = bf64([1.5, -2.0]);
    let b = bf64([0.25, 0.0]);
    assert_eq!(lf64(bin(O::F64x2Add, a, b)), [1.75, -2.0]);
    assert_eq!(lf64(bin(O::F64x2Sub, a, b)), [1.25, -2.0]);
    assert_eq!(lf64(bin(O::F64x2Mul, a, b)), [0.375, -0.0]);
    assert_eq!(lf64(bin(O::F64x2Div, a, b)), [6.0, f64::NEG_INFINITY]);
    let s = lf64(un(O::F64x2Sqrt, bf64([2.0, -4.0])));
    assert_eq!(s[0], 2f64.sqrt());
    assert!(s[1].is_nan());

    // abs/neg are pure sign-bit operations, even on NaNs.
    let v = put32([SNAN32, 0x8000_0000, 0xffc0_0000, (-3.5f32).to_bits()]);
    assert_eq!(
        get32(un(O::F32x4Abs, v)),
        [SNAN32, 0, 0x7fc0_0000, 3.5f32.to_bits()]
    );
    assert_eq!(
        get32(un(O::F32x4Neg, v)),
        [SNAN32 | 1 << 31, 0, 0x7fc0_0000, 3.5f32.to_bits()]
    );
    let v = put64([SNAN64 | 1 << 63, 0]);
    assert_eq!(get64(un(O::F64x2Abs, v)), [SNAN64, 0]);
    assert_eq!(get64(un(O::F64x2Neg, v)), [SNAN64, 1 << 63]);
}

#[test]
fn float_min_max() {
    let nan = f32::NAN;
    let a = bf32([-0.0, 0.0, nan, 1.0]);
    let b = bf32([0.0, -0.0, 1.0, nan]);
    let r = get32(bin(O::F32x4Min, a, b));
    assert_eq!(r[..2], [0x8000_0000, 0x8000_0000]);
    assert!(f32::from_bits(r[2]).is_nan() && f32::from_bits(r[3]).is_nan());
    let r = get32(bin(O::F32x4Max, a, b));
    assert_eq!(r[..2], [0, 0]);
    assert!(f32::from_bits(r[2]).is_nan() && f32::from_bits(r[3]).is_nan());
    let r = lf32(bin(
        O::F32x4Min,
        bf32([1.0, -5.0, f32::INFINITY, 2.0]),
        bf32([2.0, 3.0, 7.0, 2.0]),
    ));
    assert_eq!(r, [1.0, -5.0, 7.0, 2.0]);
    let r = lf32(bin(
        O::F32x4Max,
        bf32([1.0, -5.0, f32::NEG_INFINITY, 2.0]),
        bf32([2.0, 3.0, 7.0, 2.0]),
    ));
    assert_eq!(r, [2.0, 3.0, 7.0, 2.0]);
    let r = get32(bin(O::F32x4Min, put32([SNAN32, 0, 0, 0]), 0));
    assert!(f32::from_bits(r[0]).is_nan() && r[0] & 0x0040_0000 != 0);

    // pmin = b < a ? b : a; pmax = a < b ? b : a (bit-exact operand selection).
    let a = put32([SNAN32, 1f32.to_bits(), 0x8000_0000, 0]);
    let b = put32([1f32.to_bits(), SNAN32, 0, 0x8000_0000]);
    assert_eq!(
        get32(bin(O::F32x4PMin, a, b)),
        [SNAN32, 1f32.to_bits(), 0x8000_0000, 0]
    );
    assert_eq!(
        get32(bin(O::F32x4PMax, a, b)),
        [SNAN32, 1f32.to_bits(), 0x8000_0000, 0]
    );
    let a = bf32([1.0, 3.0, -1.0, 0.0]);
    let b = bf32([2.0, 2.0, -2.0, 0.0]);
    assert_eq!(lf32(bin(O::F32x4PMin, a, b)), [1.0, 2.0, -2.0, 0.0]);
    assert_eq!(lf32(bin(O::F32x4PMax, a, b)), [2.0, 3.0, -1.0, 0.0]);

    let r = get64(bin(O::F64x2Min, bf64([-0.0, f64::NAN]), bf64([0.0, 1.0])));
    assert!(r[0] == 1 << 63 && f64::from_bits(r[1]).is_nan());
    let r = get64(bin(O::F64x2Max, bf64([-0.0, 1.0]), bf64([0.0, f64::NAN])));
    assert!(r[0] == 0 && f64::from_bits(r[1]).is_nan());
    assert_eq!(
        lf64(bin(O::F64x2Min, bf64([1.0, -3.0]), bf64([2.0, -4.0]))),
        [1.0, -4.0]
    );
    assert_eq!(
        lf64(bin(O::F64x2Max, bf64([1.0, -3.0]), bf64([2.0, -4.0]))),
        [2.0, -3.0]
    );
    let a = put64([SNAN64, 0]);
    let b = put64([0, 1 << 63]);
    assert_eq!(get64(bin(O::F64x2PMin, a, b)), [SNAN64, 0]);
    assert_eq!(get64(bin(O::F64x2PMax, a, b)), [SNAN64, 0]);
    assert_eq!(get64(bin(O::F64x2PMin, b, a)), [0, 1 << 63]);
    assert_eq!(
        lf64(bin(O::F64x2PMin, bf64([1.0, 3.0]), bf64([2.0, 2.0]))),
        [1.0, 2.0]
    );
    assert_eq!(
        lf64(bin(O::F64x2PMax, bf64([1.0, 3.0]), bf64([2.0, 2.0]))),
        [2.0, 3.0]
    );
}

#[test]
fn float_rounding() {
    let bits = |v: u128| get32(v).map(|x| x as u64);
    let v = bf32([-0.5, 0.5, -1.7, 2.5]);
    assert_eq!(
        bits(un(O::F32x4Ceil, v)),
        bits(bf32([-0.0, 1.0, -1.0, 3.0]))
    );
    assert_eq!(
        bits(un(O::F32x4Floor, v)),
        bits(bf32([-1.0, 0.0, -2.0, 2.0]))
    );
    assert_eq!(
        bits(un(O::F32x4Trunc, v)),
        bits(bf32([-0.0, 0.0, -1.0, 2.0]))
    );
    assert_eq!(
        bits(un(O::F32x4Nearest, v)),
        bits(bf32([-0.0, 0.0, -2.0, 2.0]))
    );
    let v = bf32([3.5, -2.5, 0.499_999_97, 8_388_609.0]);
    assert_eq!(
        bits(un(O::F32x4Nearest, v)),
        bits(bf32([4.0, -2.0, 0.0, 8_388_609.0]))
    );
    for op in [
        O::F32x4Ceil,
        O::F32x4Floor,
        O::F32x4Trunc,
        O::F32x4Nearest,
        O::F32x4Sqrt,
    ] {
        let r = get32(un(op.clone(), put32([SNAN32, 0xffc0_0000, 0, 0])));
        assert!(
            f32::from_bits(r[0]).is_nan() && r[0] & 0x0040_0000 != 0,
            "{op:?}"
        );
        assert!(f32::from_bits(r[1]).is_nan(), "{op:?}");
    }
    let bits = |v: u128| get64(v);
    let v = bf64([-0.5, 2.5]);
    assert_eq!(bits(un(O::F64x2Ceil, v)), bits(bf64([-0.0, 3.0])));
    assert_eq!(bits(un(O::F64x2Floor, v)), bits(bf64([-1.0, 2.0])));
    assert_eq!(bits(un(O::F64x2Trunc, v)), bits(bf64([-0.0, 2.0])));
    assert_eq!(bits(un(O::F64x2Nearest, v)), bits(bf64([-0.0, 2.0])));
    assert_eq!(
        bits(un(O::F64x2Nearest, bf64([-3.5, 4_503_599_627_370_497.0]))),
        bits(bf64([-4.0, 4_503_599_627_370_497.0]))
    );
    for op in [
        O::F64x2Ceil,
        O::F64x2Floor,
        O::F64x2Trunc,
        O::F64x2Nearest,
        O::F64x2Sqrt,
    ] {
        let r = get64(un(op.clone(), put64([SNAN64, 0])));
        assert!(
            f64::from_bits(r[0]).is_nan() && r[0] & (1 << 51) != 0,
            "{op:?}"
        );
    }
}

#[test]
fn float_compare() {
    let nan = f32::NAN;
    let a = bf32([nan, -0.0, 1.0, 2.0]);
    let b = bf32([nan, 0.0, 2.0, 1.0]);
    assert_eq!(bin(O::F32x4Eq, a, b), b32([0, -1, 0, 0]));
    assert_eq!(bin(O::F32x4Ne, a, b), b32([-1, 0, -1, -1]));
    assert_eq!(bin(O::F32x4Lt, a, b), b32([0, 0, -1, 0]));
    assert_eq!(bin(O::F32x4Gt, a, b), b32([0, 0, 0, -1]));
    assert_eq!(bin(O::F32x4Le, a, b), b32([0, -1, -1, 0]));
    assert_eq!(bin(O::F32x4Ge, a, b), b32([0, -1, 0, -1]));
    let a = bf64([f64::NAN, -0.0]);
    let b = bf64([1.0, 0.0]);
    assert_eq!(bin(O::F64x2Eq, a, b), b64([0, -1]));
    assert_eq!(bin(O::F64x2Ne, a, b), b64([-1, 0]));
    assert_eq!(bin(O::F64x2Lt, a, b), b64([0, 0]));
    assert_eq!(bin(O::F64x2Gt, a, b), b64([0, 0]));
    assert_eq!(bin(O::F64x2Le, a, b), b64([0, -1]));
    assert_eq!(bin(O::F64x2Ge, a, b), b64([0, -1]));
    assert_eq!(
        bin(O::F64x2Lt, bf64([1.0, 3.0]), bf64([2.0, 2.0])),
        b64([-1, 0])
    );
}

#[test]
fn conversions() {
    let v = bf32([f32::NAN, 3e9, -3e9, -1.9]);
    assert_eq!(
        un(O::I32x4TruncSatF32x4S, v),
        b32([0, i32::MAX, i32::MIN, -1])
    );
    let v = bf32([f32::NAN, -1.0, 5e9, 4_294_967_040.0]);
    assert_eq!(
        get32(un(O::I32x4TruncSatF32x4U, v)),
        [0, 0, u32::MAX, 4_294_967_040]
    );
    assert_eq!(
        get32(un(
            O::I32x4TruncSatF32x4U,
            bf32([1.9, -0.9, f32::INFINITY, 0.0])
        )),
        [1, 0, u32::MAX, 0]
    );

    let v = b32([-1, i32::MIN, 16_777_217, 16_777_219]);
    assert_eq!(
        lf32(un(O::F32x4ConvertI32x4S, v)),
        [-1.0, -2_147_483_648.0, 16_777_216.0, 16_777_220.0]
    );
    let v = put32([u32::MAX, 16_777_217, 0, 1]);
    assert_eq!(
        lf32(un(O::F32x4ConvertI32x4U, v)),
        [4_294_967_296.0, 16_777_216.0, 0.0, 1.0]
    );

    let v = bf64([f64::NAN, -1e10]);
    assert_eq!(un(O::I32x4TruncSatF64x2SZero, v), b32([0, i32::MIN, 0, 0]));
    assert_eq!(
        un(O::I32x4TruncSatF64x2SZero, bf64([1e10, -2.9])),
        b32([i32::MAX, -2, 0, 0])
    );
    let v = bf64([1e10, -0.9]);
    assert_eq!(
        get32(un(O::I32x4TruncSatF64x2UZero, v)),
        [u32::MAX, 0, 0, 0]
    );
    assert_eq!(
        get32(un(
            O::I32x4TruncSatF64x2UZero,
            bf64([4_294_967_295.9, f64::NAN])
        )),
        [u32::MAX, 0, 0, 0]
    );

    let v = b32([-1, i32::MIN, 5, 6]);
    assert_eq!(
        lf64(un(O::F64x2ConvertLowI32x4S, v)),
        [-1.0, -2_147_483_648.0]
    );
    assert_eq!(
        lf64(un(O::F64x2ConvertLowI32x4U, v)),
        [4_294_967_295.0, 2_147_483_648.0]
    );

    let halfway = 1.0 + f64::powi(2.0, -24);
    let v = bf64([halfway, 1e300]);
    assert_eq!(
        get32(un(O::F32x4DemoteF64x2Zero, v)),
        [1f32.to_bits(), f32::INFINITY.to_bits(), 0, 0]
    );
    let v = bf64([1.0 + 3.0 * f64::powi(2.0, -24), -0.0]);
    assert_eq!(
        get32(un(O::F32x4DemoteF64x2Zero, v)),
        [(1.0 + f32::powi(2.0, -22)).to_bits(), 1 << 31, 0, 0]
    );
    let r = get32(un(
        O::F32x4DemoteF64x2Zero,
        put64([SNAN64, 1e-50f64.to_bits()]),
    ));
    assert!(f32::from_bits(r[0]).is_nan() && r[0] & 0x0040_0000 != 0);
    assert_eq!(r[1..], [0, 0, 0]);

    let v = bf32([1.5, -0.0, 7.0, 8.0]);
    assert_eq!(
        get64(un(O::F64x2PromoteLowF32x4, v)),
        [1.5f64.to_bits(), 1 << 63]
    );
    let r = get64(un(
        O::F64x2PromoteLowF32x4,
        put32([SNAN32, f32::MAX.to_bits(), 0, 0]),
    ));
    assert!(f64::from_bits(r[0]).is_nan() && r[0] & (1 << 51) != 0);
    assert_eq!(r[1], (f32::MAX as f64).to_bits());
}
