//! Exact WebAssembly scalar numeric semantics that are not a plain Rust operator.
//!
//! Notes for the interpreter author:
//!
//! * Integer `add`/`sub`/`mul` must use `wrapping_*`; shifts and rotates must
//!   mask the count (`wrapping_shl`, `rotate_left(b as u32 % N)` etc.).
//! * `ceil`, `floor`, `trunc` and `sqrt` are plain Rust (`f32::ceil`, ...),
//!   and are not provided here.
//! * `abs`, `neg` and `copysign` are *bit* operations in WebAssembly: they must
//!   preserve NaN payloads (including signalling NaNs) exactly. Rust's
//!   `f32::abs`/`-x`/`f32::copysign` are bit operations in practice, but to be
//!   explicit use the `*_abs`, `*_neg` and `*_copysign` helpers below, which
//!   work on the raw bits.
//! * NaN policy of this module: every function here whose result is a NaN
//!   because an input is a NaN (`min`, `max`, `nearest`, `demote`, `promote`)
//!   returns the positive *canonical* NaN (only the quiet bit set in the
//!   payload). A canonical NaN satisfies both the `nan:canonical` and the
//!   `nan:arithmetic` assertions of the official test suite.
//! * Arithmetic results that are NaN (`add`, `sub`, `mul`, `div`, `sqrt`,
//!   `ceil`, `floor`, `trunc`) must at least be quiet NaNs (quiet bit set) to
//!   pass `nan:arithmetic` assertions, and canonical when all NaN inputs are
//!   canonical. Hardware float ops on common targets already do this; an
//!   interpreter wanting full determinism can replace any NaN result by the
//!   canonical NaN (`f32::from_bits(0x7fc0_0000)`, `f64::from_bits(0x7ff8_0000_0000_0000)`).

/// Why a numeric instruction trapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumTrap {
    /// Integer division or remainder by zero.
    DivByZero,
    /// Signed division overflow (`MIN / -1`) or float-to-int value out of range.
    Overflow,
    /// Float-to-int conversion of a NaN.
    InvalidConversion,
}

const F32_SIGN: u32 = 0x8000_0000;
const F64_SIGN: u64 = 0x8000_0000_0000_0000;
const F32_CANON_NAN: u32 = 0x7fc0_0000;
const F64_CANON_NAN: u64 = 0x7ff8_0000_0000_0000;

#[inline]
fn f32_canon_nan() -> f32 {
    f32::from_bits(F32_CANON_NAN)
}

#[inline]
fn f64_canon_nan() -> f64 {
    f64::from_bits(F64_CANON_NAN)
}

// ---------------------------------------------------------------------------
// Integer division / remainder
// ---------------------------------------------------------------------------

/// `i32.div_s`: traps on division by zero and on `i32::MIN / -1`.
#[inline]
pub fn i32_div_s(a: i32, b: i32) -> Result<i32, NumTrap> {
    if b == 0 {
        return Err(NumTrap::DivByZero);
    }
    a.checked_div(b).ok_or(NumTrap::Overflow)
}

/// `i32.div_u`: traps on division by zero.
#[inline]
pub fn i32_div_u(a: u32, b: u32) -> Result<u32, NumTrap> {
    a.checked_div(b).ok_or(NumTrap::DivByZero)
}

/// `i32.rem_s`: traps on division by zero; `i32::MIN % -1` is 0.
#[inline]
pub fn i32_rem_s(a: i32, b: i32) -> Result<i32, NumTrap> {
    if b == 0 {
        return Err(NumTrap::DivByZero);
    }
    Ok(a.wrapping_rem(b))
}

/// `i32.rem_u`: traps on division by zero.
#[inline]
pub fn i32_rem_u(a: u32, b: u32) -> Result<u32, NumTrap> {
    a.checked_rem(b).ok_or(NumTrap::DivByZero)
}

/// `i64.div_s`: traps on division by zero and on `i64::MIN / -1`.
#[inline]
pub fn i64_div_s(a: i64, b: i64) -> Result<i64, NumTrap> {
    if b == 0 {
        return Err(NumTrap::DivByZero);
    }
    a.checked_div(b).ok_or(NumTrap::Overflow)
}

