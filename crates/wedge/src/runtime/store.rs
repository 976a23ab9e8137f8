//! The store: owner of all runtime objects (functions, memories, tables, globals, instances).

use super::func::HostFn;
use super::gc::GcState;
use super::memory::LinearMemory;
use super::table::TableEntity;
use super::tag::TagEntity;
use super::vmctx::{VmCtx, VmFuncRef, VmStore};
use crate::limits::{InterruptHandle, Meter, StoreLimits};
use crate::module::Module;
use crate::registry::TypeCache;
use crate::types::{FuncType, GlobalType};
use crate::Engine;
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Identifies a store, so handles from one store are never used with another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StoreId(u64);

impl StoreId {
    fn fresh() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Where a function's code lives.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FuncKind {
    /// A function defined by a module, in the instance with this store index.
    Wasm { instance: u32, index: u32 },
    /// A host function, index into `Store::host_funcs`.
    Host { host: u32 },
}

/// A function as the store keeps it.
#[derive(Debug)]
pub(crate) struct FuncEntity {
    /// The signature: owned by a module in `StoreInner::modules` or by
    /// `StoreInner::host_types`, which live as long as the store (no reference count to
    /// touch per function and instance).
    ty: std::ptr::NonNull<FuncType>,
    pub type_id: u32,
    pub kind: FuncKind,
    /// How compiled code calls it: its slot in one of the store's `funcref_blocks`, which
    /// never move and live as long as the store.
    funcref: std::ptr::NonNull<VmFuncRef>,
}

// SAFETY: the slot is owned by the same store as the entity (in `funcref_blocks`) and is
// reached only through this entity or, read-only, through the store's `funcref_ptrs`; the
// signature is immutable and owned by the store too.
unsafe impl Send for FuncEntity {}

impl FuncEntity {
    /// The function's signature.
    pub fn ty(&self) -> &FuncType {
        // SAFETY: the signature's owner lives as long as the store, and so as this entity
        // (see the field); nothing mutates it.
        unsafe { self.ty.as_ref() }
    }

    /// The function's signature as a handle of its own, for callers that let go of the store.
    pub fn ty_arc(&self) -> Arc<FuncType> {
        let p = self.ty.as_ptr().cast_const();
        // SAFETY: `p` came from `Arc::as_ptr` of an `Arc<FuncType>` that the store keeps
        // alive (see the field), so adding a reference and taking it over is sound.
        unsafe {
            Arc::increment_strong_count(p);
            Arc::from_raw(p)
        }
    }

    /// How compiled code calls the function.
    pub fn funcref(&self) -> &VmFuncRef {
        // SAFETY: the slot lives in a block the store owns for as long as this entity, and
        // only this entity hands out references to it (see the type's Send impl).
        unsafe { self.funcref.as_ref() }
    }

    /// The function reference, to fill in its code and context.
    pub fn funcref_mut(&mut self) -> &mut VmFuncRef {
        // SAFETY: as in `funcref`; `&mut self` makes this the only reference.
        unsafe { self.funcref.as_mut() }
    }
}

/// A global's type and current value (raw bits, see `Val::to_raw`).
#[derive(Clone, Debug)]
pub(crate) struct GlobalEntity {
    pub ty: GlobalType,
    pub value: u128,
}

/// An instance: the store indices of everything its module's index spaces name.
pub(crate) struct InstanceEntity {
    pub module: Module,
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    pub tags: Vec<u32>,
    /// Element segments as raw references; a dropped segment is empty.
    pub elems: Vec<Box<[u64]>>,
    /// Whether each data segment was dropped.
    pub data_dropped: Vec<bool>,
    /// The context block compiled code of this instance runs with.
    pub vmctx: VmCtx,
    /// Native code of the module, when it runs compiled.
    pub native: Option<Arc<crate::native::NativeCode>>,
    /// Whether it runs compiled code of a tiered module (see `crate::tier`).
    pub tier: crate::tier::InstanceTier,
}

/// The host trampoline of each canonical type id (by id; 0: none known), from compiled
/// modules instantiated in the store.
#[derive(Default)]
pub(crate) struct Trampolines(Vec<usize>);

impl Trampolines {
    /// The trampoline of a type, if one is known.
    pub fn get(&self, type_id: u32) -> Option<usize> {
        self.0.get(type_id as usize).copied().filter(|&c| c != 0)
    }

    /// Records the trampoline of a type unless one is known; true if it was not.
    pub fn insert(&mut self, type_id: u32, code: usize) -> bool {
        let i = type_id as usize;
        if self.0.len() <= i {
            self.0.resize(i + 1, 0);
        }
        let new = self.0[i] == 0;
        if new {
            self.0[i] = code;
        }
        new
    }
}

