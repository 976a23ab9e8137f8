//! The interpreter's operand forms (see `interp/code.rs`): every integer operation, compare
//! and branch, load and store computes the same result whichever operands come from slots,
//! immediates or the accumulator, checked against Rust's arithmetic on edge values.
//!
//! Each operation is compiled in several shapes that make the translator pick each form:
//! operands from locals (slots), from constants (immediates, on either side), from the
//! result of the instruction just before (the accumulator, on either side), and mixes.

use wedge::*;

/// Edge values for 32-bit operands.
const EDGES_32: &[i64] = &[
    0,
    1,
    2,
    5,
    31,
    32,
    33,
    -1,
    -2,
    -7,
    i32::MIN as i64,
    i32::MAX as i64,
    0x1234_5678,
];

/// Edge values for 64-bit operands (some fit a sign-extended 32-bit immediate, some not).
const EDGES_64: &[i64] = &[
    0,
    1,
    2,
    63,
    64,
    65,
    -1,
    -7,
    i64::MIN,
    i64::MAX,
    0x1234_5678_9abc_def0,
    0xffff_ffff,
    0x7fff_ffff,
    -0x8000_0000,
    0x8000_0000,
];

/// What an operation does on raw operands (i32 values zero-extended), or how it traps.
type Reference = fn(u64, u64) -> Result<u64, TrapKind>;

/// An integer binary operation: its wat name, whether it is 64-bit, its semantics.
struct Op {
    name: &'static str,
    wide: bool,
    eval: Reference,
}

fn div_trap<T>(r: Option<T>, divisor_zero: bool) -> Result<T, TrapKind> {
    r.ok_or(if divisor_zero {
        TrapKind::IntegerDivideByZero
    } else {
        TrapKind::IntegerOverflow
    })
}

macro_rules! ops32 {
    ($($name:literal => |$x:ident, $y:ident| $e:expr;)*) => {
        &[$(Op {
            name: $name,
            wide: false,
            eval: |a, b| {
                let ($x, $y) = (a as u32, b as u32);
                let r: Result<u64, TrapKind> = $e;
                r
            },
        },)*]
    };
}

macro_rules! ops64 {
    ($($name:literal => |$x:ident, $y:ident| $e:expr;)*) => {
        &[$(Op {
            name: $name,
            wide: true,
            eval: |a, b| {
                let ($x, $y) = (a, b);
                let r: Result<u64, TrapKind> = $e;
                r
            },
        },)*]
    };
}

const OPS_32: &[Op] = ops32! {
    "i32.add" => |x, y| Ok(x.wrapping_add(y) as u64);
    "i32.sub" => |x, y| Ok(x.wrapping_sub(y) as u64);
    "i32.mul" => |x, y| Ok(x.wrapping_mul(y) as u64);
    "i32.and" => |x, y| Ok((x & y) as u64);
    "i32.or" => |x, y| Ok((x | y) as u64);
    "i32.xor" => |x, y| Ok((x ^ y) as u64);
    "i32.shl" => |x, y| Ok(x.wrapping_shl(y) as u64);
    "i32.shr_s" => |x, y| Ok((x as i32).wrapping_shr(y) as u32 as u64);
    "i32.shr_u" => |x, y| Ok(x.wrapping_shr(y) as u64);
    "i32.rotl" => |x, y| Ok(x.rotate_left(y % 32) as u64);
    "i32.rotr" => |x, y| Ok(x.rotate_right(y % 32) as u64);
    "i32.eq" => |x, y| Ok((x == y) as u64);
    "i32.ne" => |x, y| Ok((x != y) as u64);
    "i32.lt_s" => |x, y| Ok(((x as i32) < (y as i32)) as u64);
    "i32.lt_u" => |x, y| Ok((x < y) as u64);
    "i32.gt_s" => |x, y| Ok((x as i32 > y as i32) as u64);
    "i32.gt_u" => |x, y| Ok((x > y) as u64);
    "i32.le_s" => |x, y| Ok((x as i32 <= y as i32) as u64);
    "i32.le_u" => |x, y| Ok((x <= y) as u64);
    "i32.ge_s" => |x, y| Ok((x as i32 >= y as i32) as u64);
    "i32.ge_u" => |x, y| Ok((x >= y) as u64);
    "i32.div_s" => |x, y| div_trap((x as i32).checked_div(y as i32), y == 0).map(|v| v as u32 as u64);
    "i32.div_u" => |x, y| div_trap(x.checked_div(y), true).map(|v| v as u64);
    "i32.rem_s" => |x, y| div_trap((x as i32).checked_rem(y as i32).or((y != 0).then_some(0)), true)
        .map(|v| v as u32 as u64);
    "i32.rem_u" => |x, y| div_trap(x.checked_rem(y), true).map(|v| v as u64);
};

