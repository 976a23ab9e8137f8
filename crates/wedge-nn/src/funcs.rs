//! The `wasi_ephemeral_nn` functions: guest arguments in, an errno out.

use crate::errno::{Errno, NnResult};
use crate::ggml::{GgmlGraph, Session};
use crate::onnx::OnnxGraph;
use crate::state::{state, Graph, Model};
use crate::tensor::{read_builders, read_string, read_tensor, read_tensor_data};
use crate::types::{ENCODING_GGML, ENCODING_ONNX};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use wedge_plugin_sdk::Caller;

/// The size of the output buffer LlamaEdge reserves but passes as 0 bytes long: GGML
/// outputs up to this size are written past `out_max_len`, as every released WasmEdge does.
const LLAMAEDGE_BUFFER: usize = 245_888;

/// Runs backend code with panics turned into `RuntimeError` (a malformed model must not
/// take the host down).
fn guarded<T>(f: impl FnOnce() -> NnResult<T>) -> NnResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(Err(Errno::RuntimeError))
}

/// Builds a graph with a backend; `name` is the preload name for models from
/// `--nn-preload` (which alone may name host files).
fn build(encoding: u32, builders: &[Vec<u8>], name: Option<String>) -> NnResult<Graph> {
    let preloaded = name.is_some();
    let model = match encoding {
        ENCODING_ONNX => Model::Onnx(Box::new(guarded(|| OnnxGraph::load(builders))?)),
        ENCODING_GGML => Model::Ggml(guarded(|| GgmlGraph::load(builders, preloaded))?),
        _ => return Err(Errno::InvalidEncoding),
    };
    Ok(Graph {
        model,
        name,
        owner: None,
    })
}

/// Checks that a u32 can be written at `ptr` before doing expensive work.
fn check_out(caller: &mut Caller<'_>, ptr: u32) -> NnResult<()> {
    caller.bytes(ptr, 4)?;
    Ok(())
}

/// `load(builders_ptr, builders_len, encoding, target, graph_out)`.
pub fn load(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    let builders = read_builders(caller, a[0], a[1])?;
    check_out(caller, a[4])?;
    if a[3] > 2 {
        return Err(Errno::InvalidArgument);
    }
    let mut graph = build(a[2], &builders, None)?;
    graph.owner = Some(caller.store());
    let id = state().add_graph(graph)?;
    caller.write_u32(a[4], id)?;
    Ok(())
}

/// `load_by_name(name_ptr, name_len, graph_out)`.
pub fn load_by_name(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    let name = read_string(caller, a[0], a[1])?;
    by_name(caller, &name, None, a[2])
}

/// `load_by_name_with_config(name_ptr, name_len, config_ptr, config_len, graph_out)`: the
/// config is the GGML backend's metadata JSON (the ONNX backend takes none, so there it is
/// only checked to be readable); a graph already cached by name ignores it, as in WasmEdge.
pub fn load_by_name_with_config(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    let name = read_string(caller, a[0], a[1])?;
    let config = caller.bytes(a[2], a[3])?.to_vec();
    by_name(caller, &name, Some(config), a[4])
}

/// Loads (or finds loaded) the model preloaded under `name`, writing its id at `out`.
fn by_name(caller: &mut Caller<'_>, name: &str, config: Option<Vec<u8>>, out: u32) -> NnResult<()> {
    check_out(caller, out)?;
    let cached = state().cached(name);
    let id = match cached {
        Some(id) => id,
        None => {
            let preload = state().preload(name).ok_or(Errno::NotFound)?;
            let builders = if preload.encoding == ENCODING_GGML {
                // llama.cpp maps the file itself; the path's `:` were split off by the parser.
                let path = preload.paths.join(":");
                let mut b = vec![[b"preload:".as_slice(), path.as_bytes()].concat()];
                b.extend(config);
                b
            } else {
                preload
                    .paths
                    .iter()
                    .map(std::fs::read)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| Errno::NotFound)?
            };
            let graph = build(preload.encoding, &builders, Some(name.to_string()))?;
            state().add_graph(graph)?
        }
    };
    caller.write_u32(out, id)?;
    Ok(())
}

/// `init_execution_context(graph, ctx_out)`.
pub fn init_execution_context(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    check_out(caller, a[1])?;
    let mut st = state();
    let graph = st.graph(a[0])?;
    let id = st.add_context(graph, caller.store())?;
    drop(st);
    caller.write_u32(a[1], id)?;
    Ok(())
}

/// A GGML context's graph and session.
type Llm = (Arc<Graph>, Arc<Mutex<Session>>);

/// The GGML graph and session of a context, or `None` for an ONNX context.
fn llm(ctx: u32) -> NnResult<Option<Llm>> {
    let mut st = state();
    let c = st.context(ctx)?;
    Ok(c.session.clone().map(|s| (c.graph.clone(), s)))
}

