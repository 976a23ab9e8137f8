//! On-stack replacement: a call that is running a hot loop in the interpreter continues in
//! compiled code at the head of that loop.
//!
//! The interpreter's `TierCount` at a loop head names the loop (its index among the body's
//! `loop` operators) when compiled code may take over there: the loop has no parameters,
//! nothing else is on the operand stack, no exception handler encloses it, and the function
//! has only numeric locals. When the function's countdown runs out there, [`entry`] asks for
//! an *OSR entry* of that (function, loop): the function's body compiled with an entry that
//! takes the values of its locals and jumps to the loop's header
//! (`wedge_cranelift::compile_osr_entry`), compiled like hot functions (on the background
//! thread, or right away). Once it is ready the interpreter copies the locals out of its
//! frame, pops the frame and calls the entry ([`super::store::invoke_osr`]), whose results
//! are the call's. Nothing is charged twice or skipped: OSR is off with metering and with
//! interrupts (whose checks sit at loop heads in both tiers).

use super::{lock, InstanceTier, TierState};
use crate::interp::CompiledFunc;
use crate::module::ModuleInner;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// An entry waiting for the compiler.
const WAITING: usize = 0;
/// An entry the compiler refused.
const FAILED: usize = 1;

/// A module's OSR entries.
#[derive(Default)]
pub(crate) struct Entries {
    /// Per (defined function, loop): [`WAITING`], [`FAILED`] or the entry's address.
    states: Mutex<HashMap<(u32, u32), usize>>,
    /// Entries waiting for the compiler, in the order they were asked for.
    queue: Mutex<Vec<(u32, u32)>>,
    /// How many calls continued in compiled code.
    taken: AtomicUsize,
}

impl Entries {
    /// How many calls continued in compiled code.
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::Relaxed)
    }

    /// Counts a call that continued in compiled code.
    pub fn count_taken(&self) {
        self.taken.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes the entries waiting for the compiler.
    pub fn take_queue(&self) -> Vec<(u32, u32)> {
        std::mem::take(&mut *lock(&self.queue))
    }

    /// Whether entries wait for the compiler.
    pub fn queued(&self) -> bool {
        !lock(&self.queue).is_empty()
    }

    /// Records the compiled entry of (`def`, `at`): its address, or None if refused.
    pub fn publish(&self, def: u32, at: u32, code: Option<usize>) {
        lock(&self.states).insert((def, at), code.unwrap_or(FAILED));
    }
}

/// Whether an engine's settings allow OSR at all.
pub(crate) fn allowed(config: &crate::Config) -> bool {
    !config.metering && !config.interruptible
}

/// The OSR entry of the running function `code` (of `module`, in an instance whose tier is
/// `inst`) at its loop `at`, called when its countdown ran out at that loop's head: the
/// entry's address once it is compiled (and the function's own code too: the entry calls
/// through the same context block). Else the entry is asked for (and compiled now when
/// not compiling in the background) if the same call ran out `again` at this loop (the
/// last time its countdown ran out was here too) and the function has no entry yet, and
/// the countdown set so that the loop head asks again later. Asking only for loops that
/// keep a call looping after the first time spares compiling entries for short loops.
pub(crate) fn entry(
    module: &Arc<ModuleInner>,
    inst: InstanceTier,
    code: &CompiledFunc,
    at: u32,
    again: bool,
) -> Option<usize> {
    let tier = module.tier.as_deref()?;
    if inst == InstanceTier::Off
        || tier.failed.load(Ordering::Relaxed)
        || !allowed(module.engine.config())
    {
        return None;
    }
    let def = code.index - module.num_imported_funcs;
    let ready = |tier: &TierState| match lock(&tier.osr.states).get(&(def, at)) {
        Some(&FAILED) => Some(None),
        Some(&WAITING) => None,
        Some(&address) => Some(tier.entry(def).map(|_| address)),
        None => None,
    };
    if let Some(found) = ready(tier) {
        return found;
    }
    let asked = {
        let mut states = lock(&tier.osr.states);
        // One entry per function: calls that start once it is compiled run compiled, so
        // only calls already running want one, and those take the first. (Looking again
        // for another loop would keep the countdown above zero, and calls interpreted.)
        let waiting = states.get(&(def, at)) == Some(&WAITING);
        if !waiting && states.keys().any(|&(d, _)| d == def) {
            return None;
        }
        if again && !waiting {
            states.insert((def, at), WAITING);
            lock(&tier.osr.queue).push((def, at));
        }
        again && !waiting
    };
    if asked {
        super::request(module, tier);
        if let Some(found) = ready(tier) {
            return found;
        }
    }
    // Look again after a tenth of the budget (calls keep counting meanwhile too).
    code.countdown
        .store((tier.budget / 10).max(1), Ordering::Relaxed);
    None
}
