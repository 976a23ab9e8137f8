//! `poll_oneoff` (and WasmEdge's `epoll_oneoff`, the same call): waiting for clocks and
//! descriptors, several subscriptions at once. Descriptors that can block (sockets, pipes,
//! terminals) are waited for through the context's epoll instance ([`epoll::Poller`]);
//! files and directories are always ready.

mod epoll;

pub use epoll::Poller;

use crate::clock;
use crate::ctx::WasiCtx;
use crate::descriptor::{retry, Descriptor, Kind};
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{clockid, eventrwflags, eventtype, rights, size, subclockflags};
use std::time::{Duration, Instant};

/// The most subscriptions one call may pass.
pub const MAX_SUBSCRIPTIONS: u32 = 1 << 16;

/// Where the fields of a subscription are: preview1's layout, or `wasi_unstable`'s, whose
/// clock subscriptions carry an extra 8-byte identifier first.
#[derive(Clone, Copy, Debug)]
pub struct SubLayout {
    /// Size of one subscription.
    pub size: u32,
    /// Offset of the clock id; timeout, precision and flags follow at +8, +16, +24.
    pub clock: u32,
}

impl SubLayout {
    /// `wasi_snapshot_preview1`.
    pub const PREVIEW1: SubLayout = SubLayout {
        size: size::SUBSCRIPTION,
        clock: 16,
    };
    /// `wasi_unstable`.
    pub const UNSTABLE: SubLayout = SubLayout {
        size: 56,
        clock: 24,
    };
}

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
    /// Index of the subscription, for reporting in subscription order.
    sub: usize,
    userdata: u64,
    /// `None` when the subscription fired normally.
    error: Option<Errno>,
    kind: u8,
    nbytes: u64,
    hangup: bool,
}

