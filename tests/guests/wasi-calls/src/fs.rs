//! Files, directory listings and path operations in the preopened directory (fd 3).

use crate::sys::*;
use crate::{check, errno, fails, ok};

const DIR: i32 = 3;

/// fd_* on a regular file: I/O, positions, flags, rights, metadata, renumber and close.
pub fn files() {
    let fd = ok!(open(DIR, true, "f.txt", O_CREAT | O_TRUNC, RIGHTS_ALL, 0));
    let st = ok!(fdstat(fd));
    check!(st.filetype == FILETYPE_REGULAR_FILE, "{st:?}");
    check!(st.base as i64 & RIGHT_FD_WRITE != 0);

    // Vectored write and read, positions.
    check!(ok!(write(fd, &[b"hello ", b"world"])) == 11);
    check!(ok!(tell(fd)) == 11);
    check!(ok!(seek(fd, 0, 0)) == 0);
    let (mut a, mut b) = ([0u8; 4], [0u8; 16]);
    check!(ok!(read(fd, &mut [&mut a, &mut b])) == 11);
    check!(&a == b"hell" && &b[..7] == b"o world");
    check!(ok!(read(fd, &mut [&mut b])) == 0, "end of file reads 0");
    check!(ok!(seek(fd, -5, 2)) == 6);
    check!(ok!(seek(fd, 2, 1)) == 8);
    fails!(seek(fd, -100, 1), EINVAL);
    fails!(seek(fd, 0, 3), EINVAL);

    // Positional I/O leaves the position alone.
    let mut buf = [0u8; 5];
    let mut iovs = [iovm(&mut buf)];
    let mut n: i32 = 0;
    errno!(unsafe { fd_pread(fd, pm(&mut iovs[..]), 1, 6, pm(&mut n)) }, 0);
    check!(n == 5 && &buf == b"world");
    let data = *b"WORLD";
    let mut iovs = [iov(&data)];
    errno!(unsafe { fd_pwrite(fd, pm(&mut iovs[..]), 1, 6, pm(&mut n)) }, 0);
    check!(n == 5);
    check!(ok!(tell(fd)) == 8);
    check!(ok!(read_file(DIR, "f.txt")) == b"hello WORLD");

    // Metadata, size and times.
    let fs = ok!(filestat(fd));
    check!(fs.filetype == FILETYPE_REGULAR_FILE && fs.size == 11 && fs.nlink == 1, "{fs:?}");
    check!(fs.mtim > 1_600_000_000 * 1_000_000_000, "timestamps are real: {fs:?}");
    errno!(unsafe { fd_filestat_set_size(fd, 5) }, 0);
    check!(ok!(filestat(fd)).size == 5);
    let (atim, mtim) = (1_000_000_000_123_000_000i64, 1_200_000_000_456_000_000i64);
    errno!(unsafe { fd_filestat_set_times(fd, atim, mtim, 1 | 4) }, 0);
    let fs = ok!(filestat(fd));
    check!(fs.atim == atim as u64 && fs.mtim == mtim as u64, "{fs:?}");
    errno!(unsafe { fd_filestat_set_times(fd, 0, 0, 8) }, 0);
    check!(ok!(filestat(fd)).mtim > mtim as u64, "MTIM_NOW sets the current time");
    errno!(unsafe { fd_filestat_set_times(fd, 0, 0, 1 | 2) }, EINVAL);
    errno!(unsafe { fd_filestat_set_times(fd, 0, 0, 16) }, EINVAL);

    // Advice, allocation, syncing.
    errno!(unsafe { fd_advise(fd, 0, 0, 1) }, 0);
    errno!(unsafe { fd_advise(fd, 0, 0, 6) }, EINVAL);
    errno!(unsafe { fd_allocate(fd, 0, 8192) }, 0);
    check!(ok!(filestat(fd)).size == 8192);
    errno!(unsafe { fd_allocate(fd, 0, 0) }, EINVAL);
    errno!(unsafe { fd_sync(fd) }, 0);
    errno!(unsafe { fd_datasync(fd) }, 0);
    errno!(unsafe { fd_filestat_set_size(fd, 0) }, 0);

    // Flags: APPEND can be turned on and off; the sync flags cannot change.
    errno!(unsafe { fd_fdstat_set_flags(fd, FDFLAG_APPEND) }, 0);
    check!(ok!(fdstat(fd)).flags == FDFLAG_APPEND as u16);
    ok!(seek(fd, 0, 0));
    ok!(write(fd, &[b"ab"]));
    ok!(seek(fd, 0, 0));
    ok!(write(fd, &[b"cd"]));
    check!(ok!(read_file(DIR, "f.txt")) == b"abcd", "APPEND writes at the end");
    errno!(unsafe { fd_fdstat_set_flags(fd, 0) }, 0);
    errno!(unsafe { fd_fdstat_set_flags(fd, FDFLAG_SYNC) }, ENOTSUP);
    errno!(unsafe { fd_fdstat_set_flags(fd, 64) }, EINVAL);
    errno!(unsafe { fd_fdstat_set_flags(fd, 0x10000) }, EINVAL);

    // Rights can be dropped, never regained.
    let st = ok!(fdstat(fd));
    errno!(unsafe { fd_fdstat_set_rights(fd, st.base as i64 & !RIGHT_FD_WRITE, 0) }, 0);
    fails!(write(fd, &[b"x"]), ENOTCAPABLE);
    errno!(unsafe { fd_fdstat_set_rights(fd, st.base as i64, 0) }, ENOTCAPABLE);
    errno!(unsafe { fd_fdstat_set_rights(fd, (st.base as i64) & !RIGHT_FD_SEEK & !RIGHT_FD_WRITE, 0) }, 0);
    fails!(seek(fd, 1, 0), ENOTCAPABLE);
    check!(ok!(tell(fd)) == 4, "fd_tell needs only FD_TELL");

    // A file opened for reading cannot be written.
    let ro = ok!(open(DIR, true, "f.txt", 0, RIGHT_FD_READ | RIGHT_FD_SEEK | RIGHT_FD_TELL, 0));
    fails!(write(ro, &[b"x"]), ENOTCAPABLE);
    let mut two = [0u8; 2];
    check!(ok!(read(ro, &mut [&mut two])) == 2 && &two == b"ab");

    // Renumber and close.
    errno!(unsafe { fd_renumber(ro, fd) }, 0);
    fails!(fdstat(ro), EBADF);
    check!(ok!(tell(fd)) == 2, "fd now is the read-only descriptor");
    errno!(unsafe { fd_renumber(fd, 999) }, EBADF);
    errno!(unsafe { fd_renumber(999, fd) }, EBADF);
    ok!(close(fd));
    fails!(close(fd), EBADF);
    fails!(read(fd, &mut [&mut two]), EBADF);

    // Descriptors of the wrong kind.
    fails!(read(DIR, &mut [&mut two]), EBADF);
    let file = ok!(open(DIR, true, "f.txt", 0, RIGHTS_ALL, 0));
    fails!(open(file, true, "x", 0, RIGHTS_ALL, 0), ENOTDIR);
    let mut buf = [0u8; 64];
    let mut used: i32 = 0;
    errno!(unsafe { fd_readdir(file, pm(&mut buf[..]), 64, 0, pm(&mut used)) }, ENOTDIR);
    ok!(close(file));

    // Preopens.
    let mut pre = [0u32; 2];
    errno!(unsafe { fd_prestat_get(DIR, pm(&mut pre)) }, 0);
    check!(pre[0] == 0 && pre[1] == 8, "tag dir, name \"/sandbox\": {pre:?}");
    errno!(unsafe { fd_prestat_dir_name(DIR, pm(&mut buf[..]), 8) }, 0);
    check!(&buf[..8] == b"/sandbox");
    errno!(unsafe { fd_prestat_dir_name(DIR, pm(&mut buf[..]), 7) }, ENAMETOOLONG);
    errno!(unsafe { fd_prestat_get(0, pm(&mut pre)) }, EBADF);
    errno!(unsafe { fd_prestat_get(77, pm(&mut pre)) }, EBADF);
    let _ = &mut buf;

    // Stdio descriptors.
    check!(ok!(fdstat(1)).base as i64 & RIGHT_FD_WRITE != 0);
    ok!(unlink(DIR, "f.txt"));
}