/// Pointers to every function's `VmFuncRef`, by store function index.
#[derive(Default)]
pub(crate) struct FuncRefPtrs(pub Vec<*const VmFuncRef>);

// SAFETY: the pointers point into the same store's `funcref_blocks`.
unsafe impl Send for FuncRefPtrs {}
// SAFETY: as above; they are only read through shared references.
unsafe impl Sync for FuncRefPtrs {}

/// Everything in a store that does not depend on the host data type.
pub(crate) struct StoreInner {
    pub id: StoreId,
    pub engine: Engine,
    pub funcs: Vec<FuncEntity>,
    pub memories: Vec<Arc<LinearMemory>>,
    pub tables: Vec<TableEntity>,
    /// Globals, boxed so compiled code can hold the address of their cells.
    #[allow(clippy::vec_box)]
    pub globals: Vec<Box<GlobalEntity>>,
    pub instances: Vec<InstanceEntity>,
    pub tags: Vec<TagEntity>,
    pub externs: Vec<Box<dyn Any + Send + Sync>>,
    /// The canonical types this store's instances and host functions use.
    pub types: TypeCache,
    /// The GC heap and the roots the store holds.
    pub gc: GcState,
    /// Value stacks kept for the next calls (one per nested call into the interpreter).
    pub stacks: Vec<Vec<u64>>,
    /// Nesting depth of host-to-wasm re-entry.
    pub reentry: u32,
    /// The block compiled code reads (stable address).
    pub vm: Box<VmStore>,
    /// Modules whose functions were added to the store: they own those functions' signatures.
    pub modules: Vec<Module>,
    /// Signatures of the host functions added to the store (see `FuncEntity::ty`).
    pub host_types: Vec<Arc<FuncType>>,
    /// `VmFuncRef` of each function; `vm.funcrefs` points at its buffer.
    pub funcref_ptrs: FuncRefPtrs,
    /// The functions' `VmFuncRef`s, a block per instance (or host function), never moved
    /// or resized once made: compiled code and `funcref_ptrs` hold their addresses.
    funcref_blocks: Vec<Vec<VmFuncRef>>,
    /// Host trampoline of each canonical type id, from compiled modules instantiated here.
    pub trampolines: Trampolines,
    /// Gas and instruction counters.
    pub meter: Meter,
    /// Caps on memory and table growth.
    pub limits: StoreLimits,
    /// Set by an [`InterruptHandle`] to stop running wasm.
    pub interrupt: InterruptHandle,
    /// Time spent in host functions called from wasm (when the engine measures it).
    pub host_time: Duration,
    /// The guest profiler, while one runs (see [`Store::start_profiling`]).
    pub profiler: Option<Box<super::profiler::Profiler>>,
    /// While the profiler runs: the interpreter activations waiting for a call to compiled
    /// code or the host (addresses of their executor and state, outermost first), whose
    /// frames complete the samples taken inside it.
    pub suspended_interp: Vec<(usize, usize)>,
    /// Run when the store is dropped (see [`Store::on_drop`]).
    pub drop_hooks: Vec<Box<dyn FnOnce() + Send + Sync>>,
}

impl Drop for StoreInner {
    fn drop(&mut self) {
        // The hooks free state kept outside the store; nothing of the store runs any more.
        for hook in std::mem::take(&mut self.drop_hooks) {
            hook();
        }
    }
}

/// A collection of instances and the objects they own, plus host data of type `T`.
///
/// ```
/// let engine = wedge::Engine::default();
/// let mut store = wedge::Store::new(&engine, 42u32);
/// *store.data_mut() += 1;
/// assert_eq!(*store.data(), 43);
/// ```
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) host_funcs: Vec<HostFn<T>>,
    data: T,
}

