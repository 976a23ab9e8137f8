//! Socket life cycle: `sock_open`, `sock_bind`, `sock_connect`, `sock_listen`, `sock_accept`,
//! `sock_shutdown`, and the local and peer addresses.

use super::addr::{self, AddrBuf};
use super::{aligned, socket, Socket, Ver};
use crate::ctx::WasiCtx;
use crate::descriptor::retry;
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{addrfamily, fdflags, rights, sdflags, size, socktype};
use rustix::net::{AddressFamily, SocketFlags, SocketType};
use std::net::SocketAddr;

/// `sock_open` (V1 and V2 alike): a new socket of family `af` (1 IPv4, 2 IPv6) and type
/// `ty` (1 datagram, 2 stream). `AF_UNIX` is `ENOSYS`, as in WasmEdge without
/// `--allow-af-unix`; other values are `EINVAL`. Sockets start blocking.
pub fn sock_open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    af: u32,
    ty: u32,
    out: u32,
) -> Result<(), Errno> {
    aligned(out, 4)?;
    mem.slice(out, 4)?;
    let family = match u8::try_from(af) {
        Ok(f @ (addrfamily::INET4 | addrfamily::INET6)) => f,
        Ok(addrfamily::AF_UNIX) => return Err(Errno::Nosys),
        _ => return Err(Errno::Inval),
    };
    let stype = match u8::try_from(ty) {
        Ok(t @ (socktype::DGRAM | socktype::STREAM)) => t,
        _ => return Err(Errno::Inval),
    };
    ctx.net.may_open()?;
    let domain = if family == addrfamily::INET6 {
        AddressFamily::INET6
    } else {
        AddressFamily::INET
    };
    let host_type = if stype == socktype::STREAM {
        SocketType::STREAM
    } else {
        SocketType::DGRAM
    };
    let fd = retry(|| rustix::net::socket_with(domain, host_type, SocketFlags::CLOEXEC, None))?;
    let new = ctx.insert(
        Socket {
            fd,
            family,
            socktype: stype,
        }
        .into_descriptor(0),
    )?;
    mem.write_u32(out, new)
}

/// The address and port an address argument names.
fn target(mem: &GuestMemory<'_>, at: u32, port: u32, ver: Ver) -> Result<SocketAddr, Errno> {
    let buf = addr::record(mem, at)?;
    let ip = addr::read_ip(mem, buf, ver)?;
    // WasmEdge takes the port argument modulo 2^16.
    Ok(SocketAddr::new(ip, port as u16))
}

/// `sock_bind`: binds the socket to an address and port (0: the kernel picks one).
pub fn sock_bind(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    at: u32,
    port: u32,
    ver: Ver,
) -> Result<(), Errno> {
    let to = target(mem, at, port, ver)?;
    let s = socket(ctx, fd, 0)?;
    ctx.net.may_bind(to)?;
    retry(|| rustix::net::bind(&s.fd, &to))
}

/// `sock_connect`: connects the socket; a non-blocking stream socket answers `EINPROGRESS`
/// and the guest waits for it to become writable.
pub fn sock_connect(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    at: u32,
    port: u32,
    ver: Ver,
) -> Result<(), Errno> {
    let to = target(mem, at, port, ver)?;
    let s = socket(ctx, fd, 0)?;
    ctx.net.may_reach(to)?;
    // A connect interrupted by a signal goes on in the background: retrying would say
    // EALREADY, so the interruption is the guest's to see.
    Ok(rustix::net::connect(&s.fd, &to)?)
}

/// `sock_listen`.
pub fn sock_listen(ctx: &mut WasiCtx, fd: u32, backlog: u32) -> Result<(), Errno> {
    let s = socket(ctx, fd, 0)?;
    retry(|| rustix::net::listen(&s.fd, backlog as i32))
}

