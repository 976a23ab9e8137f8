//! Every function the headers declare (`wasm.h`, `wasi.h`, `wedge.h`) is exported by
//! libwedge.so: the headers are run through the C preprocessor, function declarations are
//! collected (static inline helpers are not declarations), and `nm` lists the exports.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Names of the functions a header declares (after preprocessing).
fn declared(header: &str) -> BTreeSet<String> {
    let out = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-E", "-P", "-x", "c", "-I"])
        .arg(crate_dir().join("include"))
        .arg(crate_dir().join("include").join(header))
        .output()
        .expect("run the C preprocessor");
    assert!(out.status.success(), "preprocessing {header} failed");
    let text = String::from_utf8_lossy(&out.stdout);
    // Replace everything inside braces (function bodies, struct members) by a marker that
    // ends the statement, so definitions are told apart from declarations.
    let mut flat = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    flat.push_str(" BODY;");
                }
                depth += 1;
            }
            '}' => depth -= 1,
            _ if depth == 0 => flat.push(c),
            _ => {}
        }
    }
    // A declaration: `NAME ( ... ) ;` with no braces in between.
    let mut names = BTreeSet::new();
    for stmt in flat.split(';') {
        let Some(open) = stmt.find('(') else { continue };
        if stmt.contains("typedef") || stmt.contains("BODY") || !stmt.trim_end().ends_with(')') {
            continue;
        }
        let head = stmt[..open].trim_end();
        let name: String = head
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if name.starts_with("wasm_") || name.starts_with("wasi_") || name.starts_with("wedge_") {
            names.insert(name);
        }
    }
    names
}

/// Names of the functions libwedge.so exports.
fn exported() -> BTreeSet<String> {
    let exe = std::env::current_exe().expect("test executable");
    let lib = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>")
        .join("libwedge.so");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "-p", "wedge-c-api", "--lib"]);
    if lib.parent().is_some_and(|p| p.ends_with("release")) {
        cmd.arg("--release");
    }
    if let Some(target) = lib.parent().and_then(|p| p.parent()) {
        cmd.env("CARGO_TARGET_DIR", target);
    }
    assert!(
        cmd.status().expect("run cargo").success(),
        "building libwedge failed"
    );
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .expect("run nm");
    assert!(out.status.success(), "nm failed on {}", lib.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_addr, kind, name) = (f.next()?, f.next()?, f.next()?);
            (kind == "T").then(|| name.to_string())
        })
        .collect()
}

#[test]
fn every_declared_function_is_exported() {
    let exported = exported();
    let mut total = 0;
    for header in ["wasm.h", "wasi.h", "wedge.h"] {
        let declared = declared(header);
        assert!(declared.len() > 20, "{header}: too few declarations found");
        let missing: Vec<_> = declared.difference(&exported).collect();
        assert!(
            missing.is_empty(),
            "{header} declares but libwedge lacks: {missing:?}"
        );
        total += declared.len();
    }
    // wasm.h alone declares 293 functions (tag types included).
    assert!(total >= 293, "only {total} declarations found");
}

#[test]
fn wasm_h_declares_what_wasm_c_api_does() {
    let d = declared("wasm.h");
    for name in [
        "wasm_func_call",
        "wasm_frame_module_offset",
        "wasm_module_obtain",
        "wasm_foreign_new",
        "wasm_ref_as_foreign_const",
        "wasm_tagtype_functype",
        "wasm_externtype_as_tagtype_const",
        "wasm_val_vec_copy",
    ] {
        assert!(
            d.contains(name),
            "{name} not found among wasm.h's declarations"
        );
    }
    assert!(
        !d.contains("wasm_valkind_is_num"),
        "static inline helpers are not declarations"
    );
    assert!(
        !d.contains("wasm_valtype_new_i32"),
        "static inline helpers are not declarations"
    );
    assert_eq!(d.len(), 293);
}
