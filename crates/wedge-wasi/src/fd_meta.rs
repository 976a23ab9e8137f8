//! Descriptor state and metadata: close, renumber, fdstat, filestat, advise, allocate, sync,
//! preopens and directory listings.

use crate::ctx::WasiCtx;
use crate::descriptor::{retry, DirEntry, Kind};
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{advice, fdflags, filetype, fstflags, preopentype, rights, size, Abi};
use rustix::fs::{OFlags, Timespec, Timestamps};

/// `fd_close`.
pub fn fd_close(ctx: &mut WasiCtx, fd: u32) -> Result<(), Errno> {
    ctx.remove(fd).map(drop)
}

/// `fd_renumber`: moves descriptor `from` to number `to`, closing what `to` was.
pub fn fd_renumber(ctx: &mut WasiCtx, from: u32, to: u32) -> Result<(), Errno> {
    ctx.get(from)?;
    ctx.get(to)?;
    if from != to {
        let d = ctx.remove(from)?;
        drop(ctx.remove(to)?);
        ctx.place(to, d);
    }
    Ok(())
}

/// `fd_fdstat_get`.
pub fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> Result<(), Errno> {
    let stat = ctx.get(fd)?.fdstat();
    mem.write_record(out, 8, stat.to_bytes())
}

/// `fd_fdstat_set_flags`: changes `APPEND` and `NONBLOCK` (the sync flags cannot change on an
/// open file on Linux, so asking to change them is `ENOTSUP`).
pub fn fd_fdstat_set_flags(ctx: &mut WasiCtx, fd: u32, flags: u16) -> Result<(), Errno> {
    if flags & !fdflags::ALL != 0 {
        return Err(Errno::Inval);
    }
    let d = ctx.get(fd)?;
    d.require(rights::FD_FDSTAT_SET_FLAGS)?;
    let sync = fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC;
    if (flags ^ d.flags) & sync != 0 {
        return Err(Errno::Notsup);
    }
    match &d.kind {
        Kind::File(_) | Kind::Host(_) | Kind::Socket(_) => {
            let fd = d.kind.fd().ok_or(Errno::Badf)?;
            let mut host = rustix::fs::fcntl_getfl(fd)?;
            host.set(OFlags::APPEND, flags & fdflags::APPEND != 0);
            host.set(OFlags::NONBLOCK, flags & fdflags::NONBLOCK != 0);
            rustix::fs::fcntl_setfl(fd, host)?;
        }
        // Inherited stdio is shared with other processes: its flags are emulated, not set.
        Kind::Null | Kind::Inherited(_) | Kind::Dir(_) => {}
    }
    d.flags = flags;
    Ok(())
}

/// `fd_fdstat_set_rights`: drops rights (adding any is `ENOTCAPABLE`).
pub fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> Result<(), Errno> {
    let d = ctx.get(fd)?;
    if base & !d.base != 0 || inheriting & !d.inheriting != 0 {
        return Err(Errno::Notcapable);
    }
    d.base = base;
    d.inheriting = inheriting;
    Ok(())
}

/// `fd_filestat_get`.
pub fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
    abi: Abi,
) -> Result<(), Errno> {
    let d = ctx.get(fd)?;
    d.require(rights::FD_FILESTAT_GET)?;
    let stat = d.filestat()?;
    crate::filestat::write(mem, out, stat, abi)
}

/// `fd_filestat_set_size`: truncates or extends a file.
pub fn fd_filestat_set_size(ctx: &mut WasiCtx, fd: u32, size: u64) -> Result<(), Errno> {
    let d = ctx.file(fd, rights::FD_FILESTAT_SET_SIZE)?;
    if i64::try_from(size).is_err() {
        return Err(Errno::Inval);
    }
    match d.kind.fd() {
        None => Ok(()),
        Some(fd) => retry(|| rustix::fs::ftruncate(fd, size)),
    }
}

