//! The executor's state and frames: entering and leaving functions, calls through the
//! store, traps with backtraces. Instructions run in `dispatch.rs` and `handlers/`.

use super::dispatch::{self, Cx, Ip};
use super::{backtrace, Frame};
use crate::interp::call_entry::{CallTarget, HEAD_CHUNKS};
use crate::interp::{CallEntry, CompiledFunc, INIT_CHUNK};
use crate::module::ModuleInner;
use crate::runtime::{io_slots, Caller, FuncKind, Store, StoreInner, Trap, TrapKind};
use crate::Error;
use std::time::Instant;

const _: () = assert!(usize::BITS == 64, "the interpreter assumes a 64-bit host");

/// The running frame.
pub(crate) struct State {
    /// The running function.
    pub code: *const CompiledFunc,
    /// The running module (set with [`State::set_module`]).
    pub module: *const ModuleInner,
    /// The running module's call entries by function index (its `call_entries`).
    pub funcs: *const CallEntry,
    pub instance: u32,
    /// Stack slot where the frame starts.
    pub base: usize,
    /// Index of the instruction to resume at (kept current only around slow paths).
    pub pc: usize,
    pub regs: *mut u64,
    pub mem: *mut u8,
    pub mem_len: usize,
    /// The elements of the running instance's table 0 (dangling when there is none) and
    /// their number, cached like memory 0 (see [`Executor::refresh_memory`]).
    pub table0: *const u64,
    pub table0_len: usize,
    /// The running instance's globals as store indices, the store's globals (each a
    /// pointer to its entity) and where an entity holds its value, cached like memory 0.
    pub globals: *const u32,
    pub global_entities: *const *mut u8,
    pub global_value_at: usize,
}

/// A `call_indirect` target resolved once: the table element `raw` (a function
/// reference) names a translated function of the store, with type `type_id`, defined in
/// `instance`, and `target` is what a call reads of its translation (so that a call finds
/// it all here, without reading the translation first). Store functions never change, so
/// entries stay true; the cache is direct-mapped on `raw`, and `raw == 0` (null) marks an
/// empty entry (whose null `target` a table element not initialized yet may match).
#[derive(Clone, Copy)]
pub(crate) struct Callee {
    pub raw: u64,
    pub type_id: u32,
    pub instance: u32,
    /// The target; its `ops` is null for a function whose calls are counted (tiered),
    /// which a call enters through `target.code`, and in an empty entry (whose `code` is
    /// null too, which sends a call to the slow path).
    pub target: CallTarget,
}

/// Entries of the executor's cache of `call_indirect` targets.
pub(super) const CALLEES: usize = 64;

impl State {
    /// Makes `module` the running module.
    #[inline(always)]
    pub fn set_module(&mut self, module: *const ModuleInner) {
        self.module = module;
        // SAFETY: the module is kept alive by its instance in the store.
        self.funcs = unsafe { (*module).call_entries.as_ptr() };
    }

    /// The running function's instructions.
    #[inline(always)]
    pub fn instrs(&self) -> Ip {
        // SAFETY: the running function is kept alive by its module.
        unsafe { (*self.code).ops.as_ptr() }
    }

    /// The instruction at `pc`.
    pub fn ip(&self) -> Ip {
        // SAFETY: `pc` is an instruction index of the running function.
        unsafe { self.instrs().add(self.pc) }
    }
}

/// Calls store function `func` (a host function, or a wasm function of a compiled
/// instance) of the `Store<T>` behind `store` from `instance` with `io`; returns its result
/// and the store's `inner` part, re-derived after the call.
type OutsideCall =
    unsafe fn(store: *mut (), func: u32, instance: u32, io: &mut [u64]) -> OutsideCallResult;

/// What [`OutsideCall`] returns.
type OutsideCallResult = (Result<(), Error>, *mut StoreInner);

