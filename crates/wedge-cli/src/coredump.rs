//! `wedge run --coredump-on-trap FILE`: writes a wasm core dump of a trapped guest, in the
//! format of the WebAssembly tool-conventions "Coredump" document: a wasm module whose `core`
//! section names the program, `coremodules` / `coreinstances` its module and instance,
//! `corestack` the trapping thread's frames (function index, code offset within the
//! function and, for interpreted frames, the values of all locals; compiled frames record no
//! locals and get a "missing" value per parameter; the operand stack is left empty), with
//! the instance's memories as memory
//! and data sections and its globals as a global section of constants.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use wasm_encoder::{
    ConstExpr, CoreDumpInstancesSection, CoreDumpModulesSection, CoreDumpSection,
    CoreDumpStackSection, CoreDumpValue, DataSection, GlobalSection, GlobalType, Ieee32, Ieee64,
    MemorySection, MemoryType, Module, ValType,
};
use wedge::{AsContext, Instance, Trap, Val};

/// The flag of `wedge run`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct CoredumpArgs {
    /// When the guest traps, write a wasm core dump (tool-conventions "Coredump" format) to
    /// FILE: frames, memories and globals.
    #[arg(long, value_name = "FILE")]
    pub coredump_on_trap: Option<PathBuf>,
}

/// Memory bytes written per data segment (runs of zeros between segments are left out).
const SEGMENT: usize = 64 * 1024;

/// Writes the core dump of `trap` (raised in `store`) to `path`, for the program `program`.
pub fn write(path: &Path, program: &str, store: impl AsContext, trap: &Trap) -> Result<()> {
    let bytes = encode(program, &store, trap);
    std::fs::write(path, bytes)
        .with_context(|| format!("cannot write the core dump {}", path.display()))
}

/// The core dump's bytes.
fn encode(program: &str, store: &impl AsContext, trap: &Trap) -> Vec<u8> {
    let frames = trap.backtrace();
    // The instance the trap happened in (the innermost frame that knows its instance).
    let instance: Option<Instance> = frames.iter().find_map(|f| f.instance);
    let mut module = Module::new();
    module.section(&CoreDumpSection::new(program));
    let mut modules = CoreDumpModulesSection::new();
    let name = instance
        .and_then(|i| i.module(store).name().map(str::to_string))
        .unwrap_or_else(|| program.to_string());
    modules.module(name);
    module.section(&modules);

    let memories = instance.map_or(Vec::new(), |i| i.memories(store));
    let globals = instance.map_or(Vec::new(), |i| i.globals(store));
    let mut instances = CoreDumpInstancesSection::new();
    instances.instance(
        0,
        0..memories.len() as u32,
        globals_kept(store, &globals)
            .iter()
            .enumerate()
            .map(|(i, _)| i as u32),
    );
    module.section(&instances);

    let mut stack = CoreDumpStackSection::new("main");
    for f in frames {
        let locals: Vec<CoreDumpValue> = if f.locals.is_empty() {
            // Not recorded (compiled frames): one missing value per parameter.
            let params = f
                .instance
                .and_then(|i| func_params(store, i, f.func_index))
                .unwrap_or(0);
            vec![CoreDumpValue::Missing; params]
        } else {
            f.locals.iter().map(core_value).collect()
        };
        stack.frame(
            0,
            f.func_index,
            f.func_offset.unwrap_or(0) as u32,
            locals,
            std::iter::empty(),
        );
    }
    module.section(&stack);

    let mut memory_section = MemorySection::new();
    let mut data = DataSection::new();
    for (index, memory) in memories.iter().enumerate() {
        let bytes = memory.data(store);
        memory_section.memory(MemoryType {
            minimum: memory.size(store),
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        for (at, chunk) in bytes.chunks(SEGMENT).enumerate() {
            let Some(first) = chunk.iter().position(|&b| b != 0) else {
                continue;
            };
            let last = chunk.iter().rposition(|&b| b != 0).unwrap_or(first);
            let offset = at * SEGMENT + first;
            data.active(
                index as u32,
                &ConstExpr::i32_const(offset as i32),
                chunk[first..=last].iter().copied(),
            );
        }
    }
    module.section(&memory_section);

    let mut global_section = GlobalSection::new();
    for (ty, init) in globals_kept(store, &globals) {
        let ty = GlobalType {
            val_type: ty,
            mutable: false,
            shared: false,
        };
        global_section.global(ty, &init);
    }
    module.section(&global_section);
    module.section(&data);
    module.finish()
}

/// The globals with number values, as (type, constant) pairs; reference and vector globals
/// are left out (the format has no values for them).
fn globals_kept(store: &impl AsContext, globals: &[wedge::Global]) -> Vec<(ValType, ConstExpr)> {
    globals
        .iter()
        .filter_map(|g| match g.get(store) {
            Val::I32(v) => Some((ValType::I32, ConstExpr::i32_const(v))),
            Val::I64(v) => Some((ValType::I64, ConstExpr::i64_const(v))),
            Val::F32(v) => Some((ValType::F32, ConstExpr::f32_const(f32::from_bits(v).into()))),
            Val::F64(v) => Some((ValType::F64, ConstExpr::f64_const(f64::from_bits(v).into()))),
            _ => None,
        })
        .collect()
}

/// A recorded local as a core dump value (vectors and references are missing: the format
/// has no values for them).
fn core_value(v: &Option<Val>) -> CoreDumpValue {
    match v {
        Some(Val::I32(v)) => CoreDumpValue::I32(*v),
        Some(Val::I64(v)) => CoreDumpValue::I64(*v),
        Some(Val::F32(v)) => CoreDumpValue::F32(Ieee32::new(*v)),
        Some(Val::F64(v)) => CoreDumpValue::F64(Ieee64::new(*v)),
        _ => CoreDumpValue::Missing,
    }
}

/// How many parameters function `index` of `instance`'s module takes.
fn func_params(store: &impl AsContext, instance: Instance, index: u32) -> Option<usize> {
    let module = instance.module(store);
    module.function_type(index).map(|t| t.params().len())
}
