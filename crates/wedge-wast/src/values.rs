//! Values in spec scripts: turning `invoke` arguments into wedge values,
//! matching actual results against `assert_return` patterns, and printing both.

use wast::core::{
    AbstractHeapType, HeapType, NanPattern, V128Const, V128Pattern, WastArgCore, WastRetCore,
};
use wast::token::{F32, F64};
use wast::{WastArg, WastRet};
use wedge::{ExternRef, Store, Val};

use crate::error::Failure;

/// Converts an `invoke` argument to a wedge value; `ref.extern N` becomes a
/// fresh host reference holding `N` as a `u32`.
pub(crate) fn arg_to_val(store: &mut Store<()>, arg: &WastArg<'_>) -> Result<Val, Failure> {
    let WastArg::Core(arg) = arg else {
        return Err(Failure::Unsupported("component-model arguments".into()));
    };
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(v128_bits(v)),
        WastArgCore::RefNull(heap) => match abstract_heap(heap).map(hierarchy) {
            Some(Hierarchy::Func) => Val::FuncRef(None),
            Some(Hierarchy::Extern) => Val::ExternRef(None),
            Some(Hierarchy::Any) => Val::AnyRef(None),
            Some(Hierarchy::Exn) => Val::ExnRef(None),
            None => return Err(Failure::Unsupported(format!("argument ref.null {heap:?}"))),
        },
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef::new(store, *n))),
        WastArgCore::RefHost(n) => Val::AnyRef(Some(ExternRef::new(store, *n).to_any())),
    })
}

/// The four reference type hierarchies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hierarchy {
    Func,
    Extern,
    Any,
    Exn,
}

/// The hierarchy an abstract heap type belongs to.
fn hierarchy(ty: AbstractHeapType) -> Hierarchy {
    use AbstractHeapType as A;
    match ty {
        A::Func | A::NoFunc | A::Cont | A::NoCont => Hierarchy::Func,
        A::Extern | A::NoExtern => Hierarchy::Extern,
        A::Exn | A::NoExn => Hierarchy::Exn,
        A::Any | A::Eq | A::I31 | A::Struct | A::Array | A::None => Hierarchy::Any,
    }
}

/// The host `u32` an extern or any reference carries, if it is a host reference.
fn host_value(store: &Store<()>, r: ExternRef) -> Option<u32> {
    r.data(store)?.downcast_ref::<u32>().copied()
}

/// Returns the core pattern of an expected result, or an error for component values.
pub(crate) fn core_ret<'a, 'b>(ret: &'b WastRet<'a>) -> Result<&'b WastRetCore<'a>, Failure> {
    match ret {
        WastRet::Core(ret) => Ok(ret),
        _ => Err(Failure::Unsupported("component-model results".into())),
    }
}

/// Returns true if `actual` matches the expected result pattern.
pub(crate) fn matches(store: &Store<()>, expected: &WastRetCore<'_>, actual: &Val) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(e), Val::F32(a)) => f32_matches(e, *a),
        (WastRetCore::F64(e), Val::F64(a)) => f64_matches(e, *a),
        (WastRetCore::V128(e), Val::V128(a)) => v128_matches(e, *a),
        (WastRetCore::RefNull(heap), Val::FuncRef(None)) => null_of(heap.as_ref(), Hierarchy::Func),
        (WastRetCore::RefNull(heap), Val::ExternRef(None)) => {
            null_of(heap.as_ref(), Hierarchy::Extern)
        }
        (WastRetCore::RefNull(heap), Val::AnyRef(None)) => null_of(heap.as_ref(), Hierarchy::Any),
        (WastRetCore::RefNull(heap), Val::ExnRef(None)) => null_of(heap.as_ref(), Hierarchy::Exn),
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            host_value(store, *r) == Some(*n)
        }
        (WastRetCore::RefHost(n), Val::AnyRef(Some(r))) => {
            host_value(store, r.to_extern()) == Some(*n)
        }
        (WastRetCore::RefAny, Val::AnyRef(Some(_))) => true,
        (WastRetCore::RefEq, Val::AnyRef(Some(r))) => {
            r.as_i31().is_some() || r.is_struct(store) || r.is_array(store)
        }
        (WastRetCore::RefI31, Val::AnyRef(Some(r))) => r.as_i31().is_some(),
        (WastRetCore::RefStruct, Val::AnyRef(Some(r))) => r.is_struct(store),
        (WastRetCore::RefArray, Val::AnyRef(Some(r))) => r.is_array(store),
        // The script cannot name which function it expects, only that it is one.
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::Either(cases), actual) => {
            cases.iter().any(|case| matches(store, case, actual))
        }
        _ => false,
    }
}

