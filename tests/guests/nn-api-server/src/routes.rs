//! The endpoints: `GET /v1/models`, `POST /v1/chat/completions`, `POST /v1/embeddings`.

use crate::api_error::ApiError;
use crate::backend::{Backend, Completion, Sampling};
use crate::chat_template::chatml_prompt;
use crate::http::{write_error, write_json, write_preflight, EventStream, Request};
use crate::openai::{
    chat_messages, check_model, parse_body, ChatRequest, EmbeddingInput, EmbeddingRequest,
};
use base64::Engine;
use serde_json::{json, Value};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// The server's state between requests.
pub struct Server {
    /// The models.
    pub backend: Backend,
    /// Default `max_tokens`.
    pub n_predict: u32,
    /// Start time (seconds since the epoch), the models' `created`.
    pub started: u64,
    /// Counter for response ids.
    pub requests: u64,
}

/// Answers one request and returns the HTTP status sent.
pub fn handle(server: &mut Server, request: &Request, stream: &mut impl Write) -> u16 {
    let result = match (request.method.as_str(), request.path.as_str()) {
        ("OPTIONS", _) => {
            let _ = write_preflight(stream);
            return 204;
        }
        ("GET", "/v1/models") => Ok(models(server)),
        ("POST", "/v1/chat/completions") => return chat(server, &request.body, stream),
        ("POST", "/v1/embeddings") => embeddings(server, &request.body),
        (_, "/v1/models" | "/v1/chat/completions" | "/v1/embeddings") => Err(ApiError::new(
            405,
            "invalid_request_error",
            format!("{} is not allowed on {}", request.method, request.path),
        )),
        _ => Err(ApiError::new(
            404,
            "invalid_request_error",
            format!("no endpoint {} {}", request.method, request.path),
        )),
    };
    match result {
        Ok(body) => {
            let _ = write_json(stream, 200, &body);
            200
        }
        Err(e) => {
            let _ = write_error(stream, &e);
            e.status
        }
    }
}

fn models(server: &Server) -> Value {
    let mut names = vec![server.backend.model_name.clone()];
    if server.backend.embedding_name != server.backend.model_name {
        names.push(server.backend.embedding_name.clone());
    }
    let data: Vec<Value> = names
        .iter()
        .map(|id| json!({ "id": id, "object": "model", "created": server.started, "owned_by": "local" }))
        .collect();
    json!({ "object": "list", "data": data })
}

fn chat(server: &mut Server, body: &[u8], stream: &mut impl Write) -> u16 {
    let checked = parse_body::<ChatRequest>(body).and_then(|request| {
        check_model(&request.model, &server.backend.model_name)?;
        let prompt = chatml_prompt(&chat_messages(&request)?);
        Ok((sampling(&request, server.n_predict)?, prompt, request))
    });
    let (sampling, prompt, request) = match checked {
        Ok(c) => c,
        Err(e) => {
            let _ = write_error(stream, &e);
            return e.status;
        }
    };
    server.requests += 1;
    let id = format!("chatcmpl-{}-{}", server.started, server.requests);
    let created = now();
    let model = server.backend.model_name.clone();
    if request.stream != Some(true) {
        return match server.backend.complete(&prompt, &sampling) {
            Ok(c) => {
                let body = json!({
                    "id": id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [{
                        "index": 0,
                        "message": { "role": "assistant", "content": c.text },
                        "logprobs": null,
                        "finish_reason": c.finish_reason,
                    }],
                    "usage": usage(&c),
                });
                let _ = write_json(stream, 200, &body);
                200
            }
            Err(e) => {
                let _ = write_error(stream, &e);
                e.status
            }
        };
    }

    let include_usage = request
        .stream_options
        .as_ref()
        .and_then(|o| o.include_usage)
        .unwrap_or(false);
    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish }],
        })
        .to_string()
    };
    let mut events = EventStream::new(stream);
    let result = server.backend.stream(&prompt, &sampling, &mut |text| {
        if !events.started()
            && events
                .send(&chunk(
                    json!({ "role": "assistant", "content": "" }),
                    Value::Null,
                ))
                .is_err()
        {
            return false;
        }
        events
            .send(&chunk(json!({ "content": text }), Value::Null))
            .is_ok()
    });
    match result {
        Err(e) if !events.started() => {
            let _ = write_error(events.into_inner(), &e);
            e.status
        }
        result => {
            // Errors writing to a client that went away are not reported anywhere.
            let _ = finish_stream(events, result, &chunk, include_usage, &id, created, &model);
            200
        }
    }
}

