//! `sock_getaddrinfo`: name resolution with the system resolver, results written into a list
//! of `addrinfo` records the guest has linked in advance.
//!
//! Records (little-endian, wasm32 pointers):
//! `addrinfo` (28 bytes): `+0 u16 flags, +2 u8 family, +3 u8 socktype, +4 u8 protocol,
//! +8 u32 addrlen, +12 u32 addr -> sockaddr, +16 u32 canonname, +20 u32 canonname_len,
//! +24 u32 next`; `sockaddr` (12 bytes): `+0 u8 family, +4 u32 data_len, +8 u32 data`, where
//! `data` gets the host `sockaddr` after its family field (port big-endian first).

use super::aligned;
use super::sys::{self, AddrInfo, Hints};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{addrfamily, aiflags, protocol, size, socktype};
use std::net::SocketAddr;

/// The most result records one call checks and fills, however long the guest says its list
/// is (its length bounds host work, and no resolver returns more).
const MAX_RESULTS: u32 = 4096;

/// WasmEdge's `aiflags` and the host's `AI_*` flag each stands for.
const AI_FLAGS: [(u16, libc::c_int); 7] = [
    (aiflags::PASSIVE, libc::AI_PASSIVE),
    (aiflags::CANONNAME, libc::AI_CANONNAME),
    (aiflags::NUMERICHOST, libc::AI_NUMERICHOST),
    (aiflags::NUMERICSERV, libc::AI_NUMERICSERV),
    (aiflags::V4MAPPED, libc::AI_V4MAPPED),
    (aiflags::ALL, libc::AI_ALL),
    (aiflags::ADDRCONFIG, libc::AI_ADDRCONFIG),
];

