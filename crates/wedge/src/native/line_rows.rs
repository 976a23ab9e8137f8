//! Source lines of compiled code: the offsets the compiler recorded per stretch of native
//! code (wasm instruction offsets) looked up in the module's own DWARF, for the line tables
//! handed to debuggers (`debug_object`) and profilers (`jitdump`).

use super::signals::CodeInfo;
use super::Names;
use std::collections::HashMap;

/// A source location: file, line, column (0: unknown).
pub(super) type Loc = (String, u64, u64);

/// A function the guest's compiler inlined, as the DWARF shows it at some code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Inlined {
    /// Its name (demangled; `??` when the DWARF has none).
    pub name: String,
    /// Where it was called (inlined) from.
    pub call: Loc,
}

/// Where a function's native code comes from in the sources.
pub(super) struct FuncLines {
    /// The source file of the function itself (the outermost frame of its code).
    pub file: String,
    /// (offset from the function's start, location) where the location changes, by offset;
    /// the first row is at 0 (the prologue belongs to the function's first line).
    pub rows: Vec<(u32, Loc)>,
    /// (offset, end offset, inlined functions outermost first) of every stretch of code with
    /// a location, by offset (an empty list: the function's own code).
    pub inlined: Vec<(u32, u32, Vec<Inlined>)>,
}

/// What the DWARF says about one wasm instruction.
#[derive(Clone)]
struct Located {
    /// Innermost location.
    inner: Loc,
    /// File of the outermost frame (the compiled function itself).
    outer: String,
    /// The inlined functions, outermost first.
    chain: Vec<Inlined>,
}

/// Looks up the lines of a code block's functions, each module offset once.
pub(super) struct LineRows<'a> {
    info: &'a CodeInfo,
    names: &'a Names,
    /// What the DWARF says per module offset.
    cache: HashMap<u32, Option<Located>>,
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
        let mut inlined = Vec::new();
        let mut file = None;
        for &(at, n, module_offset) in offsets[first..].iter().take_while(|e| e.0 < end) {
            let Some(found) = self.locate(module_offset) else {
                continue;
            };
            file.get_or_insert(found.outer);
            if rows.last().is_none_or(|r| r.1 != found.inner) {
                let from = if rows.is_empty() { 0 } else { at - offset };
                rows.push((from, found.inner));
            }
            let to = (at - offset).saturating_add(n).min(len);
            inlined.push((at - offset, to, found.chain));
        }
        Some(FuncLines {
            file: file?,
            rows,
            inlined,
        })
    }

    /// What the DWARF says about the instruction at a module offset.
    fn locate(&mut self, module_offset: u32) -> Option<Located> {
        let names = self.names;
        self.cache
            .entry(module_offset)
            .or_insert_with(|| {
                let frames = names.debug.frames_at(module_offset as usize);
                let outer = frames.last()?.file.clone().filter(|f| !f.is_empty())?;
                // Frame i (innermost first) was inlined at the location of frame i + 1.
                let chain = (0..frames.len() - 1)
                    .rev()
                    .filter_map(|i| {
                        Some(Inlined {
                            name: frames[i].function.clone().unwrap_or_else(|| "??".into()),
                            call: loc(&frames[i + 1])?,
                        })
                    })
                    .collect();
                Some(Located {
                    inner: loc(frames.first()?)?,
                    outer,
                    chain,
                })
            })
            .clone()
    }
}

/// The location of a source frame, if it has a file (line tables cannot name a file "")
/// and a line.
fn loc(frame: &crate::module::SourceFrame) -> Option<Loc> {
    Some((
        frame.file.clone().filter(|f| !f.is_empty())?,
        frame.line? as u64,
        frame.column.unwrap_or(0) as u64,
    ))
}