const OPS_64: &[Op] = ops64! {
    "i64.add" => |x, y| Ok(x.wrapping_add(y));
    "i64.sub" => |x, y| Ok(x.wrapping_sub(y));
    "i64.mul" => |x, y| Ok(x.wrapping_mul(y));
    "i64.and" => |x, y| Ok(x & y);
    "i64.or" => |x, y| Ok(x | y);
    "i64.xor" => |x, y| Ok(x ^ y);
    "i64.shl" => |x, y| Ok(x.wrapping_shl(y as u32));
    "i64.shr_s" => |x, y| Ok((x as i64).wrapping_shr(y as u32) as u64);
    "i64.shr_u" => |x, y| Ok(x.wrapping_shr(y as u32));
    "i64.rotl" => |x, y| Ok(x.rotate_left((y % 64) as u32));
    "i64.rotr" => |x, y| Ok(x.rotate_right((y % 64) as u32));
    "i64.eq" => |x, y| Ok((x == y) as u64);
    "i64.ne" => |x, y| Ok((x != y) as u64);
    "i64.lt_s" => |x, y| Ok(((x as i64) < (y as i64)) as u64);
    "i64.lt_u" => |x, y| Ok((x < y) as u64);
    "i64.gt_s" => |x, y| Ok((x as i64 > y as i64) as u64);
    "i64.gt_u" => |x, y| Ok((x > y) as u64);
    "i64.le_s" => |x, y| Ok((x as i64 <= y as i64) as u64);
    "i64.le_u" => |x, y| Ok((x <= y) as u64);
    "i64.ge_s" => |x, y| Ok((x as i64 >= y as i64) as u64);
    "i64.ge_u" => |x, y| Ok((x >= y) as u64);
    "i64.div_s" => |x, y| div_trap((x as i64).checked_div(y as i64), y == 0).map(|v| v as u64);
    "i64.div_u" => |x, y| div_trap(x.checked_div(y), true);
    "i64.rem_s" => |x, y| div_trap((x as i64).checked_rem(y as i64).or((y != 0).then_some(0)), true)
        .map(|v| v as u64);
    "i64.rem_u" => |x, y| div_trap(x.checked_rem(y), true);
};

impl Op {
    fn ty(&self) -> &'static str {
        if self.wide {
            "i64"
        } else {
            "i32"
        }
    }

    /// Whether the operation is a comparison.
    fn is_compare(&self) -> bool {
        ["eq", "ne", "lt", "gt", "le", "ge"]
            .iter()
            .any(|c| self.name[4..].starts_with(c))
    }

    /// The operation's result type.
    fn result(&self) -> &'static str {
        if self.is_compare() {
            "i32"
        } else {
            self.ty()
        }
    }

    fn edges(&self) -> &'static [i64] {
        if self.wide {
            EDGES_64
        } else {
            EDGES_32
        }
    }

    /// A raw operand as a `Val` of the operation's type.
    fn val(&self, raw: i64) -> Val {
        if self.wide {
            Val::I64(raw)
        } else {
            Val::I32(raw as i32)
        }
    }

    /// A raw operand as the slot value the reference expects.
    fn raw(&self, raw: i64) -> u64 {
        if self.wide {
            raw as u64
        } else {
            raw as u32 as u64
        }
    }
}

/// The shapes an operand can take in the generated code: a parameter (a slot), a constant
/// (an immediate or a constant slot) or a computed value (`x xor 0`, which a form reading
/// the accumulator picks up when the operation comes right after it).
#[derive(Clone, Copy, Debug)]
enum Shape {
    Param(u32),
    Const(i64),
    Computed(u32),
}

