//! Robustness harness shared by `tests/robustness.rs` and the cargo-fuzz targets in `fuzz/`.
//!
//! It knows how to load arbitrary bytes, how to generate a valid, terminating module with
//! wasm-smith restricted to the features Wedge runs (WebAssembly 2.0, or 2.0 plus the 3.0
//! proposals the interpreter implements), and how to run
//! such a module: instantiate it against dummy imports and call every exported function.
//! Anything other than success or a trap is reported as an `Err` describing the bug; a panic
//! inside Wedge propagates to the caller (the test or the fuzzer) as it is.

#![allow(dead_code)] // each includer uses a different part of the harness

use arbitrary::Unstructured;
use wedge::{
    Config, Engine, Error, Extern, ExternType, Func, Global, Linker, Memory, Module, Store, Table,
    Val, ValType,
};

/// Deterministic bytes for generating case `index` of a run (`salt` tells runs apart): 1 to 7
/// KiB from an xorshift generator, so every case is reproducible from its index.
pub fn case_entropy(index: u64, salt: u64) -> Vec<u8> {
    let mut state = index.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt;
    (0..(1024 + (index as usize % 7) * 1024))
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Fuel given to each generated module: loop iterations, calls and bulk-operation lengths.
pub const FUEL: u32 = 10_000;

/// Largest memory (initial or maximum) a generated module may declare, in bytes.
pub const MAX_MEMORY_BYTES: u64 = 4 * 65536;

/// Largest table (initial or maximum) a generated module may declare, in elements.
pub const MAX_TABLE_ELEMENTS: u64 = 100;

/// The imports a generated module may choose from; `dummy_linker` provides each of them.
const AVAILABLE_IMPORTS: &str = r#"(module
    (import "env" "nop" (func))
    (import "env" "i32_to_i32" (func (param i32) (result i32)))
    (import "env" "mixed" (func (param i64 f32 f64 v128) (result f64 i32)))
    (import "env" "refs" (func (param funcref externref) (result externref)))
    (import "env" "memory" (memory 1 4))
    (import "env" "table" (table 4 10 funcref))
    (import "env" "externs" (table 2 externref))
    (import "env" "i32" (global i32))
    (import "env" "mut_i64" (global (mut i64)))
    (import "env" "f64" (global f64))
    (import "env" "mut_v128" (global (mut v128)))
    (import "env" "funcref" (global funcref)))"#;

/// The wasm-smith configuration: WebAssembly 2.0 only, small memories and tables.
pub fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        // WebAssembly 2.0 proposals, all on.
        multi_value_enabled: true,
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        simd_enabled: true,
        // Everything after 2.0, all off.
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        acquire_release_atomics_enabled: false,
        tail_call_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        custom_descriptors_enabled: false,
        multibyte_array_access_enabled: false,
        memory64_enabled: false,
        relaxed_simd_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        compact_imports_enabled: false,
        max_memories: 1, // more would be multi-memory
        // Sizes that keep each case small and fast.
        max_tables: 3,
        max_memory32_bytes: MAX_MEMORY_BYTES,
        memory_max_size_required: true,
        max_table_elements: MAX_TABLE_ELEMENTS,
        table_max_size_required: true,
        max_funcs: 30,
        max_instructions: 200,
        max_imports: 12,
        available_imports: Some(wat::parse_str(AVAILABLE_IMPORTS).expect("imports parse")),
        export_everything: true,
        ..wasm_smith::Config::default()
    }
}

/// The wasm-smith configuration for GC and exception handling: as [`smith_config`] plus
/// GC types and instructions, typed function references and `try_table`/`throw`.
pub fn smith_config_gc() -> wasm_smith::Config {
    wasm_smith::Config {
        gc_enabled: true,
        exceptions_enabled: true,
        ..smith_config()
    }
}

/// The wasm-smith configuration for the Wasm 3.0 proposals the interpreter runs (tail calls,
/// multi-memory, memory64, threads, relaxed SIMD, extended-const, wide arithmetic, custom
/// page sizes) on top of 2.0; GC and exceptions stay off.
pub fn smith_config_wasm3() -> wasm_smith::Config {
    wasm_smith::Config {
        tail_call_enabled: true,
        memory64_enabled: true,
        threads_enabled: true,
        relaxed_simd_enabled: true,
        extended_const_enabled: true,
        wide_arithmetic_enabled: true,
        custom_page_sizes_enabled: true,
        max_memories: 3,
        max_memory64_bytes: MAX_MEMORY_BYTES as u128,
        ..smith_config()
    }
}

/// The engine that runs [`smith_config_wasm3`] modules: every feature on.
pub fn wasm3_engine() -> Engine {
    let mut config = Config::new();
    config.wasm_all_features(true);
    Engine::new(&config)
}

/// Generates a valid module whose every loop, call and bulk operation consumes `FUEL`.
pub fn generate(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    generate_with(smith_config(), u)
}

