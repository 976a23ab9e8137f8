//! `libwasmedge.so.0` for crun: the 14 functions of WasmEdge's C API that crun's WasmEdge
//! handler looks up (`dlopen("libwasmedge.so.0")`, then `dlsym`), implemented on Wedge, so
//! crun (and podman on it) runs wasm containers on Wedge when this library comes first on
//! the loader path.
//!
//! crun's sequence, inside the container after pivot_root: create a configuration, add
//! proposals and the WASI host registration, create a VM, get its WASI module, initialise
//! it with the process's args, env and the preopen `/:/`, then run `_start` of the
//! entrypoint file; crun then exits 0 if the result is OK and 1 otherwise. So that the
//! container's exit code is the guest's (as under the containerd shim), a non-zero
//! `proc_exit` code, a trap (134) or a module that cannot be loaded (1) ends the process
//! here with that code; SIGTERM interrupts the guest (143).
//!
//! The ABI is WasmEdge's: `WasmEdge_String` is `{uint32_t Length; const char *Buf;}` and
//! `WasmEdge_Result` is `{uint32_t Code;}`, both passed by value; Code 0 is success and 1
//! "terminated" (a `proc_exit(0)`), both OK.

use std::ffi::{c_char, CStr};
use std::path::PathBuf;
use wedge_container::{Command, ModuleSource, Tier};

/// A WasmEdge string: length and bytes (not NUL-terminated).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct WasmEdgeString {
    /// Number of bytes.
    pub length: u32,
    /// The bytes.
    pub buf: *const c_char,
}

/// A WasmEdge result code (0 success, 1 terminated; anything else an error).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WasmEdgeResult {
    /// The code.
    pub code: u32,
}

/// `WasmEdge_Result` code for success.
const SUCCESS: WasmEdgeResult = WasmEdgeResult { code: 0 };
/// `WasmEdge_Result` code for a failure to load, validate or instantiate.
const FAILED: WasmEdgeResult = WasmEdgeResult { code: 2 };

/// A configuration: only whether WASI is registered matters here (every proposal crun asks
/// for is on in Wedge).
#[derive(Default)]
pub struct Configure {
    wasi: bool,
}

/// The WASI settings `WasmEdge_ModuleInstanceInitWASI` records for the next run.
#[derive(Default)]
pub struct WasiModule {
    args: Vec<String>,
    envs: Vec<String>,
    preopens: Vec<(String, PathBuf)>,
}

/// A VM: its WASI module (when the configuration registered WASI).
pub struct Vm {
    wasi: Option<Box<WasiModule>>,
}

/// Reads a C string array of `len` entries (NULL entries and a NULL array are skipped).
///
/// # Safety
/// `items` is NULL or points to `len` pointers, each NULL or a NUL-terminated string.
unsafe fn strings(items: *const *const c_char, len: u32) -> Vec<String> {
    if items.is_null() {
        return Vec::new();
    }
    // SAFETY: the caller promises `len` readable entries.
    let items = unsafe { std::slice::from_raw_parts(items, len as usize) };
    items
        .iter()
        .filter(|p| !p.is_null())
        // SAFETY: each non-NULL entry is a NUL-terminated string.
        .map(|&p| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        .collect()
}

/// Parses a WasmEdge preopen, `GUEST:HOST` (or `PATH` for both).
fn preopen(spec: &str) -> (String, PathBuf) {
    match spec.split_once(':') {
        Some((guest, host)) => (guest.to_string(), PathBuf::from(host)),
        None => (spec.to_string(), PathBuf::from(spec)),
    }
}

/// Creates a configuration.
#[no_mangle]
pub extern "C" fn WasmEdge_ConfigureCreate() -> *mut Configure {
    Box::into_raw(Box::default())
}

/// Deletes a configuration.
///
/// # Safety
/// `conf` is NULL or came from `WasmEdge_ConfigureCreate` and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn WasmEdge_ConfigureDelete(conf: *mut Configure) {
    if !conf.is_null() {
        // SAFETY: per the contract, we own it.
        drop(unsafe { Box::from_raw(conf) });
    }
}

/// Enables a proposal (all of crun's — bulk memory, reference types, SIMD — are always on).
#[no_mangle]
pub extern "C" fn WasmEdge_ConfigureAddProposal(_conf: *mut Configure, _proposal: u32) {}

