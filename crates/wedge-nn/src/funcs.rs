//! The `wasi_ephemeral_nn` functions: guest arguments in, an errno out.

use crate::errno::{Errno, NnResult};
use crate::onnx::OnnxGraph;
use crate::state::{state, Graph};
use crate::tensor::{read_builders, read_string, read_tensor};
use crate::types::ENCODING_ONNX;
use std::panic::{catch_unwind, AssertUnwindSafe};
use wedge_plugin_sdk::Caller;

/// Runs backend code with panics turned into `RuntimeError` (a malformed model must not
/// take the host down).
fn guarded<T>(f: impl FnOnce() -> NnResult<T>) -> NnResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(Err(Errno::RuntimeError))
}

/// Builds a graph with a backend.
fn build(encoding: u32, builders: &[Vec<u8>], name: Option<String>) -> NnResult<Graph> {
    if encoding != ENCODING_ONNX {
        return Err(Errno::InvalidEncoding);
    }
    let model = guarded(|| OnnxGraph::load(builders))?;
    Ok(Graph { model, name })
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
    let graph = build(a[2], &builders, None)?;
    let id = state().add_graph(graph)?;
    caller.write_u32(a[4], id)?;
    Ok(())
}

/// `load_by_name(name_ptr, name_len, graph_out)`.
pub fn load_by_name(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    let name = read_string(caller, a[0], a[1])?;
    by_name(caller, &name, a[2])
}

/// `load_by_name_with_config(name_ptr, name_len, config_ptr, config_len, graph_out)`; the
/// ONNX backend takes no configuration, so the config is only checked to be readable.
pub fn load_by_name_with_config(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    let name = read_string(caller, a[0], a[1])?;
    caller.bytes(a[2], a[3])?;
    by_name(caller, &name, a[4])
}

/// Loads (or finds loaded) the model preloaded under `name`, writing its id at `out`.
fn by_name(caller: &mut Caller<'_>, name: &str, out: u32) -> NnResult<()> {
    check_out(caller, out)?;
    let cached = state().cached(name);
    let id = match cached {
        Some(id) => id,
        None => {
            let preload = state().preload(name).ok_or(Errno::NotFound)?;
            let builders = preload
                .paths
                .iter()
                .map(std::fs::read)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| Errno::NotFound)?;
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
    let id = st.add_context(graph)?;
    drop(st);
    caller.write_u32(a[1], id)?;
    Ok(())
}

/// `set_input(ctx, index, tensor_ptr)`.
pub fn set_input(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
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
    let outputs = guarded(|| graph.model.compute(&inputs))?;
    state().context(a[0])?.outputs = outputs;
    Ok(())
}

/// `get_output(ctx, index, out_ptr, out_max_len, bytes_written_out)`: `TooLarge` when the
/// output does not fit `out_max_len` (nothing is written past the guest's buffer).
pub fn get_output(caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    check_out(caller, a[4])?;
    let output = {
        let mut st = state();
        let ctx = st.context(a[0])?;
        ctx.outputs
            .get(a[1] as usize)
            .cloned()
            .ok_or(Errno::InvalidArgument)?
    };
    if output.len() > a[3] as usize {
        return Err(Errno::TooLarge);
    }
    caller.write(a[2], &output)?;
    caller.write_u32(a[4], output.len() as u32)?;
    Ok(())
}

/// `compute_single`, `get_output_single`, `fini_single`: only LLM backends stream; the
/// others answer `InvalidArgument`, as in WasmEdge.
pub fn single(_caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    state().context(a[0])?;
    Err(Errno::InvalidArgument)
}

/// `unload(graph)`.
pub fn unload(_caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    state().unload(a[0])
}

/// `finalize_execution_context(ctx)`.
pub fn finalize_execution_context(_caller: &mut Caller<'_>, a: &[u32]) -> NnResult<()> {
    state().finalize(a[0])
}
