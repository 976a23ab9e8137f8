//! Tests of the scalar numeric semantics in `num.rs`.

use super::*;

fn f32b(x: f32) -> u32 {
    x.to_bits()
}
fn f64b(x: f64) -> u64 {
    x.to_bits()
}
fn is_canon32(x: f32) -> bool {
    x.to_bits() & !F32_SIGN == F32_CANON_NAN
}
fn is_canon64(x: f64) -> bool {
    x.to_bits() & !F64_SIGN == F64_CANON_NAN
}
/// A signalling NaN with payload 1 (f32) and a quiet NaN with a payload.
const SNAN32: u32 = 0x7f80_0001;
const QNAN32_PAYLOAD: u32 = 0xffc0_1234;
const SNAN64: u64 = 0x7ff0_0000_0000_0001;
const QNAN64_PAYLOAD: u64 = 0xfff8_0000_0000_1234;

fn nans32() -> [f32; 4] {
    [
        f32::from_bits(F32_CANON_NAN),
        f32::from_bits(F32_CANON_NAN | F32_SIGN),
        f32::from_bits(SNAN32),
        f32::from_bits(QNAN32_PAYLOAD),
    ]
}
fn nans64() -> [f64; 4] {
    [
        f64::from_bits(F64_CANON_NAN),
        f64::from_bits(F64_CANON_NAN | F64_SIGN),
        f64::from_bits(SNAN64),
        f64::from_bits(QNAN64_PAYLOAD),
    ]
}

// ----- integer division -----

#[test]
fn i32_div_rem() {
    use NumTrap::*;
    assert_eq!(i32_div_s(7, 2), Ok(3));
    assert_eq!(i32_div_s(-7, 2), Ok(-3));
    assert_eq!(i32_div_s(7, -2), Ok(-3));
    assert_eq!(i32_div_s(-7, -2), Ok(3));
    assert_eq!(i32_div_s(i32::MIN, -1), Err(Overflow));
    assert_eq!(i32_div_s(i32::MIN, 1), Ok(i32::MIN));
    assert_eq!(i32_div_s(i32::MIN, 2), Ok(-0x4000_0000));
    assert_eq!(i32_div_s(1, 0), Err(DivByZero));
    assert_eq!(i32_div_s(0, 0), Err(DivByZero));
    assert_eq!(i32_div_s(i32::MIN, 0), Err(DivByZero));

    assert_eq!(i32_div_u(7, 2), Ok(3));
    assert_eq!(i32_div_u(0x8000_0000, 0xffff_ffff), Ok(0));
    assert_eq!(i32_div_u(0xffff_ffff, 1), Ok(0xffff_ffff));
    assert_eq!(i32_div_u(0xffff_ffff, 2), Ok(0x7fff_ffff));
    assert_eq!(i32_div_u(1, 0), Err(DivByZero));
    assert_eq!(i32_div_u(0, 0), Err(DivByZero));

    assert_eq!(i32_rem_s(7, 2), Ok(1));
    assert_eq!(i32_rem_s(-7, 2), Ok(-1));
    assert_eq!(i32_rem_s(7, -2), Ok(1));
    assert_eq!(i32_rem_s(-7, -2), Ok(-1));
    assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
    assert_eq!(i32_rem_s(i32::MIN, 2), Ok(0));
    assert_eq!(i32_rem_s(i32::MIN, 3), Ok(-2));
    assert_eq!(i32_rem_s(1, 0), Err(DivByZero));
    assert_eq!(i32_rem_s(i32::MIN, 0), Err(DivByZero));

    assert_eq!(i32_rem_u(7, 2), Ok(1));
    assert_eq!(i32_rem_u(0x8000_0000, 0xffff_ffff), Ok(0x8000_0000));
    assert_eq!(i32_rem_u(0xffff_ffff, 2), Ok(1));
    assert_eq!(i32_rem_u(1, 0), Err(DivByZero));
}

#[test]
fn i64_div_rem() {
    use NumTrap::*;
    assert_eq!(i64_div_s(7, 2), Ok(3));
    assert_eq!(i64_div_s(-7, 2), Ok(-3));
    assert_eq!(i64_div_s(-7, -2), Ok(3));
    assert_eq!(i64_div_s(i64::MIN, -1), Err(Overflow));
    assert_eq!(i64_div_s(i64::MIN, 1), Ok(i64::MIN));
    assert_eq!(i64_div_s(i64::MIN, 2), Ok(-0x4000_0000_0000_0000));
    assert_eq!(i64_div_s(1, 0), Err(DivByZero));
    assert_eq!(i64_div_s(i64::MIN, 0), Err(DivByZero));

    assert_eq!(i64_div_u(7, 2), Ok(3));
    assert_eq!(i64_div_u(1 << 63, u64::MAX), Ok(0));
    assert_eq!(i64_div_u(u64::MAX, 2), Ok(i64::MAX as u64));
    assert_eq!(i64_div_u(1, 0), Err(DivByZero));

    assert_eq!(i64_rem_s(-7, 2), Ok(-1));
    assert_eq!(i64_rem_s(7, -2), Ok(1));
    assert_eq!(i64_rem_s(i64::MIN, -1), Ok(0));
    assert_eq!(i64_rem_s(i64::MIN, 3), Ok(-2));
    assert_eq!(i64_rem_s(1, 0), Err(DivByZero));

    assert_eq!(i64_rem_u(7, 2), Ok(1));
    assert_eq!(i64_rem_u(1 << 63, u64::MAX), Ok(1 << 63));
    assert_eq!(i64_rem_u(u64::MAX, 2), Ok(1));
    assert_eq!(i64_rem_u(1, 0), Err(DivByZero));
}

