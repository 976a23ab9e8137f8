//! Inlining of small direct callees: which functions are kept for inlining, and at which
//! call sites their code replaces the call.
//!
//! The compile driver first translates every *candidate* (a defined function whose wasm body
//! is at most [`LOOP_CALLEE`] bytes and which `func` found [`inlinable`]) and keeps its
//! Cranelift IR; then, before compiling each function, Cranelift's inliner copies candidates
//! into the function's direct `call`s while the function's growth budget lasts: callees of
//! at most [`SMALL_CALLEE`] bytes at any call, larger ones that have a loop of their own at
//! the function's calls inside a loop (a call in a loop nest: a JSON serializer's string
//! escaping called per value, a tokenizer's scan called per token).
//!
//! What stays true in inlined code:
//! - Traps keep their trap codes, so they map to the same trap kinds.
//! - Backtraces keep the inlined functions' frames ("virtual frames"): every instruction of
//!   an inlined copy gets the source location of its [`InlineSite`] (the inlined function
//!   and the site it was inlined into), so the machine code of each copy, its calls and its
//!   out-of-line trap instructions included, is known ([`InlinedRange`]).
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
//! - Recursion: a function whose calls of itself become a loop (`func::accumulate`; its body
//!   runs only harmless operators and calls of itself) is a candidate too, and a copy of it
//!   replaces its own calls, one level deep: the copy's calls of it stay calls, and no copy
//!   of it is inlined into a copy of itself. Recursive Fibonacci then makes 2.6 times fewer
//!   calls; every real frame still checks the stack, so unbounded recursion still exhausts it.
//!
//! [`inlinable`]: crate::func::Translated::inlinable

use crate::func::NS_FUNC;
use crate::{FuncBody, InlineSite, ModuleEnv};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, ExternalName, SourceLoc};
use cranelift_codegen::loop_analysis::LoopAnalysis;
use std::borrow::Cow;
use std::collections::HashSet;

/// Largest wasm body (in bytes, locals included) of a function that may be inlined anywhere.
const SMALL_CALLEE: usize = 100;

/// Largest wasm body of a function that may be inlined at a call inside a loop of the
/// function being compiled (see [`loop_calls`]).
const LOOP_CALLEE: usize = 1000;

/// Wasm bytes of inlined bodies every caller may take in; a larger caller may take in as
/// many bytes as its own body has (so it at most doubles).
const GROWTH_BUDGET: usize = 4000;

/// How deep inlined bodies nest (a callee's callees' callees are inlined too, theirs not).
const MAX_DEPTH: u32 = 3;

/// The source-location bit that marks an inlined copy's site (other locations are wasm
/// offsets plus one, which stay below it).
pub(crate) const SITE_BIT: u32 = 1 << 31;

/// Tags each call of a function body that may be inlined with its wasm offset: the inliner
/// drops source locations of the code it copies but keeps debug tags, so the site of a call
/// inlined from inlined code still knows where that call was.
pub(crate) fn tag_calls(func: &mut ir::Function) {
    let insts: Vec<ir::Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect();
    for inst in insts {
        let loc = func.srcloc(inst);
        if func.dfg.insts[inst].opcode().is_call()
            && !loc.is_default()
            && loc.bits() & SITE_BIT == 0
        {
            func.debug_tags
                .set(inst, [ir::DebugTag::User(loc.bits() - 1)]);
        }
    }
}

/// Whether inlining is done at all for a module.
pub(crate) fn enabled(env: &ModuleEnv) -> bool {
    env.inlining && env.metering.is_none() && !env.interruptible
}

/// Whether a defined function is worth translating as a candidate: a small one, or a larger
/// one with a `loop` (the only kind inlined beyond [`SMALL_CALLEE`]).
pub(crate) fn is_candidate(body: &FuncBody<'_>) -> bool {
    let len = body.bytes.len();
    len <= SMALL_CALLEE || (len <= LOOP_CALLEE && has_loop_operator(body))
}

