//! Socket addresses in guest memory: WasmEdge's `address` record (a pointer and a length)
//! and the bytes it points to, which are a raw IPv4 address (4 bytes), a raw IPv6 address
//! (16 bytes) or, in the `_v2` functions, a 128-byte storage (`u16` family, then the address).
//! Ports travel separately, as plain numbers.

use super::{aligned, Ver};
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{addrfamily, size};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Where an address record points: the guest buffer and its length.
#[derive(Clone, Copy, Debug)]
pub struct AddrBuf {
    /// Guest address of the bytes.
    pub ptr: u32,
    /// Their number.
    pub len: u32,
}

/// Reads the `address` record at `at` (4-aligned, else `EADDRNOTAVAIL`) and checks that the
/// buffer it describes lies in memory (else `EFAULT`).
pub fn record(mem: &GuestMemory<'_>, at: u32) -> Result<AddrBuf, Errno> {
    aligned(at, 4)?;
    mem.slice(at, size::ADDRESS)?;
    let buf = AddrBuf {
        ptr: mem.read_u32(at)?,
        len: mem.read_u32(at + 4)?,
    };
    mem.slice(buf.ptr, buf.len)?;
    Ok(buf)
}

/// The IP address an input record describes: 4 or 16 raw bytes, or (V2 only) a 128-byte
/// storage. Other lengths are `EINVAL`; a storage of family `AF_UNIX` is `EAFNOSUPPORT`.
pub fn read_ip(mem: &GuestMemory<'_>, buf: AddrBuf, ver: Ver) -> Result<IpAddr, Errno> {
    let bytes = mem.slice(buf.ptr, buf.len)?;
    match (bytes.len() as u32, ver) {
        (4, _) => Ok(ipv4(bytes)),
        (16, _) => Ok(ipv6(bytes)),
        (size::ADDR_STORAGE, Ver::V2) => {
            let family = u16::from_le_bytes([bytes[0], bytes[1]]);
            match u8::try_from(family) {
                Ok(addrfamily::INET4) => Ok(ipv4(&bytes[2..6])),
                Ok(addrfamily::INET6) => Ok(ipv6(&bytes[2..18])),
                Ok(addrfamily::AF_UNIX) => Err(Errno::Afnosupport),
                _ => Err(Errno::Inval),
            }
        }
        _ => Err(Errno::Inval),
    }
}

fn ipv4(b: &[u8]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
}

fn ipv6(b: &[u8]) -> IpAddr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    IpAddr::V6(Ipv6Addr::from(a))
}

/// The raw bytes and WasmEdge family of an IP address.
fn raw(ip: IpAddr) -> (u8, Vec<u8>) {
    match ip {
        IpAddr::V4(v4) => (addrfamily::INET4, v4.octets().to_vec()),
        IpAddr::V6(v6) => (addrfamily::INET6, v6.octets().to_vec()),
    }
}

/// Writes `ip` into a buffer of exactly 4 or 16 bytes (`sock_getlocaladdr`/`getpeeraddr` V1):
/// an IPv6 address does not fit 4 bytes (`ENOMEM`, as WasmEdge says). Returns the address
/// type V1 reports: 4 or 6 (not the family numbers, a compatibility rule of WasmEdge's).
pub fn write_raw(mem: &mut GuestMemory<'_>, buf: AddrBuf, ip: IpAddr) -> Result<u32, Errno> {
    let (family, bytes) = raw(ip);
    if (buf.len as usize) < bytes.len() {
        return Err(Errno::Nomem);
    }
    mem.write_bytes(buf.ptr, &bytes)?;
    Ok(if family == addrfamily::INET4 { 4 } else { 6 })
}

/// Writes `ip` as a 128-byte storage: the `u16` family, then the address bytes.
pub fn write_storage(mem: &mut GuestMemory<'_>, buf: AddrBuf, ip: IpAddr) -> Result<(), Errno> {
    let (family, bytes) = raw(ip);
    mem.write_bytes(buf.ptr, &u16::from(family).to_le_bytes())?;
    mem.write_bytes(buf.ptr + 2, &bytes)
}

/// Writes the sender of a datagram into the buffer of a `sock_recv_from`: V1 copies the raw
/// address when the buffer is big enough for it (and nothing otherwise); V2 takes 4, 16 or
/// 128 bytes (else `EINVAL`, checked by [`check_recv_from_buf`]) and fills a storage when
/// given 128.
pub fn write_sender(
    mem: &mut GuestMemory<'_>,
    buf: AddrBuf,
    ip: IpAddr,
    ver: Ver,
) -> Result<(), Errno> {
    if ver == Ver::V2 && buf.len == size::ADDR_STORAGE {
        return write_storage(mem, buf, ip);
    }
    let (_, bytes) = raw(ip);
    if buf.len as usize >= bytes.len() {
        mem.write_bytes(buf.ptr, &bytes)?;
    }
    Ok(())
}

/// The buffer of a V2 `sock_recv_from` must be 4, 16 or 128 bytes.
pub fn check_recv_from_buf(buf: AddrBuf, ver: Ver) -> Result<(), Errno> {
    match (ver, buf.len) {
        (Ver::V1, _) | (Ver::V2, 4 | 16 | size::ADDR_STORAGE) => Ok(()),
        _ => Err(Errno::Inval),
    }
}

/// The IP address and port of a host socket address (`ENOSYS` for other families, as
/// WasmEdge answers for them).
pub fn from_host(addr: rustix::net::SocketAddrAny) -> Result<SocketAddr, Errno> {
    SocketAddr::try_from(addr).map_err(|_| Errno::Nosys)
}
