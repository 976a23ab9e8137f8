//! Arguments, environment, clocks, randomness, polling, process control, sockets, and
//! deliberate misuse of the ABI.

use crate::sys::*;
use crate::{check, errno, fails, ok};

/// Reads a string table the way `args_get`/`environ_get` lay it out.
fn table(sizes: unsafe extern "C" fn(i32, i32) -> i32, get: unsafe extern "C" fn(i32, i32) -> i32) -> Vec<String> {
    let (mut count, mut size) = (0u32, 0u32);
    errno!(unsafe { sizes(pm(&mut count), pm(&mut size)) }, 0);
    let mut ptrs = vec![0u32; count as usize];
    let mut buf = vec![0xffu8; size as usize];
    errno!(unsafe { get(pm(&mut ptrs[..]), pm(&mut buf[..])) }, 0);
    check!(buf.last().copied().unwrap_or(0) == 0, "the last string ends with NUL");
    ptrs.iter()
        .map(|&ptr| {
            let start = ptr as usize - pm(&mut buf[..]) as usize;
            let end = start + buf[start..].iter().position(|&b| b == 0).unwrap();
            String::from_utf8(buf[start..end].to_vec()).unwrap()
        })
        .collect()
}

/// Prints every argument on its own line.
pub fn args() {
    for a in table(args_sizes_get, args_get) {
        println!("arg: {a}");
    }
}

/// Prints every environment entry on its own line.
pub fn env() {
    for e in table(environ_sizes_get, environ_get) {
        println!("env: {e}");
    }
}

fn now(id: i32) -> u64 {
    let mut t = 0u64;
    errno!(unsafe { clock_time_get(id, 1, pm(&mut t)) }, 0);
    t
}

/// All four clocks: resolution, sanity of values, CPU time growing with work.
pub fn clocks() {
    for id in 0..4 {
        let mut res = 0u64;
        errno!(unsafe { clock_res_get(id, pm(&mut res)) }, 0);
        check!(res > 0 && res <= 1_000_000_000, "clock {id} resolution {res}");
    }
    let real = now(0);
    check!(real > 1_700_000_000 * 1_000_000_000, "realtime is after 2023: {real}");
    let m1 = now(1);
    let c1 = now(2);
    let t1 = now(3);
    let mut x = 0u64;
    for i in 0..20_000_000u64 {
        x = x.wrapping_mul(31).wrapping_add(i);
    }
    std::hint::black_box(x);
    let (m2, c2, t2) = (now(1), now(2), now(3));
    check!(m2 > m1, "monotonic advances");
    check!(c2 > c1 && t2 > t1, "CPU time grows with work: {c1}->{c2}, {t1}->{t2}");
    let mut res = 0u64;
    errno!(unsafe { clock_res_get(4, pm(&mut res)) }, EINVAL);
    errno!(unsafe { clock_time_get(99, 0, pm(&mut res)) }, EINVAL);
    errno!(unsafe { clock_time_get(0, 0, -8) }, EFAULT);
    errno!(unsafe { clock_time_get(0, 0, pm(&mut res) + 1) }, EINVAL);
}

/// random_get fills buffers with bytes that differ between calls.
pub fn random() {
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    errno!(unsafe { random_get(pm(&mut a), 64) }, 0);
    errno!(unsafe { random_get(pm(&mut b), 64) }, 0);
    check!(a != b && a != [0u8; 64]);
    errno!(unsafe { random_get(pm(&mut a), 0) }, 0);
    errno!(unsafe { random_get(-16, 64) }, EFAULT);
    let mut big = vec![0u8; 1 << 20];
    errno!(unsafe { random_get(pm(&mut big[..]), 1 << 20) }, 0);
    check!(big.iter().filter(|&&b| b == 0).count() < 10_000, "a megabyte of random bytes");
}

#[repr(C, align(8))]
#[derive(Clone, Copy, Default)]
struct Subscription {
    userdata: u64,
    tag: u8,
    _pad: [u8; 7],
    /// clock: id (u32), pad, timeout (u64), precision (u64), flags (u16); fd: fd (u32).
    body: [u64; 4],
}

impl Subscription {
    fn clock(userdata: u64, id: u32, timeout: u64, flags: u16) -> Subscription {
        let mut s = Subscription { userdata, tag: 0, ..Default::default() };
        s.body[0] = id as u64;
        s.body[1] = timeout;
        s.body[2] = 0;
        s.body[3] = flags as u64;
        s
    }
    fn fd(userdata: u64, read: bool, fd: u32) -> Subscription {
        let mut s = Subscription { userdata, tag: if read { 1 } else { 2 }, ..Default::default() };
        s.body[0] = fd as u64;
        s
    }
}

