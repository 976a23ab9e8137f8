//! `nn-api-server`: an OpenAI-compatible HTTP server for a GGUF chat model preloaded with
//! `--nn-preload NAME:GGML:AUTO:model.gguf`, on WasmEdge's WASI-NN (`wasmedge-wasi-nn`)
//! and socket (`wasmedge_wasi_socket`) crates, so it runs on Wedge and on WasmEdge.
//!
//! `nn-api-server [--host ADDR] [--port N] [--model NAME] [--embedding-model NAME]
//! [--ctx-size N] [--n-predict N] [--threads N]` loads the model, prints
//! `listening on http://ADDR:PORT` and answers one connection at a time:
//! `GET /v1/models`, `POST /v1/chat/completions` (streamed with `stream: true`) and
//! `POST /v1/embeddings`.

mod api_error;
mod args;
mod backend;
mod chat_template;
mod http;
mod openai;
mod routes;
mod utf8_buffer;

use std::io::Write;
use std::net::{IpAddr, Shutdown, SocketAddr};
use std::time::Duration;
use wasmedge_wasi_socket::TcpListener;

/// How long a client may stay silent while sending its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may stop reading a response.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

fn main() {
    let args = match args::Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let ip: IpAddr = match args.host.parse() {
        Ok(ip) => ip,
        Err(_) => {
            eprintln!(
                "nn-api-server: --host must be an IP address, not {}",
                args.host
            );
            std::process::exit(2);
        }
    };
    let backend = match backend::Backend::load(&args) {
        Ok(backend) => backend,
        Err(message) => {
            eprintln!("nn-api-server: {message}");
            std::process::exit(1);
        }
    };
    let listener = match TcpListener::bind(SocketAddr::new(ip, args.port), false) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "nn-api-server: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    let addr = SocketAddr::new(ip, port);
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();

    let mut server = routes::Server {
        backend,
        n_predict: args.n_predict,
        started: routes::now(),
        requests: 0,
    };
    loop {
        let mut stream = match listener.accept(false) {
            Ok((stream, _)) => stream,
            Err(e) => {
                eprintln!("nn-api-server: accept: {e}");
                continue;
            }
        };
        let _ = stream.as_ref().set_recv_timeout(Some(READ_TIMEOUT));
        let _ = stream.as_ref().set_send_timeout(Some(WRITE_TIMEOUT));
        match http::read_request(&mut stream) {
            Ok(None) => {}
            Ok(Some(request)) => {
                let status = routes::handle(&mut server, &request, &mut stream);
                eprintln!("{} {} {status}", request.method, request.path);
            }
            Err(e) => {
                let _ = http::write_error(&mut stream, &e);
                eprintln!("bad request: {} ({})", e.message, e.status);
            }
        }
        let _ = stream.shutdown(Shutdown::Write);
    }
}
