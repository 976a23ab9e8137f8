//! Integer division and remainder at their edges (divisor 0, -1, 1, powers of two, the
//! extremes; `INT_MIN / -1` traps, `INT_MIN % -1` is 0) in every form the compiler lowers
//! differently: both operands at run time, a constant divisor (Cranelift drops the zero and
//! -1 checks for a safe constant), both constant (folded at compile time), and a divisor
//! checked for 0 and -1 just before. Every result or trap is compared with a reference
//! computed here, under the interpreter and the compiler with and without inlining.
#![cfg(feature = "compiler")]

use wedge::*;

#[path = "support/engines.rs"]
mod engines;

/// The four operators, as in the text format after `i32.` / `i64.`.
const OPS: [&str; 4] = ["div_s", "div_u", "rem_s", "rem_u"];

/// Operand values of 32-bit operators (as i64, sign-extended).
const I32_VALUES: [i64; 10] = [
    0,
    1,
    -1,
    2,
    3,
    -7,
    i32::MIN as i64,
    i32::MIN as i64 + 1,
    i32::MAX as i64,
    0x1_0000,
];

/// Operand values of 64-bit operators.
const I64_VALUES: [i64; 11] = [
    0,
    1,
    -1,
    2,
    3,
    -7,
    i64::MIN,
    i64::MIN + 1,
    i64::MAX,
    1 << 32,
    (1 << 32) + 5,
];

/// Dividends of the functions whose operands are both constants.
const CONST_DIVIDENDS: [usize; 5] = [0, 2, 5, 6, 8];

/// What the specification says `a OP b` gives in a `bits`-bit type.
fn reference(op: &str, bits: u32, a: i64, b: i64) -> Result<i64, TrapKind> {
    if b == 0 {
        return Err(TrapKind::IntegerDivideByZero);
    }
    if bits == 32 {
        let (a, b) = (a as i32, b as i32);
        let (ua, ub) = (a as u32, b as u32);
        Ok(match op {
            "div_s" if a == i32::MIN && b == -1 => return Err(TrapKind::IntegerOverflow),
            "div_s" => a.wrapping_div(b) as i64,
            "div_u" => (ua / ub) as i32 as i64,
            "rem_s" => a.wrapping_rem(b) as i64,
            _ => (ua % ub) as i32 as i64,
        })
    } else {
        let (ua, ub) = (a as u64, b as u64);
        Ok(match op {
            "div_s" if a == i64::MIN && b == -1 => return Err(TrapKind::IntegerOverflow),
            "div_s" => a.wrapping_div(b),
            "div_u" => (ua / ub) as i64,
            "rem_s" => a.wrapping_rem(b),
            _ => (ua % ub) as i64,
        })
    }
}

/// The values and text-format type of a width.
fn values(bits: u32) -> (&'static [i64], &'static str) {
    if bits == 32 {
        (&I32_VALUES, "i32")
    } else {
        (&I64_VALUES, "i64")
    }
}

/// A module with, for each width and operator: `T_OP` (both operands are parameters),
/// `T_OP_cK` (the divisor is constant value K), `T_OP_J_K` (both constant) and `T_OP_checked`
/// (returns -42 without dividing when the divisor is 0 or -1).
fn module_text() -> String {
    let mut m = String::from("(module\n");
    for bits in [32, 64] {
        let (vals, t) = values(bits);
        for op in OPS {
            m += &format!(
                "(func (export \"{t}_{op}\") (param {t} {t}) (result {t})
                   ({t}.{op} (local.get 0) (local.get 1)))\n"
            );
            m += &format!(
                "(func (export \"{t}_{op}_checked\") (param {t} {t}) (result {t})
                   (if (i32.or ({t}.eqz (local.get 1)) ({t}.eq (local.get 1) ({t}.const -1)))
                     (then (return ({t}.const -42))))
                   ({t}.{op} (local.get 0) (local.get 1)))\n"
            );
            for (k, b) in vals.iter().enumerate() {
                m += &format!(
                    "(func (export \"{t}_{op}_c{k}\") (param {t}) (result {t})
                       ({t}.{op} (local.get 0) ({t}.const {b})))\n"
                );
                for j in CONST_DIVIDENDS {
                    let a = vals[j];
                    m += &format!(
                        "(func (export \"{t}_{op}_{j}_{k}\") (result {t})
                           ({t}.{op} ({t}.const {a}) ({t}.const {b})))\n"
                    );
                }
            }
        }
    }
    m + ")"
}

