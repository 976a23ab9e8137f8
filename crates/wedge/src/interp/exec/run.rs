//! The dispatch loop.

use super::{backtrace, Frame};
use crate::interp::code::Instr;
use crate::interp::num::{self, NumTrap};
use crate::interp::{simd, CompiledFunc, INIT_CHUNK};
use crate::module::ModuleInner;
use crate::runtime::{io_slots, Caller, FuncKind, Store, Trap, TrapKind};
use crate::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

const _: () = assert!(usize::BITS == 64, "the interpreter assumes a 64-bit host");

/// The running frame's registers, kept in locals of the loop.
pub(super) struct State {
    pub code: *const CompiledFunc,
    /// The instructions of `code`.
    pub instrs: *const Instr,
    pub module: *const ModuleInner,
    pub instance: u32,
    pub func_index: u32,
    pub base: usize,
    pub pc: usize,
    pub regs: *mut u64,
    pub mem: *mut u8,
    pub mem_len: usize,
}

/// Runs wasm functions of one `invoke` call on its own value stack.
pub(super) struct Executor<'s, T> {
    pub store: &'s mut Store<T>,
    pub stack: Vec<u64>,
    pub frames: Vec<Frame>,
    max_depth: usize,
    max_slots: usize,
    /// The store's interrupt flag.
    pub(super) interrupt: Arc<AtomicBool>,
    /// Whether to add the time spent in host functions to the store's total.
    host_time: bool,
}

fn num_trap(t: NumTrap) -> TrapKind {
    match t {
        NumTrap::DivByZero => TrapKind::IntegerDivideByZero,
        NumTrap::Overflow => TrapKind::IntegerOverflow,
        NumTrap::InvalidConversion => TrapKind::InvalidConversionToInteger,
    }
}

#[inline(always)]
fn canon32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(0x7fc0_0000)
    } else {
        x
    }
}

#[inline(always)]
fn canon64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        x
    }
}

impl<'s, T> Executor<'s, T> {
    pub fn new(store: &'s mut Store<T>, stack: Vec<u64>) -> Self {
        let config = store.inner.engine.config();
        let (max_depth, max_slots) = (config.max_call_depth, config.max_stack_slots);
        let host_time = config.host_time;
        let interrupt = store.inner.interrupt.flag.clone();
        Executor {
            store,
            stack,
            frames: Vec::new(),
            max_depth,
            max_slots,
            interrupt,
            host_time,
        }
    }

    /// Runs defined function `index` of `instance` with its parameters at slot 0.
    pub fn run(mut self, instance: u32, index: u32) -> Result<Vec<u64>, Error> {
        let module: *const ModuleInner =
            &*self.store.inner.instances[instance as usize].module.inner;
        // SAFETY: the instance (and so its module) lives as long as the store.
        let code = unsafe { (*module).compiled(index)? };
        let mut st = State {
            code: std::sync::Arc::as_ptr(&code),
            instrs: code.instrs.as_ptr(),
            module,
            instance,
            func_index: index,
            base: 0,
            pc: 0,
            regs: std::ptr::null_mut(),
            mem: std::ptr::null_mut(),
            mem_len: 0,
        };
        self.enter(&mut st, 0)?;
        self.refresh_memory(&mut st);
        self.execute(&mut st)?;
        Ok(self.stack)
    }