/// Generates a valid module with the Wasm 3.0 proposals; `None` for one that could block
/// forever in `memory.atomic.wait` (fuel cannot bound a wait).
pub fn generate_wasm3(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<Vec<u8>>> {
    let wasm = generate_with(smith_config_wasm3(), u)?;
    Ok((!waits(&wasm)).then_some(wasm))
}

/// Like [`generate`], with a given wasm-smith configuration.
pub fn generate_with(
    config: wasm_smith::Config,
    u: &mut Unstructured<'_>,
) -> arbitrary::Result<Vec<u8>> {
    let mut module = wasm_smith::Module::new(config, u)?;
    module
        .ensure_termination(FUEL)
        .expect("wasm-smith generated every function body itself");
    Ok(module.to_bytes())
}

/// Whether a (valid) module contains `memory.atomic.wait32/64`.
fn waits(wasm: &[u8]) -> bool {
    wasmparser::Parser::new(0).parse_all(wasm).any(|payload| {
        let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload else {
            return false;
        };
        let Ok(ops) = body.get_operators_reader() else {
            return true;
        };
        ops.into_iter().any(|op| {
            matches!(
                op,
                Ok(wasmparser::Operator::MemoryAtomicWait32 { .. }
                    | wasmparser::Operator::MemoryAtomicWait64 { .. })
                    | Err(_)
            )
        })
    })
}

/// The engines bytes are loaded with: the default (lazy) one and one that translates eagerly.
pub fn load_engines() -> [Engine; 2] {
    let mut eager = Config::new();
    eager.eager_translation(true);
    [Engine::default(), Engine::new(&eager)]
}

/// Loads arbitrary bytes with each engine; returns how many engines accepted them.
///
/// Any result is fine; only a panic, an abort or a hang (caught by the caller) is a bug.
pub fn load(engines: &[Engine], bytes: &[u8]) -> usize {
    engines
        .iter()
        .filter(|engine| Module::new(engine, bytes).is_ok())
        .count()
}

/// What happened when a generated module was instantiated and its exports called.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Whether instantiation (including the start function) succeeded.
    pub instantiated: bool,
    /// Whether instantiation trapped (in segment initialization or the start function).
    pub instantiation_trapped: bool,
    /// Exported functions that returned normally.
    pub calls_returned: usize,
    /// Exported functions that trapped.
    pub calls_trapped: usize,
}

/// Loads, instantiates and calls every exported function of a valid module with default
/// arguments; `Err` describes any outcome other than success or a trap.
pub fn execute(engine: &Engine, wasm: &[u8]) -> Result<Outcome, String> {
    execute_with(engine, wasm, false)
}

/// Like [`execute`]; with `gc_stress` the store collects garbage at every allocation, which
/// must not change any outcome.
pub fn execute_with(engine: &Engine, wasm: &[u8], gc_stress: bool) -> Result<Outcome, String> {
    let module = Module::new(engine, wasm).map_err(|e| format!("valid module rejected: {e}"))?;
    let mut store = Store::new(engine, ());
    if gc_stress {
        store.set_gc_min_heap(0);
    }
    let linker = dummy_linker(&mut store).map_err(|e| format!("harness: {e}"))?;
    let mut outcome = Outcome::default();
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(instance) => instance,
        Err(Error::Trap(_)) => {
            outcome.instantiation_trapped = true;
            return Ok(outcome);
        }
        Err(e) => return Err(format!("instantiation failed without a trap: {e}")),
    };
    outcome.instantiated = true;
    for (name, export) in instance.exports(&store) {
        let Extern::Func(func) = export else {
            continue;
        };
        let ty = func.ty(&store);
        let params: Vec<Val> = ty.params().iter().map(|t| Val::default_of(*t)).collect();
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_of(*t)).collect();
        match func.call(&mut store, &params, &mut results) {
            Ok(()) => outcome.calls_returned += 1,
            Err(Error::Trap(_)) => outcome.calls_trapped += 1,
            // Defaults are null, which non-nullable reference parameters refuse.
            Err(Error::Type(_))
                if ty
                    .params()
                    .iter()
                    .any(|t| matches!(t, ValType::Ref(r) if !r.nullable)) => {}
            Err(e) => return Err(format!("calling `{name}` failed without a trap: {e}")),
        }
    }
    Ok(outcome)
}

/// A linker defining every import in `AVAILABLE_IMPORTS`, with objects created in `store`.
pub fn dummy_linker(store: &mut Store<()>) -> Result<Linker<()>, Error> {
    let engine = store.engine().clone();
    let imports = Module::new(&engine, AVAILABLE_IMPORTS)?;
    let mut linker = Linker::new(&engine);
    for import in imports.imports() {
        let item = match &import.ty {
            ExternType::Func(ty) => Extern::Func(Func::new(
                &mut *store,
                ty.clone(),
                // Results start as zeros and nulls, which is what a dummy returns.
                |_caller, _params, _results| Ok(()),
            )),
            ExternType::Memory(ty) => Extern::Memory(Memory::new(&mut *store, *ty)?),
            ExternType::Table(ty) => {
                Extern::Table(Table::new(&mut *store, *ty, Val::null_of(ty.element))?)
            }
            ExternType::Global(ty) => {
                Extern::Global(Global::new(&mut *store, *ty, Val::default_of(ty.content))?)
            }
            ExternType::Tag(ty) => Extern::Tag(wedge::Tag::new(&mut *store, ty.clone())),
        };
        linker.define(&*store, &import.module, &import.name, item)?;
    }
    Ok(linker)
}
