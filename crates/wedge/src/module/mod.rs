//! Modules: decoding, validation and the metadata an instance is built from.

mod bytes;
mod const_expr;
pub(crate) mod debuginfo;
mod demangle;
mod parse;
mod types;

pub(crate) use bytes::{MappedFile, ModuleBytes};
pub use const_expr::{ConstExpr, ConstOp};
pub use debuginfo::SourceFrame;
pub use demangle::demangle;

use crate::interp::{self, CompiledFunc};
use crate::registry::CanonType;
use crate::types::{ExternType, FuncType, GlobalType, HeapType, MemoryType, RefType, TableType};
use crate::{Engine, Error};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// A validated WebAssembly module, ready to be instantiated any number of times.
///
/// ```
/// let engine = wedge::Engine::default();
/// let module = wedge::Module::new(&engine, "(module (func (export \"f\")))")?;
/// assert_eq!(module.exports().count(), 1);
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

/// How something a module imports is described.
#[derive(Clone, Debug)]
pub struct ImportDef {
    /// Module name of the import.
    pub module: String,
    /// Field name of the import.
    pub name: String,
    /// Index into the module's space of the imported kind.
    pub index: u32,
    /// What is imported.
    pub ty: ExternType,
}

/// The kind and index of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportIndex {
    /// A function index.
    Func(u32),
    /// A table index.
    Table(u32),
    /// A memory index.
    Memory(u32),
    /// A global index.
    Global(u32),
    /// A tag index (exception handling).
    Tag(u32),
}

/// One export of a module.
#[derive(Clone, Debug)]
pub struct ExportDef {
    /// Exported name.
    pub name: String,
    /// What is exported.
    pub index: ExportIndex,
}

/// How an element segment is used.
#[derive(Clone, Debug)]
pub enum ElemMode {
    /// Available to `table.init` until dropped.
    Passive,
    /// Copied into a table at instantiation, then dropped.
    Active {
        /// Target table.
        table: u32,
        /// Offset expression.
        offset: ConstExpr,
    },
    /// Only declares functions referenceable by `ref.func`; dropped at instantiation.
    Declared,
}

/// An element segment.
#[derive(Clone, Debug)]
pub struct ElemSegment {
    /// Type of the elements.
    pub ty: RefType,
    /// How the segment is used.
    pub mode: ElemMode,
    /// Element expressions (a `ref.func` each for function-index segments).
    pub items: Vec<ConstExpr>,
}

/// Element segments in function-index form (see `ModuleInner::elem_funcs`).
pub(crate) type ElemFuncs = Box<[Option<ElemFuncItems>]>;

/// An element segment made only of `ref.func` and `ref.null` items.
#[derive(Debug)]
pub(crate) struct ElemFuncItems {
    /// Module function index + 1 of each item, 0 for null.
    pub items: Box<[u32]>,
    /// Whether every item names a defined function (none is null or imported).
    pub all_defined: bool,
}

/// How a data segment is used.
#[derive(Clone, Debug)]
pub enum DataMode {
    /// Available to `memory.init` until dropped.
    Passive,
    /// Copied into a memory at instantiation, then dropped.
    Active {
        /// Target memory.
        memory: u32,
        /// Offset expression.
        offset: ConstExpr,
    },
}

/// A data segment.
#[derive(Clone, Debug)]
pub struct DataSegment {
    /// How the segment is used.
    pub mode: DataMode,
    /// Range of the segment's bytes in the module binary.
    pub range: Range<usize>,
}

/// The module's active data segments, which every instantiation applies and then drops.
pub(crate) struct ActiveDatas {
    /// By data segment index: whether it is active (shared by instances as their initial
    /// set of dropped segments, see `runtime::DataDropped`).
    pub mask: std::sync::Arc<[bool]>,
    /// The memories they write to (module indices, each once).
    pub memories: Vec<u32>,
}

