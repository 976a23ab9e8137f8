//! Modules: compiling, validating, reflecting, serializing (AOT files) and sharing between
//! threads.

use crate::error::set_last;
use crate::object::{wasm_ref_t, Item};
use crate::store::wasm_store_t;
use crate::types::{wasm_exporttype_t, wasm_importtype_t};
use crate::vec::{wasm_byte_vec_t, wasm_exporttype_vec_t, wasm_importtype_vec_t, Vector};
use std::ptr;
use wedge::Module;

/// A module that may be sent to another thread and obtained into a store there.
pub struct wasm_shared_module_t {
    module: Module,
}

/// The module of a module handle.
pub(crate) unsafe fn module_of<'a>(p: *const wasm_ref_t) -> Option<&'a Module> {
    match &p.as_ref()?.item {
        Item::Module(m) => Some(m),
        _ => None,
    }
}

/// A module handle, or null (with the reason as the last error).
pub(crate) fn module_handle(r: Result<Module, wedge::Error>) -> *mut wasm_ref_t {
    match r {
        Ok(m) => wasm_ref_t::unstored(Item::Module(m)).boxed(),
        Err(e) => {
            set_last(e.to_string());
            ptr::null_mut()
        }
    }
}

/// Compiles a module (binary, or text format) for the store's engine; null if invalid
/// (`wedge_last_error_message` says why).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_new(
    store: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> *mut wasm_ref_t {
    let engine = (*store).cell.ctx().engine().clone();
    module_handle(Module::new(&engine, (*binary).as_slice()))
}

/// Whether the bytes are a valid module for the store's engine.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_validate(
    store: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> bool {
    let engine = (*store).cell.ctx().engine().clone();
    match Module::validate(&engine, (*binary).as_slice()) {
        Ok(()) => true,
        Err(e) => {
            set_last(e.to_string());
            false
        }
    }
}

/// The module's imports, in order.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_imports(
    m: *const wasm_ref_t,
    out: *mut wasm_importtype_vec_t,
) {
    let v = match module_of(m) {
        Some(m) => m
            .imports()
            .map(|i| Box::into_raw(Box::new(wasm_importtype_t::new(&i.module, &i.name, &i.ty))))
            .collect(),
        None => Vec::new(),
    };
    out.write(Vector::from_vec(v));
}

/// The module's exports, in order.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_exports(
    m: *const wasm_ref_t,
    out: *mut wasm_exporttype_vec_t,
) {
    let v = match module_of(m) {
        Some(m) => m
            .exports()
            .map(|(name, ty)| Box::into_raw(Box::new(wasm_exporttype_t::new(name, &ty))))
            .collect(),
        None => Vec::new(),
    };
    out.write(Vector::from_vec(v));
}

/// Serializes the module as a Wedge AOT file: the module plus native code for this CPU,
/// signed with the engine's key (a plain copy of the module if this build cannot compile).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_serialize(m: *const wasm_ref_t, out: *mut wasm_byte_vec_t) {
    let bytes = match module_of(m) {
        Some(m) => match m.serialize_native() {
            Ok(b) => b,
            Err(e) => {
                set_last(e.to_string());
                m.binary().to_vec()
            }
        },
        None => Vec::new(),
    };
    out.write(Vector::from_vec(bytes));
}

/// Loads a module serialized by `wasm_module_serialize` (its native code is used when its
/// signature checks out with the engine's key; otherwise it is compiled again).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_deserialize(
    store: *mut wasm_store_t,
    bytes: *const wasm_byte_vec_t,
) -> *mut wasm_ref_t {
    wasm_module_new(store, bytes)
}

/// Makes a shareable copy of a module handle for another thread.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_share(m: *const wasm_ref_t) -> *mut wasm_shared_module_t {
    match module_of(m) {
        Some(m) => Box::into_raw(Box::new(wasm_shared_module_t { module: m.clone() })),
        None => ptr::null_mut(),
    }
}

/// A module handle for this thread's store from a shared module.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_obtain(
    store: *mut wasm_store_t,
    shared: *const wasm_shared_module_t,
) -> *mut wasm_ref_t {
    let engine = (*store).cell.ctx().engine().clone();
    let module = &(*shared).module;
    if !wedge::Engine::same(&engine, module.engine()) {
        set_last("the shared module belongs to another engine");
        return ptr::null_mut();
    }
    wasm_ref_t::unstored(Item::Module(module.clone())).boxed()
}

/// Deletes a shared module.
#[no_mangle]
pub unsafe extern "C" fn wasm_shared_module_delete(p: *mut wasm_shared_module_t) {
    crate::types::delete(p)
}
