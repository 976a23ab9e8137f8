//! WebAssembly 2.0 128-bit SIMD value instructions as pure functions on `u128`.
//!
//! Lanes are little-endian: lane 0 occupies the least significant bits. Memory
//! operators, `v128.const` and `i8x16.shuffle` decoding are left to the
//! interpreter; [`classify`] maps every other SIMD operator to a [`SimdShape`]
//! and an op id that indexes a static function table for that shape.

use core::array::from_fn;
use wasmparser::Operator;

/// How the translator should wire a SIMD operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimdShape {
    /// v128 -> v128; run with `unary(op, a)`.
    Unary,
    /// v128 v128 -> v128; run with `binary(op, a, b)`.
    Binary,
    /// v128 v128 v128 -> v128 (v128.bitselect: operands in stack order v1 v2 c); run with `ternary(op, a, b, c)`.
    Ternary,
    /// v128 -> i32 (any_true, all_true, bitmask); run with `test(op, a)`.
    Test,
    /// v128 i32 -> v128 (shl/shr_s/shr_u on all lane widths); run with `shift(op, a, count)`.
    Shift,
    /// scalar -> v128 splat; the scalar is given as raw bits in a u64 (i32/f32 as low 32 bits, i64/f64 as 64 bits); run with `splat(op, x)`.
    Splat,
    /// v128 -> scalar extract_lane (lane immediate in `lane`); result as raw bits u64 (i32 results sign- or zero-extended into the low 32 bits exactly as wasm's i32 value, upper 32 bits zero; f32 bits in the low 32 bits); run with `extract_lane(op, a, lane)`.
    ExtractLane,
    /// v128 scalar -> v128 replace_lane; scalar given as raw bits u64 like Splat; run with `replace_lane(op, a, lane, x)`.
    ReplaceLane,
}

// ---------------------------------------------------------------------------
// Lane helpers
// ---------------------------------------------------------------------------

macro_rules! lane_helpers {
    ($($t:ty, $n:literal, $get:ident, $put:ident, $map:ident, $zip:ident, $mask:ident;)*) => {$(
        #[inline(always)]
        fn $get(a: u128) -> [$t; $n] {
            from_fn(|i| (a >> (i as u32 * <$t>::BITS)) as $t)
        }
        #[inline(always)]
        fn $put(l: [$t; $n]) -> u128 {
            let mut r = 0u128;
            for (i, x) in l.into_iter().enumerate() {
                r |= (x as u128) << (i as u32 * <$t>::BITS);
            }
            r
        }
        #[inline(always)]
        fn $map(a: u128, f: impl Fn($t) -> $t) -> u128 {
            $put($get(a).map(f))
        }
        #[inline(always)]
        fn $zip(a: u128, b: u128, f: impl Fn($t, $t) -> $t) -> u128 {
            let (x, y) = ($get(a), $get(b));
            $put(from_fn(|i| f(x[i], y[i])))
        }
        #[inline(always)]
        fn $mask(c: bool) -> $t {
            if c { <$t>::MAX } else { 0 }
        }
    )*};
}

lane_helpers! {
    u8, 16, get8, put8, map8, zip8, m8;
    u16, 8, get16, put16, map16, zip16, m16;
    u32, 4, get32, put32, map32, zip32, m32;
    u64, 2, get64, put64, map64, zip64, m64;
}

/// Lanewise signed/unsigned integer comparison producing an all-ones/all-zeros mask.
macro_rules! icmp {
    ($zip:ident, $m:ident, $t:ty, $op:tt) => {
        |a, b| $zip(a, b, |x, y| $m((x as $t) $op (y as $t)))
    };
}

/// Lanewise binary integer method applied on the given (possibly signed) view of the lanes.
macro_rules! ibin {
    ($zip:ident, $u:ty, $t:ty, $method:ident) => {
        |a, b| $zip(a, b, |x, y| (x as $t).$method(y as $t) as $u)
    };
}

const F32_SIGNS: u128 = 0x8000_0000_8000_0000_8000_0000_8000_0000;
const F64_SIGNS: u128 = 0x8000_0000_0000_0000_8000_0000_0000_0000;

