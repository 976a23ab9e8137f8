//! The error type of the embedding API.

/// Everything that can go wrong when loading, linking or running a module.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    /// The text format could not be parsed.
    #[error("text format error: {0}")]
    Wat(String),
    /// The binary is malformed or fails validation; the message names the offset.
    #[error("invalid module: {message} (at offset {offset:#x})")]
    Invalid {
        /// What is wrong, as the validator reports it.
        message: String,
        /// Byte offset in the binary where the problem was found.
        offset: u64,
    },
    /// An import could not be satisfied or has the wrong type.
    #[error("unknown import or incompatible import type: {0}")]
    Link(String),
    /// An export was missing or of another kind or type than asked for.
    #[error("export error: {0}")]
    Export(String),
    /// A value of the wrong type was passed to or returned from a call.
    #[error("type mismatch: {0}")]
    Type(String),
    /// The module exceeds an implementation or configured limit.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// A configuration value (such as a cost table) is invalid.
    #[error("configuration error: {0}")]
    Config(String),
    /// A trap occurred while running wasm (including during instantiation).
    #[error(transparent)]
    Trap(#[from] crate::runtime::Trap),
}

impl From<wasmparser::BinaryReaderError> for Error {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        Error::Invalid {
            message: e.message().to_string(),
            offset: e.offset(),
        }
    }
}

impl Error {
    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&crate::runtime::Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }
}
