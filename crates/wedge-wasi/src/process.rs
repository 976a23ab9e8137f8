//! The process: arguments, environment, `proc_exit`, `proc_raise` and `sched_yield`.

use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::GuestMemory;

/// `args_sizes_get`: the number of arguments and the bytes they take with their NULs.
pub fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    count: u32,
    size: u32,
) -> Result<(), Errno> {
    sizes(&ctx.args, mem, count, size)
}

/// `args_get`.
pub fn args_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    ptrs: u32,
    buf: u32,
) -> Result<(), Errno> {
    mem.write_string_table(&ctx.args, ptrs, buf)
}

/// `environ_sizes_get`.
pub fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    count: u32,
    size: u32,
) -> Result<(), Errno> {
    sizes(&ctx.env, mem, count, size)
}

/// `environ_get`.
pub fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    ptrs: u32,
    buf: u32,
) -> Result<(), Errno> {
    mem.write_string_table(&ctx.env, ptrs, buf)
}

fn sizes(
    strings: &[Vec<u8>],
    mem: &mut GuestMemory<'_>,
    count: u32,
    size: u32,
) -> Result<(), Errno> {
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    let n = u32::try_from(strings.len()).map_err(|_| Errno::Overflow)?;
    let total = u32::try_from(total).map_err(|_| Errno::Overflow)?;
    mem.write_u32(count, n)?;
    mem.write_u32(size, total)
}

/// `sched_yield`.
pub fn sched_yield(_ctx: &mut WasiCtx) -> Result<(), Errno> {
    std::thread::yield_now();
    Ok(())
}

/// What `proc_raise` does with a signal.
#[derive(Debug, PartialEq, Eq)]
pub enum Raise {
    /// Nothing: signal 0, or a signal whose default action is to be ignored.
    Ignore,
    /// The guest ends abnormally, as a process killed by the signal would.
    Terminate(&'static str),
}

/// WASI signal names, by number.
const SIGNALS: [&str; 31] = [
    "NONE", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
    "USR2", "PIPE", "ALRM", "TERM", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
    "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS",
];

/// `proc_raise`: signals take their default action. Those ignored by default (and signal 0)
/// do nothing; stop signals cannot stop a guest (`ENOTSUP`); the rest end the guest with a
/// trap naming the signal. Unknown numbers are `EINVAL`.
pub fn proc_raise(sig: u32) -> Result<Raise, Errno> {
    let name = *SIGNALS.get(sig as usize).ok_or(Errno::Inval)?;
    match name {
        "NONE" | "CHLD" | "CONT" | "URG" | "WINCH" => Ok(Raise::Ignore),
        "STOP" | "TSTP" | "TTIN" | "TTOU" => Err(Errno::Notsup),
        _ => Ok(Raise::Terminate(name)),
    }
}
