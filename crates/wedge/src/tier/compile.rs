//! The tier's compiler: hot functions compiled a batch at a time, on a background thread
//! shared by every module of the process (or on the caller's thread, see
//! [`Config::tier_up_in_background`](crate::Config::tier_up_in_background)).

use super::{lock, TierState};
use crate::module::ModuleInner;
use crate::native::{compile as nc, NativeCode};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use wedge_cranelift as wc;

/// What compiling any function of a module needs: the module as the translator sees it and
/// which of its functions may throw (any of them, for all the tier knows: working it out
/// takes a pass over every function body, which would delay the first compiled code; the
/// cost is a check of the store's pending exception after each call).
pub(crate) struct Inputs {
    env: wc::ModuleEnv,
    throws: wc::Throws,
}

/// Most wasm body bytes in one batch: a batch is published when all of it is compiled, so
/// a small one gets its first functions running sooner.
const BATCH_BYTES: usize = 32 * 1024;
/// Most functions in one batch.
const BATCH_FUNCS: usize = 32;

/// Modules with functions waiting for the compiler, served in turn.
struct Pool {
    modules: Mutex<VecDeque<Weak<ModuleInner>>>,
    ready: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let spawned = std::thread::Builder::new()
            .name("wedge-tier-up".into())
            .spawn(work);
        if spawned.is_err() {
            // No thread: modules queued stay interpreted, which is still correct.
        }
        Pool {
            modules: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
        }
    })
}

/// Puts a module in line for the background compiler.
pub(crate) fn schedule(module: Weak<ModuleInner>) {
    let pool = pool();
    lock(&pool.modules).push_back(module);
    pool.ready.notify_one();
}

/// Nice value of the background compiler thread (and the threads it starts): the program's
/// own threads go first when the machine is busy; on an idle core it makes no difference.
const COMPILER_NICE: i32 = 10;

/// Lowers the calling thread's scheduling priority to [`COMPILER_NICE`] unless it is lower
/// already (Linux keeps a nice value per thread; elsewhere, or if refused, nothing changes).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid, getpriority and setpriority take plain integers and change nothing
    // but this thread's nice value.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        if libc::getpriority(libc::PRIO_PROCESS, tid) < COMPILER_NICE {
            let _ = libc::setpriority(libc::PRIO_PROCESS, tid, COMPILER_NICE);
        }
    }
}

/// The background compiler thread: one batch of a module at a time, modules in turn.
fn work() {
    lower_priority();
    let pool = pool();
    loop {
        let next = {
            let mut modules = lock(&pool.modules);
            loop {
                if let Some(m) = modules.pop_front() {
                    break m;
                }
                modules = pool.ready.wait(modules).unwrap_or_else(|e| e.into_inner());
            }
        };
        // A module dropped meanwhile needs nothing.
        let Some(module) = next.upgrade() else {
            continue;
        };
        let Some(tier) = module.tier.as_deref() else {
            continue;
        };
        tier.scheduled.store(false, Ordering::Release);
        compile_batch(&module, tier);
        compile_osr(&module, tier);
        let more = (!lock(&tier.queue).is_empty() || tier.osr.queued())
            && !tier.failed.load(Ordering::Relaxed);
        if more && !tier.scheduled.swap(true, Ordering::AcqRel) {
            schedule(Arc::downgrade(&module));
        }
    }
}

/// Compiles everything queued for a module now, on this thread.
pub(crate) fn compile_queued(module: &Arc<ModuleInner>) {
    let Some(tier) = module.tier.as_deref() else {
        return;
    };
    while !lock(&tier.queue).is_empty() && !tier.failed.load(Ordering::Relaxed) {
        compile_batch(module, tier);
    }
    compile_osr(module, tier);
}

