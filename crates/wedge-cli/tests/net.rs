//! Networking under `wedge run`: the C guests of `tests/guests/c` (WasmEdge's socket ABI)
//! against real peers on loopback, the network flags, the descriptor limit, and a server
//! holding 10,000 connections.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

fn guest(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../tests/guests/bin/{name}.wasm"))
}

fn wedge(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wedge"));
    c.args(args).stdin(Stdio::null());
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `wedge run [FLAGS] c-sockets.wasm ARGS` to the end.
fn sockets(flags: &[&str], args: &[&str]) -> Output {
    let wasm = guest("c-sockets");
    let mut all: Vec<&str> = vec!["run"];
    all.extend(flags);
    all.push(wasm.to_str().unwrap());
    all.extend(args);
    wedge(&all).output().expect("wedge runs")
}

/// A guest server: the child, its stdout, and the port it printed ("listening PORT").
struct Server {
    child: Child,
    out: BufReader<ChildStdout>,
    port: u16,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let wasm = guest("c-echo");
        let mut all = vec!["run", wasm.to_str().unwrap()];
        all.extend(args);
        let mut child = wedge(&all)
            .stdout(Stdio::piped())
            .spawn()
            .expect("wedge starts");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let line = read_line(&mut out);
        let port = line
            .strip_prefix("listening ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("expected `listening PORT`, got {line:?}"));
        Server { child, out, port }
    }

    fn wait_for(&mut self, want: &str) {
        loop {
            let line = read_line(&mut self.out);
            if line.trim() == want {
                return;
            }
            assert!(!line.is_empty(), "server ended before printing {want:?}");
        }
    }

    fn rss_kib(&self) -> u64 {
        status_field(self.child.id(), "VmRSS:")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_line(r: &mut impl BufRead) -> String {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    line
}

/// A numeric field of /proc/PID/status.
fn status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// Threads of process `pid` that run the guest or serve it: all but the background
/// compiler of the tiered default (`wedge-tier-up`), which compiles hot functions only.
fn serving_threads(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
        .filter(|t| {
            let name = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            name.trim_end() != "wedge-tier-up"
        })
        .count() as u64
}

fn echo_round(stream: &mut TcpStream, msg: &[u8]) {
    stream.write_all(msg).unwrap();
    let mut back = vec![0u8; msg.len()];
    stream.read_exact(&mut back).unwrap();
    assert_eq!(back, msg);
}

#[test]
fn abi_probe_under_wedge_run() {
    let out = sockets(&[], &["probe"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).ends_with("probe: ok\n"));
}

#[test]
fn tcp_echo_server_guest_serves_rust_clients() {
    let mut server = Server::start(&["server", "0"]);
    let mut clients: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).unwrap())
        .collect();
    for round in 0..20 {
        for (i, c) in clients.iter_mut().enumerate() {
            echo_round(c, format!("round {round} client {i}\n").as_bytes());
        }
    }
    // A large message crosses many reads and writes.
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut writer = clients[0].try_clone().unwrap();
    let sent = big.clone();
    let feeder = std::thread::spawn(move || writer.write_all(&sent).unwrap());
    let mut back = vec![0u8; big.len()];
    clients[0].read_exact(&mut back).unwrap();
    feeder.join().unwrap();
    assert!(back == big, "the echo of 1 MB differs");
    clients[1].write_all(b"quit\n").unwrap();
    server.wait_for("quit");
    assert!(server.child.wait().unwrap().success());
}

#[test]
fn tcp_echo_client_guest_resolves_localhost_and_talks_to_a_rust_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap();
        conn.write_all(b"echo: ").unwrap();
        conn.write_all(&got).unwrap();
        conn.shutdown(Shutdown::Write).unwrap();
        got
    });
    let wasm = guest("c-echo");
    let out = wedge(&[
        "run",
        wasm.to_str().unwrap(),
        "client",
        "localhost",
        &port.to_string(),
        "hello over wasm",
    ])
    .output()
    .unwrap();
    assert_eq!(peer.join().unwrap(), b"hello over wasm");
    assert_eq!(text(&out.stdout), "received echo: hello over wasm\n");
    assert!(out.status.success());
}

