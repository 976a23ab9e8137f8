//! Image classifier guest (written against `wasmedge-wasi-nn`, so it runs on WasmEdge too).
//!
//! `nn-classify.wasm MODEL|preload:NAME IMAGE.ppm LABELS CxHxW [stretch|pad] [MEAN,STD]`
//!
//! Reads a binary PPM image (P6, 8-bit RGB), resizes it to HxW (`stretch`, the default, as
//! ImageNet models expect; or `pad`: scaled to height H keeping its aspect ratio, at most W
//! wide, zero-padded on the right, as PaddleOCR's classifiers expect), scales each channel
//! to `(x / 255 - MEAN) / STD` (default 0.5,0.5), lays it out as a 1xCxHxW f32 tensor, runs
//! the ONNX model and prints the five most likely labels (fewer if the model has fewer
//! classes), one per line as `LABEL PROBABILITY` (a softmax of the outputs unless they
//! already sum to 1). LABELS is a file with one label per line, in class order.

use std::process::ExitCode;
use wasmedge_wasi_nn::{ExecutionTarget, GraphBuilder, GraphEncoding, TensorType};

/// An 8-bit RGB image.
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

/// Parses a binary PPM (P6, maxval 255).
fn read_ppm(bytes: &[u8]) -> Result<Image, String> {
    // The header: four whitespace-separated fields (comments allowed), then one whitespace byte.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b'#') {
            if bytes[at] == b'#' {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
            } else {
                at += 1;
            }
        }
        let start = at;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if start == at {
            return Err("truncated PPM header".into());
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    if fields[0] != "P6" {
        return Err("not a binary PPM (P6) image".into());
    }
    let number = |s: &str| {
        s.parse::<usize>()
            .map_err(|_| format!("bad PPM field `{s}`"))
    };
    let (width, height, maxval) = (
        number(&fields[1])?,
        number(&fields[2])?,
        number(&fields[3])?,
    );
    if maxval != 255 || width == 0 || height == 0 {
        return Err("only 8-bit PPM images with pixels are supported".into());
    }
    let data = &bytes[(at + 1).min(bytes.len())..];
    let len = width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(3))
        .ok_or("image too large")?;
    if data.len() < len {
        return Err(format!("PPM data truncated: {} of {len} bytes", data.len()));
    }
    Ok(Image {
        width,
        height,
        rgb: data[..len].to_vec(),
    })
}

