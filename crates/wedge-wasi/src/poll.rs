//! `poll_oneoff`: waiting for clocks and descriptors, several subscriptions at once.

use crate::clock;
use crate::ctx::WasiCtx;
use crate::descriptor::{retry, Descriptor, Kind};
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{clockid, eventrwflags, eventtype, rights, size, subclockflags};
use rustix::event::{PollFd, PollFlags};
use std::time::{Duration, Instant};

/// The most subscriptions one call may pass.
pub const MAX_SUBSCRIPTIONS: u32 = 1 << 16;

/// One subscription as read from guest memory.
enum Sub {
    /// Fires at `deadline` (an `Instant` on the host's monotonic clock).
    Clock { deadline: Instant },
    /// Waits until the descriptor is readable (`read`) or writable.
    Fd { fd: u32, read: bool },
    /// Fails at once with this error (bad clock id or flags).
    Invalid { kind: u8, errno: Errno },
}

/// One event to report.
struct Event {
    userdata: u64,
    /// `None` when the subscription fired normally.
    error: Option<Errno>,
    kind: u8,
    nbytes: u64,
    hangup: bool,
}

impl Event {
    fn ok(userdata: u64, kind: u8, nbytes: u64, hangup: bool) -> Event {
        Event {
            userdata,
            error: None,
            kind,
            nbytes,
            hangup,
        }
    }

    fn failed(userdata: u64, kind: u8, errno: Errno) -> Event {
        Event {
            userdata,
            error: Some(errno),
            kind,
            nbytes: 0,
            hangup: false,
        }
    }

    fn to_bytes(&self) -> [u8; size::EVENT as usize] {
        let mut b = [0u8; size::EVENT as usize];
        b[0..8].copy_from_slice(&self.userdata.to_le_bytes());
        let err = self.error.map_or(0, Errno::raw);
        b[8..10].copy_from_slice(&err.to_le_bytes());
        b[10] = self.kind;
        if self.kind != eventtype::CLOCK {
            b[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
            let flags = if self.hangup {
                eventrwflags::FD_READWRITE_HANGUP
            } else {
                0
            };
            b[24..26].copy_from_slice(&flags.to_le_bytes());
        }
        b
    }
}

fn parse(ctx: &WasiCtx, mem: &GuestMemory<'_>, at: u32) -> Result<(u64, Sub), Errno> {
    let userdata = mem.read_u64(at)?;
    let tag = mem.read_u8(at + 8)?;
    let sub = match tag {
        eventtype::CLOCK => {
            let id = mem.read_u32(at + 16)?;
            let timeout = mem.read_u64(at + 24)?;
            let flags = mem.read_u16(at + 40)?;
            clock_sub(ctx, id, timeout, flags)
        }
        eventtype::FD_READ | eventtype::FD_WRITE => Sub::Fd {
            fd: mem.read_u32(at + 16)?,
            read: tag == eventtype::FD_READ,
        },
        _ => return Err(Errno::Inval),
    };
    Ok((userdata, sub))
}

fn clock_sub(ctx: &WasiCtx, id: u32, timeout: u64, flags: u16) -> Sub {
    let invalid = |errno| Sub::Invalid {
        kind: eventtype::CLOCK,
        errno,
    };
    if flags & !subclockflags::ABSTIME != 0 {
        return invalid(Errno::Inval);
    }
    let absolute = flags & subclockflags::ABSTIME != 0;
    let wait = match id {
        clockid::REALTIME | clockid::MONOTONIC => {
            if absolute {
                let now = clock::now(ctx, id).unwrap_or(0);
                timeout.saturating_sub(now)
            } else {
                timeout
            }
        }
        // A blocked guest uses no CPU time, so waiting for a CPU clock could never end.
        clockid::PROCESS_CPUTIME_ID | clockid::THREAD_CPUTIME_ID => return invalid(Errno::Notsup),
        _ => return invalid(Errno::Inval),
    };
    let now = Instant::now();
    Sub::Clock {
        deadline: now
            .checked_add(Duration::from_nanos(wait))
            .unwrap_or(now + Duration::from_secs(u32::MAX as u64)),
    }
}

/// Readiness of a descriptor that is never waited for (files, directories, the null device).
fn ready_at_once(d: &Descriptor, read: bool) -> Option<u64> {
    if d.is_stream() {
        return None;
    }
    if !read {
        return Some(0);
    }
    let Some(fd) = d.kind.fd() else {
        return Some(0);
    };
    let size = rustix::fs::fstat(fd)
        .map(|s| s.st_size.max(0) as u64)
        .unwrap_or(0);
    let pos = rustix::fs::seek(fd, rustix::fs::SeekFrom::Current(0)).unwrap_or(size);
    Some(size.saturating_sub(pos))
}

/// `poll_oneoff`: waits until at least one subscription fires, then reports every one that has.
pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    subs_ptr: u32,
    events_ptr: u32,
    nsubs: u32,
    nevents: u32,
) -> Result<(), Errno> {
    if nsubs == 0 {
        return Err(Errno::Inval);
    }
    mem.slice(
        subs_ptr,
        nsubs.checked_mul(size::SUBSCRIPTION).ok_or(Errno::Fault)?,
    )?;
    mem.slice(
        events_ptr,
        nsubs.checked_mul(size::EVENT).ok_or(Errno::Fault)?,
    )?;
    if !subs_ptr.is_multiple_of(8) || !events_ptr.is_multiple_of(8) {
        return Err(Errno::Inval);
    }
    mem.write_u32(nevents, 0)?;
    if nsubs > MAX_SUBSCRIPTIONS {
        return Err(Errno::Inval);
    }
    let mut subs = Vec::with_capacity(nsubs as usize);
    for i in 0..nsubs {
        subs.push(parse(ctx, mem, subs_ptr + i * size::SUBSCRIPTION)?);
    }

    let mut events = Vec::new();
    // Descriptors to wait for: (index into `subs`, host fd, read?).
    let mut waits = Vec::new();
    for (i, (userdata, sub)) in subs.iter().enumerate() {
        let userdata = *userdata;
        match sub {
            Sub::Invalid { kind, errno } => events.push(Event::failed(userdata, *kind, *errno)),
            Sub::Clock { .. } => {}
            Sub::Fd { fd, read } => {
                let kind = if *read {
                    eventtype::FD_READ
                } else {
                    eventtype::FD_WRITE
                };
                let fail = |errno| Event::failed(userdata, kind, errno);
                let Some(d) = ctx.fds.get(*fd as usize).and_then(Option::as_ref) else {
                    events.push(fail(Errno::Badf));
                    continue;
                };
                if d.require(rights::POLL_FD_READWRITE).is_err() {
                    events.push(fail(Errno::Notcapable));
                    continue;
                }
                if matches!(d.kind, Kind::Dir(_)) {
                    events.push(fail(Errno::Badf));
                    continue;
                }
                match ready_at_once(d, *read) {
                    Some(nbytes) => events.push(Event::ok(userdata, kind, nbytes, false)),
                    None => waits.push(i),
                }
            }
        }
    }

    loop {
        let now = Instant::now();
        let next_deadline = subs
            .iter()
            .filter_map(|(_, s)| match s {
                Sub::Clock { deadline } => Some(*deadline),
                _ => None,
            })
            .min();
        let timeout = if !events.is_empty() {
            Some(Duration::ZERO)
        } else {
            next_deadline.map(|d| d.saturating_duration_since(now))
        };
        let fired = wait_fds(ctx, &subs, &waits, timeout)?;
        events.extend(fired);
        let now = Instant::now();
        for (userdata, sub) in &subs {
            if let Sub::Clock { deadline } = sub {
                if *deadline <= now {
                    events.push(Event::ok(*userdata, eventtype::CLOCK, 0, false));
                }
            }
        }
        if !events.is_empty() {
            break;
        }
    }

    for (i, e) in events.iter().enumerate() {
        mem.write_record(events_ptr + i as u32 * size::EVENT, 8, e.to_bytes())?;
    }
    mem.write_u32(nevents, events.len() as u32)
}

