//! Sockets of preview1: `sock_accept` on a preopened listener, `sock_recv`, `sock_send` and
//! `sock_shutdown` on connections.

use crate::ctx::WasiCtx;
use crate::descriptor::{retry, Descriptor, Kind};
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{fdflags, filetype, riflags, rights, sdflags};
use rustix::net::{RecvFlags, SendFlags};
use std::net::Shutdown;

/// The connected socket `fd` with rights `needed`; `ENOTSOCK` for other descriptors.
fn stream(ctx: &mut WasiCtx, fd: u32, needed: u64) -> Result<&mut Descriptor, Errno> {
    let d = ctx.get(fd)?;
    if !matches!(d.kind, Kind::Stream(_)) {
        return Err(Errno::Notsock);
    }
    d.require(needed)?;
    Ok(d)
}

/// `sock_accept`: takes a connection from a listening socket.
pub fn sock_accept(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u16,
    out: u32,
) -> Result<(), Errno> {
    if flags & !fdflags::NONBLOCK != 0 {
        return Err(Errno::Inval);
    }
    let d = ctx.get(fd)?;
    let Kind::Listener(listener) = &d.kind else {
        return Err(Errno::Notsock);
    };
    d.require(rights::SOCK_ACCEPT)?;
    mem.slice(out, 4)?;
    let inheriting = d.inheriting;
    let (conn, _) = listener.accept()?;
    conn.set_nonblocking(flags & fdflags::NONBLOCK != 0)?;
    let new = ctx.insert(Descriptor {
        kind: Kind::Stream(conn),
        filetype: filetype::SOCKET_STREAM,
        base: rights::SOCKET & inheriting,
        inheriting: 0,
        flags,
    })?;
    mem.write_u32(out, new)
}

/// `sock_recv`: receives into an iovec array; `RECV_PEEK` leaves the data queued and
/// `RECV_WAITALL` waits until the buffers are full (or the peer closes).
#[allow(clippy::too_many_arguments)]
pub fn sock_recv(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    flags: u16,
    datalen: u32,
    oflags: u32,
) -> Result<(), Errno> {
    if flags & !(riflags::RECV_PEEK | riflags::RECV_WAITALL) != 0 {
        return Err(Errno::Inval);
    }
    let d = stream(ctx, fd, rights::FD_READ)?;
    let host = d.kind.fd().ok_or(Errno::Badf)?;
    let mut rflags = RecvFlags::empty();
    if flags & riflags::RECV_WAITALL != 0 {
        rflags |= RecvFlags::WAITALL;
    }
    mem.write_u32(datalen, 0)?;
    mem.write_u16(oflags, 0)?;
    mem.check_iovecs(iovs, iovs_len)?;
    for i in 0..iovs_len {
        let v = mem.iovec(iovs, i)?;
        mem.slice(v.ptr, v.len)?;
    }
    let peek = flags & riflags::RECV_PEEK != 0;
    let mut total: u32 = 0;
    for i in 0..iovs_len {
        let v = mem.iovec(iovs, i)?;
        if v.len == 0 {
            continue;
        }
        let buf = mem.slice_mut(v.ptr, v.len)?;
        let f = if peek {
            rflags | RecvFlags::PEEK
        } else {
            rflags
        };
        match retry(|| rustix::net::recv(host, &mut *buf, f)) {
            Ok((n, _)) => {
                total = total.saturating_add(n as u32);
                // Peeking again would return the same bytes: peek once, into the first buffer.
                if peek || n < v.len as usize {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    mem.write_u32(datalen, total)
}

/// `sock_send`: sends the buffers of an iovec array.
pub fn sock_send(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    flags: u16,
    datalen: u32,
) -> Result<(), Errno> {
    if flags != 0 {
        return Err(Errno::Inval);
    }
    let d = stream(ctx, fd, rights::FD_WRITE)?;
    let host = d.kind.fd().ok_or(Errno::Badf)?;
    mem.write_u32(datalen, 0)?;
    mem.check_iovecs(iovs, iovs_len)?;
    for i in 0..iovs_len {
        let v = mem.iovec(iovs, i)?;
        mem.slice(v.ptr, v.len)?;
    }
    let mut total: u32 = 0;
    for i in 0..iovs_len {
        let v = mem.iovec(iovs, i)?;
        if v.len == 0 {
            continue;
        }
        let buf = mem.slice(v.ptr, v.len)?;
        match retry(|| rustix::net::send(host, buf, SendFlags::NOSIGNAL)) {
            Ok(n) => {
                total = total.saturating_add(n as u32);
                if n < buf.len() {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    mem.write_u32(datalen, total)
}

/// `sock_shutdown`.
pub fn sock_shutdown(ctx: &mut WasiCtx, fd: u32, how: u8) -> Result<(), Errno> {
    let how = match how {
        sdflags::RD => Shutdown::Read,
        sdflags::WR => Shutdown::Write,
        x if x == sdflags::RD | sdflags::WR => Shutdown::Both,
        _ => return Err(Errno::Inval),
    };
    let d = stream(ctx, fd, rights::SOCK_SHUTDOWN)?;
    match &d.kind {
        Kind::Stream(s) => Ok(s.shutdown(how)?),
        _ => Err(Errno::Notsock),
    }
}
