//! The GGML backend's options: the metadata JSON a guest passes to
//! `load_by_name_with_config` (or as a second builder of `load`) and to `set_input` index 1.
//! Keys are WasmEdge's (kebab-case); unknown keys are ignored.

use crate::errno::{Errno, NnResult};
use serde_json::{Map, Value};

/// Every option the backend honours, with WasmEdge's (llama.cpp's) defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// `ctx-size`: the context (KV cache) length in tokens; 0 = the model's trained length.
    pub ctx_size: u32,
    /// `batch-size`: tokens per decode call when evaluating a prompt.
    pub batch_size: u32,
    /// `ubatch-size`: the physical batch size.
    pub ubatch_size: u32,
    /// `threads`: CPU threads for generation and prompt processing.
    pub threads: i32,
    /// `n-predict`: the most tokens `compute` generates; negative = until the end of
    /// generation or a full context.
    pub n_predict: i64,
    /// `temp`: sampling temperature; 0 or less samples greedily.
    pub temp: f32,
    /// `top-p`: nucleus sampling threshold (1 = off).
    pub top_p: f32,
    /// `top-k`: keep the k most likely tokens (0 or less = off).
    pub top_k: i32,
    /// `min-p`: drop tokens below this fraction of the best one's probability (0 = off).
    pub min_p: f32,
    /// `seed`: the sampler's random seed (`u32::MAX` = random).
    pub seed: u32,
    /// `repeat-penalty`: penalty on repeated tokens (1 = off).
    pub repeat_penalty: f32,
    /// `presence-penalty` (0 = off).
    pub presence_penalty: f32,
    /// `frequency-penalty` (0 = off).
    pub frequency_penalty: f32,
    /// `last-n-penalty`: how many recent tokens the penalties look at.
    pub last_n_penalty: i32,
    /// `reverse-prompt`: `compute` stops once the output contains it.
    pub reverse_prompt: String,
    /// `stream-stdout`: `compute` prints each piece to the host's stdout.
    pub stream_stdout: bool,
    /// `embedding`: `compute` produces an embedding instead of text.
    pub embedding: bool,
    /// `embd-normalize`: embedding normalisation (-1 none, 0 max-abs, 1 taxicab,
    /// 2 Euclidean, >2 p-norm).
    pub embd_normalize: i32,
    /// `pooling-type`: embedding pooling (-1 = the model's, 0 none, 1 mean, 2 cls, 3 last).
    pub pooling_type: i32,
    /// `ignore-eos`: keep generating past end-of-generation tokens.
    pub ignore_eos: bool,
    /// `enable-log`: let llama.cpp's own log through to stderr.
    pub enable_log: bool,
}

impl Default for Options {
    fn default() -> Options {
        let threads = std::thread::available_parallelism().map_or(4, |n| n.get().min(16));
        Options {
            ctx_size: 4096,
            batch_size: 2048,
            ubatch_size: 512,
            threads: threads as i32,
            n_predict: -1,
            temp: 0.8,
            top_p: 0.95,
            top_k: 40,
            min_p: 0.05,
            seed: u32::MAX,
            repeat_penalty: 1.0,
            presence_penalty: 0.0,
            frequency_penalty: 0.0,
            last_n_penalty: 64,
            reverse_prompt: String::new(),
            stream_stdout: false,
            embedding: false,
            embd_normalize: 2,
            pooling_type: -1,
            ignore_eos: false,
            enable_log: false,
        }
    }
}

impl Options {
    /// Applies a metadata JSON object on top of these options. Text that is not a JSON
    /// object is `InvalidEncoding` (as in WasmEdge); a known key with a value of the wrong
    /// type or range is `InvalidArgument`. Nothing changes on error.
    pub fn merge_json(&mut self, json: &[u8]) -> NnResult<()> {
        let value: Value = serde_json::from_slice(json).map_err(|_| Errno::InvalidEncoding)?;
        let Value::Object(map) = value else {
            return Err(Errno::InvalidEncoding);
        };
        let mut next = self.clone();
        next.apply(&map)?;
        *self = next;
        Ok(())
    }

