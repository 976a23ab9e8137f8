//! WASI preview1 for `wasm.h` objects (`include/wasi.h`): a configuration, given to a store,
//! and the WASI functions a module imports, made in that store.

use crate::error::set_last;
use crate::module::module_of;
use crate::object::{wasm_ref_t, Item};
use crate::store::{wasm_store_t, StoreCell, StoreData};
use crate::trap::trap_of;
use crate::types::wasm_importtype_t;
use crate::vec::{wasm_byte_vec_t, wasm_extern_vec_t, Vector};
use std::ffi::{c_char, CStr};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::ptr;
use std::rc::Rc;
use std::sync::OnceLock;
use wedge::{Extern, Linker};
use wedge_wasi::{DirAccess, WasiCtxBuilder};

/// Where a standard stream of the guest goes.
#[derive(Default)]
enum Stdio {
    /// Nowhere (reads see end of file, writes are dropped).
    #[default]
    Null,
    /// This process's own stream.
    Inherit,
    /// A host file (opened when the configuration is given to a store).
    File(String),
    /// Bytes to read (stdin only).
    Bytes(Vec<u8>),
    /// A temporary file the embedder reads after the run.
    Capture,
}

/// A WASI configuration (`wasi_config_t`).
#[derive(Default)]
pub struct wasi_config_t {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdio: [Stdio; 3],
    dirs: Vec<(String, String, DirAccess)>,
}

/// Read permission of `wasi_config_preopen_dir`'s permission masks.
const PERM_READ: usize = 1;
/// Write permission.
const PERM_WRITE: usize = 2;

unsafe fn text(s: *const c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    Some(CStr::from_ptr(s).to_string_lossy().into_owned())
}

unsafe fn texts(n: usize, p: *const *const c_char) -> Option<Vec<String>> {
    if n == 0 {
        return Some(Vec::new());
    }
    if p.is_null() {
        return None;
    }
    std::slice::from_raw_parts(p, n)
        .iter()
        .map(|&s| text(s))
        .collect()
}

/// Makes an empty configuration: no arguments or environment, null stdio, no directories.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_new() -> *mut wasi_config_t {
    Box::into_raw(Box::default())
}

/// Deletes a configuration not given to a store.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_delete(c: *mut wasi_config_t) {
    crate::types::delete(c)
}

/// Sets the arguments (the first is the program name); false if one is null.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_argv(
    c: *mut wasi_config_t,
    argc: usize,
    argv: *const *const c_char,
) -> bool {
    match texts(argc, argv) {
        Some(args) => {
            (*c).args = args;
            true
        }
        None => false,
    }
}

/// Passes this process's arguments.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_argv(c: *mut wasi_config_t) {
    (*c).args = std::env::args().collect();
}

/// Sets the environment from parallel arrays of names and values; false if one is null.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_env(
    c: *mut wasi_config_t,
    envc: usize,
    names: *const *const c_char,
    values: *const *const c_char,
) -> bool {
    match (texts(envc, names), texts(envc, values)) {
        (Some(n), Some(v)) => {
            (*c).env = n.into_iter().zip(v).collect();
            true
        }
        _ => false,
    }
}

/// Passes this process's environment.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_env(c: *mut wasi_config_t) {
    (*c).env = std::env::vars().collect();
}

/// Reads the guest's stdin from a host file.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdin_file(
    c: *mut wasi_config_t,
    path: *const c_char,
) -> bool {
    set_stdio(c, 0, path)
}

/// Gives the guest these bytes as stdin (taking ownership of the vector).
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdin_bytes(
    c: *mut wasi_config_t,
    bytes: *mut wasm_byte_vec_t,
) {
    (*c).stdio[0] = Stdio::Bytes((*bytes).take());
}

/// Gives the guest this process's stdin.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_stdin(c: *mut wasi_config_t) {
    (*c).stdio[0] = Stdio::Inherit;
}

/// Writes the guest's stdout to a host file (created or truncated).
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdout_file(
    c: *mut wasi_config_t,
    path: *const c_char,
) -> bool {
    set_stdio(c, 1, path)
}

/// Gives the guest this process's stdout.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_stdout(c: *mut wasi_config_t) {
    (*c).stdio[1] = Stdio::Inherit;
}

/// Captures the guest's stdout for `wasi_store_captured_stdout`.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_capture_stdout(c: *mut wasi_config_t) {
    (*c).stdio[1] = Stdio::Capture;
}

