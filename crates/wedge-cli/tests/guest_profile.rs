//! `wedge run --profile guest` (issue 16): the speedscope profile written for a guest that
//! spins in `hot_loop` is valid and names that function as the hot one, in both tiers.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `guest spin` with `flags`, the profile going to `out`.
fn run(guest: &str, flags: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .arg("run")
        .args(flags)
        .arg("--profile-out")
        .arg(out)
        .arg(repo().join("tests/guests/bin").join(guest))
        .arg("spin")
        .output()
        .unwrap()
}

/// A temporary path for a profile.
fn out_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("wedge-test-{}-{name}.json", std::process::id()))
}

/// Checks `json` against speedscope's sampled format; returns the frame names, the samples
/// and their weights.
fn check_speedscope(json: &Value) -> (Vec<String>, Vec<Vec<usize>>, Vec<f64>) {
    let frames = json["shared"]["frames"].as_array().expect("shared.frames");
    let names: Vec<String> = frames
        .iter()
        .map(|f| f["name"].as_str().expect("a frame name").to_string())
        .collect();
    for f in frames {
        assert!(f.get("line").is_none_or(Value::is_u64), "{f}");
        assert!(f.get("file").is_none_or(Value::is_string), "{f}");
    }
    let profile = &json["profiles"][0];
    assert_eq!(profile["type"], "sampled");
    assert_eq!(profile["unit"], "milliseconds");
    let samples: Vec<Vec<usize>> = profile["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|s| {
            s.as_array()
                .expect("a stack")
                .iter()
                .map(|i| i.as_u64().expect("a frame index") as usize)
                .collect()
        })
        .collect();
    let weights: Vec<f64> = profile["weights"]
        .as_array()
        .expect("weights")
        .iter()
        .map(|w| w.as_f64().expect("a weight"))
        .collect();
    assert_eq!(samples.len(), weights.len());
    assert!(samples.iter().flatten().all(|&i| i < names.len()));
    assert!(weights.iter().all(|&w| w >= 0.0));
    let end = profile["endValue"].as_f64().expect("endValue");
    let total: f64 = weights.iter().sum();
    assert!(
        (end - total).abs() < 1e-6 * total.max(1.0),
        "{end} vs {total}"
    );
    (names, samples, weights)
}

/// Runs the spinning guest in `tier` and checks its profile names `hot_loop` as hot.
fn profile_names_hot_loop(guest: &str, tier: Option<&str>) -> Vec<String> {
    let out = out_path(&format!("{guest}-{}", tier.unwrap_or("default")));
    let mut flags = vec!["--profile", "guest"];
    if let Some(t) = tier {
        flags.extend(["--tier", t]);
    }
    let output = run(guest, &flags, &out);
    // The guest traps on purpose after spinning.
    assert_eq!(output.status.code(), Some(134), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("guest profile of"), "{stderr}");
    let text = std::fs::read_to_string(&out).expect("the profile file");
    let _ = std::fs::remove_file(&out);
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    let (names, samples, weights) = check_speedscope(&json);
    assert!(samples.len() >= 20, "only {} samples", samples.len());
    let hot = names
        .iter()
        .position(|n| n == "trap_rust::hot_loop")
        .unwrap_or_else(|| panic!("hot_loop not among {names:?}"));
    let with_hot = samples.iter().filter(|s| s.contains(&hot)).count();
    assert!(
        with_hot * 2 > samples.len(),
        "hot_loop in {with_hot} of {} samples",
        samples.len()
    );
    // Self time per frame: the innermost frame of each sample.
    let mut own = vec![0.0; names.len()];
    for (s, w) in samples.iter().zip(&weights) {
        own[*s.last().expect("non-empty stack")] += w;
    }
    let top = (0..names.len())
        .max_by(|&a, &b| own[a].total_cmp(&own[b]))
        .unwrap();
    assert_eq!(names[top], "trap_rust::hot_loop");
    // Outermost first: main calls hot_loop.
    let main = names.iter().position(|n| n == "trap_rust::main").unwrap();
    let s = samples.iter().find(|s| s.last() == Some(&hot)).unwrap();
    let (at_main, at_hot) = (
        s.iter()
            .position(|&i| i == main)
            .expect("main on the stack"),
        s.len() - 1,
    );
    assert!(at_main < at_hot, "{s:?}");
    let frames = json["shared"]["frames"].as_array().unwrap().clone();
    frames
        .iter()
        .filter_map(|f| f["file"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn interpreter_profile_names_hot_loop_with_source() {
    let files = profile_names_hot_loop("obs-trap-rust-dwarf.wasm", Some("interp"));
    assert!(
        files.iter().any(|f| f.ends_with("trap-rust/src/main.rs")),
        "{files:?}"
    );
}

#[test]
fn default_tier_profile_names_hot_loop_with_source() {
    let files = profile_names_hot_loop("obs-trap-rust-dwarf.wasm", None);
    assert!(
        files.iter().any(|f| f.ends_with("trap-rust/src/main.rs")),
        "{files:?}"
    );
}

#[test]
fn profile_without_dwarf_uses_the_name_section() {
    let files = profile_names_hot_loop("obs-trap-rust.wasm", None);
    assert!(files.is_empty(), "{files:?}");
}

#[test]
fn a_time_limit_still_stops_a_profiled_run() {
    for tier in ["interp", "jit"] {
        let out = out_path(&format!("limit-{tier}"));
        let flags = [
            "--tier",
            tier,
            "--profile",
            "guest,2",
            "--time-limit",
            "100",
        ];
        let output = run("obs-trap-rust.wasm", &flags, &out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("time limit of 100 ms exceeded"), "{stderr}");
        let text = std::fs::read_to_string(&out).expect("the profile file");
        let _ = std::fs::remove_file(&out);
        let json: Value = serde_json::from_str(&text).expect("valid JSON");
        let (_, samples, _) = check_speedscope(&json);
        assert!(!samples.is_empty(), "{tier}: no samples");
    }
}

#[test]
fn a_bad_interval_is_refused() {
    for bad in ["guest,0", "guest,x", "sampled"] {
        let out = out_path("bad");
        let output = run("obs-trap-rust.wasm", &["--profile", bad], &out);
        assert_eq!(output.status.code(), Some(2), "{bad}: {output:?}");
        assert!(!out.exists());
    }
}