macro_rules! float_helpers {
    ($f:ty, $u:ty, $map:ident, $zip:ident, $m:ident, $un:ident, $bin:ident, $cmp:ident,
     $min:ident, $max:ident, $pmin:ident, $pmax:ident) => {
        /// Forces the quiet bit on NaN results so they are always arithmetic NaNs.
        #[inline(always)]
        fn $un(a: u128, f: impl Fn($f) -> $f) -> u128 {
            $map(a, |x| {
                let r = f(<$f>::from_bits(x));
                if r.is_nan() {
                    r.to_bits() | (1 << (<$f>::MANTISSA_DIGITS - 2))
                } else {
                    r.to_bits()
                }
            })
        }
        #[inline(always)]
        fn $bin(a: u128, b: u128, f: impl Fn($f, $f) -> $f) -> u128 {
            $zip(a, b, |x, y| {
                let r = f(<$f>::from_bits(x), <$f>::from_bits(y));
                if r.is_nan() {
                    r.to_bits() | (1 << (<$f>::MANTISSA_DIGITS - 2))
                } else {
                    r.to_bits()
                }
            })
        }
        #[inline(always)]
        fn $cmp(a: u128, b: u128, f: impl Fn($f, $f) -> bool) -> u128 {
            $zip(a, b, |x, y| $m(f(<$f>::from_bits(x), <$f>::from_bits(y))))
        }
        /// Wasm `fmin`: NaN-propagating, -0 < +0.
        #[inline(always)]
        fn $min(x: $f, y: $f) -> $f {
            if x.is_nan() || y.is_nan() {
                <$f>::NAN
            } else if x == y {
                <$f>::from_bits(x.to_bits() | y.to_bits())
            } else if x < y {
                x
            } else {
                y
            }
        }
        /// Wasm `fmax`: NaN-propagating, -0 < +0.
        #[inline(always)]
        fn $max(x: $f, y: $f) -> $f {
            if x.is_nan() || y.is_nan() {
                <$f>::NAN
            } else if x == y {
                <$f>::from_bits(x.to_bits() & y.to_bits())
            } else if x > y {
                x
            } else {
                y
            }
        }
        /// Wasm `pmin`: `b < a ? b : a`, returning operand bits unchanged.
        fn $pmin(a: u128, b: u128) -> u128 {
            $zip(a, b, |x, y| {
                if <$f>::from_bits(y) < <$f>::from_bits(x) {
                    y
                } else {
                    x
                }
            })
        }
        /// Wasm `pmax`: `a < b ? b : a`, returning operand bits unchanged.
        fn $pmax(a: u128, b: u128) -> u128 {
            $zip(a, b, |x, y| {
                if <$f>::from_bits(x) < <$f>::from_bits(y) {
                    y
                } else {
                    x
                }
            })
        }
    };
}

float_helpers!(f32, u32, map32, zip32, m32, f32un, f32bin, f32cmp, fmin32, fmax32, pmin32, pmax32);
float_helpers!(f64, u64, map64, zip64, m64, f64un, f64bin, f64cmp, fmin64, fmax64, pmin64, pmax64);

// ---------------------------------------------------------------------------
// Widening / narrowing / misc helpers (const generics give plain fn pointers)
// ---------------------------------------------------------------------------

/// Extends 8 i8 lanes starting at `HI` to i16 lanes.
fn ext8<const HI: usize, const S: bool>(a: u128) -> u128 {
    let x = get8(a);
    put16(from_fn(|i| {
        if S {
            x[i + HI] as i8 as u16
        } else {
            x[i + HI] as u16
        }
    }))
}

/// Extends 4 i16 lanes starting at `HI` to i32 lanes.
fn ext16<const HI: usize, const S: bool>(a: u128) -> u128 {
    let x = get16(a);
    put32(from_fn(|i| {
        if S {
            x[i + HI] as i16 as u32
        } else {
            x[i + HI] as u32
        }
    }))
}

/// Extends 2 i32 lanes starting at `HI` to i64 lanes.
fn ext32<const HI: usize, const S: bool>(a: u128) -> u128 {
    let x = get32(a);
    put64(from_fn(|i| {
        if S {
            x[i + HI] as i32 as u64
        } else {
            x[i + HI] as u64
        }
    }))
}

fn extmul8<const HI: usize, const S: bool>(a: u128, b: u128) -> u128 {
    zip16(ext8::<HI, S>(a), ext8::<HI, S>(b), u16::wrapping_mul)
}

fn extmul16<const HI: usize, const S: bool>(a: u128, b: u128) -> u128 {
    zip32(ext16::<HI, S>(a), ext16::<HI, S>(b), u32::wrapping_mul)
}

fn extmul32<const HI: usize, const S: bool>(a: u128, b: u128) -> u128 {
    zip64(ext32::<HI, S>(a), ext32::<HI, S>(b), u64::wrapping_mul)
}