/// Polls the waited-for descriptors once with `timeout` and returns the events that fired.
fn wait_fds(
    ctx: &WasiCtx,
    subs: &[(u64, Sub)],
    waits: &[usize],
    timeout: Option<Duration>,
) -> Result<Vec<Event>, Errno> {
    let mut pollfds = Vec::with_capacity(waits.len());
    for &i in waits {
        let Sub::Fd { fd, read } = &subs[i].1 else {
            continue;
        };
        let d = ctx.fds[*fd as usize].as_ref().ok_or(Errno::Badf)?;
        let host = d.kind.fd().ok_or(Errno::Badf)?;
        let flags = if *read { PollFlags::IN } else { PollFlags::OUT };
        pollfds.push(PollFd::from_borrowed_fd(host, flags));
    }
    let ts = timeout.map(|t| rustix::event::Timespec {
        tv_sec: t.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: t.subsec_nanos() as _,
    });
    match rustix::event::poll(&mut pollfds, ts.as_ref()) {
        Ok(_) | Err(rustix::io::Errno::INTR) => {}
        Err(e) => return Err(e.into()),
    }
    let mut events = Vec::new();
    for (pfd, &i) in pollfds.iter().zip(waits) {
        let revents = pfd.revents();
        if revents.is_empty() {
            continue;
        }
        let (userdata, Sub::Fd { fd, read }) = &subs[i] else {
            continue;
        };
        let kind = if *read {
            eventtype::FD_READ
        } else {
            eventtype::FD_WRITE
        };
        let hangup = revents.contains(PollFlags::HUP);
        if revents.intersects(PollFlags::NVAL) {
            events.push(Event::failed(*userdata, kind, Errno::Badf));
            continue;
        }
        let nbytes = if *read {
            let d = ctx.fds[*fd as usize].as_ref().ok_or(Errno::Badf)?;
            d.kind
                .fd()
                .and_then(|f| retry(|| rustix::io::ioctl_fionread(f)).ok())
                .unwrap_or(0)
        } else {
            0
        };
        events.push(Event::ok(*userdata, kind, nbytes, hangup));
    }
    Ok(events)
}