/// The [`OutsideCall`] of stores of `T`.
///
/// # Safety
///
/// `store` must be the `Store<T>` the executor was made for, with no reference to it (or
/// into it) used while the call runs.
unsafe fn outside_call<T>(
    store: *mut (),
    func: u32,
    instance: u32,
    io: &mut [u64],
) -> OutsideCallResult {
    // SAFETY: the caller passes the executor's exclusively borrowed store.
    let store = unsafe { &mut *(store as *mut Store<T>) };
    let result = match store.inner.func(func).kind {
        FuncKind::Host { host } => {
            let f = store.host_funcs[host as usize].clone();
            let caller = Caller {
                store: &mut *store,
                instance: Some(instance),
            };
            f(caller, io).map_err(Error::from)
        }
        FuncKind::Wasm { .. } => crate::runtime::invoke(&mut *store, func, io),
    };
    (result, &mut store.inner)
}

/// Continues a call of defined function `def` of `instance` of the `Store<T>` behind `store`
/// in its OSR entry `entry` (see [`crate::tier::invoke_osr`]); returns the result and the
/// store's `inner` part, re-derived after the call.
type OsrCall = unsafe fn(
    store: *mut (),
    instance: u32,
    def: u32,
    entry: usize,
    locals: &mut [u64],
    io: &mut [u64],
) -> OutsideCallResult;

/// The [`OsrCall`] of stores of `T`.
///
/// # Safety
///
/// As [`outside_call`].
unsafe fn osr_call<T>(
    store: *mut (),
    instance: u32,
    def: u32,
    entry: usize,
    locals: &mut [u64],
    io: &mut [u64],
) -> OutsideCallResult {
    // SAFETY: the caller passes the executor's exclusively borrowed store.
    let store = unsafe { &mut *(store as *mut Store<T>) };
    let result = crate::tier::invoke_osr(store, instance, def, entry, locals, io);
    (result, &mut store.inner)
}

/// Runs wasm functions of one `invoke` call on its own value stack.
///
/// The executor does not depend on the store's data type: all it needs of the `Store<T>`
/// is its `inner` part, except to call host functions and compiled code, which goes through `outside_call`.
/// Being compiled once in this crate keeps the handlers' tail calls optimized whatever
/// the embedder's build settings (see `dispatch.rs`).
pub(crate) struct Executor<'s> {
    /// The store (without its data and host functions).
    pub inner: &'s mut StoreInner,
    /// The whole `Store<T>`, type-erased, for calls to host functions and compiled code.
    store: *mut (),
    outside_call: OutsideCall,
    osr_call: OsrCall,
    pub stack: Vec<u64>,
    pub frames: Vec<Frame>,
    /// The call (function, frame base, depth) and loop whose countdown last ran out at a
    /// loop head (see `tier_count_slow`).
    pub osr_candidate: Option<(usize, usize, usize, u32)>,
    /// Recently called `call_indirect` targets (empty until the first one).
    pub callees: Vec<Callee>,
    max_depth: usize,
    max_slots: usize,
    /// The store's interrupt flag.
    pub(super) interrupt: crate::InterruptHandle,
    /// Whether to add the time spent in host functions to the store's total.
    host_time: bool,
}

impl<'s> Executor<'s> {
    /// An executor on `store` with the value stack `stack`.
    pub fn new<T>(store: &'s mut Store<T>, stack: Vec<u64>) -> Self {
        let config = store.inner.engine.config();
        let (max_depth, max_slots) = (config.max_call_depth, config.max_stack_slots);
        let host_time = config.host_time;
        let interrupt = store.inner.interrupt.clone();
        let store: *mut Store<T> = store;
        // SAFETY: `store` is exclusively borrowed for `'s`; `inner` is derived from the same
        // pointer as the one host calls use, and re-derived after each of them.
        let inner = unsafe { &mut (*store).inner };
        Executor {
            inner,
            store: store.cast(),
            outside_call: outside_call::<T>,
            osr_call: osr_call::<T>,
            stack,
            frames: Vec::new(),
            osr_candidate: None,
            callees: Vec::new(),
            max_depth,
            max_slots,
            interrupt,
            host_time,
        }
    }

