//! Runs the guest programs of `tests/guests/` under `wedge run` and checks their behaviour:
//! every WASI preview1 function, the sandbox against each escape, sockets, exit codes.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn guest(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../tests/guests/bin/{name}.wasm"))
}

fn wedge() -> Command {
    let mut wedge = Command::new(env!("CARGO_BIN_EXE_wedge"));
    wedge.env("WEDGE_CACHE", "off");
    wedge
}

/// Runs `wedge ARGS` with empty stdin.
fn run(args: &[&str]) -> Output {
    wedge()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("wedge runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs one group of the `wasi-calls` guest with a fresh directory preopened as `/sandbox`.
fn calls_group(group: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let spec = format!("/sandbox:{}", dir.path().display());
    let wasm = guest("wasi-calls");
    run(&["run", "--dir", &spec, wasm.to_str().unwrap(), group])
}

fn assert_group_ok(group: &str) {
    let out = calls_group(group);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{group}: stdout {} stderr {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).ends_with(&format!("{group}: ok\n")));
}

#[test]
fn file_descriptor_calls() {
    assert_group_ok("files");
}

#[test]
fn readdir_with_cookies() {
    assert_group_ok("readdir");
}

#[test]
fn path_calls() {
    assert_group_ok("paths");
}

#[test]
fn clocks_including_cpu_time() {
    assert_group_ok("clocks");
}

#[test]
fn random_from_the_os() {
    assert_group_ok("random");
}

#[test]
fn sched_yield_returns() {
    assert_group_ok("yield");
}

#[test]
fn guest_misuse_gets_errnos_not_crashes() {
    assert_group_ok("misuse");
}

#[test]
fn arguments_reach_the_guest() {
    let wasm = guest("wasi-calls");
    let w = wasm.to_str().unwrap();
    let out = run(&["run", w, "args", "two words", "ü", "--flag"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("arg: {w}\narg: args\narg: two words\narg: ü\narg: --flag\nargs: ok\n")
    );
    // The shorthand `wedge FILE ARGS...`.
    let out = run(&[w, "args", "x"]);
    assert_eq!(
        text(&out.stdout),
        format!("arg: {w}\narg: args\narg: x\nargs: ok\n")
    );
}

#[test]
fn environment_is_only_what_env_gives() {
    let wasm = guest("wasi-calls");
    let out = wedge()
        .args(["run", "--env", "A=1", "--env", "B=x=y", "--env", "EMPTY="])
        .arg(&wasm)
        .arg("env")
        .env("HOST_SECRET", "nope")
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "env: A=1\nenv: B=x=y\nenv: EMPTY=\nenv: ok\n"
    );
    let out = run(&["run", "--env", "NOEQUALS", wasm.to_str().unwrap(), "env"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a malformed --env is a usage error"
    );
}

#[test]
fn proc_exit_code_becomes_the_exit_code() {
    let wasm = guest("wasi-calls");
    for (code, want) in [("0", 0), ("3", 3), ("255", 255), ("256", 0)] {
        let out = run(&["run", wasm.to_str().unwrap(), "exit", code]);
        assert_eq!(out.status.code(), Some(want), "proc_exit({code})");
        assert_eq!(text(&out.stdout), format!("exiting with {code}\n"));
        assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    }
}

#[test]
fn proc_raise_terminates_like_a_trap() {
    let wasm = guest("wasi-calls");
    let out = run(&["run", wasm.to_str().unwrap(), "raise"]);
    assert_eq!(out.status.code(), Some(134));
    let err = text(&out.stderr);
    assert!(
        err.contains("SIGTERM") && err.contains("wasm backtrace"),
        "{err}"
    );
    assert_eq!(text(&out.stdout), "raising SIGTERM\n");
}

#[test]
fn poll_oneoff_clocks_and_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = wedge()
        .args(["run", "--dir"])
        .arg(format!("/sandbox:{}", dir.path().display()))
        .arg(guest("wasi-calls"))
        .arg("poll")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Write stdin and close it: the guest sees 5 bytes, then end of input (hangup).
    child.stdin.take().unwrap().write_all(b"ping\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "poll: ok\n");
}

#[test]
fn sockets_accept_recv_send_shutdown() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = wedge()
        .args(["run", "--tcplisten", &addr])
        .arg(guest("wasi-calls"))
        .arg("sock")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.write_all(b"hello").unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    assert_eq!(
        reply, "world!",
        "the guest's sends, then end of stream after shutdown"
    );
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(rest, "sock: ok\n");
}

/// The layout the sandbox groups expect:
/// ```text
/// root/secret.txt                 OUTSIDE
/// root/outside/secret.txt         OUTSIDE
/// root/jail/                      preopened as /jail (fd 3)
///   inside.txt                    INSIDE
///   sub/inner.txt                 INNER
///   swap/secret.txt               INSIDE
///   abs_link -> ROOT/secret.txt   abs_dir_link -> ROOT/outside
///   rel_link -> ../secret.txt     dir_up -> ..      deep_link -> sub/../../secret.txt
///   loop1 -> loop2 -> loop1       self_loop -> self_loop
///   inside_link -> sub/inner.txt
/// root/ro/data.txt                READONLY, preopened read-only as /ro (fd 4)
/// ```
struct Jail {
    root: tempfile::TempDir,
}

impl Jail {
    fn new() -> Jail {
        use std::os::unix::fs::symlink;
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let write = |p: &str, s: &str| std::fs::write(r.join(p), s).unwrap();
        for d in ["outside", "jail", "jail/sub", "jail/swap", "ro"] {
            std::fs::create_dir(r.join(d)).unwrap();
        }
        write("secret.txt", "OUTSIDE");
        write("outside/secret.txt", "OUTSIDE");
        write("jail/inside.txt", "INSIDE");
        write("jail/sub/inner.txt", "INNER");
        write("jail/swap/secret.txt", "INSIDE");
        write("ro/data.txt", "READONLY");
        let j = r.join("jail");
        symlink(r.join("secret.txt"), j.join("abs_link")).unwrap();
        symlink(r.join("outside"), j.join("abs_dir_link")).unwrap();
        symlink("../secret.txt", j.join("rel_link")).unwrap();
        symlink("..", j.join("dir_up")).unwrap();
        symlink("sub/../../secret.txt", j.join("deep_link")).unwrap();
        symlink("loop2", j.join("loop1")).unwrap();
        symlink("loop1", j.join("loop2")).unwrap();
        symlink("self_loop", j.join("self_loop")).unwrap();
        symlink("sub/inner.txt", j.join("inside_link")).unwrap();
        Jail { root }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.root.path().join(p)
    }

    fn command(&self, group: &str) -> Command {
        let mut c = wedge();
        c.arg("run")
            .arg("--dir")
            .arg(format!("/jail:{}", self.path("jail").display()))
            .arg("--dir")
            .arg(format!("/ro:{}:readonly", self.path("ro").display()))
            .arg(guest("wasi-calls"))
            .arg(group)
            .stdin(Stdio::null());
        c
    }

    /// Everything outside the jail (and the read-only directory) is as it was.
    fn assert_outside_untouched(&self) {
        let mut names: Vec<_> = std::fs::read_dir(self.root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["jail", "outside", "ro", "secret.txt"]);
        assert_eq!(
            std::fs::read_to_string(self.path("secret.txt")).unwrap(),
            "OUTSIDE"
        );
        let outside: Vec<_> = std::fs::read_dir(self.path("outside")).unwrap().collect();
        assert_eq!(outside.len(), 1);
        assert_eq!(
            std::fs::read_to_string(self.path("outside/secret.txt")).unwrap(),
            "OUTSIDE"
        );
        let ro: Vec<_> = std::fs::read_dir(self.path("ro")).unwrap().collect();
        assert_eq!(ro.len(), 1);
        assert_eq!(
            std::fs::read_to_string(self.path("ro/data.txt")).unwrap(),
            "READONLY"
        );
    }
}

fn assert_jail_group_ok(jail: &Jail, group: &str) {
    let out = jail.command(group).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{group}: stdout {} stderr {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).ends_with(&format!("{group}: ok\n")));
    jail.assert_outside_untouched();
}

