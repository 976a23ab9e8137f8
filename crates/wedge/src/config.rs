//! Engine configuration: enabled features and execution policy.

use crate::features::{self, Feature};
use crate::limits::CostTable;
use crate::registry::{CanonType, GroupMember, TypeRegistry};
use crate::types::FuncType;
use std::sync::{Arc, Mutex};

/// Settings shared by every module and store created from an [`Engine`].
///
/// ```
/// let mut config = wedge::Config::new();
/// config.max_call_depth(1000).eager_translation(true);
/// config.wasm_feature(wedge::Feature::Simd, false);
/// let engine = wedge::Engine::new(&config);
/// assert!(!engine.config().has_feature(wedge::Feature::Simd));
/// assert!(engine.config().has_feature(wedge::Feature::TailCall));
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) features: wasmparser::WasmFeatures,
    pub(crate) eager_translation: bool,
    pub(crate) max_call_depth: usize,
    pub(crate) max_stack_slots: usize,
    pub(crate) strategy: Strategy,
    pub(crate) max_wasm_stack: usize,
    pub(crate) native_code_key: Option<[u8; 16]>,
    pub(crate) metering: bool,
    pub(crate) cost_table: CostTable,
    pub(crate) interruptible: bool,
    pub(crate) inlining: bool,
    pub(crate) host_time: bool,
    pub(crate) perf_map: bool,
    pub(crate) debug_info: bool,
    pub(crate) deterministic: bool,
    pub(crate) tier_up_calls: u32,
    pub(crate) tier_up_iterations: u32,
    pub(crate) tier_up_background: bool,
    pub(crate) cache_dir: Option<std::path::PathBuf>,
    pub(crate) cache_max_bytes: u64,
}

/// How an engine runs wasm functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Compile to native code when this build and host can, else interpret.
    #[default]
    Auto,
    /// Always interpret (register bytecode, translated lazily).
    Interpreter,
    /// Always compile to native code with Cranelift (an error where that is impossible).
    Compiler,
    /// Start every function in the interpreter and compile the hot ones (those called or
    /// looping often, see [`Config::tier_up_calls`]) with Cranelift in the background; their
    /// compiled code runs from their next call on. Modules whose native code is already at
    /// hand (an AOT file, or the code cache of [`Config::cache_dir`]) run it from the start.
    /// Interprets where this build or host cannot compile.
    Tiered,
}

/// Calls after which an interpreted function counts as hot under [`Strategy::Tiered`].
pub const DEFAULT_TIER_UP_CALLS: u32 = 1000;
/// Loop iterations after which an interpreted function counts as hot under
/// [`Strategy::Tiered`].
pub const DEFAULT_TIER_UP_ITERATIONS: u32 = 50_000;
/// Default bound on the size of the code cache ([`Config::cache_max_bytes`]).
pub const DEFAULT_CACHE_MAX_BYTES: u64 = 2 << 30;

impl Default for Config {
    fn default() -> Self {
        Config {
            features: features::default_flags(),
            eager_translation: false,
            max_call_depth: 20_000,
            max_stack_slots: 8 * 1024 * 1024,
            strategy: Strategy::Auto,
            max_wasm_stack: 1024 * 1024,
            native_code_key: None,
            metering: false,
            cost_table: CostTable::default(),
            interruptible: false,
            inlining: false,
            host_time: false,
            perf_map: false,
            debug_info: false,
            deterministic: false,
            tier_up_calls: DEFAULT_TIER_UP_CALLS,
            tier_up_iterations: DEFAULT_TIER_UP_ITERATIONS,
            tier_up_background: true,
            cache_dir: None,
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
        }
    }
}

impl Config {
    /// Creates the default configuration: WebAssembly 3.0 and threads, lazy translation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Translates every function body when the module is loaded instead of on first call.
    pub fn eager_translation(&mut self, yes: bool) -> &mut Self {
        self.eager_translation = yes;
        self
    }

    /// Sets the maximum wasm call depth before "call stack exhausted" traps.
    pub fn max_call_depth(&mut self, depth: usize) -> &mut Self {
        self.max_call_depth = depth.max(1);
        self
    }

    /// Sets the maximum number of 8-byte value slots the interpreter stack may use.
    pub fn max_stack_slots(&mut self, slots: usize) -> &mut Self {
        self.max_stack_slots = slots.max(1024);
        self
    }

    /// Chooses how functions run: interpreted, compiled, or compiled when possible.
    pub fn strategy(&mut self, strategy: Strategy) -> &mut Self {
        self.strategy = strategy;
        self
    }