// ----- min / max -----

#[test]
fn f32_min_max() {
    let (pz, nz) = (0.0f32, -0.0f32);
    assert_eq!(f32b(f32_min(nz, pz)), f32b(nz));
    assert_eq!(f32b(f32_min(pz, nz)), f32b(nz));
    assert_eq!(f32b(f32_min(pz, pz)), f32b(pz));
    assert_eq!(f32b(f32_min(nz, nz)), f32b(nz));
    assert_eq!(f32b(f32_max(nz, pz)), f32b(pz));
    assert_eq!(f32b(f32_max(pz, nz)), f32b(pz));
    assert_eq!(f32b(f32_max(nz, nz)), f32b(nz));
    assert_eq!(f32b(f32_max(pz, pz)), f32b(pz));
    assert_eq!(f32_min(1.0, 2.0), 1.0);
    assert_eq!(f32_min(2.0, 1.0), 1.0);
    assert_eq!(f32_max(1.0, 2.0), 2.0);
    assert_eq!(f32_max(2.0, 1.0), 2.0);
    assert_eq!(f32_min(-1.0, 1.0), -1.0);
    assert_eq!(f32_max(-1.0, 1.0), 1.0);
    assert_eq!(f32_min(f32::NEG_INFINITY, f32::MIN), f32::NEG_INFINITY);
    assert_eq!(f32_max(f32::INFINITY, f32::MAX), f32::INFINITY);
    assert_eq!(f32_min(f32::INFINITY, f32::NEG_INFINITY), f32::NEG_INFINITY);
    assert_eq!(f32_max(f32::INFINITY, f32::NEG_INFINITY), f32::INFINITY);
    // Subnormals.
    let d = f32::from_bits(1);
    assert_eq!(f32b(f32_min(d, nz)), f32b(nz));
    assert_eq!(f32b(f32_max(-d, pz)), f32b(pz));
    for n in nans32() {
        for other in [0.0f32, -0.0, 1.0, f32::INFINITY, f32::NEG_INFINITY, n] {
            assert!(is_canon32(f32_min(n, other)));
            assert!(is_canon32(f32_min(other, n)));
            assert!(is_canon32(f32_max(n, other)));
            assert!(is_canon32(f32_max(other, n)));
        }
    }
}

#[test]
fn f64_min_max() {
    let (pz, nz) = (0.0f64, -0.0f64);
    assert_eq!(f64b(f64_min(nz, pz)), f64b(nz));
    assert_eq!(f64b(f64_min(pz, nz)), f64b(nz));
    assert_eq!(f64b(f64_min(pz, pz)), f64b(pz));
    assert_eq!(f64b(f64_max(nz, pz)), f64b(pz));
    assert_eq!(f64b(f64_max(pz, nz)), f64b(pz));
    assert_eq!(f64b(f64_max(nz, nz)), f64b(nz));
    assert_eq!(f64_min(1.0, 2.0), 1.0);
    assert_eq!(f64_min(2.0, 1.0), 1.0);
    assert_eq!(f64_max(1.0, 2.0), 2.0);
    assert_eq!(f64_max(2.0, 1.0), 2.0);
    assert_eq!(f64_min(f64::INFINITY, f64::NEG_INFINITY), f64::NEG_INFINITY);
    assert_eq!(f64_max(f64::INFINITY, f64::NEG_INFINITY), f64::INFINITY);
    let d = f64::from_bits(1);
    assert_eq!(f64b(f64_min(d, nz)), f64b(nz));
    assert_eq!(f64b(f64_max(-d, pz)), f64b(pz));
    for n in nans64() {
        for other in [0.0f64, -0.0, 1.0, f64::INFINITY, f64::NEG_INFINITY, n] {
            assert!(is_canon64(f64_min(n, other)));
            assert!(is_canon64(f64_min(other, n)));
            assert!(is_canon64(f64_max(n, other)));
            assert!(is_canon64(f64_max(other, n)));
        }
    }
}

// ----- nearest -----

