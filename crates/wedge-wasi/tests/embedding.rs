//! The embedding side of wedge-wasi: building contexts, custom stdio, exits and traps.

use wedge::{Engine, Linker, Module, Store, TrapKind};
use wedge_wasi::{add_to_linker, DirAccess, WasiCtx, WasiCtxBuilder};

/// Instantiates `wat` with WASI and calls its `run` export.
fn run(wat: &str, ctx: WasiCtx) -> (Result<i32, wedge::Error>, Store<WasiCtx>) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker = Linker::new(&engine);
    add_to_linker(&mut linker, |c| c).unwrap();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    (f.call(&mut store, ()), store)
}

const WRITE_HI: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $s (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\n")
  (func (export "run") (result i32)
    (drop (call $s (i32.const 1) (i32.const 64)))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))"#;

#[test]
fn stdout_can_be_a_host_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let file = std::fs::File::create(&path).unwrap();
    let ctx = WasiCtxBuilder::new().stdout(file).build().unwrap();
    let (r, _) = run(WRITE_HI, ctx);
    assert_eq!(r.unwrap(), 0);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hi\n");
}

#[test]
fn stdio_defaults_to_null() {
    let (r, _) = run(WRITE_HI, WasiCtxBuilder::new().build().unwrap());
    assert_eq!(r.unwrap(), 0, "writes to null stdout succeed and vanish");
    let read = r#"(module
      (import "wasi_snapshot_preview1" "fd_read" (func $r (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "run") (result i32)
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 8))
        (i32.store (i32.const 8) (i32.const 99))
        (drop (call $r (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.load (i32.const 8))))"#;
    let (r, _) = run(read, WasiCtxBuilder::new().build().unwrap());
    assert_eq!(r.unwrap(), 0, "null stdin is at end of file");
}

#[test]
fn proc_exit_is_a_trap_carrying_the_code() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "run") (result i32) (call $exit (i32.const 17)) (i32.const 0)))"#;
    let (r, _) = run(wat, WasiCtxBuilder::new().build().unwrap());
    let err = r.unwrap_err();
    let trap = err.as_trap().unwrap();
    assert_eq!(trap.kind(), TrapKind::Exit);
    assert_eq!(trap.exit_code(), Some(17));
}

#[test]
fn a_module_without_memory_export_traps_clearly() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_close" (func $c (param i32) (result i32)))
      (func (export "run") (result i32)
        (drop (call $c (i32.const 99)))
        (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))"#;
    let (r, _) = run(wat, WasiCtxBuilder::new().build().unwrap());
    let err = r.unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind(), TrapKind::Host);
    assert!(err.to_string().contains("memory"), "{err}");
}

#[test]
fn setup_errors_name_the_directory() {
    let err = WasiCtxBuilder::new()
        .preopened_dir("/definitely/not/here", "/x", DirAccess::ReadOnly)
        .build()
        .err()
        .unwrap();
    assert!(err.to_string().contains("/definitely/not/here"), "{err}");
    let err = WasiCtxBuilder::new().arg("a\0b").build().err().unwrap();
    assert!(err.to_string().contains("NUL"), "{err}");
}

#[test]
fn descriptors_past_the_table_are_ebadf_and_args_sizes_count_nuls() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $s (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_close" (func $c (param i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "run") (result i32)
        (drop (call $s (i32.const 0) (i32.const 4)))
        (i32.add
          (i32.mul (call $c (i32.const -1)) (i32.const 1000))
          (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 100)) (i32.load (i32.const 4))))))"#;
    let ctx = WasiCtxBuilder::new().args(["prog", "ab"]).build().unwrap();
    let (r, _) = run(wat, ctx);
    // EBADF (8) * 1000 + 2 args * 100 + "prog\0ab\0" (8 bytes).
    assert_eq!(r.unwrap(), 8 * 1000 + 2 * 100 + 8);
}
