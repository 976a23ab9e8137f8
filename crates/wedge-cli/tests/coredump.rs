//! `wedge run --coredump-on-trap FILE` (issue 16): the core dump of a C guest that traps three
//! calls deep parses back with wasmparser as a valid module with the tool-conventions sections,
//! names the trapping frames, and holds the guest's memory and globals; both tiers agree;
//! interpreted frames carry their locals' values.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use wasmparser::{KnownCustom, Name, Parser, Payload};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wedge-coredump-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The function names of a module's name section, by index.
fn names(wasm: &[u8]) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CustomSection(c) = payload.unwrap() {
            if let KnownCustom::Name(reader) = c.as_known() {
                for name in reader {
                    if let Name::Function(map) = name.unwrap() {
                        for n in map {
                            let n = n.unwrap();
                            out.insert(n.name.to_string(), n.index);
                        }
                    }
                }
            }
        }
    }
    out
}

/// What a test checks in a core dump.
#[derive(Debug, PartialEq)]
struct Dump {
    program: String,
    /// (funcidx, codeoffset) of each frame, innermost first.
    frames: Vec<(u32, u32)>,
    /// The locals of each frame (`Missing`, `I32(4)`, ...).
    locals: Vec<Vec<String>>,
    memories: usize,
    /// (memory offset, bytes) of each data segment.
    data: Vec<(u64, Vec<u8>)>,
    globals: Vec<i64>,
}

fn parse(bytes: &[u8]) -> Dump {
    wasmparser::Validator::new()
        .validate_all(bytes)
        .expect("a core dump is a valid module");
    let mut dump = Dump {
        program: String::new(),
        frames: Vec::new(),
        locals: Vec::new(),
        memories: 0,
        data: Vec::new(),
        globals: Vec::new(),
    };
    let mut sections = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.unwrap() {
            Payload::CustomSection(c) => {
                sections.push(c.name().to_string());
                match c.as_known() {
                    KnownCustom::CoreDump(core) => dump.program = core.name.to_string(),
                    KnownCustom::CoreDumpStack(stack) => {
                        assert_eq!(stack.name, "main");
                        for f in stack.frames {
                            assert_eq!(f.instanceidx, 0);
                            dump.frames.push((f.funcidx, f.codeoffset));
                            dump.locals
                                .push(f.locals.iter().map(|v| format!("{v:?}")).collect());
                        }
                    }
                    _ => {}
                }
            }
            Payload::MemorySection(r) => dump.memories = r.count() as usize,
            Payload::GlobalSection(r) => {
                for g in r {
                    let g = g.unwrap();
                    let mut ops = g.init_expr.get_operators_reader();
                    match ops.read().unwrap() {
                        wasmparser::Operator::I32Const { value } => dump.globals.push(value as i64),
                        wasmparser::Operator::I64Const { value } => dump.globals.push(value),
                        _ => {}
                    }
                }
            }
            Payload::DataSection(r) => {
                for d in r {
                    let d = d.unwrap();
                    let wasmparser::DataKind::Active { offset_expr, .. } = d.kind else {
                        panic!("passive segment in a core dump");
                    };
                    let mut ops = offset_expr.get_operators_reader();
                    let wasmparser::Operator::I32Const { value } = ops.read().unwrap() else {
                        panic!("non-constant segment offset");
                    };
                    dump.data.push((value as u32 as u64, d.data.to_vec()));
                }
            }
            _ => {}
        }
    }
    assert_eq!(
        sections,
        ["core", "coremodules", "coreinstances", "corestack"]
    );
    dump
}

#[test]
fn a_trap_writes_a_core_dump_in_both_tiers() {
    let guest = repo().join("tests/guests/bin/obs-trap-c.wasm");
    let names = names(&std::fs::read(&guest).unwrap());
    let dir = temp_dir("tiers");
    let mut dumps = Vec::new();
    for tier in ["interp", "jit"] {
        let file = dir.join(format!("{tier}.core.wasm"));
        let out = Command::new(env!("CARGO_BIN_EXE_wedge"))
            .env("WEDGE_CACHE", "off")
            .args(["run", "--tier", tier, "--coredump-on-trap"])
            .arg(&file)
            .arg(&guest)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(134), "{out:?}");
        let dump = parse(&std::fs::read(&file).unwrap());
        assert!(dump.program.ends_with("obs-trap-c.wasm"), "{dump:?}");
        let funcs: Vec<u32> = dump.frames.iter().map(|f| f.0).collect();
        assert_eq!(
            funcs[..3],
            [names["inner"], names["middle"], names["outer"]]
        );
        // outer(1) -> middle(2) -> inner(4): the interpreter records the locals' values
        // (the parameter first); compiled frames have none, one missing value per parameter.
        for (frame, param) in [(0, 4), (1, 2), (2, 1)] {
            let locals = &dump.locals[frame];
            match tier {
                "interp" => assert_eq!(locals[0], format!("I32({param})"), "{locals:?}"),
                _ => assert_eq!(locals, &["Missing"], "{locals:?}"),
            }
        }
        assert!(
            dump.frames.iter().take(4).all(|f| f.1 > 0),
            "{:?}",
            dump.frames
        );
        assert_eq!(dump.memories, 1);
        let marker = b"WEDGE-COREDUMP-MARKER";
        assert!(
            dump.data
                .iter()
                .any(|(_, d)| d.windows(marker.len()).any(|w| w == marker)),
            "the guest's memory holds its marker"
        );
        // The stack pointer global points into the dumped memory.
        let end = dump
            .data
            .iter()
            .map(|(o, d)| o + d.len() as u64)
            .max()
            .unwrap();
        assert!(dump.globals[0] > 0, "{:?}", dump.globals);
        assert!((dump.globals[0] as u64) < end + 65536, "{:?}", dump.globals);
        dumps.push(dump);
    }
    assert_eq!(dumps[0].frames, dumps[1].frames);
    assert_eq!(dumps[0].data, dumps[1].data);
}

#[test]
fn no_core_dump_without_a_trap() {
    let dir = temp_dir("clean");
    let file = dir.join("none.core.wasm");
    let out = Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .args(["run", "--coredump-on-trap"])
        .arg(&file)
        .arg(repo().join("tests/guests/bin/hello.wasm"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(!file.exists());
}