/// The host timestamps for `*_filestat_set_times` arguments.
pub fn timestamps(atim: u64, mtim: u64, flags: u16) -> Result<Timestamps, Errno> {
    if flags & !fstflags::ALL != 0
        || flags & (fstflags::ATIM | fstflags::ATIM_NOW) == fstflags::ATIM | fstflags::ATIM_NOW
        || flags & (fstflags::MTIM | fstflags::MTIM_NOW) == fstflags::MTIM | fstflags::MTIM_NOW
    {
        return Err(Errno::Inval);
    }
    let one = |value: u64, set: u16, now: u16| {
        if flags & set != 0 {
            Timespec {
                tv_sec: (value / 1_000_000_000) as i64,
                tv_nsec: (value % 1_000_000_000) as _,
            }
        } else if flags & now != 0 {
            Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_NOW as _,
            }
        } else {
            Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_OMIT as _,
            }
        }
    };
    Ok(Timestamps {
        last_access: one(atim, fstflags::ATIM, fstflags::ATIM_NOW),
        last_modification: one(mtim, fstflags::MTIM, fstflags::MTIM_NOW),
    })
}

/// `fd_filestat_set_times`.
pub fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u16,
) -> Result<(), Errno> {
    let times = timestamps(atim, mtim, flags)?;
    let d = ctx.get(fd)?;
    d.require(rights::FD_FILESTAT_SET_TIMES)?;
    match d.kind.fd() {
        None => Ok(()),
        Some(fd) => retry(|| rustix::fs::futimens(fd, &times)),
    }
}

/// `fd_advise`.
pub fn fd_advise(ctx: &mut WasiCtx, fd: u32, offset: u64, len: u64, how: u8) -> Result<(), Errno> {
    use rustix::fs::Advice;
    let how = match how {
        advice::NORMAL => Advice::Normal,
        advice::SEQUENTIAL => Advice::Sequential,
        advice::RANDOM => Advice::Random,
        advice::WILLNEED => Advice::WillNeed,
        advice::DONTNEED => Advice::DontNeed,
        advice::NOREUSE => Advice::NoReuse,
        _ => return Err(Errno::Inval),
    };
    let d = ctx.file(fd, rights::FD_ADVISE)?;
    if d.is_stream() {
        return Err(Errno::Spipe);
    }
    match d.kind.fd() {
        None => Ok(()),
        Some(fd) => retry(|| rustix::fs::fadvise(fd, offset, std::num::NonZeroU64::new(len), how)),
    }
}

/// `fd_allocate`: makes sure the file has space for `offset..offset+len`.
pub fn fd_allocate(ctx: &mut WasiCtx, fd: u32, offset: u64, len: u64) -> Result<(), Errno> {
    let d = ctx.file(fd, rights::FD_ALLOCATE)?;
    if len == 0
        || offset
            .checked_add(len)
            .is_none_or(|end| end > i64::MAX as u64)
    {
        return Err(Errno::Inval);
    }
    if d.is_stream() {
        return Err(Errno::Spipe);
    }
    match d.kind.fd() {
        None => Ok(()),
        Some(fd) => {
            // posix_fallocate semantics: fall back to extending the size where the file
            // system cannot reserve blocks.
            match retry(|| {
                rustix::fs::fallocate(fd, rustix::fs::FallocateFlags::empty(), offset, len)
            }) {
                Err(Errno::Notsup) => {
                    let st = rustix::fs::fstat(fd)?;
                    let end = offset + len;
                    if (st.st_size as u64) < end {
                        retry(|| rustix::fs::ftruncate(fd, end))?;
                    }
                    Ok(())
                }
                other => other,
            }
        }
    }
}

/// `fd_datasync`.
pub fn fd_datasync(ctx: &mut WasiCtx, fd: u32) -> Result<(), Errno> {
    let d = ctx.get(fd)?;
    d.require(rights::FD_DATASYNC)?;
    match d.kind.fd() {
        None => Ok(()),
        Some(fd) => retry(|| rustix::fs::fdatasync(fd)),
    }
}

