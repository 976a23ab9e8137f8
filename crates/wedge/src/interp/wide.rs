//! Wide arithmetic: 128-bit addition and subtraction of (low, high) i64 pairs, and 64 × 64 →
//! 128-bit multiplication, each producing a (low, high) pair.

/// One wide-arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum WideOp {
    /// `i64.add128`: (a_lo, a_hi) + (b_lo, b_hi).
    Add128,
    /// `i64.sub128`: (a_lo, a_hi) - (b_lo, b_hi).
    Sub128,
    /// `i64.mul_wide_s`: signed a × b.
    MulWideS,
    /// `i64.mul_wide_u`: unsigned a × b.
    MulWideU,
}

impl WideOp {
    /// Number of i64 operands.
    pub fn operands(self) -> usize {
        match self {
            WideOp::Add128 | WideOp::Sub128 => 4,
            WideOp::MulWideS | WideOp::MulWideU => 2,
        }
    }
}

/// Evaluates the operator `op` (a `WideOp` as u16) on its operands; returns (low, high).
pub fn eval(op: u16, x: [u64; 4]) -> (u64, u64) {
    let pair = |lo: u64, hi: u64| (hi as u128) << 64 | lo as u128;
    let r = match op {
        o if o == WideOp::Add128 as u16 => pair(x[0], x[1]).wrapping_add(pair(x[2], x[3])),
        o if o == WideOp::Sub128 as u16 => pair(x[0], x[1]).wrapping_sub(pair(x[2], x[3])),
        o if o == WideOp::MulWideS as u16 => {
            ((x[0] as i64 as i128) * (x[1] as i64 as i128)) as u128
        }
        _ => (x[0] as u128) * (x[1] as u128),
    };
    (r as u64, (r >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_borrows_and_signs() {
        let add = WideOp::Add128 as u16;
        assert_eq!(eval(add, [u64::MAX, 0, 1, 0]), (0, 1));
        assert_eq!(
            eval(WideOp::Sub128 as u16, [0, 0, 1, 0]),
            (u64::MAX, u64::MAX)
        );
        assert_eq!(
            eval(WideOp::MulWideS as u16, [-1i64 as u64, 2, 0, 0]),
            (-2i64 as u64, u64::MAX)
        );
        assert_eq!(
            eval(WideOp::MulWideU as u16, [u64::MAX, 2, 0, 0]),
            (u64::MAX - 1, 1)
        );
    }
}