/// Everything known about a module after decoding and validation.
pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub bytes: ModuleBytes,
    pub name: Option<String>,
    /// The signature of each type (an empty placeholder for struct and array types).
    pub types: Vec<Arc<FuncType>>,
    /// Canonical id of each type (equal ids for equal types, across modules).
    pub type_ids: Vec<u32>,
    /// The canonical type of each type.
    pub canon: Vec<Arc<CanonType>>,
    /// The heap type naming each type (carrying its canonical id).
    pub heap_types: Vec<HeapType>,
    /// The type index of each tag, imported first.
    pub tags: Vec<u32>,
    pub num_imported_tags: u32,
    pub imports: Vec<ImportDef>,
    pub func_types: Vec<u32>,
    pub num_imported_funcs: u32,
    pub tables: Vec<TableType>,
    pub table_inits: Vec<Option<ConstExpr>>,
    pub num_imported_tables: u32,
    pub memories: Vec<MemoryType>,
    pub num_imported_memories: u32,
    pub globals: Vec<GlobalType>,
    pub global_inits: Vec<ConstExpr>,
    pub num_imported_globals: u32,
    pub exports: Vec<ExportDef>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    /// Byte range of each defined function's body in `bytes`.
    pub bodies: Vec<Range<usize>>,
    pub func_names: HashMap<u32, String>,
    pub custom_sections: Vec<(String, usize)>,
    /// DWARF sections, for source locations in backtraces.
    pub debug: Arc<debuginfo::DebugInfo>,
    /// Interpreter code of each defined function, translated on first use.
    pub code: Vec<OnceLock<Result<Arc<CompiledFunc>, Error>>>,
    /// Per module function index: what the interpreter's calls need of the translation in
    /// `code` once made (empty before, and for imports).
    pub call_entries: Box<[interp::CallEntry]>,
    /// Native code, when the module runs compiled.
    pub native: Option<Arc<crate::native::NativeCode>>,
    /// What is compiled and queued, when the module runs tiered.
    pub tier: Option<Box<crate::tier::TierState>>,
    /// Whether the code came from the code cache, or should go there.
    pub cache: crate::cache::CacheUse,
    /// A verified cache entry found while parsing, taken when the code is loaded.
    #[cfg_attr(not(feature = "compiler"), allow(dead_code))]
    pub cache_hit: Option<crate::cache::Hit>,
    /// Byte range of the data of a `wedge compile` native-code section, if present.
    pub aot: Option<Range<usize>>,
    /// Why that section could not be used, if it was not.
    pub aot_warning: Option<String>,
    /// Memory images stored in that section that instantiation maps from the module's file.
    pub images: Vec<crate::native::image::StoredChunk>,
    /// Without stored images: the memory images in an in-memory file, made on the second
    /// instantiation (None if the module has none worth mapping).
    pub image_file: std::sync::OnceLock<Option<crate::runtime::memory::image_file::ImageFile>>,
    /// Whether an instance of the module was made (the first one copies its data segments:
    /// a module instantiated once, as a command is, has no use for an image file).
    pub instantiated: std::sync::atomic::AtomicBool,
    /// Which data segments are active, made on the first instantiation (see
    /// [`ModuleInner::active_datas`]).
    pub active_datas: std::sync::OnceLock<ActiveDatas>,
    /// For each element segment whose items are all `ref.func` or `ref.null`: its items as
    /// module function index + 1, 0 for null (made on the first instantiation, see
    /// `runtime::instance`); None for the others.
    pub elem_funcs: std::sync::OnceLock<ElemFuncs>,
    /// The templates of the tables initialized on first use (see `runtime::lazy_table`).
    pub lazy_tables: std::sync::OnceLock<Option<crate::runtime::lazy_table::LazyTables>>,
    /// The module's canonical types as a set stores share (made on the first instantiation).
    pub type_set: std::sync::OnceLock<Arc<crate::registry::TypeSet>>,
    /// The host trampoline of each canonical type id of its native code, as stores share
    /// them (made on the first instantiation with native code, see `runtime::store`).
    pub trampoline_set: std::sync::OnceLock<Arc<[usize]>>,
    /// The section's header when its signature was checked while parsing (and function
    /// bodies were then not validated again, see `native::artifact::authenticated`); taken
    /// when the code is loaded.
    #[cfg_attr(not(feature = "compiler"), allow(dead_code))]
    pub aot_header: Option<crate::native::artifact::Header>,
}

impl Module {
    /// Decodes and validates a module from the binary or text format.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module, Error> {
        let bytes = bytes.as_ref();
        if !looks_like_text(bytes) {
            return Self::from_binary(engine, bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| Error::Wat(e.to_string()))?;
        let binary = wat::parse_str(text).map_err(|e| Error::Wat(e.to_string()))?;
        Self::from_binary(engine, &binary)
    }

