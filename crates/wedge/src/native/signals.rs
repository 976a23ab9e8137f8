//! Turning hardware faults in compiled code into traps: the signal handler and the registry of
//! loaded code it consults.

use super::entry::{self, Activation, MAX_TRAP_FRAMES};
use std::sync::{Arc, Once, RwLock};

/// What the handler needs to know about one loaded code block.
pub(crate) struct CodeInfo {
    /// Address of the first byte.
    pub start: usize,
    /// Address past the last byte.
    pub end: usize,
    /// (offset, length) of each defined wasm function, sorted by offset.
    pub funcs: Vec<(u32, u32)>,
    /// (offset, trap kind code) of each trapping instruction, sorted by offset.
    pub traps: Vec<(u32, u8)>,
    /// (offset, gas, instructions) a trap gives back, sorted by offset (metered code only).
    pub refunds: Vec<(u32, u64, u32)>,
    /// (return offset, slot offset from sp) of the references frames hold across calls,
    /// sorted.
    pub stack_maps: Vec<(u32, u32)>,
    /// (offset, length, site) of inlined code, sorted (see `CodeImage::inlined`).
    pub inlined: Vec<(u32, u32, u32)>,
    /// (module function index, parent site) of each inline site (see
    /// `CodeImage::inline_sites`).
    pub inline_sites: Vec<(u32, u32)>,
    /// The module offset of the call each inline site replaced (see
    /// `CodeImage::inline_calls`).
    pub inline_calls: Vec<u32>,
    /// (offset, length, module offset) of the functions' own code (see
    /// `CodeImage::wasm_offsets`).
    pub wasm_offsets: Vec<(u32, u32, u32)>,
    /// The defined-function index of each entry of `funcs` (empty: the entry's index), see
    /// `CodeImage::defs`.
    pub defs: Vec<u32>,
}

impl CodeInfo {
    /// Index of the defined function containing `pc`, if any.
    pub fn func_at(&self, pc: usize) -> Option<usize> {
        let off = pc.checked_sub(self.start)? as u32;
        let i = self
            .funcs
            .partition_point(|(o, _)| *o <= off)
            .checked_sub(1)?;
        let (o, len) = self.funcs[i];
        (off < o + len).then_some(i)
    }

    /// The defined-function index of the function containing `pc`, if any.
    pub fn def_at(&self, pc: usize) -> Option<u32> {
        let i = self.func_at(pc)?;
        Some(self.defs.get(i).copied().unwrap_or(i as u32))
    }

    /// The module byte offset of the wasm instruction a function's own code at `pc` runs,
    /// if recorded.
    pub fn wasm_offset_at(&self, pc: usize) -> Option<usize> {
        let off = pc.checked_sub(self.start)? as u32;
        let i = self
            .wasm_offsets
            .partition_point(|(o, _, _)| *o <= off)
            .checked_sub(1)?;
        let (o, len, at) = self.wasm_offsets[i];
        (off < o + len).then_some(at as usize)
    }

    /// The module indices of the functions whose inlined code `pc` runs, innermost first
    /// (empty outside inlined code), each with the module offset of the call it replaced
    /// when known.
    pub fn inlined_at(&self, pc: usize) -> Vec<(u32, Option<usize>)> {
        let mut funcs = Vec::new();
        let Some(off) = pc.checked_sub(self.start) else {
            return funcs;
        };
        let off = off as u32;
        let Some(i) = self
            .inlined
            .partition_point(|(o, _, _)| *o <= off)
            .checked_sub(1)
        else {
            return funcs;
        };
        let (o, len, site) = self.inlined[i];
        let mut site = (off < o + len).then_some(site);
        while let Some(s) = site {
            let (func, parent) = self.inline_sites[s as usize];
            let call = self.inline_calls.get(s as usize).copied();
            funcs.push((func, call.filter(|&c| c != 0).map(|c| c as usize)));
            // Parents come before their children, so this ends.
            site = (parent < s).then_some(parent);
        }
        funcs
    }

    /// What a trap at `pc` gives back to the meter, if anything.
    pub fn refund_at(&self, pc: usize) -> Option<(u64, u32)> {
        let off = (pc - self.start) as u32;
        let i = self.refunds.binary_search_by_key(&off, |r| r.0).ok()?;
        Some((self.refunds[i].1, self.refunds[i].2))
    }

    /// The offsets from the stack pointer at the call returning to `ra` of the slots that
    /// hold references (empty when none do).
    pub fn stack_map_at(&self, ra: usize) -> &[(u32, u32)] {
        let off = (ra - self.start) as u32;
        let from = self.stack_maps.partition_point(|m| m.0 < off);
        let to = self.stack_maps.partition_point(|m| m.0 <= off);
        &self.stack_maps[from..to]
    }

    /// The trap kind code of the instruction at `pc`, if it is a trap site.
    fn trap_at(&self, pc: usize) -> Option<u8> {
        let off = (pc - self.start) as u32;
        let i = self.traps.binary_search_by_key(&off, |(o, _)| *o).ok()?;
        Some(self.traps[i].1)
    }
}

/// Every loaded code block, so a faulting pc can be attributed.
static REGISTRY: RwLock<Vec<Arc<CodeInfo>>> = RwLock::new(Vec::new());

/// Registers a code block; it stays registered until [`unregister`].
pub(crate) fn register(info: Arc<CodeInfo>) {
    let mut r = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    let at = r.partition_point(|c| c.start < info.start);
    r.insert(at, info);
}

/// Removes a code block registered at `start`.
pub(crate) fn unregister(start: usize) {
    let mut r = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    r.retain(|c| c.start != start);
}