#[test]
fn f32_nearest_cases() {
    let cases: &[(f32, f32)] = &[
        (0.0, 0.0),
        (-0.0, -0.0),
        (0.5, 0.0),
        (-0.5, -0.0),
        (1.5, 2.0),
        (-1.5, -2.0),
        (2.5, 2.0),
        (-2.5, -2.0),
        (3.5, 4.0),
        (1.4, 1.0),
        (1.6, 2.0),
        (-0.4, -0.0),
        (0.49999997, 0.0),
        (-0.49999997, -0.0),
        (0.50000006, 1.0),
        (f32::from_bits(1), 0.0),
        (-f32::from_bits(1), -0.0),
        (4194303.5, 4194304.0), // 2^22 - 0.5
        (4194304.5, 4194304.0), // 2^22 + 0.5: tie to even
        (8388607.5, 8388608.0), // 2^23 - 0.5
        (8388609.0, 8388609.0), // above 2^23: already integral
        (-8388609.0, -8388609.0),
        (16777215.0, 16777215.0),
        (1.0e30, 1.0e30),
        (f32::MAX, f32::MAX),
        (f32::MIN, f32::MIN),
        (f32::INFINITY, f32::INFINITY),
        (f32::NEG_INFINITY, f32::NEG_INFINITY),
    ];
    for &(x, want) in cases {
        assert_eq!(f32b(f32_nearest(x)), f32b(want), "nearest({x:e})");
    }
    for n in nans32() {
        assert!(is_canon32(f32_nearest(n)));
    }
}

#[test]
fn f64_nearest_cases() {
    let cases: &[(f64, f64)] = &[
        (0.0, 0.0),
        (-0.0, -0.0),
        (0.5, 0.0),
        (-0.5, -0.0),
        (1.5, 2.0),
        (-1.5, -2.0),
        (2.5, 2.0),
        (-2.5, -2.0),
        (3.5, 4.0),
        (0.49999999999999994, 0.0),
        (-0.49999999999999994, -0.0),
        (f64::from_bits(1), 0.0),
        (-f64::from_bits(1), -0.0),
        (2251799813685247.5, 2251799813685248.0), // 2^51 - 0.5
        (2251799813685248.5, 2251799813685248.0), // 2^51 + 0.5: tie to even
        (4503599627370495.5, 4503599627370496.0), // 2^52 - 0.5
        (4503599627370497.0, 4503599627370497.0), // above 2^52
        (-4503599627370497.0, -4503599627370497.0),
        (9007199254740991.0, 9007199254740991.0),
        (1.0e300, 1.0e300),
        (f64::MAX, f64::MAX),
        (f64::MIN, f64::MIN),
        (f64::INFINITY, f64::INFINITY),
        (f64::NEG_INFINITY, f64::NEG_INFINITY),
    ];
    for &(x, want) in cases {
        assert_eq!(f64b(f64_nearest(x)), f64b(want), "nearest({x:e})");
    }
    for n in nans64() {
        assert!(is_canon64(f64_nearest(n)));
    }
}

// ----- bitwise sign ops -----

#[test]
fn f32_sign_bits() {
    assert_eq!(f32b(f32_abs(-0.0)), 0);
    assert_eq!(f32b(f32_abs(-1.5)), f32b(1.5));
    assert_eq!(f32b(f32_abs(1.5)), f32b(1.5));
    assert_eq!(f32b(f32_neg(0.0)), F32_SIGN);
    assert_eq!(f32b(f32_neg(-0.0)), 0);
    assert_eq!(f32b(f32_neg(1.5)), f32b(-1.5));
    assert_eq!(f32b(f32_copysign(1.5, -0.0)), f32b(-1.5));
    assert_eq!(f32b(f32_copysign(-1.5, 0.0)), f32b(1.5));
    assert_eq!(f32b(f32_copysign(-1.5, -2.0)), f32b(-1.5));
    // NaN payloads (including signalling) are preserved exactly.
    assert_eq!(f32b(f32_abs(f32::from_bits(SNAN32 | F32_SIGN))), SNAN32);
    assert_eq!(
        f32b(f32_abs(f32::from_bits(QNAN32_PAYLOAD))),
        QNAN32_PAYLOAD & !F32_SIGN
    );
    assert_eq!(f32b(f32_neg(f32::from_bits(SNAN32))), SNAN32 | F32_SIGN);
    assert_eq!(
        f32b(f32_neg(f32::from_bits(QNAN32_PAYLOAD))),
        QNAN32_PAYLOAD ^ F32_SIGN
    );
    assert_eq!(
        f32b(f32_copysign(f32::from_bits(SNAN32), -1.0)),
        SNAN32 | F32_SIGN
    );
    assert_eq!(
        f32b(f32_copysign(1.0, f32::from_bits(QNAN32_PAYLOAD))),
        f32b(-1.0)
    );
    assert_eq!(f32b(f32_copysign(1.0, f32::from_bits(SNAN32))), f32b(1.0));
}

