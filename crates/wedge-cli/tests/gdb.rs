//! Debugging compiled guest code with gdb (issue 16, point 3): `wedge run -g` registers the
//! code with GDB's JIT interface, so a breakpoint on a guest source line is hit there and
//! `bt` names the wasm callers with their lines, functions the guest's compiler inlined
//! included. Drives Debian's `gdb` in batch mode on a C
//! guest built with DWARF (tests/guests/gdb).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wedge-gdb-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The 1-based line of tests/guests/gdb/gdb.c containing `text`.
fn line_of(text: &str) -> usize {
    let source = std::fs::read_to_string(repo().join("tests/guests/gdb/gdb.c")).unwrap();
    1 + source
        .lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text} not in gdb.c"))
}

/// Whether gdb runs here; when it does not, fails under `WEDGE_CI=1`, else says so.
fn have_gdb() -> bool {
    let ok = Command::new("gdb")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let why = "gdb is not installed: `apt-get install gdb` (Debian's package)";
        assert!(
            std::env::var_os("WEDGE_CI").is_none_or(|v| v != "1"),
            "{why}"
        );
        eprintln!("skipped: {why}");
    }
    ok
}

/// Runs `wedge run ARGS... MODULE` under gdb in batch mode with a breakpoint on line `line`
/// of gdb.c, then `bt`; returns gdb's output (stdout and stderr).
fn gdb_session(run_args: &[&str], module: &Path, line: usize) -> String {
    let out = Command::new("gdb")
        .args(["-nx", "-batch"])
        .args(["-ex", "set debuginfod enabled off"])
        .args(["-ex", "set breakpoint pending on"])
        .args(["-ex", &format!("break gdb.c:{line}")])
        .args(["-ex", "run", "-ex", "bt"])
        .arg("--args")
        .arg(env!("CARGO_BIN_EXE_wedge"))
        .arg("run")
        .args(run_args)
        .arg(module)
        .env("WEDGE_CACHE", "off")
        .env("WEDGE_AOT_KEY_FILE", temp_dir("key").join("aot.key"))
        .output()
        .expect("gdb runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    text
}

/// The line of `text` that starts with `prefix` (after spaces) and contains every one of
/// `parts`.
fn line_with<'a>(text: &'a str, prefix: &str, parts: &[&str]) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(prefix) && parts.iter().all(|p| l.contains(p)))
        .unwrap_or_else(|| panic!("no line `{prefix}` with {parts:?} in:\n{text}"))
}

/// Checks the breakpoint stop and the guest part of the backtrace.
fn check_session(text: &str) {
    let (stop, call) = (line_of("/* BREAK */"), line_of("/* CALL */"));
    let hit = line_with(text, "", &["Breakpoint 1, square ("]);
    assert!(hit.ends_with(&format!("gdb.c:{stop}")), "{hit}");
    let f0 = line_with(text, "#0", &["square ("]);
    assert!(
        f0.ends_with(&format!("tests/guests/gdb/gdb.c:{stop}")),
        "{f0}"
    );
    let f1 = line_with(text, "#1", &[" in sum_squares ("]);
    assert!(
        f1.ends_with(&format!("tests/guests/gdb/gdb.c:{call}")),
        "{f1}"
    );
    let f2 = line_with(text, "#2", &["main ("]);
    assert!(f2.contains("tests/guests/gdb/gdb.c:"), "{f2}");
    // The unwinder gets through the entry trampoline back to the runtime's own frames.
    line_with(text, "#", &[" in wedge_native_enter ("]);
}

fn guest() -> PathBuf {
    repo().join("tests/guests/bin/gdb-c-dwarf.wasm")
}

#[test]
fn gdb_breaks_on_a_guest_source_line_and_shows_the_wasm_callers() {
    if !have_gdb() {
        return;
    }
    let text = gdb_session(&["-g", "--tier", "jit"], &guest(), line_of("/* BREAK */"));
    check_session(&text);
}

#[test]
fn gdb_shows_functions_the_guest_compiler_inlined() {
    if !have_gdb() {
        return;
    }
    let (inlined, scale) = (line_of("/* INLINED */"), line_of("/* SCALE */"));
    let text = gdb_session(&["-g", "--tier", "jit"], &guest(), inlined);
    let hit = line_with(text.as_str(), "", &["Breakpoint 1, scale ("]);
    assert!(hit.ends_with(&format!("gdb.c:{inlined}")), "{hit}");
    // The inlined frame comes first, then the function it was inlined into, at the call.
    let f0 = line_with(&text, "#0", &["scale ("]);
    assert!(f0.ends_with(&format!("gdb.c:{inlined}")), "{f0}");
    let f1 = line_with(&text, "#1", &["square ("]);
    assert!(f1.ends_with(&format!("gdb.c:{scale}")), "{f1}");
    let f2 = line_with(&text, "#2", &[" in sum_squares ("]);
    assert!(
        f2.ends_with(&format!("gdb.c:{}", line_of("/* CALL */"))),
        "{f2}"
    );
}

#[test]
fn gdb_sees_code_loaded_from_a_compiled_file() {
    if !have_gdb() {
        return;
    }
    // Functions Wedge inlines have no frames of their own in gdb: compile without inlining.
    let aot = temp_dir("aot").join("gdb-aot.wasm");
    let status = Command::new(env!("CARGO_BIN_EXE_wedge"))
        .args(["compile", "--no-inline"])
        .arg(guest())
        .arg(&aot)
        .env("WEDGE_AOT_KEY_FILE", temp_dir("key").join("aot.key"))
        .status()
        .unwrap();
    assert!(status.success());
    let text = gdb_session(&["-g"], &aot, line_of("/* BREAK */"));
    check_session(&text);
}

#[test]
fn without_g_gdb_sees_no_guest_code() {
    if !have_gdb() {
        return;
    }
    let text = gdb_session(&["--tier", "jit"], &guest(), line_of("/* BREAK */"));
    // The breakpoint stays pending, the guest runs to its end (3 * (1 + 4 + 9 + 16)).
    assert!(!text.contains("Breakpoint 1,"), "{text}");
    // (gdb and the guest share the output pipe: the guest's line may not start a line.)
    assert!(text.contains("sum_squares: 90"), "{text}");
    assert!(text.contains("exited normally"), "{text}");
}
