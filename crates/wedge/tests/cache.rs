//! The code cache: compiled modules are stored, found again by another engine, verified
//! before use (a damaged entry is never run, but compiled again and replaced), kept apart
//! by every code-affecting setting, and kept under a size bound.
#![cfg(feature = "compiler")]

use std::path::{Path, PathBuf};
use wedge::{Config, Engine, Linker, Module, Store, Strategy};

/// A fresh, empty directory for one test's cache (removed when dropped).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("wedge-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const KEY: [u8; 16] = *b"cache-test-key!!";

fn engine(strategy: Strategy, dir: &Path, tweak: impl Fn(&mut Config)) -> Engine {
    let mut config = Config::new();
    config
        .strategy(strategy)
        .native_code_key(Some(KEY))
        .cache_dir(Some(dir.to_path_buf()));
    tweak(&mut config);
    Engine::new(&config)
}

/// A module with some code to compile; `n` changes its constants (and so its identity).
fn module_text(n: i32) -> String {
    format!(
        r#"(module
          (func $fib (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                             (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
          (func (export "run") (param i32) (result i32)
            (i32.add (call $fib (local.get 0)) (i32.const {n}))))"#
    )
}

fn run(engine: &Engine, module: &Module, arg: i32) -> i32 {
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine).instantiate(&mut store, module).unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    f.call(&mut store, arg).unwrap()
}

#[test]
fn compiled_code_is_stored_and_found_again() {
    let dir = TempDir::new("reuse");
    let wasm = wat::parse_str(module_text(0)).unwrap();
    let first = engine(Strategy::Compiler, &dir.0, |_| {});
    let module = Module::new(&first, &wasm).unwrap();
    assert!(!module.is_cached());
    let entry = module.cache_entry().unwrap().to_path_buf();
    assert!(entry.exists(), "compiling stored the code");
    assert_eq!(run(&first, &module, 10), 55);
    // Another engine (as another process would have) with the same settings.
    let second = engine(Strategy::Compiler, &dir.0, |_| {});
    let again = Module::new(&second, &wasm).unwrap();
    assert!(again.is_cached());
    assert!(again.is_native());
    assert_eq!(run(&second, &again, 10), 55);
    // A tiered engine starts with the cached code too.
    let tiered = engine(Strategy::Tiered, &dir.0, |_| {});
    let module = Module::new(&tiered, &wasm).unwrap();
    assert!(module.is_cached() && module.is_native());
    assert_eq!(run(&tiered, &module, 12), 144);
    assert_eq!(wedge::cache::stats(&dir.0).entries, 1);
}

/// Overwrites `len` bytes of a file at `at` (from the end if negative) with their inverse.
fn damage(path: &Path, at: i64, len: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let start = if at < 0 {
        bytes.len() - (-at) as usize
    } else {
        at as usize
    };
    for b in &mut bytes[start..start + len] {
        *b = !*b;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn damaged_entries_are_never_run_and_get_replaced() {
    let dir = TempDir::new("damage");
    let wasm = wat::parse_str(module_text(1)).unwrap();
    let stored = Module::new(&engine(Strategy::Compiler, &dir.0, |_| {}), &wasm).unwrap();
    let entry = stored.cache_entry().unwrap().to_path_buf();
    let good = std::fs::read(&entry).unwrap();
    type Edit = Box<dyn Fn(&Path)>;
    let edits: Vec<(&str, Edit)> = vec![
        // The last bytes are machine code.
        ("code", Box::new(|p: &Path| damage(p, -16, 4))),
        // The stamp and the tables near the start.
        ("header", Box::new(|p: &Path| damage(p, 20, 2))),
        (
            "truncated",
            Box::new(|p: &Path| {
                let bytes = std::fs::read(p).unwrap();
                std::fs::write(p, &bytes[..bytes.len() - 100]).unwrap();
            }),
        ),
        ("empty", Box::new(|p: &Path| std::fs::write(p, []).unwrap())),
        (
            "garbage",
            Box::new(|p: &Path| std::fs::write(p, vec![0x5a; 9000]).unwrap()),
        ),
    ];
    for (what, edit) in edits {
        std::fs::write(&entry, &good).unwrap();
        edit(&entry);
        let engine = engine(Strategy::Compiler, &dir.0, |_| {});
        let module = Module::new(&engine, &wasm).unwrap();
        assert!(!module.is_cached(), "{what}: a damaged entry was used");
        if what != "empty" {
            let warning = module.native_code_warning().unwrap_or_default();
            assert!(warning.contains("ignored"), "{what}: {warning}");
        }
        assert_eq!(run(&engine, &module, 10), 56, "{what}");
        // Compiled again and stored again: the next engine finds a good entry.
        let next = Module::new(&engine, &wasm).unwrap();
        assert!(next.is_cached(), "{what}: not stored again");
        assert_eq!(run(&engine, &next, 10), 56, "{what}");
    }
}

#[test]
fn another_key_finds_nothing() {
    let dir = TempDir::new("key");
    let wasm = wat::parse_str(module_text(2)).unwrap();
    Module::new(&engine(Strategy::Compiler, &dir.0, |_| {}), &wasm).unwrap();
    let other = engine(Strategy::Compiler, &dir.0, |c| {
        c.native_code_key(Some(*b"some-other-key!!"));
    });
    let module = Module::new(&other, &wasm).unwrap();
    assert!(!module.is_cached());
    assert_eq!(wedge::cache::stats(&dir.0).entries, 2);
}

#[test]
fn code_affecting_settings_have_their_own_entries() {
    let dir = TempDir::new("settings");
    let wasm = wat::parse_str(module_text(3)).unwrap();
    type Tweak = Box<dyn Fn(&mut Config)>;
    let settings: Vec<Tweak> = vec![
        Box::new(|_| {}),
        Box::new(|c| {
            c.metering(true);
        }),
        Box::new(|c| {
            c.metering(true).cost_table(wedge::CostTable::uniform(2));
        }),
        Box::new(|c| {
            c.interruptible(true);
        }),
        Box::new(|c| {
            c.deterministic(true);
        }),
        Box::new(|c| {
            c.wasm_feature(wedge::Feature::Simd, false);
        }),
    ];
    let mut entries = Vec::new();
    for tweak in &settings {
        let module = Module::new(&engine(Strategy::Compiler, &dir.0, tweak), &wasm).unwrap();
        assert!(!module.is_cached());
        entries.push(module.cache_entry().unwrap().to_path_buf());
    }
    entries.sort();
    entries.dedup();
    assert_eq!(entries.len(), settings.len());
    // Inlining changes code but not results, traps or backtraces: one entry serves both.
    let inlined = engine(Strategy::Compiler, &dir.0, |c| {
        c.inlining(true);
    });
    assert!(Module::new(&inlined, &wasm).unwrap().is_cached());
}

#[test]
fn tiered_modules_fill_the_cache_on_request() {
    let dir = TempDir::new("fill");
    let wasm = wat::parse_str(module_text(4)).unwrap();
    let tiered = engine(Strategy::Tiered, &dir.0, |_| {});
    let module = Module::new(&tiered, &wasm).unwrap();
    assert!(!module.is_native() && module.cache_missing());
    assert_eq!(run(&tiered, &module, 10), 59);
    assert!(module.cache_fill().unwrap());
    assert!(!module.cache_fill().unwrap(), "stored only once");
    let again = Module::new(&tiered, &wasm).unwrap();
    assert!(again.is_cached() && !again.cache_missing());
    assert_eq!(run(&tiered, &again, 10), 59);
}

#[test]
fn eviction_keeps_the_cache_under_its_bound() {
    let dir = TempDir::new("evict");
    let one = {
        let wasm = wat::parse_str(module_text(100)).unwrap();
        let m = Module::new(&engine(Strategy::Compiler, &dir.0, |_| {}), &wasm).unwrap();
        std::fs::metadata(m.cache_entry().unwrap()).unwrap().len()
    };
    wedge::cache::clear(&dir.0).unwrap();
    // Room for three entries.
    let bound = one * 3 + one / 2;
    let mut last = Vec::new();
    for n in 0..8 {
        let wasm = wat::parse_str(module_text(200 + n)).unwrap();
        let e = engine(Strategy::Compiler, &dir.0, |c| {
            c.cache_max_bytes(bound);
        });
        let m = Module::new(&e, &wasm).unwrap();
        last.push(m.cache_entry().unwrap().to_path_buf());
        let stats = wedge::cache::stats(&dir.0);
        assert!(
            stats.bytes <= bound,
            "{} bytes over a bound of {bound}",
            stats.bytes
        );
        // Entries get distinct use times.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(last.last().unwrap().exists(), "the newest entry is kept");
    assert!(!last[0].exists(), "the oldest entry was evicted");
    let left = wedge::cache::stats(&dir.0).entries;
    assert!((1..=3).contains(&left), "{left} entries left");
    assert_eq!(wedge::cache::clear(&dir.0).unwrap(), left);
    assert_eq!(wedge::cache::stats(&dir.0).entries, 0);
}

#[test]
fn the_cache_needs_a_key_and_a_compiler() {
    let dir = TempDir::new("off");
    let wasm = wat::parse_str(module_text(5)).unwrap();
    let mut config = Config::new();
    config
        .strategy(Strategy::Compiler)
        .cache_dir(Some(dir.0.clone()));
    let module = Module::new(&Engine::new(&config), &wasm).unwrap();
    assert!(module.cache_entry().is_none());
    let interp = engine(Strategy::Interpreter, &dir.0, |_| {});
    assert!(Module::new(&interp, &wasm).unwrap().cache_entry().is_none());
    assert_eq!(
        wedge::cache::stats(&dir.0),
        wedge::cache::CacheStats::default()
    );
}