/// Whether a body has a `loop` operator (false if it cannot be read: its translation reports
/// that).
fn has_loop_operator(body: &FuncBody<'_>) -> bool {
    let reader = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
        body.bytes,
        body.offset as u64,
    ));
    let Ok(mut ops) = reader.get_operators_reader() else {
        return false;
    };
    while !ops.eof() {
        match ops.read() {
            Ok(wasmparser::Operator::Loop { .. }) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// Cranelift's loop analysis of `func`'s control flow graph.
fn loops_of(func: &ir::Function) -> LoopAnalysis {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let mut loops = LoopAnalysis::new();
    loops.compute(func, &cfg, &domtree);
    loops
}

/// Whether `func` has a loop: a callee with one, inlined at a call inside a loop, puts its
/// loop where the caller's is (a loop nest in one function).
pub(crate) fn has_loop(func: &ir::Function) -> bool {
    loops_of(func).loops().next().is_some()
}

/// The direct calls of `func` that sit inside a loop (by Cranelift's loop analysis of its
/// control flow graph): the calls made most often, where a call costs most.
fn loop_calls(func: &ir::Function) -> HashSet<ir::Inst> {
    let loops = loops_of(func);
    func.layout
        .blocks()
        .filter(|b| loops.innermost_loop(*b).is_some())
        .flat_map(|b| func.layout.block_insts(b))
        .filter(|i| func.dfg.insts[*i].opcode() == ir::Opcode::Call)
        .collect()
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
    /// For each defined function, whether it is a recursive candidate (see
    /// [`Callee::recursive`]).
    pub(crate) recursive: Vec<bool>,
    /// For each defined function, whether it is a candidate with a loop.
    pub(crate) looping: Vec<bool>,
}

/// One candidate.
pub(crate) struct Callee {
    /// Its IR, translated for inlining.
    pub(crate) func: Box<ir::Function>,
    /// Whether it is a leaf (see [`crate::func::Translated::leaf`]).
    pub(crate) leaf: bool,
    /// Whether it calls itself (see [`crate::func::Translated::recursive`]).
    pub(crate) recursive: bool,
    /// Whether its body has a loop (see [`has_loop`]).
    pub(crate) looping: bool,
}

impl Callees<'_> {
    /// The candidate with module function index `index`, its body size, whether it is
    /// recursive and whether it has a loop.
    fn get(&self, index: u32) -> Option<(&ir::Function, usize, bool, bool)> {
        let i = index.checked_sub(self.env.num_imported_funcs)? as usize;
        let f = self.funcs.get(i)?.as_deref()?;
        let recursive = self.recursive.get(i).is_some_and(|r| *r);
        let looping = self.looping.get(i).is_some_and(|l| *l);
        Some((f, self.bodies[i].bytes.len(), recursive, looping))
    }

    /// The inlining decisions for the function with module index `caller`, whose IR is
    /// `func`.
    pub(crate) fn inliner(&self, caller: u32, func: &ir::Function) -> Inliner<'_> {
        let own = caller
            .checked_sub(self.env.num_imported_funcs)
            .and_then(|i| self.bodies.get(i as usize))
            .map_or(0, |b| b.bytes.len());
        Inliner {
            callees: self,
            caller,
            budget: GROWTH_BUDGET.max(own),
            in_loops: loop_calls(func),
            used: 0,
            starts: Vec::new(),
            sites: Vec::new(),
        }
    }
}

/// Decides, call by call, what to inline into one function.
pub(crate) struct Inliner<'a> {
    callees: &'a Callees<'a>,
    /// Module index of the function being compiled (inlined into itself only when
    /// recursive, one level deep).
    caller: u32,
    /// Wasm bytes of callees it may take in.
    budget: usize,
    /// Wasm bytes of callees taken in so far.
    used: usize,
    /// The function's own calls that sit inside a loop.
    in_loops: HashSet<ir::Inst>,
    /// For each body inlined so far, in order: the number of the first instruction of its
    /// copy. Cranelift numbers instructions in the order it creates them and copies one body
    /// completely before asking about the next call, so an instruction belongs to the last
    /// body whose copy starts at or before it (or to the function itself before the first).
    starts: Vec<u32>,
    /// The site of each body inlined so far, in the same order.
    pub(crate) sites: Vec<InlineSite>,
}

