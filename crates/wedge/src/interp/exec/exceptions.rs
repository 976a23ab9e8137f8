//! Throwing and unwinding: finds the innermost handler over the active frames.

use super::run::{Executor, State};
use crate::interp::code::R;
use crate::interp::gc_code::{HandlerKind, NO_SLOT};
use crate::runtime::{Trap, TrapKind};
use crate::Error;

impl Executor<'_> {
    /// `throw`: allocates an exception of module tag `tag` with the payload at `args` and
    /// unwinds to its handler. `st.pc` is just past the instruction.
    #[inline(never)]
    pub(super) fn throw(&mut self, st: &mut State, tag: u32, args: R) -> Result<(), Error> {
        let store_tag = self.inner.instances[st.instance as usize].tags[tag as usize];
        let slots = self.inner.tags[store_tag as usize].ty.param_slots() as usize;
        let start = st.base + args as usize;
        if let Err(kind) = self.before_alloc(st, slots * 8) {
            return Err(self.trap_at(st, kind));
        }
        let payload = self.stack[start..start + slots].to_vec();
        let exn = self.inner.alloc_exception(store_tag, &payload);
        self.unwind(st, exn, Vec::new())
    }

    /// `throw_ref`: rethrows the exception in slot `exn`.
    #[inline(never)]
    pub(super) fn throw_ref(&mut self, st: &mut State, exn: R) -> Result<(), Error> {
        let raw = self.stack[st.base + exn as usize];
        if raw == 0 {
            return Err(self.trap_at(st, TrapKind::NullReference));
        }
        self.unwind(st, raw, Vec::new())
    }

    /// Handles an error from a call made at `st.pc - 1`: an exception is thrown here (and
    /// may be caught); anything else is returned.
    #[cold]
    pub(super) fn catch_error(&mut self, st: &mut State, error: Error) -> Result<(), Error> {
        match error.as_trap().and_then(|t| t.exception()) {
            Some(exn) if exn.store == self.inner.id => {
                let inner = error
                    .as_trap()
                    .map_or(Vec::new(), |t| t.backtrace().to_vec());
                self.unwind(st, exn.raw, inner)
            }
            Some(_) => {
                Err(Trap::host("a host function threw an exception of another store").into())
            }
            None => Err(error),
        }
    }

    /// Transfers control to the innermost handler of exception `exn` thrown by the
    /// instruction before `st.pc` (after passing the frames `inner` of a callee in another
    /// activation), popping frames that have none. With no handler at all, returns the
    /// exception as an error (kept alive while the trap exists) whose backtrace has every
    /// frame it passed, innermost first.
    fn unwind(
        &mut self,
        st: &mut State,
        exn: u64,
        inner: Vec<crate::runtime::FrameInfo>,
    ) -> Result<(), Error> {
        let mut passed = Vec::new();
        let Some((tag, payload)) = self.inner.exception_parts(exn) else {
            return Err(self.trap_at(st, TrapKind::NullReference));
        };
        loop {
            let pc = st.pc.saturating_sub(1) as u32;
            // SAFETY: the running function is kept alive by its module.
            let code = unsafe { &*st.code };
            let mut i = 0;
            while i < code.handlers.len() {
                let h = code.handlers[i];
                if h.start <= pc && pc < h.end {
                    let caught = match h.kind {
                        HandlerKind::Delegate { resume } => {
                            i = (resume as usize).max(i + 1);
                            continue;
                        }
                        HandlerKind::CatchAll => true,
                        HandlerKind::Catch { tag: t } => {
                            self.inner.instances[st.instance as usize].tags[t as usize] == tag
                        }
                    };
                    if caught {
                        let base = st.base;
                        if matches!(h.kind, HandlerKind::Catch { .. }) {
                            let at = base + h.dst as usize;
                            self.stack[at..at + payload.len()].copy_from_slice(&payload);
                        }
                        if h.exn_dst != NO_SLOT {
                            self.stack[base + h.exn_dst as usize] = exn;
                        }
                        st.pc = h.target as usize;
                        return Ok(());
                    }
                }
                i += 1;
            }
            passed.push((st.module, st.code, st.instance, pc as usize, st.base));
            if !self.pop_frame(st) {
                passed.reverse();
                let trap = self.inner.escaping_exception(exn).with_backtrace(inner);
                return Err(trap
                    .with_backtrace(super::backtrace(self.inner.id, &passed, None))
                    .into());
            }
        }
    }
}