#[test]
fn sandbox_refuses_every_escape() {
    let jail = Jail::new();
    assert_jail_group_ok(&jail, "escapes");
}

#[test]
fn readonly_directories_cannot_change() {
    let jail = Jail::new();
    assert_jail_group_ok(&jail, "readonly");
}

#[test]
fn directory_swapped_for_symlink_between_calls() {
    let jail = Jail::new();
    assert_jail_group_ok(&jail, "swap");
}

#[test]
fn directory_swapped_for_symlink_during_calls() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let jail = Jail::new();
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let swap = jail.path("jail/swap");
        let real = jail.path("jail/swap_real");
        let outside = jail.path("outside");
        std::thread::spawn(move || {
            let mut swaps = 0u32;
            while !stop.load(Ordering::Relaxed) {
                std::fs::rename(&swap, &real).unwrap();
                if swaps.is_multiple_of(2) {
                    std::os::unix::fs::symlink(&outside, &swap).unwrap();
                } else {
                    std::os::unix::fs::symlink("../outside", &swap).unwrap();
                }
                std::thread::yield_now();
                std::fs::remove_file(&swap).unwrap();
                std::fs::rename(&real, &swap).unwrap();
                std::thread::yield_now();
                swaps += 1;
            }
            swaps
        })
    };
    let out = jail.command("race").output().unwrap();
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout {} stderr {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(swaps > 0);
    assert!(
        text(&out.stdout).contains("reads inside"),
        "{}",
        text(&out.stdout)
    );
    jail.assert_outside_untouched();
}

