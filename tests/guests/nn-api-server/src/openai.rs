//! OpenAI request bodies and their checks.

use crate::api_error::ApiError;
use crate::chat_template::ChatMessage;
use serde::Deserialize;

/// `POST /v1/chat/completions` body (fields the server uses; others are ignored).
#[derive(Deserialize)]
pub struct ChatRequest {
    /// Model name; must be the served model when given.
    pub model: Option<String>,
    /// The conversation.
    pub messages: Vec<RequestMessage>,
    /// Most tokens to generate.
    pub max_tokens: Option<i64>,
    /// Newer name of `max_tokens`.
    pub max_completion_tokens: Option<i64>,
    /// 0..=2, default 1.
    pub temperature: Option<f64>,
    /// (0, 1], default 1.
    pub top_p: Option<f64>,
    /// Sampler seed.
    pub seed: Option<i64>,
    /// Number of choices (only 1).
    pub n: Option<i64>,
    /// Answer as server-sent events.
    pub stream: Option<bool>,
    /// `{"include_usage": true}` adds a last chunk with the token counts.
    pub stream_options: Option<StreamOptions>,
}

/// `stream_options` of a chat request.
#[derive(Deserialize)]
pub struct StreamOptions {
    /// Send a usage chunk before `[DONE]`.
    pub include_usage: Option<bool>,
}

/// One message of a chat request.
#[derive(Deserialize)]
pub struct RequestMessage {
    /// `system`, `user`, `assistant`, ...
    pub role: String,
    /// A string or a list of content parts.
    pub content: Option<Content>,
}

/// Message content: text, or parts of which the `text` ones are used.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// `[{"type": "text", "text": "..."}, ...]`.
    Parts(Vec<ContentPart>),
}

/// One content part.
#[derive(Deserialize)]
pub struct ContentPart {
    /// `text` (other types are refused).
    #[serde(rename = "type")]
    pub kind: String,
    /// The text of a `text` part.
    pub text: Option<String>,
}

/// `POST /v1/embeddings` body.
#[derive(Deserialize)]
pub struct EmbeddingRequest {
    /// Model name; must be the served embedding model when given.
    pub model: Option<String>,
    /// A string or a list of strings.
    pub input: EmbeddingInput,
    /// `float` (default) or `base64`.
    pub encoding_format: Option<String>,
}

/// Embedding input: one text or several.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum EmbeddingInput {
    /// One text.
    One(String),
    /// Several texts.
    Many(Vec<String>),
}

/// Parses a JSON body into `T`, a 400 on failure.
pub fn parse_body<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

/// Checks that a requested model name (if any) is the one served.
pub fn check_model(requested: &Option<String>, served: &str) -> Result<(), ApiError> {
    match requested {
        Some(name) if name != served => Err(ApiError::new(
            404,
            "invalid_request_error",
            format!("model '{name}' does not exist; this server serves '{served}'"),
        )
        .with_code("model_not_found")),
        _ => Ok(()),
    }
}

/// The request's messages as plain text, checked.
pub fn chat_messages(request: &ChatRequest) -> Result<Vec<ChatMessage>, ApiError> {
    if request.messages.is_empty() {
        return Err(ApiError::bad_request("'messages' must not be empty"));
    }
    let mut out = Vec::with_capacity(request.messages.len());
    for (i, m) in request.messages.iter().enumerate() {
        if m.role.is_empty() || m.role.contains(['\n', '<', '>']) {
            return Err(ApiError::bad_request(format!(
                "messages[{i}]: invalid role"
            )));
        }
        let content = match &m.content {
            None => String::new(),
            Some(Content::Text(text)) => text.clone(),
            Some(Content::Parts(parts)) => {
                let mut text = String::new();
                for part in parts {
                    match (part.kind.as_str(), &part.text) {
                        ("text", Some(t)) => text.push_str(t),
                        _ => {
                            return Err(ApiError::bad_request(format!(
                                "messages[{i}]: only text content parts are supported"
                            )))
                        }
                    }
                }
                text
            }
        };
        out.push(ChatMessage {
            role: m.role.clone(),
            content,
        });
    }
    Ok(out)
}
