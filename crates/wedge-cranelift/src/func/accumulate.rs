//! Accumulator recursion: a function whose result is `x OP f(args)` for a call of itself
//! (`OP` one of wrapping integer add, mul, and, or, xor) becomes a loop for those calls.
//! `return x OP f(args)` turns into `acc = acc OP x; params = args; restart the body`, and
//! every return gives `acc OP value`. Recursive Fibonacci, `fib(n - 1) + fib(n - 2)`,
//! makes half as many calls.
//!
//! The rewrite changes nothing a guest can observe, because it is only made when:
//! - the body runs nothing that can trap or throw besides its calls to itself (no memory
//!   access, division, `unreachable`, call of another function, ...), so no trap can happen
//!   in a frame the loop replaced, and backtraces stay the same;
//! - some call to itself stays a call, so unbounded recursion still exhausts the stack as
//!   before (a function whose only self call is in that position is left alone);
//! - the code is neither metered nor interruptible (those count function entries).

use super::Translator;
use cranelift_codegen::ir::{self, types, InstBuilder, Type, Value};
use cranelift_frontend::Variable;
use std::collections::HashSet;
use wasmparser::{BinaryReader, FunctionBody, Operator};

/// The operator that combines a value with the result of a call of the function itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AccOp {
    Add,
    Mul,
    And,
    Or,
    Xor,
}

/// How a function's accumulator calls are translated.
pub(crate) struct Plan {
    /// Operator indices (in body order) of the calls that become loop iterations.
    sites: HashSet<usize>,
    op: AccOp,
    ty: Type,
    /// The accumulator and the loop head, once translation has begun.
    acc: Option<(Variable, ir::Block)>,
}

/// The accumulator operator and its type, if `op` is one.
fn acc_op(op: &Operator) -> Option<(AccOp, Type)> {
    use types::{I32, I64};
    Some(match op {
        Operator::I32Add => (AccOp::Add, I32),
        Operator::I64Add => (AccOp::Add, I64),
        Operator::I32Mul => (AccOp::Mul, I32),
        Operator::I64Mul => (AccOp::Mul, I64),
        Operator::I32And => (AccOp::And, I32),
        Operator::I64And => (AccOp::And, I64),
        Operator::I32Or => (AccOp::Or, I32),
        Operator::I64Or => (AccOp::Or, I64),
        Operator::I32Xor => (AccOp::Xor, I32),
        Operator::I64Xor => (AccOp::Xor, I64),
        _ => return None,
    })
}

/// Whether `op` can neither trap nor throw nor call anything (calls are looked at apart).
fn harmless(op: &Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        Block { .. }
            | Loop { .. }
            | If { .. }
            | Else
            | End
            | Br { .. }
            | BrIf { .. }
            | BrTable { .. }
            | Return
            | Nop
            | Drop
            | Select
            | TypedSelect { .. }
            | LocalGet { .. }
            | LocalSet { .. }
            | LocalTee { .. }
            | GlobalGet { .. }
            | GlobalSet { .. }
            | I32Const { .. }
            | I64Const { .. }
            | F32Const { .. }
            | F64Const { .. }
            | I32Eqz
            | I32Eq
            | I32Ne
            | I32LtS
            | I32LtU
            | I32GtS
            | I32GtU
            | I32LeS
            | I32LeU
            | I32GeS
            | I32GeU
            | I64Eqz
            | I64Eq
            | I64Ne
            | I64LtS
            | I64LtU
            | I64GtS
            | I64GtU
            | I64LeS
            | I64LeU
            | I64GeS
            | I64GeU
            | I32Clz
            | I32Ctz
            | I32Popcnt
            | I32Add
            | I32Sub
            | I32Mul
            | I32And
            | I32Or
            | I32Xor
            | I32Shl
            | I32ShrS
            | I32ShrU
            | I32Rotl
            | I32Rotr
            | I64Clz
            | I64Ctz
            | I64Popcnt
            | I64Add
            | I64Sub
            | I64Mul
            | I64And
            | I64Or
            | I64Xor
            | I64Shl
            | I64ShrS
            | I64ShrU
            | I64Rotl
            | I64Rotr
            | I32WrapI64
            | I64ExtendI32S
            | I64ExtendI32U
            | I32Extend8S
            | I32Extend16S
            | I64Extend8S
            | I64Extend16S
            | I64Extend32S
    )
}

/// Whether the value left by the operator before `ops[at]` is what the function returns:
/// only `end`s (of blocks whose result it becomes) and `return` follow, an `else` jumping
/// over its arm to the `end` of the `if`.
fn flows_to_return(ops: &[Operator], mut at: usize) -> bool {
    while let Some(op) = ops.get(at) {
        match op {
            Operator::Return => return true,
            Operator::End if at + 1 == ops.len() => return true,
            Operator::End => at += 1,
            Operator::Else => {
                let mut depth = 0u32;
                at += 1;
                loop {
                    match ops.get(at) {
                        Some(
                            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. },
                        ) => depth += 1,
                        Some(Operator::End) if depth == 0 => break,
                        Some(Operator::End) => depth -= 1,
                        Some(_) => {}
                        None => return false,
                    }
                    at += 1;
                }
            }
            _ => return false,
        }
    }
    false
}

