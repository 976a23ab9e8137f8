//! Sockets leave nothing behind: 100,000 open/close cycles (some waited on with
//! `poll_oneoff`, so they sit in the epoll set when closed) end with as many host
//! descriptors open as before. The only test in its binary, so no other test opens
//! descriptors meanwhile.

use std::path::PathBuf;
use wedge::{Engine, Linker, Module, Store, Trap};
use wedge_wasi::{add_to_linker, WasiCtx, WasiCtxBuilder};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn open_close_cycles_leak_no_descriptor() {
    let wasm =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/bin/c-sockets.wasm");
    let engine = Engine::default();
    let module = Module::from_file(&engine, wasm).unwrap();
    let mut linker = Linker::new(&engine);
    add_to_linker(&mut linker, |c: &mut WasiCtx| c).unwrap();
    let before = open_fds();
    let out = tempfile::tempfile().unwrap();
    let ctx = WasiCtxBuilder::new()
        .args(["c-sockets", "cycle", "100000"])
        .stdout(out)
        .inherit_network()
        .build()
        .unwrap();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance.get_func(&store, "_start").unwrap();
    let during = open_fds();
    let end = start.call(&mut store, &[], &mut []);
    let code = match end {
        Ok(()) => 0,
        Err(e) => e.as_trap().and_then(Trap::exit_code).expect("an exit"),
    };
    assert_eq!(code, 0);
    // While the store lives, its epoll instance is the one descriptor added.
    assert!(open_fds() <= during + 1, "{} > {} + 1", open_fds(), during);
    drop(store);
    // The module keeps its memory image file (opened on its first instantiation) until it
    // is dropped too.
    drop(module);
    assert_eq!(open_fds(), before);
}
