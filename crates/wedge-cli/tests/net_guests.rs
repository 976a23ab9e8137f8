//! Runs the network guests of `tests/guests/net/` (programs built from the crates WasmEdge
//! programs use, on WasmEdge's socket extension) under `wedge run` against real peers on
//! loopback: TCP echo both ways, UDP, DNS, a hyper server answering curl and a Rust client,
//! three HTTP clients, Redis, MariaDB, PostgreSQL and an HTTPS client with rustls.
//!
//! The Redis, PostgreSQL and MariaDB tests read the servers' addresses from the variables
//! `tests/services.sh start` prints (WEDGE_TEST_REDIS, WEDGE_TEST_POSTGRES, WEDGE_TEST_MYSQL);
//! curl and openssl must be installed. When one is missing the test is skipped with the
//! reason on stderr, or fails if WEDGE_CI is set (as `tests/run.sh` does).

mod net_support;

use net_support::*;
use std::collections::BTreeSet;
use std::io::Read;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::process::Command;

/// The port at the end of `IP:PORT` (or of a bare number).
fn port_of(text: &str) -> u16 {
    let port = text.rsplit(':').next().unwrap();
    port.trim()
        .parse()
        .unwrap_or_else(|_| panic!("no port in {text:?}"))
}

#[test]
fn tcp_echo_server_guest_serves_host_clients() {
    for tier in TIERS {
        let mut server = Guest::start(wedge_run(
            tier,
            "net-socket",
            &["tcp-server", "127.0.0.1:0", "2"],
        ));
        let addr = format!("127.0.0.1:{}", port_of(&server.expect("listening on ")));
        // A short message, then 1 MiB that cannot fit in the socket buffers at once.
        let short = b"hello, guest".to_vec();
        let (reply, client_port) = exchange(&addr, &short);
        assert_eq!(reply, short, "{tier}");
        let served = server.expect("served ");
        assert!(
            served.ends_with(&format!(":{client_port}: 12 bytes")),
            "{tier}: {served}"
        );
        let big = payload(1 << 20, 7);
        let (reply, client_port) = exchange(&addr, &big);
        assert!(reply == big, "{tier}: the 1 MiB echo differs");
        let served = server.expect("served ");
        assert!(
            served.ends_with(&format!(":{client_port}: 1048576 bytes")),
            "{tier}: {served}"
        );
        assert!(server.finish_ok().is_empty());
    }
}

#[test]
fn tcp_client_guest_reaches_a_host_server_by_name_and_address() {
    for tier in TIERS {
        for host in ["127.0.0.1", "localhost"] {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            let peer = std::thread::spawn(move || {
                let (mut conn, from) = listener.accept().unwrap();
                let mut got = Vec::new();
                conn.read_to_end(&mut got).unwrap();
                std::io::Write::write_all(&mut conn, b"echo:").unwrap();
                std::io::Write::write_all(&mut conn, &got).unwrap();
                from
            });
            let out = run_ok(wedge_run(
                tier,
                "net-socket",
                &["tcp-client", &format!("{host}:{port}"), "héllo wörld"],
            ));
            let from = peer.join().unwrap();
            assert!(from.ip().is_loopback());
            assert_eq!(out.len(), 2, "{tier} {host}: {out:?}");
            assert_eq!(port_of(&out[0]), port, "{tier} {host}: {out:?}");
            assert_eq!(out[1], "reply: echo:héllo wörld", "{tier} {host}");
        }
    }
}

#[test]
fn udp_datagrams_both_ways() {
    for tier in TIERS {
        let host = UdpSocket::bind("127.0.0.1:0").unwrap();
        host.set_read_timeout(Some(PATIENCE)).unwrap();
        let host_port = host.local_addr().unwrap().port();
        let mut guest = Guest::start(wedge_run(
            tier,
            "net-socket",
            &[
                "udp",
                &format!("127.0.0.1:{host_port}"),
                "ping from the guest",
            ],
        ));
        let bound = port_of(&guest.expect("bound "));
        let mut buf = [0u8; 1500];
        let (n, from) = host.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ping from the guest", "{tier}");
        assert_eq!(
            from.port(),
            bound,
            "{tier}: the sender is the guest's bound socket"
        );
        assert!(from.ip().is_loopback());
        host.send_to(b"pong from the host", from).unwrap();
        let reply = guest.expect("reply: ");
        let (text, sender) = reply.rsplit_once(" from ").unwrap();
        assert_eq!(text, "pong from the host", "{tier}");
        // WasmEdge's sock_recv_from V2 (which wasmedge_wasi_socket binds) stores the port in
        // network byte order, so there the crate reports it byte-swapped; Wedge stores it in
        // host order like every other port (docs/networking.md), so the program sees the real
        // sender and can answer it.
        assert_eq!(port_of(sender), host_port, "{tier}: {sender}");
        assert!(guest.finish_ok().is_empty());
    }
}

