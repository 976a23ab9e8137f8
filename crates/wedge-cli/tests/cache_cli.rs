//! The code cache from the command line: `run` stores and reuses compiled code, ignores a
//! damaged entry (with a warning) and fills the cache again in the background after a tiered
//! run; `cache stats` and `cache clear`; `--no-cache`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wedge-cache-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `wedge ARGS` with the signing key and the cache in `dir`.
fn wedge(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wedge"))
        .args(args)
        .env("WEDGE_AOT_KEY_FILE", dir.join("aot.key"))
        .env("WEDGE_CACHE_DIR", dir.join("cache"))
        .env_remove("WEDGE_CACHE")
        .output()
        .expect("wedge binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The entries (`.code` files) in the cache of `dir`.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir.join("cache")) else {
        return Vec::new();
    };
    read.flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "code"))
        .collect()
}

/// Runs the QuickJS runner on a one-line script; returns its output.
fn run_js(dir: &Path, extra: &[&str]) -> Output {
    let js = dir.join("js");
    std::fs::create_dir_all(&js).unwrap();
    std::fs::write(
        js.join("main.mjs"),
        "print([1, 2, 3].map(x => x * 7).join(','));",
    )
    .unwrap();
    let runner = repo().join("tests/guests/bin/jsrun.wasm");
    let mapping = format!("/js:{}", js.display());
    let mut args = vec!["run"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--dir", &mapping, runner.to_str().unwrap(), "/js/main.mjs"]);
    wedge(dir, &args)
}

#[test]
fn run_stores_reuses_and_replaces_compiled_code() {
    let dir = temp_dir("run");
    // The compiler tier stores what it compiled.
    let out = run_js(&dir, &["--tier", "jit"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "7,14,21\n");
    let stored = entries(&dir);
    assert_eq!(stored.len(), 1);
    let out = wedge(&dir, &["cache", "stats"]);
    assert!(
        text(&out.stdout).contains("entries: 1"),
        "{}",
        text(&out.stdout)
    );

    // Tiered runs take it from the cache too, without a word.
    let out = run_js(&dir, &["--tier", "tiered"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "7,14,21\n");
    assert_eq!(text(&out.stderr), "");

    // A damaged entry is reported and never run; the program runs anyway (tiered), and a
    // background process stores the module again.
    let mut bytes = std::fs::read(&stored[0]).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n - 64..n - 32] {
        *b ^= 0x5a;
    }
    std::fs::write(&stored[0], &bytes).unwrap();
    let out = run_js(&dir, &["--tier", "tiered"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "7,14,21\n");
    assert!(
        text(&out.stderr).contains("ignored the code cache entry"),
        "{}",
        text(&out.stderr)
    );
    // The refill runs at the lowest priority: wait for it as long as a loaded machine needs.
    let mut waited = 0;
    while !stored[0].exists() || std::fs::read(&stored[0]).unwrap() == bytes {
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
        assert!(waited < 3000, "the cache was not filled again");
    }
    // The lock of the filling process goes away when it is done.
    while stored[0].with_extension("lock").exists() {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = run_js(&dir, &[]);
    assert_eq!(text(&out.stdout), "7,14,21\n");
    assert_eq!(text(&out.stderr), "", "the refilled entry is good");

    let out = wedge(&dir, &["cache", "clear"]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains("removed 1 entries"),
        "{}",
        text(&out.stdout)
    );
    assert!(entries(&dir).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_default_tier_fills_a_new_cache_for_the_next_run() {
    let dir = temp_dir("default");
    assert!(!dir.join("cache").exists());
    // The first run interprets and compiles hot functions only; a background process then
    // compiles the whole module into the cache, which it creates.
    let out = run_js(&dir, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "7,14,21\n");
    let mut waited = 0;
    while entries(&dir).is_empty()
        || dir
            .join("cache")
            .read_dir()
            .unwrap()
            .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "lock"))
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
        assert!(waited < 3000, "the cache was not filled");
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.join("cache")).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o700, "the cache is private to its owner");
    // The second run starts from the stored code.
    let out = run_js(&dir, &["--log", "debug"]);
    assert_eq!(text(&out.stdout), "7,14,21\n");
    assert!(
        text(&out.stderr).contains("code cache hit"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_cache_leaves_nothing_behind() {
    let dir = temp_dir("off");
    for extra in [
        &["--no-cache", "--tier", "jit"][..],
        &["--no-cache"],
        &["--tier", "interp"],
    ] {
        let out = run_js(&dir, extra);
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "7,14,21\n");
    }
    // Nothing was stored, and no background process was started to store anything.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(entries(&dir).is_empty());
    let out = wedge(&dir, &["cache", "stats"]);
    assert!(text(&out.stdout).contains("entries: 0"));
    let _ = std::fs::remove_dir_all(&dir);
}
