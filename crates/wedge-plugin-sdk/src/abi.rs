//! The plugin ABI's C types, mirroring `include/wedge_plugin.h` field for field.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_void};

/// The ABI version these types describe (`WEDGE_PLUGIN_ABI_VERSION`).
pub const ABI_VERSION: u32 = 2;

/// The symbol every plugin exports (`WEDGE_PLUGIN_DESCRIPTOR_SYMBOL`).
pub const DESCRIPTOR_SYMBOL: &str = "wedge_plugin_get_descriptor";

/// Value kind `i32`.
pub const KIND_I32: u8 = 0;
/// Value kind `i64`.
pub const KIND_I64: u8 = 1;
/// Value kind `f32`.
pub const KIND_F32: u8 = 2;
/// Value kind `f64`.
pub const KIND_F64: u8 = 3;

/// The payload of a [`wedge_val`].
#[repr(C)]
#[derive(Clone, Copy)]
pub union wedge_val_of {
    /// An i32.
    pub i32: i32,
    /// An i64.
    pub i64: i64,
    /// An f32.
    pub f32: f32,
    /// An f64.
    pub f64: f64,
}

/// One wasm value: `kind` says which member of `of` holds it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wedge_val {
    /// One of the `KIND_*` constants.
    pub kind: u8,
    /// The value.
    pub of: wedge_val_of,
}

/// The caller of a host function, valid only during the callback.
#[repr(C)]
pub struct wedge_plugin_caller {
    /// Host-private.
    pub host: *mut c_void,
    /// The calling instance's exported `"memory"`: its base, with the length stored to `len`.
    pub memory: unsafe extern "C" fn(caller: *mut wedge_plugin_caller, len: *mut usize) -> *mut u8,
    /// The calling store: unique among the process's stores, never reused (ABI >= 2).
    pub store: u64,
}

/// A host function's implementation: null on success, or a message to trap with.
pub type wedge_plugin_callback = unsafe extern "C" fn(
    env: *mut c_void,
    caller: *mut wedge_plugin_caller,
    args: *const wedge_val,
    results: *mut wedge_val,
) -> *const c_char;

/// One host function.
#[repr(C)]
pub struct wedge_plugin_function {
    /// The function's name (NUL-terminated).
    pub name: *const c_char,
    /// Parameter kinds.
    pub params: *const u8,
    /// Number of parameters.
    pub param_count: u32,
    /// Result kinds.
    pub results: *const u8,
    /// Number of results.
    pub result_count: u32,
    /// The implementation.
    pub callback: Option<wedge_plugin_callback>,
    /// Passed to the callback as `env`.
    pub env: *mut c_void,
}

/// One host module.
#[repr(C)]
pub struct wedge_plugin_module {
    /// The import module name (NUL-terminated).
    pub name: *const c_char,
    /// Its functions.
    pub functions: *const wedge_plugin_function,
    /// Number of functions.
    pub function_count: u32,
}

/// What a plugin provides.
#[repr(C)]
pub struct wedge_plugin_descriptor {
    /// The ABI version the plugin was built for.
    pub abi_version: u32,
    /// The plugin's name (NUL-terminated).
    pub name: *const c_char,
    /// The plugin's version (NUL-terminated).
    pub version: *const c_char,
    /// Its host modules.
    pub modules: *const wedge_plugin_module,
    /// Number of modules.
    pub module_count: u32,
    /// ABI >= 2, optional: called once when a store that called the plugin is dropped.
    pub store_dropped: Option<unsafe extern "C" fn(store: u64)>,
}

/// The type of the exported descriptor function.
pub type wedge_plugin_get_descriptor_fn = unsafe extern "C" fn() -> *const wedge_plugin_descriptor;
