//! The store: owner of all runtime objects (functions, memories, tables, globals, instances).

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

/// A function as the store describes it: made on demand from the function's run of store
/// indices (see [`FuncSpace`]), so an instance's functions cost nothing each to create.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FuncEntity {
    /// The signature: owned by a module in `StoreInner::modules` or by
    /// `StoreInner::host_types`, which live as long as the store (no reference count to
    /// touch per function and instance).
    ty: std::ptr::NonNull<FuncType>,
    pub type_id: u32,
    pub kind: FuncKind,
}

// SAFETY: the signature is immutable and owned by the store (see the field).
unsafe impl Send for FuncEntity {}

impl FuncEntity {
    /// The function's signature.
    pub fn ty(&self) -> &FuncType {
        // SAFETY: the signature's owner lives as long as the store, and so at least as long
        // as this copy of the entity (see the field); nothing mutates it.
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
}

/// What a run of store function indices is.
#[derive(Clone, Copy, Debug)]
enum Run {
    /// Host functions added one after the other: their entities in `FuncSpace::host`,
    /// from this index on.
    Host(u32),
    /// The defined functions of the instance with this store index, in module order.
    Instance(u32),
}

/// The store's function index space: runs of consecutive indices, one per host function
/// and one per instance (its defined functions), in the order they were added.
#[derive(Default)]
pub(crate) struct FuncSpace {
    /// First store index of each run, ascending.
    starts: Vec<u32>,
    /// What each run is.
    runs: Vec<Run>,
    /// Number of store functions.
    len: u32,
    /// The host functions' entities, in store index order.
    host: Vec<FuncEntity>,
}

impl FuncSpace {
    /// Number of functions in the store.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// The run holding store index `f` and the run's first index.
    #[inline]
    fn run(&self, f: u32) -> (Run, u32) {
        debug_assert!(f < self.len, "store function {f} out of bounds");
        // The last run is the most recent instance: look there first.
        let last = self.starts.len() - 1;
        let k = if f >= self.starts[last] {
            last
        } else {
            self.starts.partition_point(|&s| s <= f) - 1
        };
        (self.runs[k], self.starts[k])
    }

    /// Adds a host function and returns its store index.
    fn push_host(&mut self, entity: FuncEntity) -> u32 {
        let f = self.len;
        match self.runs.last() {
            // Extends the last run if it is one of host functions.
            Some(Run::Host(_)) => {
                self.len = f.checked_add(1).expect("at most 2^32 functions per store");
            }
            _ => {
                self.push(Run::Host(self.host.len() as u32), 1);
            }
        }
        self.host.push(entity);
        f
    }

    /// Adds a run of `n` indices and returns its first.
    fn push(&mut self, run: Run, n: u32) -> u32 {
        let first = self.len;
        self.starts.push(first);
        self.runs.push(run);
        self.len = first
            .checked_add(n)
            .expect("at most 2^32 functions per store");
        first
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
    pub funcs: InstanceFuncs,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    pub tags: Vec<u32>,
    /// Element segments as raw references; a dropped segment is empty.
    pub elems: Vec<Box<[u64]>>,
    /// Whether each data segment was dropped.
    pub data_dropped: DataDropped,
    /// The context block compiled code of this instance runs with.
    pub vmctx: VmCtx,
    /// Native code of the module, when it runs compiled.
    pub native: Option<Arc<crate::native::NativeCode>>,
    /// Whether it runs compiled code of a tiered module (see `crate::tier`).
    pub tier: crate::tier::InstanceTier,
}

/// Which of an instance's data segments were dropped: none, or the module's set of active
/// segments (all dropped after instantiation) shared, until one more is dropped; then a set
/// of its own.
#[derive(Clone, Debug)]
pub(crate) struct DataDropped {
    /// Number of data segments.
    len: usize,
    /// The shared set (none dropped if None), while `own` is empty.
    shared: Option<Arc<[bool]>>,
    /// The instance's own set, once it differs from `shared`.
    own: Vec<bool>,
}

impl DataDropped {
    /// `n` segments, none dropped.
    pub fn none(n: usize) -> DataDropped {
        DataDropped {
            len: n,
            shared: None,
            own: Vec::new(),
        }
    }

