//! A container's command: exit codes for each outcome, argv/env/preopens reaching the guest.

use std::path::PathBuf;
use wedge_container::{Command, ModuleSource, Tier, LOAD_FAILED, TRAPPED};

/// A command running `wat`'s `_start` with a temp dir preopened as `/`.
fn command(wat: &str, root: &std::path::Path) -> Command {
    Command {
        source: ModuleSource::Bytes(wat::parse_str(wat).unwrap()),
        name: "/app.wasm".into(),
        func: "_start".into(),
        args: vec!["/app.wasm".into()],
        envs: vec!["GREETING=hi".into()],
        preopens: vec![("/".into(), root.to_path_buf())],
        tier: Tier::Compiled,
        native_code_key: None,
        code_cache: None,
    }
}

const EXIT: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 7)))
  (func (export "other") (call $exit (i32.const 9))))"#;

/// Creates `/out.txt` holding the guest's argv[1] and environment sizes, then exits with
/// the number of preopens found at fd 3 (0 = path_open failed).
const WRITE: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "out.txt")
  (data (i32.const 16) "written")
  (func (export "_start")
    (drop (call $env (i32.const 100) (i32.const 104)))
    (if (i32.ne (i32.load (i32.const 100)) (i32.const 1)) (then (call $exit (i32.const 20))))
    ;; path_open(fd 3, follow, "out.txt", O_CREAT, rights write, 0, 0, &fd)
    (if (call $open (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 7) (i32.const 1)
                    (i64.const 0x40) (i64.const 0) (i32.const 0) (i32.const 200))
      (then (call $exit (i32.const 21))))
    (i32.store (i32.const 300) (i32.const 16))
    (i32.store (i32.const 304) (i32.const 7))
    (drop (call $write (i32.load (i32.const 200)) (i32.const 300) (i32.const 1) (i32.const 308)))))"#;

#[test]
fn exit_codes_follow_the_guest() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        command("(module (func (export \"_start\")))", dir.path()).run(),
        0
    );
    assert_eq!(command(EXIT, dir.path()).run(), 7);
    let mut other = command(EXIT, dir.path());
    other.func = "other".into();
    assert_eq!(other.run(), 9, "#export picks the entry function");
    let trap = "(module (func (export \"_start\") unreachable))";
    assert_eq!(command(trap, dir.path()).run(), TRAPPED);
    let mut interp = command(trap, dir.path());
    interp.tier = Tier::Interpreted;
    assert_eq!(interp.run(), TRAPPED);
}

#[test]
fn what_cannot_run_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let mut invalid = command("(module)", dir.path());
    invalid.source = ModuleSource::Bytes(b"not a module".to_vec());
    assert_eq!(invalid.run(), LOAD_FAILED);
    let mut missing = command("(module)", dir.path());
    missing.source = ModuleSource::File(PathBuf::from("/no/such/app.wasm"));
    assert_eq!(missing.run(), LOAD_FAILED);
    let mut no_export = command("(module)", dir.path());
    no_export.func = "nosuch".into();
    assert_eq!(no_export.run(), LOAD_FAILED);
    let unknown_import = r#"(module (import "env" "f" (func)) (func (export "_start")))"#;
    assert_eq!(command(unknown_import, dir.path()).run(), LOAD_FAILED);
    let with_params = r#"(module (func (export "_start") (param i32)))"#;
    assert_eq!(command(with_params, dir.path()).run(), LOAD_FAILED);
    let mut bad_root = command("(module (func (export \"_start\")))", dir.path());
    bad_root.preopens = vec![("/".into(), dir.path().join("missing"))];
    assert_eq!(bad_root.run(), LOAD_FAILED);
}

#[test]
fn the_guest_sees_its_env_and_writes_into_its_root() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(command(WRITE, dir.path()).run(), 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt")).unwrap(),
        "written"
    );
}

#[test]
fn tier_comes_from_the_environment() {
    assert_eq!(
        Tier::from_env(["A=1", "WEDGE_TIER=interp"]),
        Tier::Interpreted
    );
    assert_eq!(Tier::from_env(["WEDGE_TIER=jit"]), Tier::Compiled);
    assert_eq!(Tier::from_env(["WEDGE_TIERX=interp"]), Tier::Compiled);
}

/// The `.code` entries in a code cache directory.
fn cache_entries(dir: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "code"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_code_cache_keeps_the_compiled_module_between_starts() {
    if !wedge::Config::new().compiles() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let start = |key: Option<[u8; 16]>| {
        let mut c = command(EXIT, root.path());
        c.native_code_key = key;
        c.code_cache = Some(cache.path().to_path_buf());
        c.run()
    };
    assert_eq!(start(None), 7);
    assert!(
        cache_entries(cache.path()).is_empty(),
        "without a key to sign entries nothing is stored"
    );
    let key = Some([7; 16]);
    assert_eq!(start(key), 7);
    let entries = cache_entries(cache.path());
    assert_eq!(entries.len(), 1, "the first start stores the module's code");
    let stored = std::fs::read(&entries[0]).unwrap();
    assert_eq!(start(key), 7);
    assert_eq!(
        cache_entries(cache.path()),
        entries,
        "the second start reuses it"
    );
    // A damaged entry is never run: the module is compiled again and the entry rebuilt.
    std::fs::write(&entries[0], &stored[..stored.len() / 2]).unwrap();
    assert_eq!(start(key), 7);
    assert_eq!(std::fs::read(&entries[0]).unwrap(), stored);
    // Another node's key does not accept this node's entries.
    assert_eq!(start(Some([8; 16])), 7);
    assert_eq!(cache_entries(cache.path()).len(), 2);
}
