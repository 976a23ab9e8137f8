//! How instructions follow each other: every instruction kind has a handler function
//! (`exec/handlers/`), whose address is stored next to each instruction (an [`Op`]).
//!
//! Two ways to go from one handler to the next share the same handlers:
//!
//! - **threaded** (optimized builds): a handler ends by calling the next instruction's
//!   handler in tail position. With optimizations on, the compiler turns that call into a
//!   jump, so each handler ends in its own indirect jump (good for branch prediction) and
//!   the hot state (instruction pointer, frame, memory base, accumulator) stays in
//!   registers. Nothing in Rust guarantees the jump, so handlers are written to keep it
//!   possible: no local whose address escapes, nothing to drop, slow work in out-of-line
//!   functions that return plain values.
//! - **loop** (builds without optimizations, where the calls would nest and overflow the
//!   host stack): a handler stores the hot state in [`Cx::hot`] and returns; a loop calls
//!   the next handler.
//!
//! `build.rs` picks threaded code (`cfg(wedge_threaded)`) for opt-level 2 and 3.
//!
//! The **accumulator** is a value handed from each handler to the next in a register:
//! every handler of a numeric instruction that writes one slot also leaves that value in
//! the accumulator; handlers of other instructions pass it on unchanged.

use super::run::{Executor, State};
use crate::interp::code::{Instr, R};
use crate::runtime::TrapKind;
use crate::Error;

/// Points at the instruction being executed.
pub(crate) type Ip = *const Op;

/// An instruction as the executor runs it: its handler's address, then the instruction.
/// Dispatch is a load of the next op's handler and a jump.
#[derive(Clone, Copy)]
pub(crate) struct Op {
    pub handler: Handler,
    pub instr: Instr,
}

impl Op {
    /// The op running `instr`.
    pub fn new(instr: Instr) -> Op {
        // SAFETY: `Instr` is `repr(u16)`: every variant starts with its u16 tag, and the
        // handler table has an entry per tag.
        let tag = unsafe { *(&instr as *const Instr as *const u16) } as usize;
        Op {
            handler: HANDLERS[tag],
            instr,
        }
    }
}

/// Stores in each `Br` entry of a `br_table` in `ops` the handler of its target (see
/// [`Instr::BrEntry`]).
pub(crate) fn link_table_entries(ops: &mut [Op]) {
    // First make every entry a `BrEntry`, then fill in the handlers (an entry's target
    // may be another table's entry).
    let mut entries = Vec::new();
    for i in 0..ops.len() {
        let len = match ops[i].instr {
            Instr::BrTable { len, .. } | Instr::BrTableAcc { len } => len as usize,
            _ => continue,
        };
        for e in i + 1..=i + 1 + len {
            let Instr::Br { target } = ops[e].instr else {
                continue;
            };
            let Some(to) = e
                .checked_add_signed(target as isize)
                .filter(|&t| t < ops.len())
            else {
                continue;
            };
            entries.push((e, to));
            ops[e] = Op::new(Instr::BrEntry {
                target,
                handler_lo: 0,
                handler_hi: 0,
            });
        }
    }
    for (e, to) in entries {
        let handler = ops[to].handler as usize as u64;
        if let Instr::BrEntry {
            handler_lo,
            handler_hi,
            ..
        } = &mut ops[e].instr
        {
            *handler_lo = handler as u32;
            *handler_hi = (handler >> 32) as u32;
        }
    }
}

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.instr.fmt(f)
    }
}

/// What a handler returns to the loop (or, through the chain of tail calls, to
/// [`execute`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Exit {
    /// Go on with [`Cx::hot`] (loop dispatch only).
    #[cfg_attr(wedge_threaded, allow(dead_code))]
    Continue,
    /// The entry frame returned.
    Done,
    /// Execution stopped with the error in [`Cx::error`].
    Error,
}

/// A handler: runs the instruction at `ip` and everything after it (threaded) or just it
/// (loop). Arguments: the context, the instruction, the frame's slots, memory 0's base and
/// the accumulator.
///
/// Handlers are not generic: they are compiled (and optimized) once, in this crate,
/// whatever the embedder's build settings.
pub(crate) type Handler = for<'c, 's> fn(&'c mut Cx<'s>, Ip, *mut u64, *mut u8, u64) -> Exit;

