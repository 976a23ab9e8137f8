//! The ChatML prompt format (SmolLM2, Qwen and other ChatML models).

/// One chat message after the request's content parts are joined.
pub struct ChatMessage {
    /// `system`, `user`, `assistant`, ...
    pub role: String,
    /// The message text.
    pub content: String,
}

/// Renders messages as ChatML and opens the assistant's turn:
/// `<|im_start|>ROLE\nTEXT<|im_end|>\n` per message, then `<|im_start|>assistant\n`.
pub fn chatml_prompt(messages: &[ChatMessage]) -> String {
    let mut prompt = String::new();
    for m in messages {
        prompt.push_str("<|im_start|>");
        prompt.push_str(&m.role);
        prompt.push('\n');
        prompt.push_str(&m.content);
        prompt.push_str("<|im_end|>\n");
    }
    prompt.push_str("<|im_start|>assistant\n");
    prompt
}