fn operand(op: &Op, shape: Shape) -> String {
    let t = op.ty();
    match shape {
        Shape::Param(i) => format!("(local.get {i})"),
        Shape::Const(c) => format!("({t}.const {c})"),
        Shape::Computed(i) => format!("({t}.xor (local.get {i}) ({t}.const 0))"),
    }
}

/// A function computing `op` on the two operand shapes, as a value or through a branch
/// (which the translator fuses with a compare).
fn function(op: &Op, name: &str, a: Shape, b: Shape, branch: bool) -> String {
    let params = [a, b]
        .iter()
        .filter(|s| !matches!(s, Shape::Const(_)))
        .map(|_| format!("(param {})", op.ty()))
        .collect::<Vec<_>>()
        .join(" ");
    let body = format!("({} {} {})", op.name, operand(op, a), operand(op, b));
    if branch {
        format!(
            "(func (export \"{name}\") {params} (result i32)
               (if (result i32) {body} (then (i32.const 7)) (else (i32.const 3))))\n"
        )
    } else {
        format!(
            "(func (export \"{name}\") {params} (result {}) {body})\n",
            op.result()
        )
    }
}

/// One generated function and the operands it computes on.
struct Case {
    name: String,
    a: Shape,
    b: Shape,
    branch: bool,
}

/// Numbers parameters in order of appearance.
fn shapes(a: Shape, b: Shape) -> (Shape, Shape) {
    let renumber = |s: Shape, i: u32| match s {
        Shape::Param(_) => Shape::Param(i),
        Shape::Computed(_) => Shape::Computed(i),
        c => c,
    };
    let first_is_param = !matches!(a, Shape::Const(_));
    (renumber(a, 0), renumber(b, u32::from(first_is_param)))
}

fn cases(op: &Op) -> Vec<Case> {
    let mut pairs = Vec::new();
    let p = Shape::Param(0);
    let c = Shape::Computed(0);
    for (a, b) in [(p, p), (c, p), (p, c), (c, c)] {
        pairs.push(shapes(a, b));
    }
    for &k in op.edges() {
        let k = Shape::Const(k);
        for (a, b) in [(p, k), (k, p), (c, k), (k, c)] {
            pairs.push(shapes(a, b));
        }
    }
    let compare = op.is_compare();
    let mut out = Vec::new();
    for (i, (a, b)) in pairs.into_iter().enumerate() {
        out.push(Case {
            name: format!("v{i}"),
            a,
            b,
            branch: false,
        });
        if compare {
            out.push(Case {
                name: format!("b{i}"),
                a,
                b,
                branch: true,
            });
        }
    }
    out
}

/// Runs every case of `op` on every combination of edge arguments under `engine`.
fn check_op(engine: &Engine, op: &Op) {
    let cases = cases(op);
    let mut wat = String::from("(module\n");
    for case in &cases {
        wat += &function(op, &case.name, case.a, case.b, case.branch);
    }
    wat += ")";
    let module = Module::new(engine, &wat).expect("generated module is valid");
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    for case in &cases {
        let func = instance.get_func(&store, &case.name).expect("export");
        let param_values = |s: Shape| match s {
            Shape::Const(k) => vec![k],
            _ => op.edges().to_vec(),
        };
        for &x in &param_values(case.a) {
            for &y in &param_values(case.b) {
                let mut args = Vec::new();
                if !matches!(case.a, Shape::Const(_)) {
                    args.push(op.val(x));
                }
                if !matches!(case.b, Shape::Const(_)) {
                    args.push(op.val(y));
                }
                let expected = (op.eval)(op.raw(x), op.raw(y)).map(|v| {
                    if case.branch {
                        if v != 0 {
                            7
                        } else {
                            3
                        }
                    } else {
                        v
                    }
                });
                let mut results = [Val::I64(0)];
                let got = func
                    .call(&mut store, &args, &mut results)
                    .map(|()| match results[0] {
                        Val::I32(v) => v as u32 as u64,
                        Val::I64(v) => v as u64,
                        ref other => panic!("unexpected result {other:?}"),
                    })
                    .map_err(|e| e.as_trap().expect("a trap").kind());
                assert_eq!(
                    got, expected,
                    "{} {:?} {:?} with {x} and {y} (branch: {})",
                    op.name, case.a, case.b, case.branch
                );
            }
        }
    }
}