fn extadd8<const S: bool>(a: u128) -> u128 {
    let x = get8(a);
    let w = |v: u8| if S { v as i8 as u16 } else { v as u16 };
    put16(from_fn(|i| w(x[2 * i]).wrapping_add(w(x[2 * i + 1]))))
}

fn extadd16<const S: bool>(a: u128) -> u128 {
    let x = get16(a);
    let w = |v: u16| if S { v as i16 as u32 } else { v as u32 };
    put32(from_fn(|i| w(x[2 * i]).wrapping_add(w(x[2 * i + 1]))))
}

/// Saturating narrow of i16 lanes (a then b) to i8 (`S`) or u8 lanes.
fn narrow16<const S: bool>(a: u128, b: u128) -> u128 {
    let (x, y) = (get16(a), get16(b));
    let (lo, hi) = if S { (-128, 127) } else { (0, 255) };
    put8(from_fn(|i| {
        let v = if i < 8 { x[i] } else { y[i - 8] };
        (v as i16).clamp(lo, hi) as u8
    }))
}

/// Saturating narrow of i32 lanes (a then b) to i16 (`S`) or u16 lanes.
fn narrow32<const S: bool>(a: u128, b: u128) -> u128 {
    let (x, y) = (get32(a), get32(b));
    let (lo, hi) = if S { (-32768, 32767) } else { (0, 65535) };
    put16(from_fn(|i| {
        let v = if i < 4 { x[i] } else { y[i - 4] };
        (v as i32).clamp(lo, hi) as u16
    }))
}

fn dot16(a: u128, b: u128) -> u128 {
    let (x, y) = (get16(a), get16(b));
    let p = |i: usize| (x[i] as i16 as i32) * (y[i] as i16 as i32);
    put32(from_fn(|i| p(2 * i).wrapping_add(p(2 * i + 1)) as u32))
}

fn q15mulr(a: u128, b: u128) -> u128 {
    zip16(a, b, |x, y| {
        let p = (x as i16 as i32) * (y as i16 as i32);
        ((p + 0x4000) >> 15).clamp(-32768, 32767) as u16
    })
}

fn swizzle(a: u128, b: u128) -> u128 {
    let (x, idx) = (get8(a), get8(b));
    put8(idx.map(|i| if i < 16 { x[i as usize] } else { 0 }))
}

fn bitselect(a: u128, b: u128, c: u128) -> u128 {
    (a & c) | (b & !c)
}

fn all_true8(a: u128) -> i32 {
    get8(a).iter().all(|&x| x != 0) as i32
}
fn all_true16(a: u128) -> i32 {
    get16(a).iter().all(|&x| x != 0) as i32
}
fn all_true32(a: u128) -> i32 {
    get32(a).iter().all(|&x| x != 0) as i32
}
fn all_true64(a: u128) -> i32 {
    get64(a).iter().all(|&x| x != 0) as i32
}

/// Gathers the top bit of each `BITS`-wide lane into the low bits of an i32.
fn bitmask<const BITS: u32>(a: u128) -> i32 {
    (0..128 / BITS).fold(0, |m, i| {
        m | ((((a >> (i * BITS + BITS - 1)) & 1) as i32) << i)
    })
}

/// Saturating f32 -> i32 (`S`) or u32 conversion; NaN becomes 0.
fn trunc_sat32<const S: bool>(a: u128) -> u128 {
    map32(a, |x| {
        let f = f32::from_bits(x);
        if S {
            f as i32 as u32
        } else {
            f as u32
        }
    })
}

fn trunc_sat64_zero<const S: bool>(a: u128) -> u128 {
    let x = get64(a).map(|v| {
        let f = f64::from_bits(v);
        if S {
            f as i32 as u32
        } else {
            f as u32
        }
    });
    put32([x[0], x[1], 0, 0])
}

fn convert32<const S: bool>(a: u128) -> u128 {
    map32(a, |x| {
        if S {
            (x as i32 as f32).to_bits()
        } else {
            (x as f32).to_bits()
        }
    })
}

fn convert_low64<const S: bool>(a: u128) -> u128 {
    let x = get32(a);
    let c = |v: u32| if S { v as i32 as f64 } else { v as f64 };
    put64([c(x[0]).to_bits(), c(x[1]).to_bits()])
}

fn demote(a: u128) -> u128 {
    let d = |v: u64| {
        let f = f64::from_bits(v);
        if f.is_nan() {
            f32::NAN.to_bits() | ((v >> 32) as u32 & 0x8000_0000)
        } else {
            (f as f32).to_bits()
        }
    };
    let x = get64(a);
    put32([d(x[0]), d(x[1]), 0, 0])
}

