//! The executor: runs register bytecode with an explicit frame stack (never host recursion).

mod atomic;
mod bulk;
pub(in crate::interp) mod dispatch;
mod exceptions;
mod gc;
pub(in crate::interp) mod handlers;
mod memory_ops;
mod osr;
mod run;
mod tail_call;

pub(in crate::interp) use dispatch::{handler_table, link_table_entries, Op};

use crate::interp::CompiledFunc;
use crate::module::ModuleInner;
use crate::runtime::{io_slots, Caller, FrameInfo, FuncKind, Store, StoreId, Trap, TrapKind};
use crate::types::ValType;
use crate::{Error, Val};
use dispatch::Ip;

/// How many times host functions may re-enter wasm on one thread of calls.
const MAX_REENTRY: u32 = 64;

/// Slots allocated for a fresh value stack.
const INITIAL_STACK_SLOTS: usize = 16 * 1024;

/// Slots allocated for the value stack of a nested call (it grows as needed).
const NESTED_STACK_SLOTS: usize = 1024;

/// A suspended caller frame.
#[derive(Clone, Copy)]
pub(crate) struct Frame {
    pub func: *const CompiledFunc,
    /// The instruction to resume at (just past the call).
    pub ret: Ip,
    /// Stack slot where the frame starts.
    pub base: usize,
    /// The instance (its module is the instance's).
    pub instance: u32,
}

impl Frame {
    /// The index of the instruction to resume at.
    pub fn pc(&self) -> usize {
        // SAFETY: `ret` points into the instructions of `func`, kept alive by its module.
        unsafe { self.ret.offset_from((*self.func).ops.as_ptr()) as usize }
    }
}

/// Calls function `func` (store index) with parameters in `io`; results are written back to `io`.
pub(crate) fn invoke<T>(store: &mut Store<T>, func: u32, io: &mut [u64]) -> Result<(), Error> {
    invoke_counted(store, func, io, true)
}

/// [`invoke`] for a call from compiled code, which does not count as host re-entry (see
/// `tier::invoke_from_native`).
pub(crate) fn invoke_nested<T>(
    store: &mut Store<T>,
    func: u32,
    io: &mut [u64],
) -> Result<(), Error> {
    invoke_counted(store, func, io, false)
}

/// Value stacks kept for nested calls into the interpreter.
const KEPT_STACKS: usize = 8;

fn invoke_counted<T>(
    store: &mut Store<T>,
    func: u32,
    io: &mut [u64],
    counted: bool,
) -> Result<(), Error> {
    let (kind, ty) = {
        let e = store.inner.func(func);
        (e.kind, e.ty_arc())
    };
    match kind {
        FuncKind::Host { host } => {
            let f = store.host_funcs[host as usize].clone();
            let started = store
                .inner
                .engine
                .config()
                .host_time
                .then(std::time::Instant::now);
            let result = f(
                Caller {
                    store: &mut *store,
                    instance: None,
                },
                io,
            );
            if let Some(started) = started {
                store.inner.host_time += started.elapsed();
            }
            result?;
            Ok(())
        }
        FuncKind::Wasm { instance, index } => {
            if counted && store.inner.reentry >= MAX_REENTRY {
                return Err(Trap::new(TrapKind::StackExhausted).into());
            }
            // A fresh stack is large for the outermost call, small (it grows) for nested ones.
            let want = match store.inner.reentry {
                0 => INITIAL_STACK_SLOTS,
                _ => NESTED_STACK_SLOTS,
            }
            .max(io.len());
            store.inner.reentry += counted as u32;
            let mut stack = store.inner.stacks.pop().unwrap_or_default();
            if stack.len() < want {
                stack.resize(want, 0);
            }
            stack[..io.len()].copy_from_slice(io);
            let result = run::Executor::new(store, stack).run(instance, index);
            store.inner.reentry -= counted as u32;
            let mut stack = result?;
            let n = io_slots(&ty).min(io.len());
            io[..n].copy_from_slice(&stack[..n]);
            if store.inner.stacks.len() < KEPT_STACKS {
                stack.truncate(INITIAL_STACK_SLOTS);
                store.inner.stacks.push(stack);
            }
            Ok(())
        }
    }
}

/// Appends the frames of interpreter activations suspended in calls out of them (innermost
/// first), for a profiler sample taken in compiled code.
pub(crate) fn suspended_frames(inner: &crate::runtime::StoreInner, frames: &mut Vec<FrameInfo>) {
    run::Executor::suspended_frames(inner, frames);
}

/// One active interpreter frame: its module, function, instance (store index), the
/// index of the instruction it is at and the stack slot its frame starts at.
pub(super) type ActiveFrame = (*const ModuleInner, *const CompiledFunc, u32, usize, usize);

/// Builds a trap backtrace from the active frames, innermost first; with the executor's
/// `stack`, each frame records its locals' values.
pub(super) fn backtrace(
    store: StoreId,
    frames: &[ActiveFrame],
    stack: Option<&[u64]>,
) -> Vec<FrameInfo> {
    frames
        .iter()
        .rev()
        .map(|&(module, code, instance, pc, base)| {
            // SAFETY: modules outlive the store's instances, which outlive any running call,
            // and keep their functions' translations.
            let (module, code) = unsafe { (&*module, &*code) };
            let func_index = code.index;
            let body = (func_index as usize)
                .checked_sub(module.num_imported_funcs as usize)
                .and_then(|d| module.bodies.get(d));
            let module_offset = code.offsets.get(pc).map(|&o| o as usize);
            FrameInfo {
                func_index,
                func_name: module.func_names.get(&func_index).cloned(),
                module_name: module.name.clone(),
                instance: Some(crate::Instance {
                    store,
                    index: instance,
                }),
                module_offset,
                func_offset: module_offset
                    .zip(body)
                    .map(|(o, b)| o.saturating_sub(b.start)),
                source: module_offset.map_or(Vec::new(), |o| module.debug.frames_at(o)),
                locals: stack.map_or(Vec::new(), |s| local_values(module, func_index, s, base)),
            }
        })
        .collect()
}

/// The values of the locals (parameters first) of a frame of function `func` starting at
/// slot `base` of `stack`: numbers as they are, `None` for vectors and references. Where
/// each local lives is the translator's layout ([`crate::interp::frame_layout`]); a local
/// the function always writes before reading it shows what its slot held until the first
/// write (a call does not zero it).
fn local_values(module: &ModuleInner, func: u32, stack: &[u64], base: usize) -> Vec<Option<Val>> {
    let Some(body) = (func as usize)
        .checked_sub(module.num_imported_funcs as usize)
        .and_then(|d| module.bodies.get(d))
    else {
        return Vec::new();
    };
    let reader = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
        &module.bytes[body.clone()],
        body.start as u64,
    ));
    let Ok(layout) = crate::interp::frame_layout(module, func, &reader) else {
        return Vec::new();
    };
    layout
        .locals
        .iter()
        .map(|&(t, slot)| {
            let bits = stack.get(base.checked_add(slot as usize)?).copied();
            bits.and_then(|b| match t {
                ValType::I32 => Some(Val::I32(b as u32 as i32)),
                ValType::I64 => Some(Val::I64(b as i64)),
                ValType::F32 => Some(Val::F32(b as u32)),
                ValType::F64 => Some(Val::F64(b)),
                _ => None,
            })
        })
        .collect()
}
