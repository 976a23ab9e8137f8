//! Helpers for `net_guests.rs`: running a guest in the background and reading its lines,
//! finding the servers `tests/services.sh` started, and small real peers on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a guest may take to print an expected line or to exit before the test fails
/// (a guard against hangs, not a speed assertion).
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The committed guest `tests/guests/bin/NAME.wasm`.
pub fn guest(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../tests/guests/bin/{name}.wasm"))
}

/// The execution tiers every socket guest runs in.
pub const TIERS: [&str; 2] = ["jit", "interp"];

/// A `wedge run --tier TIER` command for the guest NAME with ARGS after it (stdin empty).
pub fn wedge_run(tier: &str, name: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wedge"));
    c.args(["run", "--tier", tier])
        .arg(guest(name))
        .args(args)
        .stdin(Stdio::null());
    c
}

/// A guest process whose stdout lines arrive through a channel; killed when dropped.
pub struct Guest {
    child: Child,
    lines: Receiver<String>,
    stdout: Option<JoinHandle<()>>,
    stderr: Option<JoinHandle<String>>,
    /// Every line read so far (for failure messages).
    pub seen: Vec<String>,
}

impl Guest {
    /// Starts `command` with piped stdout and stderr.
    pub fn start(mut command: Command) -> Guest {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wedge starts");
        let (tx, lines) = channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let stdout = std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Guest {
            child,
            lines,
            stdout: Some(stdout),
            stderr: Some(stderr),
            seen: Vec::new(),
        }
    }

    /// The next stdout line; fails the test if none comes within `PATIENCE`.
    pub fn line(&mut self) -> String {
        match self.lines.recv_timeout(PATIENCE) {
            Ok(line) => {
                self.seen.push(line.clone());
                line
            }
            Err(RecvTimeoutError::Timeout) => {
                self.kill();
                panic!("no line from the guest in {PATIENCE:?}; {}", self.report())
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().ok();
                panic!("the guest ended ({status:?}) early; {}", self.report())
            }
        }
    }

    /// The next line, which must start with `prefix`; returns the rest.
    pub fn expect(&mut self, prefix: &str) -> String {
        let line = self.line();
        match line.strip_prefix(prefix) {
            Some(rest) => rest.to_string(),
            None => panic!("expected a line starting {prefix:?}; {}", self.report()),
        }
    }

    /// Waits for the exit (killing the guest after `PATIENCE`); returns the status, the rest
    /// of stdout and stderr.
    pub fn finish(mut self) -> (ExitStatus, Vec<String>, String) {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                self.kill();
                panic!("the guest did not exit in {PATIENCE:?}; {}", self.report());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // The pipes reach their end once the process has exited: every line is then in the
        // channel.
        let _ = self.stdout.take().unwrap().join();
        let rest: Vec<String> = self.lines.try_iter().collect();
        self.seen.extend(rest.iter().cloned());
        let stderr = self.stderr.take().unwrap().join().unwrap_or_default();
        (status, rest, stderr)
    }

