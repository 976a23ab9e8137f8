//! Clocks (`clock_res_get`, `clock_time_get`) and randomness (`random_get`).

use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::clockid;
use rustix::time::ClockId;

/// The host clock behind a WASI clock id (`EINVAL` for unknown ids).
fn host_clock(id: u32) -> Result<ClockId, Errno> {
    Ok(match id {
        clockid::REALTIME => ClockId::Realtime,
        clockid::MONOTONIC => ClockId::Monotonic,
        clockid::PROCESS_CPUTIME_ID => ClockId::ProcessCPUTime,
        clockid::THREAD_CPUTIME_ID => ClockId::ThreadCPUTime,
        _ => return Err(Errno::Inval),
    })
}

fn nanos(t: rustix::time::Timespec) -> u64 {
    (t.tv_sec.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(t.tv_nsec as u64)
}

/// The current time of a clock in nanoseconds. The monotonic clock counts from the creation
/// of the context, so the guest does not learn the host's uptime.
pub fn now(ctx: &WasiCtx, id: u32) -> Result<u64, Errno> {
    let clock = host_clock(id)?;
    if id == clockid::MONOTONIC {
        return Ok(u64::try_from(ctx.start.elapsed().as_nanos()).unwrap_or(u64::MAX));
    }
    Ok(nanos(rustix::time::clock_gettime(clock)))
}

/// `clock_res_get`.
pub fn clock_res_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    out: u32,
) -> Result<(), Errno> {
    let res = nanos(rustix::time::clock_getres(host_clock(id)?)).max(1);
    mem.write_u64(out, res)
}

/// `clock_time_get` (the precision hint is not needed: the host clocks are exact enough).
pub fn clock_time_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    _precision: u64,
    out: u32,
) -> Result<(), Errno> {
    let t = now(ctx, id)?;
    mem.write_u64(out, t)
}

/// `random_get`: fills the buffer from the host's CSPRNG.
pub fn random_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    buf: u32,
    len: u32,
) -> Result<(), Errno> {
    let mut dst = mem.slice_mut(buf, len)?;
    while !dst.is_empty() {
        let n = crate::descriptor::retry(|| {
            rustix::rand::getrandom(&mut *dst, rustix::rand::GetRandomFlags::empty())
        })?;
        dst = &mut dst[n..];
    }
    Ok(())
}