/// `i64.div_u`: traps on division by zero.
#[inline]
pub fn i64_div_u(a: u64, b: u64) -> Result<u64, NumTrap> {
    a.checked_div(b).ok_or(NumTrap::DivByZero)
}

/// `i64.rem_s`: traps on division by zero; `i64::MIN % -1` is 0.
#[inline]
pub fn i64_rem_s(a: i64, b: i64) -> Result<i64, NumTrap> {
    if b == 0 {
        return Err(NumTrap::DivByZero);
    }
    Ok(a.wrapping_rem(b))
}

/// `i64.rem_u`: traps on division by zero.
#[inline]
pub fn i64_rem_u(a: u64, b: u64) -> Result<u64, NumTrap> {
    a.checked_rem(b).ok_or(NumTrap::DivByZero)
}

// ---------------------------------------------------------------------------
// Float min / max / nearest
// ---------------------------------------------------------------------------

/// `f32.min`: canonical NaN if either input is NaN; `min(-0, +0) = -0`.
#[inline]
pub fn f32_min(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32_canon_nan()
    } else if a == b {
        // Equal values differ at most in the sign of zero: prefer negative.
        f32::from_bits(a.to_bits() | b.to_bits())
    } else if a < b {
        a
    } else {
        b
    }
}

/// `f32.max`: canonical NaN if either input is NaN; `max(-0, +0) = +0`.
#[inline]
pub fn f32_max(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32_canon_nan()
    } else if a == b {
        // Equal values differ at most in the sign of zero: prefer positive.
        f32::from_bits(a.to_bits() & b.to_bits())
    } else if a > b {
        a
    } else {
        b
    }
}

/// `f64.min`: canonical NaN if either input is NaN; `min(-0, +0) = -0`.
#[inline]
pub fn f64_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64_canon_nan()
    } else if a == b {
        f64::from_bits(a.to_bits() | b.to_bits())
    } else if a < b {
        a
    } else {
        b
    }
}

/// `f64.max`: canonical NaN if either input is NaN; `max(-0, +0) = +0`.
#[inline]
pub fn f64_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64_canon_nan()
    } else if a == b {
        f64::from_bits(a.to_bits() & b.to_bits())
    } else if a > b {
        a
    } else {
        b
    }
}

/// `f32.nearest`: round half to even, keeping the sign of zero; NaN gives canonical NaN.
#[inline]
pub fn f32_nearest(a: f32) -> f32 {
    if a.is_nan() {
        f32_canon_nan()
    } else {
        a.round_ties_even()
    }
}

/// `f64.nearest`: round half to even, keeping the sign of zero; NaN gives canonical NaN.
#[inline]
pub fn f64_nearest(a: f64) -> f64 {
    if a.is_nan() {
        f64_canon_nan()
    } else {
        a.round_ties_even()
    }
}

// ---------------------------------------------------------------------------
// Bitwise sign operations (preserve NaN payloads)
// ---------------------------------------------------------------------------

/// `f32.abs` on bits: clears the sign bit, preserving any NaN payload.
#[inline]
pub fn f32_abs(a: f32) -> f32 {
    f32::from_bits(a.to_bits() & !F32_SIGN)
}

/// `f32.neg` on bits: flips the sign bit, preserving any NaN payload.
#[inline]
pub fn f32_neg(a: f32) -> f32 {
    f32::from_bits(a.to_bits() ^ F32_SIGN)
}

/// `f32.copysign` on bits: magnitude bits of `a` with the sign bit of `b`.
#[inline]
pub fn f32_copysign(a: f32, b: f32) -> f32 {
    f32::from_bits((a.to_bits() & !F32_SIGN) | (b.to_bits() & F32_SIGN))
}

/// `f64.abs` on bits: clears the sign bit, preserving any NaN payload.
#[inline]
pub fn f64_abs(a: f64) -> f64 {
    f64::from_bits(a.to_bits() & !F64_SIGN)
}

/// `f64.neg` on bits: flips the sign bit, preserving any NaN payload.
#[inline]
pub fn f64_neg(a: f64) -> f64 {
    f64::from_bits(a.to_bits() ^ F64_SIGN)
}