/// Defines `HANDLERS`, the handlers in instruction tag order (for [`Op::new`]), from the
/// list of instructions in `code.rs` (in declaration order).
macro_rules! handler_table {
    ($($name:ident,)*) => {
        /// One handler per instruction kind, indexed by tag.
        pub(crate) static HANDLERS: [$crate::interp::exec::dispatch::Handler;
            [$(stringify!($name)),*].len()] =
            [$($crate::interp::exec::handlers::$name,)*];
    };
}
pub(crate) use handler_table;

/// The hot state of the loop dispatch between two handlers.
#[derive(Clone, Copy)]
#[cfg_attr(wedge_threaded, allow(dead_code))]
pub(crate) struct Hot {
    ip: Ip,
    regs: *mut u64,
    mem: *mut u8,
    acc: u64,
}

/// Everything a handler reaches through its first argument.
pub(crate) struct Cx<'s> {
    pub ex: Executor<'s>,
    /// The running frame (its `pc`, `regs` and `mem` are current only around slow calls;
    /// see [`Vm::sync_out`] and [`Vm::sync_in`]).
    pub st: State,
    /// Why execution stopped, with [`Exit::Error`].
    pub error: Option<Error>,
    /// Handed between handlers by the loop dispatch.
    #[cfg_attr(wedge_threaded, allow(dead_code))]
    hot: Hot,
}

impl<'s> Cx<'s> {
    /// A context to run `st` on `ex`.
    pub fn new(ex: Executor<'s>, st: State) -> Self {
        Cx {
            ex,
            st,
            error: None,
            hot: Hot {
                ip: std::ptr::null(),
                regs: std::ptr::null_mut(),
                mem: std::ptr::null_mut(),
                acc: 0,
            },
        }
    }

    /// Stops execution with `error`.
    #[cold]
    pub fn fail(&mut self, error: Error) -> Exit {
        self.error = Some(error);
        Exit::Error
    }
}

use crate::interp::code::HANDLERS;

/// Runs the frame in `cx.st` from `cx.st.pc` until the entry frame returns.
pub(super) fn execute(cx: &mut Cx<'_>) -> Result<(), Error> {
    // SAFETY: `pc` is an instruction index of the running function.
    let ip = cx.st.ip();
    let (regs, mem) = (cx.st.regs, cx.st.mem);
    match run(cx, ip, regs, mem) {
        Exit::Done => Ok(()),
        _ => Err(cx
            .error
            .take()
            .expect("execution stopped with an error set")),
    }
}

#[cfg(wedge_threaded)]
fn run(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8) -> Exit {
    // SAFETY: `ip` points at an op of the running function.
    let h = unsafe { (*ip).handler };
    h(cx, ip, regs, mem, 0)
}

#[cfg(not(wedge_threaded))]
fn run(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8) -> Exit {
    let mut hot = Hot {
        ip,
        regs,
        mem,
        acc: 0,
    };
    loop {
        // SAFETY: `hot.ip` points at an op of the running function.
        let h = unsafe { (*hot.ip).handler };
        match h(cx, hot.ip, hot.regs, hot.mem, hot.acc) {
            Exit::Continue => hot = cx.hot,
            exit => return exit,
        }
    }
}

/// A handler's view of the machine: the context plus the hot state, with the operations
/// handlers are written in. Everything here is inlined into the handlers.
pub(crate) struct Vm<'c, 's> {
    pub cx: &'c mut Cx<'s>,
    /// The instruction being executed.
    pub ip: Ip,
    regs: *mut u64,
    /// Base of memory 0 (dangling when there is none; its length is `cx.st.mem_len`).
    pub mem: *mut u8,
    /// The accumulator.
    pub acc: u64,
}