/// Channel `c` of the image at (x, y) in source coordinates, bilinearly interpolated.
fn sample(img: &Image, x: f32, y: f32, c: usize) -> f32 {
    let x = x.clamp(0.0, (img.width - 1) as f32);
    let y = y.clamp(0.0, (img.height - 1) as f32);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(img.width - 1), (y0 + 1).min(img.height - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let px = |x: usize, y: usize| f32::from(img.rgb[(y * img.width + x) * 3 + c]);
    let top = px(x0, y0) * (1.0 - fx) + px(x1, y0) * fx;
    let bottom = px(x0, y1) * (1.0 - fx) + px(x1, y1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// The 1xCxHxW input tensor for the image.
fn tensor(
    img: &Image,
    (c, h, w): (usize, usize, usize),
    pad: bool,
    mean: f32,
    std: f32,
) -> Vec<f32> {
    // With `pad`, the image keeps its aspect ratio at height h and covers `used` columns.
    let used = if pad {
        let scaled = (h as f32 * img.width as f32 / img.height as f32).ceil() as usize;
        scaled.clamp(1, w)
    } else {
        w
    };
    let mut out = vec![0f32; c * h * w];
    for ch in 0..c {
        let src = ch.min(2);
        for y in 0..h {
            for x in 0..used {
                // Pixel centres mapped onto the source image.
                let sx = (x as f32 + 0.5) * img.width as f32 / used as f32 - 0.5;
                let sy = (y as f32 + 0.5) * img.height as f32 / h as f32 - 0.5;
                let v = sample(img, sx, sy, src) / 255.0;
                out[(ch * h + y) * w + x] = (v - mean) / std;
            }
        }
    }
    out
}

/// Probabilities from the model's outputs (a softmax, unless they already are).
fn probabilities(scores: &[f32]) -> Vec<f32> {
    let sum: f32 = scores.iter().sum();
    if scores.iter().all(|s| (0.0..=1.0).contains(s)) && (sum - 1.0).abs() < 1e-3 {
        return scores.to_vec();
    }
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
    let total: f32 = exp.iter().sum();
    exp.iter().map(|e| e / total).collect()
}

fn run(args: &[String]) -> Result<(), String> {
    const USAGE: &str =
        "usage: nn-classify.wasm MODEL|preload:NAME IMAGE.ppm LABELS CxHxW [stretch|pad] [MEAN,STD]";
    let [_, model, image, labels, shape, rest @ ..] = args else {
        return Err(USAGE.into());
    };
    let dims: Vec<usize> = shape
        .split('x')
        .map(|d| {
            d.parse()
                .map_err(|_| format!("bad shape `{shape}` (want CxHxW)"))
        })
        .collect::<Result<_, _>>()?;
    let [c, h, w] = dims[..] else {
        return Err(format!("bad shape `{shape}` (want CxHxW)"));
    };
    if c == 0 || h == 0 || w == 0 || c * h * w > 64 << 20 {
        return Err(format!("bad shape `{shape}`"));
    }
    let pad = match rest.first().map(String::as_str) {
        None | Some("stretch") => false,
        Some("pad") => true,
        Some(other) => return Err(format!("unknown resize `{other}` (stretch or pad)")),
    };
    let (mean, std) = match rest.get(1) {
        None => (0.5, 0.5),
        Some(ms) => {
            let (m, s) = ms.split_once(',').ok_or(format!("bad MEAN,STD `{ms}`"))?;
            let parse = |v: &str| v.parse::<f32>().map_err(|_| format!("bad MEAN,STD `{ms}`"));
            (parse(m)?, parse(s)?)
        }
    };
    let labels: Vec<String> = std::fs::read_to_string(labels)
        .map_err(|e| format!("{labels}: {e}"))?
        .lines()
        .map(str::to_string)
        .collect();
    let img = read_ppm(&std::fs::read(image).map_err(|e| format!("{image}: {e}"))?)
        .map_err(|e| format!("{image}: {e}"))?;
    let input = tensor(&img, (c, h, w), pad, mean, std);

    let builder = GraphBuilder::new(GraphEncoding::Onnx, ExecutionTarget::CPU);
    let graph = match model.strip_prefix("preload:") {
        Some(name) => builder.build_from_cache(name),
        None => {
            let bytes = std::fs::read(model).map_err(|e| format!("{model}: {e}"))?;
            builder.build_from_bytes([&bytes])
        }
    }
    .map_err(|e| format!("load: {e}"))?;
    let mut ctx = graph
        .init_execution_context()
        .map_err(|e| format!("init_execution_context: {e}"))?;
    ctx.set_input(0, TensorType::F32, &[1, c, h, w], &input)
        .map_err(|e| format!("set_input: {e}"))?;
    ctx.compute().map_err(|e| format!("compute: {e}"))?;
    let mut out = vec![0f32; 1 << 16];
    let bytes = ctx
        .get_output(0, &mut out)
        .map_err(|e| format!("get_output: {e}"))?;
    let scores = &out[..(bytes / 4).min(out.len())];
    let probs = probabilities(scores);
    let mut ranked: Vec<usize> = (0..probs.len()).collect();
    ranked.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    for &class in ranked.iter().take(5) {
        let label = labels.get(class).map_or("?", String::as_str);
        println!("{label} {:.4}", probs[class]);
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nn-classify: {e}");
            ExitCode::FAILURE
        }
    }
}