/// `f64.copysign` on bits: magnitude bits of `a` with the sign bit of `b`.
#[inline]
pub fn f64_copysign(a: f64, b: f64) -> f64 {
    f64::from_bits((a.to_bits() & !F64_SIGN) | (b.to_bits() & F64_SIGN))
}

// ---------------------------------------------------------------------------
// Trapping float -> int truncation
//
// A value x is in range for a target [MIN, MAX] iff trunc(x) is in range,
// i.e. MIN - 1 < x < MAX + 1. The bounds below are exactly representable in
// the source type (or, where MIN - 1 is not, x >= MIN is the equivalent test
// because no source value lies strictly between MIN - 1 and MIN).
// ---------------------------------------------------------------------------

/// `i32.trunc_f32_s`: NaN traps InvalidConversion, out of range traps Overflow.
#[inline]
pub fn i32_trunc_f32_s(x: f32) -> Result<i32, NumTrap> {
    if x.is_nan() {
        Err(NumTrap::InvalidConversion)
    } else if (-2147483648.0f32..2147483648.0f32).contains(&x) {
        Ok(x as i32)
    } else {
        Err(NumTrap::Overflow)
    }
}

/// `i32.trunc_f32_u`: NaN traps InvalidConversion, out of range traps Overflow.
#[inline]
pub fn i32_trunc_f32_u(x: f32) -> Result<u32, NumTrap> {
    if x.is_nan() {
        Err(NumTrap::InvalidConversion)
    } else if x > -1.0f32 && x < 4294967296.0f32 {
        Ok(x as u32)
    } else {
        Err(NumTrap::Overflow)
    }
}

/// `i32.trunc_f64_s`: NaN traps InvalidConversion, out of range traps Overflow.
#[inline]
pub fn i32_trunc_f64_s(x: f64) -> Result<i32, NumTrap> {
    if x.is_nan() {
        Err(NumTrap::InvalidConversion)
    } else if x > -2147483649.0f64 && x < 2147483648.0f64 {
        Ok(x as i32)
    } else {
        Err(NumTrap::Overflow)
    }
}

/// `i32.trunc_f64_u`: NaN traps InvalidConversion, out of range traps Overflow.
#[inline]
pub fn i32_trunc_f64_u(x: f64) -> Result<u32, NumTrap> {
    if x.is_nan() {
        Err(NumTrap::InvalidConversion)
    } else if x > -1.0f64 && x < 4294967296.0f64 {
        Ok(x as u32)
    } else {
        Err(NumTrap::Overflow)
    }
}

/// `i64.trunc_f32_s`: NaN traps InvalidConversion, out of range traps Overflow.
#[inline]
pub fn i64_trunc_f32_s(x: f32) -> Result<i64, NumTrap> {
    if x.is_nan() {
        Err(NumTrap::InvalidConversion)
    } else if (-9223372036854775808.0f32..9223372036854775808.0f32).contains(&x) {
        Ok(x as i64)
    } else {
        Err(NumTrap::Overflow)
    }
}

/// `i64.trunc_f32_u`: NaN traps InvalidConversion, out of range traps Overflow.
#[inline]
pub fn i64_trunc_f32_u(x: f32) -> Result<u64, NumTrap> {
    if x.is_nan() {
        Err(NumTrap::InvalidConversion)
    } else if x > -1.0f32 && x < 18446744073709551616.0f32 {
        Ok(x as u64)
    } else {
        Err(NumTrap::Overflow)
    }
}

/// `i64.trunc_f64_s`: NaN traps InvalidConversion, out of range traps Overflow.
#[inline]
pub fn i64_trunc_f64_s(x: f64) -> Result<i64, NumTrap> {
    if x.is_nan() {
        Err(NumTrap::InvalidConversion)
    } else if (-9223372036854775808.0f64..9223372036854775808.0f64).contains(&x) {
        Ok(x as i64)
    } else {
        Err(NumTrap::Overflow)
    }
}