    /// Reads every known key of `map`.
    fn apply(&mut self, map: &Map<String, Value>) -> NnResult<()> {
        let m = Keys(map);
        m.uint("ctx-size", &mut self.ctx_size)?;
        m.uint("batch-size", &mut self.batch_size)?;
        m.uint("ubatch-size", &mut self.ubatch_size)?;
        m.int("threads", &mut self.threads)?;
        m.int("n-predict", &mut self.n_predict)?;
        m.float("temp", &mut self.temp)?;
        m.float("top-p", &mut self.top_p)?;
        m.int("top-k", &mut self.top_k)?;
        m.float("min-p", &mut self.min_p)?;
        m.uint("seed", &mut self.seed)?;
        m.float("repeat-penalty", &mut self.repeat_penalty)?;
        m.float("presence-penalty", &mut self.presence_penalty)?;
        m.float("frequency-penalty", &mut self.frequency_penalty)?;
        m.int("last-n-penalty", &mut self.last_n_penalty)?;
        m.string("reverse-prompt", &mut self.reverse_prompt)?;
        m.bool("stream-stdout", &mut self.stream_stdout)?;
        m.bool("embedding", &mut self.embedding)?;
        m.int("embd-normalize", &mut self.embd_normalize)?;
        m.int("pooling-type", &mut self.pooling_type)?;
        m.bool("ignore-eos", &mut self.ignore_eos)?;
        m.bool("enable-log", &mut self.enable_log)?;
        // Accepted and ignored: there is no GPU, and the model is always mmapped.
        let mut ignored = 0i64;
        m.int("n-gpu-layers", &mut ignored)?;
        if self.threads <= 0 {
            self.threads = Options::default().threads;
        }
        if self.batch_size == 0 || self.ubatch_size == 0 {
            return Err(Errno::InvalidArgument);
        }
        // Negative sampling values clamp to 0, as in WasmEdge.
        self.temp = self.temp.max(0.0);
        self.top_p = self.top_p.max(0.0);
        self.min_p = self.min_p.max(0.0);
        Ok(())
    }
}

/// Typed lookups in a JSON object: absent keys leave the target as it is.
struct Keys<'a>(&'a Map<String, Value>);

impl Keys<'_> {
    /// A non-negative integer that fits `T`.
    fn uint<T: TryFrom<u64>>(&self, key: &str, to: &mut T) -> NnResult<()> {
        if let Some(v) = self.0.get(key) {
            let n = v.as_u64().ok_or(Errno::InvalidArgument)?;
            *to = T::try_from(n).map_err(|_| Errno::InvalidArgument)?;
        }
        Ok(())
    }

    /// An integer that fits `T`.
    fn int<T: TryFrom<i64>>(&self, key: &str, to: &mut T) -> NnResult<()> {
        if let Some(v) = self.0.get(key) {
            let n = v.as_i64().ok_or(Errno::InvalidArgument)?;
            *to = T::try_from(n).map_err(|_| Errno::InvalidArgument)?;
        }
        Ok(())
    }

    /// A number.
    fn float(&self, key: &str, to: &mut f32) -> NnResult<()> {
        if let Some(v) = self.0.get(key) {
            *to = v.as_f64().ok_or(Errno::InvalidArgument)? as f32;
        }
        Ok(())
    }

    /// A boolean.
    fn bool(&self, key: &str, to: &mut bool) -> NnResult<()> {
        if let Some(v) = self.0.get(key) {
            *to = v.as_bool().ok_or(Errno::InvalidArgument)?;
        }
        Ok(())
    }

    /// A string.
    fn string(&self, key: &str, to: &mut String) -> NnResult<()> {
        if let Some(v) = self.0.get(key) {
            *to = v.as_str().ok_or(Errno::InvalidArgument)?.to_string();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_are_read_and_unknown_ones_ignored() {
        let mut o = Options::default();
        let json = br#"{"ctx-size": 512, "n-predict": 16, "temp": 0, "top-k": 1, "seed": 42,
            "reverse-prompt": "User:", "stream-stdout": true, "embedding": false,
            "n-gpu-layers": 100, "include_usage": true, "threads": 2, "repeat-penalty": 1.1}"#;
        o.merge_json(json).unwrap();
        assert_eq!((o.ctx_size, o.n_predict, o.top_k, o.seed), (512, 16, 1, 42));
        assert_eq!((o.temp, o.threads), (0.0, 2));
        assert!((o.repeat_penalty - 1.1).abs() < 1e-6);
        assert_eq!(o.reverse_prompt, "User:");
        assert!(o.stream_stdout);
    }

    #[test]
    fn bad_json_and_bad_values_change_nothing() {
        let mut o = Options::default();
        assert_eq!(o.merge_json(b"{not json"), Err(Errno::InvalidEncoding));
        assert_eq!(o.merge_json(b"[1, 2]"), Err(Errno::InvalidEncoding));
        assert_eq!(
            o.merge_json(br#"{"temp": 0, "ctx-size": "big"}"#),
            Err(Errno::InvalidArgument)
        );
        assert_eq!(
            o.merge_json(br#"{"ctx-size": -1}"#),
            Err(Errno::InvalidArgument)
        );
        assert_eq!(o, Options::default());
    }
}