/// The plan for function `func_index` with `results`, if its body qualifies (see the
/// module comment). `None` for any body it cannot read.
pub(crate) fn plan(func_index: u32, results: &[Type], body: crate::FuncBody<'_>) -> Option<Plan> {
    let [ty] = results else { return None };
    let body = FunctionBody::new(BinaryReader::new(body.bytes, body.offset as u64));
    let mut reader = body.get_operators_reader().ok()?;
    // Most bodies stop qualifying at an early operator: read no further than that.
    let mut ops = Vec::new();
    let mut self_calls = 0;
    while !reader.eof() {
        let op = reader.read().ok()?;
        match op {
            Operator::Call { function_index } if function_index == func_index => self_calls += 1,
            ref op if harmless(op) => {}
            _ => return None,
        }
        ops.push(op);
    }
    let mut chosen = None;
    let mut sites = HashSet::new();
    for (i, op) in ops.iter().enumerate() {
        if !matches!(op, Operator::Call { function_index } if *function_index == func_index) {
            continue;
        }
        let Some((acc, acc_ty)) = ops.get(i + 1).and_then(acc_op) else {
            continue;
        };
        if acc_ty != *ty || chosen.is_some_and(|c| c != acc) || !flows_to_return(&ops, i + 2) {
            continue;
        }
        chosen = Some(acc);
        sites.insert(i);
    }
    // Keep at least one real call, so unbounded recursion still exhausts the stack.
    if sites.is_empty() || sites.len() == self_calls {
        return None;
    }
    Some(Plan {
        sites,
        op: chosen?,
        ty: *ty,
        acc: None,
    })
}

impl Translator<'_, '_> {
    /// Combines two accumulator values.
    fn accumulate(&mut self, op: AccOp, a: Value, b: Value) -> Value {
        let ins = self.b.ins();
        match op {
            AccOp::Add => ins.iadd(a, b),
            AccOp::Mul => ins.imul(a, b),
            AccOp::And => ins.band(a, b),
            AccOp::Or => ins.bor(a, b),
            AccOp::Xor => ins.bxor(a, b),
        }
    }

    /// At the function entry (after the locals are declared): sets the accumulator to the
    /// operator's identity and starts the loop head, where the locals `from` on (the
    /// declared ones) get their zeros again.
    pub(crate) fn start_accumulating(&mut self, from: usize) {
        let Some(plan) = &self.accumulate else { return };
        let (op, ty) = (plan.op, plan.ty);
        let acc = self.b.declare_var(ty);
        let identity = match op {
            AccOp::Add | AccOp::Or | AccOp::Xor => 0,
            AccOp::Mul => 1,
            AccOp::And => -1,
        };
        let init = self.b.ins().iconst(ty, identity);
        self.b.def_var(acc, init);
        let head = self.b.create_block();
        self.b.ins().jump(head, &[]);
        self.b.switch_to_block(head);
        for i in from..self.locals.len() {
            let (var, ty) = self.locals[i];
            let zero = self.zero(ty);
            self.b.def_var(var, zero);
        }
        if let Some(plan) = &mut self.accumulate {
            plan.acc = Some((acc, head));
        }
    }

    /// Translates the call at operator index `index` as a loop iteration if it is one of
    /// the plan's sites (the accumulator operator after it is then unreachable and
    /// skipped); false if it is not.
    pub(crate) fn accumulate_call(&mut self, index: usize, params: usize) -> bool {
        let Some(plan) = &self.accumulate else {
            return false;
        };
        let (Some((acc, head)), true) = (plan.acc, plan.sites.contains(&index)) else {
            return false;
        };
        let op = plan.op;
        let args = self.popn(params);
        let x = self.pop();
        let sum = self.b.use_var(acc);
        let sum = self.accumulate(op, sum, x);
        self.b.def_var(acc, sum);
        for (i, v) in args.into_iter().enumerate() {
            let v = self.canon(v);
            self.b.def_var(self.locals[i].0, v);
        }
        self.b.ins().jump(head, &[]);
        self.reachable = false;
        true
    }

    /// The value to return: `acc OP value` with the plan, `value` without.
    pub(crate) fn accumulated(&mut self, vals: Vec<Value>) -> Vec<Value> {
        let Some((op, Some((acc, _)))) = self.accumulate.as_ref().map(|p| (p.op, p.acc)) else {
            return vals;
        };
        let sum = self.b.use_var(acc);
        vec![self.accumulate(op, sum, vals[0])]
    }

    /// Seals the loop head once every iteration's jump to it is in place.
    pub(crate) fn finish_accumulating(&mut self) {
        if let Some((_, head)) = self.accumulate.as_ref().and_then(|p| p.acc) {
            self.b.seal_block(head);
        }
    }
}
