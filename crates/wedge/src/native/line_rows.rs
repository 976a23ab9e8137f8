//! Source lines of compiled code: the offsets the compiler recorded per stretch of native
//! code (wasm instruction offsets) looked up in the module's own DWARF, for the line tables
//! handed to debuggers (`debug_object`) and profilers (`jitdump`).

use super::signals::CodeInfo;
use super::Names;
use std::collections::HashMap;

/// A source location: file, line, column (0: unknown).
pub(super) type Loc = (String, u64, u64);

/// Where a function's native code comes from in the sources.
pub(super) struct FuncLines {
    /// The source file of the function itself (the outermost frame of its code).
    pub file: String,
    /// (offset from the function's start, location) where the location changes, by offset;
    /// the first row is at 0 (the prologue belongs to the function's first line).
    pub rows: Vec<(u32, Loc)>,
}

/// Looks up the lines of a code block's functions, each module offset once.
pub(super) struct LineRows<'a> {
    info: &'a CodeInfo,
    names: &'a Names,
    /// (innermost location, outermost file) per module offset.
    cache: HashMap<u32, Option<(Loc, String)>>,
}

impl<'a> LineRows<'a> {
    /// A lookup for block `info` named by `names`; None when there is nothing to look up
    /// (no DWARF or no recorded offsets).
    pub fn new(info: &'a CodeInfo, names: &'a Names) -> Option<LineRows<'a>> {
        (names.debug.is_present() && !info.wasm_offsets.is_empty()).then(|| LineRows {
            info,
            names,
            cache: HashMap::new(),
        })
    }

    /// The lines of the code at `offset..offset + len` of the block (a function), None if
    /// none of its code has a location.
    pub fn function(&mut self, offset: u32, len: u32) -> Option<FuncLines> {
        let offsets = &self.info.wasm_offsets;
        let first = offsets.partition_point(|e| e.0 < offset);
        let end = offset.saturating_add(len);
        let mut rows: Vec<(u32, Loc)> = Vec::new();
        let mut file = None;
        for &(at, _, module_offset) in offsets[first..].iter().take_while(|e| e.0 < end) {
            let Some((inner, outer)) = self.locate(module_offset) else {
                continue;
            };
            file.get_or_insert(outer);
            if rows.last().is_none_or(|r| r.1 != inner) {
                let from = if rows.is_empty() { 0 } else { at - offset };
                rows.push((from, inner));
            }
        }
        Some(FuncLines { file: file?, rows })
    }

    /// The innermost location and the outermost frame's file at a module offset.
    fn locate(&mut self, module_offset: u32) -> Option<(Loc, String)> {
        let names = self.names;
        self.cache
            .entry(module_offset)
            .or_insert_with(|| {
                let frames = names.debug.frames_at(module_offset as usize);
                let inner = frames.first()?;
                let loc = (
                    inner.file.clone()?,
                    inner.line? as u64,
                    inner.column.unwrap_or(0) as u64,
                );
                Some((loc, frames.last()?.file.clone()?))
            })
            .clone()
    }
}
