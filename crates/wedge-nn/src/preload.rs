//! Models registered by name (`--nn-preload NAME:ENCODING:TARGET:PATH[:PATH]`), passed to
//! the plugin in the environment variable `WASMEDGE_WASINN_PRELOAD` (one entry per line).

use crate::types::{encoding_by_name, target_by_name};

/// The environment variable the preload specs come in.
pub const PRELOAD_ENV: &str = "WASMEDGE_WASINN_PRELOAD";

/// A preloaded model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preload {
    /// The name guests pass to `load_by_name`.
    pub name: String,
    /// Encoding number.
    pub encoding: u32,
    /// Target number.
    pub target: u32,
    /// The model files (one builder each).
    pub paths: Vec<String>,
}

/// Parses `NAME:ENCODING:TARGET:PATH[:PATH...]`.
pub fn parse(spec: &str) -> Result<Preload, String> {
    let mut parts = spec.split(':');
    let (Some(name), Some(encoding), Some(target)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("`{spec}` is not NAME:ENCODING:TARGET:PATH[:PATH]"));
    };
    let paths: Vec<String> = parts.map(str::to_string).collect();
    if name.is_empty() || paths.is_empty() || paths.iter().any(String::is_empty) {
        return Err(format!("`{spec}` is not NAME:ENCODING:TARGET:PATH[:PATH]"));
    }
    let encoding = encoding_by_name(encoding)
        .ok_or_else(|| format!("`{spec}`: unknown encoding `{encoding}`"))?;
    let target =
        target_by_name(target).ok_or_else(|| format!("`{spec}`: unknown target `{target}`"))?;
    Ok(Preload {
        name: name.to_string(),
        encoding,
        target,
        paths,
    })
}

/// The preloads in the environment (malformed entries are reported on stderr and skipped).
pub fn from_env() -> Vec<Preload> {
    let Ok(value) = std::env::var(PRELOAD_ENV) else {
        return Vec::new();
    };
    value
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| match parse(l.trim()) {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("wasi-nn: ignoring {PRELOAD_ENV} entry: {e}");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_like_wasmedge() {
        let p = parse("default:GGML:AUTO:/m/a.gguf").unwrap();
        assert_eq!((p.encoding, p.target, p.paths.len()), (6, 3, 1));
        let p = parse("cls:onnx:cpu:a.onnx:b.bin").unwrap();
        assert_eq!((p.encoding, p.target), (1, 0));
        assert_eq!(p.paths, ["a.onnx", "b.bin"]);
        assert!(parse("x:onnx:cpu").is_err());
        assert!(parse("x:nope:cpu:a").is_err());
        assert!(parse("x:onnx:npu:a").is_err());
    }
}