/// The interpreter, plain and metered (the forms are the interpreter's; metering puts
/// instructions of its own at segment starts, which changes what the last pass sees).
fn engines() -> Vec<(&'static str, Engine)> {
    let mut plain = Config::new();
    plain.strategy(Strategy::Interpreter);
    let mut metered = Config::new();
    metered.strategy(Strategy::Interpreter).metering(true);
    vec![
        ("interpreter", Engine::new(&plain)),
        ("metered", Engine::new(&metered)),
    ]
}

#[test]
fn i32_operations_agree_in_every_operand_form() {
    for (_, engine) in engines() {
        for op in OPS_32 {
            check_op(&engine, op);
        }
    }
}

#[test]
fn i64_operations_agree_in_every_operand_form() {
    for (_, engine) in engines() {
        for op in OPS_64 {
            check_op(&engine, op);
        }
    }
}

/// Loads and stores with computed addresses and values, constant values, and extensions
/// of computed values.
const MEMORY: &str = r#"(module
  (memory 1)
  ;; store with a computed value, reload with a computed address
  (func (export "store_computed") (param $addr i32) (param $v i64) (result i64)
    (i64.store offset=8 (local.get $addr) (i64.xor (local.get $v) (i64.const 0)))
    (i64.load offset=8 (i32.add (local.get $addr) (i32.const 0))))
  ;; store at a computed address, values constant (immediates) and from a local
  (func (export "store_at_computed") (param $addr i32) (param $v i32) (result i32)
    (i32.store8 (i32.add (local.get $addr) (i32.const 1)) (local.get $v))
    (i32.store16 offset=2 (local.get $addr) (i32.const -2))
    (i32.store offset=4 (local.get $addr) (i32.const 0x12345678))
    (i64.store offset=8 (local.get $addr) (i64.const -3))
    (i32.add
      (i32.add (i32.load8_u offset=1 (local.get $addr)) (i32.load16_s offset=2 (local.get $addr)))
      (i32.add (i32.load offset=4 (local.get $addr)) (i32.wrap_i64 (i64.load offset=8 (local.get $addr))))))
  ;; sign and zero extensions of loads and of computed values
  (func (export "extend") (param $addr i32) (param $v i32) (result i64)
    (i32.store (local.get $addr) (local.get $v))
    (i64.add
      (i64.add (i64.load8_s (local.get $addr)) (i64.load16_u (i32.xor (local.get $addr) (i32.const 0))))
      (i64.add
        (i64.extend_i32_u (i32.xor (local.get $v) (i32.const 0)))
        (i64.extend_i32_s (i32.xor (local.get $v) (i32.const 0))))))
  ;; a computed address out of bounds traps
  (func (export "oob") (param $addr i32) (result i32)
    (i32.load (i32.add (local.get $addr) (i32.const 65532))))
  ;; eqz and br_if on computed values
  (func (export "eqz") (param $v i32) (result i32)
    (block $zero
      (br_if $zero (i32.eqz (i32.xor (local.get $v) (i32.const 0))))
      (return (i32.const 11)))
    (i32.const 22))
)"#;

#[test]
fn loads_and_stores_agree_in_every_operand_form() {
    for (_, engine) in engines() {
        let module = Module::new(&engine, MEMORY).expect("valid");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("instantiates");
        let f = instance
            .get_typed_func::<(i32, i64), i64>(&store, "store_computed")
            .unwrap();
        for v in [0, -1, i64::MIN, 0x1234_5678_9abc_def0] {
            assert_eq!(f.call(&mut store, (16, v)).unwrap(), v);
        }
        let f = instance
            .get_typed_func::<(i32, i32), i32>(&store, "store_at_computed")
            .unwrap();
        for v in [0i32, 0x1ff, -1] {
            let expected = (v as u8 as i32)
                .wrapping_add(-2)
                .wrapping_add(0x1234_5678)
                .wrapping_add(-3);
            assert_eq!(f.call(&mut store, (32, v)).unwrap(), expected, "{v}");
        }
        let f = instance
            .get_typed_func::<(i32, i32), i64>(&store, "extend")
            .unwrap();
        for v in [0i32, -1, 0x8081, i32::MIN] {
            let expected = (v as i8 as i64)
                .wrapping_add(v as u16 as i64)
                .wrapping_add(v as u32 as i64)
                .wrapping_add(v as i64);
            assert_eq!(f.call(&mut store, (64, v)).unwrap(), expected, "{v}");
        }
        let f = instance.get_typed_func::<i32, i32>(&store, "oob").unwrap();
        assert_eq!(f.call(&mut store, 0).unwrap(), 0);
        let trap = f.call(&mut store, 1).unwrap_err();
        assert_eq!(trap.as_trap().unwrap().kind(), TrapKind::MemoryOutOfBounds);
        let f = instance.get_typed_func::<i32, i32>(&store, "eqz").unwrap();
        assert_eq!(f.call(&mut store, 0).unwrap(), 22);
        assert_eq!(f.call(&mut store, 5).unwrap(), 11);
    }
}

