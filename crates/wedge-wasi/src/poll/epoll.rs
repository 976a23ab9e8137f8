//! Readiness of the guest's descriptors through one epoll instance per context.
//!
//! A descriptor is registered the first time the guest waits for it and stays registered
//! until it is closed, so a call costs a system call only for descriptors whose interest
//! changed, plus one `epoll_wait`, however many descriptors the guest has open. Each call
//! marks the descriptors it subscribes with a new epoch; a registered descriptor that reports
//! readiness in a call that did not subscribe it is dropped from the set then (lazily: calls
//! never walk all registrations), so stale readiness cannot keep waking the host.

use crate::errno::Errno;
use rustix::event::epoll;
use rustix::fd::{BorrowedFd, OwnedFd};

/// Interest bits.
const READ: u8 = 1;
const WRITE: u8 = 2;

/// No subscription.
const NONE: u32 = u32::MAX;

/// The registration of one guest descriptor (indexed by its number).
#[derive(Clone, Copy, Debug)]
struct Reg {
    /// Directions registered with epoll (0: not registered).
    registered: u8,
    /// Directions subscribed in the current call.
    wanted: u8,
    /// The call that last subscribed it.
    epoch: u32,
    /// Index of this call's read and write subscriptions.
    read: u32,
    write: u32,
}

impl Default for Reg {
    fn default() -> Self {
        Reg {
            registered: 0,
            wanted: 0,
            epoch: 0,
            read: NONE,
            write: NONE,
        }
    }
}

/// A subscription that fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ready {
    /// Index of the subscription in the call.
    pub sub: usize,
    /// The peer hung up (`EPOLLHUP`).
    pub hangup: bool,
}

/// The epoll instance of a context and what is registered with it.
pub struct Poller {
    epoll: OwnedFd,
    regs: Vec<Reg>,
    epoch: u32,
    buf: Vec<epoll::Event>,
}

impl Poller {
    /// A new, empty epoll instance.
    pub fn new() -> Result<Poller, Errno> {
        Ok(Poller {
            epoll: epoll::create(epoll::CreateFlags::CLOEXEC)?,
            regs: Vec::new(),
            epoch: 0,
            buf: Vec::new(),
        })
    }

    /// Starts a call: subscriptions of earlier calls no longer count.
    pub fn begin(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            for r in &mut self.regs {
                r.epoch = 0;
            }
            self.epoch = 1;
        }
    }

    fn reg(&mut self, fd: u32) -> &mut Reg {
        let i = fd as usize;
        if i >= self.regs.len() {
            self.regs.resize(i + 1, Reg::default());
        }
        &mut self.regs[i]
    }

    /// Subscribes descriptor `fd` for reading or writing as subscription `sub`. Returns
    /// whether `fd` is new in this call (the caller arms it once all are known), or the
    /// earlier subscription of the same direction (`Err`) when this one repeats it.
    pub fn subscribe(&mut self, fd: u32, read: bool, sub: usize) -> Result<bool, usize> {
        let epoch = self.epoch;
        let r = self.reg(fd);
        let first = r.epoch != epoch;
        if first {
            r.epoch = epoch;
            r.wanted = 0;
            r.read = NONE;
            r.write = NONE;
        }
        let slot = if read { &mut r.read } else { &mut r.write };
        if *slot != NONE {
            return Err(*slot as usize);
        }
        *slot = sub as u32;
        r.wanted |= if read { READ } else { WRITE };
        Ok(first)
    }

    /// Brings the epoll registration of `fd` (host descriptor `host`) in line with what this
    /// call wants of it. `EPERM` means the descriptor cannot be polled (a regular file).
    pub fn arm(&mut self, fd: u32, host: BorrowedFd<'_>) -> Result<(), Errno> {
        self.reg(fd);
        let r = &mut self.regs[fd as usize];
        if r.registered == r.wanted {
            return Ok(());
        }
        let mut flags = epoll::EventFlags::empty();
        if r.wanted & READ != 0 {
            flags |= epoll::EventFlags::IN;
        }
        if r.wanted & WRITE != 0 {
            flags |= epoll::EventFlags::OUT;
        }
        let data = epoll::EventData::new_u64(u64::from(fd));
        let done = if r.registered == 0 {
            epoll::add(&self.epoll, host, data, flags)
        } else {
            epoll::modify(&self.epoll, host, data, flags)
        };
        done?;
        r.registered = r.wanted;
        Ok(())
    }

    /// Forgets descriptor `fd` (being closed or renumbered): it leaves the epoll set.
    pub fn forget(&mut self, fd: u32, host: Option<BorrowedFd<'_>>) {
        let Some(r) = self.regs.get_mut(fd as usize) else {
            return;
        };
        if r.registered != 0 {
            if let Some(host) = host {
                // Failure means the kernel already dropped it (the file is gone).
                let _ = epoll::delete(&self.epoll, host);
            }
        }
        *r = Reg::default();
    }

    /// Waits up to `timeout` (`None`: forever) and returns the subscriptions that fired.
    /// Readiness of descriptors this call did not subscribe drops them from the set; `host`
    /// finds their host descriptor. May return nothing (timeout, signal, only stale events).
    pub fn wait<'h>(
        &mut self,
        timeout: Option<std::time::Duration>,
        capacity: usize,
        host: impl Fn(u32) -> Option<BorrowedFd<'h>>,
    ) -> Result<Vec<Ready>, Errno> {
        let ts = timeout.map(|t| rustix::event::Timespec {
            // Longer waits end early and the caller waits again.
            tv_sec: t.as_secs().min(3600) as i64,
            tv_nsec: t.subsec_nanos() as _,
        });
        self.buf.clear();
        self.buf.reserve(capacity.clamp(1, 1024));
        match epoll::wait(
            &self.epoll,
            rustix::buffer::spare_capacity(&mut self.buf),
            ts.as_ref(),
        ) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
        let mut fired = Vec::new();
        let events = std::mem::take(&mut self.buf);
        for ev in &events {
            let fd = ev.data.u64() as u32;
            let epoch = self.epoch;
            let r = *self.reg(fd);
            if r.epoch != epoch || r.wanted == 0 {
                let h = host(fd);
                self.forget(fd, h);
                continue;
            }
            let flags = ev.flags;
            let hangup = flags.contains(epoll::EventFlags::HUP);
            let broken = flags.intersects(epoll::EventFlags::HUP | epoll::EventFlags::ERR);
            if r.read != NONE && (flags.contains(epoll::EventFlags::IN) || broken) {
                fired.push(Ready {
                    sub: r.read as usize,
                    hangup,
                });
            }
            if r.write != NONE && (flags.contains(epoll::EventFlags::OUT) || broken) {
                fired.push(Ready {
                    sub: r.write as usize,
                    hangup,
                });
            }
        }
        self.buf = events;
        Ok(fired)
    }
}
