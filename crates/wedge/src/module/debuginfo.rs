//! Source locations of wasm code from a module's DWARF custom sections (`.debug_*`).
//!
//! DWARF in wasm addresses code by its offset from the start of the code section's
//! contents; a frame's module offset minus that start is the address looked up.

use std::sync::{Arc, Mutex};

/// One source-level frame of a wasm frame: the frame itself or a function inlined into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFrame {
    /// The function's name (demangled), when DWARF names it.
    pub function: Option<String>,
    /// The source file, when known.
    pub file: Option<String>,
    /// The line (1-based), when known.
    pub line: Option<u32>,
    /// The column (1-based; `None` when unknown or the whole line).
    pub column: Option<u32>,
}

type Reader = gimli::EndianArcSlice<gimli::LittleEndian>;

/// A module's DWARF sections and, once a location was asked for, their parsed index.
pub(crate) struct DebugInfo {
    /// Offset of the code section's contents in the module binary.
    code_start: usize,
    /// The `.debug_*` custom sections, by name.
    sections: Vec<(String, Arc<[u8]>)>,
    /// Parsed on first use (`None` inside when the DWARF is malformed).
    context: Mutex<Option<Option<addr2line::Context<Reader>>>>,
}

impl std::fmt::Debug for DebugInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DebugInfo")
            .field("sections", &self.sections.len())
            .finish_non_exhaustive()
    }
}

impl Default for DebugInfo {
    fn default() -> DebugInfo {
        DebugInfo::new(0, Vec::new())
    }
}

impl DebugInfo {
    /// Keeps the DWARF sections found in a module (none: no debug info).
    pub fn new(code_start: usize, sections: Vec<(String, Arc<[u8]>)>) -> DebugInfo {
        DebugInfo {
            code_start,
            sections,
            context: Mutex::new(None),
        }
    }

    /// Whether the module has DWARF line or debug info.
    pub fn is_present(&self) -> bool {
        self.sections
            .iter()
            .any(|(n, _)| n == ".debug_info" || n == ".debug_line")
    }

    /// The source frames at module byte offset `offset`, innermost (inlined) first; empty
    /// when the module has no DWARF or it does not cover the offset.
    pub fn frames_at(&self, offset: usize) -> Vec<SourceFrame> {
        if !self.is_present() {
            return Vec::new();
        }
        let Some(address) = offset.checked_sub(self.code_start) else {
            return Vec::new();
        };
        let mut guard = self.context.lock().unwrap_or_else(|e| e.into_inner());
        let context = guard.get_or_insert_with(|| self.parse());
        let Some(context) = context else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let Ok(mut iter) = context.find_frames(address as u64).skip_all_loads() else {
            return out;
        };
        while let Ok(Some(frame)) = iter.next() {
            let function = frame
                .function
                .as_ref()
                .and_then(|f| f.raw_name().ok())
                .map(|n| super::demangle::demangle(n.as_ref()));
            let (file, line, column) = match frame.location {
                Some(l) => (
                    l.file.map(str::to_string),
                    l.line,
                    l.column.filter(|&c| c != 0),
                ),
                None => (None, None, None),
            };
            out.push(SourceFrame {
                function,
                file,
                line,
                column,
            });
        }
        out
    }

    /// Parses the sections into a lookup context.
    fn parse(&self) -> Option<addr2line::Context<Reader>> {
        let dwarf = gimli::Dwarf::load(|id: gimli::SectionId| {
            let data = self
                .sections
                .iter()
                .find(|(n, _)| n == id.name())
                .map_or_else(|| Arc::from(&[][..]), |(_, d)| d.clone());
            Ok::<_, gimli::Error>(Reader::new(data, gimli::LittleEndian))
        })
        .ok()?;
        addr2line::Context::from_dwarf(dwarf).ok()
    }
}