#[test]
fn f64_sign_bits() {
    assert_eq!(f64b(f64_abs(-0.0)), 0);
    assert_eq!(f64b(f64_abs(-1.5)), f64b(1.5));
    assert_eq!(f64b(f64_neg(0.0)), F64_SIGN);
    assert_eq!(f64b(f64_neg(-0.0)), 0);
    assert_eq!(f64b(f64_neg(1.5)), f64b(-1.5));
    assert_eq!(f64b(f64_copysign(1.5, -0.0)), f64b(-1.5));
    assert_eq!(f64b(f64_copysign(-1.5, 0.0)), f64b(1.5));
    assert_eq!(f64b(f64_abs(f64::from_bits(SNAN64 | F64_SIGN))), SNAN64);
    assert_eq!(
        f64b(f64_abs(f64::from_bits(QNAN64_PAYLOAD))),
        QNAN64_PAYLOAD & !F64_SIGN
    );
    assert_eq!(f64b(f64_neg(f64::from_bits(SNAN64))), SNAN64 | F64_SIGN);
    assert_eq!(
        f64b(f64_copysign(f64::from_bits(SNAN64), -1.0)),
        SNAN64 | F64_SIGN
    );
    assert_eq!(
        f64b(f64_copysign(1.0, f64::from_bits(QNAN64_PAYLOAD))),
        f64b(-1.0)
    );
}

// ----- trapping truncation -----

fn next_up32(x: f32) -> f32 {
    // Only used on finite positive/negative non-zero values here.
    if x > 0.0 {
        f32::from_bits(x.to_bits() + 1)
    } else {
        f32::from_bits(x.to_bits() - 1)
    }
}
fn next_down32(x: f32) -> f32 {
    if x > 0.0 {
        f32::from_bits(x.to_bits() - 1)
    } else {
        f32::from_bits(x.to_bits() + 1)
    }
}

#[test]
fn trunc_i32_f32_s() {
    use NumTrap::*;
    let f = i32_trunc_f32_s;
    assert_eq!(f(0.0), Ok(0));
    assert_eq!(f(-0.0), Ok(0));
    assert_eq!(f(f32::from_bits(1)), Ok(0));
    assert_eq!(f(1.0), Ok(1));
    assert_eq!(f(1.9), Ok(1));
    assert_eq!(f(-1.0), Ok(-1));
    assert_eq!(f(-1.9), Ok(-1));
    assert_eq!(f(-0.9), Ok(0));
    assert_eq!(f(-2147483648.0), Ok(i32::MIN));
    assert_eq!(f(2147483520.0), Ok(2147483520)); // largest f32 below 2^31
    assert_eq!(f(next_down32(2147483648.0)), Ok(2147483520));
    assert_eq!(f(2147483648.0), Err(Overflow));
    assert_eq!(f(-2147483904.0), Err(Overflow)); // next f32 below -2^31
    assert_eq!(f(next_down32(-2147483648.0)), Err(Overflow));
    assert_eq!(f(next_up32(-2147483648.0)), Ok(-2147483520));
    assert_eq!(f(f32::INFINITY), Err(Overflow));
    assert_eq!(f(f32::NEG_INFINITY), Err(Overflow));
    for n in nans32() {
        assert_eq!(f(n), Err(InvalidConversion));
    }
}

#[test]
fn trunc_i32_f32_u() {
    use NumTrap::*;
    let f = i32_trunc_f32_u;
    assert_eq!(f(0.0), Ok(0));
    assert_eq!(f(-0.0), Ok(0));
    assert_eq!(f(1.0), Ok(1));
    assert_eq!(f(1.9), Ok(1));
    assert_eq!(f(-0.9), Ok(0));
    assert_eq!(f(next_up32(-1.0)), Ok(0)); // -0.99999994
    assert_eq!(f(next_down32(-1.0)), Err(Overflow));
    assert_eq!(f(-1.0), Err(Overflow));
    assert_eq!(f(2147483648.0), Ok(0x8000_0000));
    assert_eq!(f(4294967040.0), Ok(4294967040)); // largest f32 below 2^32
    assert_eq!(f(4294967296.0), Err(Overflow));
    assert_eq!(f(f32::INFINITY), Err(Overflow));
    assert_eq!(f(f32::NEG_INFINITY), Err(Overflow));
    for n in nans32() {
        assert_eq!(f(n), Err(InvalidConversion));
    }
}

#[test]
fn trunc_i32_f64_s() {
    use NumTrap::*;
    let f = i32_trunc_f64_s;
    assert_eq!(f(0.0), Ok(0));
    assert_eq!(f(-0.0), Ok(0));
    assert_eq!(f(f64::from_bits(1)), Ok(0));
    assert_eq!(f(1.9), Ok(1));
    assert_eq!(f(-1.9), Ok(-1));
    assert_eq!(f(-2147483648.0), Ok(i32::MIN));
    assert_eq!(f(-2147483648.9), Ok(i32::MIN));
    assert_eq!(f(2147483647.0), Ok(i32::MAX));
    assert_eq!(f(2147483647.9), Ok(i32::MAX));
    assert_eq!(f(2147483648.0), Err(Overflow));
    assert_eq!(f(-2147483649.0), Err(Overflow));
    assert_eq!(
        f(f64::from_bits((2147483648.0f64).to_bits() - 1)),
        Ok(i32::MAX)
    );
    assert_eq!(
        f(f64::from_bits((-2147483649.0f64).to_bits() - 1)),
        Ok(i32::MIN)
    );
    assert_eq!(f(f64::INFINITY), Err(Overflow));
    assert_eq!(f(f64::NEG_INFINITY), Err(Overflow));
    for n in nans64() {
        assert_eq!(f(n), Err(InvalidConversion));
    }
}

