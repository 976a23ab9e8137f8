//! Leaving the interpreter at a loop head for compiled code (on-stack replacement, see
//! `tier/osr.rs`): the running call continues in an OSR entry and returns from there.

use super::dispatch::{Exit, Vm};
use crate::module::ModuleInner;
use crate::Error;

/// Continues the running call, at the head of a loop, in OSR entry `entry` of its function:
/// copies its locals out of the frame, pops the frame and calls the entry, whose results
/// (or trap, or exception) are the call's. A trap's backtrace lists the function once, as
/// the entry's frame. Goes on interpreting if the frame layout cannot be read.
pub(super) fn enter(vm: Vm<'_, '_>, entry: usize) -> Exit {
    let cx = &mut *vm.cx;
    // SAFETY: the running function and module are kept alive by the store's instance.
    let (code, module) = unsafe { (&*cx.st.code, &*cx.st.module) };
    let Some(slots) = local_slots(module, code.index) else {
        return vm.next();
    };
    let regs = cx.st.regs;
    // SAFETY: the locals' slots are inside the running frame.
    let mut locals: Vec<u64> = slots.iter().map(|&s| unsafe { *regs.add(s) }).collect();
    let ty = module.func_type(code.index);
    let mut io = vec![0u64; crate::runtime::io_slots(ty)];
    let results = ty.result_slots() as usize;
    let (base, instance) = (cx.st.base, cx.st.instance);
    let def = code.index - module.num_imported_funcs;
    let popped = cx.ex.pop_frame(&mut cx.st);
    let result = cx.ex.call_osr(
        &mut cx.st,
        popped,
        (instance, def, entry),
        &mut locals,
        &mut io,
    );
    let result = match result {
        Ok(()) => {
            cx.ex.stack[base..base + results].copy_from_slice(&io[..results]);
            if !popped {
                return Exit::Done;
            }
            Ok(())
        }
        Err(e) if !popped => return cx.fail(e),
        // The caller is at its call (`st.pc` just past it), as after a call that failed.
        Err(e) => {
            let e = match e {
                Error::Trap(t) => cx.ex.with_backtrace(&cx.st, t).into(),
                other => other,
            };
            cx.ex.catch_error(&mut cx.st, e)
        }
    };
    match result {
        Ok(()) => vm.resume(),
        Err(e) => vm.cx.fail(e),
    }
}

/// The slot of each local (parameters first) of defined function `func` of `module`.
fn local_slots(module: &ModuleInner, func: u32) -> Option<Vec<usize>> {
    let def = func.checked_sub(module.num_imported_funcs)? as usize;
    let body = module.bodies.get(def)?;
    let reader = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
        &module.bytes[body.clone()],
        body.start as u64,
    ));
    let layout = crate::interp::frame_layout(module, func, &reader).ok()?;
    Some(layout.locals.iter().map(|&(_, s)| s as usize).collect())
}