#[repr(C, align(8))]
#[derive(Clone, Copy, Default, Debug)]
struct Event {
    userdata: u64,
    error: u16,
    kind: u8,
    _pad: [u8; 5],
    nbytes: u64,
    flags: u16,
    _pad2: [u8; 6],
}

fn poll_subs(subs: &[Subscription]) -> Result<Vec<Event>, i32> {
    let mut events = vec![Event::default(); subs.len()];
    let mut n = 0u32;
    check(unsafe { poll_oneoff(p(&subs[..]), pm(&mut events[..]), subs.len() as i32, pm(&mut n)) })?;
    Ok(events[..n as usize].to_vec())
}

/// poll_oneoff: clocks (relative, absolute), fds (stdin with data, stdout, a file), several
/// at once, per-subscription errors. The host puts "ping\n" on stdin, then closes it.
pub fn poll() {
    // A relative clock sleeps at least its timeout.
    let start = now(1);
    let ev = ok!(poll_subs(&[Subscription::clock(7, 1, 20_000_000, 0)]));
    check!(ev.len() == 1 && ev[0].userdata == 7 && ev[0].kind == 0 && ev[0].error == 0, "{ev:?}");
    check!(now(1) - start >= 20_000_000, "slept 20ms");
    // An absolute one on the monotonic clock, and one already in the past.
    let deadline = now(1) + 10_000_000;
    let ev = ok!(poll_subs(&[Subscription::clock(8, 1, deadline, 1)]));
    check!(ev.len() == 1 && now(1) >= deadline);
    let ev = ok!(poll_subs(&[Subscription::clock(9, 0, 1, 1)]));
    check!(ev.len() == 1 && ev[0].userdata == 9, "a realtime deadline in 1970 fires at once");

    // Several at once: stdin has data, stdout is writable, a long clock does not fire.
    let ev = ok!(poll_subs(&[
        Subscription::fd(1, true, 0),
        Subscription::fd(2, false, 1),
        Subscription::clock(3, 1, 10_000_000_000, 0),
    ]));
    let mut ids: Vec<u64> = ev.iter().map(|e| e.userdata).collect();
    ids.sort();
    check!(ids == [1, 2], "stdin and stdout both ready: {ev:?}");
    let stdin_ev = ev.iter().find(|e| e.userdata == 1).unwrap();
    check!(stdin_ev.kind == 1 && stdin_ev.error == 0 && stdin_ev.nbytes == 5, "{stdin_ev:?}");
    let mut buf = [0u8; 16];
    check!(ok!(read(0, &mut [&mut buf])) == 5 && &buf[..5] == b"ping\n");
    // At end of input a read subscription fires with the hangup flag.
    let ev = ok!(poll_subs(&[Subscription::fd(4, true, 0), Subscription::clock(5, 1, 5_000_000_000, 0)]));
    check!(ev.len() == 1 && ev[0].userdata == 4 && ev[0].flags & 1 == 1, "hangup: {ev:?}");

    // A regular file is always ready, reporting the bytes left.
    ok!(write_file(3, "poll.txt", b"0123456789"));
    let fd = ok!(open(3, true, "poll.txt", 0, RIGHTS_ALL, 0));
    ok!(seek(fd, 4, 0));
    let ev = ok!(poll_subs(&[Subscription::fd(6, true, fd as u32), Subscription::fd(7, false, fd as u32)]));
    check!(ev.len() == 2 && ev[0].nbytes == 6 && ev[0].error == 0 && ev[1].error == 0, "{ev:?}");
    ok!(close(fd));

    // Errors are reported per subscription.
    let ev = ok!(poll_subs(&[Subscription::fd(10, true, 99), Subscription::clock(11, 77, 0, 0)]));
    check!(ev.len() == 2 && ev[0].error == EBADF as u16 && ev[1].error == EINVAL as u16, "{ev:?}");
    let ev = ok!(poll_subs(&[Subscription::clock(12, 2, 1000, 0)]));
    check!(ev[0].error == ENOTSUP as u16, "CPU-time clocks cannot be waited for: {ev:?}");
    let ev = ok!(poll_subs(&[Subscription::fd(13, true, 3)]));
    check!(ev[0].error == ENOTCAPABLE as u16, "a directory has no poll right: {ev:?}");
    fails!(poll_subs(&[]), EINVAL);
    let mut bad = Subscription::clock(1, 1, 0, 0);
    bad.tag = 9;
    fails!(poll_subs(&[bad]), EINVAL);
    let mut n = 0u32;
    errno!(unsafe { poll_oneoff(pm(&mut buf[..]), 0x10, 0x0100_0000, pm(&mut n)) }, EFAULT);

    // std's sleep goes through poll_oneoff too.
    let start = now(1);
    std::thread::sleep(std::time::Duration::from_millis(15));
    check!(now(1) - start >= 15_000_000);
}