impl<T> Store<T> {
    /// Creates an empty store holding `data` for host functions.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        let mut store = Store {
            inner: StoreInner {
                id: StoreId::fresh(),
                engine: engine.clone(),
                funcs: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                instances: Vec::new(),
                tags: Vec::new(),
                externs: Vec::new(),
                types: TypeCache::default(),
                gc: GcState::default(),
                stacks: Vec::new(),
                reentry: 0,
                vm: Box::new(VmStore::new(
                    super::call::invoke_raw::<T>,
                    crate::native::libcall_table(),
                )),
                modules: Vec::new(),
                host_types: Vec::new(),
                funcref_ptrs: FuncRefPtrs::default(),
                funcref_blocks: Vec::new(),
                trampolines: Trampolines::default(),
                meter: Meter::default(),
                limits: StoreLimits::default(),
                interrupt: InterruptHandle::default(),
                host_time: Duration::ZERO,
                profiler: None,
                suspended_interp: Vec::new(),
                drop_hooks: Vec::new(),
            },
            host_funcs: Vec::new(),
            data,
        };
        // The heap owns its table cell (boxed), so the address stays valid for the store.
        store.inner.vm.gc_table = store.inner.gc.heap.table();
        store
    }

    /// The engine the store was created with.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Sets the total gas the store may use (`None`: unlimited); needs
    /// [`Config::metering`](crate::Config::metering). Gas already used counts against it.
    pub fn set_gas_limit(&mut self, limit: Option<u64>) {
        self.inner.meter.gas_limit = limit.unwrap_or(u64::MAX);
    }

    /// Raises the gas limit by `gas`, so calls can go on after gas ran out.
    pub fn add_gas(&mut self, gas: u64) {
        let m = &mut self.inner.meter;
        m.gas_limit = m.gas_limit.saturating_add(gas);
    }

    /// Gas used so far by this store.
    pub fn gas_used(&self) -> u64 {
        self.inner.meter.gas_used
    }

    /// Gas left before calls trap with "gas exhausted" (`None`: unlimited).
    pub fn gas_remaining(&self) -> Option<u64> {
        let m = &self.inner.meter;
        (m.gas_limit != u64::MAX).then(|| m.gas_limit.saturating_sub(m.gas_used))
    }

    /// Wasm instructions executed so far by this store (needs metering).
    ///
    /// With a cost table where every operator costs the same `c > 0`, the gas used is always
    /// `c` times the instructions executed, and compiled code keeps only the gas.
    pub fn instruction_count(&self) -> u64 {
        let m = &self.inner.meter;
        match self.inner.engine.config().cost_table.uniform_cost() {
            Some(c) if c > 0 => m.gas_used / c,
            _ => m.instructions,
        }
    }

    /// All counters at once.
    pub fn meter(&self) -> Meter {
        Meter {
            instructions: self.instruction_count(),
            ..self.inner.meter
        }
    }

    /// Sets the gas used and instruction counters back to zero (the limit stays).
    pub fn reset_meter(&mut self) {
        let m = &mut self.inner.meter;
        m.gas_used = 0;
        m.instructions = 0;
    }

    /// Sets caps on memory and table growth for everything in this store.
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.inner.limits = limits;
    }

    /// A handle that interrupts wasm running in this store, from any thread.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.inner.interrupt.clone()
    }

    /// Starts the guest profiler: every `interval`, the wasm running in this store records
    /// its call stack at its next function entry or loop head (both tiers). Needs
    /// [`Config::interruptible`](crate::Config::interruptible); restarts a running profile.
    pub fn start_profiling(&mut self, interval: Duration) -> Result<(), crate::Error> {
        if !self.inner.engine.config().interruptible {
            return Err(crate::Error::Config(
                "the guest profiler needs Config::interruptible".into(),
            ));
        }
        let handle = self.inner.interrupt.clone();
        self.inner.suspended_interp.clear();
        self.inner.profiler = Some(Box::new(super::profiler::Profiler::start(handle, interval)));
        Ok(())
    }

    /// Stops the guest profiler and returns its samples (None if it was not running).
    pub fn stop_profiling(&mut self) -> Option<super::GuestProfile> {
        let profiler = self.inner.profiler.take()?;
        self.inner.suspended_interp.clear();
        self.inner
            .interrupt
            .sample
            .store(false, std::sync::atomic::Ordering::Relaxed);
        Some(profiler.finish())
    }

    /// A number identifying this store among all the process's stores (never reused while
    /// the process runs), for hosts that keep state per store elsewhere.
    pub fn id(&self) -> u64 {
        self.inner.id.0
    }

    /// Runs `f` once when the store is dropped (no wasm of it runs any more): hosts and
    /// plugins free there what they kept for this store's guests.
    pub fn on_drop(&mut self, f: impl FnOnce() + Send + Sync + 'static) {
        self.inner.drop_hooks.push(Box::new(f));
    }

    /// Time spent in host functions called from wasm, when
    /// [`Config::measure_host_time`](crate::Config::measure_host_time) is on.
    pub fn host_time(&self) -> Duration {
        self.inner.host_time
    }

    /// The runtime objects and the host data, borrowed mutably at the same time.
    pub(crate) fn inner_and_data_mut(&mut self) -> (&mut StoreInner, &mut T) {
        (&mut self.inner, &mut self.data)
    }

    /// Consumes the store and returns the host data.
    pub fn into_data(self) -> T {
        self.data
    }
}

impl StoreInner {
    /// Adds a host function and returns its store index.
    pub(crate) fn push_host_func(&mut self, ty: Arc<FuncType>, type_id: u32, host: u32) -> u32 {
        let code = self.trampoline(type_id);
        let sig = func_type_ptr(&ty);
        self.host_types.push(ty);
        let kind = FuncKind::Host { host };
        // SAFETY: `host_types` now owns the signature for the store's lifetime.
        unsafe { self.push_funcs(std::iter::once((sig, type_id, kind, code)), None) }
    }