    /// Exactly the segments set in `dropped`, which is shared until one more is dropped.
    pub fn shared(dropped: Arc<[bool]>) -> DataDropped {
        DataDropped {
            len: dropped.len(),
            shared: Some(dropped),
            own: Vec::new(),
        }
    }
}

impl std::ops::Index<usize> for DataDropped {
    type Output = bool;
    fn index(&self, i: usize) -> &bool {
        if !self.own.is_empty() {
            return &self.own[i];
        }
        assert!(i < self.len, "data segment {i} out of bounds");
        self.shared.as_deref().map_or(&false, |s| &s[i])
    }
}

impl std::ops::IndexMut<usize> for DataDropped {
    fn index_mut(&mut self, i: usize) -> &mut bool {
        if self.own.is_empty() {
            self.own = match &self.shared {
                Some(s) => s.to_vec(),
                None => vec![false; self.len],
            };
        }
        &mut self.own[i]
    }
}

/// The store indices of an instance's functions: its imports, then its defined functions,
/// which are one run of consecutive indices.
#[derive(Clone, Debug, Default)]
pub(crate) struct InstanceFuncs {
    /// Store index of each imported function.
    pub imported: Vec<u32>,
    /// Store index of the first defined function.
    pub first: u32,
    /// Number of defined functions.
    pub defined: u32,
}

impl InstanceFuncs {
    /// The store index of module function `i` (which must exist).
    #[inline]
    pub fn get(&self, i: u32) -> u32 {
        match self.imported.get(i as usize) {
            Some(&f) => f,
            None => self.first + (i - self.imported.len() as u32),
        }
    }

    /// Number of functions (imported and defined).
    pub fn len(&self) -> usize {
        self.imported.len() + self.defined as usize
    }
}

/// The host trampoline of each canonical type id (by id; 0: none known), from compiled
/// modules instantiated in the store: those recorded one by one, then the set of the first
/// compiled module instantiated, shared with the module (see [`Trampolines::insert_set`]).
#[derive(Default)]
pub(crate) struct Trampolines {
    own: Vec<usize>,
    shared: Option<Arc<[usize]>>,
}

impl Trampolines {
    /// The trampoline of a type, if one is known.
    pub fn get(&self, type_id: u32) -> Option<usize> {
        let i = type_id as usize;
        let own = self.own.get(i).copied().filter(|&c| c != 0);
        own.or_else(|| self.shared.as_ref()?.get(i).copied().filter(|&c| c != 0))
    }

    /// Records the trampoline of a type unless one is known; true if it was not.
    pub fn insert(&mut self, type_id: u32, code: usize) -> bool {
        if code == 0 || self.get(type_id).is_some() {
            return false;
        }
        let i = type_id as usize;
        if self.own.len() <= i {
            self.own.resize(i + 1, 0);
        }
        self.own[i] = code;
        true
    }

