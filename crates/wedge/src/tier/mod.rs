//! Tiered execution: functions start in the interpreter and the hot ones are compiled.
//!
//! Under [`Strategy::Tiered`](crate::Strategy::Tiered) a module is loaded without compiling
//! anything. Each interpreted function has a countdown ([`CompiledFunc::countdown`]): a call
//! takes [`TierState::call_cost`] off it, a loop iteration 1 (a `TierCount` instruction at
//! every loop head). When it runs out the function is *hot*: it is queued for the compiler,
//! which compiles queued functions a batch at a time on a background thread
//! (`compile.rs`) into a code block of their own, and publishes each function's native
//! address in [`TierState::entries`].
//!
//! Compiled code of a batch calls the functions of its own block directly and every other
//! defined function of the module through that function's slot in the instance's context
//! block (see `runtime::vmctx`): the slot holds the function's native code once it has some,
//! until then its host trampoline, which runs it in the interpreter. Nothing is patched from
//! the compiler thread: a store brings an instance up to date itself, on its own thread
//! (`store.rs`) — when it first calls compiled code of the instance, and for each function
//! whose compiled code it comes across later (a call from interpreted code, or through a
//! slot still holding the trampoline). So interpreted code calls compiled code and the other
//! way round through the same paths as calls between instances of different tiers, and both
//! tiers share the store's memories, tables, globals, meter and exception state: results,
//! traps, gas and instruction counts do not depend on which functions run compiled.
//!
//! A function that becomes hot while it runs a loop continues in compiled code at the head
//! of that loop (on-stack replacement, `osr.rs`), where it can (no metering or interrupts,
//! only numeric locals, a loop entered with an empty operand stack and outside exception
//! handlers); elsewhere it finishes in the interpreter and only its later calls run compiled.
#![cfg_attr(not(feature = "compiler"), allow(dead_code, unused_imports))]

#[cfg(feature = "compiler")]
mod compile;
mod osr;
mod store;

pub(crate) use osr::entry as osr_entry;
pub(crate) use store::{invoke, invoke_from_native, invoke_osr};

use crate::interp::CompiledFunc;
use crate::module::ModuleInner;
use crate::runtime::InstanceEntity;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Whether an instance runs compiled code of a tiered module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InstanceTier {
    /// No: the module is not tiered, or the instance's memories lack the guard regions
    /// compiled code relies on.
    Off,
    /// Yes, but the instance has not run compiled code yet (its context block does not know
    /// about any).
    Detached,
    /// Yes, and its context block holds the trampolines (see `store::attach`).
    Attached,
}

/// The tiering state of a module: what is compiled and what waits for the compiler.
pub(crate) struct TierState {
    /// The native address of each defined function's compiled code, or 0.
    entries: Box<[AtomicUsize]>,
    /// Whether each defined function was queued for the compiler.
    queued: Box<[AtomicBool]>,
    /// Defined functions waiting for the compiler, in the order they became hot.
    queue: Mutex<Vec<u32>>,
    /// The first code block loaded, which holds the trampolines of every type.
    base: OnceLock<Arc<crate::native::NativeCode>>,
    /// Every code block loaded (kept as long as the module).
    blocks: Mutex<Vec<Arc<crate::native::NativeCode>>>,
    /// Set when compiling failed: the module's functions stay interpreted.
    failed: AtomicBool,
    /// Whether the module waits in the compiler's queue.
    scheduled: AtomicBool,
    /// One batch at a time per module.
    compiling: Mutex<()>,
    /// What the compiler needs to know about the whole module (made on first use).
    #[cfg(feature = "compiler")]
    inputs: OnceLock<Result<compile::Inputs, String>>,
    /// How much a call takes off a function's countdown.
    pub call_cost: i32,
    /// A function's countdown when it is translated.
    pub budget: i32,
    /// Compile on background threads (else on the thread that finds a function hot).
    background: bool,
    /// Entries of running calls into compiled code at loop heads (see `osr.rs`).
    osr: osr::Entries,
}

impl std::fmt::Debug for TierState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TierState")
            .field("compiled", &self.compiled_count())
            .finish_non_exhaustive()
    }
}

impl TierState {
    /// The state of a module of `funcs` defined functions, for an engine with `config`.
    pub fn new(config: &crate::Config, funcs: usize) -> TierState {
        let budget = config.tier_up_iterations.min(i32::MAX as u32 / 2) as i32;
        let call_cost = (config.tier_up_iterations / config.tier_up_calls).max(1);
        TierState {
            entries: (0..funcs).map(|_| AtomicUsize::new(0)).collect(),
            queued: (0..funcs).map(|_| AtomicBool::new(false)).collect(),
            queue: Mutex::new(Vec::new()),
            base: OnceLock::new(),
            blocks: Mutex::new(Vec::new()),
            failed: AtomicBool::new(false),
            scheduled: AtomicBool::new(false),
            compiling: Mutex::new(()),
            #[cfg(feature = "compiler")]
            inputs: OnceLock::new(),
            call_cost: call_cost.min(budget as u32) as i32,
            budget,
            background: config.tier_up_background,
            osr: osr::Entries::default(),
        }
    }

    /// The native code of defined function `def`, once compiled.
    pub fn entry(&self, def: u32) -> Option<usize> {
        let e = self.entries.get(def as usize)?.load(Ordering::Acquire);
        (e != 0).then_some(e)
    }