#[test]
fn trunc_i32_f64_u() {
    use NumTrap::*;
    let f = i32_trunc_f64_u;
    assert_eq!(f(0.0), Ok(0));
    assert_eq!(f(-0.0), Ok(0));
    assert_eq!(f(1.9), Ok(1));
    assert_eq!(f(-0.9), Ok(0));
    assert_eq!(f(f64::from_bits((-1.0f64).to_bits() - 1)), Ok(0));
    assert_eq!(f(-1.0), Err(Overflow));
    assert_eq!(f(4294967295.0), Ok(u32::MAX));
    assert_eq!(f(4294967295.9), Ok(u32::MAX));
    assert_eq!(f(4294967296.0), Err(Overflow));
    assert_eq!(f(1e16), Err(Overflow));
    assert_eq!(f(f64::INFINITY), Err(Overflow));
    assert_eq!(f(f64::NEG_INFINITY), Err(Overflow));
    for n in nans64() {
        assert_eq!(f(n), Err(InvalidConversion));
    }
}

#[test]
fn trunc_i64_f32_s() {
    use NumTrap::*;
    let f = i64_trunc_f32_s;
    assert_eq!(f(0.0), Ok(0));
    assert_eq!(f(-0.0), Ok(0));
    assert_eq!(f(1.9), Ok(1));
    assert_eq!(f(-1.9), Ok(-1));
    assert_eq!(f(4294967296.0), Ok(4294967296));
    assert_eq!(f(-9223372036854775808.0), Ok(i64::MIN));
    assert_eq!(f(9223371487098961920.0), Ok(9223371487098961920)); // largest f32 < 2^63
    assert_eq!(f(9223372036854775808.0), Err(Overflow));
    assert_eq!(f(next_down32(-9223372036854775808.0)), Err(Overflow));
    assert_eq!(
        f(next_up32(-9223372036854775808.0)),
        Ok(-9223371487098961920)
    );
    assert_eq!(f(f32::INFINITY), Err(Overflow));
    assert_eq!(f(f32::NEG_INFINITY), Err(Overflow));
    for n in nans32() {
        assert_eq!(f(n), Err(InvalidConversion));
    }
}

#[test]
fn trunc_i64_f32_u() {
    use NumTrap::*;
    let f = i64_trunc_f32_u;
    assert_eq!(f(0.0), Ok(0));
    assert_eq!(f(-0.0), Ok(0));
    assert_eq!(f(-0.9), Ok(0));
    assert_eq!(f(next_up32(-1.0)), Ok(0));
    assert_eq!(f(next_down32(-1.0)), Err(Overflow));
    assert_eq!(f(-1.0), Err(Overflow));
    assert_eq!(f(4294967296.0), Ok(4294967296));
    assert_eq!(f(18446742974197923840.0), Ok(18446742974197923840)); // largest f32 < 2^64
    assert_eq!(f(18446744073709551616.0), Err(Overflow));
    assert_eq!(f(f32::INFINITY), Err(Overflow));
    assert_eq!(f(f32::NEG_INFINITY), Err(Overflow));
    for n in nans32() {
        assert_eq!(f(n), Err(InvalidConversion));
    }
}

#[test]
fn trunc_i64_f64_s() {
    use NumTrap::*;
    let f = i64_trunc_f64_s;
    assert_eq!(f(0.0), Ok(0));
    assert_eq!(f(-0.0), Ok(0));
    assert_eq!(f(1.9), Ok(1));
    assert_eq!(f(-1.9), Ok(-1));
    assert_eq!(f(4294967296.0), Ok(4294967296));
    assert_eq!(f(-9223372036854775808.0), Ok(i64::MIN));
    assert_eq!(f(9223372036854774784.0), Ok(9223372036854774784)); // largest f64 < 2^63
    assert_eq!(f(9223372036854775808.0), Err(Overflow));
    assert_eq!(f(-9223372036854777856.0), Err(Overflow)); // next f64 below -2^63
    assert_eq!(f(f64::INFINITY), Err(Overflow));
    assert_eq!(f(f64::NEG_INFINITY), Err(Overflow));
    for n in nans64() {
        assert_eq!(f(n), Err(InvalidConversion));
    }
}

#[test]
fn trunc_i64_f64_u() {
    use NumTrap::*;
    let f = i64_trunc_f64_u;
    assert_eq!(f(0.0), Ok(0));
    assert_eq!(f(-0.0), Ok(0));
    assert_eq!(f(-0.9), Ok(0));
    assert_eq!(f(f64::from_bits((-1.0f64).to_bits() - 1)), Ok(0));
    assert_eq!(f(-1.0), Err(Overflow));
    assert_eq!(f(4294967295.0), Ok(4294967295));
    assert_eq!(f(9223372036854775808.0), Ok(1 << 63));
    assert_eq!(f(18446744073709549568.0), Ok(18446744073709549568)); // largest f64 < 2^64
    assert_eq!(f(18446744073709551616.0), Err(Overflow));
    assert_eq!(f(1e30), Err(Overflow));
    assert_eq!(f(f64::INFINITY), Err(Overflow));
    assert_eq!(f(f64::NEG_INFINITY), Err(Overflow));
    for n in nans64() {
        assert_eq!(f(n), Err(InvalidConversion));
    }
}