/// Calls `f` with the code block containing `pc`, if any.
///
/// Safe in the signal handler: it never sleeps on the lock, it spins while another thread
/// changes the registry (a short insert or remove; never done by the faulting thread, which
/// was running wasm code).
pub(crate) fn with_code<R>(pc: usize, f: impl FnOnce(&CodeInfo) -> R) -> Option<R> {
    let r = loop {
        match REGISTRY.try_read() {
            Ok(r) => break r,
            Err(std::sync::TryLockError::Poisoned(e)) => break e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => std::hint::spin_loop(),
        }
    };
    let i = r.partition_point(|c| c.start <= pc).checked_sub(1)?;
    let c = &r[i];
    (pc < c.end).then(|| f(c))
}

/// Records the frames of a trap: the faulting `pc` if given, then every return address into
/// loaded code up the frame-pointer chain starting at `fp`.
///
/// # Safety
/// `fp` must be the frame pointer of compiled code (frame pointers are preserved there).
pub(crate) unsafe fn record_frames(a: &mut Activation, pc: Option<usize>, mut fp: usize) {
    let mut n = 0;
    a.first_exact = pc.is_some();
    if let Some(pc) = pc {
        a.trap_pcs[0] = std::mem::MaybeUninit::new(pc);
        n = 1;
    }
    while n < MAX_TRAP_FRAMES && fp != 0 {
        // SAFETY: `fp` points to a saved (caller fp, return address) pair of a compiled
        // frame, as guaranteed by the caller for the first and by the chain for the rest.
        let (next, ra) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if with_code(ra, |_| ()).is_none() {
            break;
        }
        a.trap_pcs[n] = std::mem::MaybeUninit::new(ra);
        n += 1;
        fp = next;
    }
    a.trap_frames = n;
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod handler {
    use super::*;

    const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

    /// The handlers that were installed before ours, to chain to.
    static PREVIOUS: [std::sync::OnceLock<libc::sigaction>; 4] =
        [const { std::sync::OnceLock::new() }; 4];

    /// Installs the handler once per process.
    pub(crate) fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            for (i, sig) in SIGNALS.iter().enumerate() {
                // SAFETY: `sa` and `prev` are fully initialized plain C structs.
                unsafe {
                    let mut sa: libc::sigaction = std::mem::zeroed();
                    sa.sa_sigaction = on_signal as *const () as usize;
                    sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                    libc::sigemptyset(&mut sa.sa_mask);
                    // Record the previous handler before ours can run for this signal.
                    let mut prev: libc::sigaction = std::mem::zeroed();
                    libc::sigaction(*sig, std::ptr::null(), &mut prev);
                    let _ = PREVIOUS[i].set(prev);
                    libc::sigaction(*sig, &sa, std::ptr::null_mut());
                }
            }
        });
    }

    /// Attributes a fault to compiled code of the running activation and redirects the thread
    /// to unwind it; returns false when the fault is not ours.
    ///
    /// # Safety
    /// Called only from the signal handler with the kernel's context.
    unsafe fn handle(sig: libc::c_int, ctx: *mut libc::c_void) -> bool {
        let a = entry::CURRENT.with(|c| c.get());
        if a.is_null() {
            return false;
        }
        // SAFETY: the kernel passes a valid ucontext to SA_SIGINFO handlers.
        let uc = unsafe { &mut *(ctx as *mut libc::ucontext_t) };
        let gregs = &mut uc.uc_mcontext.gregs;
        let pc = gregs[libc::REG_RIP as usize] as usize;
        let fp = gregs[libc::REG_RBP as usize] as usize;
        let kind = with_code(pc, |c| {
            c.trap_at(pc).or_else(|| {
                // A fault without a trap site inside a wasm function can only be a stack
                // probe or spill hitting the guard page.
                let stack = sig == libc::SIGSEGV || sig == libc::SIGBUS;
                (stack && c.func_at(pc).is_some()).then_some(STACK_OVERFLOW_CODE)
            })
        })
        .flatten();
        let Some(kind) = kind else {
            return false;
        };
        // SAFETY: `a` is the live innermost activation of this thread, and the fault happened
        // in compiled code, whose frame pointer chain is intact.
        unsafe {
            (*a).trap_code = kind;
            (*a).trap_pinned = gregs[libc::REG_R15 as usize] as u64;
            record_frames(&mut *a, Some(pc), fp);
        }
        gregs[libc::REG_RIP as usize] = entry::unwind_address() as i64;
        gregs[libc::REG_RDI as usize] = a as i64;
        true
    }

    extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
        // SAFETY: called by the kernel with a valid context.
        if unsafe { handle(sig, ctx) } {
            return;
        }
        let Some(i) = SIGNALS.iter().position(|s| *s == sig) else {
            return;
        };
        let Some(prev) = PREVIOUS[i].get() else {
            return;
        };
        // SAFETY: chaining calls the previous handler the way the kernel would have.
        unsafe {
            let action = prev.sa_sigaction;
            if action == libc::SIG_DFL || action == libc::SIG_IGN {
                // Restore the default and return: the fault repeats and takes its course.
                libc::sigaction(sig, prev, std::ptr::null_mut());
            } else if prev.sa_flags & libc::SA_SIGINFO != 0 {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(action);
                f(sig, info, ctx);
            } else {
                let f: extern "C" fn(libc::c_int) = std::mem::transmute(action);
                f(sig);
            }
        }
    }
}

/// Trap kind code of a stack overflow (matches `wedge_cranelift::TrapKind::StackOverflow`).
pub(crate) const STACK_OVERFLOW_CODE: u8 = 1;

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) use handler::install;
