//! `wedge run --profile perf` also writes perf's jitdump file `/tmp/jit-PID.dump` (issue 16):
//! it parses (header, then code load records with the guest's demangled function names and
//! their code, debug info records with source lines when the guest has DWARF), and
//! `perf inject --jit` turns it into code `perf report` names (when perf is installed).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a test checks in a jitdump file.
#[derive(Debug, Default)]
struct Jitdump {
    pid: u32,
    /// (name, address, size) of each code load record, with its code's length.
    loads: Vec<(String, u64, u64)>,
    /// Source file names of the debug info records.
    files: Vec<String>,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(b[at..at + 8].try_into().unwrap())
}

/// The NUL-terminated string at `at` and the offset past it.
fn str_at(b: &[u8], at: usize) -> (String, usize) {
    let end = at + b[at..].iter().position(|&c| c == 0).expect("NUL");
    (String::from_utf8(b[at..end].to_vec()).unwrap(), end + 1)
}

fn parse(b: &[u8]) -> Jitdump {
    assert_eq!(u32_at(b, 0), 0x4A69_5444, "magic");
    assert_eq!(u32_at(b, 4), 1, "version");
    let header = u32_at(b, 8) as usize;
    assert_eq!(header, 40);
    assert_eq!(u32_at(b, 12), 62, "EM_X86_64");
    let mut dump = Jitdump {
        pid: u32_at(b, 20),
        ..Jitdump::default()
    };
    let mut at = header;
    let mut index = 0;
    while at < b.len() {
        let (kind, size) = (u32_at(b, at), u32_at(b, at + 4) as usize);
        let body = at + 16;
        match kind {
            0 => {
                assert_eq!(u32_at(b, body), dump.pid);
                let (vma, addr, len) = (
                    u64_at(b, body + 8),
                    u64_at(b, body + 16),
                    u64_at(b, body + 24),
                );
                assert_eq!(vma, addr);
                assert_eq!(u64_at(b, body + 32), index, "code_index counts loads");
                index += 1;
                let (name, code) = str_at(b, body + 40);
                assert_eq!(at + size - code, len as usize, "the code follows the name");
                dump.loads.push((name, addr, len));
            }
            2 => {
                let entries = u64_at(b, body + 8);
                let mut e = body + 16;
                for _ in 0..entries {
                    let (file, next) = str_at(b, e + 16);
                    dump.files.push(file);
                    e = next;
                }
                assert_eq!(e, at + size);
            }
            other => panic!("unexpected record {other}"),
        }
        at += size;
    }
    assert_eq!(at, b.len());
    dump
}

/// Runs `guest` (which traps) with `--profile perf`; returns its jitdump, removed.
fn jitdump_of(guest: &str) -> Vec<u8> {
    let child = Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .args(["run", "--tier", "jit", "--profile", "perf"])
        .arg(repo().join("tests/guests/bin").join(guest))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(134), "{out:?}");
    let path = PathBuf::from(format!("/tmp/jit-{pid}.dump"));
    let bytes = std::fs::read(&path).expect("a jitdump file");
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(format!("/tmp/perf-{pid}.map"));
    bytes
}

#[test]
fn the_jitdump_names_compiled_functions_with_their_code() {
    let dump = parse(&jitdump_of("obs-trap-rust.wasm"));
    for name in ["trap_rust::hot_loop", "trap_rust::inner", "trap_rust::main"] {
        let load = dump.loads.iter().find(|l| l.0 == name);
        assert!(load.is_some_and(|l| l.2 > 0), "{name} in {:?}", dump.loads);
    }
    let mut ranges: Vec<_> = dump.loads.iter().map(|l| (l.1, l.2)).collect();
    ranges.sort();
    assert!(ranges.windows(2).all(|w| w[0].0 + w[0].1 <= w[1].0));
    // No DWARF, no lines.
    assert!(dump.files.is_empty());
}

#[test]
fn the_jitdump_has_source_lines_with_dwarf() {
    let dump = parse(&jitdump_of("obs-trap-rust-dwarf.wasm"));
    assert!(dump.loads.iter().any(|l| l.0 == "trap_rust::hot_loop"));
    assert!(
        dump.files
            .iter()
            .any(|f| f.ends_with("tests/guests/obs/trap-rust/src/main.rs")),
        "{:?}",
        dump.files
    );
}

/// Whether a missing external tool fails the test (CI) rather than skipping it.
fn required() -> bool {
    std::env::var_os("WEDGE_CI").is_some_and(|v| v == "1")
}

/// Runs perf with `args`, None if it cannot run.
fn perf(args: &[&str], dir: &Path) -> Option<std::process::Output> {
    Command::new("perf")
        .args(args)
        .current_dir(dir)
        .env("WEDGE_CACHE", "off")
        .output()
        .ok()
        .filter(|o| o.status.success() || o.status.code() == Some(134))
}

#[test]
fn perf_inject_jit_names_the_hot_function_from_the_jitdump() {
    let dir = std::env::temp_dir().join(format!("wedge-jitdump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wedge = env!("CARGO_BIN_EXE_wedge");
    let guest = repo().join("tests/guests/bin/obs-trap-rust-dwarf.wasm");
    let guest = guest.to_str().unwrap();
    let record = perf(
        &[
            "record",
            "-k",
            "mono",
            "-F",
            "999",
            "-o",
            "perf.data",
            wedge,
            "run",
            "--tier",
            "jit",
        ]
        .into_iter()
        .chain(["--profile", "perf", guest, "spin"])
        .collect::<Vec<_>>(),
        &dir,
    );
    if record.is_none() || !dir.join("perf.data").exists() {
        let why = "perf record did not run: install Debian's `linux-perf` and allow profiling (kernel.perf_event_paranoid <= 2)";
        assert!(!required(), "{why}");
        eprintln!("skipped: {why}");
        return;
    }
    let inject = perf(
        &["inject", "--jit", "-i", "perf.data", "-o", "jit.data"],
        &dir,
    );
    assert!(inject.is_some(), "perf inject --jit failed");
    let report = perf(
        &[
            "report",
            "--stdio",
            "--sort",
            "dso,symbol",
            "-i",
            "jit.data",
        ],
        &dir,
    )
    .expect("perf report runs");
    let text = String::from_utf8_lossy(&report.stdout);
    let top = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .unwrap_or_default();
    // The hot function comes from an ELF file perf inject made out of the jitdump.
    assert!(
        top.contains("jitted-") && top.contains("trap_rust::hot_loop"),
        "top: {top}\n{text}"
    );
    // perf inject writes those files next to the dump, in /tmp: remove them and the dump.
    for entry in std::fs::read_dir("/tmp").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = top
            .split("jitted-")
            .nth(1)
            .and_then(|s| s.split('-').next())
        {
            let ours = name.starts_with(&format!("jitted-{pid}-"))
                || name == format!("jit-{pid}.dump")
                || name == format!("perf-{pid}.map");
            if ours {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
