//! Path operations, all resolved by cap-std beneath a directory descriptor: no path can name
//! anything outside it (`..`, absolute paths and symlinks leading out fail with `EPERM`,
//! symlink loops with `ELOOP`).

use crate::ctx::WasiCtx;
use crate::descriptor::{Descriptor, DirHandle, Kind};
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{fdflags, filetype, lookupflags, oflags, rights, Abi};
use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt,
};
use cap_std::fs::OpenOptions;
use std::path::Path;

/// Reads a guest path: UTF-8 (else `EILSEQ`) without NUL bytes (else `EINVAL`).
fn read_path<'m>(mem: &'m GuestMemory<'_>, ptr: u32, len: u32) -> Result<&'m Path, Errno> {
    let s = mem.read_str(ptr, len)?;
    if s.contains('\0') {
        return Err(Errno::Inval);
    }
    Ok(Path::new(s))
}

fn follows(flags: u32) -> Result<bool, Errno> {
    if flags & !lookupflags::SYMLINK_FOLLOW != 0 {
        return Err(Errno::Inval);
    }
    Ok(flags & lookupflags::SYMLINK_FOLLOW != 0)
}

/// `path_create_directory`.
pub fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> Result<(), Errno> {
    let dir = ctx.dir(fd, rights::PATH_CREATE_DIRECTORY)?;
    let path = read_path(mem, path, len)?;
    Ok(dir.dir.create_dir(path)?)
}

/// `path_remove_directory`.
pub fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> Result<(), Errno> {
    let dir = ctx.dir(fd, rights::PATH_REMOVE_DIRECTORY)?;
    let path = read_path(mem, path, len)?;
    Ok(dir.dir.remove_dir(path)?)
}

/// `path_unlink_file`.
pub fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> Result<(), Errno> {
    let dir = ctx.dir(fd, rights::PATH_UNLINK_FILE)?;
    let path = read_path(mem, path, len)?;
    Ok(dir.dir.remove_file(path)?)
}

/// `path_filestat_get`.
#[allow(clippy::too_many_arguments)]
pub fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    out: u32,
    abi: Abi,
) -> Result<(), Errno> {
    let follow = follows(flags)?;
    let dir = ctx.dir(fd, rights::PATH_FILESTAT_GET)?;
    let path = read_path(mem, path, len)?;
    let meta = if follow {
        dir.dir.metadata(path)?
    } else {
        dir.dir.symlink_metadata(path)?
    };
    crate::filestat::write(mem, out, crate::filestat::from_cap(&meta), abi)
}

/// `path_filestat_set_times`.
#[allow(clippy::too_many_arguments)]
pub fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst: u16,
) -> Result<(), Errno> {
    let follow = follows(flags)?;
    let times = crate::fd_meta::timestamps(atim, mtim, fst)?;
    let dir = ctx.dir(fd, rights::PATH_FILESTAT_SET_TIMES)?;
    let path = read_path(mem, path, len)?;
    let spec = |t: rustix::fs::Timespec| -> Option<cap_fs_ext::SystemTimeSpec> {
        if t.tv_nsec == rustix::fs::UTIME_OMIT as _ {
            None
        } else if t.tv_nsec == rustix::fs::UTIME_NOW as _ {
            Some(cap_fs_ext::SystemTimeSpec::SymbolicNow)
        } else {
            let d = std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32);
            Some(cap_fs_ext::SystemTimeSpec::Absolute(
                cap_std::time::SystemTime::from_std(std::time::UNIX_EPOCH + d),
            ))
        }
    };
    let (a, m) = (spec(times.last_access), spec(times.last_modification));
    if follow {
        dir.dir.set_times(path, a, m)?;
    } else {
        dir.dir.set_symlink_times(path, a, m)?;
    }
    Ok(())
}