    /// Runs defined function `index` of `instance` with its parameters at slot 0.
    pub fn run(mut self, instance: u32, index: u32) -> Result<Vec<u64>, Error> {
        let module: *const ModuleInner = &*self.inner.instances[instance as usize].module.inner;
        // SAFETY: the instance (and so its module) lives as long as the store.
        let code = unsafe { (*module).compiled(index)? };
        if code.call_cost != 0 && crate::tier::count_call(&code.countdown, code.call_cost) {
            // Hot: it is queued for the compiler (compiled code would have been called
            // instead of entering the interpreter).
            self.hot_has_native(instance, &code);
        }
        let mut st = State {
            code: std::sync::Arc::as_ptr(&code),
            module,
            // SAFETY: as above.
            funcs: unsafe { (*module).call_entries.as_ptr() },
            instance,
            base: 0,
            pc: 0,
            regs: std::ptr::null_mut(),
            mem: std::ptr::null_mut(),
            mem_len: 0,
            table0: std::ptr::null(),
            table0_len: 0,
            globals: std::ptr::null(),
            global_entities: std::ptr::null(),
            global_value_at: 0,
        };
        self.enter(&mut st, 0)?;
        self.refresh_memory(&mut st);
        let mut cx = Cx::new(self, st);
        dispatch::execute(&mut cx)?;
        Ok(cx.ex.stack)
    }

    /// The module of store instance `instance`.
    pub(super) fn module_of(&self, instance: u32) -> *const ModuleInner {
        &*self.inner.instances[instance as usize].module.inner
    }

    /// Points the memory cache at the current instance's memory 0, the table cache at its
    /// table 0 and the globals cache at its globals. Called whenever they may have moved or
    /// changed size: on a switch of instance, after host calls and after `memory.grow` and
    /// `table.grow`.
    pub(super) fn refresh_memory(&mut self, st: &mut State) {
        let inner = &mut self.inner;
        let instance = &inner.instances[st.instance as usize];
        match instance.memories.first() {
            Some(&m) => {
                let memory = &inner.memories[m as usize];
                st.mem = memory.base();
                st.mem_len = memory.len();
            }
            None => {
                st.mem = std::ptr::NonNull::dangling().as_ptr();
                st.mem_len = 0;
            }
        }
        st.globals = instance.globals.as_ptr();
        st.global_value_at = match inner.globals.first() {
            // SAFETY: both pointers are into the same entity.
            Some(g) => unsafe {
                std::ptr::from_ref(&g.value)
                    .cast::<u8>()
                    .offset_from(std::ptr::from_ref(&**g).cast::<u8>()) as usize
            },
            None => 0,
        };
        // Entities are boxed: each is a (thin) pointer.
        st.global_entities = inner.globals.as_mut_ptr().cast::<*mut u8>();
        let instance = &inner.instances[st.instance as usize];
        match instance.tables.first() {
            Some(&t) => {
                let elems = &inner.tables[t as usize].elems;
                st.table0 = elems.as_ptr();
                st.table0_len = elems.len();
            }
            None => {
                st.table0 = std::ptr::NonNull::dangling().as_ptr();
                st.table0_len = 0;
            }
        }
    }

    /// Whether the table 0 cache in `st` matches the running instance's table 0.
    pub(super) fn table0_is_current(&self, st: &State) -> bool {
        match self.inner.instances[st.instance as usize].tables.first() {
            Some(&t) => {
                let elems = &self.inner.tables[t as usize].elems;
                (st.table0, st.table0_len) == (elems.as_ptr(), elems.len())
            }
            None => st.table0_len == 0,
        }
    }