impl Inliner<'_> {
    /// Index in `sites` of the inlined body holding instruction `inst`, if any.
    fn site_of(&self, inst: ir::Inst) -> Option<u32> {
        let at = self.starts.partition_point(|start| *start <= inst.as_u32());
        at.checked_sub(1).map(|i| i as u32)
    }

    /// How deep site `site` is nested (1 for a body inlined into the function itself).
    fn depth(&self, mut site: Option<u32>) -> u32 {
        let mut depth = 0;
        while let Some(s) = site {
            depth += 1;
            site = self.sites[s as usize].parent;
        }
        depth
    }

    /// Whether site `site` or one it is nested in is a copy of function `func`.
    fn inside_copy_of(&self, mut site: Option<u32>, func: u32) -> bool {
        while let Some(s) = site {
            let s = &self.sites[s as usize];
            if s.func == func {
                return true;
            }
            site = s.parent;
        }
        false
    }

    /// After inlining: gives every instruction of an inlined copy the source location
    /// `SITE_BIT | site` (the function's own instructions keep their wasm offsets).
    pub(crate) fn mark_sites(&self, func: &mut ir::Function) {
        if self.sites.is_empty() {
            return;
        }
        let insts: Vec<ir::Inst> = func
            .layout
            .blocks()
            .flat_map(|b| func.layout.block_insts(b))
            .collect();
        for inst in insts {
            if let Some(site) = self.site_of(inst) {
                func.set_srcloc(inst, SourceLoc::new(SITE_BIT | site));
            }
        }
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
        if name.namespace != NS_FUNC {
            return InlineCommand::KeepCall;
        }
        let Some((body, size, recursive, looping)) = self.callees.get(name.index) else {
            return InlineCommand::KeepCall;
        };
        let parent = self.site_of(call);
        if name.index == self.caller && !(recursive && parent.is_none()) {
            return InlineCommand::KeepCall;
        }
        if recursive && self.inside_copy_of(parent, name.index) {
            return InlineCommand::KeepCall;
        }
        // Larger callees only if they have a loop themselves, at the function's own calls
        // inside a loop (a loop nest, the hot code of many programs), and not recursive ones
        // (whose copies would nest).
        let hot = parent.is_none() && !recursive && looping && self.in_loops.contains(&call);
        if size > if hot { LOOP_CALLEE } else { SMALL_CALLEE } {
            return InlineCommand::KeepCall;
        }
        if self.used + size > self.budget || self.depth(parent) + 1 > MAX_DEPTH {
            return InlineCommand::KeepCall;
        }
        self.used += size;
        let start = u32::try_from(caller.dfg.num_insts()).unwrap_or(u32::MAX);
        self.starts.push(start);
        // The call's location is its wasm offset plus one when the translator set it; a call
        // copied from an inlined body has none, but its last debug tag (see `tag_calls`).
        let loc = caller.srcloc(call);
        let call_offset = if !loc.is_default() && loc.bits() & SITE_BIT == 0 {
            Some(loc.bits() - 1)
        } else {
            match caller.debug_tags.get(call).last() {
                Some(ir::DebugTag::User(offset)) => Some(*offset),
                _ => None,
            }
        };
        self.sites.push(InlineSite {
            func: name.index,
            parent,
            call_offset,
        });
        // The inlined body's own calls are considered too, up to `MAX_DEPTH`.
        InlineCommand::Inline {
            callee: Cow::Borrowed(body),
            visit_callee: true,
        }
    }
}
