//! An HTTPS client with rustls compiled into the guest, on `wasmedge_wasi_socket`.
//! `net-tls https://HOST:PORT/PATH CA.pem`: trusts only the certificates in CA.pem (a file
//! in a preopened directory), connects (HOST may be a name such as `localhost`, resolved with
//! `sock_getaddrinfo`), checks the server's certificate for HOST, sends `GET PATH` and prints
//! `tls: VERSION CIPHER_SUITE`, the status line as `status: ...` and the body as `body: ...`.
//! Errors (including a certificate the CA did not sign) are printed as `error: ...`, exit 1.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{ErrorKind, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use wasmedge_wasi_socket::TcpStream;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, ca] = args.as_slice() else {
        println!("error: usage: net-tls https://HOST:PORT/PATH CA.pem");
        return ExitCode::FAILURE;
    };
    match fetch(url, ca) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Splits `https://HOST:PORT/PATH` into host, port and path.
fn split_url(url: &str) -> Result<(&str, u16, &str)> {
    let rest = url.strip_prefix("https://").ok_or("the URL must start with https://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse()?),
        None => (authority, 443),
    };
    Ok((host, port, path))
}

fn fetch(url: &str, ca: &str) -> Result<()> {
    let (host, port, path) = split_url(url)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca)? {
        roots.add(cert?)?;
    }
    // rustls deprecates the ring provider in favour of aws-lc-rs (post-quantum key
    // exchange), whose C build needs CMake and a WASI port; ring builds with clang alone.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string())?;
    let conn = rustls::ClientConnection::new(Arc::new(config), name)?;
    let socket = TcpStream::connect((host, port))?;
    let mut tls = rustls::StreamOwned::new(conn, socket);
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes())?;
    tls.flush()?;
    let mut response = Vec::new();
    match tls.read_to_end(&mut response) {
        Ok(_) => {}
        // A server that closes without close_notify: what arrived before is complete for
        // HTTP/1.0 with Connection: close.
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => {}
        Err(e) => return Err(e.into()),
    }
    let version = tls.conn.protocol_version().ok_or("no protocol version")?;
    let suite = tls.conn.negotiated_cipher_suite().ok_or("no cipher suite")?;
    println!("tls: {version:?} {:?}", suite.suite());
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP header end")?;
    println!("status: {}", head.lines().next().unwrap_or_default());
    println!("body: {body}");
    Ok(())
}
