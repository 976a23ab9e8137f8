//! Raw `wasi_snapshot_preview1` imports (every function), with every pointer passed as a
//! plain `i32` so tests can hand the host any value, valid or not.

#![allow(dead_code)]

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    pub fn args_get(argv: i32, buf: i32) -> i32;
    pub fn args_sizes_get(count: i32, size: i32) -> i32;
    pub fn environ_get(env: i32, buf: i32) -> i32;
    pub fn environ_sizes_get(count: i32, size: i32) -> i32;
    pub fn clock_res_get(id: i32, out: i32) -> i32;
    pub fn clock_time_get(id: i32, precision: i64, out: i32) -> i32;
    pub fn fd_advise(fd: i32, offset: i64, len: i64, advice: i32) -> i32;
    pub fn fd_allocate(fd: i32, offset: i64, len: i64) -> i32;
    pub fn fd_close(fd: i32) -> i32;
    pub fn fd_datasync(fd: i32) -> i32;
    pub fn fd_fdstat_get(fd: i32, out: i32) -> i32;
    pub fn fd_fdstat_set_flags(fd: i32, flags: i32) -> i32;
    pub fn fd_fdstat_set_rights(fd: i32, base: i64, inheriting: i64) -> i32;
    pub fn fd_filestat_get(fd: i32, out: i32) -> i32;
    pub fn fd_filestat_set_size(fd: i32, size: i64) -> i32;
    pub fn fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, flags: i32) -> i32;
    pub fn fd_pread(fd: i32, iovs: i32, len: i32, offset: i64, nread: i32) -> i32;
    pub fn fd_prestat_get(fd: i32, out: i32) -> i32;
    pub fn fd_prestat_dir_name(fd: i32, path: i32, len: i32) -> i32;
    pub fn fd_pwrite(fd: i32, iovs: i32, len: i32, offset: i64, nwritten: i32) -> i32;
    pub fn fd_read(fd: i32, iovs: i32, len: i32, nread: i32) -> i32;
    pub fn fd_readdir(fd: i32, buf: i32, len: i32, cookie: i64, used: i32) -> i32;
    pub fn fd_renumber(from: i32, to: i32) -> i32;
    pub fn fd_seek(fd: i32, offset: i64, whence: i32, out: i32) -> i32;
    pub fn fd_sync(fd: i32) -> i32;
    pub fn fd_tell(fd: i32, out: i32) -> i32;
    pub fn fd_write(fd: i32, iovs: i32, len: i32, nwritten: i32) -> i32;
    pub fn path_create_directory(fd: i32, path: i32, len: i32) -> i32;
    pub fn path_filestat_get(fd: i32, flags: i32, path: i32, len: i32, out: i32) -> i32;
    pub fn path_filestat_set_times(fd: i32, flags: i32, path: i32, len: i32, atim: i64, mtim: i64, fst: i32) -> i32;
    pub fn path_link(old_fd: i32, old_flags: i32, old: i32, old_len: i32, new_fd: i32, new: i32, new_len: i32) -> i32;
    pub fn path_open(fd: i32, dirflags: i32, path: i32, len: i32, oflags: i32, base: i64, inheriting: i64, fdflags: i32, out: i32) -> i32;
    pub fn path_readlink(fd: i32, path: i32, len: i32, buf: i32, buf_len: i32, used: i32) -> i32;
    pub fn path_remove_directory(fd: i32, path: i32, len: i32) -> i32;
    pub fn path_rename(fd: i32, old: i32, old_len: i32, new_fd: i32, new: i32, new_len: i32) -> i32;
    pub fn path_symlink(old: i32, old_len: i32, fd: i32, new: i32, new_len: i32) -> i32;
    pub fn path_unlink_file(fd: i32, path: i32, len: i32) -> i32;
    pub fn poll_oneoff(subs: i32, events: i32, n: i32, nevents: i32) -> i32;
    pub fn proc_exit(code: i32) -> !;
    pub fn proc_raise(sig: i32) -> i32;
    pub fn sched_yield() -> i32;
    pub fn random_get(buf: i32, len: i32) -> i32;
    pub fn sock_accept(fd: i32, flags: i32, out: i32) -> i32;
    pub fn sock_recv(fd: i32, iovs: i32, len: i32, flags: i32, datalen: i32, oflags: i32) -> i32;
    pub fn sock_send(fd: i32, iovs: i32, len: i32, flags: i32, datalen: i32) -> i32;
    pub fn sock_shutdown(fd: i32, how: i32) -> i32;
}