/// Loops whose exit test is at the head (the translator moves the test to the back edge)
/// and branches to the function's end (which return at once).
const CONTROL: &str = r#"(module
  ;; 0 + 1 + ... + (n - 1), exit test at the loop head
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $s))
  ;; the smallest multiple of 3 above n, with an i64 test against a local
  (func (export "above") (param $n i64) (result i64) (local $i i64)
    (block $done
      (loop $next
        (br_if $done (i64.gt_s (local.get $i) (local.get $n)))
        (local.set $i (i64.add (local.get $i) (i64.const 3)))
        (br $next)))
    (local.get $i))
  ;; counting down to a constant: the head test has an immediate
  (func (export "down") (param $n i32) (result i32) (local $steps i32)
    (block $done
      (loop $next
        (br_if $done (i32.le_s (local.get $n) (i32.const -5)))
        (local.set $n (i32.sub (local.get $n) (i32.const 2)))
        (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
        (br $next)))
    (local.get $steps))
  ;; a br_table entry going back to the loop head, right before the exit
  (func (export "table") (param $n i32) (result i32) (local $i i32)
    (block $exit
      (loop $head
        (br_if $exit (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br_table $exit $head (i32.const 1))))
    (local.get $i))
  ;; results of both arms of an if, returned directly
  (func (export "abs") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 0))
      (then (i32.sub (i32.const 0) (local.get 0)))
      (else (local.get 0))))
)"#;

#[test]
fn loops_and_returns_agree_with_and_without_metering() {
    for (_, engine) in engines() {
        let module = Module::new(&engine, CONTROL).expect("valid");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("instantiates");
        let sum = instance.get_typed_func::<i32, i32>(&store, "sum").unwrap();
        for n in [0, 1, 2, 10, 1000] {
            assert_eq!(
                sum.call(&mut store, n).unwrap(),
                n * (n - 1) / 2 + n * (n == 0) as i32
            );
        }
        let above = instance
            .get_typed_func::<i64, i64>(&store, "above")
            .unwrap();
        for n in [-10i64, -1, 0, 1, 2, 3, 100] {
            let expected = if n < 0 { 0 } else { (n / 3 + 1) * 3 };
            assert_eq!(above.call(&mut store, n).unwrap(), expected, "{n}");
        }
        let down = instance.get_typed_func::<i32, i32>(&store, "down").unwrap();
        for n in [-100, -5, -4, 0, 7] {
            let expected = if n <= -5 { 0 } else { (n + 5 + 1) / 2 };
            assert_eq!(down.call(&mut store, n).unwrap(), expected, "{n}");
        }
        let table = instance
            .get_typed_func::<i32, i32>(&store, "table")
            .unwrap();
        for n in [0, 1, 5] {
            assert_eq!(table.call(&mut store, n).unwrap(), 2 * n);
        }
        let abs = instance.get_typed_func::<i32, i32>(&store, "abs").unwrap();
        for n in [0, 5, -5, i32::MIN] {
            assert_eq!(abs.call(&mut store, n).unwrap(), n.wrapping_abs());
        }
    }
}

/// A loop counting its rounds while it steps `$i` by `step` (wat, from `$i` and `$s`) and
/// goes on while `cmp` holds between the new `$i` and `$n`: the translator fuses the step
/// and the test into one instruction when the step is an immediate or a slot.
fn step_loop(name: &str, step: &str, cmp: &str) -> String {
    format!(
        r#"(func (export "{name}") (param $i i32) (param $s i32) (param $n i32) (result i32)
             (local $k i32)
             (loop $next
               (local.set $k (i32.add (local.get $k) (i32.const 1)))
               (br_if $next ({cmp} (local.tee $i {step}) (local.get $n))))
             (local.get $k))"#
    )
}

