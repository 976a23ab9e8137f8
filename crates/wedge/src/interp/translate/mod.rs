//! Translation of one function body from wasm operators to register bytecode.

mod assigned;
mod atomic_ops;
mod const_slots;
mod control;
mod deterministic;
mod exceptions;
mod gc;
mod memory_ops;
mod meter;
mod ops;
mod peephole;
mod stack;
mod tail_call;
mod wide;

use super::call_entry::HEAD_CHUNKS;
use super::code::{Instr, R};
use super::gc_code::{GcMap, GcSite, Handler};
use super::CompiledFunc;
use crate::module::ModuleInner;
use crate::types::ValType;
use crate::Error;
use stack::{ConstPool, Entry};
use wasmparser::{BinaryReader, FunctionBody, Operator};

/// Slots copied at a time when a frame is initialized from its template.
pub(crate) const INIT_CHUNK: usize = 4;

/// What kind of construct a control frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CtrlKind {
    /// The function body itself; branching to it returns.
    Func,
    Block,
    Loop,
    /// An `if` whose `else` has not been seen yet.
    If,
    Else,
    /// A `try_table` block.
    TryTable,
    /// A legacy `try` block before its first `catch`.
    Try,
    /// A legacy `try` block in its `catch` clauses.
    Catch,
}

/// Exception-handling state of a control frame.
struct TryInfo {
    /// First instruction of the try body.
    start: u32,
    /// One past the last instruction of a legacy try body.
    body_end: u32,
    /// The hidden slot holding a legacy try's caught exception.
    hidden: R,
    /// The catch clauses of a `try_table`.
    catches: Vec<wasmparser::Catch>,
    /// Handler entries of `delegate`s naming this frame's label, to resolve.
    delegates: Vec<usize>,
}

/// A control frame: a block, loop, if or the function body.
struct Ctrl {
    kind: CtrlKind,
    params: Vec<ValType>,
    results: Vec<ValType>,
    /// Stack length below the frame's parameters.
    height: usize,
    /// Canonical slot of the frame's first parameter/result.
    base: R,
    /// Where a loop's branches jump.
    loop_start: u32,
    /// Branch instructions to patch with the frame's end.
    patches: Vec<usize>,
    /// The `if` branch to patch with the start of `else` (or the end).
    else_patch: Option<usize>,
    /// Exception handling state (try blocks) and pending delegates.
    try_info: TryInfo,
}

impl Ctrl {
    /// Types a branch to this frame carries.
    fn label_types(&self) -> &[ValType] {
        if self.kind == CtrlKind::Loop {
            &self.params
        } else {
            &self.results
        }
    }
}

/// State while translating one function.
pub(crate) struct Translator<'a> {
    module: &'a ModuleInner,
    instrs: Vec<Instr>,
    stack: Vec<Entry>,
    ctrl: Vec<Ctrl>,
    /// Next free canonical slot.
    cur: R,
    /// Highest slot count used.
    max: R,
    locals: Vec<(ValType, R)>,
    consts: ConstPool,
    reachable: bool,
    /// Instruction index of the most recently bound label (jump target).
    last_label: usize,
    indirect_sites: Vec<(u32, u32)>,
    shuffles: Vec<[u8; 16]>,
    gc_sites: Vec<GcSite>,
    casts: Vec<crate::types::RefType>,
    /// Safepoint stack maps: (key, start, len) into `gc_slots`.
    gc_sites_map: Vec<(u32, u32, u32)>,
    gc_slots: Vec<R>,
    handlers: Vec<Handler>,
    /// Unused hidden slots for legacy try blocks (one reserved per `try`).
    hidden_slots: Vec<R>,
}

/// Where a function's parameters and locals live in its frame.
pub(crate) struct Layout {
    /// Per local index (parameters first): its type and first slot.
    pub locals: Vec<(ValType, R)>,
    /// Slots taken by the parameters.
    pub param_slots: R,
    /// First slot of the frame template (after the locals always written before read).
    pub init_at: R,
    /// One past the locals' last slot.
    pub locals_end: R,
}

