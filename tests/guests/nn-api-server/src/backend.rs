//! The model behind the server, through WasmEdge's WASI-NN GGML API (`wasmedge-wasi-nn`):
//! one graph and context for chat, and one context in embedding mode, made on first use.

use crate::api_error::ApiError;
use crate::args::Args;
use crate::utf8_buffer::Utf8Buffer;
use serde_json::{json, Value};
use wasmedge_wasi_nn::{
    BackendError, Error as NnError, ExecutionTarget, Graph, GraphBuilder, GraphEncoding,
    GraphExecutionContext, TensorType,
};

/// First size tried for a whole output (text or embedding JSON); grown on TooLarge.
const OUTPUT_BUFFER: usize = 1024 * 1024;
/// Largest output buffer tried.
const MAX_OUTPUT_BUFFER: usize = 64 * 1024 * 1024;
/// Buffer for one token's piece (`get_output_single`).
const PIECE_BUFFER: usize = 64 * 1024;
/// Texts of end-of-generation tokens (ChatML's and common others) that `compute` may leave
/// at the end of its output.
const END_MARKERS: [&str; 4] = ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "</s>"];

/// Sampling settings of one chat request.
pub struct Sampling {
    /// Most tokens to generate.
    pub max_tokens: u32,
    /// Temperature (0 = greedy).
    pub temperature: f64,
    /// Nucleus sampling mass.
    pub top_p: f64,
    /// Sampler seed.
    pub seed: u64,
}

/// What a generation produced.
pub struct Completion {
    /// The generated text.
    pub text: String,
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// OpenAI finish reason: `stop` or `length`.
    pub finish_reason: &'static str,
}

/// One embedding and the number of tokens it took.
pub struct Embedding {
    /// The vector.
    pub values: Vec<f32>,
    /// Tokens in the input.
    pub tokens: u64,
}

/// The loaded models.
pub struct Backend {
    /// `--nn-preload` name of the chat model.
    pub model_name: String,
    /// `--nn-preload` name of the embedding model.
    pub embedding_name: String,
    config: Value,
    _chat_graph: Graph,
    chat: GraphExecutionContext,
    embedding: Option<(Graph, GraphExecutionContext)>,
}

impl Backend {
    /// Loads the chat model named by `--model` (a `--nn-preload` name) and makes its context.
    pub fn load(args: &Args) -> Result<Backend, String> {
        let mut config = json!({ "ctx-size": args.ctx_size, "n-predict": args.n_predict });
        if let Some(threads) = args.threads {
            config["threads"] = json!(threads);
        }
        let graph = GraphBuilder::new(GraphEncoding::Ggml, ExecutionTarget::AUTO)
            .config(config.to_string())
            .build_from_cache(&args.model)
            .map_err(|e| format!("loading model '{}': {e}", args.model))?;
        let chat = graph
            .init_execution_context()
            .map_err(|e| format!("creating a context for '{}': {e}", args.model))?;
        Ok(Backend {
            model_name: args.model.clone(),
            embedding_name: args
                .embedding_model
                .clone()
                .unwrap_or_else(|| args.model.clone()),
            config,
            _chat_graph: graph,
            chat,
            embedding: None,
        })
    }

    /// Generates a whole answer with `compute`.
    pub fn complete(&mut self, prompt: &str, sampling: &Sampling) -> Result<Completion, ApiError> {
        prepare_chat(&mut self.chat, prompt, sampling)?;
        let finish_reason = match self.chat.compute() {
            Ok(()) => None,
            Err(NnError::BackendError(BackendError::ContextFull)) => Some("length"),
            Err(e) => return Err(compute_error(e)),
        };
        let text = read_output(&self.chat, 0).map_err(|e| nn_error("get_output(0)", e))?;
        let (prompt_tokens, completion_tokens) = token_counts(&self.chat)?;
        let mut text = String::from_utf8_lossy(&text).into_owned();
        // The backend may include the end-of-generation token's text; the answer does not.
        let ended = match END_MARKERS.iter().find(|m| text.ends_with(*m)) {
            Some(marker) => {
                text.truncate(text.len() - marker.len());
                true
            }
            None => false,
        };
        let finish_reason = finish_reason.unwrap_or(
            if !ended && completion_tokens >= u64::from(sampling.max_tokens) {
                "length"
            } else {
                "stop"
            },
        );
        Ok(Completion {
            text,
            prompt_tokens,
            completion_tokens,
            finish_reason,
        })
    }