/// Registers a host module with VMs made from this configuration; 0 is WASI (the only one).
///
/// # Safety
/// `conf` is NULL or a live configuration.
#[no_mangle]
pub unsafe extern "C" fn WasmEdge_ConfigureAddHostRegistration(conf: *mut Configure, host: u32) {
    // SAFETY: per the contract.
    if let Some(conf) = unsafe { conf.as_mut() } {
        conf.wasi |= host == 0;
    }
}

/// Creates a VM (the store argument is ignored: each run has its own).
///
/// # Safety
/// `conf` is NULL or a live configuration.
#[no_mangle]
pub unsafe extern "C" fn WasmEdge_VMCreate(conf: *const Configure, _store: *mut u8) -> *mut Vm {
    // SAFETY: per the contract.
    let wasi = unsafe { conf.as_ref() }.is_some_and(|c| c.wasi);
    Box::into_raw(Box::new(Vm {
        wasi: wasi.then(Box::default),
    }))
}

/// Deletes a VM.
///
/// # Safety
/// `vm` is NULL or came from `WasmEdge_VMCreate` and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn WasmEdge_VMDelete(vm: *mut Vm) {
    if !vm.is_null() {
        // SAFETY: per the contract, we own it.
        drop(unsafe { Box::from_raw(vm) });
    }
}

/// Registering other modules is not supported (crun looks the function up but never calls
/// it): always an error.
#[no_mangle]
pub extern "C" fn WasmEdge_VMRegisterModuleFromFile(
    _vm: *mut Vm,
    _name: WasmEdgeString,
    _path: *const c_char,
) -> WasmEdgeResult {
    FAILED
}

/// The VM's WASI module (host registration 0), or NULL.
///
/// # Safety
/// `vm` is NULL or a live VM.
#[no_mangle]
pub unsafe extern "C" fn WasmEdge_VMGetImportModuleContext(
    vm: *mut Vm,
    host: u32,
) -> *mut WasiModule {
    // SAFETY: per the contract.
    match unsafe { vm.as_mut() } {
        Some(Vm { wasi: Some(wasi) }) if host == 0 => &mut **wasi,
        _ => std::ptr::null_mut(),
    }
}

/// Sets the WASI module's argv, environment (`NAME=VALUE`) and preopens (`GUEST:HOST`).
///
/// # Safety
/// `module` is NULL or came from `WasmEdge_VMGetImportModuleContext`; each array is NULL or
/// has the given number of entries, each NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn WasmEdge_ModuleInstanceInitWASI(
    module: *mut WasiModule,
    args: *const *const c_char,
    arg_len: u32,
    envs: *const *const c_char,
    env_len: u32,
    preopens: *const *const c_char,
    preopen_len: u32,
) {
    // SAFETY: per the contract.
    let Some(module) = (unsafe { module.as_mut() }) else {
        return;
    };
    // SAFETY: per the contract.
    unsafe {
        module.args = strings(args, arg_len);
        module.envs = strings(envs, env_len);
        module.preopens = strings(preopens, preopen_len)
            .iter()
            .map(|s| preopen(s))
            .collect();
    }
}

