//! `wedge run` with plugins: `--plugin`, `WEDGE_PLUGIN_PATH`, the default folders, traps
//! from plugin functions, and bad plugins refused with clear errors.

#[path = "../../../tests/plugins/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A guest of the C plugin only.
const C_GUEST: &str = r#"(module
  (import "cdemo" "add" (func $add (param i32 i32) (result i32)))
  (import "cdemo" "greet" (func $greet (param i32 i32) (result i32)))
  (import "cdemo" "fail" (func $fail))
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "greet") (result i64)
    (drop (call $greet (i32.const 0) (i32.const 16)))
    (i64.load (i32.const 0)))
  (func (export "fail") (call $fail)))"#;

/// A guest of both test plugins.
const BOTH_GUEST: &str = r#"(module
  (import "cdemo" "add" (func $add (param i32 i32) (result i32)))
  (import "rdemo" "mul" (func $mul (param f64 f64) (result f64)))
  (import "rdemo" "boom" (func $boom))
  (memory (export "memory") 1)
  (func (export "calc") (param i32) (result f64)
    (call $mul (f64.convert_i32_s (call $add (local.get 0) (i32.const 0))) (f64.const 0.5)))
  (func (export "boom") (call $boom)))"#;

/// A guest needing no plugin.
const PLAIN_GUEST: &str = r#"(module (func (export "seven") (result i32) (i32.const 7)))"#;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Option<Env> {
        if !support::have_tool("cc", &["--version"]) {
            return None;
        }
        Some(Env {
            dir: tempfile::tempdir().unwrap(),
        })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn guest(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn c_plugin(&self, name: &str, defines: &[&str]) -> PathBuf {
        let dir = self.path().join("build");
        std::fs::create_dir_all(&dir).unwrap();
        support::build_c_plugin(&dir, name, defines)
    }

    /// Runs `exe` with the plugin folders pointed into the temp dir (so the user's own
    /// plugins do not interfere).
    fn run_with(&self, exe: &Path, args: &[&str], plugin_path: Option<&Path>) -> Output {
        let mut cmd = Command::new(exe);
        cmd.env("WEDGE_CACHE", "off")
            .env("XDG_DATA_HOME", self.path().join("data"))
            .env_remove("WEDGE_PLUGIN_PATH")
            .args(args);
        if let Some(p) = plugin_path {
            cmd.env("WEDGE_PLUGIN_PATH", p);
        }
        // A freshly copied binary can be briefly "busy" while another test thread's child
        // still holds the copy's write descriptor (inherited across fork): retry then.
        for _ in 0..100 {
            match cmd.output() {
                Err(e) if e.raw_os_error() == Some(26) => {
                    std::thread::sleep(std::time::Duration::from_millis(50))
                }
                other => return other.expect("wedge runs"),
            }
        }
        panic!("{} stays busy", exe.display())
    }

    fn run(&self, args: &[&str], plugin_path: Option<&Path>) -> Output {
        self.run_with(Path::new(env!("CARGO_BIN_EXE_wedge")), args, plugin_path)
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn plugins_given_with_flags_serve_the_guest() {
    let Some(env) = Env::new() else { return };
    let c = env.c_plugin("ctest", &[]);
    let r = support::rust_plugin();
    let guest = env.guest("both.wat", BOTH_GUEST);
    let out = env.run(
        &[
            "run",
            "--plugin",
            s(&c),
            "--plugin",
            s(&r),
            "--invoke",
            "calc",
            s(&guest),
            "6",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "503");

    let guest = env.guest("c.wat", C_GUEST);
    let out = env.run(
        &["run", "--plugin", s(&c), "--invoke", "greet", s(&guest)],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got: i64 = text(&out.stdout).trim().parse().unwrap();
    assert_eq!(&got.to_le_bytes(), b"hello fr");
}

#[test]
fn plugin_errors_and_panics_trap_with_their_message() {
    let Some(env) = Env::new() else { return };
    let c = env.c_plugin("ctest", &[]);
    let r = support::rust_plugin();
    let guest = env.guest("c.wat", C_GUEST);
    let out = env.run(
        &["run", "--plugin", s(&c), "--invoke", "fail", s(&guest)],
        None,
    );
    assert_eq!(out.status.code(), Some(134), "{out:?}");
    assert!(
        text(&out.stderr).contains("cdemo::fail: cdemo refuses"),
        "{}",
        text(&out.stderr)
    );

    let guest = env.guest("both.wat", BOTH_GUEST);
    let out = env.run(
        &[
            "run",
            "--plugin",
            s(&c),
            "--plugin",
            s(&r),
            "--invoke",
            "boom",
            s(&guest),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(134), "{out:?}");
    let err = text(&out.stderr);
    assert!(
        err.contains("rdemo::boom: plugin function panicked: rdemo boom"),
        "{err}"
    );
}

#[test]
fn plugins_are_found_in_the_plugin_path_and_default_folders() {
    let Some(env) = Env::new() else { return };
    let guest = env.guest("c.wat", C_GUEST);
    // WEDGE_PLUGIN_PATH: a colon list; the first folder is missing, which is fine.
    let folder = env.path().join("plugins");
    std::fs::create_dir_all(&folder).unwrap();
    let c = env.c_plugin("ctest", &[]);
    std::fs::copy(&c, folder.join("libctest.so")).unwrap();
    let list = format!(
        "{}:{}",
        env.path().join("nowhere").display(),
        folder.display()
    );
    let out = env.run(
        &["run", "--invoke", "add", s(&guest), "1", "2"],
        Some(Path::new(&list)),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "1003");

    // $XDG_DATA_HOME/wedge/plugins
    let data = env.path().join("data/wedge/plugins");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(&c, data.join("libctest.so")).unwrap();
    let out = env.run(&["run", "--invoke", "add", s(&guest), "1", "3"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "1004");
    std::fs::remove_file(data.join("libctest.so")).unwrap();

    // <folder of wedge>/../lib/wedge/plugins
    let bin = env.path().join("prefix/bin");
    let libdir = env.path().join("prefix/lib/wedge/plugins");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&libdir).unwrap();
    let wedge = Path::new(env!("CARGO_BIN_EXE_wedge"));
    if std::fs::hard_link(wedge, bin.join("wedge")).is_err() {
        std::fs::copy(wedge, bin.join("wedge")).unwrap();
    }
    std::fs::copy(&c, libdir.join("libctest.so")).unwrap();
    let out = env.run_with(
        &bin.join("wedge"),
        &["run", "--invoke", "add", s(&guest), "1", "4"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "1005");

    // Without any plugin the import is unresolved: a link error, exit 1.
    let out = env.run(&["run", "--invoke", "add", s(&guest), "1", "4"], None);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("cdemo"), "{}", text(&out.stderr));
}

#[test]
fn bad_plugins_given_with_flags_are_clear_errors() {
    let Some(env) = Env::new() else { return };
    let guest = env.guest("plain.wat", PLAIN_GUEST);
    let abi = env.c_plugin("abi99", &["-DTEST_ABI_VERSION=99"]);
    let out = env.run(
        &["run", "--plugin", s(&abi), "--invoke", "seven", s(&guest)],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = text(&out.stderr);
    assert!(
        err.contains("built for plugin ABI version 99") && err.contains("supports version 2"),
        "{err}"
    );

    let nodesc = env.c_plugin("nodesc", &["-DTEST_NO_DESCRIPTOR"]);
    let out = env.run(
        &[
            "run",
            "--plugin",
            s(&nodesc),
            "--invoke",
            "seven",
            s(&guest),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("is not a Wedge plugin"),
        "{}",
        text(&out.stderr)
    );

    let not_a_library = env.guest("fake.so", "not an ELF file");
    let out = env.run(
        &[
            "run",
            "--plugin",
            s(&not_a_library),
            "--invoke",
            "seven",
            s(&guest),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("cannot load plugin"),
        "{}",
        text(&out.stderr)
    );

    let one = env.c_plugin("one", &["-DTEST_NAME=\"one\""]);
    let two = env.c_plugin("two", &["-DTEST_NAME=\"two\""]);
    let out = env.run(
        &[
            "run",
            "--plugin",
            s(&one),
            "--plugin",
            s(&two),
            "--invoke",
            "seven",
            s(&guest),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = text(&out.stderr);
    assert!(
        err.contains("host module `cdemo` is provided by two plugins"),
        "{err}"
    );
}

#[test]
fn bad_plugins_in_folders_are_skipped_with_a_warning() {
    let Some(env) = Env::new() else { return };
    let guest = env.guest("c.wat", C_GUEST);
    let folder = env.path().join("plugins");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(
        env.c_plugin("abi99", &["-DTEST_ABI_VERSION=99"]),
        folder.join("libabi99.so"),
    )
    .unwrap();
    std::fs::copy(
        env.c_plugin("one", &["-DTEST_NAME=\"one\""]),
        folder.join("libone.so"),
    )
    .unwrap();
    std::fs::copy(
        env.c_plugin("two", &["-DTEST_NAME=\"two\""]),
        folder.join("libtwo.so"),
    )
    .unwrap();
    let out = env.run(
        &["run", "--invoke", "add", s(&guest), "5", "5"],
        Some(&folder),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "1010");
    let err = text(&out.stderr);
    assert!(
        err.contains("skipping plugin") && err.contains("ABI version 99"),
        "{err}"
    );
    assert!(
        err.contains("libtwo.so") && err.contains("provided by two plugins"),
        "{err}"
    );
}