// ----- saturating truncation -----

#[test]
fn trunc_sat_from_f32() {
    for n in nans32() {
        assert_eq!(i32_trunc_sat_f32_s(n), 0);
        assert_eq!(i32_trunc_sat_f32_u(n), 0);
        assert_eq!(i64_trunc_sat_f32_s(n), 0);
        assert_eq!(i64_trunc_sat_f32_u(n), 0);
    }
    assert_eq!(i32_trunc_sat_f32_s(-0.0), 0);
    assert_eq!(i32_trunc_sat_f32_s(1.9), 1);
    assert_eq!(i32_trunc_sat_f32_s(-1.9), -1);
    assert_eq!(i32_trunc_sat_f32_s(-2147483648.0), i32::MIN);
    assert_eq!(i32_trunc_sat_f32_s(2147483520.0), 2147483520);
    assert_eq!(i32_trunc_sat_f32_s(2147483648.0), i32::MAX);
    assert_eq!(i32_trunc_sat_f32_s(-2147483904.0), i32::MIN);
    assert_eq!(i32_trunc_sat_f32_s(f32::INFINITY), i32::MAX);
    assert_eq!(i32_trunc_sat_f32_s(f32::NEG_INFINITY), i32::MIN);

    assert_eq!(i32_trunc_sat_f32_u(-0.9), 0);
    assert_eq!(i32_trunc_sat_f32_u(-1.0), 0);
    assert_eq!(i32_trunc_sat_f32_u(-1e30), 0);
    assert_eq!(i32_trunc_sat_f32_u(1.9), 1);
    assert_eq!(i32_trunc_sat_f32_u(4294967040.0), 4294967040);
    assert_eq!(i32_trunc_sat_f32_u(4294967296.0), u32::MAX);
    assert_eq!(i32_trunc_sat_f32_u(f32::INFINITY), u32::MAX);
    assert_eq!(i32_trunc_sat_f32_u(f32::NEG_INFINITY), 0);

    assert_eq!(i64_trunc_sat_f32_s(-1.9), -1);
    assert_eq!(i64_trunc_sat_f32_s(-9223372036854775808.0), i64::MIN);
    assert_eq!(
        i64_trunc_sat_f32_s(9223371487098961920.0),
        9223371487098961920
    );
    assert_eq!(i64_trunc_sat_f32_s(9223372036854775808.0), i64::MAX);
    assert_eq!(i64_trunc_sat_f32_s(f32::INFINITY), i64::MAX);
    assert_eq!(i64_trunc_sat_f32_s(f32::NEG_INFINITY), i64::MIN);

    assert_eq!(i64_trunc_sat_f32_u(-0.9), 0);
    assert_eq!(i64_trunc_sat_f32_u(-1.0), 0);
    assert_eq!(
        i64_trunc_sat_f32_u(18446742974197923840.0),
        18446742974197923840
    );
    assert_eq!(i64_trunc_sat_f32_u(18446744073709551616.0), u64::MAX);
    assert_eq!(i64_trunc_sat_f32_u(f32::INFINITY), u64::MAX);
    assert_eq!(i64_trunc_sat_f32_u(f32::NEG_INFINITY), 0);
}

#[test]
fn trunc_sat_from_f64() {
    for n in nans64() {
        assert_eq!(i32_trunc_sat_f64_s(n), 0);
        assert_eq!(i32_trunc_sat_f64_u(n), 0);
        assert_eq!(i64_trunc_sat_f64_s(n), 0);
        assert_eq!(i64_trunc_sat_f64_u(n), 0);
    }
    assert_eq!(i32_trunc_sat_f64_s(-0.0), 0);
    assert_eq!(i32_trunc_sat_f64_s(-2147483648.9), i32::MIN);
    assert_eq!(i32_trunc_sat_f64_s(2147483647.9), i32::MAX);
    assert_eq!(i32_trunc_sat_f64_s(2147483648.0), i32::MAX);
    assert_eq!(i32_trunc_sat_f64_s(-2147483649.0), i32::MIN);
    assert_eq!(i32_trunc_sat_f64_s(f64::INFINITY), i32::MAX);
    assert_eq!(i32_trunc_sat_f64_s(f64::NEG_INFINITY), i32::MIN);

    assert_eq!(i32_trunc_sat_f64_u(-0.9), 0);
    assert_eq!(i32_trunc_sat_f64_u(-1.0), 0);
    assert_eq!(i32_trunc_sat_f64_u(4294967295.9), u32::MAX);
    assert_eq!(i32_trunc_sat_f64_u(4294967296.0), u32::MAX);
    assert_eq!(i32_trunc_sat_f64_u(1e16), u32::MAX);
    assert_eq!(i32_trunc_sat_f64_u(f64::NEG_INFINITY), 0);

    assert_eq!(i64_trunc_sat_f64_s(-9223372036854775808.0), i64::MIN);
    assert_eq!(
        i64_trunc_sat_f64_s(9223372036854774784.0),
        9223372036854774784
    );
    assert_eq!(i64_trunc_sat_f64_s(9223372036854775808.0), i64::MAX);
    assert_eq!(i64_trunc_sat_f64_s(-9223372036854777856.0), i64::MIN);
    assert_eq!(i64_trunc_sat_f64_s(f64::INFINITY), i64::MAX);
    assert_eq!(i64_trunc_sat_f64_s(f64::NEG_INFINITY), i64::MIN);

    assert_eq!(i64_trunc_sat_f64_u(-0.9), 0);
    assert_eq!(i64_trunc_sat_f64_u(-1.0), 0);
    assert_eq!(
        i64_trunc_sat_f64_u(18446744073709549568.0),
        18446744073709549568
    );
    assert_eq!(i64_trunc_sat_f64_u(18446744073709551616.0), u64::MAX);
    assert_eq!(i64_trunc_sat_f64_u(f64::INFINITY), u64::MAX);
    assert_eq!(i64_trunc_sat_f64_u(f64::NEG_INFINITY), 0);
}