    /// The current length of the running instance's memory 0, refreshing the cache (a
    /// shared memory may have been grown by another thread).
    #[cold]
    #[inline(never)]
    pub(super) fn memory0_len(&self, st: &mut State) -> usize {
        st.mem_len = self.memory0_len_of(st.instance);
        st.mem_len
    }

    /// The current length of memory 0 of `instance` (0 if it has none).
    pub(super) fn memory0_len_of(&self, instance: u32) -> usize {
        let inner = &self.inner;
        match inner.instances[instance as usize].memories.first() {
            Some(&m) => inner.memories[m as usize].len(),
            None => 0,
        }
    }

    /// Sets up the frame of `st.code` at `new_base`: checks limits and initializes its slots.
    #[inline(always)]
    pub(super) fn enter(&mut self, st: &mut State, new_base: usize) -> Result<(), Error> {
        // SAFETY: `st.code` points into a module kept alive by the store.
        let code = unsafe { &*st.code };
        let end = new_base + code.frame_slots as usize;
        if end > self.stack.len() {
            if end > self.max_slots {
                return Err(self.trap_at(st, TrapKind::StackExhausted));
            }
            let len = (self.stack.len() * 2).clamp(end, self.max_slots.max(end));
            self.stack.resize(len, 0);
        }
        self.init_frame(st, code, new_base);
        st.pc = 0;
        Ok(())
    }

    /// Initializes the slots of a frame of `code` at `new_base` (which must fit in the
    /// stack) after its parameters, and points `st` at it (all but `pc`).
    #[inline(always)]
    fn init_frame(&mut self, st: &mut State, code: &CompiledFunc, new_base: usize) {
        let init = new_base + code.init_at as usize;
        // SAFETY: `init + code.init.len() <= new_base + frame_slots <= stack.len()`: the
        // frame holds the parameters and the locals written before read, followed by the
        // template, whose length is a multiple of the chunk.
        unsafe { self.copy_template(init, code.init.as_ptr(), code.init.len() / INIT_CHUNK) };
        st.base = new_base;
        // SAFETY: `new_base` is within the stack (see above).
        st.regs = unsafe { self.stack.as_mut_ptr().add(new_base) };
    }

    /// Copies a frame template of `chunks` chunks from `src` to stack slot `at`.
    ///
    /// # Safety
    ///
    /// `src` holds `chunks * INIT_CHUNK` slots, and so does the stack from `at`.
    #[inline(always)]
    unsafe fn copy_template(&mut self, at: usize, src: *const u64, chunks: usize) {
        // SAFETY: the caller guarantees both ranges.
        unsafe {
            if chunks == HEAD_CHUNKS {
                // The usual length (see `call_entry.rs`), unrolled.
                let dst = self.stack.as_mut_ptr().add(at) as *mut [u64; HEAD_CHUNKS * INIT_CHUNK];
                let src = src as *const [u64; HEAD_CHUNKS * INIT_CHUNK];
                dst.write_unaligned(src.read_unaligned());
                return;
            }
            let mut dst = self.stack.as_mut_ptr().add(at) as *mut [u64; INIT_CHUNK];
            let mut src = src as *const [u64; INIT_CHUNK];
            let end = src.add(chunks);
            while src < end {
                dst.write_unaligned(src.read_unaligned());
                src = src.add(1);
                dst = dst.add(1);
            }
        }
    }

