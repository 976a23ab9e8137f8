//! WASI-NN error numbers, as WasmEdge's `wasi_ephemeral_nn` returns them.

/// An error number returned to the guest (0 is success).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Errno {
    /// Success.
    Success = 0,
    /// Bad pointers, unknown ids, wrong builder count, a model the backend cannot load.
    InvalidArgument = 1,
    /// An unknown encoding, or one whose backend is not built in.
    InvalidEncoding = 2,
    /// An allocation failed.
    MissingMemory = 3,
    /// The backend is busy.
    Busy = 4,
    /// The backend failed while computing.
    RuntimeError = 5,
    /// The operation is not supported.
    UnsupportedOperation = 6,
    /// The output does not fit the guest's buffer.
    TooLarge = 7,
    /// `load_by_name`: no model preloaded under that name.
    NotFound = 8,
    /// GGML: end of generation.
    EndOfSequence = 100,
    /// GGML: the context (KV cache) is full.
    ContextFull = 101,
    /// GGML: the prompt does not fit the context.
    PromptTooLong = 102,
    /// GGML: the model file does not exist.
    ModelNotFound = 103,
}

/// The result of a WASI-NN operation.
pub type NnResult<T> = Result<T, Errno>;

impl From<wedge_plugin_sdk::OutOfBounds> for Errno {
    fn from(_: wedge_plugin_sdk::OutOfBounds) -> Errno {
        Errno::InvalidArgument
    }
}