#[test]
fn udp_server_guest_answers_the_sender() {
    for tier in TIERS {
        let mut guest = Guest::start(wedge_run(
            tier,
            "net-socket",
            &["udp-server", "127.0.0.1:0"],
        ));
        let guest_port = port_of(&guest.expect("bound "));
        let host = UdpSocket::bind("127.0.0.1:0").unwrap();
        host.set_read_timeout(Some(PATIENCE)).unwrap();
        host.send_to(b"datagram", ("127.0.0.1", guest_port))
            .unwrap();
        // The guest answers the address and port `recv_from` gave it (under WasmEdge the
        // port would be byte-swapped and the answer lost).
        let mut buf = [0u8; 1500];
        let (n, from) = host.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"echo:datagram", "{tier}");
        assert_eq!(from.port(), guest_port, "{tier}");
        let served = guest.expect("served ");
        let (text, sender) = served.rsplit_once(" from ").unwrap();
        assert_eq!(text, "datagram", "{tier}");
        assert_eq!(port_of(sender), host.local_addr().unwrap().port(), "{tier}");
        assert!(guest.finish_ok().is_empty());
    }
}

#[test]
fn dns_lookup_of_localhost_matches_the_host() {
    // wasmedge_wasi_socket asks for IPv4 stream addresses of service "http" (port 80).
    let want: BTreeSet<SocketAddr> = ("localhost", 80)
        .to_socket_addrs()
        .unwrap()
        .filter(SocketAddr::is_ipv4)
        .collect();
    assert!(!want.is_empty());
    for tier in TIERS {
        let out = run_ok(wedge_run(tier, "net-socket", &["dns", "localhost"]));
        let got: BTreeSet<SocketAddr> = out
            .iter()
            .map(|l| l.strip_prefix("addr: ").unwrap().parse().unwrap())
            .collect();
        assert_eq!(got, want, "{tier}: {out:?}");
    }
}

#[test]
fn c_guest_on_wasi_libc_echoes_both_ways() {
    for tier in TIERS {
        let mut server = Guest::start(wedge_run(tier, "net-c-echo", &["server", "1"]));
        let addr = format!("127.0.0.1:{}", port_of(&server.expect("listening on ")));
        let data = payload(300_000, 3);
        let (reply, _) = exchange(&addr, &data);
        assert!(reply == data, "{tier}: the echo differs");
        assert_eq!(server.finish_ok(), ["served: 300000 bytes"], "{tier}");

        // The C client against a host echo server.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let peer = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            conn.read_to_end(&mut got).unwrap();
            got.reverse();
            std::io::Write::write_all(&mut conn, &got).unwrap();
        });
        let out = run_ok(wedge_run(
            tier,
            "net-c-echo",
            &["client", &port.to_string(), "stressed"],
        ));
        peer.join().unwrap();
        assert_eq!(out, ["reply: desserts"], "{tier}");
    }
}

#[test]
fn hyper_server_guest_answers_curl_and_a_rust_client() {
    for tier in TIERS {
        let mut server = Guest::start(wedge_run(tier, "net-http-server", &["127.0.0.1:0"]));
        let addr = format!("127.0.0.1:{}", server.expect("listening on ").trim());

        // The Rust client: several requests on one kept-alive connection.
        let mut conn = HttpConnection::connect(&addr);
        let hello = conn.request("GET", "/", b"");
        assert_eq!(hello.status, 200, "{tier}");
        assert_eq!(hello.body, b"Hello, World!", "{tier}");
        let body = payload(200_000, 11);
        let echo = conn.request("POST", "/echo", &body);
        assert_eq!(echo.status, 200, "{tier}");
        assert!(echo.body == body, "{tier}: the echoed body differs");
        assert_eq!(conn.request("GET", "/nowhere", b"").status, 404, "{tier}");

        // Many clients at once: the guest's tokio runtime multiplexes them on one thread.
        let clients: Vec<_> = (0..16)
            .map(|i| {
                let addr = addr.clone();
                std::thread::spawn(move || {
                    let mut conn = HttpConnection::connect(&addr);
                    for j in 0..5 {
                        let text = format!("client {i} request {j}");
                        let r = conn.request("POST", "/echo", text.as_bytes());
                        assert_eq!(r.body, text.as_bytes());
                    }
                })
            })
            .collect();
        for c in clients {
            c.join().unwrap();
        }

        if tool("curl") {
            let out = Command::new("curl")
                .args(["-sS", "-i", &format!("http://{addr}/")])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{tier}: curl: {out:?}");
            assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{tier}: {text}");
            assert!(text.ends_with("\r\n\r\nHello, World!"), "{tier}: {text}");
            let out = Command::new("curl")
                .args([
                    "-sS",
                    "--data-binary",
                    "from curl",
                    &format!("http://{addr}/echo"),
                ])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), "from curl", "{tier}");
        }

        let bye = HttpConnection::connect(&addr).request("GET", "/quit", b"");
        assert_eq!(bye.body, b"bye", "{tier}");
        assert_eq!(server.finish_ok(), ["quit requested"], "{tier}");
    }
}