fn finish_stream<W: Write>(
    mut events: EventStream<'_, W>,
    result: Result<Completion, ApiError>,
    chunk: &dyn Fn(Value, Value) -> String,
    include_usage: bool,
    id: &str,
    created: u64,
    model: &str,
) -> std::io::Result<()> {
    match result {
        Ok(c) => {
            if !events.started() {
                events.send(&chunk(
                    json!({ "role": "assistant", "content": "" }),
                    Value::Null,
                ))?;
            }
            events.send(&chunk(json!({}), json!(c.finish_reason)))?;
            if include_usage {
                let last = json!({
                    "id": id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": usage(&c),
                });
                events.send(&last.to_string())?;
            }
        }
        Err(e) => events.send(&e.body().to_string())?,
    }
    events.send("[DONE]")?;
    events.finish()
}

fn usage(c: &Completion) -> Value {
    json!({
        "prompt_tokens": c.prompt_tokens,
        "completion_tokens": c.completion_tokens,
        "total_tokens": c.prompt_tokens + c.completion_tokens,
    })
}

fn sampling(request: &ChatRequest, default_max: u32) -> Result<Sampling, ApiError> {
    if request.n.is_some_and(|n| n != 1) {
        return Err(ApiError::bad_request("only n = 1 is supported"));
    }
    let max_tokens = match request.max_completion_tokens.or(request.max_tokens) {
        None => default_max,
        Some(n) if n >= 1 => u32::try_from(n).unwrap_or(u32::MAX),
        Some(n) => {
            return Err(ApiError::bad_request(format!(
                "max_tokens must be at least 1, not {n}"
            )))
        }
    };
    let temperature = request.temperature.unwrap_or(1.0);
    if !(0.0..=2.0).contains(&temperature) {
        return Err(ApiError::bad_request("temperature must be between 0 and 2"));
    }
    let top_p = request.top_p.unwrap_or(1.0);
    if !(top_p > 0.0 && top_p <= 1.0) {
        return Err(ApiError::bad_request("top_p must be in (0, 1]"));
    }
    // llama.cpp seeds are 32-bit; without one, a new seed per request.
    let seed = match request.seed {
        Some(s) => s.rem_euclid(1 << 32) as u64,
        None => {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.subsec_nanos() as u64 ^ d.as_secs())
                .unwrap_or(0)
                & 0x7fff_ffff
        }
    };
    Ok(Sampling {
        max_tokens,
        temperature,
        top_p,
        seed,
    })
}

fn embeddings(server: &mut Server, body: &[u8]) -> Result<Value, ApiError> {
    let request: EmbeddingRequest = parse_body(body)?;
    check_model(&request.model, &server.backend.embedding_name)?;
    let base64 = match request.encoding_format.as_deref() {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "encoding_format must be 'float' or 'base64', not '{other}'"
            )))
        }
    };
    let inputs = match request.input {
        EmbeddingInput::One(text) => vec![text],
        EmbeddingInput::Many(texts) => texts,
    };
    if inputs.is_empty() || inputs.iter().any(String::is_empty) {
        return Err(ApiError::bad_request("'input' must be non-empty text"));
    }
    let mut data = Vec::with_capacity(inputs.len());
    let mut tokens = 0;
    for (index, text) in inputs.iter().enumerate() {
        let e = server.backend.embed(text)?;
        tokens += e.tokens;
        let embedding = if base64 {
            let bytes: Vec<u8> = e.values.iter().flat_map(|v| v.to_le_bytes()).collect();
            json!(base64::engine::general_purpose::STANDARD.encode(bytes))
        } else {
            json!(e.values)
        };
        data.push(json!({ "object": "embedding", "index": index, "embedding": embedding }));
    }
    Ok(json!({
        "object": "list",
        "data": data,
        "model": server.backend.embedding_name,
        "usage": { "prompt_tokens": tokens, "total_tokens": tokens },
    }))
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