/// proc_exit with the given code.
pub fn exit(code: &str) {
    println!("exiting with {code}");
    unsafe { proc_exit(code.parse().unwrap()) }
}

/// proc_raise: ignored signals, invalid numbers, then a terminating signal.
pub fn raise() {
    errno!(unsafe { proc_raise(0) }, 0);
    errno!(unsafe { proc_raise(27) }, 0);
    errno!(unsafe { proc_raise(16) }, 0);
    errno!(unsafe { proc_raise(31) }, EINVAL);
    errno!(unsafe { proc_raise(-1) }, EINVAL);
    errno!(unsafe { proc_raise(19) }, ENOTSUP);
    println!("raising SIGTERM");
    unsafe { proc_raise(15) };
    check!(false, "SIGTERM must end the guest");
}

/// sched_yield.
pub fn sched() {
    for _ in 0..100 {
        errno!(unsafe { sched_yield() }, 0);
    }
}

/// Sockets: fd 3 is a preopened listener. Prints "ready", then the host connects, sends
/// "hello" and reads until end of stream.
pub fn sock() {
    let st = ok!(fdstat(3));
    check!(st.filetype == FILETYPE_SOCKET_STREAM, "{st:?}");
    let mut out = 0i32;
    // No connection is pending yet: a non-blocking accept says so.
    errno!(unsafe { fd_fdstat_set_flags(3, FDFLAG_NONBLOCK) }, 0);
    errno!(unsafe { sock_accept(3, 0, pm(&mut out)) }, EAGAIN);
    errno!(unsafe { fd_fdstat_set_flags(3, 0) }, 0);
    errno!(unsafe { sock_accept(3, 2, pm(&mut out)) }, EINVAL);
    errno!(unsafe { sock_accept(1, 0, pm(&mut out)) }, ENOTSOCK);
    println!("ready");
    errno!(unsafe { sock_accept(3, 0, pm(&mut out)) }, 0);
    let conn = out;
    check!(ok!(fdstat(conn)).filetype == FILETYPE_SOCKET_STREAM);

    let mut buf = [0u8; 5];
    let mut iovs = [iovm(&mut buf)];
    let (mut len, mut oflags) = (0u32, 0u32);
    errno!(unsafe { sock_recv(conn, pm(&mut iovs[..]), 1, 1 | 2, pm(&mut len), pm(&mut oflags)) }, 0);
    check!(len == 5 && &buf == b"hello", "peek");
    let (mut a, mut b) = ([0u8; 2], [0u8; 3]);
    let mut iovs = [iovm(&mut a), iovm(&mut b)];
    errno!(unsafe { sock_recv(conn, pm(&mut iovs[..]), 2, 2, pm(&mut len), pm(&mut oflags)) }, 0);
    check!(len == 5 && &a == b"he" && &b == b"llo" && oflags == 0, "the peeked bytes are still there");
    errno!(unsafe { sock_recv(conn, pm(&mut iovs[..]), 2, 4, pm(&mut len), pm(&mut oflags)) }, EINVAL);
    errno!(unsafe { sock_recv(1, pm(&mut iovs[..]), 2, 0, pm(&mut len), pm(&mut oflags)) }, ENOTSOCK);

    let (w1, w2) = (*b"wor", *b"ld");
    let mut iovs = [iov(&w1), iov(&w2)];
    errno!(unsafe { sock_send(conn, pm(&mut iovs[..]), 2, 0, pm(&mut len)) }, 0);
    check!(len == 5);
    errno!(unsafe { sock_send(conn, pm(&mut iovs[..]), 2, 1, pm(&mut len)) }, EINVAL);
    // fd_write works on sockets too.
    check!(ok!(write(conn, &[b"!"])) == 1);
    errno!(unsafe { sock_shutdown(conn, 0) }, EINVAL);
    errno!(unsafe { sock_shutdown(conn, 4) }, EINVAL);
    errno!(unsafe { sock_shutdown(1, 2) }, ENOTSOCK);
    errno!(unsafe { sock_shutdown(conn, 2) }, 0);
    ok!(close(conn));
}

