//! Interrupting running wasm from another thread, and time limits built on it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A handle that stops the wasm running in a store, from any thread.
///
/// Interruption needs [`Config::interruptible`](crate::Config::interruptible): wasm then
/// checks the flag at every function entry and loop iteration and traps with
/// [`TrapKind::Interrupted`](crate::TrapKind::Interrupted). The trap clears the flag, so the
/// store can run again; an interrupt that arrives while no wasm runs stops the next call.
///
/// ```
/// use wedge::*;
/// let mut config = Config::new();
/// config.interruptible(true);
/// let engine = Engine::new(&config);
/// let module = Module::new(&engine, r#"(module (func (export "spin") (loop (br 0))))"#)?;
/// let mut store = Store::new(&engine, ());
/// let spin = Linker::new(&engine).instantiate(&mut store, &module)?
///     .get_typed_func::<(), ()>(&store, "spin")?;
/// let _deadline = store.interrupt_handle().interrupt_after(std::time::Duration::from_millis(10));
/// let trap = spin.call(&mut store, ()).unwrap_err();
/// assert_eq!(trap.as_trap().unwrap().kind(), TrapKind::Interrupted);
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct InterruptHandle {
    /// The flag wasm checks: raised to stop, or to take a profiler sample.
    pub(crate) flag: Arc<AtomicBool>,
    /// Raised (with `flag`) by [`InterruptHandle::interrupt`]: a stop, not a sample.
    pub(crate) stop: Arc<AtomicBool>,
    /// Raised (with `flag`) by the guest profiler's timer: a sample is due.
    pub(crate) sample: Arc<AtomicBool>,
}

/// What wasm does where it found the interrupt flag raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Poll {
    /// Trap with [`TrapKind::Interrupted`](crate::TrapKind::Interrupted).
    Stop,
    /// Record a profiler sample of the current stack and go on.
    Sample,
    /// Nothing is due any more (withdrawn); go on.
    Continue,
}

impl InterruptHandle {
    /// Asks the wasm running in the store to stop as soon as possible.
    pub fn interrupt(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Withdraws an interrupt that has not taken effect yet.
    pub fn clear(&self) {
        self.stop.store(false, Ordering::Relaxed);
        self.flag.store(false, Ordering::Relaxed);
    }

    /// Asks the wasm running in the store for a profiler sample at its next check.
    pub(crate) fn request_sample(&self) {
        self.sample.store(true, Ordering::Relaxed);
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Decides what a check that found the flag raised does, and lowers the flag.
    pub(crate) fn poll(&self) -> Poll {
        self.flag.store(false, Ordering::Relaxed);
        // An interrupt raised after the store above set `stop` too, so it is seen here.
        if self.stop.swap(false, Ordering::Relaxed) {
            return Poll::Stop;
        }
        if self.sample.swap(false, Ordering::Relaxed) {
            return Poll::Sample;
        }
        Poll::Continue
    }

    /// Interrupts after `limit` unless the returned [`Deadline`] is dropped first.
    pub fn interrupt_after(&self, limit: Duration) -> Deadline {
        let (cancel, cancelled) = mpsc::channel::<()>();
        let handle = self.clone();
        let timer = std::thread::Builder::new()
            .name("wedge-deadline".into())
            .spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(limit) {
                    handle.interrupt();
                }
            })
            .ok();
        Deadline {
            cancel: Some(cancel),
            timer,
        }
    }
}

/// A pending time limit from [`InterruptHandle::interrupt_after`]; dropping it cancels it.
#[derive(Debug)]
pub struct Deadline {
    cancel: Option<mpsc::Sender<()>>,
    timer: Option<JoinHandle<()>>,
}

impl Drop for Deadline {
    fn drop(&mut self) {
        // Dropping the sender wakes the timer thread, which then ends without interrupting.
        drop(self.cancel.take());
        if let Some(timer) = self.timer.take() {
            let _ = timer.join();
        }
    }
}
