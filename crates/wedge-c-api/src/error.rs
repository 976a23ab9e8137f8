//! Error messages for C: `wedge_error_t` values and the per-thread last error that explains
//! a null returned by a `wasm.h` function.

use crate::vec::{self, wasm_byte_vec_t};
use std::cell::RefCell;

thread_local! {
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records why the last call on this thread failed.
pub(crate) fn set_last(message: impl Into<String>) {
    let message = message.into();
    LAST.with(|l| *l.borrow_mut() = Some(message));
}

/// An error: a message (owned by whoever received it).
pub struct wedge_error_t {
    pub(crate) message: String,
}

impl wedge_error_t {
    /// A boxed error for C, also recorded as this thread's last error.
    pub(crate) fn boxed(message: impl Into<String>) -> *mut wedge_error_t {
        let message = message.into();
        set_last(message.clone());
        Box::into_raw(Box::new(wedge_error_t { message }))
    }
}

/// Null on success, else an owned error.
pub(crate) fn result<T, E: std::fmt::Display>(
    r: Result<T, E>,
    ok: impl FnOnce(T),
) -> *mut wedge_error_t {
    match r {
        Ok(v) => {
            ok(v);
            std::ptr::null_mut()
        }
        Err(e) => wedge_error_t::boxed(e.to_string()),
    }
}

/// Copies an error's message (NUL-terminated) into `out`.
#[no_mangle]
pub unsafe extern "C" fn wedge_error_message(e: *const wedge_error_t, out: *mut wasm_byte_vec_t) {
    out.write(vec::message(&(*e).message));
}

/// Deletes an error.
#[no_mangle]
pub unsafe extern "C" fn wedge_error_delete(e: *mut wedge_error_t) {
    crate::types::delete(e)
}

/// Copies the message of the last failure on this thread (NUL-terminated) into `out`;
/// returns false (and an empty vector) if nothing failed yet.
#[no_mangle]
pub unsafe extern "C" fn wedge_last_error_message(out: *mut wasm_byte_vec_t) -> bool {
    LAST.with(|l| match &*l.borrow() {
        Some(m) => {
            out.write(vec::message(m));
            true
        }
        None => {
            out.write(vec::Vector::empty());
            false
        }
    })
}