// ----- int -> float -----

#[test]
fn convert_to_f32() {
    assert_eq!(f32b(f32_convert_i32_s(0)), 0);
    assert_eq!(f32_convert_i32_s(1), 1.0);
    assert_eq!(f32_convert_i32_s(-1), -1.0);
    assert_eq!(f32_convert_i32_s(i32::MIN), -2147483648.0);
    assert_eq!(f32_convert_i32_s(i32::MAX), 2147483648.0);
    assert_eq!(f32_convert_i32_s(16777217), 16777216.0); // tie -> even
    assert_eq!(f32_convert_i32_s(16777219), 16777220.0); // tie -> even
    assert_eq!(f32_convert_i32_s(-16777217), -16777216.0);
    assert_eq!(f32_convert_i32_s(1234567890), 1234567936.0);

    assert_eq!(f32_convert_i32_u(0), 0.0);
    assert_eq!(f32_convert_i32_u(0x8000_0000), 2147483648.0);
    assert_eq!(f32_convert_i32_u(0xffff_ffff), 4294967296.0);
    assert_eq!(f32_convert_i32_u(0x8000_0080), 2147483648.0); // tie -> even
    assert_eq!(f32_convert_i32_u(0x8000_0081), 2147483904.0);
    assert_eq!(f32_convert_i32_u(0x8000_0180), 2147484160.0); // tie -> even (up)
    assert_eq!(f32_convert_i32_u(16777217), 16777216.0);

    assert_eq!(f32_convert_i64_s(0), 0.0);
    assert_eq!(f32_convert_i64_s(i64::MIN), -9223372036854775808.0);
    assert_eq!(f32_convert_i64_s(i64::MAX), 9223372036854775808.0);
    assert_eq!(f32_convert_i64_s(16777217), 16777216.0);
    assert_eq!(f32_convert_i64_s(-16777219), -16777220.0);
    // Double-rounding hazards: must round directly from the integer.
    assert_eq!(f32_convert_i64_s(0x0020_0000_2000_0001), 9007200328482816.0);
    assert_eq!(
        f32_convert_i64_s(0x7fff_ff40_0000_0001),
        9223371487098961920.0
    );
    assert_eq!(
        f32_convert_i64_s(-0x7fff_ff40_0000_0001),
        -9223371487098961920.0
    );

    assert_eq!(f32_convert_i64_u(0), 0.0);
    assert_eq!(f32_convert_i64_u(u64::MAX), 18446744073709551616.0); // 2^64
    assert_eq!(
        f32_convert_i64_u(0xffff_ff7f_ffff_ffff),
        18446742974197923840.0
    );
    assert_eq!(
        f32_convert_i64_u(0xffff_ff80_0000_0000),
        18446744073709551616.0
    ); // tie
    assert_eq!(
        f32_convert_i64_u(0x8000_0000_0000_0000),
        9223372036854775808.0
    );
    assert_eq!(
        f32_convert_i64_u(0x8000_0080_0000_0000),
        9223372036854775808.0
    ); // tie
    assert_eq!(
        f32_convert_i64_u(0x8000_0080_0000_0001),
        9223373136366403584.0
    );
    assert_eq!(f32_convert_i64_u(0x0020_0000_2000_0001), 9007200328482816.0);
}

