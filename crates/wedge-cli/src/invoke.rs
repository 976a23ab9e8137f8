//! Parsing command-line arguments into wasm values and printing results.

use anyhow::{bail, Context, Result};
use wedge::{Val, ValType};

/// Parses one argument as a value of `ty`.
pub fn parse_arg(text: &str, ty: ValType) -> Result<Val> {
    let bad = || format!("cannot parse `{text}` as {ty}");
    Ok(match ty {
        ValType::I32 => Val::I32(parse_int(text, 32).with_context(bad)? as i32),
        ValType::I64 => Val::I64(parse_int(text, 64).with_context(bad)? as i64),
        ValType::F32 => Val::F32(text.parse::<f32>().with_context(bad)?.to_bits()),
        ValType::F64 => Val::F64(text.parse::<f64>().with_context(bad)?.to_bits()),
        ValType::V128 => {
            let hex = text.strip_prefix("0x").with_context(bad)?;
            Val::V128(u128::from_str_radix(hex, 16).with_context(bad)?)
        }
        ValType::Ref(_) => bail!("reference arguments cannot be passed on the command line"),
    })
}

/// Parses a decimal (possibly negative) or `0x` hex integer that fits in `bits`.
fn parse_int(text: &str, bits: u32) -> Result<u64> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16)?,
        None => digits.parse::<u64>()?,
    };
    let max_unsigned = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let min_signed_mag = 1u64 << (bits - 1);
    if neg {
        if magnitude > min_signed_mag {
            bail!("out of range");
        }
        Ok(magnitude.wrapping_neg() & max_unsigned)
    } else {
        if magnitude > max_unsigned {
            bail!("out of range");
        }
        Ok(magnitude)
    }
}

/// Formats a result value the way `--invoke` prints it.
pub fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::V128(x) => format!("0x{x:032x}"),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
            "null".into()
        }
        Val::FuncRef(Some(_)) => "funcref".into(),
        Val::ExternRef(Some(_)) => "externref".into(),
        Val::AnyRef(Some(r)) => match r.as_i31() {
            Some(v) => format!("i31 {v}"),
            None => "anyref".into(),
        },
        Val::ExnRef(Some(_)) => "exnref".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers_in_range() {
        assert_eq!(parse_arg("-1", ValType::I32).unwrap(), Val::I32(-1));
        assert_eq!(parse_arg("4294967295", ValType::I32).unwrap(), Val::I32(-1));
        assert_eq!(parse_arg("0x10", ValType::I64).unwrap(), Val::I64(16));
        assert!(parse_arg("4294967296", ValType::I32).is_err());
        assert!(parse_arg("-2147483649", ValType::I32).is_err());
        assert!(parse_arg("abc", ValType::I32).is_err());
    }

    #[test]
    fn parses_floats() {
        assert_eq!(
            parse_arg("1.5", ValType::F64).unwrap(),
            Val::F64(1.5f64.to_bits())
        );
        assert!(
            matches!(parse_arg("nan", ValType::F32).unwrap(), Val::F32(b) if f32::from_bits(b).is_nan())
        );
    }
}
