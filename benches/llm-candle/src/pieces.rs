//! Token ids to text through the GGUF vocabulary (`tokenizer.ggml.tokens`), byte-level BPE as
//! GPT-2-style tokenizers (SmolLM2's among them) store it: each byte is one printable char.

use candle_core::quantized::gguf_file;
use std::collections::HashMap;

/// The vocabulary and the char-to-byte table of byte-level BPE.
pub struct Pieces {
    tokens: Vec<String>,
    bytes: HashMap<char, u8>,
}

impl Pieces {
    /// Reads the vocabulary of a GGUF file.
    pub fn from_gguf(content: &gguf_file::Content) -> Result<Self, String> {
        let tokens = content
            .metadata
            .get("tokenizer.ggml.tokens")
            .ok_or("no tokenizer.ggml.tokens in the model")?
            .to_vec()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|v| v.to_string().cloned().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        // Bytes that are printable stand for themselves; the others, in order, for U+0100 on.
        let mut bytes = HashMap::new();
        let mut next = 256u32;
        for b in 0..=255u8 {
            let printable = matches!(b, 33..=126 | 161..=172 | 174..=255);
            let c = if printable {
                char::from(b)
            } else {
                next += 1;
                char::from_u32(next - 1).unwrap_or('?')
            };
            bytes.insert(c, b);
        }
        Ok(Self { tokens, bytes })
    }

    /// The bytes a token stands for (a special token's text as it is).
    pub fn bytes(&self, token: u32) -> Vec<u8> {
        let Some(text) = self.tokens.get(token as usize) else {
            return Vec::new();
        };
        if text.starts_with("<|") {
            return text.as_bytes().to_vec();
        }
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            match self.bytes.get(&c) {
                Some(b) => out.push(*b),
                None => out.extend_from_slice(c.to_string().as_bytes()),
            }
        }
        out
    }
}