fn promote(a: u128) -> u128 {
    let p = |v: u32| {
        let f = f32::from_bits(v);
        if f.is_nan() {
            f64::NAN.to_bits() | ((v as u64 & 0x8000_0000) << 32)
        } else {
            (f as f64).to_bits()
        }
    };
    let x = get32(a);
    put64([p(x[0]), p(x[1])])
}

fn splat_n<const BITS: u32>(x: u64) -> u128 {
    let mask = u128::MAX >> (128 - BITS);
    (x as u128 & mask) * (u128::MAX / mask)
}

/// Extracts lane `l` of width `BITS`; `S` sign-extends narrow lanes into a 32-bit value.
fn extract_n<const BITS: u32, const S: bool>(a: u128, l: u8) -> u64 {
    let v = (a >> ((l as u32 * BITS) % 128)) as u64 & (u64::MAX >> (64 - BITS));
    if S {
        ((v << (64 - BITS)) as i64 >> (64 - BITS)) as u32 as u64
    } else {
        v
    }
}

fn replace_n<const BITS: u32>(a: u128, l: u8, x: u64) -> u128 {
    let sh = (l as u32 * BITS) % 128;
    let m = (u128::MAX >> (128 - BITS)) << sh;
    (a & !m) | (((x as u128) << sh) & m)
}

// ---------------------------------------------------------------------------
// Operator tables
// ---------------------------------------------------------------------------

macro_rules! simd_ops {
    ($(
        $shape:ident $table:ident : $fty:ty = {
            $( $v:ident $({ $lane:ident })? => $f:expr, )*
        }
    )*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, clippy::enum_variant_names)]
        mod ids {
            $( #[repr(u16)] pub(super) enum $table { $($v,)* } )*
        }
        $( static $table: &[$fty] = &[$($f,)*]; )*

        /// Classifies a SIMD operator: its shape and the op id to pass to the matching run function.
        ///
        /// Returns None for non-SIMD operators and for the ones the interpreter handles itself:
        /// v128.const, i8x16.shuffle, and every memory operator (v128.load*, v128.store*, load/store
        /// lane, load splat/zero/extend). For ExtractLane/ReplaceLane the lane immediate is returned
        /// as the third tuple element (0 otherwise).
        pub fn classify(op: &Operator<'_>) -> Option<(SimdShape, u16, u8)> {
            Some(match *op {
                $($( Operator::$v $({ $lane })? =>
                    (SimdShape::$shape, ids::$table::$v as u16, 0 $(+ $lane)?), )*)*
                _ => return None,
            })
        }
    };
}