/// `fd_sync`.
pub fn fd_sync(ctx: &mut WasiCtx, fd: u32) -> Result<(), Errno> {
    let d = ctx.get(fd)?;
    d.require(rights::FD_SYNC)?;
    match d.kind.fd() {
        None => Ok(()),
        Some(fd) => retry(|| rustix::fs::fsync(fd)),
    }
}

/// The name of a preopened directory `fd`, or `EBADF`.
fn preopen_name(ctx: &mut WasiCtx, fd: u32) -> Result<&str, Errno> {
    match &ctx.get(fd)?.kind {
        Kind::Dir(d) => d.preopen.as_deref().ok_or(Errno::Badf),
        _ => Err(Errno::Badf),
    }
}

/// `fd_prestat_get`.
pub fn fd_prestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> Result<(), Errno> {
    let len = preopen_name(ctx, fd)?.len() as u32;
    let mut rec = [0u8; size::PRESTAT as usize];
    rec[0] = preopentype::DIR;
    rec[4..8].copy_from_slice(&len.to_le_bytes());
    mem.write_record(out, 4, rec)
}

/// `fd_prestat_dir_name`.
pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> Result<(), Errno> {
    let name = preopen_name(ctx, fd)?;
    if name.len() > path_len as usize {
        return Err(Errno::Nametoolong);
    }
    mem.write_bytes(path, name.as_bytes())
}

/// `fd_readdir`: fills `buf` with `dirent` records starting at `cookie`.
///
/// The last record is cut off when the buffer is full, as the ABI prescribes; `bufused` equal
/// to `buf_len` tells the guest to call again with a bigger buffer or the next cookie.
pub fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> Result<(), Errno> {
    let dir = ctx.dir(fd, rights::FD_READDIR)?;
    mem.slice(buf, buf_len)?;
    mem.write_u32(bufused, 0)?;
    if cookie == 0 || dir.listing.is_none() {
        dir.listing = Some(list(&dir.dir)?);
    }
    let entries = dir.listing.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, e) in entries.iter().enumerate().skip(start) {
        if out.len() >= buf_len as usize {
            break;
        }
        out.extend_from_slice(&(i as u64 + 1).to_le_bytes());
        out.extend_from_slice(&e.ino.to_le_bytes());
        out.extend_from_slice(&(e.name.len() as u32).to_le_bytes());
        out.push(e.filetype);
        out.extend_from_slice(&[0; 3]);
        out.extend_from_slice(&e.name);
    }
    out.truncate(buf_len as usize);
    mem.write_bytes(buf, &out)?;
    mem.write_u32(bufused, out.len() as u32)
}

/// Lists a directory: `.` and `..` first, then its entries in the host's order.
fn list(dir: &cap_std::fs::Dir) -> Result<Vec<DirEntry>, Errno> {
    use cap_fs_ext::OsMetadataExt;
    let own = dir.dir_metadata()?;
    let parent_ino = dir.metadata("..").map(|m| m.ino()).unwrap_or(own.ino());
    let mut entries = vec![
        DirEntry {
            ino: own.ino(),
            filetype: filetype::DIRECTORY,
            name: b".".to_vec(),
        },
        DirEntry {
            ino: parent_ino,
            filetype: filetype::DIRECTORY,
            name: b"..".to_vec(),
        },
    ];
    for entry in dir.entries()? {
        let entry = entry?;
        let ft = entry.file_type()?;
        entries.push(DirEntry {
            ino: rustix::fs::DirEntryExt::ino(&entry),
            filetype: crate::filestat::filetype_of(ft),
            name: std::os::unix::ffi::OsStrExt::as_bytes(entry.file_name().as_os_str()).to_vec(),
        });
    }
    Ok(entries)
}