/// The frame layout of defined function `func` with body `body`: the parameters, then the
/// locals always written before read (which a call leaves as the stack holds them), then
/// the others (zeroed by the frame template, which starts with them), each group in
/// declaration order.
pub(crate) fn frame_layout(
    module: &ModuleInner,
    func: u32,
    body: &FunctionBody<'_>,
) -> Result<Layout, Error> {
    let ty = module.func_type(func);
    let mut locals = Vec::new();
    let mut slot: R = 0;
    for (i, &p) in ty.params().iter().enumerate() {
        locals.push((p, slot, i));
        slot += p.slots();
    }
    let param_slots = slot;
    let mut declared = Vec::new();
    for local in body.get_locals_reader()? {
        let (count, t) = local?;
        let t = module.val_type(t);
        if declared.len() + count as usize >= 1 << 24 {
            return Err(Error::Limit("function has too many locals".into()));
        }
        declared.extend(std::iter::repeat_n(t, count as usize));
    }
    let needs_zero = assigned::needs_zero(body, ty.params().len() as u32, declared.len())?;
    let zeroed = |i: usize| needs_zero[i] || matches!(declared[i], ValType::Ref(_));
    let mut init_at = param_slots;
    for pass_zeroed in [false, true] {
        if pass_zeroed {
            init_at = slot;
        }
        for (i, &t) in declared.iter().enumerate() {
            if zeroed(i) == pass_zeroed {
                locals.push((t, slot, i));
                slot = slot
                    .checked_add(t.slots())
                    .filter(|s| *s < 1 << 24)
                    .ok_or_else(|| Error::Limit("function has too many locals".into()))?;
            }
        }
    }
    locals[ty.params().len()..].sort_unstable_by_key(|&(_, _, i)| i);
    Ok(Layout {
        locals: locals.into_iter().map(|(t, s, _)| (t, s)).collect(),
        param_slots,
        init_at,
        locals_end: slot,
    })
}

