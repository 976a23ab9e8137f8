//! llama.cpp itself: the process-wide backend, a loaded model and its llama context (the
//! KV cache), recreated when options that shape it change.

use super::options::Options;
use crate::errno::{Errno, NnResult};
use llama_cpp_2::context::params::{LlamaContextParams, LlamaPoolingType};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::OnceLock;

/// The llama.cpp backend, initialised once per process (`None` if this CPU cannot run the
/// build).
pub fn backend() -> NnResult<&'static LlamaBackend> {
    static BACKEND: OnceLock<Option<LlamaBackend>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            if !cpu_supported() {
                eprintln!(
                    "wasi-nn: this CPU lacks AVX2/FMA/F16C, which this build of llama.cpp needs \
                     (rebuild without GGML_AVX2 etc. in .cargo/config.toml)"
                );
                return None;
            }
            let mut backend = LlamaBackend::init().ok()?;
            if std::env::var_os("WEDGE_NN_LLAMA_LOG").is_none() {
                backend.void_logs();
            }
            Some(backend)
        })
        .as_ref()
        .ok_or(Errno::RuntimeError)
}

/// Whether this CPU has the x86 extensions llama.cpp was compiled for (see
/// `.cargo/config.toml`); executing them on a CPU without would kill the process.
fn cpu_supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if option_env!("GGML_AVX2") == Some("ON") {
            return std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
                && std::arch::is_x86_feature_detected!("f16c");
        }
    }
    true
}

/// The options that shape the llama context; a change recreates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    ctx_size: u32,
    batch_size: u32,
    ubatch_size: u32,
    threads: i32,
    embedding: bool,
    pooling_type: i32,
}

impl Shape {
    fn of(o: &Options) -> Shape {
        Shape {
            ctx_size: o.ctx_size,
            batch_size: o.batch_size,
            ubatch_size: o.ubatch_size,
            threads: o.threads,
            embedding: o.embedding,
            pooling_type: o.pooling_type,
        }
    }
}

/// A model and its llama context.
pub struct Engine {
    // Field order matters: the context is dropped before the model it was made from.
    ctx: LlamaContext<'static>,
    shape: Shape,
    model: LlamaModel,
}

impl Engine {
    /// Loads the GGUF file at `path` (mmapped) and makes a context for `options`.
    pub fn load(path: &Path, options: &Options) -> NnResult<Engine> {
        let backend = backend()?;
        let model = LlamaModel::load_from_file(backend, path, &LlamaModelParams::default())
            .map_err(|_| Errno::InvalidArgument)?;
        let shape = Shape::of(options);
        let ctx = new_context(&model, shape)?;
        Ok(Engine { ctx, shape, model })
    }

    /// Recreates the context if `options` shape it differently (its KV cache is lost).
    pub fn reshape(&mut self, options: &Options) -> NnResult<()> {
        let shape = Shape::of(options);
        if shape != self.shape {
            self.ctx = new_context(&self.model, shape)?;
            self.shape = shape;
        }
        Ok(())
    }

    /// The model.
    pub fn model(&self) -> &LlamaModel {
        &self.model
    }

    /// The llama context.
    pub fn ctx(&mut self) -> &mut LlamaContext<'static> {
        &mut self.ctx
    }

    /// The context length in tokens.
    pub fn n_ctx(&self) -> u32 {
        self.ctx.n_ctx()
    }

    /// Tokens per decode call.
    pub fn n_batch(&self) -> u32 {
        self.shape.batch_size
    }
}

/// A llama context on `model`.
fn new_context(model: &LlamaModel, shape: Shape) -> NnResult<LlamaContext<'static>> {
    let mut params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(shape.ctx_size))
        .with_n_batch(shape.batch_size)
        .with_n_ubatch(shape.ubatch_size.min(shape.batch_size))
        .with_n_threads(shape.threads)
        .with_n_threads_batch(shape.threads)
        .with_embeddings(shape.embedding);
    if shape.embedding {
        // An embedding is computed over the whole prompt in one batch.
        params = params.with_n_ubatch(shape.batch_size);
    }
    if let Some(pooling) = pooling(shape.pooling_type) {
        params = params.with_pooling_type(pooling);
    }
    let backend = backend()?;
    let ctx = model
        .new_context(backend, params)
        .map_err(|_| Errno::InvalidArgument)?;
    // SAFETY: the context borrows the model only through llama.cpp's pointer to the C model
    // (`LlamaModel` is a handle; moving it does not move the C object). Every context made
    // here is stored in the `Engine` that owns the model and is dropped before it (field
    // order, or replaced in `reshape`), so the borrow never outlives the model.
    Ok(unsafe { std::mem::transmute::<LlamaContext<'_>, LlamaContext<'static>>(ctx) })
}

/// llama.cpp's pooling type for `pooling-type` (-1 or unknown = the model's own).
fn pooling(value: i32) -> Option<LlamaPoolingType> {
    match LlamaPoolingType::from(value) {
        LlamaPoolingType::Unspecified => None,
        p => Some(p),
    }
}
