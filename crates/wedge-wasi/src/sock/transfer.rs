//! Moving data: `sock_recv`, `sock_recv_from`, `sock_send` and `sock_send_to`, each one
//! `recvmsg`/`sendmsg` straight between the socket and the guest's buffers.

use super::addr;
use super::{aligned, socket, Ver};
use crate::ctx::WasiCtx;
use crate::descriptor::retry;
use crate::errno::Errno;
use crate::memory::{GuestMemory, IoVec};
use crate::types::{riflags, rights, roflags, size};
use rustix::fd::{AsFd, BorrowedFd};
use rustix::net::{RecvAncillaryBuffer, RecvFlags, ReturnFlags, SendAncillaryBuffer, SendFlags};
use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddr;

/// The most bytes one receive moves through a bounce buffer (used only when the guest's
/// buffers overlap): enough for any datagram; a stream receive is just shorter.
const BOUNCE_MAX: usize = 1 << 20;

/// Checks the iovec array itself: at most `IOV_MAX` entries (else `EINVAL`), in memory.
fn iovec_array(mem: &GuestMemory<'_>, iovs: u32, count: u32) -> Result<(), Errno> {
    if count > size::IOV_MAX {
        return Err(Errno::Inval);
    }
    mem.slice(iovs, count * size::IOVEC).map(drop)
}

/// The buffers of a checked iovec array, each in memory, lengths capped so that the total
/// fits the `u32` byte count (as WasmEdge does).
fn buffers(mem: &GuestMemory<'_>, iovs: u32, count: u32) -> Result<Vec<IoVec>, Errno> {
    let mut total: u32 = 0;
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count {
        let v = mem.iovec(iovs, i)?;
        let len = v.len.min(u32::MAX - total);
        total += len;
        mem.slice(v.ptr, len)?;
        out.push(IoVec { ptr: v.ptr, len });
    }
    Ok(out)
}

/// The host flags of `riflags` (`PEEK`, `WAITALL`; others are `EINVAL`).
fn recv_flags(flags: u32) -> Result<RecvFlags, Errno> {
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    if flags & !(riflags::RECV_PEEK | riflags::RECV_WAITALL) != 0 {
        return Err(Errno::Inval);
    }
    let mut host = RecvFlags::empty();
    if flags & riflags::RECV_PEEK != 0 {
        host |= RecvFlags::PEEK;
    }
    if flags & riflags::RECV_WAITALL != 0 {
        host |= RecvFlags::WAITALL;
    }
    Ok(host)
}

/// What one receive brought.
struct Received {
    bytes: u32,
    truncated: bool,
    from: Option<SocketAddr>,
}

/// Receives into the guest buffers `bufs` with one `recvmsg`.
fn receive(
    fd: BorrowedFd<'_>,
    mem: &mut GuestMemory<'_>,
    bufs: &[IoVec],
    flags: RecvFlags,
) -> Result<Received, Errno> {
    let mut control = RecvAncillaryBuffer::default();
    let (msg, bounce) = match mem.disjoint_mut(bufs)? {
        Some(mut views) => {
            let mut io: Vec<IoSliceMut<'_>> =
                views.iter_mut().map(|v| IoSliceMut::new(v)).collect();
            (
                retry(|| rustix::net::recvmsg(fd, &mut io, &mut control, flags))?,
                None,
            )
        }
        None => {
            let total = bufs.iter().map(|b| b.len as usize).sum::<usize>();
            let mut tmp = vec![0u8; total.min(BOUNCE_MAX)];
            let msg = retry(|| {
                rustix::net::recvmsg(fd, &mut [IoSliceMut::new(&mut tmp)], &mut control, flags)
            })?;
            (msg, Some(tmp))
        }
    };
    let bytes = msg.bytes;
    if let Some(tmp) = bounce {
        let mut data = &tmp[..bytes.min(tmp.len())];
        for b in bufs {
            let n = data.len().min(b.len as usize);
            mem.write_bytes(b.ptr, &data[..n])?;
            data = &data[n..];
        }
    }
    Ok(Received {
        bytes: u32::try_from(bytes).unwrap_or(u32::MAX),
        truncated: msg.flags.contains(ReturnFlags::TRUNC),
        from: msg.address.map(addr::from_host).transpose()?,
    })
}

/// `sock_recv`: receives into an iovec array; `RECV_PEEK` leaves the data queued,
/// `RECV_WAITALL` waits for the buffers to fill. End of stream is success with 0 bytes.
#[allow(clippy::too_many_arguments)]
pub fn sock_recv(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    count: u32,
    flags: u32,
    out_len: u32,
    out_flags: u32,
) -> Result<(), Errno> {
    aligned(iovs, 4)?;
    aligned(out_len, 4)?;
    aligned(out_flags, 2)?;
    let flags = recv_flags(flags)?;
    iovec_array(mem, iovs, count)?;
    mem.slice(out_len, 4)?;
    mem.slice(out_flags, 2)?;
    let bufs = buffers(mem, iovs, count)?;
    let s = socket(ctx, fd, rights::FD_READ)?;
    let got = receive(s.fd.as_fd(), mem, &bufs, flags)?;
    mem.write_u32(out_len, got.bytes)?;
    mem.write_u16(out_flags, truncated_flag(got.truncated))
}

