//! GDB's JIT interface through the API: with `Config::debug_info` every loaded code block
//! is in the list `__jit_debug_descriptor` heads, as an ELF object naming its functions with
//! line tables that lead to the guest's sources; without it nothing is; dropping modules
//! empties the list again.
#![cfg(feature = "compiler")]

use object::{Object, ObjectSection, ObjectSymbol};
use std::path::PathBuf;
use wedge::*;

/// The interface's list entry (layout fixed by GDB's JIT interface, version 1).
#[repr(C)]
struct JitCodeEntry {
    next_entry: *const JitCodeEntry,
    prev_entry: *const JitCodeEntry,
    symfile_addr: *const u8,
    symfile_size: u64,
}

/// The interface's descriptor.
#[repr(C)]
struct JitDescriptor {
    version: u32,
    action_flag: u32,
    relevant_entry: *const JitCodeEntry,
    first_entry: *const JitCodeEntry,
}

extern "C" {
    /// The runtime's descriptor, as a debugger finds it.
    static __jit_debug_descriptor: JitDescriptor;
}

/// Copies of the registered object files, in list order.
fn registered() -> Vec<Vec<u8>> {
    // SAFETY: only this test's thread loads or drops modules, so the list does not change
    // while it is read; entries point at live object files of their sizes.
    unsafe {
        let d = std::ptr::addr_of!(__jit_debug_descriptor);
        assert_eq!((*d).version, 1);
        assert_eq!((*d).action_flag, 0);
        let mut out = Vec::new();
        let mut e = (*d).first_entry;
        while !e.is_null() {
            let bytes = std::slice::from_raw_parts((*e).symfile_addr, (*e).symfile_size as usize);
            out.push(bytes.to_vec());
            e = (*e).next_entry;
        }
        out
    }
}

fn engine(debug_info: bool) -> Engine {
    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .debug_info(debug_info)
        .native_code_key(Some(*b"gdb-jit-testkey!"));
    Engine::new(&config)
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The 1-based line of tests/guests/gdb/gdb.c containing `text`.
fn line_of(text: &str) -> u32 {
    let source = std::fs::read_to_string(repo().join("tests/guests/gdb/gdb.c")).unwrap();
    1 + source.lines().position(|l| l.contains(text)).unwrap() as u32
}

// One test, so that no other test of this file loads modules meanwhile.
#[test]
fn code_is_registered_with_debug_info_only_and_unregistered_on_drop() {
    let wasm = std::fs::read(repo().join("tests/guests/bin/gdb-c-dwarf.wasm")).unwrap();
    assert!(registered().is_empty());

    // Without debug info nothing is registered.
    let plain = Module::new(&engine(false), &wasm).unwrap();
    assert!(registered().is_empty());
    drop(plain);

    // With it, one object file for the module's code.
    let module = Module::new(&engine(true), &wasm).unwrap();
    let objects = registered();
    assert_eq!(objects.len(), 1);
    let file = object::read::elf::ElfFile64::<object::Endianness>::parse(&objects[0][..]).unwrap();
    let text = file.section_by_name(".text").unwrap();
    assert_ne!(text.address(), 0, "the code's real address");
    let symbol = |name: &str| {
        file.symbols()
            .find(|s| s.name() == Ok(name))
            .unwrap_or_else(|| panic!("no symbol {name}"))
    };
    // A relocatable object: symbol values are offsets in `.text`.
    let square = symbol("square");
    assert!(square.size() > 0);
    assert!(square.address() + square.size() <= text.size());
    let (start, end) = (
        text.address() + square.address(),
        text.address() + square.address() + square.size(),
    );
    symbol("sum_squares");
    assert!(file.section_by_name(".debug_frame").is_some());

    // The line table leads from the native code of `square` to its lines in gdb.c.
    let dwarf = gimli::Dwarf::load(|id| {
        let data = file
            .section_by_name(id.name())
            .and_then(|s| s.data().ok())
            .unwrap_or(&[]);
        Ok::<_, gimli::Error>(gimli::EndianSlice::new(data, gimli::LittleEndian))
    })
    .unwrap();
    let context = addr2line::Context::from_dwarf(dwarf).unwrap();
    // Its own lines, and the line of `scale`, which the C compiler inlined into it.
    let (first, last) = (line_of("int square("), line_of("/* SCALE */"));
    let inlined = line_of("/* INLINED */");
    let mut seen = 0;
    for pc in start..end {
        if let Some(loc) = context.find_location(pc).unwrap() {
            assert!(
                loc.file.unwrap().ends_with("tests/guests/gdb/gdb.c"),
                "{pc:x}"
            );
            let line = loc.line.unwrap();
            assert!(
                (first..=last).contains(&line) || line == inlined,
                "line {line} at {pc:x}"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, square.size(), "every byte of square has a line");
    let mut frames = context.find_frames(start).skip_all_loads().unwrap();
    let frame = frames.next().unwrap().unwrap();
    let name = frame.function.unwrap().raw_name().unwrap().into_owned();
    assert_eq!(name, "square");
    // Somewhere in `square`, the frames are `scale` inlined at the SCALE line of `square`.
    let scale = (start..end)
        .find_map(|pc| {
            let mut frames = context.find_frames(pc).skip_all_loads().ok()?;
            let inner = frames.next().ok()??;
            let outer = frames.next().ok()??;
            let name = inner.function?.raw_name().ok()?.into_owned();
            (name == "scale").then(|| {
                let outer_name = outer.function.unwrap().raw_name().unwrap().into_owned();
                (outer_name, outer.location.unwrap().line)
            })
        })
        .expect("an inlined frame of scale");
    assert_eq!(scale, ("square".to_string(), Some(last)));
    drop(module);
    assert!(registered().is_empty());

    // Many modules, loaded together and one at a time, leave nothing behind.
    let engine = engine(true);
    let modules: Vec<Module> = (0..20)
        .map(|_| Module::new(&engine, &wasm).unwrap())
        .collect();
    assert_eq!(registered().len(), 20);
    drop(modules);
    assert!(registered().is_empty());
    // Odd names (a NUL byte, none at all) are still written.
    let odd = Module::new(
        &engine,
        r#"(module (func (@name "a\00b") (export "f")) (func (@name "") (export "g")))"#,
    )
    .unwrap();
    let objects = registered();
    let file = object::read::elf::ElfFile64::<object::Endianness>::parse(&objects[0][..]).unwrap();
    let names: Vec<&str> = file.symbols().filter_map(|s| s.name().ok()).collect();
    assert!(names.contains(&"a\\0b"), "{names:?}");
    drop(odd);
    for _ in 0..100 {
        let m = Module::new(&engine, "(module (func (export \"f\")))").unwrap();
        assert_eq!(registered().len(), 1);
        drop(m);
    }
    assert!(registered().is_empty());
}
