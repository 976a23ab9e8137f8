//! HTTP clients WasmEdge programs use, fetching one URL: `net-http-client CLIENT URL` with
//! CLIENT one of `hyper` (hyper_wasi's client on tokio_wasi), `reqwest` (reqwest_wasi) or
//! `http_req` (wasmedge_http_req, blocking). Prints `status: CODE` then `body: TEXT`.
//! `net-http-client reqwest-post URL TEXT` POSTs TEXT and prints the answer the same way.
//! Errors are printed as `error: ...` with exit code 1.

use std::process::ExitCode;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["hyper", url] => runtime().and_then(|rt| rt.block_on(with_hyper(url))),
        ["reqwest", url] => runtime().and_then(|rt| rt.block_on(with_reqwest(url, None))),
        ["reqwest-post", url, text] => {
            runtime().and_then(|rt| rt.block_on(with_reqwest(url, Some(text))))
        }
        ["http_req", url] => with_http_req(url),
        _ => Err("usage: net-http-client hyper|reqwest|http_req URL | reqwest-post URL TEXT".into()),
    };
    match result {
        Ok((status, body)) => {
            println!("status: {status}");
            println!("body: {body}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

async fn with_hyper(url: &str) -> Result<(u16, String)> {
    let client = hyper::Client::new();
    let response = client.get(url.parse()?).await?;
    let status = response.status().as_u16();
    let body = hyper::body::to_bytes(response.into_body()).await?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

async fn with_reqwest(url: &str, post: Option<&str>) -> Result<(u16, String)> {
    let client = reqwest::Client::new();
    let request = match post {
        Some(text) => client.post(url).body(text.to_string()),
        None => client.get(url),
    };
    let response = request.send().await?;
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

fn with_http_req(url: &str) -> Result<(u16, String)> {
    let mut body = Vec::new();
    let response = wasmedge_http_req::request::get(url, &mut body)?;
    Ok((
        u16::from(response.status_code()),
        String::from_utf8_lossy(&body).into_owned(),
    ))
}