/// Checks a `f32` result: `nan:canonical` accepts only the canonical NaN (either
/// sign), `nan:arithmetic` any NaN with the quiet bit set, a value its exact bits.
pub(crate) fn f32_matches(expected: &NanPattern<F32>, bits: u32) -> bool {
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

/// Checks a `f64` result the same way as [`f32_matches`].
pub(crate) fn f64_matches(expected: &NanPattern<F64>, bits: u64) -> bool {
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

/// Checks a `v128` result lane by lane, so float lanes may use NaN patterns.
fn v128_matches(expected: &V128Pattern, bits: u128) -> bool {
    let bytes = bits.to_le_bytes();
    match expected {
        V128Pattern::I8x16(lanes) => lanes_of::<1>(&bytes)
            .zip(lanes)
            .all(|(a, e)| a == e.to_le_bytes()),
        V128Pattern::I16x8(lanes) => lanes_of::<2>(&bytes)
            .zip(lanes)
            .all(|(a, e)| a == e.to_le_bytes()),
        V128Pattern::I32x4(lanes) => lanes_of::<4>(&bytes)
            .zip(lanes)
            .all(|(a, e)| a == e.to_le_bytes()),
        V128Pattern::I64x2(lanes) => lanes_of::<8>(&bytes)
            .zip(lanes)
            .all(|(a, e)| a == e.to_le_bytes()),
        V128Pattern::F32x4(lanes) => lanes_of::<4>(&bytes)
            .zip(lanes)
            .all(|(a, e)| f32_matches(e, u32::from_le_bytes(a))),
        V128Pattern::F64x2(lanes) => lanes_of::<8>(&bytes)
            .zip(lanes)
            .all(|(a, e)| f64_matches(e, u64::from_le_bytes(a))),
    }
}

/// Splits the 16 bytes of a vector into little-endian lanes of `N` bytes.
fn lanes_of<const N: usize>(bytes: &[u8; 16]) -> impl Iterator<Item = [u8; N]> + '_ {
    bytes
        .chunks_exact(N)
        .map(|chunk| chunk.try_into().expect("chunk has N bytes"))
}

/// The bits of a `v128.const` argument as one little-endian integer.
fn v128_bits(v: &V128Const) -> u128 {
    u128::from_le_bytes(v.to_le_bytes())
}

/// The abstract heap type of a `ref.null` operand, if it names one.
fn abstract_heap(heap: &HeapType<'_>) -> Option<AbstractHeapType> {
    match heap {
        HeapType::Abstract { shared: false, ty } => Some(*ty),
        _ => None,
    }
}

/// Returns true if a `ref.null` pattern with this (optional) heap type accepts a
/// null of the `actual` hierarchy (a concrete type name accepts any null).
fn null_of(heap: Option<&HeapType<'_>>, actual: Hierarchy) -> bool {
    match heap.map(abstract_heap) {
        None | Some(None) => true,
        Some(Some(ty)) => hierarchy(ty) == actual,
    }
}

/// Prints a list of actual values, each in the lane shape of the matching
/// expected pattern when there is one, e.g. `[i32.const 1, f32.const nan:0x200000]`.
pub(crate) fn describe_vals(
    store: &Store<()>,
    vals: &[Val],
    expected: &[&WastRetCore<'_>],
) -> String {
    let items: Vec<String> = vals
        .iter()
        .enumerate()
        .map(|(i, v)| describe_val(store, v, expected.get(i).copied()))
        .collect();
    format!("[{}]", items.join(", "))
}

/// Prints a list of expected result patterns in script syntax.
pub(crate) fn describe_rets(expected: &[&WastRetCore<'_>]) -> String {
    let items: Vec<String> = expected.iter().map(|r| describe_ret(r)).collect();
    format!("[{}]", items.join(", "))
}

/// Prints one actual value in script syntax.
fn describe_val(store: &Store<()>, val: &Val, shape: Option<&WastRetCore<'_>>) -> String {
    match val {
        Val::I32(v) => format!("i32.const {v}"),
        Val::I64(v) => format!("i64.const {v}"),
        Val::F32(bits) => format!("f32.const {}", f32_text(*bits)),
        Val::F64(bits) => format!("f64.const {}", f64_text(*bits)),
        Val::V128(bits) => format!("v128.const {}", v128_text(*bits, shape)),
        Val::FuncRef(None) => "ref.null func".to_string(),
        Val::FuncRef(Some(_)) => "ref.func".to_string(),
        Val::ExternRef(None) => "ref.null extern".to_string(),
        Val::ExternRef(Some(r)) => match host_value(store, *r) {
            Some(n) => format!("ref.extern {n}"),
            None => "ref.extern <internal or host data>".to_string(),
        },
        Val::AnyRef(None) => "ref.null any".to_string(),
        Val::AnyRef(Some(r)) => match (r.as_i31(), host_value(store, r.to_extern())) {
            (Some(v), _) => format!("ref.i31 {v}"),
            (_, Some(n)) => format!("ref.host {n}"),
            _ if r.is_struct(store) => "ref.struct".to_string(),
            _ if r.is_array(store) => "ref.array".to_string(),
            _ => "ref.any".to_string(),
        },
        Val::ExnRef(None) => "ref.null exn".to_string(),
        Val::ExnRef(Some(_)) => "ref.exn".to_string(),
    }
}

/// Prints one expected result pattern in script syntax.
fn describe_ret(ret: &WastRetCore<'_>) -> String {
    match ret {
        WastRetCore::I32(v) => format!("i32.const {v}"),
        WastRetCore::I64(v) => format!("i64.const {v}"),
        WastRetCore::F32(p) => format!("f32.const {}", nan_pattern_text(p, |v| f32_text(v.bits))),
        WastRetCore::F64(p) => format!("f64.const {}", nan_pattern_text(p, |v| f64_text(v.bits))),
        WastRetCore::V128(p) => format!("v128.const {}", v128_pattern_text(p)),
        WastRetCore::RefNull(None) => "ref.null".to_string(),
        WastRetCore::RefNull(Some(heap)) => match abstract_heap(heap) {
            Some(AbstractHeapType::Func) => "ref.null func".to_string(),
            Some(AbstractHeapType::Extern) => "ref.null extern".to_string(),
            _ => format!("ref.null {heap:?}"),
        },
        WastRetCore::RefExtern(None) => "ref.extern".to_string(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefFunc(_) => "ref.func".to_string(),
        WastRetCore::Either(cases) => {
            let cases: Vec<String> = cases.iter().map(describe_ret).collect();
            format!("either({})", cases.join(" | "))
        }
        other => format!("{other:?}"),
    }
}

/// Prints a NaN pattern, or the value through `value`.
fn nan_pattern_text<T: Copy>(p: &NanPattern<T>, value: impl Fn(T) -> String) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".to_string(),
        NanPattern::ArithmeticNan => "nan:arithmetic".to_string(),
        NanPattern::Value(v) => value(*v),
    }
}

/// Prints `f32` bits as a number, or as `nan:0x<payload>` with its sign.
fn f32_text(bits: u32) -> String {
    let v = f32::from_bits(bits);
    if v.is_nan() {
        let sign = if bits >> 31 == 1 { "-" } else { "" };
        format!("{sign}nan:{:#x}", bits & 0x007f_ffff)
    } else {
        format!("{v:?}")
    }
}

/// Prints `f64` bits as a number, or as `nan:0x<payload>` with its sign.
fn f64_text(bits: u64) -> String {
    let v = f64::from_bits(bits);
    if v.is_nan() {
        let sign = if bits >> 63 == 1 { "-" } else { "" };
        format!("{sign}nan:{:#x}", bits & 0x000f_ffff_ffff_ffff)
    } else {
        format!("{v:?}")
    }
}

/// Prints vector bits in the lane shape of `shape` (i32x4 when there is none).
fn v128_text(bits: u128, shape: Option<&WastRetCore<'_>>) -> String {
    let bytes = bits.to_le_bytes();
    let pattern = match shape {
        Some(WastRetCore::V128(p)) => p,
        _ => &V128Pattern::I32x4([0; 4]),
    };
    let lanes: Vec<String> = match pattern {
        V128Pattern::I8x16(_) => lanes_of::<1>(&bytes)
            .map(|l| i8::from_le_bytes(l).to_string())
            .collect(),
        V128Pattern::I16x8(_) => lanes_of::<2>(&bytes)
            .map(|l| i16::from_le_bytes(l).to_string())
            .collect(),
        V128Pattern::I32x4(_) => lanes_of::<4>(&bytes)
            .map(|l| i32::from_le_bytes(l).to_string())
            .collect(),
        V128Pattern::I64x2(_) => lanes_of::<8>(&bytes)
            .map(|l| i64::from_le_bytes(l).to_string())
            .collect(),
        V128Pattern::F32x4(_) => lanes_of::<4>(&bytes)
            .map(|l| f32_text(u32::from_le_bytes(l)))
            .collect(),
        V128Pattern::F64x2(_) => lanes_of::<8>(&bytes)
            .map(|l| f64_text(u64::from_le_bytes(l)))
            .collect(),
    };
    format!("{} {}", shape_name(pattern), lanes.join(" "))
}

/// Prints an expected vector pattern, lane by lane.
fn v128_pattern_text(p: &V128Pattern) -> String {
    let lanes: Vec<String> = match p {
        V128Pattern::I8x16(l) => l.iter().map(|v| v.to_string()).collect(),
        V128Pattern::I16x8(l) => l.iter().map(|v| v.to_string()).collect(),
        V128Pattern::I32x4(l) => l.iter().map(|v| v.to_string()).collect(),
        V128Pattern::I64x2(l) => l.iter().map(|v| v.to_string()).collect(),
        V128Pattern::F32x4(l) => l
            .iter()
            .map(|v| nan_pattern_text(v, |v| f32_text(v.bits)))
            .collect(),
        V128Pattern::F64x2(l) => l
            .iter()
            .map(|v| nan_pattern_text(v, |v| f64_text(v.bits)))
            .collect(),
    };
    format!("{} {}", shape_name(p), lanes.join(" "))
}

/// The text-format name of a vector lane shape.
fn shape_name(p: &V128Pattern) -> &'static str {
    match p {
        V128Pattern::I8x16(_) => "i8x16",
        V128Pattern::I16x8(_) => "i16x8",
        V128Pattern::I32x4(_) => "i32x4",
        V128Pattern::I64x2(_) => "i64x2",
        V128Pattern::F32x4(_) => "f32x4",
        V128Pattern::F64x2(_) => "f64x2",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32p(bits: u32) -> NanPattern<F32> {
        NanPattern::Value(F32 { bits })
    }

    #[test]
    fn canonical_nan_accepts_only_the_canonical_pattern_of_either_sign() {
        assert!(f32_matches(&NanPattern::CanonicalNan, 0x7fc0_0000));
        assert!(f32_matches(&NanPattern::CanonicalNan, 0xffc0_0000));
        assert!(!f32_matches(&NanPattern::CanonicalNan, 0x7fc0_0001));
        assert!(!f32_matches(&NanPattern::CanonicalNan, 0x7f80_0001));
        assert!(f64_matches(
            &NanPattern::CanonicalNan,
            0xfff8_0000_0000_0000
        ));
        assert!(!f64_matches(
            &NanPattern::CanonicalNan,
            0x7ff8_0000_0000_0001
        ));
    }

    #[test]
    fn arithmetic_nan_needs_the_quiet_bit() {
        assert!(f32_matches(&NanPattern::ArithmeticNan, 0x7fc0_0001));
        assert!(f32_matches(&NanPattern::ArithmeticNan, 0xffc0_0000));
        assert!(!f32_matches(&NanPattern::ArithmeticNan, 0x7f80_0001));
        assert!(!f32_matches(&NanPattern::ArithmeticNan, 0x3f80_0000));
        assert!(f64_matches(
            &NanPattern::ArithmeticNan,
            0x7ffc_0000_0000_0000
        ));
        assert!(!f64_matches(
            &NanPattern::ArithmeticNan,
            0x7ff0_0000_0000_0001
        ));
    }

    #[test]
    fn float_values_compare_bits_exactly() {
        assert!(f32_matches(&f32p(0x8000_0000), 0x8000_0000));
        assert!(!f32_matches(&f32p(0x8000_0000), 0));
    }

    #[test]
    fn vector_lanes_match_one_by_one() {
        let lanes = [
            NanPattern::CanonicalNan,
            f32p(1.0f32.to_bits()),
            NanPattern::ArithmeticNan,
            f32p(0),
        ];
        let pattern = V128Pattern::F32x4(lanes);
        let ok = u128::from_le_bytes(lane_bytes([0x7fc0_0000, 0x3f80_0000, 0xffc0_0001, 0]));
        let bad = u128::from_le_bytes(lane_bytes([0x7fc0_0001, 0x3f80_0000, 0xffc0_0001, 0]));
        assert!(v128_matches(&pattern, ok));
        assert!(!v128_matches(&pattern, bad));
        assert_eq!(
            v128_text(bad, Some(&WastRetCore::V128(pattern))),
            "f32x4 nan:0x400001 1.0 -nan:0x400001 0.0"
        );
    }

    fn lane_bytes(lanes: [u32; 4]) -> [u8; 16] {
        let mut bytes = [0; 16];
        for (chunk, lane) in bytes.chunks_exact_mut(4).zip(lanes) {
            chunk.copy_from_slice(&lane.to_le_bytes());
        }
        bytes
    }
}
