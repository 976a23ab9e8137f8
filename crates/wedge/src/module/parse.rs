//! Decoding a binary into [`ModuleInner`], validating with one `wasmparser::Validator`.

use super::*;
use crate::types::{Mutability, RefType};
use wasmparser::{Parser, Payload, TypeRef, Validator};

/// Validates the whole binary, then decodes what an instance needs.
pub(super) fn parse(engine: &Engine, owned: ModuleBytes) -> Result<ModuleInner, Error> {
    // The module keeps the bytes (moved in at the end, without a copy).
    let bytes: &[u8] = &owned;
    let config = engine.config();
    let flags = config.validation_features();
    let with_hint = |e: wasmparser::BinaryReaderError| {
        let mut err = Error::from(e);
        if let (Error::Invalid { message, .. }, Some(why)) = (
            &mut err,
            crate::features::missing_feature_message(flags, bytes, config.deterministic),
        ) {
            *message = format!("{why}: {message}");
        }
        err
    };
    // A native-code section signed by `wedge compile` with our key (after it validated
    // everything with these features) spares validating every function body again; its
    // signature is checked on another thread while this one validates the structure.
    // So does an entry of the code cache (checked the same way).
    let (aot_header, cached, funcs) = std::thread::scope(|s| {
        let aot = crate::native::artifact::may_have_native_code(config, bytes);
        let check = aot.then(|| s.spawn(|| crate::native::artifact::authenticated(config, bytes)));
        let lookup = (!aot && config.cache_dir.is_some() && config.compiles())
            .then(|| s.spawn(|| cache_lookup(config, bytes)));
        let funcs = validate_structure(flags, bytes);
        let header = check.and_then(|c| c.join().ok()).flatten();
        let cached = lookup.and_then(|c| c.join().ok()).unwrap_or_default();
        (header, cached, funcs)
    });
    let funcs = funcs.map_err(with_hint)?;
    if aot_header.is_none() && cached.hit.is_none() {
        validate_bodies(funcs).map_err(with_hint)?;
    }

    let mut m = ModuleInner {
        engine: engine.clone(),
        bytes: ModuleBytes::Owned(Box::new([])),
        name: None,
        types: Vec::new(),
        type_ids: Vec::new(),
        canon: Vec::new(),
        heap_types: Vec::new(),
        tags: Vec::new(),
        num_imported_tags: 0,
        imports: Vec::new(),
        func_types: Vec::new(),
        num_imported_funcs: 0,
        tables: Vec::new(),
        table_inits: Vec::new(),
        num_imported_tables: 0,
        memories: Vec::new(),
        num_imported_memories: 0,
        globals: Vec::new(),
        global_inits: Vec::new(),
        num_imported_globals: 0,
        exports: Vec::new(),
        start: None,
        elems: Vec::new(),
        datas: Vec::new(),
        bodies: Vec::new(),
        func_names: HashMap::new(),
        custom_sections: Vec::new(),
        debug: Default::default(),
        code: Vec::new(),
        call_entries: Box::new([]),
        native: None,
        tier: None,
        cache: cached.used,
        cache_hit: cached.hit,
        aot: None,
        aot_warning: cached.warning,
        images: Vec::new(),
        image_file: std::sync::OnceLock::new(),
        instantiated: std::sync::atomic::AtomicBool::new(false),
        active_datas: std::sync::OnceLock::new(),
        elem_funcs: std::sync::OnceLock::new(),
        lazy_tables: std::sync::OnceLock::new(),
        type_set: std::sync::OnceLock::new(),
        trampoline_set: std::sync::OnceLock::new(),
        aot_header,
    };

    let mut code_start = 0;
    let mut dwarf = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::CodeSectionStart {
                unchecked_range, ..
            } => code_start = unchecked_range.start as usize,
            Payload::TypeSection(reader) => {
                for group in reader {
                    types::add_rec_group(engine, &mut m, group?);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let (index, ty) = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            m.func_types.push(t);
                            m.num_imported_funcs += 1;
                            let ft = (*m.types[t as usize]).clone();
                            (m.func_types.len() - 1, ExternType::Func(ft))
                        }
                        TypeRef::Table(t) => {
                            let t = table_type(&m, &t);
                            m.tables.push(t);
                            m.num_imported_tables += 1;
                            (m.tables.len() - 1, ExternType::Table(t))
                        }
                        TypeRef::Memory(t) => {
                            let t = memory_type(&t);
                            m.memories.push(t);
                            m.num_imported_memories += 1;
                            (m.memories.len() - 1, ExternType::Memory(t))
                        }
                        TypeRef::Global(t) => {
                            let t = global_type(&m, &t);
                            m.globals.push(t);
                            m.num_imported_globals += 1;
                            (m.globals.len() - 1, ExternType::Global(t))
                        }
                        TypeRef::Tag(t) => {
                            m.tags.push(t.func_type_idx);
                            m.num_imported_tags += 1;
                            let ft = (*m.types[t.func_type_idx as usize]).clone();
                            (m.tags.len() - 1, ExternType::Tag(ft))
                        }
                    };
                    m.imports.push(ImportDef {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        index: index as u32,
                        ty,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    m.func_types.push(t?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    m.tables.push(table_type(&m, &table.ty));
                    m.table_inits.push(match &table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(ConstExpr::decode(e)?),
                    });
                }
            }
            Payload::MemorySection(reader) => {
                for mem in reader {
                    m.memories.push(memory_type(&mem?));
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g?;
                    m.globals.push(global_type(&m, &g.ty));
                    m.global_inits.push(ConstExpr::decode(&g.init_expr)?);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e?;
                    let index = match e.kind {
                        wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                            ExportIndex::Func(e.index)
                        }
                        wasmparser::ExternalKind::Table => ExportIndex::Table(e.index),
                        wasmparser::ExternalKind::Memory => ExportIndex::Memory(e.index),
                        wasmparser::ExternalKind::Global => ExportIndex::Global(e.index),
                        wasmparser::ExternalKind::Tag => ExportIndex::Tag(e.index),
                    };
                    m.exports.push(ExportDef {
                        name: e.name.to_string(),
                        index,
                    });
                }
            }
            Payload::StartSection { func, .. } => m.start = Some(func),
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem?;
                    let mode = match elem.kind {
                        wasmparser::ElementKind::Passive => ElemMode::Passive,
                        wasmparser::ElementKind::Declared => ElemMode::Declared,
                        wasmparser::ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => ElemMode::Active {
                            table: table_index.unwrap_or(0),
                            offset: ConstExpr::decode(&offset_expr)?,
                        },
                    };
                    let mut items = Vec::new();
                    let ty = match &elem.items {
                        wasmparser::ElementItems::Functions(_) => RefType {
                            nullable: false,
                            heap: crate::types::HeapType::Func,
                        },
                        wasmparser::ElementItems::Expressions(t, _) => m.ref_type(*t),
                    };
                    match elem.items {
                        wasmparser::ElementItems::Functions(funcs) => {
                            for f in funcs {
                                items.push(ConstExpr::one(ConstOp::RefFunc(f?)));
                            }
                        }
                        wasmparser::ElementItems::Expressions(_, exprs) => {
                            for e in exprs {
                                items.push(ConstExpr::decode(&e?)?);
                            }
                        }
                    }
                    m.elems.push(ElemSegment { ty, mode, items });
                }
            }
            Payload::DataSection(reader) => {
                m.datas.reserve_exact(reader.count() as usize);
                for data in reader {
                    let data = data?;
                    let start = data.data.as_ptr() as usize - bytes.as_ptr() as usize;
                    let mode = match data.kind {
                        wasmparser::DataKind::Passive => DataMode::Passive,
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => DataMode::Active {
                            memory: memory_index,
                            offset: ConstExpr::decode(&offset_expr)?,
                        },
                    };
                    m.datas.push(DataSegment {
                        mode,
                        range: start..start + data.data.len(),
                    });
                }
            }
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                m.bodies.push(range.start as usize..range.end as usize);
            }
            Payload::CustomSection(reader) => {
                m.custom_sections
                    .push((reader.name().to_string(), reader.data().len()));
                if reader.name().starts_with(".debug_") {
                    dwarf.push((reader.name().to_string(), reader.data().into()));
                }
                if reader.name() == crate::native::artifact::SECTION_NAME {
                    let start = reader.data_offset() as usize;
                    m.aot = Some(start..start + reader.data().len());
                }
                if let wasmparser::KnownCustom::Name(names) = reader.as_known() {
                    read_names(&mut m, names);
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    m.tags.push(tag?.func_type_idx);
                }
            }
            _ => {}
        }
    }
    m.code = (0..m.bodies.len()).map(|_| OnceLock::new()).collect();
    m.call_entries = (0..m.func_types.len())
        .map(|_| crate::interp::CallEntry::new())
        .collect();
    m.debug = std::sync::Arc::new(super::debuginfo::DebugInfo::new(code_start, dwarf));
    m.bytes = owned;
    Ok(m)
}