    /// Like `finish`, but the exit code must be 0; returns the remaining stdout lines.
    pub fn finish_ok(self) -> Vec<String> {
        let seen_before = self.seen.clone();
        let (status, rest, stderr) = self.finish();
        assert_eq!(
            status.code(),
            Some(0),
            "guest failed: stdout {seen_before:?} {rest:?}, stderr {stderr}"
        );
        rest
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn report(&mut self) -> String {
        self.kill();
        let stderr = match self.stderr.take() {
            Some(h) => h.join().unwrap_or_default(),
            None => String::new(),
        };
        let rest: Vec<String> = self.lines.try_iter().collect();
        format!("stdout so far {:?} {rest:?}, stderr {stderr}", self.seen)
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs a guest to completion; returns its stdout lines, failing on a non-zero exit.
pub fn run_ok(command: Command) -> Vec<String> {
    Guest::start(command).finish_ok()
}

/// Whether tests must not skip for a missing server or tool (`WEDGE_CI` is set; CI's
/// `tests/run.sh` sets it).
fn strict() -> bool {
    std::env::var_os("WEDGE_CI").is_some()
}

/// The value of `var`, which `tests/services.sh start` sets. Without it the test fails when
/// `WEDGE_CI` is set, and otherwise is skipped with the reason on stderr.
pub fn service(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Some(value),
        _ if strict() => panic!(
            "{var} is not set: start the servers with `eval \"$(tests/services.sh start)\"` \
             (tests/run.sh does this)"
        ),
        _ => {
            eprintln!(
                "SKIPPED: {var} is not set; run `eval \"$(tests/services.sh start)\"` to test \
                 against the real server (WEDGE_CI=1 makes this a failure)"
            );
            None
        }
    }
}

/// Whether the program `name` (curl, openssl) is on PATH. Without it the test fails when
/// `WEDGE_CI` is set, and otherwise is skipped with the reason on stderr.
pub fn tool(name: &str) -> bool {
    let found = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
        || Command::new(name)
            .arg("version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
    if !found {
        assert!(
            !strict(),
            "{name} is not installed (apt-get install {name})"
        );
        eprintln!("SKIPPED: {name} is not installed (WEDGE_CI=1 makes this a failure)");
    }
    found
}

/// A free TCP port on 127.0.0.1 (for peers that cannot report the port they chose).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Deterministic pseudo-random bytes (xorshift), so payloads are not all alike.
pub fn payload(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Sends `data` on a new connection to `addr` while reading the reply, shuts down the
/// write side after the data, and returns everything read until the peer closes, with the
/// local port used.
pub fn exchange(addr: &str, data: &[u8]) -> (Vec<u8>, u16) {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let local_port = stream.local_addr().unwrap().port();
    let mut writer = stream.try_clone().unwrap();
    let data = data.to_vec();
    let sender = std::thread::spawn(move || {
        writer.write_all(&data).unwrap();
        writer.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut reply = Vec::new();
    (&stream).read_to_end(&mut reply).unwrap();
    sender.join().unwrap();
    (reply, local_port)
}

/// One parsed HTTP/1.1 response.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body (Content-Length or chunked framing).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 client over one kept-alive connection (the "Rust client in the test").
pub struct HttpConnection {
    reader: BufReader<TcpStream>,
    host: String,
}

impl HttpConnection {
    /// Connects to `addr` (`IP:PORT`).
    pub fn connect(addr: &str) -> HttpConnection {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        HttpConnection {
            reader: BufReader::new(stream),
            host: addr.to_string(),
        }
    }

    /// Sends one request and reads its response; the connection stays open.
    pub fn request(&mut self, method: &str, path: &str, body: &[u8]) -> HttpResponse {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        );
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        read_response(&mut self.reader)
    }
}

fn read_line(reader: &mut impl BufRead) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.ends_with("\r\n"), "HTTP line without CRLF: {line:?}");
    line.truncate(line.len() - 2);
    line
}

/// Reads one HTTP/1.1 response (status line, headers, body) from `reader`.
pub fn read_response(reader: &mut impl BufRead) -> HttpResponse {
    let status_line = read_line(reader);
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
    let status = parts.next().unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("header line");
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut response = HttpResponse {
        status,
        headers,
        body: Vec::new(),
    };
    if let Some(len) = response.header("content-length") {
        let mut body = vec![0; len.parse().unwrap()];
        reader.read_exact(&mut body).unwrap();
        response.body = body;
    } else if response.header("transfer-encoding") == Some("chunked") {
        loop {
            let size = usize::from_str_radix(&read_line(reader), 16).unwrap();
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk).unwrap();
            assert_eq!(read_line(reader), "");
            if size == 0 {
                break;
            }
            response.body.extend(chunk);
        }
    }
    response
}

/// A plain HTTP/1.1 server on 127.0.0.1 (a thread) that answers each request with `body`
/// and records the request lines, `Host` headers and request bodies it saw.
pub struct HttpServer {
    /// `IP:PORT` it listens on.
    pub addr: String,
    seen: std::sync::Arc<RequestLog>,
}

impl HttpServer {
    /// Starts serving `body` (one connection at a time; keep-alive honoured).
    pub fn start(body: &'static str) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let seen = std::sync::Arc::default();
        let log = std::sync::Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                stream.set_read_timeout(Some(PATIENCE)).unwrap();
                let log = std::sync::Arc::clone(&log);
                std::thread::spawn(move || serve_connection(stream, body, &log));
            }
        });
        HttpServer { addr, seen }
    }

    /// The requests served so far: request line, Host header, body.
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.rsplit_once(':').unwrap().1.parse().unwrap()
    }
}

/// A request an `HttpServer` served: request line, Host header, body.
pub type Request = (String, String, Vec<u8>);

type RequestLog = std::sync::Mutex<Vec<Request>>;

fn serve_connection(stream: TcpStream, body: &str, log: &RequestLog) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut host = String::new();
        let mut length = 0;
        let mut close = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "host" => host = value.trim().to_string(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "connection" => close = value.trim().eq_ignore_ascii_case("close"),
                    _ => {}
                }
            }
        }
        let mut request_body = vec![0; length];
        if reader.read_exact(&mut request_body).is_err() {
            return;
        }
        log.lock()
            .unwrap()
            .push((request_line.trim_end().to_string(), host, request_body));
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if reader.get_mut().write_all(response.as_bytes()).is_err() || close {
            return;
        }
    }
}
