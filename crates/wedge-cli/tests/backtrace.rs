//! Readable backtraces (issue 16): a Rust and a C guest that trap three calls deep, built
//! with and without DWARF (tests/guests/obs), print demangled function names and, with
//! DWARF, `file:line:column` for each frame, the same in every tier.

use std::path::PathBuf;
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wedge-backtrace-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wedge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .env("WEDGE_AOT_KEY_FILE", temp_dir("key").join("aot.key"))
        .args(args)
        .output()
        .expect("wedge binary runs")
}

fn guest(name: &str) -> String {
    let path = repo().join("tests/guests/bin").join(name);
    path.to_str().unwrap().to_string()
}

/// The 1-based line of the first line of `file` (under tests/guests/obs) containing `text`.
fn line_of(file: &str, text: &str) -> usize {
    let source = std::fs::read_to_string(repo().join("tests/guests/obs").join(file)).unwrap();
    1 + source
        .lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text} not in {file}"))
}

/// The backtrace frame lines of a trapping run's stderr (each frame with its `at` lines).
fn backtrace(out: &Output) -> Vec<String> {
    assert_eq!(out.status.code(), Some(134), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let (_, frames) = err
        .split_once("wasm backtrace:")
        .unwrap_or_else(|| panic!("no backtrace in {err}"));
    frames
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Index of the first line at or after `from` that contains every one of `parts`.
fn find(lines: &[String], from: usize, parts: &[&str]) -> usize {
    (from..lines.len())
        .find(|&i| parts.iter().all(|p| lines[i].contains(p)))
        .unwrap_or_else(|| panic!("no line with {parts:?} after line {from} in {lines:#?}"))
}

/// Runs `file` in each tier; `check` gets the backtrace lines and the tier's name.
fn in_every_tier(file: &str, check: &dyn Fn(&[String], &str)) {
    for tier in ["interp", "jit"] {
        let out = wedge(&["run", "--tier", tier, file]);
        check(&backtrace(&out), tier);
    }
}

#[test]
fn rust_without_dwarf_names_frames_demangled() {
    in_every_tier(&guest("obs-trap-rust.wasm"), &|lines, tier| {
        assert!(lines[0].starts_with("0: "), "{tier}: {lines:#?}");
        let inner = find(lines, 0, &["trap_rust::inner (func "]);
        let middle = find(lines, inner, &["trap_rust::middle (func "]);
        let outer = find(lines, middle, &["trap_rust::outer (func "]);
        find(lines, outer, &["trap_rust::main (func "]);
        assert!(
            !lines
                .iter()
                .any(|l| l.contains("_ZN") || l.contains(" at ")),
            "{tier}: mangled names or source lines without DWARF: {lines:#?}"
        );
    });
}

#[test]
fn rust_with_dwarf_shows_source_lines() {
    let trap = line_of("trap-rust/src/main.rs", "wasm32::unreachable");
    let call_inner = line_of("trap-rust/src/main.rs", "inner(x * 2)");
    let call_middle = line_of("trap-rust/src/main.rs", "middle(x + 1)");
    in_every_tier(&guest("obs-trap-rust-dwarf.wasm"), &|lines, tier| {
        // v0-mangled names in the name section, demangled; DWARF names functions unqualified.
        let inner = find(lines, 0, &["trap_rust::inner (func "]);
        let middle = find(lines, inner, &["trap_rust::middle (func "]);
        let at = find(lines, inner, &["at inner (", &format!("main.rs:{trap}:")]);
        assert!(at < middle, "{tier}: {lines:#?}");
        let at = find(lines, middle, &[&format!("main.rs:{call_inner}:")]);
        let outer = find(lines, middle, &["trap_rust::outer (func "]);
        assert!(at < outer, "{tier}: {lines:#?}");
        let main = find(lines, outer, &["trap_rust::main (func "]);
        let at = find(lines, outer, &[&format!("main.rs:{call_middle}:")]);
        assert!(at < main, "{tier}: {lines:#?}");
        assert!(
            !lines.iter().any(|l| l.contains("_RN")),
            "{tier}: {lines:#?}"
        );
    });
}

#[test]
fn c_without_dwarf_names_frames() {
    in_every_tier(&guest("obs-trap-c.wasm"), &|lines, tier| {
        let inner = find(lines, 0, &["inner (func "]);
        assert!(lines[0].contains("inner"), "{tier}: {lines:#?}");
        let middle = find(lines, inner, &["middle (func "]);
        find(lines, middle, &["outer (func "]);
        assert!(
            !lines.iter().any(|l| l.contains(" at ")),
            "{tier}: {lines:#?}"
        );
    });
}

#[test]
fn c_with_dwarf_shows_source_lines() {
    let trap = line_of("trap.c", "*far = x");
    let call_inner = line_of("trap.c", "return inner(x * 2)");
    let call_middle = line_of("trap.c", "return middle(x + 1)");
    in_every_tier(&guest("obs-trap-c-dwarf.wasm"), &|lines, tier| {
        assert!(lines[0].contains("inner (func "), "{tier}: {lines:#?}");
        assert!(
            lines[1].contains("at inner (") && lines[1].contains(&format!("trap.c:{trap}:")),
            "{tier}: {lines:#?}"
        );
        let middle = find(lines, 1, &["middle (func "]);
        find(
            lines,
            middle,
            &["at middle (", &format!("trap.c:{call_inner}:")],
        );
        let outer = find(lines, middle, &["outer (func "]);
        find(
            lines,
            outer,
            &["at outer (", &format!("trap.c:{call_middle}:")],
        );
        let call_outer = line_of("trap.c", "outer(one)");
        find(lines, outer, &["main (func "]);
        find(lines, outer, &[&format!("trap.c:{call_outer}:")]);
    });
}

#[test]
fn aot_files_with_inlining_keep_names_and_call_lines() {
    let dir = temp_dir("aot");
    let aot = dir.join("trap-c.aot.wasm");
    let out = wedge(&[
        "compile",
        &guest("obs-trap-c-dwarf.wasm"),
        aot.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let lines = backtrace(&wedge(&["run", aot.to_str().unwrap()]));
    let inner = find(&lines, 0, &["inner (func "]);
    let middle = find(&lines, inner, &["middle (func "]);
    let outer = find(&lines, middle, &["outer (func "]);
    // Callers of inlined code are at the call the inlined body replaced.
    let call_middle = line_of("trap.c", "return middle(x + 1)");
    find(
        &lines,
        outer,
        &["at outer (", &format!("trap.c:{call_middle}:")],
    );
}
