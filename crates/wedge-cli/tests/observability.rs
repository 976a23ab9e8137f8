//! Logs and statistics (issue 16): `--log` / `WEDGE_LOG` print the runtime's events (module
//! load, compile time, code-cache hits and misses, traps, calls the network policy denies),
//! nothing is printed without them, and `--stats-json` writes the statistics as JSON.

use std::path::PathBuf;
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wedge-obs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `wedge ARGS` with `env` set, the code cache in `dir` and no inherited `WEDGE_LOG`.
fn wedge(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wedge"));
    cmd.args(args)
        .env("WEDGE_AOT_KEY_FILE", dir.join("aot.key"))
        .env("WEDGE_CACHE_DIR", dir.join("cache"))
        .env_remove("WEDGE_CACHE")
        .env_remove("WEDGE_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("wedge binary runs")
}

fn guest(name: &str) -> String {
    repo()
        .join("tests/guests/bin")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn log_flag_shows_load_compile_and_cache_events() {
    let dir = temp_dir("cache");
    let hello = guest("hello.wasm");
    // `--tier jit` compiles the whole module up front (the default tier compiles hot
    // functions only, and leaves the cache to a background process).
    let first = wedge(
        &dir,
        &[],
        &["run", "--tier", "jit", "--log", "debug", &hello],
    );
    assert!(first.status.success(), "{first:?}");
    let err = stderr(&first);
    assert!(
        err.contains("wedge::module: module decoded and validated"),
        "{err}"
    );
    assert!(err.contains("functions="), "{err}");
    assert!(err.contains("wedge::cache: code cache miss"), "{err}");
    assert!(
        err.contains("wedge::compile: module compiled tier=\"jit\""),
        "{err}"
    );
    assert!(!err.contains("code cache hit"), "{err}");
    let second = wedge(&dir, &[], &["run", "--log", "debug", &hello]);
    assert!(second.status.success(), "{second:?}");
    let err = stderr(&second);
    assert!(err.contains("wedge::cache: code cache hit"), "{err}");
    assert!(!err.contains("module compiled"), "{err}");
}

#[test]
fn nothing_is_logged_by_default_and_env_filters_apply() {
    let dir = temp_dir("quiet");
    let hello = guest("hello.wasm");
    let out = wedge(&dir, &[], &["run", &hello]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stderr(&out), "");
    // Only the compile target at info: no module or cache events.
    let out = wedge(
        &dir,
        &[("WEDGE_LOG", "wedge::compile=info")],
        &["run", &hello],
    );
    let err = stderr(&out);
    assert!(
        !err.contains("wedge::module") && !err.contains("wedge::cache"),
        "{err}"
    );
    // A bad filter is a usage error.
    let out = wedge(&dir, &[], &["run", "--log", "wedge=[[", &hello]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn traps_are_logged_with_their_function() {
    let dir = temp_dir("trap");
    for tier in ["interp", "jit"] {
        let out = wedge(
            &dir,
            &[("WEDGE_LOG", "wedge::trap=info")],
            &["run", "--tier", tier, &guest("obs-trap-c.wasm")],
        );
        assert_eq!(out.status.code(), Some(134), "{out:?}");
        let err = stderr(&out);
        let line = err
            .lines()
            .find(|l| l.contains("wedge::trap:"))
            .unwrap_or_else(|| panic!("{tier}: no trap event in {err}"));
        assert!(line.contains("trap: out of bounds memory access"), "{line}");
        assert!(line.contains("func=\"inner\""), "{line}");
    }
}

#[test]
fn calls_denied_by_the_network_policy_are_logged() {
    let dir = temp_dir("policy");
    let out = wedge(
        &dir,
        &[],
        &[
            "run",
            "--log",
            "wedge::wasi::policy=warn",
            "--deny-net",
            &guest("c-sockets.wasm"),
            "connect",
            "127.0.0.1",
            "9",
        ],
    );
    let err = stderr(&out);
    assert!(
        err.contains("wedge::wasi::policy: denied by the network policy"),
        "{out:?}"
    );
}

#[test]
fn stats_json_holds_the_statistics() {
    let dir = temp_dir("stats");
    let path = dir.join("stats.json");
    let out = wedge(
        &dir,
        &[],
        &[
            "run",
            "--stats-json",
            path.to_str().unwrap(),
            &guest("hello.wasm"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stderr(&out), "", "JSON only, nothing printed");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let instructions = json["instructions"].as_u64().unwrap();
    assert!(instructions > 100, "{json}");
    assert_eq!(json["gas_used"].as_u64(), Some(instructions), "{json}");
    assert!(json["execution_ms"].as_f64().unwrap() > 0.0, "{json}");
    assert!(json["host_ms"].as_f64().is_some(), "{json}");
    assert!(json["gas_limit"].is_null(), "{json}");
}