simd_ops! {
    Unary UNARY: fn(u128) -> u128 = {
        V128Not => |a| !a,
        I8x16Abs => |a| map8(a, |x| (x as i8).wrapping_abs() as u8),
        I8x16Neg => |a| map8(a, u8::wrapping_neg),
        I8x16Popcnt => |a| map8(a, |x| x.count_ones() as u8),
        I16x8ExtAddPairwiseI8x16S => extadd8::<true>,
        I16x8ExtAddPairwiseI8x16U => extadd8::<false>,
        I16x8Abs => |a| map16(a, |x| (x as i16).wrapping_abs() as u16),
        I16x8Neg => |a| map16(a, u16::wrapping_neg),
        I16x8ExtendLowI8x16S => ext8::<0, true>,
        I16x8ExtendHighI8x16S => ext8::<8, true>,
        I16x8ExtendLowI8x16U => ext8::<0, false>,
        I16x8ExtendHighI8x16U => ext8::<8, false>,
        I32x4ExtAddPairwiseI16x8S => extadd16::<true>,
        I32x4ExtAddPairwiseI16x8U => extadd16::<false>,
        I32x4Abs => |a| map32(a, |x| (x as i32).wrapping_abs() as u32),
        I32x4Neg => |a| map32(a, u32::wrapping_neg),
        I32x4ExtendLowI16x8S => ext16::<0, true>,
        I32x4ExtendHighI16x8S => ext16::<4, true>,
        I32x4ExtendLowI16x8U => ext16::<0, false>,
        I32x4ExtendHighI16x8U => ext16::<4, false>,
        I64x2Abs => |a| map64(a, |x| (x as i64).wrapping_abs() as u64),
        I64x2Neg => |a| map64(a, u64::wrapping_neg),
        I64x2ExtendLowI32x4S => ext32::<0, true>,
        I64x2ExtendHighI32x4S => ext32::<2, true>,
        I64x2ExtendLowI32x4U => ext32::<0, false>,
        I64x2ExtendHighI32x4U => ext32::<2, false>,
        F32x4Ceil => |a| f32un(a, f32::ceil),
        F32x4Floor => |a| f32un(a, f32::floor),
        F32x4Trunc => |a| f32un(a, f32::trunc),
        F32x4Nearest => |a| f32un(a, f32::round_ties_even),
        F32x4Abs => |a| a & !F32_SIGNS,
        F32x4Neg => |a| a ^ F32_SIGNS,
        F32x4Sqrt => |a| f32un(a, f32::sqrt),
        F64x2Ceil => |a| f64un(a, f64::ceil),
        F64x2Floor => |a| f64un(a, f64::floor),
        F64x2Trunc => |a| f64un(a, f64::trunc),
        F64x2Nearest => |a| f64un(a, f64::round_ties_even),
        F64x2Abs => |a| a & !F64_SIGNS,
        F64x2Neg => |a| a ^ F64_SIGNS,
        F64x2Sqrt => |a| f64un(a, f64::sqrt),
        I32x4TruncSatF32x4S => trunc_sat32::<true>,
        I32x4TruncSatF32x4U => trunc_sat32::<false>,
        F32x4ConvertI32x4S => convert32::<true>,
        F32x4ConvertI32x4U => convert32::<false>,
        I32x4TruncSatF64x2SZero => trunc_sat64_zero::<true>,
        I32x4TruncSatF64x2UZero => trunc_sat64_zero::<false>,
        F64x2ConvertLowI32x4S => convert_low64::<true>,
        F64x2ConvertLowI32x4U => convert_low64::<false>,
        F32x4DemoteF64x2Zero => demote,
        F64x2PromoteLowF32x4 => promote,
        // Relaxed SIMD: the deterministic choices of `simd_relaxed.rs`.
        I32x4RelaxedTruncF32x4S => trunc_sat32::<true>,
        I32x4RelaxedTruncF32x4U => trunc_sat32::<false>,
        I32x4RelaxedTruncF64x2SZero => trunc_sat64_zero::<true>,
        I32x4RelaxedTruncF64x2UZero => trunc_sat64_zero::<false>,
    }

    Binary BINARY: fn(u128, u128) -> u128 = {
        V128And => |a, b| a & b,
        V128AndNot => |a, b| a & !b,
        V128Or => |a, b| a | b,
        V128Xor => |a, b| a ^ b,
        I8x16Swizzle => swizzle,
        I8x16Eq => icmp!(zip8, m8, u8, ==),
        I8x16Ne => icmp!(zip8, m8, u8, !=),
        I8x16LtS => icmp!(zip8, m8, i8, <),
        I8x16LtU => icmp!(zip8, m8, u8, <),
        I8x16GtS => icmp!(zip8, m8, i8, >),
        I8x16GtU => icmp!(zip8, m8, u8, >),
        I8x16LeS => icmp!(zip8, m8, i8, <=),
        I8x16LeU => icmp!(zip8, m8, u8, <=),
        I8x16GeS => icmp!(zip8, m8, i8, >=),
        I8x16GeU => icmp!(zip8, m8, u8, >=),
        I16x8Eq => icmp!(zip16, m16, u16, ==),
        I16x8Ne => icmp!(zip16, m16, u16, !=),
        I16x8LtS => icmp!(zip16, m16, i16, <),
        I16x8LtU => icmp!(zip16, m16, u16, <),
        I16x8GtS => icmp!(zip16, m16, i16, >),
        I16x8GtU => icmp!(zip16, m16, u16, >),
        I16x8LeS => icmp!(zip16, m16, i16, <=),
        I16x8LeU => icmp!(zip16, m16, u16, <=),
        I16x8GeS => icmp!(zip16, m16, i16, >=),
        I16x8GeU => icmp!(zip16, m16, u16, >=),
        I32x4Eq => icmp!(zip32, m32, u32, ==),
        I32x4Ne => icmp!(zip32, m32, u32, !=),
        I32x4LtS => icmp!(zip32, m32, i32, <),
        I32x4LtU => icmp!(zip32, m32, u32, <),
        I32x4GtS => icmp!(zip32, m32, i32, >),
        I32x4GtU => icmp!(zip32, m32, u32, >),
        I32x4LeS => icmp!(zip32, m32, i32, <=),
        I32x4LeU => icmp!(zip32, m32, u32, <=),
        I32x4GeS => icmp!(zip32, m32, i32, >=),
        I32x4GeU => icmp!(zip32, m32, u32, >=),
        I64x2Eq => icmp!(zip64, m64, u64, ==),
        I64x2Ne => icmp!(zip64, m64, u64, !=),
        I64x2LtS => icmp!(zip64, m64, i64, <),
        I64x2GtS => icmp!(zip64, m64, i64, >),
        I64x2LeS => icmp!(zip64, m64, i64, <=),
        I64x2GeS => icmp!(zip64, m64, i64, >=),
        F32x4Eq => |a, b| f32cmp(a, b, |x, y| x == y),
        F32x4Ne => |a, b| f32cmp(a, b, |x, y| x != y),
        F32x4Lt => |a, b| f32cmp(a, b, |x, y| x < y),
        F32x4Gt => |a, b| f32cmp(a, b, |x, y| x > y),
        F32x4Le => |a, b| f32cmp(a, b, |x, y| x <= y),
        F32x4Ge => |a, b| f32cmp(a, b, |x, y| x >= y),
        F64x2Eq => |a, b| f64cmp(a, b, |x, y| x == y),
        F64x2Ne => |a, b| f64cmp(a, b, |x, y| x != y),
        F64x2Lt => |a, b| f64cmp(a, b, |x, y| x < y),
        F64x2Gt => |a, b| f64cmp(a, b, |x, y| x > y),
        F64x2Le => |a, b| f64cmp(a, b, |x, y| x <= y),
        F64x2Ge => |a, b| f64cmp(a, b, |x, y| x >= y),
        I8x16NarrowI16x8S => narrow16::<true>,
        I8x16NarrowI16x8U => narrow16::<false>,
        I8x16Add => |a, b| zip8(a, b, u8::wrapping_add),
        I8x16AddSatS => ibin!(zip8, u8, i8, saturating_add),
        I8x16AddSatU => |a, b| zip8(a, b, u8::saturating_add),
        I8x16Sub => |a, b| zip8(a, b, u8::wrapping_sub),
        I8x16SubSatS => ibin!(zip8, u8, i8, saturating_sub),
        I8x16SubSatU => |a, b| zip8(a, b, u8::saturating_sub),
        I8x16MinS => ibin!(zip8, u8, i8, min),
        I8x16MinU => ibin!(zip8, u8, u8, min),
        I8x16MaxS => ibin!(zip8, u8, i8, max),
        I8x16MaxU => ibin!(zip8, u8, u8, max),
        I8x16AvgrU => |a, b| zip8(a, b, |x, y| ((x as u16 + y as u16 + 1) >> 1) as u8),
        I16x8Q15MulrSatS => q15mulr,
        I16x8NarrowI32x4S => narrow32::<true>,
        I16x8NarrowI32x4U => narrow32::<false>,
        I16x8Add => |a, b| zip16(a, b, u16::wrapping_add),
        I16x8AddSatS => ibin!(zip16, u16, i16, saturating_add),
        I16x8AddSatU => |a, b| zip16(a, b, u16::saturating_add),
        I16x8Sub => |a, b| zip16(a, b, u16::wrapping_sub),
        I16x8SubSatS => ibin!(zip16, u16, i16, saturating_sub),
        I16x8SubSatU => |a, b| zip16(a, b, u16::saturating_sub),
        I16x8Mul => |a, b| zip16(a, b, u16::wrapping_mul),
        I16x8MinS => ibin!(zip16, u16, i16, min),
        I16x8MinU => ibin!(zip16, u16, u16, min),
        I16x8MaxS => ibin!(zip16, u16, i16, max),
        I16x8MaxU => ibin!(zip16, u16, u16, max),
        I16x8AvgrU => |a, b| zip16(a, b, |x, y| ((x as u32 + y as u32 + 1) >> 1) as u16),
        I16x8ExtMulLowI8x16S => extmul8::<0, true>,
        I16x8ExtMulHighI8x16S => extmul8::<8, true>,
        I16x8ExtMulLowI8x16U => extmul8::<0, false>,
        I16x8ExtMulHighI8x16U => extmul8::<8, false>,
        I32x4Add => |a, b| zip32(a, b, u32::wrapping_add),
        I32x4Sub => |a, b| zip32(a, b, u32::wrapping_sub),
        I32x4Mul => |a, b| zip32(a, b, u32::wrapping_mul),
        I32x4MinS => ibin!(zip32, u32, i32, min),
        I32x4MinU => ibin!(zip32, u32, u32, min),
        I32x4MaxS => ibin!(zip32, u32, i32, max),
        I32x4MaxU => ibin!(zip32, u32, u32, max),
        I32x4DotI16x8S => dot16,
        I32x4ExtMulLowI16x8S => extmul16::<0, true>,
        I32x4ExtMulHighI16x8S => extmul16::<4, true>,
        I32x4ExtMulLowI16x8U => extmul16::<0, false>,
        I32x4ExtMulHighI16x8U => extmul16::<4, false>,
        I64x2Add => |a, b| zip64(a, b, u64::wrapping_add),
        I64x2Sub => |a, b| zip64(a, b, u64::wrapping_sub),
        I64x2Mul => |a, b| zip64(a, b, u64::wrapping_mul),
        I64x2ExtMulLowI32x4S => extmul32::<0, true>,
        I64x2ExtMulHighI32x4S => extmul32::<2, true>,
        I64x2ExtMulLowI32x4U => extmul32::<0, false>,
        I64x2ExtMulHighI32x4U => extmul32::<2, false>,
        F32x4Add => |a, b| f32bin(a, b, |x, y| x + y),
        F32x4Sub => |a, b| f32bin(a, b, |x, y| x - y),
        F32x4Mul => |a, b| f32bin(a, b, |x, y| x * y),
        F32x4Div => |a, b| f32bin(a, b, |x, y| x / y),
        F32x4Min => |a, b| f32bin(a, b, fmin32),
        F32x4Max => |a, b| f32bin(a, b, fmax32),
        F32x4PMin => pmin32,
        F32x4PMax => pmax32,
        F64x2Add => |a, b| f64bin(a, b, |x, y| x + y),
        F64x2Sub => |a, b| f64bin(a, b, |x, y| x - y),
        F64x2Mul => |a, b| f64bin(a, b, |x, y| x * y),
        F64x2Div => |a, b| f64bin(a, b, |x, y| x / y),
        F64x2Min => |a, b| f64bin(a, b, fmin64),
        F64x2Max => |a, b| f64bin(a, b, fmax64),
        F64x2PMin => pmin64,
        F64x2PMax => pmax64,
        // Relaxed SIMD: the deterministic choices of `simd_relaxed.rs`.
        I8x16RelaxedSwizzle => swizzle,
        F32x4RelaxedMin => |a, b| f32bin(a, b, fmin32),
        F32x4RelaxedMax => |a, b| f32bin(a, b, fmax32),
        F64x2RelaxedMin => |a, b| f64bin(a, b, fmin64),
        F64x2RelaxedMax => |a, b| f64bin(a, b, fmax64),
        I16x8RelaxedQ15mulrS => q15mulr,
        I16x8RelaxedDotI8x16I7x16S => relaxed::dot_i8x16_i7x16,
    }

    Ternary TERNARY: fn(u128, u128, u128) -> u128 = {
        V128Bitselect => bitselect,
        // Relaxed SIMD: the deterministic choices of `simd_relaxed.rs`.
        F32x4RelaxedMadd => relaxed::madd32,
        F32x4RelaxedNmadd => relaxed::nmadd32,
        F64x2RelaxedMadd => relaxed::madd64,
        F64x2RelaxedNmadd => relaxed::nmadd64,
        I8x16RelaxedLaneselect => bitselect,
        I16x8RelaxedLaneselect => bitselect,
        I32x4RelaxedLaneselect => bitselect,
        I64x2RelaxedLaneselect => bitselect,
        I32x4RelaxedDotI8x16I7x16AddS => relaxed::dot_i8x16_i7x16_add,
    }

    Test TEST: fn(u128) -> i32 = {
        V128AnyTrue => |a| (a != 0) as i32,
        I8x16AllTrue => all_true8,
        I8x16Bitmask => bitmask::<8>,
        I16x8AllTrue => all_true16,
        I16x8Bitmask => bitmask::<16>,
        I32x4AllTrue => all_true32,
        I32x4Bitmask => bitmask::<32>,
        I64x2AllTrue => all_true64,
        I64x2Bitmask => bitmask::<64>,
    }

    Shift SHIFT: fn(u128, u32) -> u128 = {
        I8x16Shl => |a, n| map8(a, |x| x.wrapping_shl(n)),
        I8x16ShrS => |a, n| map8(a, |x| (x as i8).wrapping_shr(n) as u8),
        I8x16ShrU => |a, n| map8(a, |x| x.wrapping_shr(n)),
        I16x8Shl => |a, n| map16(a, |x| x.wrapping_shl(n)),
        I16x8ShrS => |a, n| map16(a, |x| (x as i16).wrapping_shr(n) as u16),
        I16x8ShrU => |a, n| map16(a, |x| x.wrapping_shr(n)),
        I32x4Shl => |a, n| map32(a, |x| x.wrapping_shl(n)),
        I32x4ShrS => |a, n| map32(a, |x| (x as i32).wrapping_shr(n) as u32),
        I32x4ShrU => |a, n| map32(a, |x| x.wrapping_shr(n)),
        I64x2Shl => |a, n| map64(a, |x| x.wrapping_shl(n)),
        I64x2ShrS => |a, n| map64(a, |x| (x as i64).wrapping_shr(n) as u64),
        I64x2ShrU => |a, n| map64(a, |x| x.wrapping_shr(n)),
    }

    Splat SPLAT: fn(u64) -> u128 = {
        I8x16Splat => splat_n::<8>,
        I16x8Splat => splat_n::<16>,
        I32x4Splat => splat_n::<32>,
        I64x2Splat => splat_n::<64>,
        F32x4Splat => splat_n::<32>,
        F64x2Splat => splat_n::<64>,
    }

    ExtractLane EXTRACT: fn(u128, u8) -> u64 = {
        I8x16ExtractLaneS { lane } => extract_n::<8, true>,
        I8x16ExtractLaneU { lane } => extract_n::<8, false>,
        I16x8ExtractLaneS { lane } => extract_n::<16, true>,
        I16x8ExtractLaneU { lane } => extract_n::<16, false>,
        I32x4ExtractLane { lane } => extract_n::<32, false>,
        I64x2ExtractLane { lane } => extract_n::<64, false>,
        F32x4ExtractLane { lane } => extract_n::<32, false>,
        F64x2ExtractLane { lane } => extract_n::<64, false>,
    }

    ReplaceLane REPLACE: fn(u128, u8, u64) -> u128 = {
        I8x16ReplaceLane { lane } => replace_n::<8>,
        I16x8ReplaceLane { lane } => replace_n::<16>,
        I32x4ReplaceLane { lane } => replace_n::<32>,
        I64x2ReplaceLane { lane } => replace_n::<64>,
        F32x4ReplaceLane { lane } => replace_n::<32>,
        F64x2ReplaceLane { lane } => replace_n::<64>,
    }
}