/// A width's value as the `Val` of that width.
fn val(bits: u32, v: i64) -> Val {
    if bits == 32 {
        Val::I32(v as i32)
    } else {
        Val::I64(v)
    }
}

/// Calls export `name` with `args`: its result (sign-extended to i64) or its trap.
fn call(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    bits: u32,
    args: &[i64],
) -> Result<i64, TrapKind> {
    let f = instance.get_func(&*store, name).expect("exported");
    let args: Vec<Val> = args.iter().map(|a| val(bits, *a)).collect();
    let mut out = [val(bits, 0)];
    f.call(store, &args, &mut out)
        .map(|()| match out[0] {
            Val::I32(v) => v as i64,
            Val::I64(v) => v,
            ref v => panic!("unexpected result {v:?}"),
        })
        .map_err(|e| e.as_trap().expect("a trap").kind())
}

#[test]
fn every_form_of_division_matches_the_specification_in_every_tier() {
    let text = module_text();
    for (engine_name, engine) in engines::interpreter_and_compilers() {
        let module = Module::new(&engine, &text).expect("module is valid");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("instantiates");
        let mut checked = 0;
        for bits in [32, 64] {
            let (vals, t) = values(bits);
            for op in OPS {
                for (k, &b) in vals.iter().enumerate() {
                    for (j, &a) in vals.iter().enumerate() {
                        let want = reference(op, bits, a, b);
                        let at = format!("{engine_name}: {t}.{op} {a} {b}");
                        let s = &mut store;
                        assert_eq!(
                            call(s, &instance, &format!("{t}_{op}"), bits, &[a, b]),
                            want,
                            "{at}"
                        );
                        assert_eq!(
                            call(s, &instance, &format!("{t}_{op}_c{k}"), bits, &[a]),
                            want,
                            "{at} (constant divisor)"
                        );
                        let guarded = if b == 0 || b == -1 { Ok(-42) } else { want };
                        assert_eq!(
                            call(s, &instance, &format!("{t}_{op}_checked"), bits, &[a, b]),
                            guarded,
                            "{at} (divisor checked before)"
                        );
                        if CONST_DIVIDENDS.contains(&j) {
                            assert_eq!(
                                call(s, &instance, &format!("{t}_{op}_{j}_{k}"), bits, &[]),
                                want,
                                "{at} (both constant)"
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 4 * (10 * 10 + 11 * 11));
    }
}

#[test]
fn the_edges_trap_or_wrap_as_specified() {
    // The reference itself, on the cases the brief names, so a wrong reference cannot make
    // the comparison above pass.
    assert_eq!(
        reference("rem_s", 32, i32::MIN as i64, -1),
        Ok(0),
        "INT_MIN % -1"
    );
    assert_eq!(reference("rem_s", 64, i64::MIN, -1), Ok(0));
    assert_eq!(
        reference("div_s", 32, i32::MIN as i64, -1),
        Err(TrapKind::IntegerOverflow)
    );
    assert_eq!(
        reference("div_s", 64, i64::MIN, -1),
        Err(TrapKind::IntegerOverflow)
    );
    for op in OPS {
        assert_eq!(reference(op, 32, 5, 0), Err(TrapKind::IntegerDivideByZero));
        assert_eq!(reference(op, 64, 5, 0), Err(TrapKind::IntegerDivideByZero));
    }
    assert_eq!(reference("div_u", 32, -1, 2), Ok(i32::MAX as i64));
    assert_eq!(reference("rem_u", 64, -1, 1 << 32), Ok(u32::MAX as i64));
}
