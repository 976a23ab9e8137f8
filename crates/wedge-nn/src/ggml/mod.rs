//! The GGML backend (encoding 6): GGUF language models on llama.cpp (`llama-cpp-2`), with
//! the semantics of WasmEdge's GGML plugin that LlamaEdge's guests depend on.

mod engine;
mod options;
mod session;

pub use options::Options;
pub use session::Session;

use crate::errno::{Errno, NnResult};
use engine::Engine;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// llama.cpp's build number in the token-count JSON (LlamaEdge requires the field). The
/// tree vendored by `llama-cpp-sys-2` carries no git metadata, so, like llama.cpp built
/// from a source archive, it is 0.
pub const LLAMA_BUILD_NUMBER: u32 = 0;
/// llama.cpp's commit in the token-count JSON: "unknown", as llama.cpp's build says
/// without git.
pub const LLAMA_COMMIT: &str = "unknown";

/// The prefix of a builder that names a model file instead of holding its bytes (what
/// `--nn-preload` passes, as in WasmEdge).
const PRELOAD_PREFIX: &[u8] = b"preload:";

/// A loaded GGUF model: its llama context is shared by the graph's execution contexts,
/// which take turns (as in WasmEdge).
pub struct GgmlGraph {
    engine: Mutex<Engine>,
    options: Options,
}

impl GgmlGraph {
    /// Loads from the builders: the GGUF bytes or (`preloaded`: from `--nn-preload`)
    /// `preload:PATH`, then optionally the metadata JSON. Bad JSON is InvalidEncoding, a
    /// missing file ModelNotFound, a file llama.cpp cannot load InvalidArgument. A guest's
    /// own `load` cannot name host files: its `preload:` builders are taken as bytes.
    pub fn load(builders: &[Vec<u8>], preloaded: bool) -> NnResult<GgmlGraph> {
        let (model, rest) = builders.split_first().ok_or(Errno::InvalidArgument)?;
        let mut options = Options::default();
        if let Some(json) = rest.first() {
            options.merge_json(json)?;
        }
        let engine = match model.strip_prefix(PRELOAD_PREFIX).filter(|_| preloaded) {
            Some(path) => {
                let path = std::str::from_utf8(path).map_err(|_| Errno::ModelNotFound)?;
                let path = Path::new(path);
                if !path.is_file() {
                    return Err(Errno::ModelNotFound);
                }
                Engine::load(path, &options)?
            }
            None => {
                let file = TempModel::write(model)?;
                Engine::load(&file.0, &options)?
            }
        };
        Ok(GgmlGraph {
            engine: Mutex::new(engine),
            options,
        })
    }

    /// A new execution context's state.
    pub fn session(&self) -> Arc<Mutex<Session>> {
        Arc::new(Mutex::new(Session::new(self.options.clone())))
    }

    /// `set_input`: index 0 is the prompt, index 1 metadata JSON (others InvalidArgument).
    pub fn set_input(&self, session: &Mutex<Session>, index: u32, bytes: &[u8]) -> NnResult<()> {
        self.with(session, |s, e| match index {
            0 => s.set_prompt(e, bytes),
            1 => s.set_metadata(e, bytes),
            _ => Err(Errno::InvalidArgument),
        })
    }

    /// `compute`.
    pub fn compute(&self, session: &Mutex<Session>) -> NnResult<()> {
        self.with(session, |s, e| s.compute(e))
    }

    /// `compute_single`.
    pub fn compute_single(&self, session: &Mutex<Session>) -> NnResult<()> {
        self.with(session, |s, e| s.compute_single(e))
    }

    /// Runs `f` on the session with the graph's engine (one context at a time).
    fn with<T>(
        &self,
        session: &Mutex<Session>,
        f: impl FnOnce(&mut Session, &mut Engine) -> NnResult<T>,
    ) -> NnResult<T> {
        let mut session = session.lock().map_err(|_| Errno::RuntimeError)?;
        let mut engine = self.engine.lock().map_err(|_| Errno::RuntimeError)?;
        f(&mut session, &mut engine)
    }
}

/// A model given as bytes, written to a private temporary file for llama.cpp to map;
/// removed when dropped (the mapping stays valid).
struct TempModel(PathBuf);

impl TempModel {
    /// Writes `bytes` to a fresh file.
    fn write(bytes: &[u8]) -> NnResult<TempModel> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("wedge-nn-{}-{n}.gguf", std::process::id()));
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let mut out = open.open(&path).map_err(|_| Errno::RuntimeError)?;
        let file = TempModel(path);
        std::io::Write::write_all(&mut out, bytes).map_err(|_| Errno::RuntimeError)?;
        Ok(file)
    }
}

impl Drop for TempModel {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
