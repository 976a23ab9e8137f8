//! One execution context of the GGML backend: the prompt's tokens, the generation state
//! (position, sampler, output tokens and text) and the calls that drive it, with WasmEdge's
//! semantics (`compute` generates everything, `compute_single` one token at a time).

use super::engine::Engine;
use super::options::Options;
use super::{LLAMA_BUILD_NUMBER, LLAMA_COMMIT};
use crate::errno::{Errno, NnResult};
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use std::io::Write;

/// Tokens kept free at the end of the context when checking a prompt's length (as WasmEdge).
const PROMPT_MARGIN: usize = 4;

/// The state of one execution context.
pub struct Session {
    /// Options: the graph's at creation, then updated by `set_input` index 1.
    options: Options,
    /// The prompt's tokens.
    inputs: Vec<LlamaToken>,
    /// Generated tokens.
    output_tokens: Vec<LlamaToken>,
    /// Generated text (token pieces, possibly ending inside a UTF-8 sequence), or the
    /// embedding JSON.
    output: Vec<u8>,
    /// The piece of the last generated token.
    last_piece: Vec<u8>,
    /// The next position in the KV cache.
    n_pos: usize,
    /// The sampler of the current generation.
    sampler: Option<LlamaSampler>,
    /// `compute_single` has evaluated the prompt.
    single_started: bool,
}

impl Session {
    /// A session with the graph's options.
    pub fn new(options: Options) -> Session {
        Session {
            options,
            inputs: Vec::new(),
            output_tokens: Vec::new(),
            output: Vec::new(),
            last_piece: Vec::new(),
            n_pos: 0,
            sampler: None,
            single_started: false,
        }
    }

    /// `set_input` index 1: metadata JSON updating the options (the llama context is
    /// recreated if its shape changes).
    pub fn set_metadata(&mut self, engine: &mut Engine, json: &[u8]) -> NnResult<()> {
        let mut options = self.options.clone();
        options.merge_json(json)?;
        engine.reshape(&options)?;
        self.options = options;
        Ok(())
    }

    /// `set_input` index 0: the prompt (UTF-8 text, special tokens such as `<|im_start|>`
    /// recognised).
    pub fn set_prompt(&mut self, engine: &mut Engine, prompt: &[u8]) -> NnResult<()> {
        engine.reshape(&self.options)?;
        engine.ctx().clear_kv_cache();
        self.inputs = engine.model().vocab().tokenize(prompt, true, true);
        self.single_started = false;
        Ok(())
    }

    /// `compute`: the whole generation (or the embedding). EndOfSequence becomes success;
    /// ContextFull and other errors leave the text generated so far readable.
    pub fn compute(&mut self, engine: &mut Engine) -> NnResult<()> {
        engine.reshape(&self.options)?;
        self.clear(engine);
        if self.options.embedding {
            return self.embed(engine);
        }
        self.evaluate_prompt(engine)?;
        let mut left = self.options.n_predict;
        while left != 0 {
            match self.next_token(engine, false) {
                Ok(()) => {}
                Err(Errno::EndOfSequence) => return Ok(()),
                Err(e) => return Err(e),
            }
            if left > 0 {
                left -= 1;
            }
        }
        Ok(())
    }

    /// `compute_single`: the first call evaluates the prompt; each call generates one token.
    /// EndOfSequence, ContextFull or an error ends the stream (the next call starts over).
    pub fn compute_single(&mut self, engine: &mut Engine) -> NnResult<()> {
        if !self.single_started {
            engine.reshape(&self.options)?;
            self.clear(engine);
            self.evaluate_prompt(engine)?;
            self.single_started = true;
        }
        let result = self.next_token(engine, true);
        if result.is_err() {
            self.single_started = false;
        }
        result
    }

    /// `fini_single`: forgets the generated tokens, so the next `compute_single` starts over.
    pub fn fini_single(&mut self) {
        self.output.clear();
        self.output_tokens.clear();
        self.last_piece.clear();
        self.sampler = None;
        self.n_pos = 0;
        self.single_started = false;
    }

    /// `get_output`: index 1 is the token-count JSON, any other the generated text.
    pub fn output(&self, index: u32) -> Vec<u8> {
        if index == 1 {
            self.usage()
        } else {
            self.output.clone()
        }
    }

    /// `get_output_single`: index 1 is the token-count JSON, any other the last token's
    /// piece.
    pub fn output_single(&self, index: u32) -> Vec<u8> {
        if index == 1 {
            self.usage()
        } else {
            self.last_piece.clone()
        }
    }