#[test]
fn c_program_through_wasi_libc() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = guest("c-files");
    let out = wedge()
        .args(["run", "--env", "NAME=wedge", "--dir"])
        .arg(format!("/data:{}", dir.path().display()))
        .arg(&wasm)
        .arg("5")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    let want = "argc=2 argv[1]=5\nNAME=wedge\nisatty(1)=0\nread 30 bytes:\nline 0\nline 1\nline 2\nappended\n\
size=30 regular=1 recent=1\nreadlink=a.txt\nlink dangling after rename: 1\nnlink=2\n\
entries: . .. b.txt c.txt link\nopen ../escape: Operation not permitted\n\
open missing: No such file or directory\nslept >= 20ms: 1\ncpu clock: 1\ncleaned up: 1\n";
    assert_eq!(text(&out.stdout), want);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    // abort() is a trap: message, backtrace, exit code 134.
    let out = wedge()
        .args(["run", "--dir"])
        .arg(format!("/data:{}", dir.path().display()))
        .arg(&wasm)
        .arg("abort")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(134));
    let err = text(&out.stderr);
    assert!(
        err.contains("unreachable") && err.contains("wasm backtrace"),
        "{err}"
    );
}

#[test]
fn directories_must_exist() {
    let wasm = guest("hello");
    let out = run(&[
        "run",
        "--dir",
        "/x:/nonexistent/dir",
        wasm.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("/nonexistent/dir"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["run", "--dir", ":", wasm.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hello_world_and_shorthand() {
    let wasm = guest("hello");
    for args in [
        vec!["run", wasm.to_str().unwrap()],
        vec![wasm.to_str().unwrap()],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(text(&out.stdout), "Hello, world!\n");
    }
}

#[test]
fn reactor_mode_initializes_then_calls_the_named_export() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reactor.wat");
    std::fs::write(
        &file,
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (global $base (mut i32) (i32.const 0))
             (data (i32.const 16) "init\n")
             (func (export "_initialize")
               (global.set $base (i32.const 100))
               (i32.store (i32.const 0) (i32.const 16))
               (i32.store (i32.const 4) (i32.const 5))
               (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
             (func (export "add") (param i32 i32) (result i32)
               (i32.add (global.get $base) (i32.add (local.get 0) (local.get 1)))))"#,
    )
    .unwrap();
    let out = run(&["run", "--reactor", file.to_str().unwrap(), "add", "2", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "init\n105\n");
    let out = run(&["run", "--reactor", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["run", "--reactor", file.to_str().unwrap(), "missing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("missing"));
}