/// `i64.trunc_f64_u`: NaN traps InvalidConversion, out of range traps Overflow.
#[inline]
pub fn i64_trunc_f64_u(x: f64) -> Result<u64, NumTrap> {
    if x.is_nan() {
        Err(NumTrap::InvalidConversion)
    } else if x > -1.0f64 && x < 18446744073709551616.0f64 {
        Ok(x as u64)
    } else {
        Err(NumTrap::Overflow)
    }
}

// ---------------------------------------------------------------------------
// Saturating float -> int truncation (Rust `as` saturates and maps NaN to 0)
// ---------------------------------------------------------------------------

/// `i32.trunc_sat_f32_s`: saturating, NaN gives 0.
#[inline]
pub fn i32_trunc_sat_f32_s(x: f32) -> i32 {
    x as i32
}

/// `i32.trunc_sat_f32_u`: saturating, NaN gives 0.
#[inline]
pub fn i32_trunc_sat_f32_u(x: f32) -> u32 {
    x as u32
}

/// `i32.trunc_sat_f64_s`: saturating, NaN gives 0.
#[inline]
pub fn i32_trunc_sat_f64_s(x: f64) -> i32 {
    x as i32
}

/// `i32.trunc_sat_f64_u`: saturating, NaN gives 0.
#[inline]
pub fn i32_trunc_sat_f64_u(x: f64) -> u32 {
    x as u32
}

/// `i64.trunc_sat_f32_s`: saturating, NaN gives 0.
#[inline]
pub fn i64_trunc_sat_f32_s(x: f32) -> i64 {
    x as i64
}

/// `i64.trunc_sat_f32_u`: saturating, NaN gives 0.
#[inline]
pub fn i64_trunc_sat_f32_u(x: f32) -> u64 {
    x as u64
}

/// `i64.trunc_sat_f64_s`: saturating, NaN gives 0.
#[inline]
pub fn i64_trunc_sat_f64_s(x: f64) -> i64 {
    x as i64
}

/// `i64.trunc_sat_f64_u`: saturating, NaN gives 0.
#[inline]
pub fn i64_trunc_sat_f64_u(x: f64) -> u64 {
    x as u64
}

// ---------------------------------------------------------------------------
// Int -> float conversions (Rust `as` rounds to nearest, ties to even)
// ---------------------------------------------------------------------------

/// `f32.convert_i32_s`: round to nearest, ties to even.
#[inline]
pub fn f32_convert_i32_s(x: i32) -> f32 {
    x as f32
}

/// `f32.convert_i32_u`: round to nearest, ties to even.
#[inline]
pub fn f32_convert_i32_u(x: u32) -> f32 {
    x as f32
}

/// `f32.convert_i64_s`: round to nearest, ties to even.
#[inline]
pub fn f32_convert_i64_s(x: i64) -> f32 {
    x as f32
}

/// `f32.convert_i64_u`: round to nearest, ties to even.
#[inline]
pub fn f32_convert_i64_u(x: u64) -> f32 {
    x as f32
}

/// `f64.convert_i32_s`: exact.
#[inline]
pub fn f64_convert_i32_s(x: i32) -> f64 {
    f64::from(x)
}

/// `f64.convert_i32_u`: exact.
#[inline]
pub fn f64_convert_i32_u(x: u32) -> f64 {
    f64::from(x)
}

/// `f64.convert_i64_s`: round to nearest, ties to even.
#[inline]
pub fn f64_convert_i64_s(x: i64) -> f64 {
    x as f64
}

/// `f64.convert_i64_u`: round to nearest, ties to even.
#[inline]
pub fn f64_convert_i64_u(x: u64) -> f64 {
    x as f64
}

// ---------------------------------------------------------------------------
// Float <-> float
// ---------------------------------------------------------------------------

/// `f32.demote_f64`: round to nearest, ties to even; NaN gives canonical NaN.
#[inline]
pub fn f32_demote_f64(x: f64) -> f32 {
    if x.is_nan() {
        f32_canon_nan()
    } else {
        x as f32
    }
}

/// `f64.promote_f32`: exact; NaN gives canonical NaN.
#[inline]
pub fn f64_promote_f32(x: f32) -> f64 {
    if x.is_nan() {
        f64_canon_nan()
    } else {
        f64::from(x)
    }
}

#[cfg(test)]
#[path = "num_tests.rs"]
mod tests;