/// Compiles and loads the OSR entries waiting for the compiler (see `osr.rs`), and
/// publishes them; an entry the compiler refuses leaves its loop interpreted.
fn compile_osr(m: &ModuleInner, tier: &TierState) {
    let _one_at_a_time = lock(&tier.compiling);
    for (def, at) in tier.osr.take_queue() {
        let code = compile_osr_entry(m, tier, def, at).ok().map(|native| {
            let native = Arc::new(native);
            let address = native.func(0) as usize;
            lock(&tier.blocks).push(native);
            address
        });
        tier.osr.publish(def, at, code);
    }
}

/// Compiles the OSR entry of defined function `def` at its loop `at` into a loaded block.
fn compile_osr_entry(
    m: &ModuleInner,
    tier: &TierState,
    def: u32,
    at: u32,
) -> Result<NativeCode, crate::Error> {
    let bodies = nc::bodies(m);
    let inputs = inputs(m, tier)?;
    let isa = nc::module_isa(m)?;
    let started = std::time::Instant::now();
    let code = wc::compile_osr_entry(isa, &inputs.env, &inputs.throws, &bodies, def, at)
        .map_err(nc::error)?;
    tracing::info!(
        target: "wedge::compile",
        tier = "osr",
        func = m.num_imported_funcs + def,
        at_loop = at,
        code_bytes = code.code.len(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "OSR entry compiled"
    );
    NativeCode::load(nc::image(code, vec![def]), None, m)
}

/// What compiling any function of a module needs, made on first use.
fn inputs<'t>(m: &ModuleInner, tier: &'t TierState) -> Result<&'t Inputs, crate::Error> {
    tier.inputs
        .get_or_init(|| {
            let env = nc::module_env(m);
            let throws = wc::Throws {
                funcs: vec![true; m.func_types.len()],
                indirect: true,
            };
            Ok(Inputs { env, throws })
        })
        .as_ref()
        .map_err(|e| crate::Error::Limit(format!("native code: {e}")))
}

/// Takes a batch of queued functions, compiles and loads it, and publishes their code.
fn compile_batch(m: &ModuleInner, tier: &TierState) {
    let _one_at_a_time = lock(&tier.compiling);
    let funcs = {
        let mut queue = lock(&tier.queue);
        let mut bytes = 0;
        let n = queue
            .iter()
            .take_while(|def| {
                let fits = bytes < BATCH_BYTES;
                bytes += m.bodies[**def as usize].len();
                fits
            })
            .count()
            .clamp(1, BATCH_FUNCS)
            .min(queue.len());
        queue.drain(..n).collect::<Vec<u32>>()
    };
    if funcs.is_empty() {
        return;
    }
    match compile(m, tier, &funcs) {
        Ok(native) => {
            let native = Arc::new(native);
            if tier.base.get().is_none() {
                let _ = tier.base.set(native.clone());
            }
            for (i, def) in funcs.iter().enumerate() {
                tier.entries[*def as usize]
                    .store(native.func(i as u32) as usize, Ordering::Release);
            }
            lock(&tier.blocks).push(native);
        }
        Err(_) => {
            // The functions stay interpreted (as they are correct there); stop trying.
            tier.failed.store(true, Ordering::Relaxed);
            lock(&tier.queue).clear();
        }
    }
}

/// Compiles defined functions `funcs` of a module into a loaded block (with the
/// trampolines if it is the module's first).
fn compile(m: &ModuleInner, tier: &TierState, funcs: &[u32]) -> Result<NativeCode, crate::Error> {
    let bodies = nc::bodies(m);
    let inputs = inputs(m, tier)?;
    let isa = nc::module_isa(m)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = threads.saturating_sub(1).clamp(1, funcs.len());
    let trampolines = tier.base.get().is_none();
    let started = std::time::Instant::now();
    let code = wc::compile_functions(
        isa,
        &inputs.env,
        &inputs.throws,
        &bodies,
        funcs,
        trampolines,
        threads,
    )
    .map_err(nc::error)?;
    tracing::info!(
        target: "wedge::compile",
        tier = "tiered",
        functions = funcs.len(),
        code_bytes = code.code.len(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "hot functions compiled"
    );
    NativeCode::load(nc::image(code, funcs.to_vec()), None, m)
}
