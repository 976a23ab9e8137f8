//! The parking lot behind `memory.atomic.wait32/64` and `memory.atomic.notify`: threads
//! blocked on an address of one memory, woken in the order they started waiting.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How often a waiter that can be interrupted looks at its interrupt flag.
const INTERRUPT_POLL: Duration = Duration::from_millis(10);

/// How a wait ended; the values are what `memory.atomic.wait` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitResult {
    /// Woken by a notify ("ok").
    Woken = 0,
    /// The memory did not hold the expected value ("not-equal").
    NotEqual = 1,
    /// The timeout passed first ("timed-out").
    TimedOut = 2,
    /// The interrupt flag was raised while waiting (the caller traps).
    Interrupted = 3,
}

/// One blocked thread.
struct Waiter {
    /// Set (under the lot's lock) by the notifier that wakes this waiter.
    woken: AtomicBool,
    /// Signalled when `woken` is set.
    signal: Condvar,
}

/// Queues of waiters keyed by byte address within one memory.
#[derive(Default)]
pub(crate) struct ParkingLot {
    queues: Mutex<HashMap<u64, VecDeque<Arc<Waiter>>>>,
}

impl ParkingLot {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, VecDeque<Arc<Waiter>>>> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks the calling thread on `addr` until notified or until `timeout` passes (None:
    /// forever), provided `still_expected` (evaluated under the lot's lock, so no notify can
    /// slip in between) says the memory still holds the expected value. With an `interrupt`
    /// flag, the wait also ends (within [`INTERRUPT_POLL`]) once the flag is set.
    pub fn wait(
        &self,
        addr: u64,
        timeout: Option<Duration>,
        still_expected: impl FnOnce() -> bool,
        interrupt: Option<&AtomicBool>,
    ) -> WaitResult {
        let mut queues = self.lock();
        if !still_expected() {
            return WaitResult::NotEqual;
        }
        let me = Arc::new(Waiter {
            woken: AtomicBool::new(false),
            signal: Condvar::new(),
        });
        queues.entry(addr).or_default().push_back(me.clone());
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            if me.woken.load(Ordering::Acquire) {
                return WaitResult::Woken;
            }
            if interrupt.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
                Self::remove(&mut queues, addr, &me);
                return WaitResult::Interrupted;
            }
            let now = Instant::now();
            let left = match deadline {
                Some(deadline) if now >= deadline => {
                    Self::remove(&mut queues, addr, &me);
                    return WaitResult::TimedOut;
                }
                Some(deadline) => Some(deadline - now),
                None => None,
            };
            let slice = match (left, interrupt) {
                (Some(left), Some(_)) => Some(left.min(INTERRUPT_POLL)),
                (None, Some(_)) => Some(INTERRUPT_POLL),
                (left, None) => left,
            };
            queues = match slice {
                None => me.signal.wait(queues).unwrap_or_else(|e| e.into_inner()),
                Some(slice) => {
                    me.signal
                        .wait_timeout(queues, slice)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    fn remove(queues: &mut HashMap<u64, VecDeque<Arc<Waiter>>>, addr: u64, me: &Arc<Waiter>) {
        if let Some(queue) = queues.get_mut(&addr) {
            queue.retain(|w| !Arc::ptr_eq(w, me));
            if queue.is_empty() {
                queues.remove(&addr);
            }
        }
    }

    /// Wakes up to `count` threads waiting on `addr`, oldest first; returns how many woke.
    pub fn notify(&self, addr: u64, count: u32) -> u32 {
        let mut queues = self.lock();
        let Some(queue) = queues.get_mut(&addr) else {
            return 0;
        };
        let mut woken = 0;
        while woken < count {
            let Some(waiter) = queue.pop_front() else {
                break;
            };
            waiter.woken.store(true, Ordering::Release);
            waiter.signal.notify_one();
            woken += 1;
        }
        if queue.is_empty() {
            queues.remove(&addr);
        }
        woken
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn not_equal_and_timeout() {
        let lot = ParkingLot::default();
        assert_eq!(lot.wait(0, None, || false, None), WaitResult::NotEqual);
        let r = lot.wait(0, Some(Duration::from_millis(1)), || true, None);
        assert_eq!(r, WaitResult::TimedOut);
        assert_eq!(
            lot.notify(0, 1),
            0,
            "a timed-out waiter is no longer queued"
        );
    }

    #[test]
    fn notify_wakes_a_blocked_thread() {
        let lot = Arc::new(ParkingLot::default());
        let started = Arc::new(AtomicU32::new(0));
        let waiter = {
            let (lot, started) = (lot.clone(), started.clone());
            std::thread::spawn(move || {
                let started = || {
                    started.store(1, Ordering::SeqCst);
                    true
                };
                lot.wait(8, None, started, None)
            })
        };
        // Keep notifying until the waiter has queued itself and been woken.
        let mut woken = 0;
        while woken == 0 {
            if started.load(Ordering::SeqCst) == 1 {
                woken = lot.notify(8, u32::MAX);
            }
            std::thread::yield_now();
        }
        assert_eq!(woken, 1);
        assert_eq!(waiter.join().unwrap(), WaitResult::Woken);
    }

    #[test]
    fn a_raised_interrupt_flag_ends_an_endless_wait() {
        let lot = Arc::new(ParkingLot::default());
        let flag = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (lot, flag) = (lot.clone(), flag.clone());
            std::thread::spawn(move || lot.wait(0, None, || true, Some(&flag)))
        };
        flag.store(true, Ordering::Relaxed);
        assert_eq!(waiter.join().unwrap(), WaitResult::Interrupted);
        assert_eq!(lot.notify(0, 1), 0, "the interrupted waiter left the queue");
    }
}