    /// The host trampoline registered for a canonical type, or null.
    pub(crate) fn trampoline(&self, type_id: u32) -> *const u8 {
        self.trampolines
            .get(type_id)
            .map_or(std::ptr::null(), |p| p as *const u8)
    }

    /// Adds functions, each with its signature (see [`func_type_ptr`]), canonical type id,
    /// kind and initial code (null if none), and returns the store index of the first; the
    /// others follow. Compiled code calls them with `vmctx` (a compiled instance's context
    /// block), or else with their function reference (host and interpreted functions).
    ///
    /// # Safety
    /// Each signature must be owned by `self.modules` or `self.host_types`.
    pub(crate) unsafe fn push_funcs(
        &mut self,
        funcs: impl ExactSizeIterator<Item = (std::ptr::NonNull<FuncType>, u32, FuncKind, *const u8)>,
        vmctx: Option<*mut u8>,
    ) -> u32 {
        let first = self.funcs.len() as u32;
        let n = funcs.len();
        // Made with room for all, the block never reallocates: its slots' addresses are
        // final as soon as they are written.
        let mut block: Vec<VmFuncRef> = Vec::with_capacity(n);
        self.funcs.reserve(n);
        self.funcref_ptrs.0.reserve(n);
        // The three arrays are written in place (one pass, no length updates per item).
        let slots = &mut block.spare_capacity_mut()[..n];
        let ptrs = &mut self.funcref_ptrs.0.spare_capacity_mut()[..n];
        let entities = &mut self.funcs.spare_capacity_mut()[..n];
        let mut written = 0;
        for (i, (ty, type_id, kind, code)) in funcs.enumerate().take(n) {
            let slot = slots[i].as_mut_ptr();
            slots[i].write(VmFuncRef {
                code,
                vmctx: vmctx.unwrap_or(slot.cast()),
                type_id,
                func_index: first + i as u32,
            });
            ptrs[i].write(slot);
            entities[i].write(FuncEntity {
                ty,
                type_id,
                kind,
                funcref: std::ptr::NonNull::new(slot).expect("a Vec's buffer is never null"),
            });
            written = i + 1;
        }
        // SAFETY: the first `written` (at most `n`) elements of each array's spare capacity
        // were initialized just above.
        unsafe {
            block.set_len(written);
            self.funcref_ptrs
                .0
                .set_len(self.funcref_ptrs.0.len() + written);
            self.funcs.set_len(self.funcs.len() + written);
        }
        self.vm.funcrefs = self.funcref_ptrs.0.as_ptr();
        self.funcref_blocks.push(block);
        first
    }

    /// Records host trampolines, each for a canonical type id (the first one known for a
    /// type stays), and gives them to the functions of those types lacking one.
    pub(crate) fn register_trampolines(&mut self, codes: impl Iterator<Item = (u32, usize)>) {
        let mut new = false;
        for (type_id, code) in codes {
            new |= self.trampolines.insert(type_id, code);
        }
        if !new {
            return;
        }
        for f in &mut self.funcs {
            if f.funcref().code.is_null() {
                if let Some(code) = self.trampolines.get(f.type_id) {
                    f.funcref_mut().code = code as *const u8;
                }
            }
        }
    }

    /// Panics if a handle belongs to another store: using it here is a host programming error.
    pub(crate) fn check(&self, id: StoreId) {
        assert!(
            id == self.id,
            "a wedge object was used with a store it does not belong to"
        );
    }
}

/// The signature behind `ty`, as `StoreInner::push_funcs` takes it (whoever owns `ty` must
/// live as long as the store the functions are added to).
#[inline]
pub(crate) fn func_type_ptr(ty: &Arc<FuncType>) -> std::ptr::NonNull<FuncType> {
    std::ptr::NonNull::new(Arc::as_ptr(ty).cast_mut()).expect("an Arc is never null")
}

/// Read access to a store, from a [`Store`] or a [`Caller`](super::Caller).
pub trait AsContext {
    /// The host data type of the store.
    type Data;
    /// The store.
    fn as_context(&self) -> &Store<Self::Data>;
}

/// Write access to a store, from a [`Store`] or a [`Caller`](super::Caller).
pub trait AsContextMut: AsContext {
    /// The store, mutably.
    fn as_context_mut(&mut self) -> &mut Store<Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> &Store<T> {
        self
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> &mut Store<T> {
        self
    }
}

impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> &Store<C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> &Store<C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> &mut Store<C::Data> {
        (**self).as_context_mut()
    }
}