/// Writes the guest's stderr to a host file (created or truncated).
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stderr_file(
    c: *mut wasi_config_t,
    path: *const c_char,
) -> bool {
    set_stdio(c, 2, path)
}

/// Gives the guest this process's stderr.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_stderr(c: *mut wasi_config_t) {
    (*c).stdio[2] = Stdio::Inherit;
}

/// Captures the guest's stderr for `wasi_store_captured_stderr`.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_capture_stderr(c: *mut wasi_config_t) {
    (*c).stdio[2] = Stdio::Capture;
}

unsafe fn set_stdio(c: *mut wasi_config_t, which: usize, path: *const c_char) -> bool {
    match text(path) {
        Some(p) => {
            (*c).stdio[which] = Stdio::File(p);
            true
        }
        None => false,
    }
}

/// Gives the guest the host directory `host_path` under the name `guest_path`. Without
/// `WASI_DIR_PERMS_WRITE` in `dir_perms` and `WASI_FILE_PERMS_WRITE` in `file_perms` the guest
/// can change nothing beneath it. The directory is opened when the configuration is given
/// to a store; false if a path is null.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_preopen_dir(
    c: *mut wasi_config_t,
    host_path: *const c_char,
    guest_path: *const c_char,
    dir_perms: usize,
    file_perms: usize,
) -> bool {
    let (Some(host), Some(guest)) = (text(host_path), text(guest_path)) else {
        return false;
    };
    if dir_perms & PERM_READ == 0 && file_perms & PERM_READ == 0 {
        set_last("a preopened directory needs read permission");
        return false;
    }
    let access = if dir_perms & PERM_WRITE != 0 && file_perms & PERM_WRITE != 0 {
        DirAccess::ReadWrite
    } else {
        DirAccess::ReadOnly
    };
    (*c).dirs.push((host, guest, access));
    true
}

/// An anonymous in-memory file.
fn memfd(name: &str) -> std::io::Result<File> {
    let name = std::ffi::CString::new(name).expect("no NUL in the name");
    // SAFETY: memfd_create with a valid name; the result is a new descriptor we own.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just created and is owned by nobody else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Builds the WASI context of a configuration; returns it and the capture files.
fn build(c: wasi_config_t) -> Result<(wedge_wasi::WasiCtx, [Option<File>; 2]), String> {
    let mut b = WasiCtxBuilder::new().args(c.args);
    for (k, v) in c.env {
        b = b.env(k, v);
    }
    let mut captured = [None, None];
    for (i, s) in c.stdio.into_iter().enumerate() {
        let fd: Option<OwnedFd> = match s {
            Stdio::Null => None,
            Stdio::Inherit => {
                // SAFETY: duplicating one of this process's standard descriptors.
                let fd = unsafe { libc::dup(i as i32) };
                if fd < 0 {
                    return Err(format!("cannot duplicate descriptor {i}"));
                }
                // SAFETY: `fd` is a new descriptor we own.
                Some(unsafe { OwnedFd::from_raw_fd(fd) })
            }
            Stdio::File(path) => {
                let f = if i == 0 {
                    File::open(&path)
                } else {
                    File::create(&path)
                };
                Some(f.map_err(|e| format!("cannot open {path}: {e}"))?.into())
            }
            Stdio::Bytes(bytes) => {
                let mut f = memfd("wasi-stdin").map_err(|e| e.to_string())?;
                f.write_all(&bytes).map_err(|e| e.to_string())?;
                f.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
                Some(f.into())
            }
            Stdio::Capture => {
                let f = memfd("wasi-capture").map_err(|e| e.to_string())?;
                let guest = f.try_clone().map_err(|e| e.to_string())?;
                captured[i - 1] = Some(f);
                Some(guest.into())
            }
        };
        if let Some(fd) = fd {
            b = match i {
                0 => b.stdin(fd),
                1 => b.stdout(fd),
                _ => b.stderr(fd),
            };
        }
    }
    for (host, guest, access) in c.dirs {
        b = b.preopened_dir(host, guest, access);
    }
    let ctx = b.build().map_err(|e| e.to_string())?;
    Ok((ctx, captured))
}

/// Gives the store's guests this WASI configuration (taking ownership of it); false if a
/// file or directory could not be opened (`wedge_last_error_message` says which).
#[no_mangle]
pub unsafe extern "C" fn wasi_store_set_config(
    store: *mut wasm_store_t,
    c: *mut wasi_config_t,
) -> bool {
    if c.is_null() {
        return false;
    }
    let config = *Box::from_raw(c);
    match build(config) {
        Ok((ctx, captured)) => {
            let data = (*store).cell.ctx().data_mut();
            data.wasi = ctx;
            data.captured = captured;
            true
        }
        Err(e) => {
            set_last(e);
            false
        }
    }
}

/// The WASI preview1 functions, shared by every store.
fn wasi_linker() -> &'static Linker<StoreData> {
    static LINKER: OnceLock<Linker<StoreData>> = OnceLock::new();
    LINKER.get_or_init(|| {
        let mut linker = Linker::new(&wedge::Engine::default());
        wedge_wasi::add_to_linker(&mut linker, |d: &mut StoreData| &mut d.wasi)
            .expect("the WASI functions have distinct names");
        linker
    })
}