    /// Like [`Module::new`], reporting compilation progress as `(done, total)` units.
    pub fn new_with_progress(
        engine: &Engine,
        bytes: impl AsRef<[u8]>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Module, Error> {
        let bytes = bytes.as_ref();
        if !looks_like_text(bytes) {
            return Self::from_binary_with_progress(engine, bytes, progress);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| Error::Wat(e.to_string()))?;
        let binary = wat::parse_str(text).map_err(|e| Error::Wat(e.to_string()))?;
        Self::from_binary_with_progress(engine, &binary, progress)
    }

    /// Decodes and validates a module from the binary format only.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        Self::from_binary_with_progress(engine, bytes, &|_, _| {})
    }

    /// Like [`Module::from_binary`], reporting compilation progress as `(done, total)` units.
    pub fn from_binary_with_progress(
        engine: &Engine,
        bytes: &[u8],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Module, Error> {
        Self::from_owned(engine, ModuleBytes::Owned(bytes.into()), progress)
    }

    /// Decodes and validates a module from binary bytes it takes over (no copy).
    pub fn from_vec(engine: &Engine, bytes: Vec<u8>) -> Result<Module, Error> {
        let bytes = ModuleBytes::Owned(bytes.into_boxed_slice());
        Self::from_owned(engine, bytes, &|_, _| {})
    }

    /// Loads a module from a `.wasm` or `.wat` file, mapping a binary file into memory instead
    /// of reading it: large modules start faster, and native code and memory images stored by
    /// `wedge compile` are mapped from the file rather than copied.
    ///
    /// # Safety
    /// Nobody may change or truncate the file while the module, or any instance of it, lives:
    /// Wedge reads the mapped bytes as immutable (and a truncated file faults on access).
    pub unsafe fn from_file_mapped(
        engine: &Engine,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Module, Error> {
        let path = path.as_ref();
        let cannot = |e: std::io::Error| Error::Invalid {
            message: format!("cannot read {}: {e}", path.display()),
            offset: 0,
        };
        let mut file = std::fs::File::open(path).map_err(cannot)?;
        let mut magic = [0u8; 4];
        use std::io::Read;
        if file.read_exact(&mut magic).is_err() || &magic != b"\0asm" {
            return Module::from_file(engine, path);
        }
        // SAFETY: forwarded to our caller.
        let mapped = unsafe { bytes::MappedFile::map(file) }.map_err(cannot)?;
        Self::from_owned(engine, ModuleBytes::Mapped(mapped), &|_, _| {})
    }

    fn from_owned(
        engine: &Engine,
        bytes: ModuleBytes,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Module, Error> {
        let started = std::time::Instant::now();
        let mut inner = parse::parse(engine, bytes)?;
        tracing::debug!(
            target: "wedge::module",
            name = inner.name.as_deref().unwrap_or(""),
            bytes = inner.bytes.len(),
            functions = inner.bodies.len(),
            dwarf = inner.debug.is_present(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "module decoded and validated"
        );
        crate::native::artifact::attach(&mut inner, progress)?;
        inner.tier = crate::tier::state_for(&inner);
        let module = Module {
            inner: Arc::new(inner),
        };
        if engine.config().eager_translation {
            for i in 0..module.inner.bodies.len() as u32 {
                module.inner.compiled(i + module.inner.num_imported_funcs)?;
            }
        }
        Ok(module)
    }

    /// Reads a module from a `.wasm` or `.wat` file.
    pub fn from_file(engine: &Engine, path: impl AsRef<std::path::Path>) -> Result<Module, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::Invalid {
            message: format!("cannot read {}: {e}", path.display()),
            offset: 0,
        })?;
        Module::new(engine, bytes)
    }

    /// Checks that bytes are a valid module without keeping it.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<(), Error> {
        Module::new(engine, bytes).map(|_| ())
    }

    /// Returns true if both handles refer to the same module.
    pub fn same(a: &Module, b: &Module) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// The engine this module belongs to.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's name from the name section, if any.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// The module's imports in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = &ImportDef> {
        self.inner.imports.iter()
    }

