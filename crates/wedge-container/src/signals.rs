//! SIGTERM and SIGINT stop the guest: the handler interrupts the running wasm (which traps
//! at its next function entry or loop head) and the container exits 128 + the signal.
//!
//! The guest is PID 1 of its PID namespace, where the kernel drops signals that have no
//! handler; so without this a `ctr task kill` or `docker stop` would wait for SIGKILL. A
//! guest blocked in a host call past [`GRACE_SECONDS`] is ended by an alarm with the same code.

use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};
use std::sync::Once;

/// How long a guest may take to reach an interruption check before the process ends anyway.
pub const GRACE_SECONDS: u32 = 2;

/// The handle of the guest running now. Each one installed is leaked (a few bytes per
/// run), so a handler that loaded an older pointer can still use it.
static HANDLE: AtomicPtr<wedge::InterruptHandle> = AtomicPtr::new(std::ptr::null_mut());
static RECEIVED: AtomicI32 = AtomicI32::new(0);
static HANDLERS: Once = Once::new();

/// Routes SIGTERM and SIGINT to `handle` (the store about to run the guest).
pub fn install(handle: wedge::InterruptHandle) {
    HANDLE.store(Box::into_raw(Box::new(handle)), Ordering::Release);
    HANDLERS.call_once(|| {
        for (signal, handler) in [
            (libc::SIGTERM, on_stop as extern "C" fn(libc::c_int)),
            (libc::SIGINT, on_stop),
            (libc::SIGALRM, on_alarm),
        ] {
            // SAFETY: a zeroed `sigaction` is a valid empty value; the handlers only do
            // async-signal-safe work (atomic loads and stores, `alarm`, `_exit`), and the
            // signal set passed to `sigprocmask` is initialised by `sigemptyset`/`sigaddset`.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as usize;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, signal);
                libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            }
        }
    });
}

/// Called when the guest has returned: cancels the grace-time alarm a stop signal armed.
pub fn finished() {
    // SAFETY: `alarm` has no memory-safety preconditions.
    unsafe {
        libc::alarm(0);
    }
}

/// The container's exit code after an interruption: 128 + the signal that asked for it.
pub fn exit_code() -> i32 {
    128 + match RECEIVED.load(Ordering::Relaxed) {
        0 => libc::SIGTERM,
        signal => signal,
    }
}

extern "C" fn on_stop(signal: libc::c_int) {
    RECEIVED.store(signal, Ordering::Relaxed);
    // SAFETY: the pointer is null or a leaked, never freed handle.
    if let Some(handle) = unsafe { HANDLE.load(Ordering::Acquire).as_ref() } {
        handle.interrupt();
    }
    // SAFETY: `alarm` is async-signal-safe.
    unsafe {
        libc::alarm(GRACE_SECONDS);
    }
}

extern "C" fn on_alarm(_: libc::c_int) {
    // SAFETY: `_exit` is async-signal-safe; nothing needs flushing (WASI writes go straight
    // to the container's descriptors).
    unsafe { libc::_exit(exit_code()) }
}