/// Loads, validates, instantiates and runs `func` of the module at `path` with the VM's
/// WASI settings. Returns success when the guest finishes with 0; otherwise the process
/// exits with the container's code (see the crate's documentation).
///
/// # Safety
/// `vm` is NULL or a live VM; `path` is a NUL-terminated string; `func` points to `length`
/// readable bytes. Parameters and returns are not used (crun passes none).
#[no_mangle]
pub unsafe extern "C" fn WasmEdge_VMRunWasmFromFile(
    vm: *mut Vm,
    path: *const c_char,
    func: WasmEdgeString,
    _params: *const u8,
    _param_len: u32,
    _returns: *mut u8,
    _return_len: u32,
) -> WasmEdgeResult {
    if path.is_null() {
        return FAILED;
    }
    // SAFETY: per the contract.
    let path = unsafe { CStr::from_ptr(path) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: per the contract.
    let func = unsafe { string(func) };
    // SAFETY: per the contract.
    let wasi = unsafe { vm.as_ref() }.and_then(|vm| vm.wasi.as_deref());
    let (args, envs, preopens) = match wasi {
        Some(w) => (w.args.clone(), w.envs.clone(), w.preopens.clone()),
        None => (vec![path.clone()], Vec::new(), Vec::new()),
    };
    let command = Command {
        source: ModuleSource::File(PathBuf::from(&path)),
        name: path,
        func: if func.is_empty() {
            "_start".into()
        } else {
            func
        },
        tier: Tier::from_env(envs.iter().map(String::as_str)),
        args,
        envs,
        preopens,
        // Nothing precompiled runs here: every start compiles (or interprets).
        native_code_key: None,
        code_cache: None,
    };
    match command.run() {
        0 => SUCCESS,
        code => std::process::exit(code),
    }
}

/// Reads a WasmEdge string.
///
/// # Safety
/// `s.buf` is NULL or points to `s.length` readable bytes.
unsafe fn string(s: WasmEdgeString) -> String {
    if s.buf.is_null() {
        return String::new();
    }
    // SAFETY: per the contract.
    let bytes = unsafe { std::slice::from_raw_parts(s.buf.cast::<u8>(), s.length as usize) };
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whether a result is OK: success (0) or terminated (1).
#[no_mangle]
pub extern "C" fn WasmEdge_ResultOK(result: WasmEdgeResult) -> bool {
    result.code <= 1
}

/// Makes a WasmEdge string holding a copy of a C string (never freed: crun makes one).
///
/// # Safety
/// `s` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn WasmEdge_StringCreateByCString(s: *const c_char) -> WasmEdgeString {
    if s.is_null() {
        return WasmEdgeString {
            length: 0,
            buf: std::ptr::null(),
        };
    }
    // SAFETY: per the contract.
    let bytes: &'static [u8] = Box::leak(unsafe { CStr::from_ptr(s) }.to_bytes().into());
    WasmEdgeString {
        length: bytes.len() as u32,
        buf: bytes.as_ptr().cast(),
    }
}

/// Plugins are not supported: a no-op (crun calls it when `WASMEDGE_PLUGIN_PATH` is set).
#[no_mangle]
pub extern "C" fn WasmEdge_PluginLoadFromPath(_path: *const c_char) {}

/// WASI-NN preloading is not supported: a no-op (crun calls it when
/// `WASMEDGE_WASINN_PRELOAD` is set).
#[no_mangle]
pub extern "C" fn WasmEdge_PluginInitWASINN(_preloads: *const *const c_char, _len: u32) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preopens_parse_like_wasmedge() {
        assert_eq!(preopen("/:/"), ("/".to_string(), PathBuf::from("/")));
        assert_eq!(preopen(".:."), (".".to_string(), PathBuf::from(".")));
        assert_eq!(
            preopen("/data"),
            ("/data".to_string(), PathBuf::from("/data"))
        );
    }

    #[test]
    fn wasi_settings_reach_the_vm() {
        let conf = WasmEdge_ConfigureCreate();
        let args = [c"app.wasm".as_ptr(), c"x".as_ptr()];
        let envs = [c"A=1".as_ptr()];
        let dirs = [c"/:/".as_ptr()];
        // SAFETY: the pointers above live until the end of the test.
        unsafe {
            WasmEdge_ConfigureAddHostRegistration(conf, 0);
            let vm = WasmEdge_VMCreate(conf, std::ptr::null_mut());
            let wasi = WasmEdge_VMGetImportModuleContext(vm, 0);
            assert!(!wasi.is_null());
            WasmEdge_ModuleInstanceInitWASI(
                wasi,
                args.as_ptr(),
                2,
                envs.as_ptr(),
                1,
                dirs.as_ptr(),
                1,
            );
            let w = (*vm).wasi.as_deref().unwrap();
            assert_eq!(w.args, ["app.wasm", "x"]);
            assert_eq!(w.envs, ["A=1"]);
            assert_eq!(w.preopens, [("/".to_string(), PathBuf::from("/"))]);
            let s = WasmEdge_StringCreateByCString(c"_start".as_ptr());
            assert_eq!(string(s), "_start");
            WasmEdge_VMDelete(vm);
            WasmEdge_ConfigureDelete(conf);
        }
        assert!(WasmEdge_ResultOK(WasmEdgeResult { code: 1 }));
        assert!(!WasmEdge_ResultOK(FAILED));
    }
}