#[test]
fn fused_loop_steps_agree_with_separate_ones() {
    type Cmp = fn(i32, i32) -> bool;
    let cmps: [(&str, Cmp); 3] = [
        ("i32.lt_u", |x, n| (x as u32) < n as u32),
        ("i32.lt_s", |x, n| x < n),
        ("i32.ne", |x, n| x != n),
    ];
    // (wat of the new $i, its value from $i and $s)
    type Step = fn(i32, i32) -> i32;
    let steps: [(&str, &str, Step); 5] = [
        ("imm3", "(i32.add (local.get $i) (i32.const 3))", |i, _| {
            i.wrapping_add(3)
        }),
        (
            "imm_neg",
            "(i32.add (local.get $i) (i32.const -1))",
            |i, _| i.wrapping_sub(1),
        ),
        (
            "imm_big",
            "(i32.add (local.get $i) (i32.const 100000))",
            |i, _| i.wrapping_add(100_000),
        ),
        ("slot", "(i32.add (local.get $i) (local.get $s))", |i, s| {
            i.wrapping_add(s)
        }),
        (
            "slot_first",
            "(i32.add (local.get $s) (local.get $i))",
            |i, s| i.wrapping_add(s),
        ),
    ];
    let mut funcs = String::new();
    for (cmp, _) in &cmps {
        for (step_name, step, _) in &steps {
            funcs += &step_loop(&format!("{cmp}_{step_name}"), step, cmp);
        }
    }
    // A test of the new $i against itself (the bound is the stepped slot): one round.
    funcs += &step_loop("self", "(i32.add (local.get $i) (i32.const 1))", "i32.lt_u")
        .replace("(local.get $n))))", "(local.get $i))))");
    let wat = format!("(module {funcs})");
    // (start, step, bound): wrapping around both ways, signed and unsigned orders differing.
    let inputs: [(i32, i32, i32); 7] = [
        (0, 3, 10),
        (-10, 3, 5),
        (-3, 3, 10),
        (5, -1, 0),
        (0, -1, -3),
        (i32::MAX - 1, 3, i32::MIN + 5),
        (7, 100, 7),
    ];
    for (label, engine) in engines() {
        let module = Module::new(&engine, &wat).expect("valid");
        if label == "interpreter" {
            // The shapes above do make the fused forms.
            let code = module.disassemble(0).unwrap() + &module.disassemble(3).unwrap();
            assert!(code.contains("I32AddImmBrLtU"), "{code}");
            assert!(code.contains("I32AddBrLtU"), "{code}");
        }
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("instantiates");
        for (cmp, holds) in &cmps {
            for (step_name, _, next) in &steps {
                let name = format!("{cmp}_{step_name}");
                let f = instance
                    .get_typed_func::<(i32, i32, i32), i32>(&store, &name)
                    .unwrap();
                for &(start, s, n) in &inputs {
                    // The reference, given up on after 1000 rounds (those inputs are skipped).
                    let (mut i, mut k) = (start, 0);
                    let expected = loop {
                        k += 1;
                        i = next(i, s);
                        if !holds(i, n) {
                            break Some(k);
                        }
                        if k == 1000 {
                            break None;
                        }
                    };
                    if let Some(expected) = expected {
                        let got = f.call(&mut store, (start, s, n)).unwrap();
                        assert_eq!(got, expected, "{label} {name} {start} {s} {n}");
                    }
                }
            }
        }
        let f = instance
            .get_typed_func::<(i32, i32, i32), i32>(&store, "self")
            .unwrap();
        assert_eq!(f.call(&mut store, (0, 0, 0)).unwrap(), 1, "{label}");
    }
}