    /// Records a module's trampolines, `set` by type id (from [`trampoline_set`]), unless
    /// known; true if some were not. The first module's set is shared, not copied.
    pub fn insert_set(&mut self, set: &Arc<[usize]>) -> bool {
        match &self.shared {
            None => {
                self.shared = Some(set.clone());
                true
            }
            Some(shared) if Arc::ptr_eq(shared, set) => false,
            Some(_) => {
                let mut new = false;
                for (type_id, &code) in set.iter().enumerate() {
                    new |= self.insert(type_id as u32, code);
                }
                new
            }
        }
    }
}

/// The host trampolines of a compiled module by canonical type id (0: none), made once.
pub(crate) fn trampoline_set(
    m: &crate::module::ModuleInner,
    native: &crate::native::NativeCode,
) -> Arc<[usize]> {
    m.trampoline_set
        .get_or_init(|| {
            let len = m
                .type_ids
                .iter()
                .map(|&id| id as usize + 1)
                .max()
                .unwrap_or(0);
            let mut set = vec![0; len];
            for (t, &id) in m.type_ids.iter().enumerate() {
                if set[id as usize] == 0 {
                    set[id as usize] = native.host_trampoline(t as u32);
                }
            }
            set.into()
        })
        .clone()
}

/// Pointers to every function's `VmFuncRef`, by store function index: null until the
/// reference is made (see [`StoreInner::funcref`]).
#[derive(Default)]
pub(crate) struct FuncRefPtrs(pub Vec<*const VmFuncRef>);

// SAFETY: the pointers point into the same store's `FuncRefArena`.
unsafe impl Send for FuncRefPtrs {}
// SAFETY: as above; they are only read through shared references.
unsafe impl Sync for FuncRefPtrs {}

/// The store's `VmFuncRef`s, made on first use, in chunks that never grow past their
/// capacity: a reference's address is final once made (compiled code and `FuncRefPtrs`
/// hold it).
#[derive(Default)]
struct FuncRefArena {
    chunks: Vec<Vec<VmFuncRef>>,
}

// SAFETY: the references' pointers point into the same store (see `VmFuncRef`).
unsafe impl Send for FuncRefArena {}

impl FuncRefArena {
    /// Stores `r` and returns its address.
    fn alloc(&mut self, r: VmFuncRef) -> *mut VmFuncRef {
        let full = self.chunks.last().is_none_or(|c| c.len() == c.capacity());
        if full {
            let cap = self.chunks.last().map_or(0, |c| c.capacity() * 2);
            self.chunks.push(Vec::with_capacity(cap.clamp(16, 4096)));
        }
        let chunk = self.chunks.last_mut().expect("a chunk was just made");
        let at = chunk.len();
        chunk.push(r);
        // SAFETY: `at` is in bounds; the push stayed within capacity, so nothing moved.
        unsafe { chunk.as_mut_ptr().add(at) }
    }

    /// Every reference made so far.
    fn iter_mut(&mut self) -> impl Iterator<Item = &mut VmFuncRef> {
        self.chunks.iter_mut().flatten()
    }
}

/// Everything in a store that does not depend on the host data type.
pub(crate) struct StoreInner {
    pub id: StoreId,
    pub engine: Engine,
    pub funcs: FuncSpace,
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
    /// `VmFuncRef` of each function, or null until made; `vm.funcrefs` points at its buffer.
    /// It has at least one entry, and no more than up to the last reference made.
    pub funcref_ptrs: FuncRefPtrs,
    /// The functions' `VmFuncRef`s made so far.
    funcref_arena: FuncRefArena,
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
    pub(crate) host_funcs: super::host_funcs::HostFuncs<T>,
    data: T,
}

impl<T> Store<T> {
    /// Creates an empty store holding `data` for host functions.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        let mut store = Store {
            inner: StoreInner {
                id: StoreId::fresh(),
                engine: engine.clone(),
                funcs: FuncSpace::default(),
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
                funcref_arena: FuncRefArena::default(),
                trampolines: Trampolines::default(),
                meter: Meter::default(),
                limits: StoreLimits::default(),
                interrupt: InterruptHandle::default(),
                host_time: Duration::ZERO,
                profiler: None,
                suspended_interp: Vec::new(),
                drop_hooks: Vec::new(),
            },
            host_funcs: Default::default(),
            data,
        };
        // The heap owns its table cell (boxed), so the address stays valid for the store.
        store.inner.vm.gc_table = store.inner.gc.heap.table();
        // Compiled code reads entry 0 in place of one past the end (see `funcref`).
        store.inner.funcref_ptrs.0.push(std::ptr::null());
        store.inner.publish_funcref_ptrs();
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

    /// Makes room for `n` more host functions at once (a module's imports, see
    /// [`Linker::instantiate`](super::Linker::instantiate)), and for their references.
    pub(crate) fn reserve_host_funcs(&mut self, n: usize) {
        self.host_funcs.reserve(n);
        self.inner.funcs.host.reserve(n);
        let made = self.inner.funcref_ptrs.0.len();
        let wanted = (self.inner.funcs.len() as usize + n).saturating_sub(made);
        self.inner.funcref_ptrs.0.reserve(wanted);
        // Reserving may have moved the buffer, and the imports may all have references
        // already (no `resize` below `funcref` then).
        self.inner.publish_funcref_ptrs();
    }