fn truncated_flag(truncated: bool) -> u16 {
    if truncated {
        roflags::RECV_DATA_TRUNCATED
    } else {
        0
    }
}

/// `sock_recv_from`: receives a datagram and its sender. V1 `(fd, iovs, count, addr,
/// riflags, out_len, out_flags)` copies the sender's raw address into the address buffer
/// when it fits, and no port; V2 `(fd, iovs, count, addr, riflags, out_port, out_len,
/// out_flags)` takes a 4-, 16- or 128-byte buffer (the last gets the family too) and writes
/// the sender's port as a `u16` in host order.
#[allow(clippy::too_many_arguments)]
pub fn sock_recv_from(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    count: u32,
    at: u32,
    flags: u32,
    out_port: Option<u32>,
    out_len: u32,
    out_flags: u32,
) -> Result<(), Errno> {
    let ver = if out_port.is_some() { Ver::V2 } else { Ver::V1 };
    aligned(at, 4)?;
    aligned(iovs, 4)?;
    if let Some(p) = out_port {
        aligned(p, 2)?;
    }
    aligned(out_len, 4)?;
    aligned(out_flags, 2)?;
    let buf = addr::record(mem, at)?;
    addr::check_recv_from_buf(buf, ver)?;
    let flags = recv_flags(flags)?;
    if count > size::IOV_MAX {
        return Err(Errno::Inval);
    }
    if let Some(p) = out_port {
        mem.slice(p, 2)?;
    }
    iovec_array(mem, iovs, count)?;
    mem.slice(out_len, 4)?;
    mem.slice(out_flags, 2)?;
    let bufs = buffers(mem, iovs, count)?;
    let s = socket(ctx, fd, rights::FD_READ)?;
    let got = receive(s.fd.as_fd(), mem, &bufs, flags)?;
    if let Some(from) = got.from {
        addr::write_sender(mem, buf, from.ip(), ver)?;
        if let Some(p) = out_port {
            mem.write_u16(p, from.port())?;
        }
    }
    mem.write_u32(out_len, got.bytes)?;
    mem.write_u16(out_flags, truncated_flag(got.truncated))
}

/// Sends the guest buffers `bufs` with one `sendmsg` (to `to`, if given), never raising
/// `SIGPIPE`: a reset peer is `EPIPE`.
fn send(
    fd: BorrowedFd<'_>,
    mem: &GuestMemory<'_>,
    bufs: &[IoVec],
    to: Option<SocketAddr>,
) -> Result<u32, Errno> {
    let mut io = Vec::with_capacity(bufs.len());
    for b in bufs {
        io.push(IoSlice::new(mem.slice(b.ptr, b.len)?));
    }
    let mut control = SendAncillaryBuffer::default();
    let flags = SendFlags::NOSIGNAL;
    let n = match to {
        None => retry(|| rustix::net::sendmsg(fd, &io, &mut control, flags))?,
        Some(to) => retry(|| rustix::net::sendmsg_addr(fd, &to, &io, &mut control, flags))?,
    };
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// `siflags` must be 0: none are defined.
fn check_siflags(flags: u32) -> Result<(), Errno> {
    if flags == 0 {
        Ok(())
    } else {
        Err(Errno::Inval)
    }
}

/// `sock_send`: sends the buffers of an iovec array.
pub fn sock_send(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    count: u32,
    flags: u32,
    out_len: u32,
) -> Result<(), Errno> {
    aligned(iovs, 4)?;
    aligned(out_len, 4)?;
    check_siflags(flags)?;
    iovec_array(mem, iovs, count)?;
    mem.slice(out_len, 4)?;
    let bufs = buffers(mem, iovs, count)?;
    let s = socket(ctx, fd, rights::FD_WRITE)?;
    let n = send(s.fd.as_fd(), mem, &bufs, None)?;
    mem.write_u32(out_len, n)
}

/// `sock_send_to` `(fd, iovs, count, addr, port, siflags, out_len)`: sends a datagram to an
/// address (4 or 16 bytes; V2 also a 128-byte storage) and port, if the policy allows it.
#[allow(clippy::too_many_arguments)]
pub fn sock_send_to(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    count: u32,
    at: u32,
    port: u32,
    flags: u32,
    out_len: u32,
    ver: Ver,
) -> Result<(), Errno> {
    aligned(at, 4)?;
    aligned(iovs, 4)?;
    aligned(out_len, 4)?;
    let buf = addr::record(mem, at)?;
    let ip = addr::read_ip(mem, buf, ver)?;
    check_siflags(flags)?;
    iovec_array(mem, iovs, count)?;
    mem.slice(out_len, 4)?;
    let bufs = buffers(mem, iovs, count)?;
    let to = SocketAddr::new(ip, port as u16);
    let s = socket(ctx, fd, rights::FD_WRITE)?;
    ctx.net.may_reach(to)?;
    let n = send(s.fd.as_fd(), mem, &bufs, Some(to))?;
    mem.write_u32(out_len, n)
}
