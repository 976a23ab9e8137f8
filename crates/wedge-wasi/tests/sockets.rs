//! WasmEdge's socket extension through the embedding API: the C guest's ABI probe against
//! real loopback sockets, the network policy of `WasiCtxBuilder` (nothing by default), and
//! `wasi_unstable`'s layouts.

use std::io::{Read, Seek};
use std::net::TcpListener;
use std::path::PathBuf;
use wedge::{Engine, Linker, Module, Store, Trap, Val};
use wedge_wasi::{add_to_linker, NetRule, WasiCtx, WasiCtxBuilder};

fn guest(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../tests/guests/bin/{name}.wasm"))
}

/// Runs a guest command with `args`, its context made by `build` (stdout captured); returns
/// the exit code and what it printed.
fn run(
    name: &str,
    args: &[&str],
    build: impl FnOnce(WasiCtxBuilder) -> WasiCtxBuilder,
) -> (i32, String) {
    let mut out = tempfile::tempfile().unwrap();
    let ctx = build(
        WasiCtxBuilder::new()
            .arg(name)
            .args(args.iter().copied())
            .stdout(out.try_clone().unwrap())
            .stderr(rustix::io::dup(rustix::stdio::stderr()).unwrap()),
    )
    .build()
    .unwrap();
    let engine = Engine::default();
    let module = Module::from_file(&engine, guest(name)).unwrap();
    let mut linker = Linker::new(&engine);
    add_to_linker(&mut linker, |c: &mut WasiCtx| c).unwrap();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance.get_func(&store, "_start").unwrap();
    let code = match start.call(&mut store, &[], &mut []) {
        Ok(()) => 0,
        Err(e) => e
            .as_trap()
            .and_then(Trap::exit_code)
            .unwrap_or_else(|| panic!("{name} trapped: {e}")),
    };
    drop(store);
    let mut text = String::new();
    out.rewind().unwrap();
    out.read_to_string(&mut text).unwrap();
    (code, text)
}

#[test]
fn abi_probe_passes_against_real_sockets() {
    let (code, out) = run("c-sockets", &["probe"], |b| b.inherit_network());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("tcp: ok\n") && out.contains("udp: ok\n") && out.contains("dns: ok\n"));
    assert!(out.ends_with("probe: ok\n"), "{out}");
}

#[test]
fn a_context_has_no_network_unless_given() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    for call in ["connect", "bind", "sendto"] {
        let (code, out) = run("c-sockets", &[call, "127.0.0.1", &port], |b| b);
        assert_eq!((code, out.as_str()), (0, "errno 2\n"), "{call}");
    }
    let (_, out) = run("c-sockets", &["dns", "localhost"], |b| b);
    assert_eq!(out, "errno 2\n");
    // Nothing reached the listener.
    listener.set_nonblocking(true).unwrap();
    let err = listener.accept().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
}

#[test]
fn allowed_networks_only() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    let other_port = other.local_addr().unwrap().port();
    let rule = || {
        NetRule::parse(&format!("127.0.0.1:{port}"))
            .unwrap()
            .remove(0)
    };
    let (_, out) = run(
        "c-sockets",
        &["connect", "127.0.0.1", &port.to_string()],
        |b| b.allow_net(rule()),
    );
    assert_eq!(out, "errno 0\n");
    listener.accept().unwrap();
    let (_, out) = run(
        "c-sockets",
        &["connect", "127.0.0.1", &other_port.to_string()],
        |b| b.allow_net(rule()),
    );
    assert_eq!(out, "errno 2\n");
    other.set_nonblocking(true).unwrap();
    assert_eq!(
        other.accept().unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
    // Sending a datagram elsewhere and binding elsewhere are refused too; name resolution
    // stays off until allowed.
    let (_, out) = run(
        "c-sockets",
        &["sendto", "127.0.0.2", &port.to_string()],
        |b| b.allow_net(rule()),
    );
    assert_eq!(out, "errno 2\n");
    let (_, out) = run("c-sockets", &["bind", "127.0.0.1", "1"], |b| {
        b.allow_net(rule())
    });
    assert_eq!(out, "errno 2\n");
    let (_, out) = run("c-sockets", &["dns", "localhost"], |b| b.allow_net(rule()));
    assert_eq!(out, "errno 2\n");
    let (_, out) = run("c-sockets", &["dns", "localhost"], |b| {
        b.allow_net(rule()).allow_ip_name_lookup(true)
    });
    assert_eq!(out, "errno 0\n127.0.0.1\n");
}

