//! Every preview1 function called thousands of times with hostile argument values (edge
//! integers, pointers at and past the end of memory, huge counts): each call must return an
//! errno or end the guest with a trap, never panic or hang the host.

use wedge::{Engine, Linker, Module, Store, Val};
use wedge_wasi::{add_to_linker, DirAccess, WasiCtxBuilder};

/// (name, parameter types) of every function; all return an i32 errno except `proc_exit`.
const FUNCS: &[(&str, &str)] = &[
    ("args_get", "ii"),
    ("args_sizes_get", "ii"),
    ("environ_get", "ii"),
    ("environ_sizes_get", "ii"),
    ("clock_res_get", "ii"),
    ("clock_time_get", "iIi"),
    ("fd_advise", "iIIi"),
    ("fd_allocate", "iII"),
    ("fd_close", "i"),
    ("fd_datasync", "i"),
    ("fd_fdstat_get", "ii"),
    ("fd_fdstat_set_flags", "ii"),
    ("fd_fdstat_set_rights", "iII"),
    ("fd_filestat_get", "ii"),
    ("fd_filestat_set_size", "iI"),
    ("fd_filestat_set_times", "iIIi"),
    ("fd_pread", "iiiIi"),
    ("fd_prestat_get", "ii"),
    ("fd_prestat_dir_name", "iii"),
    ("fd_pwrite", "iiiIi"),
    ("fd_read", "iiii"),
    ("fd_readdir", "iiiIi"),
    ("fd_renumber", "ii"),
    ("fd_seek", "iIii"),
    ("fd_sync", "i"),
    ("fd_tell", "ii"),
    ("fd_write", "iiii"),
    ("path_create_directory", "iii"),
    ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiiIIi"),
    ("path_link", "iiiiiii"),
    ("path_open", "iiiiiIIii"),
    ("path_readlink", "iiiiii"),
    ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"),
    ("path_symlink", "iiiii"),
    ("path_unlink_file", "iii"),
    ("poll_oneoff", "iiii"),
    ("proc_raise", "i"),
    ("sched_yield", ""),
    ("random_get", "ii"),
    ("sock_accept", "iii"),
    ("sock_recv", "iiiiii"),
    ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"),
    // WasmEdge's socket extension; some names twice, with both signatures.
    ("sock_open", "iii"),
    ("sock_open_v2", "iii"),
    ("sock_bind", "iii"),
    ("sock_bind_v2", "iii"),
    ("sock_connect", "iii"),
    ("sock_connect_v2", "iii"),
    ("sock_listen", "ii"),
    ("sock_listen_v2", "ii"),
    ("sock_accept", "ii"),
    ("sock_accept_v2", "iii"),
    ("sock_recv_v2", "iiiiii"),
    ("sock_recv_from", "iiiiiii"),
    ("sock_recv_from", "iiiiiiii"),
    ("sock_recv_from_v2", "iiiiiiii"),
    ("sock_send_v2", "iiiii"),
    ("sock_send_to", "iiiiiii"),
    ("sock_send_to_v2", "iiiiiii"),
    ("sock_getsockopt", "iiiii"),
    ("sock_setsockopt", "iiiii"),
    ("sock_getlocaladdr", "iiii"),
    ("sock_getlocaladdr", "iii"),
    ("sock_getlocaladdr_v2", "iii"),
    ("sock_getpeeraddr", "iiii"),
    ("sock_getpeeraddr", "iii"),
    ("sock_getpeeraddr_v2", "iii"),
    ("sock_getaddrinfo", "iiiiiiii"),
    ("epoll_oneoff", "iiii"),
    ("proc_exit", "i"),
];