    /// Sets how many bytes of native stack compiled code may use before "call stack exhausted"
    /// (default 1 MiB; eight times that under the tiered strategy, where calls between the
    /// tiers take native stack too; never closer than 256 KiB to the end of the thread's
    /// stack).
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes.max(16 * 1024);
        self
    }

    /// The secret key that authenticates native code stored in modules (AOT files).
    ///
    /// [`Module::serialize_native`](crate::Module::serialize_native) signs the native-code
    /// section with it, and a module's native code is only used when its signature checks
    /// out with the same key; anything else is compiled again with a warning. Without a key
    /// (the default) stored native code is never run, so a hostile file cannot smuggle
    /// machine code in. Keep the key private, like the files you would trust as executables.
    pub fn native_code_key(&mut self, key: Option<[u8; 16]>) -> &mut Self {
        self.native_code_key = key;
        self
    }

    /// The strategy setting (before `Auto` is resolved).
    pub fn strategy_setting(&self) -> Strategy {
        self.strategy
    }

    /// Whether modules may run as native code: compiled when loaded (`Compiler`), or their
    /// hot functions later (`Tiered`, `Auto`) where this build and host can generate it.
    pub fn compiles(&self) -> bool {
        match self.strategy {
            Strategy::Interpreter => false,
            Strategy::Compiler => true,
            Strategy::Auto | Strategy::Tiered => {
                cfg!(feature = "compiler") && crate::native::supported()
            }
        }
    }

    /// Whether modules start interpreted and compile their hot functions: the strategy is
    /// `Tiered` and this build and host can compile.
    pub fn tiered(&self) -> bool {
        self.strategy == Strategy::Tiered && self.compiles()
    }

    /// Under [`Strategy::Tiered`]: how many calls make a function hot
    /// (default [`DEFAULT_TIER_UP_CALLS`]; at least 1).
    pub fn tier_up_calls(&mut self, calls: u32) -> &mut Self {
        self.tier_up_calls = calls.max(1);
        self
    }

    /// Under [`Strategy::Tiered`]: how many iterations of its loops make a function hot
    /// (default [`DEFAULT_TIER_UP_ITERATIONS`]; at least 1). Calls and iterations add up: a
    /// call counts as `iterations / calls` iterations. A function found hot while it runs
    /// a loop keeps running interpreted until it returns; its next call runs compiled.
    pub fn tier_up_iterations(&mut self, iterations: u32) -> &mut Self {
        self.tier_up_iterations = iterations.max(1);
        self
    }

    /// Under [`Strategy::Tiered`]: compile hot functions on background threads (the
    /// default), or on the thread that found them hot, before their next call (no threads;
    /// the same results, and the same point of switching in every run).
    pub fn tier_up_in_background(&mut self, yes: bool) -> &mut Self {
        self.tier_up_background = yes;
        self
    }

    /// A directory that keeps compiled code between processes (off by default; the
    /// `wedge` CLI turns it on). A module whose code is there loads it instead of compiling:
    /// entries are keyed by the module's contents, the Wedge version, the CPU and every
    /// setting that changes code, and are signed with [`Config::native_code_key`] (needed)
    /// and checked before use, so a damaged or altered entry is never run (it is compiled
    /// again). Under `Compiler` a module missing there is compiled and stored; under
    /// `Tiered` it runs tiered, and [`Module::cache_fill`](crate::Module::cache_fill)
    /// stores it.
    pub fn cache_dir(&mut self, dir: Option<std::path::PathBuf>) -> &mut Self {
        self.cache_dir = dir;
        self
    }

    /// The size the code cache is kept under: storing an entry evicts the least recently
    /// used ones past it (default [`DEFAULT_CACHE_MAX_BYTES`]).
    pub fn cache_max_bytes(&mut self, bytes: u64) -> &mut Self {
        self.cache_max_bytes = bytes;
        self
    }

    /// Counts executed instructions and meters gas (see [`crate::limits`]); costs nothing
    /// when off, which is the default.
    pub fn metering(&mut self, yes: bool) -> &mut Self {
        self.metering = yes;
        self
    }

    /// Sets the gas cost of each operator (default: 1 each); used when metering is on.
    pub fn cost_table(&mut self, table: CostTable) -> &mut Self {
        self.cost_table = table;
        self
    }

    /// Makes wasm check for [`InterruptHandle::interrupt`](crate::InterruptHandle) at every
    /// function entry and loop iteration (off by default: it costs a little on every loop).
    pub fn interruptible(&mut self, yes: bool) -> &mut Self {
        self.interruptible = yes;
        self
    }

    /// Lets the compiler replace calls to small functions of the module by their code (off by
    /// default: it costs compile time, which a JIT pays at every start; `wedge compile` turns
    /// it on). Programs with many small helpers run faster; results, traps and backtraces
    /// (which still show the frames of inlined functions) are the same. Ignored with metering
    /// or interruption, whose counts and checks are per function.
    pub fn inlining(&mut self, yes: bool) -> &mut Self {
        self.inlining = yes;
        self
    }

    /// Writes the address range and (demangled) name of every compiled function to
    /// `/tmp/perf-PID.map` as code is loaded, so `perf record` / `perf report` name wasm
    /// functions (also on with `WEDGE_PERF_MAP=1` in the environment).
    pub fn perf_map(&mut self, yes: bool) -> &mut Self {
        self.perf_map = yes;
        self
    }

    /// Registers compiled code with GDB's JIT interface, with symbols, line tables (from the
    /// module's own DWARF) and unwind tables, so `gdb` can break on guest source lines and
    /// show guest frames in backtraces (`wedge run -g`). Off by default.
    pub fn debug_info(&mut self, yes: bool) -> &mut Self {
        self.debug_info = yes;
        self
    }

    /// Measures the time spent in host functions ([`Store::host_time`](crate::Store::host_time)).
    pub fn measure_host_time(&mut self, yes: bool) -> &mut Self {
        self.host_time = yes;
        self
    }

    /// Deterministic execution for contracts: every NaN a float operator produces is the
    /// canonical NaN, relaxed SIMD uses its fixed choices, and modules using threads (shared
    /// memories, atomics) are rejected, so the same inputs give the same outputs and the same
    /// gas on every host.
    pub fn deterministic(&mut self, yes: bool) -> &mut Self {
        self.deterministic = yes;
        self
    }

    /// The features modules are validated with: the enabled ones, minus threads in
    /// deterministic mode.
    pub(crate) fn validation_features(&self) -> wasmparser::WasmFeatures {
        let mut features = self.features;
        if self.deterministic {
            features.remove(wasmparser::WasmFeatures::THREADS);
            features.remove(wasmparser::WasmFeatures::SHARED_EVERYTHING_THREADS);
        }
        features
    }

    /// Replaces the set of enabled WebAssembly features.
    pub fn wasm_features(&mut self, features: wasmparser::WasmFeatures) -> &mut Self {
        self.features = features;
        self
    }

    /// Returns the set of enabled WebAssembly features.
    pub fn features(&self) -> wasmparser::WasmFeatures {
        self.features
    }

    /// Turns one feature on (with the features it requires) or off (with those requiring it).
    pub fn wasm_feature(&mut self, feature: Feature, enable: bool) -> &mut Self {
        self.features = features::set(self.features, feature, enable);
        self
    }

    /// Turns every feature Wedge knows on, or all of them off (leaving WebAssembly 1.0 MVP).
    pub fn wasm_all_features(&mut self, enable: bool) -> &mut Self {
        for feature in Feature::all() {
            self.wasm_feature(feature, enable);
        }
        self
    }

    /// Whether a feature is enabled.
    pub fn has_feature(&self, feature: Feature) -> bool {
        features::has(self.features, feature)
    }
}

