//! The sandbox: every way out of a preopened directory must fail with the proper errno.
//! fd 3 is `/jail` (read-write), fd 4 is `/ro` (read-only); the host test lays out the
//! files and links described in `tests/wasi_guests.rs` and checks nothing outside changed.

use crate::sys::*;
use crate::{check, errno, fails, ok};

const JAIL: i32 = 3;
const RO: i32 = 4;

/// `..`, absolute paths, symlinks out (absolute and relative), loops, and every path call.
pub fn escapes() {
    check!(ok!(read_file(JAIL, "inside.txt")) == b"INSIDE");
    check!(ok!(read_file(JAIL, "inside_link")) == b"INNER");
    check!(ok!(read_file(JAIL, "sub/../inside.txt")) == b"INSIDE", ".. inside the jail is fine");

    for path in [
        "../secret.txt",
        "/etc/passwd",
        "/",
        "..",
        "sub/../../secret.txt",
        "sub/../../jail/inside.txt",
        "abs_link",
        "abs_dir_link/secret.txt",
        "rel_link",
        "dir_up/secret.txt",
        "deep_link",
    ] {
        match open(JAIL, true, path, 0, RIGHT_FD_READ, 0) {
            Err(EPERM) => {}
            other => check!(false, "opening {path:?} gave {other:?}, expected EPERM"),
        }
        match path_stat(JAIL, true, path) {
            Err(EPERM) => {}
            other => check!(false, "stat of {path:?} gave {:?}, expected EPERM", other.map(|s| s.ino)),
        }
    }
    fails!(open(JAIL, true, "dir_up", O_DIRECTORY, RIGHTS_DIR, 0), EPERM);
    fails!(open(JAIL, true, "loop1", 0, RIGHT_FD_READ, 0), ELOOP);
    fails!(open(JAIL, true, "self_loop", 0, RIGHT_FD_READ, 0), ELOOP);
    fails!(open(JAIL, true, "self_loop/x", 0, RIGHT_FD_READ, 0), ELOOP);
    fails!(open(JAIL, false, "abs_link", 0, RIGHT_FD_READ, 0), ELOOP);
    check!(ok!(path_stat(JAIL, false, "rel_link")).filetype == FILETYPE_SYMBOLIC_LINK, "the link itself is inside");
    fails!(path_stat(JAIL, true, "loop1"), ELOOP);

    // Every path-taking call refuses to leave.
    fails!(mkdir(JAIL, "../newdir"), EPERM);
    fails!(mkdir(JAIL, "abs_dir_link/newdir"), EPERM);
    fails!(write_file(JAIL, "../created.txt", b"x"), EPERM);
    fails!(write_file(JAIL, "dir_up/created.txt", b"x"), EPERM);
    fails!(rename(JAIL, "inside.txt", JAIL, "../stolen.txt"), EPERM);
    fails!(rename(JAIL, "../secret.txt", JAIL, "stolen.txt"), EPERM);
    let (src, dst) = ("../secret.txt", "hard");
    errno!(unsafe { path_link(JAIL, 0, p(src.as_bytes()), src.len() as i32, JAIL, p(dst.as_bytes()), 4) }, EPERM);
    let (src, dst) = ("inside.txt", "../hard");
    errno!(unsafe { path_link(JAIL, 0, p(src.as_bytes()), src.len() as i32, JAIL, p(dst.as_bytes()), dst.len() as i32) }, EPERM);
    fails!(unlink(JAIL, "../secret.txt"), EPERM);
    fails!(unlink(JAIL, "abs_dir_link/secret.txt"), EPERM);
    fails!(rmdir(JAIL, "../outside"), EPERM);
    let mut buf = [0u8; 256];
    fails!(readlink(JAIL, "abs_link", &mut buf), EPERM);
    fails!(readlink(JAIL, "../jail/rel_link", &mut buf), EPERM);
    fails!(symlink("/etc/passwd", JAIL, "new_abs"), EPERM);
    fails!(symlink("x", JAIL, "../new_link"), EPERM);
    let path = "../secret.txt";
    errno!(unsafe { path_filestat_set_times(JAIL, LOOKUP_FOLLOW, p(path.as_bytes()), path.len() as i32, 0, 0, 8) }, EPERM);
    let path = "rel_link";
    errno!(unsafe { path_filestat_set_times(JAIL, LOOKUP_FOLLOW, p(path.as_bytes()), path.len() as i32, 0, 0, 8) }, EPERM);

    // A relative link the guest makes may point anywhere, but cannot be followed out.
    ok!(symlink("../secret.txt", JAIL, "new_rel"));
    fails!(read_file(JAIL, "new_rel"), EPERM);
    ok!(unlink(JAIL, "new_rel"));

    // Every directory descriptor is a root of its own: `..` from a subdirectory fails too.
    let sub = ok!(open(JAIL, true, "sub", O_DIRECTORY, RIGHTS_DIR, 0));
    check!(ok!(read_file(sub, "inner.txt")) == b"INNER");
    fails!(read_file(sub, "../inside.txt"), EPERM);
    ok!(close(sub));
}