    /// Points the memory cache at the current instance's memory 0.
    pub(super) fn refresh_memory(&mut self, st: &mut State) {
        let inner = &mut self.store.inner;
        match inner.instances[st.instance as usize].memories.first() {
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
        let inner = &self.store.inner;
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
        let init = new_base + code.param_slots as usize;
        // SAFETY: `init + code.init.len() <= end <= stack.len()`: the frame holds the
        // parameters followed by the template, whose length is a multiple of the chunk.
        unsafe {
            let mut dst = self.stack.as_mut_ptr().add(init) as *mut [u64; INIT_CHUNK];
            let mut src = code.init.as_ptr() as *const [u64; INIT_CHUNK];
            let end = src.add(code.init.len() / INIT_CHUNK);
            while src < end {
                dst.write_unaligned(src.read_unaligned());
                src = src.add(1);
                dst = dst.add(1);
            }
        }
        st.instrs = code.instrs.as_ptr();
        st.base = new_base;
        st.pc = 0;
        // SAFETY: `new_base` is within the stack, checked above.
        st.regs = unsafe { self.stack.as_mut_ptr().add(new_base) };
        Ok(())
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
                self.store.inner.meter.refund(gas, count as u64);
            }
        }
        self.with_backtrace(st, Trap::new(kind)).into()
    }

    #[cold]
    pub(super) fn with_backtrace(&self, st: &State, trap: Trap) -> Trap {
        let mut frames: Vec<_> = self
            .frames
            .iter()
            .map(|f| (f.module, f.func_index))
            .collect();
        frames.push((st.module, st.func_index));
        trap.with_backtrace(backtrace(&frames))
    }

    /// Saves the current frame and switches to defined function `index` of `instance`.
    #[inline(always)]
    fn push_call(
        &mut self,
        st: &mut State,
        code: *const CompiledFunc,
        module: *const ModuleInner,
        instance: u32,
        index: u32,
        args: usize,
    ) -> Result<(), Error> {
        if self.frames.len() + 1 >= self.max_depth {
            return Err(self.trap_at(st, TrapKind::StackExhausted));
        }
        self.frames.push(Frame {
            func: st.code,
            module: st.module,
            instance: st.instance,
            func_index: st.func_index,
            pc: st.pc,
            base: st.base,
        });
        st.code = code;
        st.module = module;
        st.func_index = index;
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
        let kind = self.store.inner.funcs[func as usize].kind;
        match kind {
            FuncKind::Wasm { instance, index }
                if self.store.inner.instances[instance as usize]
                    .native
                    .is_none() =>
            {
                let module: *const ModuleInner =
                    &*self.store.inner.instances[instance as usize].module.inner;
                // SAFETY: the instance keeps its module alive for the store's lifetime, and
                // a translated function stays in its module's code table.
                let m = unsafe { &*module };
                let def = (index - m.num_imported_funcs) as usize;
                let code = match m.code[def].get() {
                    Some(Ok(code)) => std::sync::Arc::as_ptr(code),
                    _ => std::sync::Arc::as_ptr(&m.compiled(index)?),
                };
                self.push_call(st, code, module, instance, index, args)
            }
            _ => {
                // A host function or compiled code: called on its own, on raw slots.
                let slots = io_slots(&self.store.inner.funcs[func as usize].ty);
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
                let result = match kind {
                    FuncKind::Host { host } => {
                        let f = self.store.host_funcs[host as usize].clone();
                        let caller = Caller {
                            store: &mut *self.store,
                            instance: Some(st.instance),
                        };
                        f(caller, &mut self.stack[at..at + slots]).map_err(Error::from)
                    }
                    FuncKind::Wasm { .. } => crate::runtime::invoke(
                        &mut *self.store,
                        func,
                        &mut self.stack[at..at + slots],
                    ),
                };
                self.resume_roots(suspended);
                if let Some(started) = started.filter(|_| matches!(kind, FuncKind::Host { .. })) {
                    self.store.inner.host_time += started.elapsed();
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

    /// Pops the caller frame after a return; returns false when the entry frame returned.
    #[inline(always)]
    pub(super) fn pop_frame(&mut self, st: &mut State) -> bool {
        let Some(f) = self.frames.pop() else {
            return false;
        };
        let switch = f.instance != st.instance;
        st.code = f.func;
        // SAFETY: the frame's function is kept alive by its module.
        st.instrs = unsafe { (*f.func).instrs.as_ptr() };
        st.module = f.module;
        st.instance = f.instance;
        st.func_index = f.func_index;
        st.pc = f.pc;
        st.base = f.base;
        // SAFETY: the caller's frame is below the callee's, inside the stack.
        st.regs = unsafe { self.stack.as_mut_ptr().add(f.base) };
        // Within one instance the cache is current: `memory.grow` and host calls refresh it.
        if switch {
            self.refresh_memory(st);
        }
        true
    }

    /// The main loop.
    #[allow(clippy::cognitive_complexity)]
    fn execute(&mut self, st: &mut State) -> Result<(), Error> {
        // The hot state lives in locals so the compiler can keep it in registers; it is
        // written back to `st` around anything that reads or changes it.
        // SAFETY: `st.pc` is an instruction index of the running function.
        let mut ip: *const Instr = unsafe { st.instrs.add(st.pc) };
        let mut regs = st.regs;
        let mut instrs = st.instrs;
        let mut mem_base = st.mem;
        let mut mem_len = st.mem_len;
        macro_rules! sync_out {
            () => {
                // SAFETY: `ip` points into the running function's instructions.
                st.pc = unsafe { ip.offset_from(instrs) } as usize;
                st.regs = regs;
            };
        }
        macro_rules! sync_in {
            () => {
                regs = st.regs;
                instrs = st.instrs;
                // SAFETY: as above, `st.pc` indexes the (possibly new) running function.
                ip = unsafe { instrs.add(st.pc) };
                mem_base = st.mem;
                mem_len = st.mem_len;
            };
        }
        // SAFETY (for the whole loop): the translator only emits slot indices below the
        // function's `frame_slots`, and `enter` checked that the frame fits in the stack, so
        // every `regs.add(i)` is in bounds. Branch targets are instruction indices of the
        // same function. Memory accesses are bounds-checked against `mem_len` before use.
        macro_rules! r {
            ($i:expr) => {
                unsafe { *regs.add($i as usize) }
            };
        }
        macro_rules! w {
            ($i:expr, $v:expr) => {{
                let v: u64 = $v;
                unsafe { *regs.add($i as usize) = v }
            }};
        }
        macro_rules! r128 {
            ($i:expr) => {
                (r!($i) as u128) | ((r!($i + 1) as u128) << 64)
            };
        }
        macro_rules! w128 {
            ($i:expr, $v:expr) => {{
                let v: u128 = $v;
                w!($i, v as u64);
                w!($i + 1, (v >> 64) as u64);
            }};
        }
        macro_rules! trap {
            ($k:expr) => {{
                sync_out!();
                return Err(self.trap_at(st, $k));
            }};
        }
        macro_rules! i32op {
            ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
                let $x = r!($a) as u32;
                let $y = r!($b) as u32;
                w!($dst, ($e) as u32 as u64)
            }};
        }
        macro_rules! i64op {
            ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
                let $x = r!($a);
                let $y = r!($b);
                w!($dst, ($e) as u64)
            }};
        }
        macro_rules! f32op {
            ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
                let $x = f32::from_bits(r!($a) as u32);
                let $y = f32::from_bits(r!($b) as u32);
                w!($dst, ($e).to_bits() as u64)
            }};
        }
        macro_rules! f64op {
            ($dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
                let $x = f64::from_bits(r!($a));
                let $y = f64::from_bits(r!($b));
                w!($dst, ($e).to_bits())
            }};
        }
        macro_rules! cmp {
            ($dst:expr, $v:expr) => {
                w!($dst, ($v) as u64)
            };
        }
        macro_rules! f32un {
            ($dst:expr, $src:expr, |$x:ident| $e:expr) => {{
                let $x = f32::from_bits(r!($src) as u32);
                w!($dst, ($e).to_bits() as u64)
            }};
        }
        macro_rules! f64un {
            ($dst:expr, $src:expr, |$x:ident| $e:expr) => {{
                let $x = f64::from_bits(r!($src));
                w!($dst, ($e).to_bits())
            }};
        }
        macro_rules! try_num {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(t) => trap!(num_trap(t)),
                }
            };
        }
        macro_rules! ea {
            ($addr:expr, $off:expr, $n:expr) => {{
                let ea = (r!($addr) as u32 as usize) + $off as usize;
                if ea + $n > mem_len {
                    // Another thread may have grown a shared memory since the cache was filled.
                    mem_len = self.memory0_len(st);
                    if ea + $n > mem_len {
                        trap!(TrapKind::MemoryOutOfBounds);
                    }
                }
                ea
            }};
        }
        macro_rules! load {
            ($dst:expr, $addr:expr, $off:expr, $t:ty, |$v:ident| $conv:expr) => {{
                const N: usize = std::mem::size_of::<$t>();
                let ea = ea!($addr, $off, N);
                // SAFETY: `ea + N <= mem_len` was checked.
                let $v = <$t>::from_le_bytes(unsafe {
                    std::ptr::read_unaligned(mem_base.add(ea) as *const [u8; N])
                });
                w!($dst, $conv)
            }};
        }
        macro_rules! store {
            ($addr:expr, $val:expr, $off:expr, $t:ty) => {{
                const N: usize = std::mem::size_of::<$t>();
                let ea = ea!($addr, $off, N);
                let bytes = (r!($val) as $t).to_le_bytes();
                // SAFETY: `ea + N <= mem_len` was checked.
                unsafe { std::ptr::write_unaligned(mem_base.add(ea) as *mut [u8; N], bytes) }
            }};
        }
        macro_rules! br_cmp {
            ($a:expr, $b:expr, $target:expr, $t:ty, $op:tt) => {{
                if (r!($a) as $t) $op (r!($b) as $t) {
                    ip = unsafe { instrs.add($target as usize) };
                }
            }};
        }
        macro_rules! extra {
            () => {{
                // SAFETY: the translator always emits the `Extra` word right after its owner.
                let e = unsafe { *ip };
                ip = unsafe { ip.add(1) };
                match e {
                    Instr::Extra { a, b, c } => (a, b, c),
                    _ => unreachable!("missing Extra operand"),
                }
            }};
        }

        loop {
            // SAFETY: `ip` always points at an instruction of the running function.
            let instr: &Instr = unsafe { &*ip };
            ip = unsafe { ip.add(1) };
            match *instr {
                Instr::Copy { dst, src } => w!(dst, r!(src)),
                Instr::Copy2 { dst, src } => {
                    let (lo, hi) = (r!(src), r!(src + 1));
                    w!(dst, lo);
                    w!(dst + 1, hi);
                }
                Instr::Const32 { dst, value } => w!(dst, value as u64),
                Instr::Const64 { dst, lo, hi } => w!(dst, lo as u64 | (hi as u64) << 32),
                Instr::Extra { .. } => unreachable!("Extra executed as an instruction"),
                Instr::Meter {
                    gas_lo,
                    gas_hi,
                    count,
                } => {
                    let gas = gas_lo as u64 | (gas_hi as u64) << 32;
                    if !self.store.inner.meter.charge(gas, count as u64) {
                        trap!(TrapKind::GasExhausted);
                    }
                }
                Instr::CheckInterrupt {} => {
                    if self.interrupt.load(Ordering::Relaxed) {
                        self.interrupt.store(false, Ordering::Relaxed);
                        trap!(TrapKind::Interrupted);
                    }
                }
                Instr::Unreachable {} => trap!(TrapKind::Unreachable),

                Instr::Br { target } => ip = unsafe { instrs.add(target as usize) },
                Instr::BrIfNez { cond, target } => {
                    if r!(cond) as u32 != 0 {
                        ip = unsafe { instrs.add(target as usize) };
                    }
                }
                Instr::BrIfEqz { cond, target } => {
                    if r!(cond) as u32 == 0 {
                        ip = unsafe { instrs.add(target as usize) };
                    }
                }
                Instr::BrTable { index, len } => {
                    let skip = (r!(index) as u32).min(len) as usize;
                    ip = unsafe { ip.add(skip) };
                }
                Instr::BrI32Eq { a, b, target } => br_cmp!(a, b, target, u32, ==),
                Instr::BrI32Ne { a, b, target } => br_cmp!(a, b, target, u32, !=),
                Instr::BrI32LtS { a, b, target } => br_cmp!(a, b, target, i32, <),
                Instr::BrI32LtU { a, b, target } => br_cmp!(a, b, target, u32, <),
                Instr::BrI32GtS { a, b, target } => br_cmp!(a, b, target, i32, >),
                Instr::BrI32GtU { a, b, target } => br_cmp!(a, b, target, u32, >),
                Instr::BrI32LeS { a, b, target } => br_cmp!(a, b, target, i32, <=),
                Instr::BrI32LeU { a, b, target } => br_cmp!(a, b, target, u32, <=),
                Instr::BrI32GeS { a, b, target } => br_cmp!(a, b, target, i32, >=),
                Instr::BrI32GeU { a, b, target } => br_cmp!(a, b, target, u32, >=),
                Instr::BrI64Eq { a, b, target } => br_cmp!(a, b, target, u64, ==),
                Instr::BrI64Ne { a, b, target } => br_cmp!(a, b, target, u64, !=),
                Instr::BrI64LtS { a, b, target } => br_cmp!(a, b, target, i64, <),
                Instr::BrI64LtU { a, b, target } => br_cmp!(a, b, target, u64, <),
                Instr::BrI64GtS { a, b, target } => br_cmp!(a, b, target, i64, >),
                Instr::BrI64GtU { a, b, target } => br_cmp!(a, b, target, u64, >),
                Instr::BrI64LeS { a, b, target } => br_cmp!(a, b, target, i64, <=),
                Instr::BrI64LeU { a, b, target } => br_cmp!(a, b, target, u64, <=),
                Instr::BrI64GeS { a, b, target } => br_cmp!(a, b, target, i64, >=),
                Instr::BrI64GeU { a, b, target } => br_cmp!(a, b, target, u64, >=),

                Instr::Return { src, slots } => {
                    // SAFETY: source and destination are inside the frame; `copy` allows overlap.
                    unsafe {
                        if slots == 1 {
                            *regs = *regs.add(src as usize);
                        } else {
                            std::ptr::copy(regs.add(src as usize), regs, slots as usize);
                        }
                    }
                    if !self.pop_frame(st) {
                        return Ok(());
                    }
                    sync_in!();
                }
                Instr::Call { func, args } => {
                    // SAFETY: the module outlives the call.
                    let module = unsafe { &*st.module };
                    let def = (func - module.num_imported_funcs) as usize;
                    let code = match module.code[def].get() {
                        Some(Ok(c)) => std::sync::Arc::as_ptr(c),
                        _ => std::sync::Arc::as_ptr(&module.compiled(func)?),
                    };
                    let (m, inst) = (st.module, st.instance);
                    sync_out!();
                    self.push_call(st, code, m, inst, func, args as usize)?;
                    // Same instance: the memory cache stays valid.
                    regs = st.regs;
                    instrs = st.instrs;
                    ip = instrs;
                }
                Instr::CallImport { func, args } => {
                    let f = self.store.inner.instances[st.instance as usize].funcs[func as usize];
                    sync_out!();
                    if let Err(e) = self.call_store_func(st, f, args as usize) {
                        self.catch_error(st, e)?;
                    }
                    sync_in!();
                }
                Instr::CallIndirect { index, args, site } => {
                    // SAFETY: `site` was emitted together with the table entry.
                    let (table, type_id) = unsafe { (*st.code).indirect_sites[site as usize] };
                    let inner = &self.store.inner;
                    let t = inner.instances[st.instance as usize].tables[table as usize];
                    let elems = &inner.tables[t as usize].elems;
                    let i = r!(index) as u32 as usize;
                    let Some(&raw) = elems.get(i) else {
                        trap!(TrapKind::UndefinedElement)
                    };
                    if raw == 0 {
                        trap!(TrapKind::UninitializedElement);
                    }
                    let f = (raw - 1) as u32;
                    let actual = inner.funcs[f as usize].type_id;
                    if actual != type_id && !inner.types.is_subtype(actual, type_id) {
                        trap!(TrapKind::IndirectCallTypeMismatch);
                    }
                    sync_out!();
                    if let Err(e) = self.call_store_func(st, f, args as usize) {
                        self.catch_error(st, e)?;
                    }
                    sync_in!();
                }
                Instr::CallRef { func, args } => {
                    let raw = r!(func);
                    if raw == 0 {
                        trap!(TrapKind::NullFunctionReference);
                    }
                    sync_out!();
                    if let Err(e) = self.call_store_func(st, (raw - 1) as u32, args as usize) {
                        self.catch_error(st, e)?;
                    }
                    sync_in!();
                }
                Instr::BrOnNull { src, target } => {
                    if r!(src) == 0 {
                        ip = unsafe { instrs.add(target as usize) };
                    }
                }
                Instr::BrOnNonNull { src, target } => {
                    if r!(src) != 0 {
                        ip = unsafe { instrs.add(target as usize) };
                    }
                }
                Instr::BrOnCast { src, cast, target } => {
                    // SAFETY: the cast entry was emitted with the instruction.
                    let ty = unsafe { (&(*st.code).casts)[cast as usize] };
                    if self.store.inner.ref_matches(r!(src), ty) {
                        ip = unsafe { instrs.add(target as usize) };
                    }
                }
                Instr::BrOnCastFail { src, cast, target } => {
                    // SAFETY: the cast entry was emitted with the instruction.
                    let ty = unsafe { (&(*st.code).casts)[cast as usize] };
                    if !self.store.inner.ref_matches(r!(src), ty) {
                        ip = unsafe { instrs.add(target as usize) };
                    }
                }
                Instr::Gc { op, dst, a, site } => {
                    sync_out!();
                    self.gc_op(st, op, dst, a, site)?;
                }
                Instr::Throw { tag, args } => {
                    sync_out!();
                    self.throw(st, tag, args)?;
                    sync_in!();
                }
                Instr::ThrowRef { exn } => {
                    sync_out!();
                    self.throw_ref(st, exn)?;
                    sync_in!();
                }

                Instr::Select { dst, a, b } => {
                    let (cond, _, _) = extra!();
                    let v = if r!(cond) as u32 != 0 { r!(a) } else { r!(b) };
                    w!(dst, v);
                }
                Instr::Select2 { dst, a, b } => {
                    let (cond, _, _) = extra!();
                    let v = if r!(cond) as u32 != 0 {
                        r128!(a)
                    } else {
                        r128!(b)
                    };
                    w128!(dst, v);
                }
                Instr::GlobalGet { dst, global } => {
                    let inner = &self.store.inner;
                    let g = inner.instances[st.instance as usize].globals[global as usize];
                    w!(dst, inner.globals[g as usize].value as u64);
                }
                Instr::GlobalGet2 { dst, global } => {
                    let inner = &self.store.inner;
                    let g = inner.instances[st.instance as usize].globals[global as usize];
                    w128!(dst, inner.globals[g as usize].value);
                }
                Instr::GlobalSet { src, global } => {
                    let inner = &mut self.store.inner;
                    let g = inner.instances[st.instance as usize].globals[global as usize];
                    inner.globals[g as usize].value = r!(src) as u128;
                }
                Instr::GlobalSet2 { src, global } => {
                    let inner = &mut self.store.inner;
                    let g = inner.instances[st.instance as usize].globals[global as usize];
                    inner.globals[g as usize].value = r128!(src);
                }

                Instr::I32Load { dst, addr, offset } => load!(dst, addr, offset, u32, |v| v as u64),
                Instr::I64Load { dst, addr, offset } => load!(dst, addr, offset, u64, |v| v),
                Instr::I32Load8S { dst, addr, offset } => {
                    load!(dst, addr, offset, i8, |v| v as i32 as u32 as u64)
                }
                Instr::I32Load8U { dst, addr, offset } => {
                    load!(dst, addr, offset, u8, |v| v as u64)
                }
                Instr::I32Load16S { dst, addr, offset } => {
                    load!(dst, addr, offset, i16, |v| v as i32 as u32 as u64)
                }
                Instr::I32Load16U { dst, addr, offset } => {
                    load!(dst, addr, offset, u16, |v| v as u64)
                }
                Instr::I64Load8S { dst, addr, offset } => {
                    load!(dst, addr, offset, i8, |v| v as i64 as u64)
                }
                Instr::I64Load8U { dst, addr, offset } => {
                    load!(dst, addr, offset, u8, |v| v as u64)
                }
                Instr::I64Load16S { dst, addr, offset } => {
                    load!(dst, addr, offset, i16, |v| v as i64 as u64)
                }
                Instr::I64Load16U { dst, addr, offset } => {
                    load!(dst, addr, offset, u16, |v| v as u64)
                }
                Instr::I64Load32S { dst, addr, offset } => {
                    load!(dst, addr, offset, i32, |v| v as i64 as u64)
                }
                Instr::I64Load32U { dst, addr, offset } => {
                    load!(dst, addr, offset, u32, |v| v as u64)
                }
                Instr::V128Load { dst, addr, offset } => {
                    let ea = ea!(addr, offset, 16);
                    // SAFETY: bounds checked.
                    let v = u128::from_le_bytes(unsafe {
                        std::ptr::read_unaligned(mem_base.add(ea) as *const [u8; 16])
                    });
                    w128!(dst, v);
                }
                Instr::I32Store { addr, val, offset } => store!(addr, val, offset, u32),
                Instr::I64Store { addr, val, offset } => store!(addr, val, offset, u64),
                Instr::I32Store8 { addr, val, offset } => store!(addr, val, offset, u8),
                Instr::I32Store16 { addr, val, offset } => store!(addr, val, offset, u16),
                Instr::I64Store8 { addr, val, offset } => store!(addr, val, offset, u8),
                Instr::I64Store16 { addr, val, offset } => store!(addr, val, offset, u16),
                Instr::I64Store32 { addr, val, offset } => store!(addr, val, offset, u32),
                Instr::V128Store { addr, val, offset } => {
                    let ea = ea!(addr, offset, 16);
                    let bytes = r128!(val).to_le_bytes();
                    // SAFETY: bounds checked.
                    unsafe { std::ptr::write_unaligned(mem_base.add(ea) as *mut [u8; 16], bytes) }
                }
                Instr::MemorySize { dst, mem } => {
                    let inner = &self.store.inner;
                    let m = inner.instances[st.instance as usize].memories[mem as usize];
                    w!(dst, inner.memories[m as usize].pages());
                }
                Instr::MemoryGrow { dst, delta, mem } => {
                    let inner = &mut self.store.inner;
                    let m = inner.instances[st.instance as usize].memories[mem as usize];
                    let old = if inner.memories[m as usize].is_64() {
                        inner.grow_memory(m as usize, r!(delta)).unwrap_or(u64::MAX)
                    } else {
                        let old = inner.grow_memory(m as usize, r!(delta) as u32 as u64);
                        old.map_or(u32::MAX as u64, |o| o as u32 as u64)
                    };
                    w!(dst, old);
                    self.refresh_memory(st);
                    mem_base = st.mem;
                    mem_len = st.mem_len;
                }
                Instr::MemoryFill { args, mem } => {
                    let a = (r!(args), r!(args + 1), r!(args + 2));
                    if let Err(k) = self.memory_fill(st.instance, mem, a) {
                        trap!(k);
                    }
                }
                Instr::MemoryCopy {
                    args,
                    dst_mem,
                    src_mem,
                } => {
                    let a = (r!(args), r!(args + 1), r!(args + 2));
                    if let Err(k) = self.memory_copy(st.instance, dst_mem, src_mem, a) {
                        trap!(k);
                    }
                }
                Instr::MemoryInit { args, mem, data } => {
                    let a = (r!(args), r!(args + 1), r!(args + 2));
                    if let Err(k) = self.memory_init(st.instance, mem, data, a) {
                        trap!(k);
                    }
                }
                Instr::DataDrop { data } => {
                    self.store.inner.instances[st.instance as usize].data_dropped[data as usize] =
                        true;
                }
                Instr::TableGet { dst, index, table } => {
                    match self.table_get(st.instance, table, r!(index) as u32) {
                        Ok(v) => w!(dst, v),
                        Err(k) => trap!(k),
                    }
                }
                Instr::TableSet { index, val, table } => {
                    if let Err(k) = self.table_set(st.instance, table, r!(index) as u32, r!(val)) {
                        trap!(k);
                    }
                }
                Instr::TableSize { dst, table } => {
                    let inner = &self.store.inner;
                    let t = inner.instances[st.instance as usize].tables[table as usize];
                    w!(dst, inner.tables[t as usize].elems.len() as u64);
                }
                Instr::TableGrow { dst, args, table } => {
                    let old = self.table_grow(st.instance, table, r!(args), r!(args + 1) as u32);
                    w!(dst, old as u64);
                }
                Instr::TableFill { args, table } => {
                    let a = (r!(args), r!(args + 1), r!(args + 2));
                    if let Err(k) = self.table_fill(st.instance, table, a) {
                        trap!(k);
                    }
                }
                Instr::TableCopy {
                    args,
                    dst_table,
                    src_table,
                } => {
                    let a = (r!(args), r!(args + 1), r!(args + 2));
                    if let Err(k) = self.table_copy(st.instance, dst_table, src_table, a) {
                        trap!(k);
                    }
                }
                Instr::TableInit { args, table, elem } => {
                    let a = (r!(args), r!(args + 1), r!(args + 2));
                    if let Err(k) = self.table_init(st.instance, table, elem, a) {
                        trap!(k);
                    }
                }
                Instr::ElemDrop { elem } => {
                    self.store.inner.instances[st.instance as usize].elems[elem as usize] =
                        Box::new([]);
                }
                Instr::RefIsNull { dst, src } => cmp!(dst, r!(src) == 0),
                Instr::I64SatU32 { dst, src } => w!(dst, r!(src).min(u32::MAX as u64)),
                Instr::MemLoad { op, dst, addr, mem } => {
                    let (lo, hi, aux) = extra!();
                    sync_out!();
                    self.mem_load(st, op, dst, addr, mem, lo as u64 | (hi as u64) << 32, aux)?;
                }
                Instr::MemStore { op, addr, val, mem } => {
                    let (lo, hi, _) = extra!();
                    sync_out!();
                    self.mem_store(st, op, addr, val, mem, lo as u64 | (hi as u64) << 32)?;
                }
                Instr::Atomic { op, dst, args, mem } => {
                    let (lo, hi, _) = extra!();
                    sync_out!();
                    self.atomic(st, op, dst, args, mem, lo as u64 | (hi as u64) << 32)?;
                }
                Instr::AtomicFence {} => {
                    std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst)
                }
                Instr::Wide { op, args } => {
                    let x = [r!(args), r!(args + 1), r!(args + 2), r!(args + 3)];
                    let (lo, hi) = crate::interp::wide::eval(op, x);
                    w!(args, lo);
                    w!(args + 1, hi);
                }
                Instr::ReturnCall { func, args } => {
                    // SAFETY: the module outlives the call.
                    let module = unsafe { &*st.module };
                    let def = (func - module.num_imported_funcs) as usize;
                    let code = match module.code[def].get() {
                        Some(Ok(c)) => std::sync::Arc::as_ptr(c),
                        _ => std::sync::Arc::as_ptr(&module.compiled(func)?),
                    };
                    let (m, inst) = (st.module, st.instance);
                    sync_out!();
                    self.tail_call(st, code, m, inst, func, args as usize)?;
                    // Same instance: the memory cache stays valid.
                    regs = st.regs;
                    instrs = st.instrs;
                    ip = instrs;
                }
                Instr::ReturnCallImport { func, args } => {
                    let f = self.store.inner.instances[st.instance as usize].funcs[func as usize];
                    sync_out!();
                    if self.tail_call_store_func(st, f, args as usize)? {
                        return Ok(());
                    }
                    sync_in!();
                }
                Instr::ReturnCallRef { func, args } => {
                    let raw = r!(func);
                    if raw == 0 {
                        trap!(TrapKind::NullFunctionReference);
                    }
                    sync_out!();
                    if self.tail_call_store_func(st, (raw - 1) as u32, args as usize)? {
                        return Ok(());
                    }
                    sync_in!();
                }
                Instr::ReturnCallIndirect { index, args, site } => {
                    sync_out!();
                    let f = match self.indirect_target(st, r!(index) as u32 as u64, site) {
                        Ok(f) => f,
                        Err(k) => trap!(k),
                    };
                    if self.tail_call_store_func(st, f, args as usize)? {
                        return Ok(());
                    }
                    sync_in!();
                }
                Instr::RefFunc { dst, func } => {
                    let f = self.store.inner.instances[st.instance as usize].funcs[func as usize];
                    w!(dst, f as u64 + 1);
                }

                Instr::I32Eqz { dst, src } => cmp!(dst, r!(src) as u32 == 0),
                Instr::I32Eq { dst, a, b } => cmp!(dst, r!(a) as u32 == r!(b) as u32),
                Instr::I32Ne { dst, a, b } => cmp!(dst, r!(a) as u32 != r!(b) as u32),
                Instr::I32LtS { dst, a, b } => cmp!(dst, (r!(a) as i32) < r!(b) as i32),
                Instr::I32LtU { dst, a, b } => cmp!(dst, (r!(a) as u32) < r!(b) as u32),
                Instr::I32GtS { dst, a, b } => cmp!(dst, r!(a) as i32 > r!(b) as i32),
                Instr::I32GtU { dst, a, b } => cmp!(dst, r!(a) as u32 > r!(b) as u32),
                Instr::I32LeS { dst, a, b } => cmp!(dst, r!(a) as i32 <= r!(b) as i32),
                Instr::I32LeU { dst, a, b } => cmp!(dst, r!(a) as u32 <= r!(b) as u32),
                Instr::I32GeS { dst, a, b } => cmp!(dst, r!(a) as i32 >= r!(b) as i32),
                Instr::I32GeU { dst, a, b } => cmp!(dst, r!(a) as u32 >= r!(b) as u32),
                Instr::I64Eqz { dst, src } => cmp!(dst, r!(src) == 0),
                Instr::I64Eq { dst, a, b } => cmp!(dst, r!(a) == r!(b)),
                Instr::I64Ne { dst, a, b } => cmp!(dst, r!(a) != r!(b)),
                Instr::I64LtS { dst, a, b } => cmp!(dst, (r!(a) as i64) < r!(b) as i64),
                Instr::I64LtU { dst, a, b } => cmp!(dst, r!(a) < r!(b)),
                Instr::I64GtS { dst, a, b } => cmp!(dst, r!(a) as i64 > r!(b) as i64),
                Instr::I64GtU { dst, a, b } => cmp!(dst, r!(a) > r!(b)),
                Instr::I64LeS { dst, a, b } => cmp!(dst, r!(a) as i64 <= r!(b) as i64),
                Instr::I64LeU { dst, a, b } => cmp!(dst, r!(a) <= r!(b)),
                Instr::I64GeS { dst, a, b } => cmp!(dst, r!(a) as i64 >= r!(b) as i64),
                Instr::I64GeU { dst, a, b } => cmp!(dst, r!(a) >= r!(b)),
                Instr::F32Eq { dst, a, b } => {
                    cmp!(
                        dst,
                        f32::from_bits(r!(a) as u32) == f32::from_bits(r!(b) as u32)
                    )
                }
                Instr::F32Ne { dst, a, b } => {
                    cmp!(
                        dst,
                        f32::from_bits(r!(a) as u32) != f32::from_bits(r!(b) as u32)
                    )
                }
                Instr::F32Lt { dst, a, b } => {
                    cmp!(
                        dst,
                        f32::from_bits(r!(a) as u32) < f32::from_bits(r!(b) as u32)
                    )
                }
                Instr::F32Gt { dst, a, b } => {
                    cmp!(
                        dst,
                        f32::from_bits(r!(a) as u32) > f32::from_bits(r!(b) as u32)
                    )
                }
                Instr::F32Le { dst, a, b } => {
                    cmp!(
                        dst,
                        f32::from_bits(r!(a) as u32) <= f32::from_bits(r!(b) as u32)
                    )
                }
                Instr::F32Ge { dst, a, b } => {
                    cmp!(
                        dst,
                        f32::from_bits(r!(a) as u32) >= f32::from_bits(r!(b) as u32)
                    )
                }
                Instr::F64Eq { dst, a, b } => {
                    cmp!(dst, f64::from_bits(r!(a)) == f64::from_bits(r!(b)))
                }
                Instr::F64Ne { dst, a, b } => {
                    cmp!(dst, f64::from_bits(r!(a)) != f64::from_bits(r!(b)))
                }
                Instr::F64Lt { dst, a, b } => {
                    cmp!(dst, f64::from_bits(r!(a)) < f64::from_bits(r!(b)))
                }
                Instr::F64Gt { dst, a, b } => {
                    cmp!(dst, f64::from_bits(r!(a)) > f64::from_bits(r!(b)))
                }
                Instr::F64Le { dst, a, b } => {
                    cmp!(dst, f64::from_bits(r!(a)) <= f64::from_bits(r!(b)))
                }
                Instr::F64Ge { dst, a, b } => {
                    cmp!(dst, f64::from_bits(r!(a)) >= f64::from_bits(r!(b)))
                }

                Instr::I32Clz { dst, src } => w!(dst, (r!(src) as u32).leading_zeros() as u64),
                Instr::I32Ctz { dst, src } => w!(dst, (r!(src) as u32).trailing_zeros() as u64),
                Instr::I32Popcnt { dst, src } => w!(dst, (r!(src) as u32).count_ones() as u64),
                Instr::I32Add { dst, a, b } => i32op!(dst, a, b, |x, y| x.wrapping_add(y)),
                Instr::I32Sub { dst, a, b } => i32op!(dst, a, b, |x, y| x.wrapping_sub(y)),
                Instr::I32Mul { dst, a, b } => i32op!(dst, a, b, |x, y| x.wrapping_mul(y)),
                Instr::I32DivS { dst, a, b } => {
                    i32op!(dst, a, b, |x, y| try_num!(num::i32_div_s(
                        x as i32, y as i32
                    )))
                }
                Instr::I32DivU { dst, a, b } => {
                    i32op!(dst, a, b, |x, y| try_num!(num::i32_div_u(x, y)))
                }
                Instr::I32RemS { dst, a, b } => {
                    i32op!(dst, a, b, |x, y| try_num!(num::i32_rem_s(
                        x as i32, y as i32
                    )))
                }
                Instr::I32RemU { dst, a, b } => {
                    i32op!(dst, a, b, |x, y| try_num!(num::i32_rem_u(x, y)))
                }
                Instr::I32And { dst, a, b } => i32op!(dst, a, b, |x, y| x & y),
                Instr::I32Or { dst, a, b } => i32op!(dst, a, b, |x, y| x | y),
                Instr::I32Xor { dst, a, b } => i32op!(dst, a, b, |x, y| x ^ y),
                Instr::I32Shl { dst, a, b } => i32op!(dst, a, b, |x, y| x.wrapping_shl(y)),
                Instr::I32ShrS { dst, a, b } => {
                    i32op!(dst, a, b, |x, y| (x as i32).wrapping_shr(y))
                }
                Instr::I32ShrU { dst, a, b } => i32op!(dst, a, b, |x, y| x.wrapping_shr(y)),
                Instr::I32Rotl { dst, a, b } => i32op!(dst, a, b, |x, y| x.rotate_left(y % 32)),
                Instr::I32Rotr { dst, a, b } => i32op!(dst, a, b, |x, y| x.rotate_right(y % 32)),
                Instr::I64Clz { dst, src } => w!(dst, r!(src).leading_zeros() as u64),
                Instr::I64Ctz { dst, src } => w!(dst, r!(src).trailing_zeros() as u64),
                Instr::I64Popcnt { dst, src } => w!(dst, r!(src).count_ones() as u64),
                Instr::I64Add { dst, a, b } => i64op!(dst, a, b, |x, y| x.wrapping_add(y)),
                Instr::I64Sub { dst, a, b } => i64op!(dst, a, b, |x, y| x.wrapping_sub(y)),
                Instr::I64Mul { dst, a, b } => i64op!(dst, a, b, |x, y| x.wrapping_mul(y)),
                Instr::I64DivS { dst, a, b } => {
                    i64op!(dst, a, b, |x, y| try_num!(num::i64_div_s(
                        x as i64, y as i64
                    )))
                }
                Instr::I64DivU { dst, a, b } => {
                    i64op!(dst, a, b, |x, y| try_num!(num::i64_div_u(x, y)))
                }
                Instr::I64RemS { dst, a, b } => {
                    i64op!(dst, a, b, |x, y| try_num!(num::i64_rem_s(
                        x as i64, y as i64
                    )))
                }
                Instr::I64RemU { dst, a, b } => {
                    i64op!(dst, a, b, |x, y| try_num!(num::i64_rem_u(x, y)))
                }
                Instr::I64And { dst, a, b } => i64op!(dst, a, b, |x, y| x & y),
                Instr::I64Or { dst, a, b } => i64op!(dst, a, b, |x, y| x | y),
                Instr::I64Xor { dst, a, b } => i64op!(dst, a, b, |x, y| x ^ y),
                Instr::I64Shl { dst, a, b } => i64op!(dst, a, b, |x, y| x.wrapping_shl(y as u32)),
                Instr::I64ShrS { dst, a, b } => {
                    i64op!(dst, a, b, |x, y| (x as i64).wrapping_shr(y as u32))
                }
                Instr::I64ShrU { dst, a, b } => i64op!(dst, a, b, |x, y| x.wrapping_shr(y as u32)),
                Instr::I64Rotl { dst, a, b } => {
                    i64op!(dst, a, b, |x, y| x.rotate_left((y % 64) as u32))
                }
                Instr::I64Rotr { dst, a, b } => {
                    i64op!(dst, a, b, |x, y| x.rotate_right((y % 64) as u32))
                }

                Instr::F32Abs { dst, src } => f32un!(dst, src, |x| num::f32_abs(x)),
                Instr::F32Neg { dst, src } => f32un!(dst, src, |x| num::f32_neg(x)),
                Instr::F32Ceil { dst, src } => f32un!(dst, src, |x| canon32(x.ceil())),
                Instr::F32Floor { dst, src } => f32un!(dst, src, |x| canon32(x.floor())),
                Instr::F32Trunc { dst, src } => f32un!(dst, src, |x| canon32(x.trunc())),
                Instr::F32Nearest { dst, src } => f32un!(dst, src, |x| num::f32_nearest(x)),
                Instr::F32Sqrt { dst, src } => f32un!(dst, src, |x| canon32(x.sqrt())),
                Instr::F32Add { dst, a, b } => f32op!(dst, a, b, |x, y| x + y),
                Instr::F32Sub { dst, a, b } => f32op!(dst, a, b, |x, y| x - y),
                Instr::F32Mul { dst, a, b } => f32op!(dst, a, b, |x, y| x * y),
                Instr::F32Div { dst, a, b } => f32op!(dst, a, b, |x, y| x / y),
                Instr::F32Min { dst, a, b } => f32op!(dst, a, b, |x, y| num::f32_min(x, y)),
                Instr::F32Max { dst, a, b } => f32op!(dst, a, b, |x, y| num::f32_max(x, y)),
                Instr::F32Copysign { dst, a, b } => {
                    f32op!(dst, a, b, |x, y| num::f32_copysign(x, y))
                }
                Instr::F64Abs { dst, src } => f64un!(dst, src, |x| num::f64_abs(x)),
                Instr::F64Neg { dst, src } => f64un!(dst, src, |x| num::f64_neg(x)),
                Instr::F64Ceil { dst, src } => f64un!(dst, src, |x| canon64(x.ceil())),
                Instr::F64Floor { dst, src } => f64un!(dst, src, |x| canon64(x.floor())),
                Instr::F64Trunc { dst, src } => f64un!(dst, src, |x| canon64(x.trunc())),
                Instr::F64Nearest { dst, src } => f64un!(dst, src, |x| num::f64_nearest(x)),
                Instr::F64Sqrt { dst, src } => f64un!(dst, src, |x| canon64(x.sqrt())),
                Instr::F64Add { dst, a, b } => f64op!(dst, a, b, |x, y| x + y),
                Instr::F64Sub { dst, a, b } => f64op!(dst, a, b, |x, y| x - y),
                Instr::F64Mul { dst, a, b } => f64op!(dst, a, b, |x, y| x * y),
                Instr::F64Div { dst, a, b } => f64op!(dst, a, b, |x, y| x / y),
                Instr::F64Min { dst, a, b } => f64op!(dst, a, b, |x, y| num::f64_min(x, y)),
                Instr::F64Max { dst, a, b } => f64op!(dst, a, b, |x, y| num::f64_max(x, y)),
                Instr::F64Copysign { dst, a, b } => {
                    f64op!(dst, a, b, |x, y| num::f64_copysign(x, y))
                }

                Instr::F32CanonNan { dst, src } => f32un!(dst, src, |x| canon32(x)),
                Instr::F64CanonNan { dst, src } => f64un!(dst, src, |x| canon64(x)),
                Instr::F32x4CanonNan { dst, src } => {
                    let lanes = r128!(src).to_le_bytes();
                    let mut out = [0u8; 16];
                    for (o, l) in out.chunks_exact_mut(4).zip(lanes.chunks_exact(4)) {
                        let x = f32::from_le_bytes(l.try_into().expect("4 bytes"));
                        o.copy_from_slice(&canon32(x).to_le_bytes());
                    }
                    w128!(dst, u128::from_le_bytes(out))
                }
                Instr::F64x2CanonNan { dst, src } => {
                    let v = r128!(src);
                    let lo = canon64(f64::from_bits(v as u64)).to_bits();
                    let hi = canon64(f64::from_bits((v >> 64) as u64)).to_bits();
                    w128!(dst, lo as u128 | (hi as u128) << 64)
                }
                Instr::I32WrapI64 { dst, src } => w!(dst, r!(src) as u32 as u64),
                Instr::I32TruncF32S { dst, src } => {
                    let v = try_num!(num::i32_trunc_f32_s(f32::from_bits(r!(src) as u32)));
                    w!(dst, v as u32 as u64)
                }
                Instr::I32TruncF32U { dst, src } => {
                    let v = try_num!(num::i32_trunc_f32_u(f32::from_bits(r!(src) as u32)));
                    w!(dst, v as u64)
                }
                Instr::I32TruncF64S { dst, src } => {
                    let v = try_num!(num::i32_trunc_f64_s(f64::from_bits(r!(src))));
                    w!(dst, v as u32 as u64)
                }
                Instr::I32TruncF64U { dst, src } => {
                    let v = try_num!(num::i32_trunc_f64_u(f64::from_bits(r!(src))));
                    w!(dst, v as u64)
                }
                Instr::I64ExtendI32S { dst, src } => w!(dst, r!(src) as i32 as i64 as u64),
                Instr::I64ExtendI32U { dst, src } => w!(dst, r!(src) as u32 as u64),
                Instr::I64TruncF32S { dst, src } => {
                    let v = try_num!(num::i64_trunc_f32_s(f32::from_bits(r!(src) as u32)));
                    w!(dst, v as u64)
                }
                Instr::I64TruncF32U { dst, src } => {
                    let v = try_num!(num::i64_trunc_f32_u(f32::from_bits(r!(src) as u32)));
                    w!(dst, v)
                }
                Instr::I64TruncF64S { dst, src } => {
                    let v = try_num!(num::i64_trunc_f64_s(f64::from_bits(r!(src))));
                    w!(dst, v as u64)
                }
                Instr::I64TruncF64U { dst, src } => {
                    let v = try_num!(num::i64_trunc_f64_u(f64::from_bits(r!(src))));
                    w!(dst, v)
                }
                Instr::F32ConvertI32S { dst, src } => {
                    w!(dst, num::f32_convert_i32_s(r!(src) as i32).to_bits() as u64)
                }
                Instr::F32ConvertI32U { dst, src } => {
                    w!(dst, num::f32_convert_i32_u(r!(src) as u32).to_bits() as u64)
                }
                Instr::F32ConvertI64S { dst, src } => {
                    w!(dst, num::f32_convert_i64_s(r!(src) as i64).to_bits() as u64)
                }
                Instr::F32ConvertI64U { dst, src } => {
                    w!(dst, num::f32_convert_i64_u(r!(src)).to_bits() as u64)
                }
                Instr::F32DemoteF64 { dst, src } => {
                    w!(
                        dst,
                        num::f32_demote_f64(f64::from_bits(r!(src))).to_bits() as u64
                    )
                }
                Instr::F64ConvertI32S { dst, src } => {
                    w!(dst, num::f64_convert_i32_s(r!(src) as i32).to_bits())
                }
                Instr::F64ConvertI32U { dst, src } => {
                    w!(dst, num::f64_convert_i32_u(r!(src) as u32).to_bits())
                }
                Instr::F64ConvertI64S { dst, src } => {
                    w!(dst, num::f64_convert_i64_s(r!(src) as i64).to_bits())
                }
                Instr::F64ConvertI64U { dst, src } => {
                    w!(dst, num::f64_convert_i64_u(r!(src)).to_bits())
                }
                Instr::F64PromoteF32 { dst, src } => {
                    w!(
                        dst,
                        num::f64_promote_f32(f32::from_bits(r!(src) as u32)).to_bits()
                    )
                }
                Instr::I32Extend8S { dst, src } => w!(dst, r!(src) as i8 as i32 as u32 as u64),
                Instr::I32Extend16S { dst, src } => w!(dst, r!(src) as i16 as i32 as u32 as u64),
                Instr::I64Extend8S { dst, src } => w!(dst, r!(src) as i8 as i64 as u64),
                Instr::I64Extend16S { dst, src } => w!(dst, r!(src) as i16 as i64 as u64),
                Instr::I64Extend32S { dst, src } => w!(dst, r!(src) as i32 as i64 as u64),
                Instr::I32TruncSatF32S { dst, src } => {
                    w!(
                        dst,
                        num::i32_trunc_sat_f32_s(f32::from_bits(r!(src) as u32)) as u32 as u64
                    )
                }
                Instr::I32TruncSatF32U { dst, src } => {
                    w!(
                        dst,
                        num::i32_trunc_sat_f32_u(f32::from_bits(r!(src) as u32)) as u64
                    )
                }
                Instr::I32TruncSatF64S { dst, src } => {
                    w!(
                        dst,
                        num::i32_trunc_sat_f64_s(f64::from_bits(r!(src))) as u32 as u64
                    )
                }
                Instr::I32TruncSatF64U { dst, src } => {
                    w!(
                        dst,
                        num::i32_trunc_sat_f64_u(f64::from_bits(r!(src))) as u64
                    )
                }
                Instr::I64TruncSatF32S { dst, src } => {
                    w!(
                        dst,
                        num::i64_trunc_sat_f32_s(f32::from_bits(r!(src) as u32)) as u64
                    )
                }
                Instr::I64TruncSatF32U { dst, src } => {
                    w!(
                        dst,
                        num::i64_trunc_sat_f32_u(f32::from_bits(r!(src) as u32))
                    )
                }
                Instr::I64TruncSatF64S { dst, src } => {
                    w!(
                        dst,
                        num::i64_trunc_sat_f64_s(f64::from_bits(r!(src))) as u64
                    )
                }
                Instr::I64TruncSatF64U { dst, src } => {
                    w!(dst, num::i64_trunc_sat_f64_u(f64::from_bits(r!(src))))
                }

                Instr::V128Unary { op, dst, a } => w128!(dst, simd::unary(op, r128!(a))),
                Instr::V128Binary { op, dst, a, b } => {
                    w128!(dst, simd::binary(op, r128!(a), r128!(b)))
                }
                Instr::V128Ternary { op, dst, args } => {
                    let v = simd::ternary(op, r128!(args), r128!(args + 2), r128!(args + 4));
                    w128!(dst, v)
                }
                Instr::V128Test { op, dst, a } => w!(dst, simd::test(op, r128!(a)) as u32 as u64),
                Instr::V128Shift { op, dst, a, count } => {
                    w128!(dst, simd::shift(op, r128!(a), r!(count) as u32))
                }
                Instr::V128Splat { op, dst, src } => w128!(dst, simd::splat(op, r!(src))),
                Instr::V128Extract { op, lane, dst, a } => {
                    w!(dst, simd::extract_lane(op, r128!(a), lane))
                }
                Instr::V128Replace {
                    op,
                    lane,
                    dst,
                    a,
                    x,
                } => w128!(dst, simd::replace_lane(op, r128!(a), lane, r!(x))),
                Instr::V128Shuffle { dst, a, b } => {
                    let (index, _, _) = extra!();
                    // SAFETY: the shuffle table entry was emitted with the instruction.
                    let lanes = unsafe { (*st.code).shuffles[index as usize] };
                    w128!(dst, simd::shuffle(r128!(a), r128!(b), lanes))
                }
                Instr::V128LoadExtend {
                    op,
                    dst,
                    addr,
                    offset,
                } => {
                    let ea = ea!(addr, offset, 8);
                    // SAFETY: bounds checked.
                    let v = u64::from_le_bytes(unsafe {
                        std::ptr::read_unaligned(mem_base.add(ea) as *const [u8; 8])
                    });
                    w128!(dst, simd::unary(op, v as u128))
                }
                Instr::V128LoadSplat {
                    op,
                    size,
                    dst,
                    addr,
                    offset,
                } => {
                    sync_out!();
                    let v = self.load_bytes(st, addr, offset, size)?;
                    w128!(dst, simd::splat(op, v))
                }
                Instr::V128LoadZero {
                    size,
                    dst,
                    addr,
                    offset,
                } => {
                    sync_out!();
                    let v = self.load_bytes(st, addr, offset, size)?;
                    w128!(dst, v as u128)
                }
                Instr::V128LoadLane {
                    op,
                    lane,
                    dst,
                    addr,
                    offset,
                } => {
                    let (vector, size, _) = extra!();
                    sync_out!();
                    let v = self.load_bytes(st, addr, offset, size as u8)?;
                    w128!(dst, simd::replace_lane(op, r128!(vector), lane, v))
                }
                Instr::V128StoreLane {
                    op,
                    lane,
                    addr,
                    val,
                    offset,
                } => {
                    let (size, _, _) = extra!();
                    let v = simd::extract_lane(op, r128!(val), lane);
                    sync_out!();
                    self.store_bytes(st, addr, offset, size as u8, v)?;
                }
            }
        }
    }
}
