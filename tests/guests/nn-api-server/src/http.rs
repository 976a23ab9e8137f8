//! A small HTTP/1.1 server side: reads one request, writes one response, then the
//! connection closes (one request per connection, `Connection: close`).

use crate::api_error::ApiError;
use std::io::{Read, Write};

/// Largest request head (request line and headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A parsed request.
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path without the query string.
    pub path: String,
    /// The body (empty when none was sent).
    pub body: Vec<u8>,
}

/// Reads one request. `Ok(None)` means the client closed before sending anything.
pub fn read_request(stream: &mut impl ReadWrite) -> Result<Option<Request>, ApiError> {
    let mut buf = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Err(ApiError::new(
                431,
                "invalid_request_error",
                "request headers too large",
            ));
        }
        let mut chunk = [0u8; 4096];
        let n = stream
            .read(&mut chunk)
            .map_err(|e| read_error("reading the request", e))?;
        if n == 0 {
            if buf.is_empty() {
                return Ok(None);
            }
            return Err(ApiError::bad_request("connection closed mid-request"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| ApiError::bad_request("request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && t.starts_with('/') => (m, t, v),
        _ => return Err(ApiError::bad_request("malformed request line")),
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ApiError::new(
            505,
            "invalid_request_error",
            "only HTTP/1.x is supported",
        ));
    }
    let mut content_length = 0usize;
    let mut expect_continue = false;
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| ApiError::bad_request("malformed header line"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value
                .parse()
                .map_err(|_| ApiError::bad_request("bad Content-Length"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(ApiError::new(
                411,
                "invalid_request_error",
                "chunked request bodies are not supported; send Content-Length",
            ));
        } else if name.eq_ignore_ascii_case("expect") && value.eq_ignore_ascii_case("100-continue")
        {
            expect_continue = true;
        }
    }
    if content_length > MAX_BODY {
        return Err(ApiError::new(
            413,
            "invalid_request_error",
            format!("request body larger than {MAX_BODY} bytes"),
        ));
    }
    if expect_continue && content_length > 0 {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|e| ApiError::bad_request(format!("writing 100 Continue: {e}")))?;
    }
    let mut body = buf[head_end + 4..].to_vec();
    if body.len() > content_length {
        body.truncate(content_length);
    }
    let have = body.len();
    body.resize(content_length, 0);
    stream
        .read_exact(&mut body[have..])
        .map_err(|e| read_error("reading the request body", e))?;
    let path = target.split('?').next().unwrap_or(target).to_string();
    Ok(Some(Request {
        method: method.to_string(),
        path,
        body,
    }))
}

/// A byte stream both ways (a TCP connection).
pub trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// A failed read: 408 when the client was silent past the receive timeout, else 400.
fn read_error(what: &str, e: std::io::Error) -> ApiError {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            ApiError::new(408, "invalid_request_error", format!("{what}: timed out"))
        }
        _ => ApiError::bad_request(format!("{what}: {e}")),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

fn head(status: u16, content_type: &str, extra: &str) -> String {
    format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\n\
         Access-Control-Allow-Origin: *\r\nConnection: close\r\n{extra}\r\n",
        reason(status)
    )
}

/// Writes a complete response with a JSON body, in one write (see docs: one segment
/// avoids waiting for the client's delayed ACK).
pub fn write_json(
    stream: &mut impl Write,
    status: u16,
    body: &serde_json::Value,
) -> std::io::Result<()> {
    let body = body.to_string();
    let mut out = head(
        status,
        "application/json",
        &format!("Content-Length: {}\r\n", body.len()),
    );
    out.push_str(&body);
    stream.write_all(out.as_bytes())
}

/// Writes an OpenAI-style error response.
pub fn write_error(stream: &mut impl Write, error: &ApiError) -> std::io::Result<()> {
    write_json(stream, error.status, &error.body())
}

/// Writes an empty 204 answer to a CORS preflight request.
pub fn write_preflight(stream: &mut impl Write) -> std::io::Result<()> {
    let out = head(
        204,
        "text/plain",
        "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n\
         Access-Control-Allow-Headers: *\r\nContent-Length: 0\r\n",
    );
    stream.write_all(out.as_bytes())
}

/// A `text/event-stream` response sent with chunked transfer encoding; the head is
/// written with the first event, so an error found before it can still get its status.
pub struct EventStream<'a, W: Write> {
    stream: &'a mut W,
    started: bool,
}

impl<'a, W: Write> EventStream<'a, W> {
    /// A stream on `stream`; nothing is written yet.
    pub fn new(stream: &'a mut W) -> Self {
        EventStream {
            stream,
            started: false,
        }
    }

    /// Whether the response head has been written.
    pub fn started(&self) -> bool {
        self.started
    }

    /// Sends one server-sent event `data: DATA\n\n` as one chunk, in one write
    /// (with the head before the first).
    pub fn send(&mut self, data: &str) -> std::io::Result<()> {
        let mut out = String::new();
        if !self.started {
            out = head(
                200,
                "text/event-stream",
                "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n",
            );
            self.started = true;
        }
        let event = format!("data: {data}\n\n");
        out.push_str(&format!("{:x}\r\n{event}\r\n", event.len()));
        self.stream.write_all(out.as_bytes())
    }

    /// Ends the body.
    pub fn finish(self) -> std::io::Result<()> {
        self.stream.write_all(b"0\r\n\r\n")
    }

    /// The connection, for an error response before the stream started.
    pub fn into_inner(self) -> &'a mut W {
        self.stream
    }
}