    /// The module's exports with their types.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = (&str, ExternType)> {
        self.inner
            .exports
            .iter()
            .map(|e| (e.name.as_str(), self.inner.export_type(e.index)))
    }

    /// Number of functions, imported and defined.
    pub fn function_count(&self) -> usize {
        self.inner.func_types.len()
    }

    /// Number of functions defined (not imported) by the module.
    pub fn defined_function_count(&self) -> usize {
        self.inner.bodies.len()
    }

    /// The signature of function `index` (imported functions first), if there is one.
    pub fn function_type(&self, index: u32) -> Option<FuncType> {
        let ty = *self.inner.func_types.get(index as usize)?;
        self.inner.types.get(ty as usize).map(|t| (**t).clone())
    }

    /// The types of all memories, imported first.
    pub fn memories(&self) -> &[MemoryType] {
        &self.inner.memories
    }

    /// The types of all tables, imported first.
    pub fn tables(&self) -> &[TableType] {
        &self.inner.tables
    }

    /// The types of all globals, imported first.
    pub fn globals(&self) -> &[GlobalType] {
        &self.inner.globals
    }

    /// Names and sizes of the custom sections, in order.
    pub fn custom_sections(&self) -> &[(String, usize)] {
        &self.inner.custom_sections
    }

    /// Index of the start function, if any.
    pub fn start(&self) -> Option<u32> {
        self.inner.start
    }

    /// Whether the module's functions run as native code.
    pub fn is_native(&self) -> bool {
        self.inner.native.is_some()
    }

    /// Why native code stored in the file by `wedge compile` (or in the code cache) was not
    /// used, if it was present and not used (another Wedge version or CPU, a damaged
    /// section, ...).
    pub fn native_code_warning(&self) -> Option<&str> {
        self.inner.aot_warning.as_deref()
    }

    /// The module as a universal file: its bytes plus a custom section holding native code
    /// for this host, which `Module::new` on a matching host loads instead of compiling.
    pub fn serialize_native(&self) -> Result<Vec<u8>, Error> {
        crate::native::artifact::serialize(&self.inner)
    }

    /// The module's binary as it was given, without a native-code section added by
    /// [`Module::serialize_native`] or `wedge compile`.
    pub fn binary(&self) -> &[u8] {
        #[cfg(feature = "compiler")]
        {
            crate::native::artifact::original_bytes(&self.inner)
        }
        #[cfg(not(feature = "compiler"))]
        {
            &self.inner.bytes
        }
    }

    /// How many defined functions run as native code: all of them when the module is
    /// compiled, none when it is interpreted, and under [`Strategy::Tiered`](crate::Strategy)
    /// those compiled so far because they were hot.
    pub fn native_function_count(&self) -> usize {
        match (&self.inner.native, &self.inner.tier) {
            (Some(_), _) => self.inner.bodies.len(),
            (None, Some(tier)) => tier.compiled_count(),
            (None, None) => 0,
        }
    }

    /// How many calls that were running a loop in the interpreter continued in compiled
    /// code at the loop's head (on-stack replacement, under
    /// [`Strategy::Tiered`](crate::Strategy)); 0 for modules that are not tiered.
    pub fn osr_count(&self) -> usize {
        self.inner.tier.as_ref().map_or(0, |t| t.osr_count())
    }

    /// Whether the module's compiled code came from the code cache
    /// ([`Config::cache_dir`](crate::Config::cache_dir)).
    pub fn is_cached(&self) -> bool {
        matches!(self.inner.cache, crate::cache::CacheUse::Hit(_))
    }

    /// The file of the module's entry in the code cache, when the cache is on (whether the
    /// entry exists or not).
    pub fn cache_entry(&self) -> Option<&std::path::Path> {
        use crate::cache::CacheUse;
        match &self.inner.cache {
            CacheUse::Off => None,
            CacheUse::Hit(p) | CacheUse::Miss(p) | CacheUse::Stored(p) => Some(p),
        }
    }

    /// Whether the code cache is on and lacks this module's compiled code (a tiered module
    /// not found there): [`Module::cache_fill`] would store it.
    pub fn cache_missing(&self) -> bool {
        matches!(self.inner.cache, crate::cache::CacheUse::Miss(_))
    }

    /// Stores the module's compiled code in the code cache if it lacks it, compiling the
    /// whole module first unless it is compiled already (so it can take as long as a
    /// compilation). Returns whether it stored an entry. Tiered modules missing from the
    /// cache are filled this way (the `wedge` CLI does it in a background process after the
    /// run).
    pub fn cache_fill(&self) -> Result<bool, Error> {
        #[cfg(feature = "compiler")]
        {
            let crate::cache::CacheUse::Miss(path) = &self.inner.cache else {
                return Ok(false);
            };
            if path.exists() {
                return Ok(false);
            }
            let m = &self.inner;
            let loaded;
            let native = match &m.native {
                Some(native) => native,
                None => {
                    let image = crate::native::compile::compile(m, &|_, _| {})?;
                    loaded = crate::native::NativeCode::load(image, None, m)?;
                    &loaded
                }
            };
            crate::cache::store(m, native, path)?;
            Ok(true)
        }
        #[cfg(not(feature = "compiler"))]
        {
            Ok(false)
        }
    }

    /// How many defined functions have been translated to interpreter code so far.
    pub fn translated_function_count(&self) -> usize {
        self.inner.code.iter().filter(|c| c.get().is_some()).count()
    }

    /// The interpreter bytecode of a defined function, one instruction per line (for debugging).
    pub fn disassemble(&self, func: u32) -> Result<String, Error> {
        if func < self.inner.num_imported_funcs || func as usize >= self.inner.func_types.len() {
            return Err(Error::Export(format!(
                "function {func} is not defined by the module"
            )));
        }
        let code = self.inner.compiled(func)?;
        let mut out = format!(
            "func {func}: {} param slots, {} frame slots, init {:?}\n",
            code.param_slots, code.frame_slots, code.init
        );
        for (pc, instr) in code.ops.iter().enumerate() {
            out.push_str(&format!("{pc:4}: {instr:?}\n"));
        }
        Ok(out)
    }

    /// The name-section name of a function, if any.
    pub fn func_name(&self, index: u32) -> Option<&str> {
        self.inner.func_names.get(&index).map(|s| s.as_str())
    }
}