/// `wasi_unstable`: whence numbering, the 56-byte filestat with a u32 link count, and clock
/// subscriptions with an identifier before the clock id.
#[test]
fn wasi_unstable_layouts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), b"hello").unwrap();
    let wat = r#"(module
      (import "wasi_unstable" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_unstable" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
      (import "wasi_unstable" "fd_filestat_get" (func $fstat (param i32 i32) (result i32)))
      (import "wasi_unstable" "path_filestat_get"
        (func $pstat (param i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_unstable" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "f")
      (func (export "open") (result i32)
        (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0)
          (i64.const 0x3fffffbf) (i64.const 0) (i32.const 0) (i32.const 8)))
      (func (export "seek") (param i64 i32) (result i32)
        (call $seek (i32.load (i32.const 8)) (local.get 0) (local.get 1) (i32.const 64)))
      (func (export "fstat") (result i32) (call $fstat (i32.load (i32.const 8)) (i32.const 128)))
      (func (export "pstat") (result i32)
        (call $pstat (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 256)))
      (func (export "poll") (result i32)
        (call $poll (i32.const 512) (i32.const 1024) (i32.const 1) (i32.const 1100))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker = Linker::new(&engine);
    add_to_linker(&mut linker, |c: &mut WasiCtx| c).unwrap();
    let ctx = WasiCtxBuilder::new()
        .preopened_dir(dir.path(), "/d", wedge_wasi::DirAccess::ReadWrite)
        .build()
        .unwrap();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let memory = instance.get_memory(&store, "memory").unwrap();
    let call = |store: &mut Store<WasiCtx>, name: &str, args: &[Val]| -> i32 {
        let f = instance.get_func(&*store, name).unwrap();
        let mut out = [Val::I32(-1)];
        f.call(store, args, &mut out).unwrap();
        match out[0] {
            Val::I32(v) => v,
            _ => unreachable!(),
        }
    };
    let u64_at = |store: &Store<WasiCtx>, at: usize| {
        let mut b = [0u8; 8];
        memory.read(store, at, &mut b).unwrap();
        u64::from_le_bytes(b)
    };
    assert_eq!(call(&mut store, "open", &[]), 0);
    // whence: CUR=0, END=1, SET=2.
    let seek = |store: &mut Store<WasiCtx>, off: i64, whence: i32| {
        assert_eq!(call(store, "seek", &[Val::I64(off), Val::I32(whence)]), 0);
        u64_at(store, 64)
    };
    assert_eq!(seek(&mut store, 1, 2), 1);
    assert_eq!(seek(&mut store, 1, 0), 2);
    assert_eq!(seek(&mut store, -1, 1), 4);
    assert_eq!(call(&mut store, "seek", &[Val::I64(0), Val::I32(3)]), 28);
    // filestat: filetype at 16, u32 nlink at 20, size at 24.
    for (name, at) in [("fstat", 128), ("pstat", 256)] {
        assert_eq!(call(&mut store, name, &[]), 0);
        let mut rec = [0u8; 56];
        memory.read(&store, at, &mut rec).unwrap();
        assert_eq!(rec[16], 4, "{name}: regular file");
        assert_eq!(
            u32::from_le_bytes(rec[20..24].try_into().unwrap()),
            1,
            "{name}"
        );
        assert_eq!(
            u64::from_le_bytes(rec[24..32].try_into().unwrap()),
            5,
            "{name}"
        );
    }
    // A clock subscription: userdata, tag 0, identifier (at 16: an invalid clock id if it
    // were read as preview1's), clock id 1 at 24, timeout 1 ms at 32, flags at 48.
    let mut sub = [0u8; 56];
    sub[0..8].copy_from_slice(&0x1234u64.to_le_bytes());
    sub[16..24].copy_from_slice(&99u64.to_le_bytes());
    sub[24..28].copy_from_slice(&1u32.to_le_bytes());
    sub[32..40].copy_from_slice(&1_000_000u64.to_le_bytes());
    memory.write(&mut store, 512, &sub).unwrap();
    assert_eq!(call(&mut store, "poll", &[]), 0);
    let mut ev = [0u8; 32];
    memory.read(&store, 1024, &mut ev).unwrap();
    assert_eq!(u64::from_le_bytes(ev[0..8].try_into().unwrap()), 0x1234);
    assert_eq!(u16::from_le_bytes([ev[8], ev[9]]), 0, "no error");
    assert_eq!(ev[10], 0, "a clock event");
}