    /// The block with the trampolines, once any code is loaded.
    pub fn base(&self) -> Option<&Arc<crate::native::NativeCode>> {
        self.base.get()
    }

    /// How many calls running in the interpreter continued in compiled code at a loop head.
    pub fn osr_count(&self) -> usize {
        self.osr.taken()
    }

    /// How many defined functions have compiled code.
    pub fn compiled_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.load(Ordering::Relaxed) != 0)
            .count()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The tiering state a freshly parsed module gets: some when the engine is tiered and the
/// module has no native code yet.
pub(crate) fn state_for(m: &ModuleInner) -> Option<Box<TierState>> {
    let config = m.engine.config();
    (config.tiered() && m.native.is_none() && !m.bodies.is_empty())
        .then(|| Box::new(TierState::new(config, m.bodies.len())))
}

/// Whether an instance runs (or may run) compiled code of a tiered module.
pub(crate) fn runs_tiered(inst: &InstanceEntity) -> bool {
    inst.tier != InstanceTier::Off
}

/// The tier state of a new instance whose memories (imported first) are `fits`: whether
/// they have the guard regions compiled code relies on.
pub(crate) fn instance_tier(m: &ModuleInner, fits: bool) -> InstanceTier {
    if m.tier.is_some() && fits {
        InstanceTier::Detached
    } else {
        InstanceTier::Off
    }
}

/// What a function's countdown says when it runs out, called from the interpreter with the
/// function's module (`module` of instance `inst`) and defined-function index: true when
/// the function has compiled code the caller should run instead; otherwise the function is
/// queued for the compiler (once) and its countdown starts again.
pub(crate) fn ran_out(module: &Arc<ModuleInner>, inst: InstanceTier, code: &CompiledFunc) -> bool {
    let Some(tier) = module.tier.as_deref() else {
        return false;
    };
    let def = code.index - module.num_imported_funcs;
    let compiled = || {
        if inst == InstanceTier::Off || tier.entry(def).is_none() {
            return false;
        }
        if cheaper_interpreted(code) {
            // Compiled callers call the compiled code; interpreted ones keep interpreting
            // it, without counting any more.
            code.countdown.store(i32::MAX, Ordering::Relaxed);
            return false;
        }
        // Calls keep finding it at zero (and go to the compiled code); loop heads do not
        // count below zero.
        code.countdown.store(0, Ordering::Relaxed);
        true
    };
    if compiled() {
        return true;
    }
    if tier.failed.load(Ordering::Relaxed) {
        code.countdown.store(i32::MAX, Ordering::Relaxed);
        return false;
    }
    // Look again after a tenth of the budget (the compiler may be done by then).
    code.countdown
        .store((tier.budget / 10).max(1), Ordering::Relaxed);
    if !tier.queued[def as usize].swap(true, Ordering::Relaxed) {
        lock(&tier.queue).push(def);
        request(module, tier);
        // Compiling on this thread is done by now.
        return !tier.background && compiled();
    }
    false
}

/// Interpreted instructions of a function without loops below which interpreted code calls
/// it interpreted even when it has compiled code: entering compiled code from the
/// interpreter costs about as much as running that many instructions.
const SMALL_FUNCTION: usize = 48;

/// Whether calling a function from interpreted code is cheaper in the interpreter than
/// entering its compiled code: it is short and has no loop.
fn cheaper_interpreted(code: &CompiledFunc) -> bool {
    code.len() < SMALL_FUNCTION
        && !code
            .ops
            .iter()
            .any(|op| matches!(op.instr, crate::interp::Instr::TierCount { .. }))
}

/// Has the compiler look at a module's queue.
fn request(module: &Arc<ModuleInner>, tier: &TierState) {
    #[cfg(feature = "compiler")]
    {
        if tier.background {
            if !tier.scheduled.swap(true, Ordering::AcqRel) {
                compile::schedule(Arc::downgrade(module));
            }
        } else {
            compile::compile_queued(module);
        }
    }
    #[cfg(not(feature = "compiler"))]
    {
        let _ = (module, tier);
    }
}

/// Initial countdown and call cost for a function translated for module `m` (0 and 0 when
/// the module is not tiered: then nothing counts).
pub(crate) fn counters(m: &ModuleInner) -> (i32, i32) {
    match m.tier.as_deref() {
        Some(t) => (t.budget, t.call_cost),
        None => (0, 0),
    }
}

/// Counts a call off a function's countdown (`cost` is [`TierState::call_cost`]); true if
/// it had run out (the interpreter then calls [`ran_out`] before the call).
#[inline(always)]
pub(crate) fn count_call(countdown: &AtomicI32, cost: i32) -> bool {
    let n = countdown.load(Ordering::Relaxed);
    if n <= 0 {
        return true;
    }
    countdown.store(n - cost, Ordering::Relaxed);
    false
}

/// Counts a loop iteration off a function's countdown; true if this ran it out (the
/// interpreter then calls [`ran_out`]). It never goes below zero, so once the function has
/// compiled code (and the countdown stays at zero) its running loops count nothing.
#[inline(always)]
pub(crate) fn count_iteration(countdown: &AtomicI32) -> bool {
    let n = countdown.load(Ordering::Relaxed);
    if n <= 0 {
        return false;
    }
    countdown.store(n - 1, Ordering::Relaxed);
    n == 1
}