/// Reads a little-endian `u32` at any alignment (the guest's records need not be aligned).
fn u32_at(mem: &GuestMemory<'_>, at: u32) -> Result<u32, Errno> {
    let b = mem.slice(at, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// One result record of the guest's list and the buffers it points to.
struct Slot {
    at: u32,
    sockaddr: u32,
    data: u32,
    data_len: u32,
    canonname: u32,
    canonname_len: u32,
}

/// Walks `count` records from `first`, checking that each and its buffers lie in memory.
fn slots(mem: &GuestMemory<'_>, first: u32, count: u32) -> Result<Vec<Slot>, Errno> {
    let mut out = Vec::new();
    let mut at = first;
    for _ in 0..count {
        mem.slice(at, size::ADDRINFO)?;
        let sockaddr = u32_at(mem, at + 12)?;
        mem.slice(sockaddr, size::SOCKADDR)?;
        let data_len = u32_at(mem, sockaddr + 4)?;
        let data = u32_at(mem, sockaddr + 8)?;
        mem.slice(data, data_len)?;
        let canonname = u32_at(mem, at + 16)?;
        let canonname_len = u32_at(mem, at + 20)?;
        mem.slice(canonname, canonname_len)?;
        out.push(Slot {
            at,
            sockaddr,
            data,
            data_len,
            canonname,
            canonname_len,
        });
        at = u32_at(mem, at + 24)?;
    }
    Ok(out)
}

/// The host hints of the guest's hints record, after WasmEdge's checks (in its order).
fn hints(mem: &GuestMemory<'_>, at: u32, node_empty: bool) -> Result<Hints, Errno> {
    let rec = mem.slice(at, size::ADDRINFO)?;
    let flags = u16::from_le_bytes([rec[0], rec[1]]);
    let (family, stype, proto) = (rec[2], rec[3], rec[4]);
    if flags & !aiflags::DEFINED != 0 || (flags & aiflags::CANONNAME != 0 && node_empty) {
        return Err(Errno::Aibadflag);
    }
    let family = match family {
        addrfamily::UNSPEC => libc::AF_UNSPEC,
        addrfamily::INET4 => libc::AF_INET,
        addrfamily::INET6 => libc::AF_INET6,
        _ => return Err(Errno::Aifamily),
    };
    let protocol = match proto {
        protocol::IP => 0,
        protocol::TCP => libc::IPPROTO_TCP,
        protocol::UDP => libc::IPPROTO_UDP,
        _ => return Err(Errno::Nosys),
    };
    let socktype = match stype {
        socktype::ANY => 0,
        socktype::DGRAM => libc::SOCK_DGRAM,
        socktype::STREAM => libc::SOCK_STREAM,
        _ => return Err(Errno::Nosys),
    };
    let host_flags = AI_FLAGS
        .iter()
        .filter(|(w, _)| flags & w != 0)
        .fold(0, |acc, (_, h)| acc | h);
    Ok(Hints {
        flags: host_flags,
        family,
        socktype,
        protocol,
    })
}

/// WasmEdge's errno for a resolver failure (`EAI_*`).
fn eai_errno(code: libc::c_int) -> Errno {
    match code {
        sys::EAI_ADDRFAMILY => Errno::Aiaddrfamily,
        libc::EAI_AGAIN => Errno::Aiagain,
        libc::EAI_BADFLAGS => Errno::Aibadflag,
        libc::EAI_FAIL => Errno::Aifail,
        libc::EAI_FAMILY => Errno::Aifamily,
        libc::EAI_MEMORY => Errno::Aimemory,
        libc::EAI_NODATA => Errno::Ainodata,
        libc::EAI_NONAME => Errno::Ainoname,
        libc::EAI_SERVICE => Errno::Aiservice,
        libc::EAI_SOCKTYPE => Errno::Aisocktype,
        libc::EAI_SYSTEM => Errno::Aisystem,
        _ => Errno::Aifail,
    }
}

/// Writes one result into the guest's record. Buffers are filled only as far as the guest
/// said they reach (WasmEdge writes the whole address and name regardless).
fn fill(mem: &mut GuestMemory<'_>, slot: &Slot, r: &AddrInfo) -> Result<(), Errno> {
    let wasi_flags = AI_FLAGS
        .iter()
        .filter(|(_, h)| r.flags & h != 0)
        .fold(0u16, |acc, (w, _)| acc | w);
    let stype = match r.socktype {
        libc::SOCK_STREAM => socktype::STREAM,
        libc::SOCK_DGRAM => socktype::DGRAM,
        _ => socktype::ANY,
    };
    let proto = match r.protocol {
        libc::IPPROTO_TCP => protocol::TCP,
        libc::IPPROTO_UDP => protocol::UDP,
        _ => protocol::IP,
    };
    // The host sockaddr after its family field, as the guest expects it.
    let (family, addrlen, data): (u8, u32, Vec<u8>) = match r.addr {
        SocketAddr::V4(a) => {
            let mut d = Vec::with_capacity(14);
            d.extend_from_slice(&a.port().to_be_bytes());
            d.extend_from_slice(&a.ip().octets());
            d.extend_from_slice(&[0; 8]);
            (addrfamily::INET4, 16, d)
        }
        SocketAddr::V6(a) => {
            let mut d = Vec::with_capacity(26);
            d.extend_from_slice(&a.port().to_be_bytes());
            d.extend_from_slice(&a.flowinfo().to_be_bytes());
            d.extend_from_slice(&a.ip().octets());
            d.extend_from_slice(&a.scope_id().to_ne_bytes());
            (addrfamily::INET6, 28, d)
        }
    };
    mem.write_bytes(slot.at, &wasi_flags.to_le_bytes())?;
    mem.write_bytes(slot.at + 2, &[family, stype, proto])?;
    mem.write_bytes(slot.at + 8, &addrlen.to_le_bytes())?;
    mem.write_bytes(slot.sockaddr, &[family])?;
    mem.write_bytes(slot.sockaddr + 4, &(data.len() as u32).to_le_bytes())?;
    let n = data.len().min(slot.data_len as usize);
    mem.write_bytes(slot.data, &data[..n])?;
    let name_len = match &r.canonname {
        Some(name) => {
            let mut with_nul = name.clone();
            with_nul.push(0);
            let n = with_nul.len().min(slot.canonname_len as usize);
            mem.write_bytes(slot.canonname, &with_nul[..n])?;
            name.len() as u32
        }
        None => 0,
    };
    mem.write_bytes(slot.at + 20, &name_len.to_le_bytes())
}

/// `sock_getaddrinfo(node, node_len, service, service_len, hints, res, max_res_len,
/// out_res_len)`: resolves a host name and/or service. `*res` points to the first of
/// `max_res_len` linked records the guest prepared; `*out_res_len` tells how many were
/// filled. Failures of the resolver are WasmEdge's errnos 77-87.
#[allow(clippy::too_many_arguments)]
pub fn sock_getaddrinfo(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    node: u32,
    node_len: u32,
    service: u32,
    service_len: u32,
    hints_at: u32,
    res: u32,
    max_res_len: u32,
    out_res_len: u32,
) -> Result<(), Errno> {
    aligned(hints_at, 4)?;
    aligned(res, 4)?;
    aligned(out_res_len, 4)?;
    let node = mem.slice(node, node_len)?.to_vec();
    let service = mem.slice(service, service_len)?.to_vec();
    mem.slice(hints_at, size::ADDRINFO)?;
    mem.slice(res, 4)?;
    mem.slice(out_res_len, 4)?;
    if node.is_empty() && service.is_empty() {
        return Err(Errno::Ainoname);
    }
    if max_res_len < 1 {
        return Err(Errno::Aimemory);
    }
    let hints = hints(mem, hints_at, node.is_empty())?;
    ctx.net.may_resolve()?;
    let first = mem.read_u32(res)?;
    let slots = slots(mem, first, max_res_len.min(MAX_RESULTS))?;
    let results = sys::getaddrinfo(
        sys::c_string(&node).as_deref(),
        sys::c_string(&service).as_deref(),
        hints,
    )
    .map_err(|(code, _)| eai_errno(code))?;
    let n = results.len().min(slots.len());
    for (slot, r) in slots.iter().zip(&results) {
        fill(mem, slot, r)?;
    }
    mem.write_u32(out_res_len, n as u32)
}