#[test]
fn udp_echo_guest_answers_each_sender_at_its_port() {
    let mut server = Server::start(&["udp", "0"]);
    let clients: Vec<UdpSocket> = (0..3)
        .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
        .collect();
    for (i, c) in clients.iter().enumerate() {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let msg = format!("datagram {i}");
        c.send_to(msg.as_bytes(), ("127.0.0.1", server.port))
            .unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = c.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], msg.as_bytes());
        assert_eq!(from.port(), server.port);
    }
    clients[0]
        .send_to(b"quit", ("127.0.0.1", server.port))
        .unwrap();
    server.wait_for("quit");
}

#[test]
fn deny_net_refuses_sockets_and_names() {
    let out = sockets(&["--deny-net"], &["connect", "127.0.0.1", "9"]);
    assert_eq!(text(&out.stdout), "errno 2\n");
    let out = sockets(&["--deny-net"], &["dns", "localhost"]);
    assert_eq!(text(&out.stdout), "errno 2\n");
    let out = sockets(
        &["--deny-net", "--allow-net", "127.0.0.1"],
        &["dns", "localhost"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("contradict"));
    let out = sockets(&["--allow-net", "300.0.0.0/8"], &["dns", "localhost"]);
    assert_eq!(out.status.code(), Some(2), "a bad rule is a usage error");
}

#[test]
fn allow_net_limits_connect_bind_and_send_to() {
    let allowed = TcpListener::bind("127.0.0.1:0").unwrap();
    let denied = TcpListener::bind("127.0.0.1:0").unwrap();
    let (ap, dp) = (
        allowed.local_addr().unwrap().port().to_string(),
        denied.local_addr().unwrap().port().to_string(),
    );
    let rule = format!("127.0.0.1:{ap}");
    let flags = ["--allow-net", rule.as_str()];
    assert_eq!(
        text(&sockets(&flags, &["connect", "127.0.0.1", &ap]).stdout),
        "errno 0\n"
    );
    assert_eq!(
        text(&sockets(&flags, &["connect", "127.0.0.1", &dp]).stdout),
        "errno 2\n"
    );
    assert_eq!(
        text(&sockets(&flags, &["sendto", "127.0.0.1", &dp]).stdout),
        "errno 2\n"
    );
    assert_eq!(
        text(&sockets(&flags, &["sendto", "127.0.0.1", &ap]).stdout),
        "errno 0\n"
    );
    assert_eq!(
        text(&sockets(&flags, &["bind", "0.0.0.0", &ap]).stdout),
        "errno 2\n"
    );
    // Names still resolve unless --deny-dns.
    let out = sockets(&flags, &["dns", "localhost"]);
    assert_eq!(text(&out.stdout), "errno 0\n127.0.0.1\n");
    let mut deny_dns = flags.to_vec();
    deny_dns.push("--deny-dns");
    assert_eq!(
        text(&sockets(&deny_dns, &["dns", "localhost"]).stdout),
        "errno 2\n"
    );
    // The allowed listener got its one connection; the denied one none.
    allowed.accept().unwrap();
    denied.set_nonblocking(true).unwrap();
    assert_eq!(
        denied.accept().unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
}

/// A denied connect never reaches the kernel: a packet capture on `lo` sees no SYN for the
/// port (and sees the SYN of an allowed connect, so the capture works). Needs root and
/// tcpdump (`tests/setup.sh` installs it); skipped with a message otherwise.
#[test]
fn denied_connect_sends_no_packet() {
    // `WEDGE_CI` (set by tests/run.sh) makes a missing prerequisite a failure.
    let skip = |why: &str| {
        assert!(std::env::var_os("WEDGE_CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
    };
    if !rustix::process::geteuid().is_root() {
        return skip("packet capture needs root");
    }
    if Command::new("tcpdump").arg("--version").output().is_err() {
        return skip("tcpdump is not installed (tests/setup.sh installs it)");
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let capture = |flags: &[&str]| -> (String, u64) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cap.pcap");
        let mut dump = Command::new("tcpdump")
            // Immediate mode: packets are counted as they come, not when a buffer block is
            // handed over (which could be after the interrupt).
            .args(["-i", "lo", "-n", "-U", "--immediate-mode", "-w"])
            .arg(&file)
            .args(["tcp", "port", &port])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(dump.stderr.take().unwrap());
        let first = read_line(&mut err);
        assert!(first.contains("listening on"), "tcpdump: {first}");
        let out = sockets(flags, &["connect", "127.0.0.1", &port]);
        std::thread::sleep(Duration::from_millis(500));
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&dump),
            rustix::process::Signal::INT,
        )
        .unwrap();
        dump.wait().unwrap();
        let mut rest = String::new();
        err.read_to_string(&mut rest).unwrap();
        let captured = rest
            .lines()
            .find_map(|l| l.strip_suffix(" packets captured"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("tcpdump said: {rest}"));
        (text(&out.stdout), captured)
    };
    let (out, packets) = capture(&["--allow-net", "127.0.0.1:1"]);
    assert_eq!(out, "errno 2\n");
    assert_eq!(packets, 0, "a denied connect put packets on the wire");
    listener.set_nonblocking(true).unwrap();
    assert_eq!(
        listener.accept().unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
    let (out, packets) = capture(&[]);
    assert_eq!(out, "errno 0\n");
    assert!(
        packets >= 1,
        "the capture saw nothing of an allowed connect"
    );
}

#[test]
fn sockets_until_emfile_then_reuse() {
    let out = sockets(&[], &["emfile"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with("emfile: ok\n"), "{stdout}");
}

#[test]
fn c_open_append_trunc_pwrite_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let spec = format!("/data:{}", dir.path().display());
    let wasm = guest("c-preview1");
    let out = wedge(&["run", "--dir", &spec, wasm.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "preview1: ok\n", "{}", text(&out.stderr));
}

/// Raises this test process's descriptor limit; returns it.
fn raise_fd_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut l = getrlimit(Resource::Nofile);
    if l.current != l.maximum {
        l.current = l.maximum;
        let _ = setrlimit(Resource::Nofile, l);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// One guest thread holds 10,000 idle connections while some of them keep talking; memory
/// grows linearly with the connections. Prints the bytes per connection.
#[test]
fn ten_thousand_connections_on_one_thread() {
    let limit = raise_fd_limit();
    let want: usize = 10_000;
    // This process holds the client ends; the server (another process) the others.
    let total = want.min(limit.saturating_sub(200) as usize);
    if total < want {
        eprintln!("descriptor limit {limit}: testing {total} connections instead of {want}");
    }
    let server = Server::start(&["server", "0"]);
    let connect = |n: usize, conns: &mut Vec<TcpStream>| {
        while conns.len() < n {
            conns.push(TcpStream::connect(("127.0.0.1", server.port)).unwrap());
        }
    };
    let mut conns = Vec::with_capacity(total);
    let warm = total / 10;
    connect(warm, &mut conns);
    for c in conns.iter_mut().take(10) {
        echo_round(c, b"warm");
    }
    let rss_warm = server.rss_kib();
    let half = total / 2;
    connect(half, &mut conns);
    echo_round(&mut conns[half - 1], b"half");
    let rss_half = server.rss_kib();
    connect(total, &mut conns);
    // The last connection answers only once the server has accepted them all.
    echo_round(&mut conns[total - 1], b"all");
    let rss_all = server.rss_kib();
    // Steady traffic over a spread of connections, the rest idle.
    for round in 0..10 {
        for i in (round..total).step_by(97) {
            echo_round(&mut conns[i], format!("{round}:{i}").as_bytes());
        }
    }
    let threads = serving_threads(server.child.id());
    let per_conn_first = (rss_half - rss_warm) * 1024 / (half - warm) as u64;
    let per_conn_second = (rss_all - rss_half) * 1024 / (total - half) as u64;
    let per_conn = (rss_all - rss_warm) * 1024 / (total - warm) as u64;
    eprintln!(
        "{total} connections: RSS {rss_warm} KiB at {warm}, {rss_half} KiB at {half}, \
         {rss_all} KiB at {total}; {per_conn} bytes per connection \
         ({per_conn_first} then {per_conn_second}); {threads} thread(s)"
    );
    assert_eq!(threads, 1, "the server runs on one host thread");
    // Linear and small: no per-connection cost near a page per byte of traffic, and the
    // second half costs no more per connection than twice the first.
    assert!(per_conn < 16 * 1024, "{per_conn} bytes per connection");
    assert!(per_conn_second <= 2 * per_conn_first + 1024);
    drop(conns);
}