#[test]
fn convert_to_f64() {
    assert_eq!(f64b(f64_convert_i32_s(0)), 0);
    assert_eq!(f64_convert_i32_s(i32::MIN), -2147483648.0);
    assert_eq!(f64_convert_i32_s(i32::MAX), 2147483647.0);
    assert_eq!(f64_convert_i32_s(-1), -1.0);
    assert_eq!(f64_convert_i32_u(0xffff_ffff), 4294967295.0);
    assert_eq!(f64_convert_i32_u(0x8000_0000), 2147483648.0);

    assert_eq!(f64_convert_i64_s(0), 0.0);
    assert_eq!(f64_convert_i64_s(i64::MIN), -9223372036854775808.0);
    assert_eq!(f64_convert_i64_s(i64::MAX), 9223372036854775808.0);
    assert_eq!(f64_convert_i64_s(9007199254740993), 9007199254740992.0); // tie -> even
    assert_eq!(f64_convert_i64_s(9007199254740995), 9007199254740996.0); // tie -> even
    assert_eq!(f64_convert_i64_s(-9007199254740993), -9007199254740992.0);
    assert_eq!(
        f64_convert_i64_s(0x7fff_ffff_ffff_fdff),
        9223372036854774784.0
    );
    assert_eq!(
        f64_convert_i64_s(0x7fff_ffff_ffff_fe00),
        9223372036854775808.0
    ); // tie

    assert_eq!(f64_convert_i64_u(0), 0.0);
    assert_eq!(f64_convert_i64_u(u64::MAX), 18446744073709551616.0);
    assert_eq!(
        f64_convert_i64_u(0x8000_0000_0000_0000),
        9223372036854775808.0
    );
    // 2^63 + 1025: above the tie point (1024) so rounds up to 2^63 + 2048.
    assert_eq!(
        f64_convert_i64_u(0x8000_0000_0000_0401),
        9223372036854777856.0
    );
    // 2^63 + 1024: exact tie, rounds to even (2^63).
    assert_eq!(
        f64_convert_i64_u(0x8000_0000_0000_0400),
        9223372036854775808.0
    );
    // 2^63 + 3072: exact tie, rounds to even (2^63 + 4096).
    assert_eq!(
        f64_convert_i64_u(0x8000_0000_0000_0c00),
        9223372036854779904.0
    );
    assert_eq!(
        f64_convert_i64_u(0xffff_ffff_ffff_fbff),
        18446744073709549568.0
    );
    assert_eq!(
        f64_convert_i64_u(0xffff_ffff_ffff_fc00),
        18446744073709551616.0
    ); // tie
    assert_eq!(f64_convert_i64_u(9007199254740993), 9007199254740992.0);
}

// ----- float <-> float -----

#[test]
fn demote_promote() {
    assert_eq!(f32b(f32_demote_f64(0.0)), 0);
    assert_eq!(f32b(f32_demote_f64(-0.0)), F32_SIGN);
    assert_eq!(f32_demote_f64(1.5), 1.5);
    assert_eq!(f32_demote_f64(f64::INFINITY), f32::INFINITY);
    assert_eq!(f32_demote_f64(f64::NEG_INFINITY), f32::NEG_INFINITY);
    assert_eq!(f32_demote_f64(f32::MAX as f64), f32::MAX);
    assert_eq!(f32_demote_f64(1e39), f32::INFINITY);
    assert_eq!(f32_demote_f64(-1e39), f32::NEG_INFINITY);
    // Just below the overflow threshold (MAX + half ulp) rounds to MAX;
    // the threshold itself is a tie and rounds to even (infinity).
    let max = f32::MAX as f64;
    let half_ulp = 2f64.powi(103);
    assert_eq!(f32_demote_f64(max + half_ulp - 2f64.powi(75)), f32::MAX);
    assert_eq!(f32_demote_f64(max + half_ulp), f32::INFINITY);
    // Round to nearest even: 1 + 2^-24 is a tie between 1 and 1 + 2^-23.
    assert_eq!(f32_demote_f64(1.0 + 2f64.powi(-24)), 1.0);
    assert_eq!(
        f32_demote_f64(1.0 + 3.0 * 2f64.powi(-24)),
        1.0 + 2f32.powi(-22)
    );
    assert_eq!(
        f32_demote_f64(1.0 + 2f64.powi(-24) + 2f64.powi(-52)),
        1.0 + 2f32.powi(-23)
    );
    // Subnormal results and underflow to zero (keeping the sign).
    assert_eq!(f32b(f32_demote_f64(2f64.powi(-149))), 1);
    assert_eq!(f32b(f32_demote_f64(2f64.powi(-150))), 0); // tie -> even (0)
    assert_eq!(f32b(f32_demote_f64(-2f64.powi(-151))), F32_SIGN);
    assert_eq!(f32b(f32_demote_f64(f64::from_bits(1))), 0);
    for n in nans64() {
        assert!(is_canon32(f32_demote_f64(n)));
    }

    assert_eq!(f64b(f64_promote_f32(0.0)), 0);
    assert_eq!(f64b(f64_promote_f32(-0.0)), F64_SIGN);
    assert_eq!(f64_promote_f32(1.5), 1.5);
    assert_eq!(f64_promote_f32(f32::MAX), 3.4028234663852886e38);
    assert_eq!(f64_promote_f32(f32::from_bits(1)), 2f64.powi(-149));
    assert_eq!(f64_promote_f32(f32::INFINITY), f64::INFINITY);
    assert_eq!(f64_promote_f32(f32::NEG_INFINITY), f64::NEG_INFINITY);
    for n in nans32() {
        assert!(is_canon64(f64_promote_f32(n)));
    }
}
