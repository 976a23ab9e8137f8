//! The few socket calls rustix does not wrap: raw `getsockopt`/`setsockopt` (WasmEdge passes
//! option values through in the host's layout) and `getaddrinfo`. All `unsafe` of the socket
//! extension is here.

use crate::errno::Errno;
use rustix::fd::{AsRawFd, BorrowedFd};
use std::ffi::{CStr, CString};
use std::net::SocketAddr;

/// `getsockopt(fd, SOL_SOCKET, name)` into `buf`; returns the length the kernel wrote.
pub fn getsockopt(fd: BorrowedFd<'_>, name: libc::c_int, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut len = libc::socklen_t::try_from(buf.len()).map_err(|_| Errno::Inval)?;
    // SAFETY: `buf` is valid for writes of `len` bytes and `len` is a valid socklen_t the
    // kernel may lower; the descriptor is borrowed for the duration of the call.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            buf.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if r < 0 {
        return Err(last_errno());
    }
    Ok((len as usize).min(buf.len()))
}

/// `setsockopt(fd, SOL_SOCKET, name, buf)`.
pub fn setsockopt(fd: BorrowedFd<'_>, name: libc::c_int, buf: &[u8]) -> Result<(), Errno> {
    let len = libc::socklen_t::try_from(buf.len()).map_err(|_| Errno::Inval)?;
    // SAFETY: `buf` is valid for reads of `len` bytes (a null pointer only with length 0,
    // which the kernel does not read); the descriptor is borrowed for the call.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            buf.as_ptr().cast(),
            len,
        )
    };
    if r < 0 {
        return Err(last_errno());
    }
    Ok(())
}

/// Bytes queued in a socket's send buffer and not yet acknowledged (`TIOCOUTQ`).
pub fn send_queue(fd: BorrowedFd<'_>) -> Option<usize> {
    let mut queued: libc::c_int = 0;
    // SAFETY: TIOCOUTQ writes one int through the pointer, which is valid for the call.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCOUTQ, &mut queued) };
    (r == 0).then(|| queued.max(0) as usize)
}

fn last_errno() -> Errno {
    Errno::from(std::io::Error::last_os_error())
}

/// Hints for [`getaddrinfo`], in host values.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hints {
    /// `AI_*` flags.
    pub flags: libc::c_int,
    /// `AF_UNSPEC`, `AF_INET` or `AF_INET6`.
    pub family: libc::c_int,
    /// `SOCK_STREAM`, `SOCK_DGRAM` or 0.
    pub socktype: libc::c_int,
    /// `IPPROTO_TCP`, `IPPROTO_UDP` or 0.
    pub protocol: libc::c_int,
}

/// One result of [`getaddrinfo`], in host values.
#[derive(Clone, Debug)]
pub struct AddrInfo {
    /// `AI_*` flags.
    pub flags: libc::c_int,
    /// Host socket type.
    pub socktype: libc::c_int,
    /// Host protocol.
    pub protocol: libc::c_int,
    /// The address (IPv4 or IPv6; others are skipped).
    pub addr: SocketAddr,
    /// The canonical name, when asked for and known.
    pub canonname: Option<Vec<u8>>,
}

/// `EAI_ADDRFAMILY` (a glibc extension the libc crate does not name).
pub const EAI_ADDRFAMILY: libc::c_int = -9;

/// Resolves `node` and `service` with the system resolver; `Err` holds the `EAI_*` code (and
/// `errno` for `EAI_SYSTEM`).
pub fn getaddrinfo(
    node: Option<&CStr>,
    service: Option<&CStr>,
    hints: Hints,
) -> Result<Vec<AddrInfo>, (libc::c_int, Errno)> {
    // SAFETY: an all-zero addrinfo is a valid value (null pointers, zero numbers).
    let mut h: libc::addrinfo = unsafe { std::mem::zeroed() };
    h.ai_flags = hints.flags;
    h.ai_family = hints.family;
    h.ai_socktype = hints.socktype;
    h.ai_protocol = hints.protocol;
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    let c = |s: Option<&CStr>| s.map_or(std::ptr::null(), CStr::as_ptr);
    // SAFETY: node and service are NUL-terminated or null, `h` is a valid hints record and
    // `res` receives a list we free below.
    let r = unsafe { libc::getaddrinfo(c(node), c(service), &h, &mut res) };
    if r != 0 {
        let errno = if r == libc::EAI_SYSTEM {
            last_errno()
        } else {
            Errno::Io
        };
        return Err((r, errno));
    }
    let mut out = Vec::new();
    let mut at = res;
    while !at.is_null() {
        // SAFETY: `at` is a node of the list getaddrinfo returned, not yet freed.
        let ai = unsafe { &*at };
        // SAFETY: ai_addr points to ai_addrlen bytes of a socket address of its family.
        if let Some(addr) = unsafe { socket_addr(ai.ai_addr, ai.ai_addrlen) } {
            let canonname = (!ai.ai_canonname.is_null()).then(|| {
                // SAFETY: a non-null ai_canonname is a NUL-terminated string of the list.
                unsafe { CStr::from_ptr(ai.ai_canonname) }
                    .to_bytes()
                    .to_vec()
            });
            out.push(AddrInfo {
                flags: ai.ai_flags,
                socktype: ai.ai_socktype,
                protocol: ai.ai_protocol,
                addr,
                canonname,
            });
        }
        at = ai.ai_next;
    }
    // SAFETY: `res` is the list getaddrinfo returned, freed once.
    unsafe { libc::freeaddrinfo(res) };
    Ok(out)
}

/// An IPv4 or IPv6 address from a host `sockaddr` (others: `None`).
///
/// # Safety
/// `sa` must be null or point to `len` readable bytes of a socket address.
unsafe fn socket_addr(sa: *const libc::sockaddr, len: libc::socklen_t) -> Option<SocketAddr> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees `sa` points to a socket address of `len` bytes; each
    // family's record is read only when it is long enough, unaligned.
    unsafe {
        match i32::from((*sa).sa_family) {
            libc::AF_INET if len as usize >= std::mem::size_of::<libc::sockaddr_in>() => {
                let v4 = std::ptr::read_unaligned(sa.cast::<libc::sockaddr_in>());
                Some(SocketAddr::new(
                    std::net::Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr)).into(),
                    u16::from_be(v4.sin_port),
                ))
            }
            libc::AF_INET6 if len as usize >= std::mem::size_of::<libc::sockaddr_in6>() => {
                let v6 = std::ptr::read_unaligned(sa.cast::<libc::sockaddr_in6>());
                Some(SocketAddr::V6(std::net::SocketAddrV6::new(
                    v6.sin6_addr.s6_addr.into(),
                    u16::from_be(v6.sin6_port),
                    v6.sin6_flowinfo,
                    v6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }
}

/// A NUL-terminated copy of guest bytes (cut at the first NUL, so a length that includes
/// the terminator works too); `None` for an empty string.
pub fn c_string(bytes: &[u8]) -> Option<CString> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    if end == 0 {
        return None;
    }
    CString::new(&bytes[..end]).ok()
}