    /// Consumes the store and returns the host data.
    pub fn into_data(self) -> T {
        self.data
    }
}

impl StoreInner {
    /// Makes canonical type `type_id` of the store's engine known to the store's types.
    pub(crate) fn know_type(&mut self, type_id: u32) {
        if self.types.get(type_id).is_none() {
            let canon = self.engine.canon_type(type_id);
            self.types.insert(&canon);
        }
    }

    /// Adds a host function and returns its store index.
    pub(crate) fn push_host_func(&mut self, ty: Arc<FuncType>, type_id: u32, host: u32) -> u32 {
        let f = self.push_linked_host_func(&ty, type_id, host);
        // `host_types` owns the signature for the store's lifetime.
        self.host_types.push(ty);
        f
    }

    /// Adds a host function whose signature `ty` something else of the store keeps alive for
    /// the store's lifetime (a linker's set kept in `Store::host_funcs`); returns its store
    /// index.
    pub(crate) fn push_linked_host_func(
        &mut self,
        ty: &Arc<FuncType>,
        type_id: u32,
        host: u32,
    ) -> u32 {
        let entity = FuncEntity {
            ty: func_type_ptr(ty),
            type_id,
            kind: FuncKind::Host { host },
        };
        let f = self.funcs.push_host(entity);
        self.funcref(f);
        f
    }

    /// Adds the `n` defined functions of instance `instance` (the next one to be pushed
    /// onto `instances`, of a module in `modules`) and returns the store index of the first;
    /// the others follow. Nothing is made per function: entities are computed and function
    /// references made when first asked for.
    pub(crate) fn push_instance_funcs(&mut self, instance: u32, n: u32) -> u32 {
        self.funcs.push(Run::Instance(instance), n)
    }

    /// The function with store index `f` (which must exist).
    #[inline]
    pub(crate) fn func(&self, f: u32) -> FuncEntity {
        match self.funcs.run(f) {
            (Run::Host(at), first) => self.funcs.host[(at + (f - first)) as usize],
            (Run::Instance(instance), first) => {
                let m = &*self.instances[instance as usize].module.inner;
                let index = m.num_imported_funcs + (f - first);
                let t = m.func_types[index as usize] as usize;
                FuncEntity {
                    ty: func_type_ptr(&m.types[t]),
                    type_id: m.type_ids[t],
                    kind: FuncKind::Wasm { instance, index },
                }
            }
        }
    }

    /// The function reference of store function `f`, if made already.
    pub(crate) fn funcref_made(&self, f: u32) -> Option<*mut VmFuncRef> {
        let p = *self.funcref_ptrs.0.get(f as usize)?;
        (!p.is_null()).then_some(p.cast_mut())
    }

    /// The function reference of store function `f` (which must exist), made on first use:
    /// how compiled code calls it as things stand (see `crate::tier` for how tiering
    /// updates it later).
    pub(crate) fn funcref(&mut self, f: u32) -> *mut VmFuncRef {
        if let Some(p) = self.funcref_made(f) {
            return p;
        }
        let entity = self.func(f);
        let mut code = self.trampoline(entity.type_id);
        let mut vmctx = std::ptr::null_mut();
        if let FuncKind::Wasm { instance, index } = entity.kind {
            let inst = &self.instances[instance as usize];
            let m = &*inst.module.inner;
            let def = index - m.num_imported_funcs;
            let compiled = match &inst.native {
                Some(native) => Some(native.func(def)),
                None if inst.tier == crate::tier::InstanceTier::Attached => m
                    .tier
                    .as_deref()
                    .and_then(|t| t.entry(def))
                    .map(|e| e as *const u8),
                None => None,
            };
            if let Some(c) = compiled {
                code = c;
                vmctx = inst.vmctx.as_ptr();
            }
        }
        let p = self.funcref_arena.alloc(VmFuncRef {
            code,
            vmctx,
            type_id: entity.type_id,
            func_index: f,
        });
        if vmctx.is_null() {
            // SAFETY: `p` was just made and nothing else refers to it yet. Host and
            // interpreted functions are called with their reference itself.
            unsafe { (*p).vmctx = p.cast() };
        }
        let ptrs = &mut self.funcref_ptrs.0;
        if ptrs.len() <= f as usize {
            // Grown only as far as references are made (compiled code reads the length).
            ptrs.resize(f as usize + 1, std::ptr::null());
            self.publish_funcref_ptrs();
        }
        self.funcref_ptrs.0[f as usize] = p;
        p
    }

