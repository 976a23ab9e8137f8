//! Tail calls: the callee takes over the running frame (same stack base, no new entry on
//! the frame stack), so any chain of tail calls runs in constant space.
//!
//! `return_call`, `return_call_indirect` and `return_call_ref` all end in
//! [`Executor::tail_call_store_func`] once the callee is known.

use super::run::{Executor, State};
use crate::interp::CompiledFunc;
use crate::module::ModuleInner;
use crate::runtime::{io_slots, FuncKind, TrapKind};
use crate::Error;

impl Executor<'_> {
    /// Replaces the running frame with the defined function translated as `code`, of
    /// `instance` (of `module`), whose arguments sit at slot `args` of the running frame.
    #[inline(never)]
    pub(super) fn tail_call(
        &mut self,
        st: &mut State,
        code: *const CompiledFunc,
        module: *const ModuleInner,
        instance: u32,
        args: usize,
    ) -> Result<(), Error> {
        // SAFETY: `code` belongs to a module the store keeps alive.
        let params = unsafe { (*code).param_slots } as usize;
        // SAFETY: the arguments and the frame base are inside the running frame; `copy`
        // allows the ranges to overlap.
        unsafe { std::ptr::copy(st.regs.add(args), st.regs, params) };
        st.code = code;
        st.set_module(module);
        let switch = st.instance != instance;
        st.instance = instance;
        self.enter(st, st.base)?;
        if switch {
            self.refresh_memory(st);
        }
        Ok(())
    }

    /// Tail-calls function `func` (store index): a wasm function takes over the frame; a
    /// host function runs and its results are returned at once. Returns true when that
    /// return finished the entry frame (execution is over). When a host function throws,
    /// the exception goes to the caller's handlers, and `st` may resume at one of them.
    #[inline(never)]
    pub(super) fn tail_call_store_func(
        &mut self,
        st: &mut State,
        func: u32,
        args: usize,
    ) -> Result<bool, Error> {
        let (kind, ty) = {
            let e = self.inner.func(func);
            (e.kind, e.ty_arc())
        };
        match kind {
            FuncKind::Wasm { instance, index } => {
                let module: *const ModuleInner =
                    &*self.inner.instances[instance as usize].module.inner;
                // SAFETY: the instance keeps its module alive for the store's lifetime.
                let code = unsafe { (*module).compiled(index)? };
                let code = std::sync::Arc::as_ptr(&code);
                self.tail_call(st, code, module, instance, args)?;
                Ok(false)
            }
            FuncKind::Host { .. } => {
                if let Err(error) = self.call_store_func(st, func, args) {
                    // The tail call ended the running frame: an exception the host threw
                    // is thrown at the caller's call site, not in this frame's handlers.
                    if error.as_trap().and_then(|t| t.exception()).is_none() || !self.pop_frame(st)
                    {
                        return Err(error);
                    }
                    self.catch_error(st, error)?;
                    return Ok(false);
                }
                let results = ty.result_slots() as usize;
                debug_assert!(results <= io_slots(&ty));
                // SAFETY: the host wrote its results at `args` inside the frame; the frame
                // base is below; `copy` allows overlap.
                unsafe { std::ptr::copy(st.regs.add(args), st.regs, results) };
                Ok(!self.pop_frame(st))
            }
        }
    }

    /// The store function a `call_indirect`-style site names for table index `index`, or
    /// the trap it causes.
    #[inline(never)]
    pub(super) fn indirect_target(
        &mut self,
        st: &State,
        index: u64,
        site: u32,
    ) -> Result<u32, TrapKind> {
        // SAFETY: `site` was emitted together with the function's table of sites.
        let (table, type_id) = unsafe { (*st.code).indirect_sites[site as usize] };
        let inner: &mut crate::runtime::StoreInner = self.inner;
        let t = inner.instances[st.instance as usize].tables[table as usize] as usize;
        let i = usize::try_from(index).map_err(|_| TrapKind::UndefinedElement)?;
        let mut raw = *inner.tables[t]
            .elems
            .get(i)
            .ok_or(TrapKind::UndefinedElement)?;
        if raw == 0 {
            // Perhaps an element not initialized yet (see `runtime::lazy_table`).
            raw = inner.lazy_table_elem(t, i);
            if raw == 0 {
                return Err(TrapKind::UninitializedElement);
            }
        }
        let f = (raw - 1) as u32;
        let actual = inner.func(f).type_id;
        if actual != type_id && !inner.types.is_subtype(actual, type_id) {
            return Err(TrapKind::IndirectCallTypeMismatch);
        }
        Ok(f)
    }
}