/// Two directory descriptors at once (they may be the same one).
fn two_dirs(
    ctx: &WasiCtx,
    a: u32,
    need_a: u64,
    b: u32,
    need_b: u64,
) -> Result<(&DirHandle, &DirHandle), Errno> {
    let get = |fd: u32, need: u64| -> Result<&DirHandle, Errno> {
        let d = ctx
            .fds
            .get(fd as usize)
            .and_then(Option::as_ref)
            .ok_or(Errno::Badf)?;
        let Kind::Dir(dir) = &d.kind else {
            return Err(Errno::Notdir);
        };
        d.require(need)?;
        Ok(dir)
    };
    Ok((get(a, need_a)?, get(b, need_b)?))
}

/// `path_link`: a hard link `new` to `old`. Following a symlink at `old` is not supported
/// (`EINVAL`), as in other runtimes: the link would escape a check cap-std cannot make.
#[allow(clippy::too_many_arguments)]
pub fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old_flags: u32,
    old: u32,
    old_len: u32,
    new_fd: u32,
    new: u32,
    new_len: u32,
) -> Result<(), Errno> {
    if follows(old_flags)? {
        return Err(Errno::Inval);
    }
    let (src, dst) = two_dirs(
        ctx,
        old_fd,
        rights::PATH_LINK_SOURCE,
        new_fd,
        rights::PATH_LINK_TARGET,
    )?;
    let old = read_path(mem, old, old_len)?;
    let new = read_path(mem, new, new_len)?;
    Ok(src.dir.hard_link(old, &dst.dir, new)?)
}

/// `path_rename`.
#[allow(clippy::too_many_arguments)]
pub fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old: u32,
    old_len: u32,
    new_fd: u32,
    new: u32,
    new_len: u32,
) -> Result<(), Errno> {
    let (src, dst) = two_dirs(
        ctx,
        old_fd,
        rights::PATH_RENAME_SOURCE,
        new_fd,
        rights::PATH_RENAME_TARGET,
    )?;
    let old = read_path(mem, old, old_len)?;
    let new = read_path(mem, new, new_len)?;
    Ok(src.dir.rename(old, &dst.dir, new)?)
}

/// `path_symlink`: a symlink at `new` whose contents are `old`. Absolute targets are refused
/// (`EPERM`); relative ones may say anything, since following them is checked.
pub fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old: u32,
    old_len: u32,
    fd: u32,
    new: u32,
    new_len: u32,
) -> Result<(), Errno> {
    let dir = ctx.dir(fd, rights::PATH_SYMLINK)?;
    let old = read_path(mem, old, old_len)?;
    let new = read_path(mem, new, new_len)?;
    Ok(dir.dir.symlink(old, new)?)
}

/// `path_readlink`: the contents of a symlink, cut to the buffer's size as POSIX `readlink`
/// (and Wasmtime) do.
#[allow(clippy::too_many_arguments)]
pub fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> Result<(), Errno> {
    let dir = ctx.dir(fd, rights::PATH_READLINK)?;
    let path = read_path(mem, path, len)?;
    let target = dir.dir.read_link(path)?;
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(target.as_os_str());
    let bytes = &bytes[..bytes.len().min(buf_len as usize)];
    mem.write_bytes(buf, bytes)?;
    mem.write_u32(bufused, bytes.len() as u32)
}