#[test]
fn results_returned_from_the_accumulator_reach_every_caller() {
    // `add3` returns the result of the instruction before its return: to the host (the
    // entry frame), to a caller in its instance, and to a caller in another instance.
    let provider = r#"(module
      (func $add3 (export "add3") (param i32 i32 i32) (result i32)
        (i32.add (i32.add (local.get 0) (local.get 1)) (local.get 2)))
      (func (export "twice") (param i32) (result i32)
        (i32.mul (call $add3 (local.get 0) (local.get 0) (i32.const 1)) (i32.const 2))))"#;
    let user = r#"(module
      (import "p" "add3" (func $add3 (param i32 i32 i32) (result i32)))
      (func (export "run") (param i32) (result i32)
        (i32.sub (call $add3 (local.get 0) (i32.const 10) (i32.const 100)) (i32.const 1))))"#;
    for (label, engine) in engines() {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let provider = Module::new(&engine, provider).unwrap();
        if label == "interpreter" {
            let code = provider.disassemble(0).unwrap();
            assert!(code.contains("ReturnAcc"), "{code}");
        }
        let p = linker.instantiate(&mut store, &provider).unwrap();
        linker.instance(&mut store, "p", p).unwrap();
        let u = linker
            .instantiate(&mut store, &Module::new(&engine, user).unwrap())
            .unwrap();
        let add3 = p
            .get_typed_func::<(i32, i32, i32), i32>(&store, "add3")
            .unwrap();
        assert_eq!(add3.call(&mut store, (1, 2, -4)).unwrap(), -1, "{label}");
        let twice = p.get_typed_func::<i32, i32>(&store, "twice").unwrap();
        assert_eq!(twice.call(&mut store, 5).unwrap(), 22, "{label}");
        let run = u.get_typed_func::<i32, i32>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, 7).unwrap(), 116, "{label}");
    }
}

#[test]
fn arguments_copied_in_pairs_arrive_in_order() {
    // Arguments from locals are copied into place two at a time; `$f` tells their order.
    let wat = r#"(module
      (func $f (param i32 i32 i32) (result i32)
        (i32.add (i32.mul (local.get 0) (i32.const 100))
          (i32.add (i32.mul (local.get 1) (i32.const 10)) (local.get 2))))
      (func (export "run") (param $a i32) (param $b i32) (param $c i32) (result i32)
        (local $x i32)
        (local.set $x (call $f (local.get $c) (local.get $a) (local.get $b)))
        (i32.add (local.get $x) (call $f (local.get $b) (local.get $b) (local.get $x)))))"#;
    for (label, engine) in engines() {
        let module = Module::new(&engine, wat).unwrap();
        if label == "interpreter" {
            let code = module.disassemble(1).unwrap();
            assert!(code.contains("CopyPair"), "{code}");
        }
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let run = instance
            .get_typed_func::<(i32, i32, i32), i32>(&store, "run")
            .unwrap();
        for (a, b, c) in [(1, 2, 3), (7, 0, 9), (-1, 5, 2)] {
            let x = c * 100 + a * 10 + b;
            let expected = x + (b * 100 + b * 10 + x);
            assert_eq!(
                run.call(&mut store, (a, b, c)).unwrap(),
                expected,
                "{label}"
            );
        }
    }
}

#[test]
fn selects_on_the_accumulator_pick_the_right_operand() {
    // The condition of each `select` is the result of the instruction right before it, so
    // the translator reads it from the accumulator (`SelectAcc`).
    let wat = r#"(module
      (func (export "pick64") (param $a i32) (param $b i32) (param $x i64) (param $y i64)
        (result i64)
        (select (local.get $x) (local.get $y) (i32.lt_u (local.get $a) (local.get $b))))
      (func (export "pick32") (param $a i32) (param $b i32) (result i32)
        (select (local.get $a) (local.get $b)
          (local.tee $a (i32.and (local.get $a) (local.get $b))))))"#;
    for (label, engine) in engines() {
        let module = Module::new(&engine, wat).unwrap();
        if label == "interpreter" {
            let code = module.disassemble(0).unwrap();
            assert!(code.contains("SelectAcc"), "{code}");
        }
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let pick64 = instance
            .get_typed_func::<(i32, i32, i64, i64), i64>(&store, "pick64")
            .unwrap();
        let pick32 = instance
            .get_typed_func::<(i32, i32), i32>(&store, "pick32")
            .unwrap();
        for &a in EDGES_32 {
            for &b in EDGES_32 {
                let (a, b) = (a as i32, b as i32);
                let expected = if (a as u32) < (b as u32) { -5 } else { 1 << 40 };
                let got = pick64.call(&mut store, (a, b, -5, 1 << 40)).unwrap();
                assert_eq!(got, expected, "{label} pick64 {a} {b}");
                // The condition is `a & b`, which `local.tee` also stores in `$a`: the
                // first operand was read before, so it is the old `$a`.
                let expected = if a & b != 0 { a } else { b };
                assert_eq!(
                    pick32.call(&mut store, (a, b)).unwrap(),
                    expected,
                    "{label}"
                );
            }
        }
    }
}

