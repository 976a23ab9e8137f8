//! WasmEdge's socket extension of `wasi_snapshot_preview1`: sockets opened by the guest
//! (`sock_open`), IPv4 and IPv6, TCP and UDP, addresses, options and name resolution, with the
//! argument checks, layouts and errno values of WasmEdge's own implementation.
//!
//! Every call checks the guest's pointers first (a misaligned one is `EADDRNOTAVAIL`, one out
//! of bounds `EFAULT`, as in WasmEdge), then the descriptor (`EBADF` if unknown, `ENOTSOCK` if
//! it is no socket), then the network policy (`EACCES`), and only then makes the system call.

mod addr;
mod calls;
mod dns;
mod options;
mod sys;
mod transfer;

pub use calls::{
    sock_accept, sock_bind, sock_connect, sock_getaddr, sock_listen, sock_open, sock_shutdown, End,
};
pub use dns::sock_getaddrinfo;
pub use options::{sock_getsockopt, sock_setsockopt};
pub(crate) use sys::send_queue;
pub use transfer::{sock_recv, sock_recv_from, sock_send, sock_send_to};

use crate::ctx::WasiCtx;
use crate::descriptor::{Descriptor, Kind};
use crate::errno::Errno;
use crate::types::{addrfamily, filetype, rights, socktype};
use rustix::fd::OwnedFd;

/// Which version of a WasmEdge socket function: V1 takes 4- or 16-byte addresses, V2 also
/// WasmEdge's 128-byte address storage (and reports addresses in it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ver {
    /// The first version (the plain names, with their first signatures).
    V1,
    /// The `_v2` functions (and plain names imported with the `_v2` signature).
    V2,
}

/// A socket of the guest.
pub struct Socket {
    /// The host socket.
    pub fd: OwnedFd,
    /// `addrfamily::INET4` or `INET6`.
    pub family: u8,
    /// `socktype::STREAM` or `DGRAM`.
    pub socktype: u8,
}

impl Socket {
    /// A descriptor for this socket with every socket right and `flags`.
    pub fn into_descriptor(self, flags: u16) -> Descriptor {
        let filetype = if self.socktype == socktype::DGRAM {
            filetype::SOCKET_DGRAM
        } else {
            filetype::SOCKET_STREAM
        };
        Descriptor {
            kind: Kind::Socket(self),
            filetype,
            base: rights::SOCKET,
            inheriting: rights::SOCKET,
            flags,
        }
    }

    /// Describes a host socket handed over by the embedder (a preopened listener).
    pub fn from_host(fd: OwnedFd) -> Result<Socket, Errno> {
        use rustix::net::{sockopt, AddressFamily, SocketType};
        let family = match sockopt::socket_domain(&fd)? {
            AddressFamily::INET6 => addrfamily::INET6,
            AddressFamily::INET => addrfamily::INET4,
            _ => return Err(Errno::Afnosupport),
        };
        let socktype = match sockopt::socket_type(&fd)? {
            SocketType::DGRAM => socktype::DGRAM,
            _ => socktype::STREAM,
        };
        Ok(Socket {
            fd,
            family,
            socktype,
        })
    }
}

/// The socket `fd` with the rights `needed`: `EBADF` for an unknown descriptor, `ENOTSOCK`
/// for one that is not a socket (files, directories, stdio), as the kernel would say.
pub(crate) fn socket(ctx: &WasiCtx, fd: u32, needed: u64) -> Result<&Socket, Errno> {
    let d = ctx
        .fds
        .get(fd as usize)
        .and_then(Option::as_ref)
        .ok_or(Errno::Badf)?;
    let Kind::Socket(s) = &d.kind else {
        return Err(Errno::Notsock);
    };
    d.require(needed)?;
    Ok(s)
}

/// Fails with `EADDRNOTAVAIL` unless `ptr` is aligned to `align`: WasmEdge's answer to a
/// misaligned pointer in every socket call.
pub(crate) fn aligned(ptr: u32, align: u32) -> Result<(), Errno> {
    if ptr.is_multiple_of(align) {
        Ok(())
    } else {
        Err(Errno::Addrnotavail)
    }
}
