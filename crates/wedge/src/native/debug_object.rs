//! The in-memory ELF object that describes a loaded code block to GDB (see `gdb_jit`): a
//! `.text` section without contents (the debugger reads the code from memory) at the code's
//! real address, one symbol per compiled wasm function and trampoline, DWARF line tables
//! that map native code to the guest's source lines (through the wasm offsets recorded per
//! native instruction and the module's own DWARF), and call frame information for the
//! frame-pointer prologue every compiled function starts with.

use super::line_rows::{FuncLines, Inlined, LineRows};
use super::signals::CodeInfo;
use super::{CodeImage, Names};
use gimli::write::{
    Address, AttributeValue, CallFrameInstruction, CommonInformationEntry, Dwarf, EndianVec,
    FileId, FrameDescriptionEntry, FrameTable, LineProgram, LineString, Range, RangeList, Sections,
    Unit, UnitEntryId,
};
use gimli::{Encoding, Format, LineEncoding, LittleEndian, X86_64};
use object::elf;
use object::write::elf::{FileHeader, SectionHeader, Sym, Writer};
use std::collections::{BTreeMap, HashMap};

/// The instructions every compiled function starts with: `push rbp; mov rbp, rsp`.
const PROLOGUE: [u8; 4] = [0x55, 0x48, 0x89, 0xe5];

/// A function or trampoline of the block.
struct Symbol {
    name: String,
    /// Offset in the block.
    offset: u32,
    len: u32,
    /// Index in `CodeInfo::funcs` (None: a trampoline).
    func: Option<usize>,
}