/// `sock_accept`: takes a connection from a listening socket. The V1 form passes no flags;
/// the V2 form (preview1's) may ask for `NONBLOCK` on the new socket. Other flags are
/// `EINVAL` (WasmEdge accepts and ignores the other defined ones; preview1 runtimes refuse
/// them, and silently ignoring `SYNC` on a socket would mislead).
pub fn sock_accept(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    out: u32,
) -> Result<(), Errno> {
    aligned(out, 4)?;
    mem.slice(out, 4)?;
    let flags = u16::try_from(flags)
        .ok()
        .filter(|f| f & !fdflags::NONBLOCK == 0)
        .ok_or(Errno::Inval)?;
    let listener = socket(ctx, fd, rights::SOCK_ACCEPT)?;
    let mut host_flags = SocketFlags::CLOEXEC;
    if flags & fdflags::NONBLOCK != 0 {
        host_flags |= SocketFlags::NONBLOCK;
    }
    let conn = retry(|| rustix::net::accept_with(&listener.fd, host_flags))?;
    let accepted = Socket {
        fd: conn,
        family: listener.family,
        socktype: socktype::STREAM,
    };
    let new = ctx.insert(accepted.into_descriptor(flags & fdflags::NONBLOCK))?;
    mem.write_u32(out, new)
}

/// `sock_shutdown`: `RD` (1), `WR` (2) or both. WasmEdge treats 0 as `RD`; here 0 is
/// `EINVAL`, as preview1 implementations answer (no guest sends it).
pub fn sock_shutdown(ctx: &mut WasiCtx, fd: u32, how: u32) -> Result<(), Errno> {
    use rustix::net::Shutdown;
    let how = match u8::try_from(how) {
        Ok(sdflags::RD) => Shutdown::Read,
        Ok(sdflags::WR) => Shutdown::Write,
        Ok(both) if both == sdflags::RD | sdflags::WR => Shutdown::Both,
        _ => return Err(Errno::Inval),
    };
    let s = socket(ctx, fd, rights::SOCK_SHUTDOWN)?;
    retry(|| rustix::net::shutdown(&s.fd, how))
}

/// Which end of a socket an address call asks about.
#[derive(Clone, Copy)]
pub enum End {
    /// `getsockname`.
    Local,
    /// `getpeername`.
    Peer,
}

fn address_of(s: &Socket, end: End) -> Result<SocketAddr, Errno> {
    match end {
        End::Local => addr::from_host(retry(|| rustix::net::getsockname(&s.fd))?),
        End::Peer => match retry(|| rustix::net::getpeername(&s.fd))? {
            Some(a) => addr::from_host(a),
            None => Err(Errno::Notconn),
        },
    }
}

/// `sock_getlocaladdr` and `sock_getpeeraddr`, both versions. V1 `(fd, addr, out_type,
/// out_port)`: a 4- or 16-byte buffer gets the raw address and `out_type` 4 or 6; V2 `(fd,
/// addr, out_port)`: a 128-byte storage gets family and address. The port (`u32`) is in host
/// order. `out_type` is `None` for V2.
pub fn sock_getaddr(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    at: u32,
    out_type: Option<u32>,
    out_port: u32,
    end: End,
) -> Result<(), Errno> {
    aligned(at, 4)?;
    if let Some(t) = out_type {
        aligned(t, 4)?;
    }
    aligned(out_port, 4)?;
    let buf: AddrBuf = addr::record(mem, at)?;
    match out_type {
        Some(t) => {
            if !matches!(buf.len, 4 | 16) {
                return Err(Errno::Inval);
            }
            mem.slice(t, 4)?;
            mem.slice(out_port, 4)?;
        }
        None => {
            mem.slice(out_port, 4)?;
            if buf.len != size::ADDR_STORAGE {
                return Err(Errno::Inval);
            }
        }
    }
    let s = socket(ctx, fd, 0)?;
    let a = address_of(s, end)?;
    match out_type {
        Some(t) => {
            let kind = addr::write_raw(mem, buf, a.ip())?;
            mem.write_u32(t, kind)?;
        }
        None => addr::write_storage(mem, buf, a.ip())?,
    }
    mem.write_u32(out_port, u32::from(a.port()))
}
