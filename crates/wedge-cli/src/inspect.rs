//! `wedge inspect`: a human-readable summary of a module.

use std::fmt::Write;
use wedge::{ExternType, Module};

/// Describes a module's imports, exports, memories, tables and custom sections.
pub fn describe(module: &Module) -> String {
    let mut out = String::new();
    if let Some(name) = module.name() {
        let _ = writeln!(out, "name: {name}");
    }
    let _ = writeln!(
        out,
        "functions: {} ({} imported, {} defined)",
        module.function_count(),
        module.function_count() - module.defined_function_count(),
        module.defined_function_count()
    );
    let _ = writeln!(out, "imports: {}", module.imports().len());
    for import in module.imports() {
        let _ = writeln!(
            out,
            "  {} \"{}\" \"{}\": {}",
            import.ty.kind_name(),
            import.module,
            import.name,
            extern_desc(&import.ty)
        );
    }
    let _ = writeln!(out, "exports: {}", module.exports().len());
    for (name, ty) in module.exports() {
        let _ = writeln!(
            out,
            "  {} \"{}\": {}",
            ty.kind_name(),
            name,
            extern_desc(&ty)
        );
    }
    let _ = writeln!(out, "memories: {}", module.memories().len());
    for (i, m) in module.memories().iter().enumerate() {
        let _ = writeln!(
            out,
            "  memory {i}: {}",
            extern_desc(&ExternType::Memory(*m))
        );
    }
    let _ = writeln!(out, "tables: {}", module.tables().len());
    for (i, t) in module.tables().iter().enumerate() {
        let _ = writeln!(out, "  table {i}: {}", extern_desc(&ExternType::Table(*t)));
    }
    let _ = writeln!(out, "globals: {}", module.globals().len());
    if let Some(start) = module.start() {
        let _ = writeln!(out, "start: function {start}");
    }
    let _ = writeln!(out, "custom sections: {}", module.custom_sections().len());
    for (name, size) in module.custom_sections() {
        let _ = writeln!(out, "  \"{name}\": {size} bytes");
    }
    out
}

fn limits(min: u64, max: Option<u64>) -> String {
    match max {
        Some(max) => format!("min {min}, max {max}"),
        None => format!("min {min}, no max"),
    }
}

fn extern_desc(ty: &ExternType) -> String {
    match ty {
        ExternType::Func(f) => f.to_string(),
        ExternType::Table(t) => {
            let wide = if t.table64 { ", 64-bit" } else { "" };
            format!("{} {}{wide}", t.element, limits(t.minimum, t.maximum))
        }
        ExternType::Memory(m) => {
            let mut s = format!("pages {}", limits(m.minimum, m.maximum));
            if m.shared {
                s.push_str(", shared");
            }
            if m.memory64 {
                s.push_str(", 64-bit");
            }
            if m.page_size() != wedge::runtime::PAGE_SIZE {
                s.push_str(&format!(", {}-byte pages", m.page_size()));
            }
            s
        }
        ExternType::Global(g) => {
            let m = match g.mutability {
                wedge::Mutability::Const => "const",
                wedge::Mutability::Var => "mut",
            };
            format!("{m} {}", g.content)
        }
        ExternType::Tag(f) => format!("tag {f}"),
    }
}
