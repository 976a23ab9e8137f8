//! Relaxed SIMD: Wedge's deterministic choice for every relaxed instruction.
//!
//! Each relaxed instruction may, by the specification, return one of several results. Wedge
//! always returns the one the specification's *deterministic profile* prescribes (the first
//! choice of each `relaxed(R)[..]`), so a program computes the same bits on every host:
//!
//! | instruction | Wedge computes |
//! |---|---|
//! | `i8x16.relaxed_swizzle` | `i8x16.swizzle`: indices ≥ 16 give 0 |
//! | `i32x4.relaxed_trunc_f32x4_s/u` | `i32x4.trunc_sat_f32x4_s/u`: NaN gives 0, out-of-range values saturate |
//! | `i32x4.relaxed_trunc_f64x2_s/u_zero` | `i32x4.trunc_sat_f64x2_s/u_zero` |
//! | `f32x4/f64x2.relaxed_madd` | `a * b + c` unfused: the product is rounded before the addition |
//! | `f32x4/f64x2.relaxed_nmadd` | `-a * b + c`, unfused likewise |
//! | `i8x16/i16x8/i32x4/i64x2.relaxed_laneselect` | `v128.bitselect`: every mask bit selects |
//! | `f32x4/f64x2.relaxed_min/max` | `f32x4/f64x2.min/max`: NaN propagates, -0 < +0 |
//! | `i16x8.relaxed_q15mulr_s` | `i16x8.q15mulr_sat_s`: -32768 × -32768 saturates to 32767 |
//! | `i16x8.relaxed_dot_i8x16_i7x16_s` | both operands signed; each pair of i16 products summed with wrap-around |
//! | `i32x4.relaxed_dot_i8x16_i7x16_add_s` | as above, then adjacent i16 sums sign-extended, added to each other and to the i32 lane of `c` (wrapping) |

use super::{f32bin, f64bin, get16, get8, put16, put32, zip32, zip64};

/// Lanewise `a * b + c` with two roundings; NaN results are arithmetic NaNs.
pub(super) fn madd32(a: u128, b: u128, c: u128) -> u128 {
    f32bin(f32bin(a, b, |x, y| x * y), c, |p, z| p + z)
}

/// Lanewise `-a * b + c` with two roundings.
pub(super) fn nmadd32(a: u128, b: u128, c: u128) -> u128 {
    madd32(zip32(a, 0, |x, _| x ^ 0x8000_0000), b, c)
}

/// Lanewise `a * b + c` with two roundings, 64-bit lanes.
pub(super) fn madd64(a: u128, b: u128, c: u128) -> u128 {
    f64bin(f64bin(a, b, |x, y| x * y), c, |p, z| p + z)
}

/// Lanewise `-a * b + c` with two roundings, 64-bit lanes.
pub(super) fn nmadd64(a: u128, b: u128, c: u128) -> u128 {
    madd64(zip64(a, 0, |x, _| x ^ 0x8000_0000_0000_0000), b, c)
}

/// The sixteen signed i8 × i8 products, each as an i16.
fn products(a: u128, b: u128) -> [i16; 16] {
    let (x, y) = (get8(a), get8(b));
    std::array::from_fn(|i| (x[i] as i8 as i16).wrapping_mul(y[i] as i8 as i16))
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`: adjacent products summed into i16 lanes (wrapping).
pub(super) fn dot_i8x16_i7x16(a: u128, b: u128) -> u128 {
    let p = products(a, b);
    put16(std::array::from_fn(|i| {
        p[2 * i].wrapping_add(p[2 * i + 1]) as u16
    }))
}

/// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the i16 dot lanes, added pairwise into i32 lanes,
/// plus `c`.
pub(super) fn dot_i8x16_i7x16_add(a: u128, b: u128, c: u128) -> u128 {
    let d = get16(dot_i8x16_i7x16(a, b));
    let sums = put32(std::array::from_fn(|i| {
        (d[2 * i] as i16 as i32).wrapping_add(d[2 * i + 1] as i16 as i32) as u32
    }));
    zip32(sums, c, u32::wrapping_add)
}

/// Checks the helpers against hand-computed lanes (kept here with the choices they implement).
#[cfg(test)]
mod tests {
    use super::*;

    fn f32x4(l: [f32; 4]) -> u128 {
        put32(l.map(f32::to_bits))
    }

    #[test]
    fn madd_rounds_the_product_first() {
        // 1 + 2^-23 squared is 1 + 2^-22 + 2^-46: rounding the product drops 2^-46, so
        // subtracting 1 + 2^-22 gives exactly 0 (fused would give 2^-46).
        let x = 1.0 + f32::EPSILON;
        let r = madd32(
            f32x4([x; 4]),
            f32x4([x; 4]),
            f32x4([-(1.0 + 2.0 * f32::EPSILON); 4]),
        );
        assert_eq!(r, f32x4([0.0; 4]));
        let r = nmadd32(f32x4([2.0; 4]), f32x4([3.0; 4]), f32x4([1.0; 4]));
        assert_eq!(r, f32x4([-5.0; 4]));
    }

    #[test]
    fn dot_products_are_signed_and_wrap_in_16_bits() {
        let a = u128::from_le_bytes([0x80; 16]);
        let d = dot_i8x16_i7x16(a, a);
        // (-128 * -128) * 2 = 32768 wraps to -32768 in an i16 lane.
        assert_eq!(get16(d), [0x8000; 8]);
        let one = u128::from_le_bytes([1; 16]);
        let r = dot_i8x16_i7x16_add(one, u128::from_le_bytes([0xff; 16]), put32([10; 4]));
        assert_eq!(r, put32([6; 4]), "4 × (1 × -1) + 10");
    }
}