/// A compilation environment shared by modules and stores; cheap to clone.
///
/// ```
/// let engine = wedge::Engine::default();
/// let other = engine.clone();
/// assert!(wedge::Engine::same(&engine, &other));
/// let module = wedge::Module::new(&other, "(module)")?;
/// assert!(wedge::Engine::same(module.engine(), &engine));
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

#[derive(Debug, Default)]
struct EngineInner {
    config: Config,
    /// Canonical ids of all types, so type checks compare integers.
    types: Mutex<TypeRegistry>,
}

impl Engine {
    /// Creates an engine with the given configuration.
    pub fn new(config: &Config) -> Self {
        Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                types: Mutex::default(),
            }),
        }
    }

    /// Returns the engine's configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Returns true if both handles refer to the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// Returns the canonical id of a function type in a rec group of its own.
    pub(crate) fn intern_type(&self, ty: &FuncType) -> u32 {
        self.registry().intern_func(ty)
    }

    /// The canonical type with an id this engine handed out.
    pub(crate) fn canon_type(&self, id: u32) -> Arc<CanonType> {
        self.registry().get(id).clone()
    }

    /// Canonicalizes a rec group; returns its members' canonical types.
    pub(crate) fn register_group(&self, members: Vec<GroupMember>) -> Vec<Arc<CanonType>> {
        self.registry().register(members)
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, TypeRegistry> {
        self.inner.types.lock().unwrap_or_else(|e| e.into_inner())
    }
}