/// Translates the defined function with module function index `func`.
pub(crate) fn translate(module: &ModuleInner, func: u32) -> Result<CompiledFunc, Error> {
    let def = (func - module.num_imported_funcs) as usize;
    let range = module.bodies[def].clone();
    let body = FunctionBody::new(BinaryReader::new(
        &module.bytes[range.clone()],
        range.start as u64,
    ));
    let ty = module.func_type(func).clone();

    let Layout {
        locals,
        param_slots,
        init_at,
        locals_end,
    } = frame_layout(module, func, &body)?;
    let mut ref_slots: Vec<R> = locals
        .iter()
        .filter(|(t, _)| t.is_traced())
        .map(|&(_, s)| s)
        .collect();

    let mut consts = ConstPool::new(locals_end);
    consts.add(0, false);
    // Legacy `try` blocks each get a hidden slot, after the constants, for `rethrow`.
    let mut tries: R = 0;
    let mut wide_consts = false;
    for op in body.get_operators_reader()? {
        match op? {
            Operator::I32Const { value } => consts.add(value as u32 as u128, false),
            Operator::I64Const { value } => consts.add(value as u64 as u128, false),
            Operator::F32Const { value } => consts.add(value.bits() as u128, false),
            Operator::F64Const { value } => consts.add(value.bits() as u128, false),
            Operator::V128Const { value } => {
                wide_consts = true;
                consts.add(value.i128() as u128, true)
            }
            Operator::Try { .. } => tries += 1,
            _ => {}
        }
    }
    let hidden_start = locals_end + consts.values.len() as R;
    let temps_start = hidden_start
        .checked_add(tries)
        .filter(|s| *s < 1 << 24)
        .ok_or_else(|| Error::Limit("function has too many locals".into()))?;
    let hidden_slots: Vec<R> = (hidden_start..temps_start).rev().collect();
    ref_slots.extend_from_slice(&hidden_slots);

    let mut t = Translator {
        module,
        instrs: Vec::new(),
        stack: Vec::new(),
        ctrl: Vec::new(),
        cur: temps_start,
        max: temps_start.max(ty.result_slots()),
        locals,
        consts,
        reachable: true,
        last_label: 0,
        indirect_sites: Vec::new(),
        shuffles: Vec::new(),
        gc_sites: Vec::new(),
        casts: Vec::new(),
        gc_sites_map: Vec::new(),
        gc_slots: Vec::new(),
        handlers: Vec::new(),
        hidden_slots,
    };
    t.ctrl.push(Ctrl {
        kind: CtrlKind::Func,
        params: Vec::new(),
        results: ty.results().to_vec(),
        height: 0,
        base: temps_start,
        loop_start: 0,
        patches: Vec::new(),
        else_patch: None,
        try_info: TryInfo::none(),
    });

    let config = module.engine.config();
    let (countdown, call_cost) = crate::tier::counters(module);
    let mut points = meter::Points::new(config.metering, &config.cost_table, config.interruptible);
    points.tiering = call_cost != 0;
    let deterministic = config.deterministic;
    let mut reader = body.get_operators_reader()?;
    let mut skip_depth = 0u32;
    // `loop` operators read so far (reachable or not), and whether the function's locals
    // allow compiled code to take over a running call (see `tier::osr`).
    let mut loops = 0u32;
    let numeric = |ty: &ValType| {
        matches!(
            ty,
            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64
        )
    };
    let osr_locals = t.locals.iter().all(|(ty, _)| numeric(ty)) && ty.results().iter().all(numeric);
    // Module offset of the operator each instruction came from (for trap frames).
    let mut offsets: Vec<u32> = Vec::new();
    let mut at = range.start as u32;
    while !reader.eof() {
        offsets.resize(t.instrs.len(), at);
        at = reader.original_position() as u32;
        let op = reader.read()?;
        if let Operator::Loop { blockty } = op {
            points.loop_osr = match osr_locals && t.osr_loop(blockty) {
                true => loops,
                false => crate::interp::code::NO_OSR,
            };
            loops += 1;
        }
        if !t.reachable {
            match op {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::TryTable { .. }
                | Operator::Try { .. } => {
                    skip_depth += 1;
                    continue;
                }
                Operator::Else | Operator::Catch { .. } | Operator::CatchAll if skip_depth == 0 => {
                }
                Operator::End | Operator::Delegate { .. } if skip_depth == 0 => {}
                Operator::End | Operator::Delegate { .. } => {
                    skip_depth -= 1;
                    continue;
                }
                _ => continue,
            }
        } else if points.active() {
            t.before_operator(&mut points, &op);
        }
        if points.active() || deterministic {
            t.operator(op.clone())?;
            if deterministic && t.reachable {
                t.canonicalize_nans(&op);
            }
            t.after_operator(&mut points, &op);
        } else {
            t.operator(op)?;
        }
    }

    // The init template is padded to whole chunks so the executor copies it in fixed-size
    // pieces; the frame is made large enough for the padding.
    let refunds = t.finish_points(&mut points);
    offsets.resize(t.instrs.len(), at);
    let frame = peephole::Frame {
        consts: peephole::Consts {
            base: t.consts.base,
            values: &t.consts.values,
        },
        temps: temps_start,
    };
    peephole::optimize(&mut t.instrs, &frame, &t.handlers);
    // The template covers the constants still read, when the others can be dropped (not
    // with hidden slots, which it must zero, nor with wide constants).
    let kept = match tries == 0 && !wide_consts {
        true => const_slots::compact(&mut t.instrs, t.consts.base, &t.consts.values, temps_start),
        false => None,
    };
    let (consts_end, const_values) = match &kept {
        Some(values) => (locals_end + values.len() as R, values.as_slice()),
        None => (temps_start, t.consts.values.as_slice()),
    };
    let init_len = ((consts_end - init_at) as usize).next_multiple_of(INIT_CHUNK);
    let mut init = vec![0u64; init_len];
    let consts_at = (locals_end - init_at) as usize;
    init[consts_at..consts_at + const_values.len()].copy_from_slice(const_values);
    let mut ops: Box<[crate::interp::exec::Op]> = t
        .instrs
        .iter()
        .map(|&i| crate::interp::exec::Op::new(i))
        .collect();
    crate::interp::exec::link_table_entries(&mut ops);
    Ok(CompiledFunc {
        ops,
        index: func,
        param_slots,
        init_at,
        // Room for a template padded to the length calls copy unrolled (`call_entry.rs`).
        frame_slots: t
            .max
            .max(init_at + init_len.max(HEAD_CHUNKS * INIT_CHUNK) as R),
        init: init.into(),
        indirect_sites: t.indirect_sites.into(),
        shuffles: t.shuffles.into(),
        gc_sites: t.gc_sites.into(),
        casts: t.casts.into(),
        gc_map: GcMap {
            always: ref_slots.into(),
            sites: t.gc_sites_map.into(),
            slots: t.gc_slots.into(),
        },
        handlers: t.handlers.into(),
        refunds: refunds.into(),
        offsets: offsets.into(),
        call_cost,
        countdown: countdown.into(),
    })
}

