//! Compiling a module with the Cranelift tier (`wedge-cranelift`).

use super::{CodeImage, NO_SITE};
use crate::module::ModuleInner;
use crate::runtime::vmctx::{store_offsets as so, VmShape};
use crate::types::ValType;
use crate::Error;
use std::sync::OnceLock;
use wedge_cranelift as wc;

/// How errors about things the compiler tier does not support begin.
pub(crate) const UNSUPPORTED_PREFIX: &str = "not supported by the compiler tier: ";

/// The host code generator, detected once per setting; `canonical_nans` makes every float
/// operator produce the canonical NaN (deterministic mode), `metering` keeps the gas used in
/// the pinned register.
fn isa(canonical_nans: bool, metering: bool) -> Result<&'static wc::Isa, Error> {
    static ISA: [OnceLock<Result<wc::Isa, String>>; 4] = [const { OnceLock::new() }; 4];
    ISA[canonical_nans as usize * 2 + metering as usize]
        .get_or_init(|| wc::Isa::host(canonical_nans, metering).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::Limit(format!("native code: {e}")))
}

/// The stamp of code generated on this host for `config` (target, CPU features, code
/// generation settings).
pub(crate) fn isa_stamp(config: &crate::Config) -> Result<String, Error> {
    Ok(isa(config.deterministic, config.metering)?.stamp())
}

fn wasm_type(t: ValType) -> wc::WasmType {
    match t {
        ValType::I32 => wc::WasmType::I32,
        ValType::I64 => wc::WasmType::I64,
        ValType::F32 => wc::WasmType::F32,
        ValType::F64 => wc::WasmType::F64,
        ValType::V128 => wc::WasmType::V128,
        ValType::Ref(r) if r.is_traced() => wc::WasmType::Ref,
        ValType::Ref(_) => wc::WasmType::FuncRef,
    }
}

/// How the translator sees a struct field or array element.
fn storage(s: crate::registry::StorageType) -> wc::Storage {
    use crate::registry::StorageType;
    match s {
        StorageType::I8 => wc::Storage::I8,
        StorageType::I16 => wc::Storage::I16,
        StorageType::Val(v) => wc::Storage::Val(wasm_type(v)),
    }
}

/// How the translator sees a module type.
fn gc_type(c: &crate::registry::CanonType) -> wc::GcType {
    use crate::registry::Composite;
    match &c.composite {
        Composite::Func(_) => wc::GcType::Func,
        Composite::Struct(s) => wc::GcType::Struct(
            s.fields
                .iter()
                .zip(s.offsets.iter())
                .map(|(f, &offset)| wc::GcField {
                    storage: storage(f.storage),
                    offset,
                })
                .collect(),
        ),
        Composite::Array(f) => wc::GcType::Array(storage(f.storage)),
    }
}

fn layout(m: &ModuleInner) -> wc::VmLayout {
    use crate::runtime::vmctx::{WORD_STORE, WORD_TYPE_IDS};
    // Code compiled a few functions at a time reads the defined-function slots, which only
    // the context blocks of tiered instances have (at the end, so nothing else moves).
    let s = VmShape::of(m, true);
    wc::VmLayout {
        vmctx_store: (WORD_STORE * 8) as i32,
        vmctx_type_ids: (WORD_TYPE_IDS * 8) as i32,
        vmctx_memories: s.memories as i32,
        vmctx_tables: s.tables as i32,
        vmctx_globals: s.globals as i32,
        vmctx_imported_funcs: s.imported_funcs as i32,
        vmctx_defined_funcs: s.defined_funcs as i32,
        store_stack_limit: so::STACK_LIMIT as i32,
        store_funcrefs: so::FUNCREFS as i32,
        store_funcrefs_len: so::FUNCREFS_LEN as i32,
        store_exit_fp: so::EXIT_FP as i32,
        store_exit_func: so::EXIT_FUNC as i32,
        store_libcalls: so::LIBCALLS as i32,
        store_interrupt: so::INTERRUPT as i32,
        store_meter: so::METER as i32,
        store_refund_gas: so::REFUND_GAS as i32,
        store_refund_count: so::REFUND_COUNT as i32,
        store_pending_exn: so::PENDING_EXN as i32,
        store_gc_table: so::GC_TABLE as i32,
        gc_table_base: so::GC_TABLE_BASE as i32,
        slot_view_data: so::SLOT_VIEW_DATA as i32,
        slot_view_len: so::SLOT_VIEW_LEN as i32,
        meter_gas_limit: so::METER_GAS_LIMIT as i32,
        meter_gas_used: so::METER_GAS_USED as i32,
        meter_instructions: so::METER_INSTRUCTIONS as i32,
        memory_len: so::MEMORY_LEN as i32,
        table_base: so::TABLE_BASE as i32,
        table_len: so::TABLE_LEN as i32,
        funcref_code: so::FUNCREF_CODE as i32,
        funcref_vmctx: so::FUNCREF_VMCTX as i32,
        funcref_type_id: so::FUNCREF_TYPE_ID as i32,
    }
}

/// Why the compiler tier cannot run a module, if it cannot: it translates every type and
/// reference the interpreter runs (an operator it cannot translate fails the compilation).
pub(crate) fn unsupported(_m: &ModuleInner) -> Option<String> {
    None
}

