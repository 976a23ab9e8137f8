//! `sock_getsockopt` and `sock_setsockopt`: `SOL_SOCKET` options by WasmEdge's numbers.
//! Values pass in the host's layout (an `int`, `struct linger`, `struct timeval`), except
//! that reading `SO_ERROR` gives a WASI errno and reading `SO_TYPE` a WASI socket type.

use super::{aligned, socket, sys};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{sockopt, socktype};
use rustix::fd::AsFd;

/// The host option of a WasmEdge level and name (`EINVAL` for others).
fn host_option(level: u32, name: u32) -> Result<libc::c_int, Errno> {
    if level != sockopt::SOL_SOCKET {
        return Err(Errno::Inval);
    }
    Ok(match name {
        sockopt::SO_REUSEADDR => libc::SO_REUSEADDR,
        sockopt::SO_TYPE => libc::SO_TYPE,
        sockopt::SO_ERROR => libc::SO_ERROR,
        sockopt::SO_DONTROUTE => libc::SO_DONTROUTE,
        sockopt::SO_BROADCAST => libc::SO_BROADCAST,
        sockopt::SO_SNDBUF => libc::SO_SNDBUF,
        sockopt::SO_RCVBUF => libc::SO_RCVBUF,
        sockopt::SO_KEEPALIVE => libc::SO_KEEPALIVE,
        sockopt::SO_OOBINLINE => libc::SO_OOBINLINE,
        sockopt::SO_LINGER => libc::SO_LINGER,
        sockopt::SO_RCVLOWAT => libc::SO_RCVLOWAT,
        sockopt::SO_RCVTIMEO => libc::SO_RCVTIMEO,
        sockopt::SO_SNDTIMEO => libc::SO_SNDTIMEO,
        sockopt::SO_ACCEPTCONN => libc::SO_ACCEPTCONN,
        sockopt::SO_BINDTODEVICE => libc::SO_BINDTODEVICE,
        _ => return Err(Errno::Inval),
    })
}

/// `sock_getsockopt(fd, level, name, val, inout_len)`: `*inout_len` is the buffer's size on
/// entry and the value's on return.
pub fn sock_getsockopt(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    level: u32,
    name: u32,
    val: u32,
    inout_len: u32,
) -> Result<(), Errno> {
    aligned(inout_len, 4)?;
    let host = host_option(level, name)?;
    let len = mem.read_u32(inout_len)?;
    mem.slice(val, len)?;
    let s = socket(ctx, fd, 0)?;
    let converted = matches!(name, sockopt::SO_ERROR | sockopt::SO_TYPE);
    if converted && len < 4 {
        // Too small for the int the conversion rewrites.
        return Err(Errno::Inval);
    }
    let buf = mem.slice_mut(val, len)?;
    let n = sys::getsockopt(s.fd.as_fd(), host, buf)?;
    if converted && n == 4 {
        let raw = i32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let wasi = match name {
            sockopt::SO_ERROR if raw == 0 => 0,
            sockopt::SO_ERROR => {
                i32::from(Errno::from(rustix::io::Errno::from_raw_os_error(raw)).raw())
            }
            _ => i32::from(match raw {
                libc::SOCK_DGRAM => socktype::DGRAM,
                libc::SOCK_STREAM => socktype::STREAM,
                _ => socktype::ANY,
            }),
        };
        buf[..4].copy_from_slice(&wasi.to_le_bytes());
    }
    mem.write_u32(inout_len, n as u32)
}

/// `sock_setsockopt(fd, level, name, val, len)` (`len` is a size, not a pointer).
pub fn sock_setsockopt(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    level: u32,
    name: u32,
    val: u32,
    len: u32,
) -> Result<(), Errno> {
    let host = host_option(level, name)?;
    let value = mem.slice(val, len)?;
    let s = socket(ctx, fd, 0)?;
    sys::setsockopt(s.fd.as_fd(), host, value)
}
