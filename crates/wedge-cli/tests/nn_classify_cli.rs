//! The image classifier guest (`nn-classify.wasm`) under `wedge run` with the WASI-NN plugin,
//! on a real model: PaddleOCR's text-orientation classifier from the PyPI package
//! `rapidocr-onnxruntime`, given a line of text rendered upright and upside down (with
//! Debian's Python imaging library and DejaVu font, installed by tests/setup.sh), on each
//! ONNX backend of the plugin (tract, and ONNX Runtime from the `onnxruntime` wheel).

#[path = "../../wedge-nn/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

/// The Python with the imaging library (Debian's `python3-pil`).
const PYTHON: &str = "/usr/bin/python3";
/// The font the text is drawn with (Debian's `fonts-dejavu-core`).
const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// Writes `text` drawn black on white as `up.ppm`, and the same image turned by 180
/// degrees as `down.ppm`, into `dir`.
fn render(dir: &Path, text: &str) -> Option<()> {
    let script = "import sys\n\
        from PIL import Image, ImageDraw, ImageFont\n\
        font = ImageFont.truetype(sys.argv[1], 40)\n\
        img = Image.new('RGB', (560, 64), 'white')\n\
        ImageDraw.Draw(img).text((10, 8), sys.argv[3], fill='black', font=font)\n\
        img.save(sys.argv[2] + '/up.ppm')\n\
        img.rotate(180).save(sys.argv[2] + '/down.ppm')\n";
    let ok = Command::new(PYTHON)
        .args(["-c", script, FONT])
        .arg(dir)
        .arg(text)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some(())
    } else {
        support::unavailable(
            "rendering a test image needs Debian's python3-pil and fonts-dejavu-core".into(),
        )
    }
}

#[test]
fn the_classifier_guest_tells_upright_text_from_upside_down() {
    let mut first: Option<(String, Vec<Ranked>)> = None;
    for backend in support::backends() {
        let Some(top) = classify_with(&backend) else {
            return;
        };
        // Every backend ranks the labels alike, with probabilities within 1e-3.
        let Some((name, want)) = &first else {
            first = Some((backend.name().to_string(), top));
            continue;
        };
        for (got, want) in top.iter().zip(want) {
            assert_eq!(got.len(), want.len());
            for ((gl, gp), (wl, wp)) in got.iter().zip(want) {
                assert_eq!(gl, wl, "{} against {name}", backend.name());
                assert!(
                    (gp - wp).abs() < 1e-3,
                    "{} against {name}: {gp} vs {wp}",
                    backend.name()
                );
            }
        }
    }
}

/// Labels with their probabilities, most likely first.
type Ranked = Vec<(String, f32)>;

/// Runs the classifier checks with `backend`; the ranked labels of the upright and the
/// upside-down image (`None` when a tool or model is missing and the test skips).
fn classify_with(backend: &support::Backend) -> Option<Vec<Ranked>> {
    let b = backend.name();
    let plugin = support::cli_plugin(Path::new(env!("CARGO_BIN_EXE_wedge")))?;
    let model = support::orientation_classifier()?;
    let dir = tempfile::tempdir().unwrap();
    render(dir.path(), "Wedge runs WebAssembly")?;
    std::fs::copy(&model, dir.path().join("cls.onnx")).unwrap();
    std::fs::write(dir.path().join("labels.txt"), "0\n180\n").unwrap();
    let guest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/bin/nn-classify.wasm");
    let classify = |model: &str, image: &str, preload: Option<String>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wedge"));
        cmd.env("WEDGE_CACHE", "off")
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env_remove("WEDGE_PLUGIN_PATH")
            .envs(backend.env())
            .arg("run")
            .arg("--plugin")
            .arg(&plugin);
        if let Some(p) = preload {
            cmd.arg("--nn-preload").arg(p);
        }
        let out = cmd
            .arg("--dir")
            .arg(format!("/w:{}", dir.path().display()))
            .arg(&guest)
            .args([model, image, "/w/labels.txt", "3x48x192", "pad"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Top labels, most likely first, with probabilities summing to 1.
    let ranked = |stdout: &str| -> Ranked {
        stdout
            .lines()
            .map(|l| {
                let (label, p) = l.split_once(' ').expect("LABEL PROBABILITY");
                (label.to_string(), p.parse().expect("a probability"))
            })
            .collect()
    };
    let mut both = Vec::new();
    for (image, want) in [("/w/up.ppm", "0"), ("/w/down.ppm", "180")] {
        let (code, stdout, stderr) = classify("/w/cls.onnx", image, None);
        assert_eq!(code, Some(0), "{b}: {stderr}");
        let top = ranked(&stdout);
        assert_eq!(top.len(), 2, "{b}: both classes listed: {stdout}");
        assert_eq!(top[0].0, want, "{b}: {image}: {stdout}");
        assert!(top[0].1 > 0.9, "{b}: {image}: confident: {stdout}");
        let sum: f32 = top.iter().map(|(_, p)| p).sum();
        assert!((sum - 1.0).abs() < 1e-3, "{b}: {stdout}");
        both.push(top);
    }
    // The same through a preloaded model.
    let preload = format!("cls:onnx:cpu:{}", model.display());
    let (code, stdout, stderr) = classify("preload:cls", "/w/down.ppm", Some(preload));
    assert_eq!(code, Some(0), "{b}: {stderr}");
    assert_eq!(ranked(&stdout)[0].0, "180", "{b}: {stdout}");
    // Bad input is reported by the guest, never a crash: an image that is not a PPM, a
    // model that is not ONNX.
    std::fs::write(dir.path().join("bad.ppm"), b"P3\n1 1\n255\n0 0 0\n").unwrap();
    let (code, _, stderr) = classify("/w/cls.onnx", "/w/bad.ppm", None);
    assert_eq!(code, Some(1), "{b}");
    assert!(stderr.contains("not a binary PPM"), "{b}: {stderr}");
    let (code, _, stderr) = classify("/w/labels.txt", "/w/up.ppm", None);
    assert_eq!(code, Some(1), "{b}");
    assert!(stderr.contains("load"), "{b}: {stderr}");
    Some(both)
}