/// Builds the ELF object for the code block `info` (whose bytes are `code`) named by `names`.
pub(super) fn build(
    info: &CodeInfo,
    names: &Names,
    image: &CodeImage,
    code: &[u8],
) -> Option<Vec<u8>> {
    let symbols = symbols(info, names, image, code.len());
    let mut dwarf = Dwarf::new();
    line_tables(&mut dwarf, info, names, &symbols);
    let mut sections = Sections::new(EndianVec::new(LittleEndian));
    dwarf.write(&mut sections).ok()?;
    frame_table(info.start as u64, &symbols, code)
        .write_debug_frame(&mut sections.debug_frame)
        .ok()?;
    let mut debug: Vec<(&'static str, Vec<u8>)> = Vec::new();
    sections
        .for_each(|id, data| {
            if !data.slice().is_empty() {
                debug.push((id.name(), data.slice().to_vec()));
            }
            Ok::<_, gimli::write::Error>(())
        })
        .ok()?;
    write_elf(info.start as u64, code.len() as u64, &symbols, &debug)
}

/// The block's functions (named as in backtraces) and trampolines, by offset.
fn symbols(info: &CodeInfo, names: &Names, image: &CodeImage, code_len: usize) -> Vec<Symbol> {
    let mut out = Vec::new();
    for (i, &(offset, len)) in info.funcs.iter().enumerate() {
        let name = names.label(info, i);
        out.push(Symbol {
            name,
            offset,
            len,
            func: Some(i),
        });
    }
    // Trampolines have no recorded length: each runs up to whatever comes next.
    let mut starts: Vec<u32> = info.funcs.iter().map(|f| f.0).collect();
    let mut seen = BTreeMap::new();
    let kinds = [
        ("array", &image.array_trampolines),
        ("host", &image.host_trampolines),
    ];
    for (kind, offsets) in kinds {
        for (ty, offset) in offsets.iter().enumerate() {
            seen.entry(*offset)
                .or_insert_with(|| format!("wasm-{kind}-trampoline[type {ty}]"));
        }
    }
    starts.extend(seen.keys().copied());
    starts.sort_unstable();
    for (offset, name) in seen {
        if info.funcs.binary_search_by_key(&offset, |f| f.0).is_ok() {
            continue;
        }
        let next = starts
            .get(starts.partition_point(|s| *s <= offset))
            .copied();
        let end = next.unwrap_or(code_len as u32);
        out.push(Symbol {
            name,
            offset,
            len: end - offset,
            func: None,
        });
    }
    out.sort_by_key(|s| s.offset);
    out
}

/// Adds a compile unit per source file: the functions whose own code is in that file, with
/// line rows for the source location (innermost inlined function first) of every stretch of
/// native code the compiler recorded a wasm offset for.
fn line_tables(dwarf: &mut Dwarf, info: &CodeInfo, names: &Names, symbols: &[Symbol]) {
    let Some(mut lines) = LineRows::new(info, names) else {
        return;
    };
    let mut units: BTreeMap<String, Vec<(&Symbol, FuncLines)>> = BTreeMap::new();
    for sym in symbols.iter().filter(|s| s.func.is_some()) {
        if let Some(f) = lines.function(sym.offset, sym.len) {
            units.entry(f.file.clone()).or_default().push((sym, f));
        }
    }
    let encoding = Encoding {
        format: Format::Dwarf32,
        version: 4,
        address_size: 8,
    };
    for (file, funcs) in units {
        let (dir, name) = split_path(&file);
        let mut program = LineProgram::new(
            encoding,
            LineEncoding::default(),
            LineString::String(b".".to_vec()),
            dir.map(|d| LineString::String(d.as_bytes().to_vec())),
            LineString::String(name.as_bytes().to_vec()),
            None,
        );
        let mut files = HashMap::new();
        let mut ranges = Vec::new();
        for (sym, lines) in &funcs {
            let start = info.start as u64 + sym.offset as u64;
            ranges.push(Range::StartLength {
                begin: Address::Constant(start),
                length: sym.len as u64,
            });
            program.begin_sequence(Some(Address::Constant(start)));
            for (at, (path, line, column)) in &lines.rows {
                let row_file = file_id(&mut program, &mut files, path);
                let row = program.row();
                row.address_offset = *at as u64;
                row.file = row_file;
                row.line = *line;
                row.column = *column;
                row.is_statement = true;
                program.generate_row();
            }
            program.end_sequence(sym.len as u64);
            for (_, _, chain) in &lines.inlined {
                for f in chain {
                    file_id(&mut program, &mut files, &f.call.0);
                }
            }
        }
        let mut unit = Unit::new(encoding, program);
        let ranges = unit.ranges.add(RangeList(ranges));
        let root = unit.root();
        let cu = unit.get_mut(root);
        cu.set(gimli::DW_AT_producer, string("wedge"));
        cu.set(gimli::DW_AT_name, string(&file));
        cu.set(gimli::DW_AT_comp_dir, string("."));
        cu.set(
            gimli::DW_AT_language,
            AttributeValue::Language(language(&file)),
        );
        cu.set(
            gimli::DW_AT_low_pc,
            AttributeValue::Address(Address::Constant(0)),
        );
        cu.set(gimli::DW_AT_ranges, AttributeValue::RangeListRef(ranges));
        let mut abstract_funcs = HashMap::new();
        for (sym, lines) in &funcs {
            let die = unit.add(root, gimli::DW_TAG_subprogram);
            let entry = unit.get_mut(die);
            entry.set(gimli::DW_AT_name, string(&sym.name));
            entry.set(gimli::DW_AT_external, AttributeValue::Flag(true));
            let start = info.start as u64 + sym.offset as u64;
            entry.set(
                gimli::DW_AT_low_pc,
                AttributeValue::Address(Address::Constant(start)),
            );
            entry.set(gimli::DW_AT_high_pc, AttributeValue::Udata(sym.len as u64));
            inlined_tree(&mut unit, &mut abstract_funcs, &files, die, start, lines);
        }
        dwarf.units.add(unit);
    }
}

/// The line program's id of a file, added on first use.
fn file_id(program: &mut LineProgram, files: &mut HashMap<String, FileId>, path: &str) -> FileId {
    if let Some(id) = files.get(path) {
        return *id;
    }
    let (dir, name) = split_path(path);
    let dir = match dir {
        Some(d) => program.add_directory(LineString::String(d.as_bytes().to_vec())),
        None => program.default_directory(),
    };
    let id = program.add_file(LineString::String(name.as_bytes().to_vec()), dir, None);
    files.insert(path.to_string(), id);
    id
}

/// Adds under `func` (a subprogram starting at address `start`) a
/// `DW_TAG_inlined_subroutine` for each stretch of code the guest's compiler inlined from
/// another function, nested as the inlining was, each naming an abstract subprogram of the
/// unit (made on first use, in `abstract_funcs`) and its call site; consecutive stretches of
/// the same inlined call share one entry.
fn inlined_tree(
    unit: &mut Unit,
    abstract_funcs: &mut HashMap<String, UnitEntryId>,
    files: &HashMap<String, FileId>,
    func: UnitEntryId,
    start: u64,
    lines: &FuncLines,
) {
    // The open entries, outermost first: (inlined function, entry, start, end offsets).
    let mut open: Vec<(&Inlined, UnitEntryId, u32, u32)> = Vec::new();
    let close = |unit: &mut Unit, (_, die, from, to): (&Inlined, UnitEntryId, u32, u32)| {
        let entry = unit.get_mut(die);
        let low = Address::Constant(start + from as u64);
        entry.set(gimli::DW_AT_low_pc, AttributeValue::Address(low));
        entry.set(
            gimli::DW_AT_high_pc,
            AttributeValue::Udata((to - from) as u64),
        );
    };
    for (from, to, chain) in &lines.inlined {
        let same = open
            .iter()
            .zip(chain)
            .take_while(|(o, c)| o.0 == *c)
            .count();
        while open.len() > same {
            let done = open.pop().unwrap();
            close(unit, done);
        }
        for f in &chain[same..] {
            let parent = open.last().map_or(func, |o| o.1);
            let origin = *abstract_funcs.entry(f.name.clone()).or_insert_with(|| {
                let root = unit.root();
                let die = unit.add(root, gimli::DW_TAG_subprogram);
                let entry = unit.get_mut(die);
                entry.set(gimli::DW_AT_name, string(&f.name));
                entry.set(
                    gimli::DW_AT_inline,
                    AttributeValue::Inline(gimli::DW_INL_inlined),
                );
                die
            });
            let die = unit.add(parent, gimli::DW_TAG_inlined_subroutine);
            let entry = unit.get_mut(die);
            entry.set(
                gimli::DW_AT_abstract_origin,
                AttributeValue::UnitRef(origin),
            );
            if let Some(file) = files.get(&f.call.0) {
                entry.set(
                    gimli::DW_AT_call_file,
                    AttributeValue::FileIndex(Some(*file)),
                );
            }
            entry.set(gimli::DW_AT_call_line, AttributeValue::Udata(f.call.1));
            if f.call.2 != 0 {
                entry.set(gimli::DW_AT_call_column, AttributeValue::Udata(f.call.2));
            }
            open.push((f, die, *from, *to));
        }
        for o in &mut open {
            o.3 = o.3.max(*to);
        }
    }
    while let Some(done) = open.pop() {
        close(unit, done);
    }
}

/// A string attribute.
fn string(s: &str) -> AttributeValue {
    AttributeValue::String(s.as_bytes().to_vec())
}

/// (directory, file name) of a path; no directory for a bare name.
fn split_path(path: &str) -> (Option<&str>, &str) {
    match path.rsplit_once('/') {
        Some((dir, name)) if !dir.is_empty() && !name.is_empty() => (Some(dir), name),
        Some(("", name)) if !name.is_empty() => (Some("/"), name),
        _ => (None, path),
    }
}

/// The DWARF language of a source file, by its extension (C when unknown).
fn language(file: &str) -> gimli::DwLang {
    match file.rsplit_once('.').map(|(_, e)| e) {
        Some("rs") => gimli::DW_LANG_Rust,
        Some("cc" | "cpp" | "cxx" | "hpp" | "hh") => gimli::DW_LANG_C_plus_plus,
        _ => gimli::DW_LANG_C99,
    }
}

/// Call frame information for every symbol that starts with the frame-pointer prologue:
/// the return address above the saved `rbp`, then the frame addressed through `rbp`.
fn frame_table(start: u64, symbols: &[Symbol], code: &[u8]) -> FrameTable {
    let encoding = Encoding {
        format: Format::Dwarf32,
        version: 1,
        address_size: 8,
    };
    let mut cie = CommonInformationEntry::new(encoding, 1, -8, X86_64::RA);
    cie.add_instruction(CallFrameInstruction::Cfa(X86_64::RSP, 8));
    cie.add_instruction(CallFrameInstruction::Offset(X86_64::RA, -8));
    let mut table = FrameTable::default();
    let cie = table.add_cie(cie);
    for sym in symbols {
        let at = sym.offset as usize;
        if sym.len < PROLOGUE.len() as u32 || code.get(at..at + PROLOGUE.len()) != Some(&PROLOGUE) {
            continue;
        }
        let mut fde = FrameDescriptionEntry::new(Address::Constant(start + at as u64), sym.len);
        fde.add_instruction(1, CallFrameInstruction::CfaOffset(16));
        fde.add_instruction(1, CallFrameInstruction::Offset(X86_64::RBP, -16));
        fde.add_instruction(4, CallFrameInstruction::CfaRegister(X86_64::RBP));
        table.add_fde(cie, fde);
    }
    table
}

/// Writes the relocatable ELF file: `.text` (no bits) at `start`, the debug sections, the
/// symbol table.
fn write_elf(
    start: u64,
    len: u64,
    symbols: &[Symbol],
    debug: &[(&'static str, Vec<u8>)],
) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut w = Writer::new(object::Endianness::Little, true, &mut buf);
    w.reserve_file_header();
    w.reserve_null_section_index();
    let text_name = w.add_section_name(b".text");
    let text = w.reserve_section_index();
    let debug_sections: Vec<_> = debug
        .iter()
        .map(|(name, _)| {
            w.reserve_section_index();
            w.add_section_name(name.as_bytes())
        })
        .collect();
    w.reserve_symtab_section_index();
    w.reserve_strtab_section_index();
    w.reserve_shstrtab_section_index();
    w.reserve_null_symbol_index();
    let names: Vec<_> = symbols
        .iter()
        .map(|s| {
            w.reserve_symbol_index(Some(text));
            w.add_string(s.name.as_bytes())
        })
        .collect();
    let offsets: Vec<usize> = debug.iter().map(|(_, d)| w.reserve(d.len(), 1)).collect();
    w.reserve_symtab();
    w.reserve_strtab();
    w.reserve_shstrtab();
    w.reserve_section_headers();

    w.write_file_header(&FileHeader {
        os_abi: elf::ELFOSABI_NONE,
        abi_version: 0,
        e_type: elf::ET_REL,
        e_machine: elf::EM_X86_64,
        e_entry: 0,
        e_flags: 0,
    })
    .ok()?;
    for ((_, data), offset) in debug.iter().zip(&offsets) {
        w.pad_until(*offset);
        w.write(data);
    }
    w.write_null_symbol();
    for (sym, name) in symbols.iter().zip(names) {
        w.write_symbol(&Sym {
            name: Some(name),
            section: Some(text),
            st_info: (elf::STB_GLOBAL << 4) | elf::STT_FUNC,
            st_other: elf::STV_DEFAULT,
            st_shndx: 0,
            st_value: sym.offset as u64,
            st_size: sym.len as u64,
        });
    }
    w.write_strtab();
    w.write_shstrtab();
    w.write_null_section_header();
    w.write_section_header(&SectionHeader {
        name: Some(text_name),
        sh_type: elf::SHT_NOBITS,
        sh_flags: (elf::SHF_ALLOC | elf::SHF_EXECINSTR) as u64,
        sh_addr: start,
        sh_offset: 0,
        sh_size: len,
        sh_link: 0,
        sh_info: 0,
        sh_addralign: 16,
        sh_entsize: 0,
    });
    for ((_, data), (name, offset)) in debug.iter().zip(debug_sections.iter().zip(&offsets)) {
        w.write_section_header(&SectionHeader {
            name: Some(*name),
            sh_type: elf::SHT_PROGBITS,
            sh_flags: 0,
            sh_addr: 0,
            sh_offset: *offset as u64,
            sh_size: data.len() as u64,
            sh_link: 0,
            sh_info: 0,
            sh_addralign: 1,
            sh_entsize: 0,
        });
    }
    w.write_symtab_section_header(1);
    w.write_strtab_section_header();
    w.write_shstrtab_section_header();
    Some(buf)
}