// ---------------------------------------------------------------------------
// Run functions
// ---------------------------------------------------------------------------

/// Runs a [`SimdShape::Unary`] op.
#[inline]
pub fn unary(op: u16, a: u128) -> u128 {
    UNARY[op as usize](a)
}

/// Runs a [`SimdShape::Binary`] op.
#[inline]
pub fn binary(op: u16, a: u128, b: u128) -> u128 {
    BINARY[op as usize](a, b)
}

/// Runs a [`SimdShape::Ternary`] op (operands in stack order).
#[inline]
pub fn ternary(op: u16, a: u128, b: u128, c: u128) -> u128 {
    TERNARY[op as usize](a, b, c)
}

/// Runs a [`SimdShape::Test`] op.
#[inline]
pub fn test(op: u16, a: u128) -> i32 {
    TEST[op as usize](a)
}

/// Runs a [`SimdShape::Shift`] op; the count is taken modulo the lane width.
#[inline]
pub fn shift(op: u16, a: u128, count: u32) -> u128 {
    SHIFT[op as usize](a, count)
}

/// Runs a [`SimdShape::Splat`] op on a scalar given as raw bits.
#[inline]
pub fn splat(op: u16, x: u64) -> u128 {
    SPLAT[op as usize](x)
}

/// Runs a [`SimdShape::ExtractLane`] op, returning the scalar as raw bits.
#[inline]
pub fn extract_lane(op: u16, a: u128, lane: u8) -> u64 {
    EXTRACT[op as usize](a, lane)
}

/// Runs a [`SimdShape::ReplaceLane`] op with a scalar given as raw bits.
#[inline]
pub fn replace_lane(op: u16, a: u128, lane: u8, x: u64) -> u128 {
    REPLACE[op as usize](a, lane, x)
}

/// i8x16.shuffle: lanes selects bytes from the 32-byte concatenation of a (0..15) and b (16..31).
///
/// (i8x16.swizzle is a Binary op handled by [`classify`]; out-of-range indices give 0.)
pub fn shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
    let (x, y) = (get8(a), get8(b));
    put8(lanes.map(|l| {
        let l = (l & 31) as usize;
        if l < 16 {
            x[l]
        } else {
            y[l - 16]
        }
    }))
}

#[path = "simd_relaxed.rs"]
mod relaxed;

#[cfg(test)]
#[path = "simd_tests.rs"]
mod tests;