    /// The token counts as LlamaEdge reads them.
    fn usage(&self) -> Vec<u8> {
        format!(
            r#"{{"input_tokens": {}, "output_tokens": {}, "llama_build_number": {}, "llama_commit": "{}"}}"#,
            self.inputs.len(),
            self.output_tokens.len(),
            LLAMA_BUILD_NUMBER,
            LLAMA_COMMIT
        )
        .into_bytes()
    }

    /// Starts a generation: empty KV cache, outputs and a fresh sampler.
    fn clear(&mut self, engine: &mut Engine) {
        engine.ctx().clear_kv_cache();
        self.n_pos = 0;
        self.output.clear();
        self.output_tokens.clear();
        self.last_piece.clear();
        self.sampler = Some(sampler(&self.options, engine));
    }

    /// Evaluates the prompt (PromptTooLong if it does not fit the context).
    fn evaluate_prompt(&mut self, engine: &mut Engine) -> NnResult<()> {
        if self.inputs.is_empty() {
            return Err(Errno::InvalidArgument);
        }
        let n_ctx = engine.n_ctx() as usize;
        if self.inputs.len() > n_ctx.saturating_sub(PROMPT_MARGIN) {
            return Err(Errno::PromptTooLong);
        }
        let inputs = std::mem::take(&mut self.inputs);
        let result = self.evaluate(engine, &inputs);
        self.inputs = inputs;
        result
    }

    /// Decodes `tokens` at the current position, in batches of `batch-size`, with logits
    /// for the last one (ContextFull if they do not fit).
    fn evaluate(&mut self, engine: &mut Engine, tokens: &[LlamaToken]) -> NnResult<()> {
        if self.n_pos + tokens.len() > engine.n_ctx() as usize {
            return Err(Errno::ContextFull);
        }
        let n_batch = engine.n_batch().max(1) as usize;
        let chunks = tokens.chunks(n_batch);
        let last_chunk = chunks.len().saturating_sub(1);
        for (c, chunk) in chunks.enumerate() {
            let mut batch = LlamaBatch::new(chunk.len(), 1);
            for (i, token) in chunk.iter().enumerate() {
                let logits = c == last_chunk && i + 1 == chunk.len();
                let pos = (self.n_pos + i) as i32;
                batch
                    .add(*token, pos, &[0], logits)
                    .map_err(|_| Errno::RuntimeError)?;
            }
            engine
                .ctx()
                .decode(&mut batch)
                .map_err(|_| Errno::RuntimeError)?;
            self.n_pos += chunk.len();
        }
        Ok(())
    }

    /// Samples one token, records it, and evaluates it. EndOfSequence at an
    /// end-of-generation token or (in `compute`) once the output contains the reverse
    /// prompt.
    fn next_token(&mut self, engine: &mut Engine, single: bool) -> NnResult<()> {
        let sampler = self.sampler.as_mut().ok_or(Errno::InvalidArgument)?;
        // `sample` also accepts the token into the sampler (penalties see it).
        let token = sampler.sample(engine.ctx(), -1);
        let vocab = engine.model().vocab();
        let piece = vocab.token_to_piece(token, true, None);
        let end = !self.options.ignore_eos && vocab.is_eog(token);
        self.output_tokens.push(token);
        self.output.extend_from_slice(&piece);
        self.last_piece = piece;
        if !single {
            if self.options.stream_stdout {
                let mut out = std::io::stdout().lock();
                // The guest's answer matters more than a failed print.
                let _ = out.write_all(&self.last_piece).and_then(|_| out.flush());
            }
            let stop = self.options.reverse_prompt.as_bytes();
            if !stop.is_empty() && self.output.windows(stop.len()).any(|w| w == stop) {
                return Err(Errno::EndOfSequence);
            }
        }
        if end {
            return Err(Errno::EndOfSequence);
        }
        self.evaluate(engine, &[token])
    }

    /// Embedding mode: the prompt's (pooled, normalised) embedding as
    /// `{"n_embedding": N, "embedding": [...]}`.
    fn embed(&mut self, engine: &mut Engine) -> NnResult<()> {
        if self.inputs.len() > engine.n_batch() as usize {
            return Err(Errno::PromptTooLong);
        }
        self.evaluate_prompt(engine)?;
        let last = self.inputs.len() as i32 - 1;
        let ctx = engine.ctx();
        let raw = match ctx.embeddings_seq_ith(0) {
            Ok(pooled) => pooled.to_vec(),
            Err(_) => ctx
                .embeddings_ith(last)
                .map_err(|_| Errno::RuntimeError)?
                .to_vec(),
        };
        let values = normalize(&raw, self.options.embd_normalize);
        self.output = embedding_json(&values).into_bytes();
        Ok(())
    }
}