pub const EACCES: i32 = 2;
pub const EAGAIN: i32 = 6;
pub const EBADF: i32 = 8;
pub const EEXIST: i32 = 20;
pub const EFAULT: i32 = 21;
pub const EILSEQ: i32 = 25;
pub const EINVAL: i32 = 28;
pub const EISDIR: i32 = 31;
pub const ELOOP: i32 = 32;
pub const ENAMETOOLONG: i32 = 37;
pub const ENOENT: i32 = 44;
pub const ENOTDIR: i32 = 54;
pub const ENOTEMPTY: i32 = 55;
pub const ENOTSOCK: i32 = 57;
pub const ENOTSUP: i32 = 58;
pub const EPERM: i32 = 63;
pub const ESPIPE: i32 = 70;
pub const ENOTCAPABLE: i32 = 76;

pub const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub const FILETYPE_DIRECTORY: u8 = 3;
pub const FILETYPE_REGULAR_FILE: u8 = 4;
pub const FILETYPE_SOCKET_STREAM: u8 = 6;
pub const FILETYPE_SYMBOLIC_LINK: u8 = 7;

pub const RIGHT_FD_READ: i64 = 1 << 1;
pub const RIGHT_FD_SEEK: i64 = 1 << 2;
pub const RIGHT_FD_TELL: i64 = 1 << 5;
pub const RIGHT_FD_WRITE: i64 = 1 << 6;
pub const RIGHTS_ALL: i64 = (1 << 30) - 1;
/// Every right but writing, which a directory refuses (`EISDIR`).
pub const RIGHTS_DIR: i64 = RIGHTS_ALL & !RIGHT_FD_WRITE;

pub const O_CREAT: i32 = 1;
pub const O_DIRECTORY: i32 = 2;
pub const O_EXCL: i32 = 4;
pub const O_TRUNC: i32 = 8;

pub const FDFLAG_APPEND: i32 = 1;
pub const FDFLAG_NONBLOCK: i32 = 4;
pub const FDFLAG_SYNC: i32 = 16;

pub const LOOKUP_FOLLOW: i32 = 1;

/// Result of a raw call as `Result`, the errno in `Err`.
pub fn check(r: i32) -> Result<(), i32> {
    if r == 0 {
        Ok(())
    } else {
        Err(r)
    }
}

/// A guest pointer as the ABI passes it.
pub fn p<T: ?Sized>(x: &T) -> i32 {
    x as *const T as *const u8 as i32
}

/// `fdstat` as read back from memory.
#[derive(Default, Debug, Clone, Copy)]
#[repr(C, align(8))]
pub struct Fdstat {
    pub filetype: u8,
    pub flags: u16,
    pub base: u64,
    pub inheriting: u64,
}

/// `filestat` as read back from memory.
#[derive(Default, Debug, Clone, Copy)]
#[repr(C, align(8))]
pub struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

/// An `iovec`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Iovec {
    pub ptr: i32,
    pub len: i32,
}

pub fn iov(buf: &[u8]) -> Iovec {
    Iovec { ptr: p(buf), len: buf.len() as i32 }
}

pub fn fdstat(fd: i32) -> Result<Fdstat, i32> {
    let mut s = Fdstat::default();
    check(unsafe { fd_fdstat_get(fd, pm(&mut s)) })?;
    s = unsafe { std::ptr::read_volatile(&s) };
    Ok(s)
}

pub fn filestat(fd: i32) -> Result<Filestat, i32> {
    let mut s = Filestat::default();
    check(unsafe { fd_filestat_get(fd, pm(&mut s)) })?;
    Ok(unsafe { std::ptr::read_volatile(&s) })
}

pub fn path_stat(dir: i32, follow: bool, path: &str) -> Result<Filestat, i32> {
    let mut s = Filestat::default();
    let flags = if follow { LOOKUP_FOLLOW } else { 0 };
    check(unsafe { path_filestat_get(dir, flags, p(path.as_bytes()), path.len() as i32, pm(&mut s)) })?;
    Ok(unsafe { std::ptr::read_volatile(&s) })
}

