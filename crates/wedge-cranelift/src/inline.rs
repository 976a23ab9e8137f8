//! Inlining of small direct callees: which functions are kept for inlining, and at which
//! call sites their code replaces the call.
//!
//! The compile driver first translates every *candidate* (a defined function whose wasm body
//! is at most [`SMALL_CALLEE`] bytes and which `func` found [`inlinable`]) and keeps its
//! Cranelift IR; then, before compiling each function, Cranelift's inliner copies candidates
//! into the function's direct `call`s while the function's growth budget lasts.
//!
//! What stays true in inlined code:
//! - Traps keep their trap codes, so they map to the same trap kinds; a trap inside inlined
//!   code is reported in the frame of the function it was inlined into (the callee's frame
//!   does not exist).
//! - Leaves: a candidate that calls nothing can neither throw nor grow a memory, so its
//!   callers skip the exception check and the reload of memory lengths after calling it,
//!   inlined or not. Copies for inlining have no stack check (the caller's covers them).
//! - Exceptions: an inlined callee that sees an exception pending after one of its calls
//!   "returns" (jumps past the inlined body with zero results), and the caller's own check
//!   after the call site, which stays, dispatches it as before.
//! - The collector's stack maps: Cranelift adds the call site's entries to every call inside
//!   the inlined body, and moves the callee's own entries into the caller's frame.
//! - Nothing is inlined when metering or interruption is on: their counts and checks are per
//!   function and per operator, and inlining would move them.
//!
//! [`inlinable`]: crate::func::Translated::inlinable

use crate::func::NS_FUNC;
use crate::{FuncBody, ModuleEnv};
use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, ExternalName};
use std::borrow::Cow;

/// Largest wasm body (in bytes, locals included) of a function that may be inlined.
pub(crate) const SMALL_CALLEE: usize = 100;

/// Wasm bytes of inlined bodies every caller may take in; a larger caller may take in as
/// many bytes as its own body has (so it at most doubles).
const GROWTH_BUDGET: usize = 2000;

/// How deep inlined bodies nest (a callee's callees' callees are inlined too, theirs not).
const MAX_DEPTH: u32 = 3;

/// Whether inlining is done at all for a module.
pub(crate) fn enabled(env: &ModuleEnv) -> bool {
    env.inlining && env.metering.is_none() && !env.interruptible
}

/// Whether a defined function is worth translating as a candidate.
pub(crate) fn is_candidate(body: &FuncBody<'_>) -> bool {
    body.bytes.len() <= SMALL_CALLEE
}

/// The candidates of a module: the IR of each defined function that may be inlined.
pub(crate) struct Callees<'a> {
    /// Module environment (for the number of imported functions).
    pub(crate) env: &'a ModuleEnv,
    /// The defined functions' bodies (for their sizes).
    pub(crate) bodies: &'a [FuncBody<'a>],
    /// Each defined function's IR (without the stack check) if it is a candidate.
    pub(crate) funcs: Vec<Option<Box<ir::Function>>>,
    /// For each defined function, whether it is a leaf (empty without inlining).
    pub(crate) leaves: Vec<bool>,
}

/// One candidate.
pub(crate) struct Callee {
    /// Its IR, translated for inlining.
    pub(crate) func: Box<ir::Function>,
    /// Whether it is a leaf (see [`crate::func::Translated::leaf`]).
    pub(crate) leaf: bool,
}

impl Callees<'_> {
    /// The candidate with module function index `index`, and its body size.
    fn get(&self, index: u32) -> Option<(&ir::Function, usize)> {
        let i = index.checked_sub(self.env.num_imported_funcs)? as usize;
        let f = self.funcs.get(i)?.as_deref()?;
        Some((f, self.bodies[i].bytes.len()))
    }

    /// The inlining decisions for the function with module index `caller`.
    pub(crate) fn inliner(&self, caller: u32) -> Inliner<'_> {
        let own = caller
            .checked_sub(self.env.num_imported_funcs)
            .and_then(|i| self.bodies.get(i as usize))
            .map_or(0, |b| b.bytes.len());
        Inliner {
            callees: self,
            caller,
            budget: GROWTH_BUDGET.max(own),
            used: 0,
            inlined: Vec::new(),
        }
    }
}

/// Decides, call by call, what to inline into one function.
pub(crate) struct Inliner<'a> {
    callees: &'a Callees<'a>,
    /// Module index of the function being compiled (never inlined into itself).
    caller: u32,
    /// Wasm bytes of callees it may take in.
    budget: usize,
    /// Wasm bytes of callees taken in so far.
    used: usize,
    /// For each body inlined so far, in order: the number of the first instruction of its
    /// copy, and how deep it is nested. Cranelift numbers instructions in the order it
    /// creates them and copies one body completely before asking about the next call, so
    /// an instruction belongs to the last body whose copy starts at or before it (or to the
    /// function itself, at depth 0, before the first).
    inlined: Vec<(u32, u32)>,
}

impl Inliner<'_> {
    /// How deep the inlined body holding instruction `inst` is nested.
    fn depth(&self, inst: ir::Inst) -> u32 {
        let at = self
            .inlined
            .partition_point(|(start, _)| *start <= inst.as_u32());
        at.checked_sub(1).map_or(0, |i| self.inlined[i].1)
    }
}

impl Inline for Inliner<'_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        call: ir::Inst,
        opcode: ir::Opcode,
        callee: ir::FuncRef,
        _args: &[ir::Value],
    ) -> InlineCommand<'_> {
        // Tail calls stay calls: they promise not to grow the stack.
        if opcode != ir::Opcode::Call {
            return InlineCommand::KeepCall;
        }
        let ExternalName::User(name) = caller.dfg.ext_funcs[callee].name else {
            return InlineCommand::KeepCall;
        };
        let name = &caller.params.user_named_funcs()[name];
        if name.namespace != NS_FUNC || name.index == self.caller {
            return InlineCommand::KeepCall;
        }
        let Some((body, size)) = self.callees.get(name.index) else {
            return InlineCommand::KeepCall;
        };
        let depth = self.depth(call) + 1;
        if self.used + size > self.budget || depth > MAX_DEPTH {
            return InlineCommand::KeepCall;
        }
        self.used += size;
        let start = u32::try_from(caller.dfg.num_insts()).unwrap_or(u32::MAX);
        self.inlined.push((start, depth));
        // The inlined body's own calls are considered too, up to `MAX_DEPTH`.
        InlineCommand::Inline {
            callee: Cow::Borrowed(body),
            visit_callee: true,
        }
    }
}