    /// Points the store's context block (compiled code reads references through it) at
    /// `funcref_ptrs`' buffer and length: after every change that may move or grow it.
    fn publish_funcref_ptrs(&mut self) {
        self.vm.funcrefs = self.funcref_ptrs.0.as_ptr();
        self.vm.funcrefs_len = self.funcref_ptrs.0.len() as u64;
    }

    /// The host trampoline registered for a canonical type, or null.
    pub(crate) fn trampoline(&self, type_id: u32) -> *const u8 {
        self.trampolines
            .get(type_id)
            .map_or(std::ptr::null(), |p| p as *const u8)
    }

    /// Records the host trampolines of a compiled module's types (the first one known for
    /// a type stays), and gives them to the function references of those types lacking one.
    pub(crate) fn register_trampolines(&mut self, set: &Arc<[usize]>) {
        if self.trampolines.insert_set(set) {
            self.fill_trampolines();
        }
    }

    /// Gives every function reference made without code its type's trampoline, if known.
    pub(crate) fn fill_trampolines(&mut self) {
        for r in self.funcref_arena.iter_mut() {
            if r.code.is_null() {
                if let Some(code) = self.trampolines.get(r.type_id) {
                    r.code = code as *const u8;
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

/// The signature behind `ty`, as `FuncEntity` keeps it (whoever owns `ty` must live as long
/// as the store the function belongs to).
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

#[cfg(test)]
mod tests {
    use crate::{Config, Engine, Linker, Module, Store, Strategy};

    /// A module whose imports all have references already still makes the store reserve
    /// room for theirs, which may move the array of reference pointers: the context block
    /// compiled code reads it through must follow, or `call_indirect` reads freed memory.
    #[test]
    fn funcref_array_stays_published_when_imports_reserve_room() {
        let mut config = Config::new();
        config.strategy(Strategy::Compiler);
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let a = Module::new(
            &engine,
            r#"(module (func (export "f") (result i32) i32.const 7))"#,
        )
        .unwrap();
        let a = linker.instantiate(&mut store, &a).unwrap();
        linker.instance(&store, "a", a).unwrap();
        // Makes the reference of `a.f` (an import wired into a context block).
        let b = r#"(module (import "a" "f" (func (result i32))))"#;
        let b = Module::new(&engine, b).unwrap();
        linker.instantiate(&mut store, &b).unwrap();
        // 200 imports of `a.f` (no new reference) and a table calling them.
        let imports = r#"(import "a" "f" (func (result i32)))"#.repeat(200);
        let c = format!(
            r#"(module {imports}
                 (type $t (func (result i32)))
                 (table 1 funcref) (elem (i32.const 0) func 199)
                 (func (export "run") (result i32) (call_indirect (type $t) (i32.const 0))))"#
        );
        let c = Module::new(&engine, c).unwrap();
        let c = linker.instantiate(&mut store, &c).unwrap();
        let inner = &store.inner;
        assert_eq!(inner.vm.funcrefs, inner.funcref_ptrs.0.as_ptr());
        assert_eq!(inner.vm.funcrefs_len, inner.funcref_ptrs.0.len() as u64);
        let run = c.get_typed_func::<(), i32>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, ()).unwrap(), 7);
    }
}
