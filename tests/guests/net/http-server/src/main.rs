//! An HTTP/1.1 server on tokio_wasi + hyper_wasi, as WasmEdge's hyper examples write one.
//! `net-http-server ADDR` listens on ADDR (port 0 = any), prints `listening on PORT` and
//! serves until killed:
//! - `GET /` answers `Hello, World!` (the benchmark's "hello" response);
//! - `POST /echo` answers the request body;
//! - `GET /quit` answers `bye` and ends the process with exit code 0;
//! - anything else is 404.

use hyper::server::conn::Http;
use hyper::service::service_fn;
use hyper::{Body, Method, Request, Response, StatusCode};
use std::convert::Infallible;
use std::io::Write;
use tokio::net::TcpListener;

async fn handle(req: Request<Body>) -> Result<Response<Body>, Infallible> {
    let response = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => Response::new(Body::from("Hello, World!")),
        (&Method::POST, "/echo") => match hyper::body::to_bytes(req.into_body()).await {
            Ok(bytes) => Response::new(Body::from(bytes)),
            Err(e) => status(StatusCode::BAD_REQUEST, e.to_string()),
        },
        (&Method::GET, "/quit") => {
            println!("quit requested");
            // Let hyper flush the response first.
            tokio::spawn(async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                std::process::exit(0);
            });
            Response::new(Body::from("bye"))
        }
        _ => status(StatusCode::NOT_FOUND, "not found".into()),
    };
    Ok(response)
}

fn status(code: StatusCode, text: String) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = code;
    response
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".into());
    let addr: std::net::SocketAddr = addr.parse()?;
    let listener = TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?.port());
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::task::spawn(async move {
            // One buffer per response: on WASI the socket under tokio_wasi/mio_wasi
            // (wasmedge_wasi_socket's TcpStream) has no vectored write, so headers and body
            // would leave in two segments and the second would wait for the client's delayed
            // ACK (Nagle; WasmEdge's ABI cannot set TCP_NODELAY): 40 ms per response. The
            // native build does the same, for a fair comparison.
            if let Err(err) = Http::new()
                .http1_writev(false)
                .serve_connection(stream, service_fn(handle))
                .await
            {
                eprintln!("connection error: {err}");
            }
        });
    }
}