/// A function body waiting for validation.
type Pending<'a> = (
    wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
    wasmparser::FunctionBody<'a>,
);

/// Validates everything but the function bodies, which it returns.
fn validate_structure(
    flags: wasmparser::WasmFeatures,
    bytes: &[u8],
) -> Result<Vec<Pending<'_>>, wasmparser::BinaryReaderError> {
    let mut validator = Validator::new_with_features(flags);
    let mut parser = Parser::new(0);
    parser.set_features(flags);
    let mut funcs = Vec::new();
    for payload in parser.parse_all(bytes) {
        match validator.payload(&payload?)? {
            wasmparser::ValidPayload::Func(func, body) => funcs.push((func, body)),
            wasmparser::ValidPayload::End(_) => break,
            _ => {}
        }
    }
    Ok(funcs)
}

/// Validates function bodies, on every core for large modules; the first invalid body (in
/// module order) gives the error.
fn validate_bodies(mut funcs: Vec<Pending<'_>>) -> Result<(), wasmparser::BinaryReaderError> {
    let validate = |part: Vec<Pending<'_>>| {
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        for (func, body) in part {
            let mut v = func.into_validator(allocs);
            v.validate(&body)?;
            allocs = v.into_allocations();
        }
        Ok(())
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = threads.min(funcs.len() / 64 + 1);
    if threads <= 1 {
        return validate(funcs);
    }
    let chunk = funcs.len().div_ceil(threads);
    let mut parts = Vec::with_capacity(threads);
    while !funcs.is_empty() {
        let rest = funcs.split_off(chunk.min(funcs.len()));
        parts.push(std::mem::replace(&mut funcs, rest));
    }
    std::thread::scope(|s| {
        let running: Vec<_> = parts
            .into_iter()
            .map(|part| s.spawn(move || validate(part)))
            .collect();
        running
            .into_iter()
            .try_for_each(|r| r.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}

/// Reads module and function names; a malformed name section is ignored, as the spec asks.
fn read_names(m: &mut ModuleInner, names: wasmparser::NameSectionReader<'_>) {
    for name in names {
        match name {
            Ok(wasmparser::Name::Module { name, .. }) => m.name = Some(name.to_string()),
            Ok(wasmparser::Name::Function(map)) => {
                for naming in map.into_iter().flatten() {
                    m.func_names.insert(naming.index, naming.name.to_string());
                }
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

fn table_type(m: &ModuleInner, t: &wasmparser::TableType) -> TableType {
    TableType {
        element: m.ref_type(t.element_type),
        minimum: t.initial,
        maximum: t.maximum,
        table64: t.table64,
    }
}

fn memory_type(t: &wasmparser::MemoryType) -> MemoryType {
    MemoryType {
        minimum: t.initial,
        maximum: t.maximum,
        shared: t.shared,
        memory64: t.memory64,
        page_size_log2: t.page_size_log2.map_or(16, |l| l as u8),
    }
}

fn global_type(m: &ModuleInner, t: &wasmparser::GlobalType) -> GlobalType {
    GlobalType {
        content: m.val_type(t.content_type),
        mutability: if t.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        },
    }
}

/// Looks the module up in the engine's code cache.
fn cache_lookup(config: &crate::Config, bytes: &[u8]) -> crate::cache::Lookup {
    #[cfg(feature = "compiler")]
    {
        crate::cache::lookup(config, bytes)
    }
    #[cfg(not(feature = "compiler"))]
    {
        let _ = (config, bytes);
        crate::cache::Lookup::default()
    }
}