/// Whether bytes are the text format: UTF-8 whose first non-blank character opens a
/// parenthesis or a comment. Anything else goes to the binary decoder, so malformed binaries
/// get binary-format errors ("magic header not detected", "unexpected end").
fn looks_like_text(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(text) => matches!(text.trim_start().chars().next(), Some('(' | ';')),
        Err(_) => false,
    }
}

impl ModuleInner {
    /// The module's active data segments (worked out once).
    pub fn active_datas(&self) -> &ActiveDatas {
        self.active_datas.get_or_init(|| {
            let mut memories = Vec::new();
            let mask = self
                .datas
                .iter()
                .map(|seg| match seg.mode {
                    DataMode::Active { memory, .. } => {
                        if !memories.contains(&memory) {
                            memories.push(memory);
                        }
                        true
                    }
                    DataMode::Passive => false,
                })
                .collect();
            ActiveDatas { mask, memories }
        })
    }

    /// The signature of a function by module function index.
    pub(crate) fn func_type(&self, func: u32) -> &Arc<FuncType> {
        &self.types[self.func_types[func as usize] as usize]
    }

    /// The type of an export.
    pub(crate) fn export_type(&self, index: ExportIndex) -> ExternType {
        match index {
            ExportIndex::Func(i) => ExternType::Func((**self.func_type(i)).clone()),
            ExportIndex::Table(i) => ExternType::Table(self.tables[i as usize]),
            ExportIndex::Memory(i) => ExternType::Memory(self.memories[i as usize]),
            ExportIndex::Global(i) => ExternType::Global(self.globals[i as usize]),
            ExportIndex::Tag(i) => {
                ExternType::Tag((*self.types[self.tags[i as usize] as usize]).clone())
            }
        }
    }

    /// Converts a validated value type, resolving type indices to canonical ids.
    pub(crate) fn val_type(&self, t: wasmparser::ValType) -> crate::ValType {
        crate::ValType::from_wasmparser(t, &self.heap_types)
    }

    /// Converts a validated reference type, resolving type indices to canonical ids.
    pub(crate) fn ref_type(&self, t: wasmparser::RefType) -> RefType {
        RefType::from_wasmparser(t, &self.heap_types)
    }

    /// Interpreter code for a defined function, translating it on first use.
    pub(crate) fn compiled(&self, func: u32) -> Result<Arc<CompiledFunc>, Error> {
        let def = (func - self.num_imported_funcs) as usize;
        let code = self.code[def]
            .get_or_init(|| interp::translate(self, func).map(Arc::new))
            .clone();
        if let Ok(c) = &code {
            // The table entry keeps the translation alive as long as the module.
            self.call_entries[func as usize].fill(c);
        }
        code
    }
}