    /// The fast path of a call within the running instance: like [`Self::push_call`] for
    /// the defined function `callee`, with arguments at slot `args`, returning to `ret`,
    /// when nothing calls for the slow path (growing the frame stack or the value stack, or
    /// the depth limit). Returns the callee's frame (`st.regs`), or null, having changed
    /// nothing.
    #[inline(always)]
    pub(super) fn try_push_call(
        &mut self,
        st: &mut State,
        callee: CallTarget,
        args: usize,
        ret: Ip,
    ) -> *mut u64 {
        let depth = self.frames.len();
        let new_base = st.base + args;
        let end = new_base + callee.frame_slots as usize;
        if depth + 1 >= self.max_depth || depth == self.frames.capacity() || end > self.stack.len()
        {
            return std::ptr::null_mut();
        }
        let caller = Frame {
            func: st.code,
            ret,
            base: st.base,
            instance: st.instance,
        };
        // SAFETY: `depth` is below the capacity (checked above), so this only appends.
        unsafe {
            self.frames.as_mut_ptr().add(depth).write(caller);
            self.frames.set_len(depth + 1);
        }
        st.code = callee.code;
        // SAFETY: the frame fits in the stack (checked above) and holds the parameters and
        // the locals written before read, followed by the template.
        unsafe {
            self.copy_template(
                new_base + callee.init_at as usize,
                callee.init,
                callee.init_chunks as usize,
            )
        };
        st.base = new_base;
        // SAFETY: `new_base` is within the stack (see above).
        st.regs = unsafe { self.stack.as_mut_ptr().add(new_base) };
        st.regs
    }

    /// The fast path of a return to a caller of the running instance: pops its frame into
    /// `st` (all but `pc`) and returns the instruction to resume at; null, having changed
    /// nothing, if the entry frame returned or the caller belongs to another instance.
    #[inline(always)]
    pub(super) fn try_pop_frame(&mut self, st: &mut State) -> Ip {
        let Some(f) = self.frames.last() else {
            return std::ptr::null();
        };
        if f.instance != st.instance {
            return std::ptr::null();
        }
        let f = *f;
        // SAFETY: the vector is not empty (checked above).
        unsafe { self.frames.set_len(self.frames.len() - 1) };
        st.code = f.func;
        st.base = f.base;
        // SAFETY: the caller's frame is below the callee's, inside the stack.
        st.regs = unsafe { self.stack.as_mut_ptr().add(f.base) };
        f.ret
    }

    /// Builds a trap error with the backtrace of all active frames.
    ///
    /// With metering, a trap in the middle of a segment gives back what the segment charged
    /// for the operators after the trapping one (`st.pc` is just past the trapping
    /// instruction). Running out of gas charged nothing, and a call stack overflow happens at
    /// a call, which ends its segment.
    #[cold]
    pub(super) fn trap_at(&mut self, st: &State, kind: TrapKind) -> Error {
        if !matches!(kind, TrapKind::GasExhausted | TrapKind::StackExhausted) {
            // SAFETY: `st.code` is the running function, kept alive by its module.
            let refunds = unsafe { &(*st.code).refunds };
            if let Some(&(gas, count)) = st.pc.checked_sub(1).and_then(|pc| refunds.get(pc)) {
                self.inner.meter.refund(gas, count as u64);
            }
        }
        self.with_backtrace(st, Trap::new(kind)).into()
    }

    #[cold]
    pub(super) fn with_backtrace(&self, st: &State, trap: Trap) -> Trap {
        let at = st.pc.saturating_sub(1);
        trap.with_backtrace(frames_at(
            self.inner,
            &self.frames,
            st,
            at,
            Some(&self.stack),
        ))
    }