    /// Generates an answer token by token with `compute_single`, handing each complete
    /// piece of text to `on_text`; `on_text` returning false stops early (client gone).
    pub fn stream(
        &mut self,
        prompt: &str,
        sampling: &Sampling,
        on_text: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Completion, ApiError> {
        prepare_chat(&mut self.chat, prompt, sampling)?;
        let result = stream_tokens(&mut self.chat, sampling, on_text);
        // Always end the single-token session so the next request starts over.
        let fini = self.chat.fini_single();
        let completion = result?;
        fini.map_err(|e| nn_error("fini_single", e))?;
        Ok(completion)
    }

    /// Computes the embedding of one text.
    pub fn embed(&mut self, text: &str) -> Result<Embedding, ApiError> {
        let ctx = self.embedding_context()?;
        set_metadata(ctx, &json!({ "embedding": true }))?;
        set_prompt(ctx, text)?;
        ctx.compute().map_err(compute_error)?;
        let out = read_output(ctx, 0).map_err(|e| nn_error("get_output(0)", e))?;
        let parsed: Value = serde_json::from_slice(&out)
            .map_err(|e| ApiError::server(format!("backend embedding output is not JSON: {e}")))?;
        let values: Vec<f32> = parsed
            .get("embedding")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .ok_or_else(|| ApiError::server("backend output has no \"embedding\" array"))?;
        let (tokens, _) = token_counts(ctx)?;
        Ok(Embedding { values, tokens })
    }

    fn embedding_context(&mut self) -> Result<&mut GraphExecutionContext, ApiError> {
        if self.embedding.is_none() {
            let mut config = self.config.clone();
            config["embedding"] = json!(true);
            let graph = GraphBuilder::new(GraphEncoding::Ggml, ExecutionTarget::AUTO)
                .config(config.to_string())
                .build_from_cache(&self.embedding_name)
                .map_err(|e| nn_error("loading the embedding model", e))?;
            let ctx = graph
                .init_execution_context()
                .map_err(|e| nn_error("init_execution_context", e))?;
            self.embedding = Some((graph, ctx));
        }
        match self.embedding.as_mut() {
            Some((_, ctx)) => Ok(ctx),
            None => Err(ApiError::server("no embedding context")),
        }
    }
}

/// Sets the request's options (index 1) and the prompt (index 0) on the chat context.
/// `embedding: false` undoes embedding mode when both contexts share one graph.
fn prepare_chat(
    ctx: &mut GraphExecutionContext,
    prompt: &str,
    sampling: &Sampling,
) -> Result<(), ApiError> {
    set_metadata(
        ctx,
        &json!({
            "embedding": false,
            "n-predict": sampling.max_tokens,
            "temp": sampling.temperature,
            "top-p": sampling.top_p,
            "seed": sampling.seed,
        }),
    )?;
    set_prompt(ctx, prompt)
}

fn stream_tokens(
    ctx: &mut GraphExecutionContext,
    sampling: &Sampling,
    on_text: &mut dyn FnMut(&str) -> bool,
) -> Result<Completion, ApiError> {
    let mut text = String::new();
    let mut pending = Utf8Buffer::default();
    let mut produced = 0u32;
    let mut piece = vec![0u8; PIECE_BUFFER];
    let finish_reason = loop {
        if produced >= sampling.max_tokens {
            break "length";
        }
        match ctx.compute_single() {
            Ok(()) => {}
            Err(NnError::BackendError(BackendError::EndOfSequence)) => break "stop",
            Err(NnError::BackendError(BackendError::ContextFull)) => break "length",
            Err(e) => return Err(compute_error(e)),
        }
        produced += 1;
        let n = ctx
            .get_output_single(0, &mut piece)
            .map_err(|e| nn_error("get_output_single(0)", e))?;
        let complete = pending.push(&piece[..n.min(piece.len())]);
        if !complete.is_empty() {
            text.push_str(&complete);
            if !on_text(&complete) {
                break "stop";
            }
        }
    };
    let tail = pending.finish();
    if !tail.is_empty() {
        text.push_str(&tail);
        on_text(&tail);
    }
    let (prompt_tokens, completion_tokens) = token_counts(ctx)?;
    Ok(Completion {
        text,
        prompt_tokens,
        completion_tokens,
        finish_reason,
    })
}

fn set_metadata(ctx: &mut GraphExecutionContext, metadata: &Value) -> Result<(), ApiError> {
    let bytes = metadata.to_string().into_bytes();
    ctx.set_input(1, TensorType::U8, &[1], &bytes)
        .map_err(|e| nn_error("set_input(1, options)", e))
}

fn set_prompt(ctx: &mut GraphExecutionContext, prompt: &str) -> Result<(), ApiError> {
    ctx.set_input(0, TensorType::U8, &[1], prompt.as_bytes())
        .map_err(|e| match e {
            NnError::BackendError(BackendError::PromptTooLong) => prompt_too_long(),
            e => nn_error("set_input(0, prompt)", e),
        })
}

/// Reads a whole output, growing the buffer while the backend answers TooLarge.
fn read_output(ctx: &GraphExecutionContext, index: usize) -> Result<Vec<u8>, NnError> {
    let mut size = OUTPUT_BUFFER;
    loop {
        let mut buf = vec![0u8; size];
        match ctx.get_output(index, &mut buf) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            Err(NnError::BackendError(BackendError::TooLarge)) if size < MAX_OUTPUT_BUFFER => {
                size *= 4
            }
            Err(e) => return Err(e),
        }
    }
}

/// Prompt and generated token counts from output index 1
/// (`{"input_tokens": N, "output_tokens": M, ...}`).
fn token_counts(ctx: &GraphExecutionContext) -> Result<(u64, u64), ApiError> {
    let out = read_output(ctx, 1).map_err(|e| nn_error("get_output(1)", e))?;
    let counts: Value = serde_json::from_slice(&out)
        .map_err(|e| ApiError::server(format!("backend token counts are not JSON: {e}")))?;
    let field = |name: &str| counts.get(name).and_then(Value::as_u64).unwrap_or(0);
    Ok((field("input_tokens"), field("output_tokens")))
}

fn prompt_too_long() -> ApiError {
    ApiError::bad_request("the prompt is longer than the model's context")
        .with_code("context_length_exceeded")
}

fn compute_error(e: NnError) -> ApiError {
    match e {
        NnError::BackendError(BackendError::PromptTooLong) => prompt_too_long(),
        e => nn_error("compute", e),
    }
}

fn nn_error(what: &str, e: NnError) -> ApiError {
    ApiError::server(format!("{what} failed: {e}"))
}