// SAFETY (for the slot accessors): the translator only emits slot indices below the
// function's `frame_slots`, and `Executor::enter` checked that the frame fits in the stack.
impl<'c, 's> Vm<'c, 's> {
    /// The machine as a handler receives it.
    #[inline(always)]
    pub fn new(cx: &'c mut Cx<'s>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Self {
        Vm {
            cx,
            ip,
            regs,
            mem,
            acc,
        }
    }

    /// The instruction being executed.
    #[inline(always)]
    pub fn instr(&self) -> Instr {
        // SAFETY: `ip` points at an op of the running function.
        unsafe { (*self.ip).instr }
    }

    /// The operands of the `Extra` word after the instruction.
    #[inline(always)]
    pub fn extra(&self) -> (u32, u32, u32) {
        // SAFETY: the translator always emits the `Extra` word right after its owner.
        match unsafe { (*self.ip.add(1)).instr } {
            Instr::Extra { a, b, c } => (a, b, c),
            // SAFETY: as above.
            _ => unsafe { std::hint::unreachable_unchecked() },
        }
    }

    /// Slot `i` of the frame.
    #[inline(always)]
    pub fn r(&self, i: R) -> u64 {
        // SAFETY: see the impl.
        unsafe { *self.regs.add(i as usize) }
    }

    /// Writes slot `i`.
    #[inline(always)]
    pub fn w(&mut self, i: R, v: u64) {
        // SAFETY: see the impl.
        unsafe { *self.regs.add(i as usize) = v }
    }

    /// Writes the result `v` of a numeric instruction to slot `i` and the accumulator.
    #[inline(always)]
    pub fn put(&mut self, i: R, v: u64) {
        self.w(i, v);
        self.acc = v;
    }

    /// The v128 in slots `i` and `i + 1`.
    #[inline(always)]
    pub fn r128(&self, i: R) -> u128 {
        self.r(i) as u128 | (self.r(i + 1) as u128) << 64
    }

    /// Writes a v128 to slots `i` and `i + 1`.
    #[inline(always)]
    pub fn w128(&mut self, i: R, v: u128) {
        self.w(i, v as u64);
        self.w(i + 1, (v >> 64) as u64);
    }

    /// The index of the instruction being executed.
    #[inline(always)]
    pub fn pc(&self) -> usize {
        // SAFETY: `ip` points into the running function's instructions.
        unsafe { self.ip.offset_from(self.cx.st.instrs()) as usize }
    }

    /// Publishes the position for a slow path: `st.pc` becomes the index `after`
    /// instructions past this one (1 for an instruction without `Extra` words), which is
    /// what traps, calls and safepoints expect.
    #[inline(always)]
    pub fn sync_out(&mut self, after: usize) {
        self.cx.st.pc = self.pc() + after;
    }

    /// Takes the hot state back from `st` after a slow path that may have changed the
    /// frame, the stack or memory.
    #[inline(always)]
    pub fn sync_in(&mut self) {
        let st = &self.cx.st;
        self.ip = st.ip();
        self.regs = st.regs;
        self.mem = st.mem;
    }

    /// Continues `n` instructions further.
    #[inline(always)]
    pub fn skip(mut self, n: usize) -> Exit {
        // SAFETY: every function ends in a control transfer, so the next instruction exists.
        self.ip = unsafe { self.ip.add(n) };
        self.dispatch()
    }

    /// Continues with the next instruction.
    #[inline(always)]
    pub fn next(self) -> Exit {
        self.skip(1)
    }

    /// Continues `by` instructions away (a branch's relative target).
    #[inline(always)]
    pub fn jump(mut self, by: i32) -> Exit {
        // SAFETY: branch targets are instructions of the same function.
        self.ip = opaque(unsafe { self.ip.offset(by as isize) });
        self.dispatch()
    }

    /// Continues `by` instructions away, whose handler is `handler` (so it need not be
    /// loaded from the op first).
    #[inline(always)]
    pub fn jump_to(mut self, by: i32, handler: Handler) -> Exit {
        // SAFETY: branch targets are instructions of the same function.
        self.ip = opaque(unsafe { self.ip.offset(by as isize) });
        #[cfg(wedge_threaded)]
        return handler(self.cx, self.ip, self.regs, self.mem, self.acc);
        #[cfg(not(wedge_threaded))]
        {
            let _ = handler;
            self.dispatch()
        }
    }

    /// Continues with the next instruction if `taken` is false, `by` instructions away
    /// otherwise (a conditional branch).
    #[inline(always)]
    pub fn branch(self, taken: bool, by: i32) -> Exit {
        if taken {
            self.jump(by)
        } else {
            self.next()
        }
    }

    /// Continues at `ip` with the frame `regs` (after a call or return that switched frames
    /// within the running instance). Memory 0 is reloaded from `st` and the accumulator
    /// cleared (no instruction reads it after a call or return), so the handler need not
    /// keep them in registers.
    #[inline(always)]
    pub fn switch(mut self, ip: Ip, regs: *mut u64) -> Exit {
        self.ip = ip;
        self.regs = regs;
        self.mem = self.cx.st.mem;
        self.acc = 0;
        self.dispatch()
    }

    /// Continues at `st.pc` after a slow path (see [`Vm::sync_in`]).
    #[inline(always)]
    pub fn resume(mut self) -> Exit {
        self.sync_in();
        self.dispatch()
    }

    /// Continues at `ip`.
    #[cfg(wedge_threaded)]
    #[inline(always)]
    pub fn dispatch(self) -> Exit {
        // SAFETY: `ip` points at an op of the running function.
        let h = unsafe { (*self.ip).handler };
        h(self.cx, self.ip, self.regs, self.mem, self.acc)
    }

    /// Continues at `ip`.
    #[cfg(not(wedge_threaded))]
    #[inline(always)]
    pub fn dispatch(self) -> Exit {
        self.cx.hot = Hot {
            ip: self.ip,
            regs: self.regs,
            mem: self.mem,
            acc: self.acc,
        };
        Exit::Continue
    }

    /// Hands the instruction over to `f`, another handler of the same state (for slow
    /// paths that should not cost the fast path a stack frame).
    #[inline(always)]
    pub fn call(self, f: Handler) -> Exit {
        f(self.cx, self.ip, self.regs, self.mem, self.acc)
    }

    /// Traps with `kind` at this instruction.
    #[inline(always)]
    pub fn trap(self, kind: TrapKind) -> Exit {
        raise(self.cx, self.ip, kind)
    }

    /// Stops with the error a slow path left in the context, or resumes at `st.pc`.
    #[inline(always)]
    pub fn resume_if(self, ok: bool) -> Exit {
        if ok {
            self.resume()
        } else {
            Exit::Error
        }
    }
}

/// `ip`, hidden from the optimizer.
///
/// A conditional branch must stay a branch: if the optimizer merged its two ways into a
/// conditional move of the next instruction's address, the whole next instruction would
/// wait for the comparison instead of running ahead on the branch predictor's guess. An
/// (empty) assembly block on the taken way cannot be executed speculatively, so the two
/// ways are not merged.
#[inline(always)]
fn opaque(ip: Ip) -> Ip {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    {
        let mut addr = ip.addr();
        // SAFETY: the assembly is a comment: it reads and writes nothing.
        unsafe {
            std::arch::asm!("/* {0} */", inout(reg) addr, options(nomem, nostack, preserves_flags))
        };
        ip.with_addr(addr)
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        ip
    }
}

/// Traps with `kind` at the instruction at `ip`.
#[cold]
#[inline(never)]
fn raise(cx: &mut Cx<'_>, ip: Ip, kind: TrapKind) -> Exit {
    // SAFETY: `ip` points into the running function's instructions.
    cx.st.pc = unsafe { ip.offset_from(cx.st.instrs()) as usize } + 1;
    let error = cx.ex.trap_at(&cx.st, kind);
    cx.fail(error)
}

/// Defines the handler `$name` of instruction variant `$name`: `$vm` is the [`Vm`] and
/// `$pat` binds the operands; the body evaluates to the [`Exit`].
macro_rules! handler {
    ($(#[$m:meta])* $name:ident($vm:ident) $pat:pat => $body:expr) => {
        $(#[$m])*
        #[allow(non_snake_case)]
        pub(crate) fn $name(
            cx: &mut $crate::interp::exec::dispatch::Cx<'_>,
            ip: $crate::interp::exec::dispatch::Ip,
            regs: *mut u64,
            mem: *mut u8,
            acc: u64,
        ) -> $crate::interp::exec::dispatch::Exit {
            #[allow(unused_mut)]
            let mut $vm = $crate::interp::exec::dispatch::Vm::new(cx, ip, regs, mem, acc);
            #[allow(unused_variables)]
            let $pat = $vm.instr() else {
                // SAFETY: the table maps each tag to the handler of its own variant.
                unsafe { std::hint::unreachable_unchecked() }
            };
            $body
        }
    };
}
pub(crate) use handler;