/// A read-only preopen: reading works, every change is `ENOTCAPABLE`.
pub fn readonly() {
    check!(ok!(read_file(RO, "data.txt")) == b"READONLY");
    let st = ok!(fdstat(RO));
    check!(st.base & (1 << 10) == 0 && st.inheriting as i64 & RIGHT_FD_WRITE == 0, "{st:?}");
    fails!(open(RO, true, "data.txt", O_CREAT, RIGHT_FD_READ, 0), ENOTCAPABLE);
    fails!(open(RO, true, "new.txt", O_CREAT, RIGHT_FD_READ, 0), ENOTCAPABLE);
    fails!(open(RO, true, "data.txt", O_TRUNC, RIGHT_FD_READ, 0), ENOTCAPABLE);
    // Rights the directory cannot pass on are dropped from what the guest asked for.
    let fd = ok!(open(RO, true, "data.txt", 0, RIGHT_FD_READ | RIGHT_FD_WRITE, 0));
    check!(ok!(fdstat(fd)).base as i64 & RIGHT_FD_WRITE == 0);
    fails!(write(fd, &[b"x"]), ENOTCAPABLE);
    ok!(close(fd));
    fails!(mkdir(RO, "d"), ENOTCAPABLE);
    fails!(unlink(RO, "data.txt"), ENOTCAPABLE);
    fails!(rename(RO, "data.txt", RO, "moved.txt"), ENOTCAPABLE);
    fails!(symlink("data.txt", RO, "l"), ENOTCAPABLE);
    let path = "data.txt";
    errno!(unsafe { path_filestat_set_times(RO, 0, p(path.as_bytes()), 8, 0, 0, 8) }, ENOTCAPABLE);
    let fd = ok!(open(RO, true, "data.txt", 0, RIGHT_FD_READ, 0));
    fails!(write(fd, &[b"x"]), ENOTCAPABLE);
    errno!(unsafe { fd_filestat_set_size(fd, 0) }, ENOTCAPABLE);
    ok!(close(fd));
}

/// A directory swapped for a symlink between two calls: the second open is refused, while a
/// descriptor opened before the swap keeps naming the real directory.
pub fn swap() {
    check!(ok!(read_file(JAIL, "swap/secret.txt")) == b"INSIDE");
    let held = ok!(open(JAIL, true, "swap", O_DIRECTORY, RIGHTS_DIR, 0));
    ok!(rename(JAIL, "swap", JAIL, "swap_real"));
    ok!(symlink("../outside", JAIL, "swap"));
    fails!(read_file(JAIL, "swap/secret.txt"), EPERM);
    fails!(open(JAIL, true, "swap", O_DIRECTORY, RIGHTS_DIR, 0), EPERM);
    check!(ok!(read_file(held, "secret.txt")) == b"INSIDE");
    ok!(unlink(JAIL, "swap"));
    ok!(symlink("sub", JAIL, "swap"));
    check!(ok!(read_file(JAIL, "swap/inner.txt")) == b"INNER", "a link inside is followed");
    ok!(unlink(JAIL, "swap"));
    ok!(rename(JAIL, "swap_real", JAIL, "swap"));
    ok!(close(held));
}

/// Opens `swap/secret.txt` over and over while the host swaps `swap` between a directory and
/// symlinks leading out: every read that succeeds must see the inside file.
pub fn race() {
    let (mut inside, mut denied) = (0, 0);
    for _ in 0..3000 {
        match read_file(JAIL, "swap/secret.txt") {
            Ok(data) => {
                check!(data == b"INSIDE", "read {:?} through a swapped link", String::from_utf8_lossy(&data));
                inside += 1;
            }
            Err(EPERM) | Err(ENOENT) | Err(ENOTDIR) | Err(ELOOP) => denied += 1,
            Err(e) => check!(false, "unexpected errno {e}"),
        }
    }
    println!("race: {inside} reads inside, {denied} refused");
}
