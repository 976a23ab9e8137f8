//! Chooses how the interpreter goes from one instruction to the next (see
//! `src/interp/exec/dispatch.rs`): threaded code, whose handlers call each other in tail
//! position, only where the optimizer turns those calls into jumps (opt-level 2 and 3);
//! a dispatch loop otherwise, so that unoptimized builds never grow the host stack.
//!
//! Also fingerprints the sources of the runtime and of the code generator
//! (`WEDGE_SOURCE_HASH`): stored native code (AOT files, the code cache) is stamped with it,
//! so code made by one build is never run by another whose context-block or memory layout
//! may differ, even at the same version number.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(wedge_threaded)");
    println!("cargo::rerun-if-changed=build.rs");
    let opt_level = std::env::var("OPT_LEVEL").unwrap_or_default();
    if matches!(opt_level.as_str(), "2" | "3") {
        println!("cargo::rustc-cfg=wedge_threaded");
    }

    let mut files = Vec::new();
    for dir in ["src", "../wedge-cranelift/src"] {
        let dir = Path::new(dir);
        if dir.is_dir() {
            println!("cargo::rerun-if-changed={}", dir.display());
            rust_files(dir, &mut files);
        }
    }
    files.sort();
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    for file in &files {
        hasher.write(file.to_string_lossy().as_bytes());
        hasher.write(&std::fs::read(file).unwrap_or_default());
    }
    println!(
        "cargo::rustc-env=WEDGE_SOURCE_HASH={:016x}",
        hasher.finish()
    );
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