#[test]
fn http_client_guests_fetch_from_a_local_server() {
    // The clients run in the interpreter (no compile time for their 1.7 MB module), the POST
    // in the JIT tier.
    let server = HttpServer::start("served by the test");
    let port = server.port();
    let mut expected_requests = 0;
    for client in ["hyper", "reqwest", "http_req"] {
        for host in ["127.0.0.1", "localhost"] {
            let url = format!("http://{host}:{port}/path/{client}?q=1");
            let out = run_ok(wedge_run("interp", "net-http-client", &[client, &url]));
            assert_eq!(
                out,
                ["status: 200", "body: served by the test"],
                "{client} {host}"
            );
            expected_requests += 1;
            let requests = server.requests();
            assert_eq!(requests.len(), expected_requests);
            let (line, host_header, _) = requests.last().unwrap();
            assert_eq!(
                line,
                &format!("GET /path/{client}?q=1 HTTP/1.1"),
                "{client}"
            );
            assert!(
                host_header.starts_with(host),
                "{client}: Host {host_header}"
            );
        }
    }
    let url = format!("http://127.0.0.1:{port}/post");
    let out = run_ok(wedge_run(
        "jit",
        "net-http-client",
        &["reqwest-post", &url, "posted text"],
    ));
    assert_eq!(out, ["status: 200", "body: served by the test"]);
    let (line, _, body) = server.requests().pop().unwrap();
    assert_eq!(line, "POST /post HTTP/1.1");
    assert_eq!(body, b"posted text");
}

#[test]
fn http_client_guest_fetches_from_the_hyper_server_guest() {
    let mut server = Guest::start(wedge_run("jit", "net-http-server", &["127.0.0.1:0"]));
    let port = server.expect("listening on ").trim().to_string();
    for client in ["hyper", "reqwest", "http_req"] {
        let out = run_ok(wedge_run(
            "interp",
            "net-http-client",
            &[client, &format!("http://localhost:{port}/")],
        ));
        assert_eq!(out, ["status: 200", "body: Hello, World!"], "{client}");
    }
    let out = run_ok(wedge_run(
        "interp",
        "net-http-client",
        &[
            "reqwest-post",
            &format!("http://127.0.0.1:{port}/echo"),
            "round trip",
        ],
    ));
    assert_eq!(out, ["status: 200", "body: round trip"]);
    let out = run_ok(wedge_run(
        "interp",
        "net-http-client",
        &["hyper", &format!("http://127.0.0.1:{port}/quit")],
    ));
    assert_eq!(out, ["status: 200", "body: bye"]);
    assert_eq!(server.finish_ok(), ["quit requested"]);
}

#[test]
fn redis_set_get_against_redis_server() {
    let Some(addr) = service("WEDGE_TEST_REDIS") else {
        return;
    };
    for tier in TIERS {
        let key = format!("wedge-test-{}-{tier}", std::process::id());
        let out = run_ok(wedge_run(
            tier,
            "net-redis",
            &[&format!("redis://{addr}/"), &key, "välue 42"],
        ));
        assert_eq!(
            out,
            [
                format!("GET {key} = välue 42"),
                format!("INCR {key}:n = 42"),
                format!("LRANGE {key}:list = a,b,c"),
                "DEL = 3".to_string(),
            ],
            "{tier}"
        );
    }
}

