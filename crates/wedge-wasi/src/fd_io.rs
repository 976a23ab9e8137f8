//! Byte I/O on descriptors: `fd_read`, `fd_write`, `fd_pread`, `fd_pwrite`, `fd_seek`, `fd_tell`.

use crate::ctx::WasiCtx;
use crate::descriptor::{retry, Descriptor, Kind};
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{rights, whence};

/// Where a transfer happens: at the file position, or at an explicit offset.
#[derive(Clone, Copy)]
enum At {
    Position,
    Offset(u64),
}

/// Runs `io` over every buffer of an iovec array, stopping at the first short transfer.
///
/// Every iovec is bounds-checked before any I/O, so a bad one fails the call with `EFAULT`
/// without consuming data; a failure after some bytes moved reports the bytes moved.
fn each_iovec(
    mem: &mut GuestMemory<'_>,
    iovs: u32,
    iovs_len: u32,
    mut io: impl FnMut(&mut [u8], u64) -> Result<usize, Errno>,
) -> Result<u32, Errno> {
    mem.check_iovecs(iovs, iovs_len)?;
    for i in 0..iovs_len {
        let v = mem.iovec(iovs, i)?;
        mem.slice(v.ptr, v.len)?;
    }
    let mut total: u32 = 0;
    for i in 0..iovs_len {
        let v = mem.iovec(iovs, i)?;
        // The total must fit the u32 result: shorten the last buffer if needed.
        let len = v.len.min(u32::MAX - total);
        if len == 0 {
            if v.len != 0 {
                break;
            }
            continue;
        }
        let buf = mem.slice_mut(v.ptr, len)?;
        match io(buf, total as u64) {
            Ok(n) => {
                total += n as u32;
                if n < len as usize {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

fn read_at(d: &mut Descriptor, at: At, buf: &mut [u8], done: u64) -> Result<usize, Errno> {
    match at {
        At::Position => d.read(buf),
        At::Offset(off) => {
            let fd = positional_fd(d)?;
            let Some(fd) = fd else { return Ok(0) };
            let off = off.checked_add(done).ok_or(Errno::Inval)?;
            retry(|| rustix::io::pread(fd, &mut *buf, off))
        }
    }
}

fn write_at(d: &mut Descriptor, at: At, buf: &[u8], done: u64) -> Result<usize, Errno> {
    match at {
        At::Position => d.write(buf),
        At::Offset(off) => {
            let fd = positional_fd(d)?;
            let Some(fd) = fd else { return Ok(buf.len()) };
            let off = off.checked_add(done).ok_or(Errno::Inval)?;
            retry(|| rustix::io::pwrite(fd, buf, off))
        }
    }
}

/// The host fd for positional I/O (`None` for the null device); streams cannot seek.
fn positional_fd(d: &Descriptor) -> Result<Option<rustix::fd::BorrowedFd<'_>>, Errno> {
    if d.is_stream() {
        return Err(Errno::Spipe);
    }
    Ok(d.kind.fd())
}

/// `fd_read`: reads into the buffers of an iovec array.
pub fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
) -> Result<(), Errno> {
    let d = ctx.file(fd, rights::FD_READ)?;
    mem.write_u32(nread, 0)?;
    let n = each_iovec(mem, iovs, iovs_len, |buf, done| {
        read_at(d, At::Position, buf, done)
    })?;
    mem.write_u32(nread, n)
}

/// `fd_pread`: reads at an offset without moving the file position.
pub fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread: u32,
) -> Result<(), Errno> {
    let d = ctx.file(fd, rights::FD_READ | rights::FD_SEEK)?;
    mem.write_u32(nread, 0)?;
    let n = each_iovec(mem, iovs, iovs_len, |buf, done| {
        read_at(d, At::Offset(offset), buf, done)
    })?;
    mem.write_u32(nread, n)
}

/// `fd_write`: writes the buffers of an iovec array.
pub fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> Result<(), Errno> {
    let d = ctx.file(fd, rights::FD_WRITE)?;
    mem.write_u32(nwritten, 0)?;
    let n = each_iovec(mem, iovs, iovs_len, |buf, done| {
        write_at(d, At::Position, buf, done)
    })?;
    mem.write_u32(nwritten, n)
}

/// `fd_pwrite`: writes at an offset without moving the file position.
pub fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten: u32,
) -> Result<(), Errno> {
    let d = ctx.file(fd, rights::FD_WRITE | rights::FD_SEEK)?;
    mem.write_u32(nwritten, 0)?;
    let n = each_iovec(mem, iovs, iovs_len, |buf, done| {
        write_at(d, At::Offset(offset), buf, done)
    })?;
    mem.write_u32(nwritten, n)
}

/// `fd_seek`: moves the file position and returns the new one.
pub fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: i64,
    how: u8,
    newoffset: u32,
) -> Result<(), Errno> {
    let needed = if offset == 0 && how == whence::CUR {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    let d = ctx.file(fd, needed)?;
    let from = match how {
        whence::SET => {
            rustix::fs::SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?)
        }
        whence::CUR => rustix::fs::SeekFrom::Current(offset),
        whence::END => rustix::fs::SeekFrom::End(offset),
        _ => return Err(Errno::Inval),
    };
    let pos = seek(d, from)?;
    mem.write_u64(newoffset, pos)
}

/// `fd_tell`: the file position.
pub fn fd_tell(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: u32,
) -> Result<(), Errno> {
    let d = ctx.file(fd, rights::FD_TELL)?;
    let pos = seek(d, rustix::fs::SeekFrom::Current(0))?;
    mem.write_u64(offset, pos)
}

fn seek(d: &Descriptor, from: rustix::fs::SeekFrom) -> Result<u64, Errno> {
    if matches!(d.kind, Kind::Null) {
        return Ok(0);
    }
    let fd = positional_fd(d)?.ok_or(Errno::Badf)?;
    retry(|| rustix::fs::seek(fd, from))
}