/// `path_open`: opens a file or directory beneath `fd` and returns a new descriptor.
#[allow(clippy::too_many_arguments)]
pub fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    dirflags: u32,
    path: u32,
    path_len: u32,
    oflags: u16,
    base: u64,
    inheriting: u64,
    fdflags: u16,
    opened: u32,
) -> Result<(), Errno> {
    let follow = follows(dirflags)?;
    if oflags & !oflags::ALL != 0 || fdflags & !fdflags::ALL != 0 {
        return Err(Errno::Inval);
    }
    let mut needed = rights::PATH_OPEN;
    if oflags & oflags::CREAT != 0 {
        needed |= rights::PATH_CREATE_FILE;
    }
    if oflags & oflags::TRUNC != 0 {
        needed |= rights::PATH_FILESTAT_SET_SIZE;
    }
    let (dir, dir_inheriting) = {
        let d = ctx
            .fds
            .get(fd as usize)
            .and_then(Option::as_ref)
            .ok_or(Errno::Badf)?;
        let Kind::Dir(dir) = &d.kind else {
            return Err(Errno::Notdir);
        };
        d.require(needed)?;
        (dir, d.inheriting)
    };
    // Asking to write a directory is `EISDIR` (checked once the path is known to name one).
    let wants_write = base & rights::FD_WRITE != 0;
    // Rights the directory cannot pass on are dropped, not refused: the guest asks for what
    // it would like and sees what it got in `fd_fdstat_get`.
    let base = base & dir_inheriting;
    let inheriting = inheriting & dir_inheriting;
    let path = read_path(mem, path, path_len)?;
    mem.slice(opened, 4)?;

    let want_dir = oflags & oflags::DIRECTORY != 0;
    let creating = oflags & oflags::CREAT != 0;
    if want_dir && (creating || oflags & oflags::TRUNC != 0) {
        return Err(Errno::Inval);
    }
    let write = base & (rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE) != 0
        || fdflags & fdflags::APPEND != 0
        || creating
        || oflags & oflags::TRUNC != 0;
    let read = base & (rights::FD_READ | rights::FD_READDIR) != 0 || !write;

    let follow_mode = if follow {
        FollowSymlinks::Yes
    } else {
        FollowSymlinks::No
    };
    let std_file = if want_dir {
        let d = if follow {
            dir.dir.open_dir(path)?
        } else {
            dir.dir.open_dir_nofollow(path)?
        };
        d.into_std_file()
    } else {
        // Appending and truncating at once is what C's O_APPEND|O_TRUNC asks; the standard
        // library refuses that combination, so the file is opened for writing and truncated,
        // and appending is switched on once it is open.
        let append = fdflags & fdflags::APPEND != 0;
        let truncate = oflags & oflags::TRUNC != 0;
        let mut opts = OpenOptions::new();
        opts.read(read)
            .write(write && (!append || truncate))
            .append(append && !truncate)
            .truncate(truncate)
            .follow(follow_mode)
            .maybe_dir(!write)
            .dsync(fdflags & fdflags::DSYNC != 0)
            .sync(fdflags & fdflags::SYNC != 0)
            .rsync(fdflags & fdflags::RSYNC != 0)
            .nonblock(fdflags & fdflags::NONBLOCK != 0);
        if creating && oflags & oflags::EXCL != 0 {
            opts.create_new(true);
        } else if creating {
            opts.create(true);
        }
        let file = dir.dir.open_with(path, &opts)?.into_std();
        if append && truncate {
            let flags = rustix::fs::fcntl_getfl(&file)?;
            rustix::fs::fcntl_setfl(&file, flags | rustix::fs::OFlags::APPEND)?;
        }
        file
    };

    let st = rustix::fs::fstat(&std_file)?;
    let ft = crate::filestat::filetype_of_mode(st.st_mode);
    if ft == filetype::DIRECTORY && wants_write {
        return Err(Errno::Isdir);
    }
    let descriptor = if ft == filetype::DIRECTORY {
        Descriptor {
            kind: Kind::Dir(DirHandle {
                dir: cap_std::fs::Dir::from_std_file(std_file),
                preopen: None,
                listing: None,
            }),
            filetype: ft,
            base: base & rights::DIR,
            inheriting,
            flags: fdflags,
        }
    } else {
        if want_dir {
            return Err(Errno::Notdir);
        }
        let applicable = if ft == filetype::REGULAR_FILE {
            rights::FILE
        } else {
            rights::STREAM
        };
        Descriptor {
            kind: Kind::File(std_file),
            filetype: ft,
            base: base & applicable,
            inheriting,
            flags: fdflags,
        }
    };
    let new_fd = ctx.insert(descriptor)?;
    mem.write_u32(opened, new_fd)
}
