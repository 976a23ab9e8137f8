//! The plugin's graphs and execution contexts, by id (both counted from 0, never reused).

use crate::errno::{Errno, NnResult};
use crate::ggml::{GgmlGraph, Session};
use crate::onnx::OnnxGraph;
use crate::preload::{self, Preload};
use crate::tensor::InputTensor;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// A backend's model.
pub enum Model {
    /// ONNX (on tract or ONNX Runtime).
    Onnx(Box<OnnxGraph>),
    /// A GGUF language model on llama.cpp.
    Ggml(GgmlGraph),
}

/// A loaded graph.
pub struct Graph {
    /// The backend's model.
    pub model: Model,
    /// The preload name it was loaded by, if any (evicted from the cache on unload).
    pub name: Option<String>,
    /// The store whose guest loaded it with `load` (freed when that store ends); None for
    /// graphs loaded by preload name, which every store shares.
    pub owner: Option<u64>,
}

/// An execution context: the inputs set so far and the last outputs (ONNX), or the
/// generation state (GGML).
pub struct Context {
    /// The graph it runs.
    pub graph: Arc<Graph>,
    /// ONNX: inputs by index.
    pub inputs: Vec<Option<InputTensor>>,
    /// ONNX: outputs of the last `compute`.
    pub outputs: Vec<Vec<u8>>,
    /// GGML: the session, locked while the backend works on it (the state is not).
    pub session: Option<Arc<Mutex<Session>>>,
    /// The store whose guest made it (freed when that store ends).
    pub owner: u64,
}

/// All graphs and contexts of the process.
#[derive(Default)]
pub struct State {
    graphs: HashMap<u32, Arc<Graph>>,
    contexts: HashMap<u32, Context>,
    next_graph: u32,
    next_context: u32,
    by_name: HashMap<String, u32>,
    preloads: Option<Vec<Preload>>,
}

/// The process-wide state.
pub fn state() -> MutexGuard<'static, State> {
    static STATE: OnceLock<Mutex<State>> = OnceLock::new();
    let m = STATE.get_or_init(|| Mutex::new(State::default()));
    // A panic while holding the lock leaves consistent tables (every update is one insert
    // or remove), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    /// Adds a graph; its id.
    pub fn add_graph(&mut self, graph: Graph) -> NnResult<u32> {
        let id = self.next_graph;
        self.next_graph = id.checked_add(1).ok_or(Errno::RuntimeError)?;
        if let Some(name) = &graph.name {
            self.by_name.insert(name.clone(), id);
        }
        self.graphs.insert(id, Arc::new(graph));
        Ok(id)
    }

    /// A graph by id.
    pub fn graph(&self, id: u32) -> NnResult<Arc<Graph>> {
        self.graphs.get(&id).cloned().ok_or(Errno::InvalidArgument)
    }

    /// Removes a graph (contexts on it keep it alive until they are finalized).
    pub fn unload(&mut self, id: u32) -> NnResult<()> {
        let graph = self.graphs.remove(&id).ok_or(Errno::InvalidArgument)?;
        if let Some(name) = &graph.name {
            self.by_name.remove(name);
        }
        Ok(())
    }

    /// The id of a graph loaded by preload name, if still loaded.
    pub fn cached(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    /// The preload registered under `name` (read from the environment on first use).
    pub fn preload(&mut self, name: &str) -> Option<Preload> {
        self.preloads
            .get_or_insert_with(preload::from_env)
            .iter()
            .find(|p| p.name == name)
            .cloned()
    }

    /// Adds a context on a graph for a guest of store `owner`; its id.
    pub fn add_context(&mut self, graph: Arc<Graph>, owner: u64) -> NnResult<u32> {
        let id = self.next_context;
        self.next_context = id.checked_add(1).ok_or(Errno::RuntimeError)?;
        let (inputs, session) = match &graph.model {
            Model::Onnx(m) => (vec![None; m.input_count()], None),
            Model::Ggml(m) => (Vec::new(), Some(m.session())),
        };
        self.contexts.insert(
            id,
            Context {
                graph,
                inputs,
                outputs: Vec::new(),
                session,
                owner,
            },
        );
        Ok(id)
    }

    /// Frees what the guests of store `store` left: their contexts and the graphs they
    /// loaded with `load` (graphs shared by preload name stay).
    pub fn store_dropped(&mut self, store: u64) {
        self.contexts.retain(|_, c| c.owner != store);
        self.graphs.retain(|_, g| g.owner != Some(store));
    }

    /// How many graphs and contexts are live (for tests and diagnostics).
    pub fn counts(&self) -> (usize, usize) {
        (self.graphs.len(), self.contexts.len())
    }

    /// A context by id.
    pub fn context(&mut self, id: u32) -> NnResult<&mut Context> {
        self.contexts.get_mut(&id).ok_or(Errno::InvalidArgument)
    }

    /// Removes a context.
    pub fn finalize(&mut self, id: u32) -> NnResult<()> {
        self.contexts
            .remove(&id)
            .map(drop)
            .ok_or(Errno::InvalidArgument)
    }
}