/// The WASI function `name` made in the store (once per store).
fn wasi_func(cell: &Rc<StoreCell>, module: &str, name: &str) -> Option<wedge::Func> {
    if module != wedge_wasi::MODULE {
        return None;
    }
    // SAFETY: one use of the store within this lookup.
    let store = unsafe { cell.ctx() };
    if let Some(f) = store.data().wasi_funcs.get(name) {
        return Some(*f);
    }
    let Some(Extern::Func(f)) = wasi_linker().get(&mut *store, module, name) else {
        return None;
    };
    store.data_mut().wasi_funcs.insert(name.to_string(), f);
    Some(f)
}

/// The WASI function an import names, made in the store; null if the import is not one of
/// `wasi_snapshot_preview1`.
#[no_mangle]
pub unsafe extern "C" fn wasi_store_bind_import(
    store: *mut wasm_store_t,
    import: *const wasm_importtype_t,
) -> *mut wasm_ref_t {
    let cell = &(*store).cell;
    let (module, name) = (*import).names();
    match wasi_func(cell, &module, &name) {
        Some(f) => wasm_ref_t::new(cell, Item::Func(f)).boxed(),
        None => {
            set_last(format!(
                "`{module}::{name}` is not a WASI preview1 function"
            ));
            ptr::null_mut()
        }
    }
}

/// The imports of a module that imports only WASI, ready for `wasm_instance_new`; false
/// (and an empty vector) if it imports anything else.
#[no_mangle]
pub unsafe extern "C" fn wasi_store_imports(
    store: *mut wasm_store_t,
    module: *const wasm_ref_t,
    out: *mut wasm_extern_vec_t,
) -> bool {
    out.write(Vector::empty());
    let cell = &(*store).cell;
    let Some(m) = module_of(module) else {
        return false;
    };
    let mut v = Vec::new();
    for import in m.imports() {
        match wasi_func(cell, &import.module, &import.name) {
            Some(f) => v.push(wasm_ref_t::new(cell, Item::Func(f)).boxed()),
            None => {
                crate::vec::delete_boxes(v);
                set_last(format!(
                    "`{}::{}` is not a WASI preview1 function",
                    import.module, import.name
                ));
                return false;
            }
        }
    }
    out.write(Vector::from_vec(v));
    true
}

/// Whether the trap is a WASI `proc_exit`; if so its status is stored in `status`.
#[no_mangle]
pub unsafe extern "C" fn wasi_trap_exit_status(t: *const wasm_ref_t, status: *mut i32) -> bool {
    match trap_of(t).and_then(|t| t.exit_code()) {
        Some(code) => {
            if !status.is_null() {
                *status = code;
            }
            true
        }
        None => false,
    }
}

fn captured(store: *mut wasm_store_t, which: usize, out: *mut wasm_byte_vec_t) {
    // SAFETY: the header's contract: a valid store and output vector.
    unsafe {
        let data = (*store).cell.ctx().data_mut();
        let mut bytes = Vec::new();
        if let Some(f) = &mut data.captured[which] {
            if f.seek(SeekFrom::Start(0)).is_ok() {
                let _ = f.read_to_end(&mut bytes);
            }
        }
        out.write(Vector::from_vec(bytes));
    }
}

/// Everything the store's guests wrote to a captured stdout so far.
#[no_mangle]
pub unsafe extern "C" fn wasi_store_captured_stdout(
    store: *mut wasm_store_t,
    out: *mut wasm_byte_vec_t,
) {
    captured(store, 0, out)
}

/// Everything the store's guests wrote to a captured stderr so far.
#[no_mangle]
pub unsafe extern "C" fn wasi_store_captured_stderr(
    store: *mut wasm_store_t,
    out: *mut wasm_byte_vec_t,
) {
    captured(store, 1, out)
}