impl Translator<'_> {
    /// Appends an instruction and returns its index.
    fn emit(&mut self, instr: Instr) -> usize {
        self.instrs.push(instr);
        self.instrs.len() - 1
    }

    /// The index the next instruction will have.
    fn pc(&self) -> u32 {
        self.instrs.len() as u32
    }

    /// Marks the current position as a jump target.
    fn bind_label(&mut self) {
        self.last_label = self.instrs.len();
    }

    /// Index of the last instruction (of a `select`: the one before its `Extra` word) if it
    /// wrote the top stack value and nothing jumps past it.
    fn last_producer_of_top(&self) -> Option<usize> {
        let top = self.stack.last()?;
        let mut idx = self.instrs.len().checked_sub(1)?;
        // A `select` ends in its `Extra` word.
        if let (Instr::Extra { .. }, Some(Instr::Select { .. } | Instr::Select2 { .. })) =
            (self.instrs[idx], idx.checked_sub(1).map(|i| self.instrs[i]))
        {
            idx -= 1;
        }
        if self.last_label > idx || top.slot != top.canon || top.local {
            return None;
        }
        let mut instr = self.instrs[idx];
        match instr.dst_mut() {
            Some(dst) if *dst == top.canon => Some(idx),
            _ => None,
        }
    }

    /// Whether compiled code may take over a running call at the head of a loop of type
    /// `bt` opened now: it has no parameters, nothing else is on the operand stack and no
    /// exception handler encloses it.
    fn osr_loop(&self, bt: wasmparser::BlockType) -> bool {
        self.stack.is_empty()
            && self.block_type(bt).0.is_empty()
            && self
                .ctrl
                .iter()
                .all(|c| !matches!(c.kind, CtrlKind::TryTable | CtrlKind::Try | CtrlKind::Catch))
    }

    /// Resolves a block type to its parameter and result types.
    fn block_type(&self, bt: wasmparser::BlockType) -> (Vec<ValType>, Vec<ValType>) {
        match bt {
            wasmparser::BlockType::Empty => (vec![], vec![]),
            wasmparser::BlockType::Type(t) => (vec![], vec![self.module.val_type(t)]),
            wasmparser::BlockType::FuncType(i) => {
                let ft = &self.module.types[i as usize];
                (ft.params().to_vec(), ft.results().to_vec())
            }
        }
    }

    fn unsupported(&self, op: &Operator<'_>) -> Error {
        Error::Invalid {
            message: format!("instruction not supported yet: {op:?}"),
            offset: 0,
        }
    }
}