/// Bad pointers, lengths, descriptors and strings: each gives its errno, never a crash.
pub fn misuse() {
    let data = *b"abc";
    let mut good = [iov(&data)];
    let mut n = 0u32;
    let mem_end = (core::arch::wasm32::memory_size(0) * 65536) as i32;
    // iovec arrays and buffers outside memory.
    errno!(unsafe { fd_write(1, mem_end - 4, 1, pm(&mut n)) }, EFAULT);
    errno!(unsafe { fd_write(1, -8, 1, pm(&mut n)) }, EFAULT);
    let mut outside = [Iovec { ptr: mem_end - 2, len: 3 }];
    errno!(unsafe { fd_write(1, pm(&mut outside[..]), 1, pm(&mut n)) }, EFAULT);
    let mut wrap = [Iovec { ptr: -1, len: 0x7fff_ffff }];
    errno!(unsafe { fd_write(1, pm(&mut wrap[..]), 1, pm(&mut n)) }, EFAULT);
    let mut buf = [0u8; 8];
    let mut into_outside = [Iovec { ptr: mem_end - 1, len: 8 }];
    errno!(unsafe { fd_read(0, pm(&mut into_outside[..]), 1, pm(&mut n)) }, EFAULT);
    // Huge iovec counts.
    errno!(unsafe { fd_write(1, pm(&mut good[..]), 0x2000_0000, pm(&mut n)) }, EFAULT);
    errno!(unsafe { fd_write(1, pm(&mut good[..]), -1, pm(&mut n)) }, EFAULT);
    errno!(unsafe { fd_read(0, pm(&mut good[..]), 0x7fff_ffff, pm(&mut n)) }, EFAULT);
    errno!(unsafe { fd_write(1, pm(&mut good[..]), 0, pm(&mut n)) }, 0);
    check!(n == 0);
    // Result pointers outside memory or misaligned.
    errno!(unsafe { fd_write(1, pm(&mut good[..]), 1, mem_end) }, EFAULT);
    errno!(unsafe { fd_fdstat_get(1, pm(&mut buf[..]) | 1) }, EINVAL);
    errno!(unsafe { fd_fdstat_get(1, mem_end - 8) }, EFAULT);
    errno!(unsafe { args_sizes_get(-4, pm(&mut n)) }, EFAULT);
    errno!(unsafe { args_get(mem_end, mem_end) }, EFAULT);
    errno!(unsafe { environ_sizes_get(-4, pm(&mut n)) }, EFAULT);
    // Closed and unknown descriptors.
    errno!(unsafe { fd_write(55, pm(&mut good[..]), 1, pm(&mut n)) }, EBADF);
    errno!(unsafe { fd_write(-1, pm(&mut good[..]), 1, pm(&mut n)) }, EBADF);
    errno!(unsafe { fd_close(1234) }, EBADF);
    errno!(unsafe { fd_sync(1234) }, EBADF);
    errno!(unsafe { fd_seek(1234, 0, 0, pm(&mut buf[..])) }, EBADF);
    // Paths: invalid UTF-8, NUL bytes, lengths past memory.
    let mut fd = 0i32;
    let mut bad_utf8 = [b'a', 0xff, 0xfe, b'b'];
    errno!(unsafe { path_open(3, 0, pm(&mut bad_utf8[..]), 4, 1, RIGHTS_ALL, RIGHTS_ALL, 0, pm(&mut fd)) }, EILSEQ);
    errno!(unsafe { path_create_directory(3, pm(&mut bad_utf8[..]), 4) }, EILSEQ);
    let mut nul = *b"a\0b";
    errno!(unsafe { path_open(3, 0, pm(&mut nul[..]), 3, 1, RIGHTS_ALL, RIGHTS_ALL, 0, pm(&mut fd)) }, EINVAL);
    errno!(unsafe { path_open(3, 0, mem_end - 2, 10, 0, RIGHTS_ALL, RIGHTS_ALL, 0, pm(&mut fd)) }, EFAULT);
    errno!(unsafe { path_unlink_file(3, -100, 200) }, EFAULT);
    // Invalid enum and flag values.
    errno!(unsafe { path_open(3, 0, p(b"x"), 1, 0x10, RIGHTS_ALL, RIGHTS_ALL, 0, pm(&mut fd)) }, EINVAL);
    errno!(unsafe { path_open(3, 0, p(b"x"), 1, 0x10000, RIGHTS_ALL, RIGHTS_ALL, 0, pm(&mut fd)) }, EINVAL);
    errno!(unsafe { path_open(3, 4, p(b"x"), 1, 0, RIGHTS_ALL, RIGHTS_ALL, 0, pm(&mut fd)) }, EINVAL);
    errno!(unsafe { fd_seek(1, 0, 256, pm(&mut buf[..])) }, EINVAL);
    errno!(unsafe { fd_advise(1, 0, 0, 0x101) }, EINVAL);
    errno!(unsafe { fd_fdstat_set_flags(1, 0x20) }, EINVAL);
    // Stdio cannot seek.
    fails!(seek(1, 0, 0), ENOTCAPABLE);
    errno!(unsafe { fd_pread(0, pm(&mut good[..]), 1, 0, pm(&mut n)) }, ENOTCAPABLE);
    let _ = &mut buf;
}