/// One `dirent` parsed from an `fd_readdir` buffer.
struct Dirent {
    next: u64,
    ino: u64,
    filetype: u8,
    name: String,
}

/// Reads a whole directory with a buffer of `size` bytes, following cookies.
fn list(fd: i32, size: usize) -> Vec<Dirent> {
    let mut out = Vec::new();
    let mut cookie = 0u64;
    let mut buf = vec![0u8; size];
    loop {
        let mut used: i32 = 0;
        errno!(unsafe { fd_readdir(fd, pm(&mut buf[..]), size as i32, cookie as i64, pm(&mut used)) }, 0);
        let used = used as usize;
        let mut at = 0;
        let mut progressed = false;
        while at + 24 <= used {
            let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
            let ino = u64::from_le_bytes(buf[at + 8..at + 16].try_into().unwrap());
            let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
            let filetype = buf[at + 20];
            if at + 24 + namlen > used {
                break;
            }
            let name = String::from_utf8(buf[at + 24..at + 24 + namlen].to_vec()).unwrap();
            out.push(Dirent { next, ino, filetype, name });
            cookie = next;
            progressed = true;
            at += 24 + namlen;
        }
        if used < size {
            return out;
        }
        if !progressed {
            buf = vec![0u8; buf.len() * 2];
        }
    }
}