/// Runs the SQL guest `name` in both tiers against the database at the URL in `var` (set
/// by tests/services.sh), each on a table of its own; its first line must contain `server`,
/// the rest are the rows and the sum the guest's statements leave.
fn sql_round_trip(var: &str, name: &str, server: &str) {
    let Some(url) = service(var) else {
        return;
    };
    for tier in TIERS {
        let table = format!("wedge_t_{}_{tier}", std::process::id());
        let out = run_ok(wedge_run(tier, name, &[&url, &table]));
        assert!(
            out[0].starts_with("server: ") && out[0].contains(server),
            "{tier}: {out:?}"
        );
        assert_eq!(
            out[1..],
            [
                "row: 1 one 10",
                "row: 2 two 25",
                "row: 3 three ü 30",
                "sum: 65",
                "done"
            ],
            "{tier}"
        );
    }
}

#[test]
fn mysql_round_trip_against_mariadb() {
    sql_round_trip("WEDGE_TEST_MYSQL", "net-mysql", "MariaDB");
}

#[test]
fn postgres_round_trip_against_postgresql() {
    sql_round_trip("WEDGE_TEST_POSTGRES", "net-postgres", "PostgreSQL");
}

/// A test CA, a certificate for `localhost` it signed, and a second CA that signed nothing,
/// made with the openssl CLI in a temp dir that also holds `hello.txt` for `s_server -WWW`.
struct TestPki {
    dir: tempfile::TempDir,
}

impl TestPki {
    fn new() -> TestPki {
        let dir = tempfile::tempdir().unwrap();
        // Runs openssl with the whitespace-separated arguments in `args`.
        let openssl = |args: &str| {
            let out = Command::new("openssl")
                .args(args.split_whitespace())
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(out.status.success(), "openssl {args}: {out:?}");
        };
        let key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
        for ca in ["ca", "other-ca"] {
            openssl(&format!(
                "req -x509 {key} -days 2 -subj /CN=Wedge-test-{ca} -keyout {ca}.key -out {ca}.pem"
            ));
        }
        openssl(&format!(
            "req {key} -subj /CN=localhost -keyout server.key -out server.csr"
        ));
        std::fs::write(
            dir.path().join("ext.cnf"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
             -extfile ext.cnf -out server.pem",
        );
        std::fs::write(dir.path().join("hello.txt"), "secret over TLS\n").unwrap();
        TestPki { dir }
    }

    /// Starts `openssl s_server -WWW` with the server certificate and extra `args`; returns
    /// the process (killed on drop) and its port.
    fn server(&self, args: &[&str]) -> (Guest, u16) {
        let port = free_port();
        let mut command = Command::new("openssl");
        command
            .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
            .args([
                "-cert",
                "server.pem",
                "-key",
                "server.key",
                "-WWW",
                "-naccept",
                "1",
            ])
            .args(args)
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null());
        let mut server = Guest::start(command);
        while server.line() != "ACCEPT" {}
        (server, port)
    }

    /// `wedge run --tier TIER` of the TLS guest for URL trusting `ca` (a file in the PKI dir).
    fn client(&self, tier: &str, url: &str, ca: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wedge"));
        c.args(["run", "--tier", tier, "--dir"])
            .arg(format!("/pki:{}:readonly", self.dir.path().display()))
            .arg(guest("net-tls"))
            .args([url, &format!("/pki/{ca}")])
            .stdin(std::process::Stdio::null());
        c
    }
}

#[test]
fn https_client_guest_with_rustls_against_openssl_s_server() {
    if !tool("openssl") {
        return;
    }
    let pki = TestPki::new();
    for (version, flag, tier) in [
        ("TLSv1_3", "-tls1_3", "jit"),
        ("TLSv1_2", "-tls1_2", "interp"),
    ] {
        let (server, port) = pki.server(&[flag]);
        let url = format!("https://localhost:{port}/hello.txt");
        let mut out = run_ok(pki.client(tier, &url, "ca.pem"));
        drop(server);
        let tls = out.remove(0);
        assert!(tls.starts_with(&format!("tls: {version} TLS")), "{tls}");
        assert_eq!(out[0], "status: HTTP/1.0 200 ok", "{out:?}");
        assert_eq!(out[1], "body: secret over TLS", "{out:?}");
    }
    // A server certificate the trusted CA did not sign is refused.
    let (_server, port) = pki.server(&[]);
    let url = format!("https://localhost:{port}/hello.txt");
    let guest = Guest::start(pki.client("interp", &url, "other-ca.pem"));
    let (status, out, _) = guest.finish();
    assert_eq!(status.code(), Some(1), "{out:?}");
    assert!(
        out.len() == 1 && out[0].starts_with("error: invalid peer certificate: UnknownIssuer"),
        "{out:?}"
    );
}
