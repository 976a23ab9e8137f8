//! TCP, UDP and DNS through the `wasmedge_wasi_socket` crate, the way WasmEdge programs use
//! it. One mode per run, named by the first argument:
//!
//! - `tcp-server ADDR N`: listen on ADDR (port 0 = any), print `listening on IP:PORT`, then
//!   serve N connections one after the other: echo every byte back until the peer shuts its
//!   side down, shut down ours, print `served PEER: BYTES bytes`.
//! - `tcp-client ADDR MESSAGE`: connect (ADDR may be a host name such as `localhost:PORT`),
//!   send MESSAGE, shut down the write side, read to the end, print `reply: TEXT`.
//! - `udp ADDR MESSAGE`: bind 127.0.0.1:0, print `bound IP:PORT`, send MESSAGE to ADDR, wait
//!   for one datagram and print `reply: TEXT from IP:PORT`.
//! - `udp-server ADDR`: bind ADDR (port 0 = any), print `bound IP:PORT`, wait for one
//!   datagram, send `echo:` and its bytes back to the address `recv_from` reported, print
//!   `served TEXT from IP:PORT`.
//! - `dns NAME`: resolve NAME with `sock_getaddrinfo` and print `addr: IP:PORT` per result.
//!
//! Errors are printed as `error: ...` with exit code 1.

use std::io::{Read, Write};
use std::process::ExitCode;
use wasmedge_wasi_socket::{nslookup, Shutdown, TcpListener, TcpStream, UdpSocket};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["tcp-server", addr, n] => tcp_server(addr, n.parse().unwrap_or(1)),
        ["tcp-client", addr, message] => tcp_client(addr, message),
        ["udp", addr, message] => udp(addr, message),
        ["udp-server", addr] => udp_server(addr),
        ["dns", name] => dns(name),
        _ => Err("usage: net-socket tcp-server ADDR N | tcp-client ADDR MESSAGE | udp ADDR MESSAGE | udp-server ADDR | dns NAME".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn tcp_server(addr: &str, connections: usize) -> Result<()> {
    let listener = TcpListener::bind(addr, false)?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    for _ in 0..connections {
        let (mut stream, peer) = listener.accept(false)?;
        let mut total = 0;
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                break;
            }
            stream.write_all(&buf[..n])?;
            total += n;
        }
        stream.shutdown(Shutdown::Write)?;
        println!("served {peer}: {total} bytes");
        std::io::stdout().flush()?;
    }
    Ok(())
}

fn tcp_client(addr: &str, message: &str) -> Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    println!("connected to {}", stream.peer_addr()?);
    stream.write_all(message.as_bytes())?;
    stream.shutdown(Shutdown::Write)?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    println!("reply: {reply}");
    Ok(())
}

fn udp(addr: &str, message: &str) -> Result<()> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    println!("bound {}", socket.as_ref().get_local()?);
    std::io::stdout().flush()?;
    socket.send_to(message.as_bytes(), addr)?;
    let mut buf = [0u8; 1500];
    let (n, from) = socket.recv_from(&mut buf)?;
    println!("reply: {} from {from}", String::from_utf8_lossy(&buf[..n]));
    Ok(())
}

fn udp_server(addr: &str) -> Result<()> {
    let socket = UdpSocket::bind(addr)?;
    println!("bound {}", socket.as_ref().get_local()?);
    std::io::stdout().flush()?;
    let mut buf = [0u8; 1500];
    let (n, from) = socket.recv_from(&mut buf)?;
    let mut reply = b"echo:".to_vec();
    reply.extend_from_slice(&buf[..n]);
    socket.send_to(&reply, from)?;
    println!("served {} from {from}", String::from_utf8_lossy(&buf[..n]));
    Ok(())
}

fn dns(name: &str) -> Result<()> {
    for addr in nslookup(name, "http")? {
        println!("addr: {addr}");
    }
    Ok(())
}