/// fd_readdir: complete listings with small buffers and cookies, truncation, end of listing.
pub fn readdir() {
    ok!(mkdir(DIR, "list"));
    for i in 0..25 {
        ok!(write_file(DIR, &format!("list/file_{i:02}"), b"x"));
    }
    ok!(mkdir(DIR, "list/subdir"));
    let d = ok!(open(DIR, true, "list", O_DIRECTORY, RIGHTS_DIR, 0));
    check!(ok!(fdstat(d)).filetype == FILETYPE_DIRECTORY);
    // A directory opens for reading, not for writing (as the WASI test suite expects).
    fails!(open(DIR, true, "list", O_DIRECTORY, RIGHT_FD_READ | RIGHT_FD_WRITE, 0), EISDIR);
    fails!(open(DIR, true, "list", 0, RIGHT_FD_READ | RIGHT_FD_WRITE, 0), EISDIR);
    ok!(close(ok!(open(DIR, true, "list", O_DIRECTORY, RIGHT_FD_READ, 0))));
    for size in [40usize, 64, 100, 4096] {
        let entries = list(d, size);
        let mut names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        names.sort();
        let mut want = vec![".".to_string(), "..".to_string(), "subdir".to_string()];
        want.extend((0..25).map(|i| format!("file_{i:02}")));
        want.sort();
        check!(names == want, "buffer {size}: {names:?}");
        for (i, e) in entries.iter().enumerate() {
            check!(e.next == i as u64 + 1, "cookies count entries");
            check!(e.ino != 0, "{} has an inode", e.name);
            let want_type = if e.name.starts_with("file") { FILETYPE_REGULAR_FILE } else { FILETYPE_DIRECTORY };
            check!(e.filetype == want_type, "{} type {}", e.name, e.filetype);
        }
    }
    // A file's inode in the listing matches its filestat.
    let entries = list(d, 4096);
    let f = entries.iter().find(|e| e.name == "file_07").unwrap();
    check!(ok!(path_stat(DIR, true, "list/file_07")).ino == f.ino);
    // Resuming from a cookie skips what was already read.
    let mut buf = [0u8; 4096];
    let mut used: i32 = 0;
    errno!(unsafe { fd_readdir(d, pm(&mut buf[..]), 4096, 26, pm(&mut used)) }, 0);
    check!((60..=62).contains(&used), "two entries after cookie 26: {used}");
    errno!(unsafe { fd_readdir(d, pm(&mut buf[..]), 4096, 28, pm(&mut used)) }, 0);
    check!(used == 0, "nothing after the last cookie");
    errno!(unsafe { fd_readdir(d, pm(&mut buf[..]), 4096, 1 << 40, pm(&mut used)) }, 0);
    check!(used == 0);
    // A buffer too small for one entry is filled completely with its start.
    errno!(unsafe { fd_readdir(d, pm(&mut buf[..]), 10, 0, pm(&mut used)) }, 0);
    check!(used == 10);
    ok!(close(d));
}