/// Whether no function reference from outside a module can reach its tables or `call_ref`:
/// no table is imported or exported, and no import or export carries a reference.
fn closed(m: &ModuleInner) -> bool {
    use crate::module::ExportIndex;
    use crate::types::{ExternType, FuncType};
    let is_ref = |t: &ValType| matches!(t, ValType::Ref(_));
    let carries_ref = |f: &FuncType| f.params().iter().chain(f.results()).any(is_ref);
    let imports_closed = m.imports.iter().all(|i| match &i.ty {
        ExternType::Func(f) | ExternType::Tag(f) => !carries_ref(f),
        ExternType::Table(_) => false,
        ExternType::Memory(_) => true,
        ExternType::Global(g) => !is_ref(&g.content),
    });
    let exports_closed = m.exports.iter().all(|e| match e.index {
        ExportIndex::Func(f) => !carries_ref(&m.types[m.func_types[f as usize] as usize]),
        ExportIndex::Tag(t) => !carries_ref(&m.types[m.tags[t as usize] as usize]),
        ExportIndex::Table(_) => false,
        ExportIndex::Memory(_) => true,
        ExportIndex::Global(g) => !is_ref(&m.globals[g as usize].content),
    });
    imports_closed && exports_closed
}

/// What the translator needs to know about a module besides its function bodies.
pub(crate) fn module_env(m: &ModuleInner) -> wc::ModuleEnv {
    wc::ModuleEnv {
        types: m
            .types
            .iter()
            .map(|t| wc::FuncSig {
                params: t.params().iter().map(|v| wasm_type(*v)).collect(),
                results: t.results().iter().map(|v| wasm_type(*v)).collect(),
            })
            .collect(),
        gc_types: m.canon.iter().map(|c| gc_type(c)).collect(),
        func_subtyping: m.canon.iter().any(|c| {
            matches!(c.composite, crate::registry::Composite::Func(_))
                && (!c.is_final || c.supers.len() > 1)
        }),
        func_types: m.func_types.clone(),
        num_imported_funcs: m.num_imported_funcs,
        globals: m
            .globals
            .iter()
            .map(|g| wc::GlobalDesc {
                ty: wasm_type(g.content),
                mutable: g.mutability == crate::Mutability::Var,
            })
            .collect(),
        memories: m
            .memories
            .iter()
            .map(|t| wc::MemoryDesc {
                memory64: t.memory64,
                shared: t.shared,
                page_size_log2: t.page_size_log2,
                reserved_bytes: super::assumed_reservation(t),
            })
            .collect(),
        tables: m
            .tables
            .iter()
            .map(|t| wc::TableDesc {
                table64: t.table64,
                elem: wasm_type(ValType::Ref(t.element)),
            })
            .collect(),
        closed: closed(m),
        tags: m.tags.clone(),
        layout: layout(m),
        interruptible: m.engine.config().interruptible,
        inlining: m.engine.config().inlining,
        metering: m.engine.config().metering.then(|| {
            let costs = m.engine.config().cost_table.clone();
            // With one cost for every operator the store derives the instruction count
            // from the gas (see `Store::instruction_count`).
            let count_instructions = costs.uniform_cost().is_none_or(|c| c == 0);
            wc::Metering {
                cost: std::sync::Arc::new(move |op| costs.cost(op)),
                ends_segment: crate::limits::ends_segment,
                count_instructions,
            }
        }),
    }
}

/// The module's function bodies as the translator takes them.
pub(crate) fn bodies(m: &ModuleInner) -> Vec<wc::FuncBody<'_>> {
    m.bodies
        .iter()
        .map(|r| wc::FuncBody {
            bytes: &m.bytes[r.clone()],
            offset: r.start,
        })
        .collect()
}

/// A compiler error as a Wedge error.
pub(crate) fn error(e: wc::Error) -> Error {
    match e {
        wc::Error::Invalid(e) => Error::from(e),
        wc::Error::Unsupported(what) => Error::Limit(format!("{UNSUPPORTED_PREFIX}{what}")),
        other => Error::Limit(format!("native code: {other}")),
    }
}

/// The code generator for a module's engine.
pub(crate) fn module_isa(m: &ModuleInner) -> Result<&'static wc::Isa, Error> {
    isa(m.engine.config().deterministic, m.engine.config().metering)
}

/// Compiles every function of a module; `progress(done, total)` is called as units finish.
pub(crate) fn compile(
    m: &ModuleInner,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CodeImage, Error> {
    let isa = module_isa(m)?;
    let env = module_env(m);
    let bodies = bodies(m);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = threads.min(bodies.len() / 8 + 1);
    let code = wc::compile_module(isa, &env, &bodies, threads, progress).map_err(error)?;
    Ok(image(code, Vec::new()))
}

/// The image of compiled code; `defs` as in [`CodeImage::defs`].
pub(crate) fn image(code: wc::CompiledCode, defs: Vec<u32>) -> CodeImage {
    CodeImage {
        code: code.code,
        funcs: code.funcs.iter().map(|r| (r.offset, r.len)).collect(),
        array_trampolines: code.array_trampolines,
        host_trampolines: code.host_trampolines,
        traps: code
            .traps
            .iter()
            .map(|t| (t.offset, t.kind as u8))
            .collect(),
        relocs: code
            .relocs
            .iter()
            .map(|r| (r.offset, r.target, r.addend))
            .collect(),
        refunds: code
            .refunds
            .iter()
            .map(|r| (r.offset, r.gas, r.count))
            .collect(),
        stack_maps: code
            .stack_maps
            .iter()
            .map(|s| (s.offset, s.sp_offset))
            .collect(),
        inlined: code
            .inlined
            .iter()
            .map(|r| (r.offset, r.len, r.site))
            .collect(),
        inline_sites: code
            .inline_sites
            .iter()
            .map(|s| (s.func, s.parent.unwrap_or(NO_SITE)))
            .collect(),
        inline_calls: code
            .inline_sites
            .iter()
            .map(|s| s.call_offset.unwrap_or(0))
            .collect(),
        wasm_offsets: code
            .wasm_offsets
            .iter()
            .map(|w| (w.offset, w.len, w.module_offset))
            .collect(),
        defs,
    }
}