pub fn open(dir: i32, follow: bool, path: &str, oflags: i32, base: i64, fdflags: i32) -> Result<i32, i32> {
    let mut fd: i32 = -1;
    let flags = if follow { LOOKUP_FOLLOW } else { 0 };
    check(unsafe {
        path_open(dir, flags, p(path.as_bytes()), path.len() as i32, oflags, base, RIGHTS_ALL, fdflags, pm(&mut fd))
    })?;
    Ok(unsafe { std::ptr::read_volatile(&fd) })
}

pub fn write(fd: i32, bufs: &[&[u8]]) -> Result<usize, i32> {
    let mut iovs: Vec<Iovec> = bufs.iter().map(|b| iov(b)).collect();
    let mut n: i32 = 0;
    check(unsafe { fd_write(fd, pm(&mut iovs[..]), iovs.len() as i32, pm(&mut n)) })?;
    Ok(unsafe { std::ptr::read_volatile(&n) } as usize)
}

pub fn read(fd: i32, bufs: &mut [&mut [u8]]) -> Result<usize, i32> {
    let mut iovs: Vec<Iovec> = bufs.iter().map(|b| iov(b)).collect();
    let mut n: i32 = 0;
    check(unsafe { fd_read(fd, pm(&mut iovs[..]), iovs.len() as i32, pm(&mut n)) })?;
    Ok(unsafe { std::ptr::read_volatile(&n) } as usize)
}

pub fn seek(fd: i32, offset: i64, whence: i32) -> Result<u64, i32> {
    let mut out: u64 = 0;
    check(unsafe { fd_seek(fd, offset, whence, pm(&mut out)) })?;
    Ok(unsafe { std::ptr::read_volatile(&out) })
}

pub fn tell(fd: i32) -> Result<u64, i32> {
    let mut out: u64 = 0;
    check(unsafe { fd_tell(fd, pm(&mut out)) })?;
    Ok(unsafe { std::ptr::read_volatile(&out) })
}

pub fn mkdir(dir: i32, path: &str) -> Result<(), i32> {
    check(unsafe { path_create_directory(dir, p(path.as_bytes()), path.len() as i32) })
}

pub fn symlink(target: &str, dir: i32, path: &str) -> Result<(), i32> {
    check(unsafe { path_symlink(p(target.as_bytes()), target.len() as i32, dir, p(path.as_bytes()), path.len() as i32) })
}

pub fn unlink(dir: i32, path: &str) -> Result<(), i32> {
    check(unsafe { path_unlink_file(dir, p(path.as_bytes()), path.len() as i32) })
}

pub fn rmdir(dir: i32, path: &str) -> Result<(), i32> {
    check(unsafe { path_remove_directory(dir, p(path.as_bytes()), path.len() as i32) })
}

pub fn rename(dir: i32, old: &str, new_dir: i32, new: &str) -> Result<(), i32> {
    check(unsafe { path_rename(dir, p(old.as_bytes()), old.len() as i32, new_dir, p(new.as_bytes()), new.len() as i32) })
}

pub fn readlink(dir: i32, path: &str, buf: &mut [u8]) -> Result<usize, i32> {
    let mut used: i32 = 0;
    check(unsafe { path_readlink(dir, p(path.as_bytes()), path.len() as i32, pm(&mut buf[..]), buf.len() as i32, pm(&mut used)) })?;
    Ok(unsafe { std::ptr::read_volatile(&used) } as usize)
}

pub fn close(fd: i32) -> Result<(), i32> {
    check(unsafe { fd_close(fd) })
}

/// Reads a whole file below `dir`.
pub fn read_file(dir: i32, path: &str) -> Result<Vec<u8>, i32> {
    let fd = open(dir, true, path, 0, RIGHT_FD_READ, 0)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let n = read(fd, &mut [&mut buf[..]])?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    close(fd)?;
    Ok(out)
}

/// Writes a whole file below `dir`, creating or truncating it.
pub fn write_file(dir: i32, path: &str, data: &[u8]) -> Result<(), i32> {
    let fd = open(dir, true, path, O_CREAT | O_TRUNC, RIGHTS_ALL, 0)?;
    write(fd, &[data])?;
    close(fd)
}

/// A guest pointer to memory the host will write.
pub fn pm<T: ?Sized>(x: &mut T) -> i32 {
    x as *mut T as *mut u8 as i32
}

/// An `iovec` for a buffer the host will fill.
pub fn iovm(buf: &mut [u8]) -> Iovec {
    Iovec { ptr: pm(buf), len: buf.len() as i32 }
}