impl Event {
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

fn parse(
    ctx: &WasiCtx,
    mem: &GuestMemory<'_>,
    at: u32,
    layout: SubLayout,
) -> Result<(u64, Sub), Errno> {
    let userdata = mem.read_u64(at)?;
    let tag = mem.read_u8(at + 8)?;
    let sub = match tag {
        eventtype::CLOCK => {
            let id = mem.read_u32(at + layout.clock)?;
            let timeout = mem.read_u64(at + layout.clock + 8)?;
            let flags = mem.read_u16(at + layout.clock + 24)?;
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

/// The `nbytes` hint of a fired descriptor event: bytes ready to read (`FIONREAD`; 1 when
/// unknown, e.g. for a listening socket with connections waiting), or room left in a
/// socket's send buffer (0 for other descriptors).
fn nbytes(d: &Descriptor, read: bool) -> u64 {
    let Some(fd) = d.kind.fd() else { return 0 };
    if read {
        return retry(|| rustix::io::ioctl_fionread(fd)).unwrap_or(1);
    }
    if !matches!(d.kind, Kind::Socket(_)) {
        return 0;
    }
    let size = rustix::net::sockopt::socket_send_buffer_size(fd).ok();
    match (size, crate::sock::send_queue(fd)) {
        (Some(size), Some(queued)) => size.saturating_sub(queued) as u64,
        _ => 1,
    }
}

/// `poll_oneoff`: waits until at least one subscription fires, then reports every one that
/// has, in subscription order.
pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    subs_ptr: u32,
    events_ptr: u32,
    nsubs: u32,
    nevents: u32,
    layout: SubLayout,
) -> Result<(), Errno> {
    if nsubs == 0 {
        return Err(Errno::Inval);
    }
    mem.slice(
        subs_ptr,
        nsubs.checked_mul(layout.size).ok_or(Errno::Fault)?,
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
        subs.push(parse(ctx, mem, subs_ptr + i * layout.size, layout)?);
    }
    let events = wait(ctx, &subs)?;
    for (i, e) in events.iter().enumerate() {
        mem.write_record(events_ptr + i as u32 * size::EVENT, 8, e.to_bytes())?;
    }
    mem.write_u32(nevents, events.len() as u32)
}

/// Waits for the parsed subscriptions; returns the events in subscription order.
fn wait(ctx: &mut WasiCtx, subs: &[(u64, Sub)]) -> Result<Vec<Event>, Errno> {
    let mut events = Vec::new();
    let fd_kind = |read: bool| {
        if read {
            eventtype::FD_READ
        } else {
            eventtype::FD_WRITE
        }
    };
    let failed = |sub: usize, kind: u8, errno: Errno| Event {
        sub,
        userdata: subs[sub].0,
        error: Some(errno),
        kind,
        nbytes: 0,
        hangup: false,
    };
    let ok = |sub: usize, kind: u8, nbytes: u64, hangup: bool| Event {
        sub,
        userdata: subs[sub].0,
        error: None,
        kind,
        nbytes,
        hangup,
    };

    // Descriptors to wait for, and subscriptions that repeat an earlier one: (this, earlier).
    let mut waits: Vec<u32> = Vec::new();
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    let mut poller = ctx.poller.take();
    if let Some(p) = &mut poller {
        p.begin();
    }
    for (i, (_, sub)) in subs.iter().enumerate() {
        match sub {
            Sub::Invalid { kind, errno } => events.push(failed(i, *kind, *errno)),
            Sub::Clock { .. } => {}
            Sub::Fd { fd, read } => {
                let kind = fd_kind(*read);
                let Some(d) = ctx.fds.get(*fd as usize).and_then(Option::as_ref) else {
                    events.push(failed(i, kind, Errno::Badf));
                    continue;
                };
                if d.require(rights::POLL_FD_READWRITE).is_err() {
                    events.push(failed(i, kind, Errno::Notcapable));
                    continue;
                }
                if matches!(d.kind, Kind::Dir(_)) {
                    events.push(failed(i, kind, Errno::Badf));
                    continue;
                }
                if let Some(n) = ready_at_once(d, *read) {
                    events.push(ok(i, kind, n, false));
                    continue;
                }
                let p = match &mut poller {
                    Some(p) => p,
                    None => {
                        let mut p = Poller::new()?;
                        p.begin();
                        poller.insert(p)
                    }
                };
                match p.subscribe(*fd, *read, i) {
                    Ok(true) => waits.push(*fd),
                    Ok(false) => {}
                    Err(earlier) => repeats.push((i, earlier)),
                }
            }
        }
    }
    let result = wait_loop(ctx, subs, &mut poller, &waits, &repeats, events, ok);
    ctx.poller = poller;
    let mut events = result?;
    events.sort_by_key(|e| e.sub);
    Ok(events)
}

/// Arms the waited-for descriptors, then waits until something fires or a clock expires.
#[allow(clippy::too_many_arguments)]
fn wait_loop(
    ctx: &WasiCtx,
    subs: &[(u64, Sub)],
    poller: &mut Option<Poller>,
    waits: &[u32],
    repeats: &[(usize, usize)],
    mut events: Vec<Event>,
    ok: impl Fn(usize, u8, u64, bool) -> Event,
) -> Result<Vec<Event>, Errno> {
    let host = |fd: u32| {
        ctx.fds
            .get(fd as usize)
            .and_then(Option::as_ref)
            .and_then(|d| d.kind.fd())
    };
    if let Some(p) = poller.as_mut() {
        for &fd in waits {
            let Some(h) = host(fd) else { continue };
            if let Err(e) = p.arm(fd, h) {
                // A descriptor epoll cannot watch (EPERM: a regular file handed over as
                // stdio) is always ready, as files are; other failures are its event.
                let d = ctx.fds[fd as usize].as_ref();
                for (i, (_, s)) in subs.iter().enumerate() {
                    if let Sub::Fd { fd: f, read } = s {
                        if *f == fd {
                            let kind = if *read {
                                eventtype::FD_READ
                            } else {
                                eventtype::FD_WRITE
                            };
                            events.push(match e {
                                Errno::Perm => {
                                    ok(i, kind, d.map_or(0, |d| nbytes(d, *read)), false)
                                }
                                e => Event {
                                    sub: i,
                                    userdata: subs[i].0,
                                    error: Some(e),
                                    kind,
                                    nbytes: 0,
                                    hangup: false,
                                },
                            });
                        }
                    }
                }
            }
        }
    }
    let deadline = subs
        .iter()
        .filter_map(|(_, s)| match s {
            Sub::Clock { deadline } => Some(*deadline),
            _ => None,
        })
        .min();
    loop {
        let timeout = if !events.is_empty() {
            Some(Duration::ZERO)
        } else {
            deadline.map(|d| d.saturating_duration_since(Instant::now()))
        };
        match poller.as_mut() {
            Some(p) if !waits.is_empty() => {
                let fired = p.wait(timeout, waits.len(), host)?;
                for r in fired {
                    let (_, Sub::Fd { fd, read }) = &subs[r.sub] else {
                        continue;
                    };
                    let n = ctx.fds[*fd as usize]
                        .as_ref()
                        .map_or(0, |d| nbytes(d, *read));
                    let kind = if *read {
                        eventtype::FD_READ
                    } else {
                        eventtype::FD_WRITE
                    };
                    events.push(ok(r.sub, kind, n, r.hangup));
                    for &(again, first) in repeats {
                        if first == r.sub {
                            events.push(ok(again, kind, n, r.hangup));
                        }
                    }
                }
            }
            _ => {
                if let Some(t) = timeout {
                    std::thread::sleep(t);
                } else if events.is_empty() {
                    // Nothing can ever fire: only failed subscriptions would, and they did.
                    return Ok(events);
                }
            }
        }
        let now = Instant::now();
        for (i, (_, sub)) in subs.iter().enumerate() {
            if let Sub::Clock { deadline } = sub {
                if *deadline <= now {
                    events.push(ok(i, eventtype::CLOCK, 0, false));
                }
            }
        }
        if !events.is_empty() {
            return Ok(events);
        }
    }
}