/// path_*: directories, symlinks, hard links, renames, unlinks, stat and times.
pub fn paths() {
    ok!(mkdir(DIR, "p"));
    fails!(mkdir(DIR, "p"), EEXIST);
    check!(ok!(path_stat(DIR, true, "p")).filetype == FILETYPE_DIRECTORY);
    ok!(write_file(DIR, "p/file", b"contents"));
    let st = ok!(path_stat(DIR, true, "p/file"));
    check!(st.filetype == FILETYPE_REGULAR_FILE && st.size == 8 && st.nlink == 1, "{st:?}");
    check!(st.ctim > 1_600_000_000 * 1_000_000_000 && st.atim > 0 && st.mtim > 0, "{st:?}");
    fails!(path_stat(DIR, true, "p/missing"), ENOENT);
    fails!(path_stat(DIR, true, "p/file/"), ENOTDIR);

    // Symlinks.
    ok!(symlink("file", DIR, "p/link"));
    check!(ok!(path_stat(DIR, false, "p/link")).filetype == FILETYPE_SYMBOLIC_LINK);
    check!(ok!(path_stat(DIR, true, "p/link")).filetype == FILETYPE_REGULAR_FILE);
    check!(ok!(read_file(DIR, "p/link")) == b"contents");
    let mut buf = [0u8; 16];
    check!(ok!(readlink(DIR, "p/link", &mut buf)) == 4 && &buf[..4] == b"file");
    check!(ok!(readlink(DIR, "p/link", &mut buf[..3])) == 3 && &buf[..3] == b"fil", "cut to the buffer");
    fails!(readlink(DIR, "p/file", &mut buf), EINVAL);
    fails!(open(DIR, false, "p/link", 0, RIGHT_FD_READ, 0), ELOOP);
    fails!(symlink("file", DIR, "p/link"), EEXIST);
    ok!(symlink("missing", DIR, "p/dangling"));
    fails!(open(DIR, true, "p/dangling", 0, RIGHT_FD_READ, 0), ENOENT);
    check!(ok!(path_stat(DIR, false, "p/dangling")).filetype == FILETYPE_SYMBOLIC_LINK);

    // Times through a path, following or not.
    let (atim, mtim) = (1_100_000_000_000_000_001i64, 1_300_000_000_000_000_002i64);
    let path = "p/link";
    errno!(unsafe { path_filestat_set_times(DIR, LOOKUP_FOLLOW, p(path.as_bytes()), 6, atim, mtim, 1 | 4) }, 0);
    let st = ok!(path_stat(DIR, true, "p/file"));
    check!(st.atim == atim as u64 && st.mtim == mtim as u64, "{st:?}");
    errno!(unsafe { path_filestat_set_times(DIR, 0, p(path.as_bytes()), 6, 0, mtim + 10, 4) }, 0);
    check!(ok!(path_stat(DIR, false, "p/link")).mtim == mtim as u64 + 10);
    check!(ok!(path_stat(DIR, true, "p/file")).mtim == mtim as u64, "the target is untouched");
    errno!(unsafe { path_filestat_set_times(DIR, 0, p(path.as_bytes()), 6, 0, 0, 4 | 8) }, EINVAL);
    errno!(unsafe { path_filestat_set_times(DIR, 2, p(path.as_bytes()), 6, 0, 0, 8) }, EINVAL);

    // Hard links.
    let (old, new) = ("p/file", "p/hard");
    errno!(unsafe { path_link(DIR, 0, p(old.as_bytes()), 6, DIR, p(new.as_bytes()), 6) }, 0);
    check!(ok!(path_stat(DIR, true, "p/file")).nlink == 2);
    check!(ok!(path_stat(DIR, true, "p/hard")).ino == ok!(path_stat(DIR, true, "p/file")).ino);
    errno!(unsafe { path_link(DIR, 0, p(old.as_bytes()), 6, DIR, p(new.as_bytes()), 6) }, EEXIST);
    errno!(unsafe { path_link(DIR, LOOKUP_FOLLOW, p(old.as_bytes()), 6, DIR, p(b"p/x"), 3) }, EINVAL);

    // Renames, also between descriptors.
    ok!(mkdir(DIR, "p/sub"));
    let sub = ok!(open(DIR, true, "p/sub", O_DIRECTORY, RIGHTS_DIR, 0));
    ok!(rename(DIR, "p/hard", sub, "moved"));
    fails!(path_stat(DIR, true, "p/hard"), ENOENT);
    check!(ok!(read_file(sub, "moved")) == b"contents");
    fails!(rename(DIR, "p/nothing", DIR, "p/x"), ENOENT);
    ok!(mkdir(DIR, "p/full"));
    ok!(write_file(DIR, "p/full/f", b""));
    fails!(rename(DIR, "p/sub", DIR, "p/full"), ENOTEMPTY);

    // Opening: exclusive creation, directories, trailing slashes.
    fails!(open(DIR, true, "p/file", O_CREAT | O_EXCL, RIGHTS_ALL, 0), EEXIST);
    fails!(open(DIR, true, "p/file", O_DIRECTORY, RIGHTS_DIR, 0), ENOTDIR);
    fails!(open(DIR, true, "p/file/", 0, RIGHT_FD_READ, 0), ENOTDIR);
    fails!(open(DIR, true, "p/none", 0, RIGHT_FD_READ, 0), ENOENT);
    fails!(open(DIR, true, "p/sub", 0, RIGHT_FD_WRITE, 0), EISDIR);
    let d = ok!(open(DIR, true, "p/sub", 0, RIGHT_FD_READ, 0));
    check!(ok!(fdstat(d)).filetype == FILETYPE_DIRECTORY, "a directory opened without O_DIRECTORY");
    ok!(close(d));

    // Removing.
    fails!(unlink(DIR, "p/sub"), EISDIR);
    fails!(rmdir(DIR, "p/file"), ENOTDIR);
    fails!(rmdir(DIR, "p/full"), ENOTEMPTY);
    fails!(unlink(DIR, "p/file/"), ENOTDIR);
    ok!(unlink(sub, "moved"));
    ok!(close(sub));
    ok!(rmdir(DIR, "p/sub"));
    fails!(rmdir(DIR, "p/sub"), ENOENT);
    ok!(unlink(DIR, "p/link"));
    check!(ok!(path_stat(DIR, true, "p/file")).nlink == 1);
    fails!(mkdir(DIR, ""), ENOENT);
}
