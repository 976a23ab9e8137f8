//! Traps and their frames.

use crate::object::{wasm_ref_t, Item};
use crate::store::{wasm_store_t, StoreCell};
use crate::vec::{self, wasm_byte_vec_t, wasm_frame_vec_t, Vector};
use std::ptr;
use std::rc::Rc;
use wedge::{FrameInfo, Trap};

/// What a trap handle carries.
pub(crate) struct TrapData {
    pub trap: Trap,
}

/// One frame of a trap's backtrace.
#[derive(Clone)]
pub struct wasm_frame_t {
    pub(crate) info: FrameInfo,
    instance: Option<Box<wasm_ref_t>>,
}

impl wasm_frame_t {
    fn new(cell: Option<&Rc<StoreCell>>, info: &FrameInfo) -> wasm_frame_t {
        let instance = match (cell, info.instance) {
            (Some(cell), Some(i)) => Some(Box::new(wasm_ref_t::new(cell, Item::Instance(i)))),
            _ => None,
        };
        wasm_frame_t {
            info: info.clone(),
            instance,
        }
    }
}

/// A trap handle for a Wedge trap.
pub(crate) fn trap_handle(cell: Option<&Rc<StoreCell>>, trap: Trap) -> *mut wasm_ref_t {
    let item = Item::Trap(Rc::new(TrapData { trap }));
    match cell {
        Some(c) => wasm_ref_t::new(c, item),
        None => wasm_ref_t::unstored(item),
    }
    .boxed()
}

/// A trap handle for an error (a trap keeps its kind and frames; others become messages).
pub(crate) fn error_handle(cell: Option<&Rc<StoreCell>>, e: wedge::Error) -> *mut wasm_ref_t {
    let trap = match e {
        wedge::Error::Trap(t) => t,
        other => Trap::host(other.to_string()),
    };
    crate::error::set_last(trap.to_string());
    trap_handle(cell, trap)
}

/// The Wedge trap of a trap handle.
pub(crate) unsafe fn trap_of<'a>(p: *const wasm_ref_t) -> Option<&'a Trap> {
    match &p.as_ref()?.item {
        Item::Trap(d) => Some(&d.trap),
        _ => None,
    }
}

/// Makes a trap with a message (`NUL`-terminated, as `wasm_message_t` is).
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_new(
    store: *mut wasm_store_t,
    message: *const wasm_byte_vec_t,
) -> *mut wasm_ref_t {
    let text = message.as_ref().map(vec::text).unwrap_or_default();
    trap_handle(store.as_ref().map(|s| &s.cell), Trap::host(text))
}

/// Copies the trap's message (`NUL`-terminated) into `out`.
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_message(t: *const wasm_ref_t, out: *mut wasm_byte_vec_t) {
    let text = trap_of(t).map_or("", |t| t.message());
    out.write(vec::message(text));
}

/// The innermost frame of the trap, or null if it has no wasm frames.
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_origin(t: *const wasm_ref_t) -> *mut wasm_frame_t {
    let Some(trap) = trap_of(t) else {
        return ptr::null_mut();
    };
    match trap.backtrace().first() {
        Some(info) => Box::into_raw(Box::new(wasm_frame_t::new((*t).store.as_ref(), info))),
        None => ptr::null_mut(),
    }
}

/// The trap's wasm frames, innermost first.
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_trace(t: *const wasm_ref_t, out: *mut wasm_frame_vec_t) {
    let frames = match trap_of(t) {
        Some(trap) => trap
            .backtrace()
            .iter()
            .map(|info| Box::into_raw(Box::new(wasm_frame_t::new((*t).store.as_ref(), info))))
            .collect(),
        None => Vec::new(),
    };
    out.write(Vector::from_vec(frames));
}

/// Deletes a frame.
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_delete(f: *mut wasm_frame_t) {
    crate::types::delete(f)
}

/// Copies a frame.
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_copy(f: *const wasm_frame_t) -> *mut wasm_frame_t {
    crate::types::copy(f)
}

/// The instance the frame's function belongs to (borrowed from the frame; null if unknown).
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_instance(f: *const wasm_frame_t) -> *mut wasm_ref_t {
    match &(*f).instance {
        Some(i) => &**i as *const wasm_ref_t as *mut wasm_ref_t,
        None => ptr::null_mut(),
    }
}

/// The index of the frame's function in its module.
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_func_index(f: *const wasm_frame_t) -> u32 {
    (*f).info.func_index
}

/// The byte offset of the frame's instruction from the start of its function's body.
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_func_offset(f: *const wasm_frame_t) -> usize {
    (*f).info.func_offset.unwrap_or(0)
}

/// The byte offset of the frame's instruction in the module binary.
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_module_offset(f: *const wasm_frame_t) -> usize {
    (*f).info.module_offset.unwrap_or(0)
}