/// A module that re-exports every import as `callN` (N: its index in `FUNCS`), with one page of memory whose every
/// 32-bit word is 3 (so pointers read from memory are small and timeouts are 3ns).
fn module_text() -> String {
    let mut imports = String::new();
    let mut exports = String::new();
    for (i, (name, params)) in FUNCS.iter().enumerate() {
        let ps: Vec<&str> = params
            .chars()
            .map(|c| if c == 'I' { "i64" } else { "i32" })
            .collect();
        let result = if *name == "proc_exit" {
            ""
        } else {
            "(result i32)"
        };
        imports.push_str(&format!(
            "(import \"wasi_snapshot_preview1\" \"{name}\" (func $f{i} (param {}) {result}))\n",
            ps.join(" ")
        ));
        let gets: String = (0..ps.len()).map(|k| format!("(local.get {k})")).collect();
        exports.push_str(&format!(
            "(func (export \"call{i}\") (param {}) {result} (call $f{i} {gets}))\n",
            ps.join(" ")
        ));
    }
    format!(
        "(module {imports} (memory (export \"memory\") 1 1) \
         (data (i32.const 0) \"{}\") {exports})",
        "\\03\\00\\00\\00".repeat(16384)
    )
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const I32S: &[i32] = &[
    0,
    1,
    2,
    3,
    4,
    8,
    24,
    64,
    65528,
    65535,
    65536,
    -1,
    -8,
    i32::MIN,
    i32::MAX,
    0x2000_0000,
];
const I64S: &[i64] = &[0, 1, 3, 4096, -1, i64::MIN, 1 << 20];

#[test]
fn hostile_arguments_never_panic() {
    let engine = Engine::default();
    let module = Module::new(&engine, module_text()).unwrap();
    let mut linker = Linker::new(&engine);
    add_to_linker(&mut linker, |c| c).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("sandbox");
    std::fs::create_dir(&inner).unwrap();
    std::fs::write(dir.path().join("outside.txt"), "keep").unwrap();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut outcomes = std::collections::HashMap::<(&str, String), u32>::new();
    for _round in 0..40 {
        // A fresh context now and then: closing stdio or preopens changes what later calls see.
        let ctx = WasiCtxBuilder::new()
            .args(["prog", "arg"])
            .env("K", "V")
            .preopened_dir(&inner, "/sandbox", DirAccess::ReadWrite)
            .preopened_dir(&inner, "/ro", DirAccess::ReadOnly)
            .build()
            .unwrap();
        let mut store = Store::new(&engine, ctx);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        // The context allows no network (the default): sockets cannot be made, so random
        // calls cannot block in accept or reach another host; the socket calls' argument
        // checks, which come first, are what this exercises.
        for (i, (name, params)) in FUNCS.iter().enumerate() {
            let func = instance.get_func(&store, &format!("call{i}")).unwrap();
            for _ in 0..40 {
                let args: Vec<Val> = params
                    .chars()
                    .map(|c| match c {
                        'I' => Val::I64(rng.pick(I64S)),
                        _ => Val::I32(rng.pick(I32S)),
                    })
                    .collect();
                let mut results = vec![Val::I32(0); func.ty(&store).results().len()];
                let what = match func.call(&mut store, &args, &mut results) {
                    Ok(()) => match results.first() {
                        Some(Val::I32(errno)) => {
                            assert!(
                                (0..=87).contains(errno),
                                "{name}{args:?} gave errno {errno}"
                            );
                            format!("errno {errno}")
                        }
                        _ => "returned".to_string(),
                    },
                    Err(e) => {
                        let trap = e.as_trap().unwrap_or_else(|| panic!("{name}: {e}"));
                        format!("trap {:?}", trap.kind())
                    }
                };
                *outcomes.entry((name, what)).or_default() += 1;
            }
        }
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("outside.txt")).unwrap(),
        "keep"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "nothing was created outside the sandbox: {names:?}"
    );
    // Every function was reached and answered in more than one way where it can.
    for (name, _) in FUNCS {
        assert!(outcomes.keys().any(|(n, _)| n == name), "{name} never ran");
    }
    assert!(
        outcomes
            .keys()
            .any(|(n, w)| *n == "fd_write" && w == "errno 21"),
        "EFAULT seen"
    );
    assert!(outcomes
        .keys()
        .any(|(n, w)| *n == "proc_exit" && w.starts_with("trap")));
}