/// The sampler chain for `options`: penalties, then greedy (temp <= 0) or
/// top-k / top-p / min-p / temperature / seeded random choice, as llama.cpp's defaults.
fn sampler(options: &Options, engine: &Engine) -> LlamaSampler {
    let mut chain = vec![LlamaSampler::penalties(
        engine.model().n_vocab(),
        options.last_n_penalty.max(0),
        options.repeat_penalty,
        options.frequency_penalty,
        options.presence_penalty,
    )];
    if options.temp <= 0.0 {
        chain.push(LlamaSampler::greedy());
    } else {
        if options.top_k > 0 {
            chain.push(LlamaSampler::top_k(options.top_k));
        }
        chain.push(LlamaSampler::top_p(options.top_p, 1));
        chain.push(LlamaSampler::min_p(options.min_p, 1));
        chain.push(LlamaSampler::temp(options.temp));
        chain.push(LlamaSampler::dist(options.seed));
    }
    LlamaSampler::chain_simple(chain)
}

/// llama.cpp's embedding normalisations: -1 none, 0 max-abs (to the int16 range),
/// 1 taxicab, 2 Euclidean, p > 2 p-norm.
pub fn normalize(v: &[f32], mode: i32) -> Vec<f32> {
    let norm: f64 = match mode {
        m if m < 0 => 1.0,
        0 => v.iter().fold(0f64, |m, x| m.max(f64::from(x.abs()))) / 32760.0,
        1 => v.iter().map(|x| f64::from(x.abs())).sum(),
        2 => v
            .iter()
            .map(|x| f64::from(*x) * f64::from(*x))
            .sum::<f64>()
            .sqrt(),
        p => {
            let p = f64::from(p);
            v.iter()
                .map(|x| f64::from(x.abs()).powf(p))
                .sum::<f64>()
                .powf(1.0 / p)
        }
    };
    let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
    v.iter().map(|x| (f64::from(*x) * scale) as f32).collect()
}

/// The embedding output WasmEdge writes: `{"n_embedding": N, "embedding": [v,v,...]}` with
/// ten significant digits per value.
pub fn embedding_json(values: &[f32]) -> String {
    let items: Vec<String> = values.iter().map(|v| significant(*v, 10)).collect();
    format!(
        r#"{{"n_embedding": {}, "embedding": [{}]}}"#,
        values.len(),
        items.join(",")
    )
}

/// `v` with `digits` significant digits, shortest form (as C's `%.10g`); non-finite
/// values become 0 so the JSON stays valid.
fn significant(v: f32, digits: usize) -> String {
    let v = f64::from(v);
    if !v.is_finite() {
        return "0".into();
    }
    // `{:e}` with a precision gives the rounded mantissa; trailing zeros are dropped.
    let e = format!("{:.*e}", digits - 1, v);
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mantissa = trim_zeros(mantissa);
    if (-5..digits as i32).contains(&exp) {
        let fixed = format!("{:.*}", (digits as i32 - 1 - exp).max(0) as usize, v);
        trim_zeros(&fixed).to_string()
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// Drops trailing zeros (and a trailing dot) of a decimal number.
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_like_percent_10g() {
        assert_eq!(significant(0.0, 10), "0");
        assert_eq!(significant(1.5, 10), "1.5");
        assert_eq!(significant(-0.755_827_1, 10), "-0.7558271289");
        assert_eq!(significant(2.1295903, 10), "2.129590273");
        assert_eq!(significant(1e-7, 10), "1.000000012e-07");
        assert_eq!(significant(f32::NAN, 10), "0");
    }

    #[test]
    fn embeddings_are_normalised_and_printed_as_json() {
        let v = normalize(&[3.0, 4.0], 2);
        assert_eq!(v, [0.6, 0.8]);
        assert_eq!(normalize(&[1.0, -3.0], 1), [0.25, -0.75]);
        assert_eq!(normalize(&[0.0, 0.0], 2), [0.0, 0.0]);
        assert_eq!(
            embedding_json(&[0.5, -0.25]),
            r#"{"n_embedding": 2, "embedding": [0.5,-0.25]}"#
        );
    }
}
