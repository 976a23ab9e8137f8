//! A `Call`'s link to its callee: the first call that takes the fast path writes, into the
//! `Call` itself, where the callee's first instruction is, so that later calls find it on
//! the line they read the `Call` from and can dispatch the callee without waiting for its
//! call entry (which they still read for the frame's sizes and template, off that path).
//!
//! The link is a distance in bytes from the `Call`'s op to the callee's first op, which
//! fits in the 4 bytes the instruction has left; 0 means not linked (a callee whose
//! instructions are further away than an `i32` reaches stays unlinked). Translations are
//! shared between threads, so the link is written and read atomically, through
//! [`CallSite`], never as part of a copied `Instr`.

use super::exec::Op;
use super::Instr;
use std::sync::atomic::{AtomicI32, Ordering};

/// The fields of an `Instr::Call` as the executor reads them: `Instr` is `repr(u16)`, so
/// each variant is laid out as a `repr(C)` struct that starts with the tag.
#[repr(C)]
pub(crate) struct CallSite {
    tag: u16,
    /// The callee's function index.
    pub func: u32,
    /// The slot of the arguments.
    pub args: u32,
    link: AtomicI32,
}

const _: () = assert!(std::mem::size_of::<CallSite>() == std::mem::size_of::<Instr>());

impl CallSite {
    /// The `Call` of `op`.
    ///
    /// # Safety
    ///
    /// `op` points at a live op whose instruction is an `Instr::Call`.
    #[inline(always)]
    pub unsafe fn of<'a>(op: *const Op) -> &'a CallSite {
        // SAFETY: the caller guarantees a `Call`, whose layout `CallSite` repeats.
        unsafe { &*(std::ptr::addr_of!((*op).instr) as *const CallSite) }
    }

    /// The callee's first op if the call at `op` (this site's op) is linked.
    #[inline(always)]
    pub fn target(&self, op: *const Op) -> Option<*const Op> {
        // Acquire: the callee's call entry was filled before the link was written.
        let link = self.link.load(Ordering::Acquire);
        (link != 0).then(|| op.wrapping_byte_offset(link as isize))
    }

    /// Links the call at `op` (this site's op) to the callee's first op `ops`, whose call
    /// entry is filled; leaves it unlinked if `ops` is out of reach.
    #[inline(always)]
    pub fn link(&self, op: *const Op, ops: *const Op) {
        let distance = (ops as isize).wrapping_sub(op as isize);
        if let Ok(link @ (i32::MIN..=-1 | 1..)) = i32::try_from(distance) {
            self.link.store(link, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_site_reads_the_fields_of_a_call() {
        let op = Op::new(Instr::Call {
            func: 0x1234_5678,
            args: 0x9abc_def0,
            link: -0x1357_9bdf,
        });
        // SAFETY: the op is a `Call`.
        let site = unsafe { CallSite::of(&op) };
        assert_eq!((site.func, site.args), (0x1234_5678, 0x9abc_def0));
        let at = &op as *const Op;
        assert_eq!(site.target(at), Some(at.wrapping_byte_offset(-0x1357_9bdf)));
    }

    #[test]
    fn link_sets_the_distance_or_nothing() {
        let mut ops = [0u32, 1, 2].map(|func| {
            Op::new(Instr::Call {
                func,
                args: 0,
                link: 0,
            })
        });
        let first = ops.as_mut_ptr() as *const Op;
        let at = first.wrapping_add(2);
        // SAFETY: every op is a `Call`.
        let site = unsafe { CallSite::of(at) };
        assert_eq!(site.target(at), None);
        site.link(at, at);
        assert_eq!(site.target(at), None, "a distance of 0 means unlinked");
        site.link(at, at.wrapping_byte_offset(1 << 40));
        assert_eq!(site.target(at), None, "too far to link");
        site.link(at, first);
        assert_eq!(site.target(at), Some(first));
        assert!(matches!(ops[2].instr, Instr::Call { link, .. } if link == -48));
    }

    /// Runs a function calling another twice under `strategy`; returns the links of its
    /// two `Call`s and the callee's first op.
    fn links_after_running(strategy: crate::Strategy) -> (Vec<Option<*const Op>>, *const Op) {
        use crate::{Config, Engine, Linker, Module, Store};
        let mut config = Config::new();
        config.strategy(strategy);
        let engine = Engine::new(&config);
        let wat = r#"(module
          (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func (export "run") (param i32) (result i32)
            (call $add (call $add (local.get 0) (i32.const 1)) (i32.const 2))))"#;
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        for x in 0..3 {
            assert_eq!(run.call(&mut store, x).unwrap(), x + 3);
        }
        let caller = module.inner.compiled(1).unwrap();
        let links = caller
            .ops
            .iter()
            .filter(|op| matches!(op.instr, Instr::Call { .. }))
            // SAFETY: the op is a `Call`.
            .map(|op| unsafe { CallSite::of(op) }.target(op))
            .collect();
        (links, module.inner.compiled(0).unwrap().ops.as_ptr())
    }

    #[test]
    fn calls_on_the_fast_path_link_to_their_callee() {
        let (links, add) = links_after_running(crate::Strategy::Interpreter);
        assert_eq!(links, vec![Some(add); 2]);
    }

    #[test]
    fn counted_calls_stay_unlinked() {
        let mut config = crate::Config::new();
        config.strategy(crate::Strategy::Tiered);
        if !config.tiered() {
            // Nothing counts calls where this build cannot compile.
            return;
        }
        let (links, _) = links_after_running(crate::Strategy::Tiered);
        assert_eq!(links, vec![None; 2]);
    }
}