#[test]
fn jumps_to_jumps_and_table_entries_reach_their_final_target() {
    // A `br_table` whose cases end in `br $done`, right before the loop's `br $l`: the
    // translator points those branches (and the table's entries) at the loop head.
    let wat = r#"(module
      (func (export "run") (param $n i32) (result i32)
        (local $i i32) (local $acc i32)
        (block $exit
          (loop $l
            (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (block $done
              (block $c2
                (block $c1
                  (block $c0
                    (br_table $c0 $c1 $c2 $done (i32.and (local.get $i) (i32.const 3))))
                  (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
                  (br $done))
                (local.set $acc (i32.mul (local.get $acc) (i32.const 3)))
                (br $done))
              (local.set $acc (i32.xor (local.get $acc) (i32.const 0x55))))
            (br $l)))
        (local.get $acc)))"#;
    let reference = |n: i32| {
        let mut acc = 0i32;
        for i in 1..=n.max(0) {
            match i & 3 {
                0 => acc = acc.wrapping_add(1),
                1 => acc = acc.wrapping_mul(3),
                2 => acc ^= 0x55,
                _ => {}
            }
        }
        acc
    };
    for (label, engine) in engines() {
        let module = Module::new(&engine, wat).unwrap();
        if label == "interpreter" {
            // The table's index is the accumulator; its entries hold their targets' handlers.
            let code = module.disassemble(0).unwrap();
            assert!(code.contains("BrTableAcc"), "{code}");
            assert!(code.contains("BrEntry"), "{code}");
        }
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        for n in [0, 1, 2, 3, 4, 5, 17, 1000] {
            assert_eq!(
                run.call(&mut store, n).unwrap(),
                reference(n),
                "{label} {n}"
            );
        }
    }
}

#[test]
fn globals_move_through_the_accumulator() {
    // The shadow-stack prologue and epilogue of C and Rust functions: `global.set` of the
    // value the instruction before computed (`GlobalSetAcc`), and arithmetic on the value
    // a `global.get` just read.
    let wat = r#"(module
      (memory 1)
      (global $sp (export "sp") (mut i32) (i32.const 4096))
      (global $big (mut i64) (i64.const 0x1_0000_0000))
      (func $frame (export "frame") (param $x i32) (result i32)
        (local $fp i32)
        (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
        (i32.store offset=4 (local.get $fp) (local.get $x))
        (if (i32.gt_u (local.get $x) (i32.const 0))
          (then (drop (call $frame (i32.sub (local.get $x) (i32.const 1))))))
        (i32.add (i32.load offset=4 (local.get $fp)) (global.get $sp))
        (global.set $sp (i32.add (local.get $fp) (i32.const 16))))
      (func (export "bump") (param $d i64) (result i64)
        (global.set $big (i64.add (global.get $big) (local.get $d)))
        (global.get $big)))"#;
    for (label, engine) in engines() {
        let module = Module::new(&engine, wat).unwrap();
        if label == "interpreter" {
            let code = module.disassemble(0).unwrap();
            assert!(code.contains("GlobalSetAcc"), "{code}");
        }
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let frame = instance
            .get_typed_func::<i32, i32>(&store, "frame")
            .unwrap();
        let bump = instance.get_typed_func::<i64, i64>(&store, "bump").unwrap();
        for x in [0, 1, 5, 40] {
            // Each frame sees the stack pointer its own prologue left (4096 - 16).
            assert_eq!(frame.call(&mut store, x).unwrap(), x + 4080, "{label} {x}");
            let sp = instance.get_global(&store, "sp").unwrap().get(&store);
            assert_eq!(sp, Val::I32(4096), "{label} {x}");
        }
        let mut big = 1i64 << 32;
        for d in [1, -7, 1 << 40, i64::MIN] {
            big = big.wrapping_add(d);
            assert_eq!(bump.call(&mut store, d).unwrap(), big, "{label} {d}");
        }
    }
}