    /// Appends the frames of the interpreter activations suspended in calls out of them
    /// (innermost first), for a profiler sample.
    pub(crate) fn suspended_frames(inner: &StoreInner, out: &mut Vec<crate::FrameInfo>) {
        for &(ex, st) in inner.suspended_interp.iter().rev() {
            // SAFETY: each entry is pushed by an executor right before it calls out and
            // popped right after, so its frame list and state are alive and unchanged; only
            // those two are read (the executor's store borrow is not used).
            let (frames, st) = unsafe {
                (
                    &(*(ex as *const Executor<'_>)).frames,
                    &*(st as *const State),
                )
            };
            out.extend(frames_at(inner, frames, st, st.pc.saturating_sub(1), None));
        }
    }

    /// The active frames, innermost first, the running one at instruction `at`.
    pub(super) fn frames_at(&self, st: &State, at: usize) -> Vec<crate::FrameInfo> {
        frames_at(self.inner, &self.frames, st, at, None)
    }

    /// Saves the current frame and switches to the defined function translated as `code`,
    /// of `instance` (of `module`).
    #[inline(always)]
    pub(super) fn push_call(
        &mut self,
        st: &mut State,
        code: *const CompiledFunc,
        module: *const ModuleInner,
        instance: u32,
        args: usize,
    ) -> Result<(), Error> {
        if self.frames.len() + 1 >= self.max_depth {
            return Err(self.trap_at(st, TrapKind::StackExhausted));
        }
        self.frames.push(Frame {
            func: st.code,
            ret: st.ip(),
            base: st.base,
            instance: st.instance,
        });
        st.code = code;
        st.set_module(module);
        let switch = st.instance != instance;
        st.instance = instance;
        let r = self.enter(st, st.base + args);
        if r.is_err() {
            self.frames.pop();
        }
        r?;
        if switch {
            self.refresh_memory(st);
        }
        Ok(())
    }

    /// Calls a function by store index (another instance's wasm function or a host function).
    #[inline(never)]
    pub(super) fn call_store_func(
        &mut self,
        st: &mut State,
        func: u32,
        args: usize,
    ) -> Result<(), Error> {
        let kind = self.inner.func(func).kind;
        let interpreted = match kind {
            FuncKind::Wasm { instance, index }
                if self.inner.instances[instance as usize].native.is_none() =>
            {
                let module: *const ModuleInner =
                    &*self.inner.instances[instance as usize].module.inner;
                // SAFETY: the instance keeps its module alive for the store's lifetime, and
                // a translated function stays in its module's code table.
                let m = unsafe { &*module };
                let def = (index - m.num_imported_funcs) as usize;
                let code = match m.code[def].get() {
                    Some(Ok(code)) => std::sync::Arc::as_ptr(code),
                    _ => std::sync::Arc::as_ptr(&m.compiled(index)?),
                };
                // SAFETY: as above.
                let c = unsafe { &*code };
                let counted =
                    c.call_cost != 0 && crate::tier::count_call(&c.countdown, c.call_cost);
                (!(counted && self.hot_has_native(instance, c))).then_some((code, module, instance))
            }
            _ => None,
        };
        match interpreted {
            Some((code, module, instance)) => self.push_call(st, code, module, instance, args),
            _ => {
                // A host function or compiled code: called on its own, on raw slots.
                let slots = io_slots(self.inner.func(func).ty());
                let at = st.base + args;
                if at + slots > self.stack.len() {
                    let len = at + slots;
                    if len > self.max_slots {
                        return Err(self.trap_at(st, TrapKind::StackExhausted));
                    }
                    self.stack.resize(len, 0);
                }
                let suspended = self.suspend_roots(st);
                let started = self.host_time.then(Instant::now);
                let profiling = self.inner.profiler.is_some();
                let depth = self.inner.suspended_interp.len();
                let unwinding = profiling.then(|| {
                    let me = self as *const Self as usize;
                    let state = st as *const State as usize;
                    self.inner.suspended_interp.push((me, state));
                    ForgetSuspended(&mut self.inner.suspended_interp, depth)
                });
                let io = &mut self.stack[at..at + slots];
                // SAFETY: `store` is the executor's store; `inner` is not used during the
                // call and is replaced by the pointer derived after it.
                let (result, inner) =
                    unsafe { (self.outside_call)(self.store, func, st.instance, io) };
                // SAFETY: as above; the store stays borrowed for `'s`.
                self.inner = unsafe { &mut *inner };
                if let Some(guard) = unwinding {
                    std::mem::forget(guard);
                    self.inner.suspended_interp.truncate(depth);
                }
                self.resume_roots(suspended);
                if let Some(started) = started.filter(|_| matches!(kind, FuncKind::Host { .. })) {
                    self.inner.host_time += started.elapsed();
                }
                // SAFETY: the stack may have been resized above; re-derive the frame pointer.
                st.regs = unsafe { self.stack.as_mut_ptr().add(st.base) };
                self.refresh_memory(st);
                result.map_err(|e| match e {
                    Error::Trap(t) => self.with_backtrace(st, t).into(),
                    other => other,
                })
            }
        }
    }

    /// Continues a call of defined function `def` of `instance` in its OSR entry `entry`,
    /// with its locals' values in `locals` and room for its results in `io`, after its
    /// frame was popped (`st` is its caller's, or still its own if it was the entry frame:
    /// `popped` false, and then no frame of this executor is live).
    pub(super) fn call_osr(
        &mut self,
        st: &mut State,
        popped: bool,
        (instance, def, entry): (u32, u32, usize),
        locals: &mut [u64],
        io: &mut [u64],
    ) -> Result<(), Error> {
        let suspended = if popped { self.suspend_roots(st) } else { 0 };
        // SAFETY: `store` is the executor's store; `inner` is not used during the call and
        // is replaced by the pointer derived after it.
        let (result, inner) =
            unsafe { (self.osr_call)(self.store, instance, def, entry, locals, io) };
        // SAFETY: as above; the store stays borrowed for `'s`.
        self.inner = unsafe { &mut *inner };
        self.resume_roots(suspended);
        self.refresh_memory(st);
        result
    }

    /// For a function of `instance` (translated as `code`) whose tier-up countdown ran out:
    /// whether it has compiled code to call instead (else it was queued for the compiler).
    #[cold]
    #[inline(never)]
    pub(super) fn hot_has_native(&self, instance: u32, code: &CompiledFunc) -> bool {
        if code.call_cost == 0 || code.countdown.load(std::sync::atomic::Ordering::Relaxed) > 0 {
            return false;
        }
        let inst = &self.inner.instances[instance as usize];
        crate::tier::ran_out(&inst.module.inner, inst.tier, code)
    }

    /// Pops the caller frame after a return; returns false when the entry frame returned.
    #[inline(always)]
    pub(super) fn pop_frame(&mut self, st: &mut State) -> bool {
        let Some(f) = self.frames.pop() else {
            return false;
        };
        let switch = f.instance != st.instance;
        st.code = f.func;
        if switch {
            st.set_module(self.module_of(f.instance));
        }
        st.instance = f.instance;
        st.pc = f.pc();
        st.base = f.base;
        // SAFETY: the caller's frame is below the callee's, inside the stack.
        st.regs = unsafe { self.stack.as_mut_ptr().add(f.base) };
        // Within one instance the cache is current: `memory.grow` and host calls refresh it.
        if switch {
            self.refresh_memory(st);
        }
        true
    }
}

/// The frames of an executor with saved `frames`, innermost first, the running one (`st`)
/// at instruction `at`. A caller is at its call instruction, just before where it resumes.
/// With the executor's `stack`, frames record their locals.
fn frames_at(
    inner: &StoreInner,
    frames: &[Frame],
    st: &State,
    at: usize,
    stack: Option<&[u64]>,
) -> Vec<crate::FrameInfo> {
    let module_of = |i: u32| -> *const ModuleInner { &*inner.instances[i as usize].module.inner };
    let mut all: Vec<_> = frames
        .iter()
        .map(|f| {
            (
                module_of(f.instance),
                f.func,
                f.instance,
                f.pc().saturating_sub(1),
                f.base,
            )
        })
        .collect();
    all.push((st.module, st.code, st.instance, at, st.base));
    backtrace(inner.id, &all, stack)
}

/// Drops the entries an executor pushed on the store's suspended list should a host panic
/// unwind through it (on a normal return the executor truncates the list itself).
struct ForgetSuspended(*mut Vec<(usize, usize)>, usize);

impl Drop for ForgetSuspended {
    fn drop(&mut self) {
        // SAFETY: the list lives in the store, which outlives the call being unwound.
        unsafe { (*self.0).truncate(self.1) };
    }
}