/// Runs `f` on a GGML context's graph and session, with the state unlocked (generation is
/// slow; other contexts are not held up) and panics turned into `RuntimeError`.
fn on_llm(
    graph: &Graph,
    session: &Mutex<Session>,
    f: impl FnOnce(&GgmlGraph, &Mutex<Session>) -> NnResult<()>,
) -> NnResult<()> {
    match &graph.model {
        Model::Ggml(g) => guarded(|| f(g, session)),
        Model::Onnx(_) => Err(Errno::InvalidArgument),
    }
}

/// `set_input(ctx, index, tensor_ptr)`; for GGML only the tensor's bytes count (index 0:
/// the prompt, index 1: metadata JSON).
pub fn set_input(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    if let Some((graph, session)) = llm(a[0])? {
        let bytes = read_tensor_data(caller, a[2])?;
        return on_llm(&graph, &session, |g, s| g.set_input(s, a[1], &bytes));
    }
    let tensor = read_tensor(caller, a[2])?;
    let mut st = state();
    let ctx = st.context(a[0])?;
    let slot = ctx
        .inputs
        .get_mut(a[1] as usize)
        .ok_or(Errno::InvalidArgument)?;
    *slot = Some(tensor);
    Ok(())
}

/// `compute(ctx)`: runs with the state unlocked, so other contexts are not held up.
pub fn compute(_caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    if let Some((graph, session)) = llm(a[0])? {
        return on_llm(&graph, &session, |g, s| g.compute(s));
    }
    let (graph, inputs) = {
        let mut st = state();
        let ctx = st.context(a[0])?;
        let inputs = ctx
            .inputs
            .iter()
            .cloned()
            .collect::<Option<Vec<_>>>()
            .ok_or(Errno::InvalidArgument)?;
        (ctx.graph.clone(), inputs)
    };
    let Model::Onnx(model) = &graph.model else {
        return Err(Errno::InvalidArgument);
    };
    let outputs = guarded(|| model.compute(&inputs))?;
    state().context(a[0])?.outputs = outputs;
    Ok(())
}

/// `get_output(ctx, index, out_ptr, out_max_len, bytes_written_out)`: `TooLarge` when the
/// output does not fit `out_max_len` (nothing is written past the guest's buffer), except
/// for GGML outputs up to LlamaEdge's buffer size (see `LLAMAEDGE_BUFFER`).
pub fn get_output(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    check_out(caller, a[4])?;
    if let Some((_, session)) = llm(a[0])? {
        let output = lock(&session)?.output(a[1]);
        return write_output(caller, a, &output, LLAMAEDGE_BUFFER);
    }
    let output = {
        let mut st = state();
        let ctx = st.context(a[0])?;
        ctx.outputs
            .get(a[1] as usize)
            .cloned()
            .ok_or(Errno::InvalidArgument)?
    };
    write_output(caller, a, &output, 0)
}

/// Writes `output` to the guest's buffer `a[2]` (`a[3]` bytes, or up to `allowance` bytes
/// if that is more) and its length at `a[4]`.
fn write_output(
    caller: &mut Caller<'_>,
    a: &[u32],
    output: &[u8],
    allowance: usize,
) -> NnResult<()> {
    if output.len() > (a[3] as usize).max(allowance) {
        return Err(Errno::TooLarge);
    }
    caller.write(a[2], output)?;
    caller.write_u32(a[4], output.len() as u32)?;
    Ok(())
}

/// Locks a session.
fn lock(session: &Mutex<Session>) -> NnResult<std::sync::MutexGuard<'_, Session>> {
    session.lock().map_err(|_| Errno::RuntimeError)
}

/// `compute_single(ctx)`: one token (GGML only; InvalidArgument otherwise, as in WasmEdge).
pub fn compute_single(_caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    let (graph, session) = llm(a[0])?.ok_or(Errno::InvalidArgument)?;
    on_llm(&graph, &session, |g, s| g.compute_single(s))
}

/// `get_output_single(ctx, index, out_ptr, out_max_len, bytes_written_out)`: the last
/// token's piece (index 0) or the token counts (index 1).
pub fn get_output_single(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    check_out(caller, a[4])?;
    let (_, session) = llm(a[0])?.ok_or(Errno::InvalidArgument)?;
    let output = lock(&session)?.output_single(a[1]);
    write_output(caller, a, &output, LLAMAEDGE_BUFFER)
}

/// `fini_single(ctx)`: ends a `compute_single` stream.
pub fn fini_single(_caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    let (_, session) = llm(a[0])?.ok_or(Errno::InvalidArgument)?;
    lock(&session)?.fini_single();
    Ok(())
}

/// `unload(graph)`.
pub fn unload(_caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    state().unload(a[0])
}

/// `finalize_execution_context(ctx)`.
pub fn finalize_execution_context(_caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    state().finalize(a[0])
}
