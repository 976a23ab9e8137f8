//! `wedge run --profile perf` (issue 16): the perf map of compiled code names the guest's
//! functions, demangled, with non-overlapping address ranges, the hot function of a known guest
//! among them.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the Rust trap guest with `flags`; returns the perf map it left, if any.
fn perf_map_of(flags: &[&str]) -> Option<String> {
    let child = Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .env_remove("WEDGE_PERF_MAP")
        .arg("run")
        .args(flags)
        .arg(repo().join("tests/guests/bin/obs-trap-rust.wasm"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let map = PathBuf::from(format!("/tmp/perf-{pid}.map"));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(134), "{out:?}");
    let text = std::fs::read_to_string(&map).ok();
    let _ = std::fs::remove_file(&map);
    // `--profile perf` writes a jitdump next to the map.
    let _ = std::fs::remove_file(format!("/tmp/jit-{pid}.dump"));
    text
}

#[test]
fn perf_map_names_compiled_functions() {
    let text = perf_map_of(&["--tier", "jit", "--profile", "perf"]).expect("a perf map");
    let mut ranges = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ' ');
        let start = u64::from_str_radix(parts.next().unwrap(), 16).unwrap();
        let len = u64::from_str_radix(parts.next().unwrap(), 16).unwrap();
        let name = parts.next().unwrap().to_string();
        assert!(len > 0, "{line}");
        ranges.push((start, len, name));
    }
    for name in ["trap_rust::hot_loop", "trap_rust::inner", "trap_rust::main"] {
        assert!(ranges.iter().any(|r| r.2 == name), "{name} not in {text}");
    }
    assert!(!text.contains("_ZN"), "names are demangled: {text}");
    ranges.sort();
    for w in ranges.windows(2) {
        assert!(w[0].0 + w[0].1 <= w[1].0, "overlapping ranges {w:?}");
    }
}

#[test]
fn no_perf_map_without_the_flag() {
    assert_eq!(perf_map_of(&["--tier", "jit"]), None);
}

/// Whether a missing external tool fails the test (CI) rather than skipping it.
fn required() -> bool {
    std::env::var_os("WEDGE_CI").is_some_and(|v| v == "1")
}

#[test]
fn perf_report_shows_the_hot_wasm_function() {
    let dir = std::env::temp_dir().join(format!("wedge-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("perf.data");
    let record = Command::new("perf")
        .args(["record", "-F", "999", "-o"])
        .arg(&data)
        .arg(env!("CARGO_BIN_EXE_wedge"))
        .args(["run", "--tier", "jit", "--profile", "perf"])
        .arg(repo().join("tests/guests/bin/obs-trap-rust.wasm"))
        .arg("spin")
        .env("WEDGE_CACHE", "off")
        .output();
    let record = match record {
        Ok(out) if data.exists() => out,
        other => {
            let why = format!("perf record did not run ({other:?}): install Debian's `linux-perf` and allow profiling (kernel.perf_event_paranoid <= 2)");
            assert!(!required(), "{why}");
            eprintln!("skipped: {why}");
            return;
        }
    };
    assert_eq!(record.status.code(), Some(134), "{record:?}");
    let report = Command::new("perf")
        .args(["report", "--stdio", "--sort", "symbol", "-i"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&report.stdout);
    let top = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .unwrap_or_default();
    assert!(
        top.contains("trap_rust::hot_loop"),
        "top symbol: {top}\n{text}"
    );
    // The map and jitdump stay in /tmp after the run (for perf): remove the profiled run's.
    let pids = Command::new("perf")
        .args(["report", "--stdio", "--sort", "pid", "-i"])
        .arg(&data)
        .output()
        .unwrap();
    for line in String::from_utf8_lossy(&pids.stdout).lines() {
        let pid = line
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.split(':').next());
        if let Some(pid) = pid.filter(|p| line.contains(":wedge") && p.parse::<u32>().is_ok()) {
            let _ = std::fs::remove_file(format!("/tmp/perf-{pid}.map"));
            let _ = std::fs::remove_file(format!("/tmp/jit-{pid}.dump"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
