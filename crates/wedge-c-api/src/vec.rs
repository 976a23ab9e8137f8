//! The `wasm_X_vec_t` vectors of `wasm.h`: owned arrays handed across the C boundary.
//!
//! An owned vector's `data` is a boxed slice (or null when empty); vectors of pointers own
//! their elements too, so deleting the vector deletes them.

use crate::types::{
    wasm_exporttype_t, wasm_externtype_t, wasm_functype_t, wasm_globaltype_t, wasm_importtype_t,
    wasm_memorytype_t, wasm_tabletype_t, wasm_tagtype_t, wasm_valtype_t,
};
use crate::{object::wasm_ref_t, trap::wasm_frame_t, val::wasm_val_t};
use std::ptr;

/// A vector as `wasm.h` lays it out: a size and a pointer to the elements.
#[repr(C)]
pub struct Vector<T> {
    /// Number of elements.
    pub size: usize,
    /// The elements (null when empty).
    pub data: *mut T,
}

impl<T> Vector<T> {
    /// An owned vector holding these elements.
    pub(crate) fn from_vec(v: Vec<T>) -> Vector<T> {
        if v.is_empty() {
            return Vector::empty();
        }
        let b = v.into_boxed_slice();
        let size = b.len();
        Vector {
            size,
            data: Box::into_raw(b) as *mut T,
        }
    }

    /// The empty vector.
    pub(crate) fn empty() -> Vector<T> {
        Vector {
            size: 0,
            data: ptr::null_mut(),
        }
    }

    /// The elements, borrowed (any vector, owned or built by the caller).
    pub(crate) fn as_slice(&self) -> &[T] {
        if self.data.is_null() || self.size == 0 {
            return &[];
        }
        // SAFETY: the header's contract: `data` points at `size` initialized elements.
        unsafe { std::slice::from_raw_parts(self.data, self.size) }
    }

    /// The elements, mutably.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        if self.data.is_null() || self.size == 0 {
            return &mut [];
        }
        // SAFETY: as in `as_slice`, and the caller handed the vector over for writing.
        unsafe { std::slice::from_raw_parts_mut(self.data, self.size) }
    }

    /// Takes the elements out of an owned vector, leaving it empty.
    pub(crate) fn take(&mut self) -> Vec<T> {
        if self.data.is_null() {
            self.size = 0;
            return Vec::new();
        }
        // SAFETY: owned vectors are only ever made by `from_vec`, so `data` is a boxed
        // slice of `size` elements.
        let b = unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(self.data, self.size)) };
        self.data = ptr::null_mut();
        self.size = 0;
        b.into_vec()
    }
}

/// How an element of a vector is copied and deleted.
pub(crate) trait Element: Sized {
    /// A deep copy.
    fn copy_of(&self) -> Self;
}

impl Element for u8 {
    fn copy_of(&self) -> Self {
        *self
    }
}

impl Element for wasm_val_t {
    fn copy_of(&self) -> Self {
        self.copied()
    }
}

/// Owned pointers to boxed objects copy by copying the object; null stays null.
impl<T: Clone> Element for *mut T {
    fn copy_of(&self) -> Self {
        if self.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: elements of a vector of objects are valid objects or null.
        Box::into_raw(Box::new(unsafe { (**self).clone() }))
    }
}

/// Deletes the boxed objects an owned vector of pointers holds.
pub(crate) fn delete_boxes<T>(v: Vec<*mut T>) {
    for p in v {
        if !p.is_null() {
            // SAFETY: the vector owned this pointer, made by `Box::into_raw`.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// Defines the five `wasm_X_vec_*` functions of one element type.
macro_rules! declare_vec {
    ($vec:ident, $elem:ty, $new_empty:ident, $new_uninit:ident, $new:ident, $copy:ident, $delete:ident, $drop:expr, $zero:expr) => {
        /// `wasm.h` vector type.
        pub type $vec = Vector<$elem>;

        /// Makes an empty vector.
        #[no_mangle]
        pub unsafe extern "C" fn $new_empty(out: *mut $vec) {
            out.write(Vector::empty());
        }

        /// Makes a vector of `size` zeroed (null) elements.
        #[no_mangle]
        pub unsafe extern "C" fn $new_uninit(out: *mut $vec, size: usize) {
            let zero: fn() -> $elem = $zero;
            out.write(Vector::from_vec((0..size).map(|_| zero()).collect()));
        }

        /// Makes a vector from `size` elements (taking ownership of owned ones).
        #[no_mangle]
        pub unsafe extern "C" fn $new(out: *mut $vec, size: usize, data: *const $elem) {
            let v = if size == 0 || data.is_null() {
                Vec::new()
            } else {
                std::slice::from_raw_parts(data, size)
                    .iter()
                    .map(|e| std::ptr::read(e))
                    .collect()
            };
            out.write(Vector::from_vec(v));
        }

        /// Makes a deep copy of a vector.
        #[no_mangle]
        pub unsafe extern "C" fn $copy(out: *mut $vec, src: *const $vec) {
            let v = (*src).as_slice().iter().map(Element::copy_of).collect();
            out.write(Vector::from_vec(v));
        }

        /// Deletes a vector and the elements it owns.
        #[no_mangle]
        pub unsafe extern "C" fn $delete(v: *mut $vec) {
            if v.is_null() {
                return;
            }
            let drop_all: fn(Vec<$elem>) = $drop;
            drop_all((*v).take());
        }
    };
}

declare_vec!(
    wasm_byte_vec_t,
    u8,
    wasm_byte_vec_new_empty,
    wasm_byte_vec_new_uninitialized,
    wasm_byte_vec_new,
    wasm_byte_vec_copy,
    wasm_byte_vec_delete,
    drop,
    || 0
);
declare_vec!(
    wasm_val_vec_t,
    wasm_val_t,
    wasm_val_vec_new_empty,
    wasm_val_vec_new_uninitialized,
    wasm_val_vec_new,
    wasm_val_vec_copy,
    wasm_val_vec_delete,
    |v| v.into_iter().for_each(wasm_val_t::release),
    wasm_val_t::null
);

macro_rules! declare_ptr_vec {
    ($vec:ident, $elem:ty, $new_empty:ident, $new_uninit:ident, $new:ident, $copy:ident, $delete:ident) => {
        declare_vec!(
            $vec,
            *mut $elem,
            $new_empty,
            $new_uninit,
            $new,
            $copy,
            $delete,
            delete_boxes,
            std::ptr::null_mut
        );
    };
}

declare_ptr_vec!(
    wasm_valtype_vec_t,
    wasm_valtype_t,
    wasm_valtype_vec_new_empty,
    wasm_valtype_vec_new_uninitialized,
    wasm_valtype_vec_new,
    wasm_valtype_vec_copy,
    wasm_valtype_vec_delete
);
declare_ptr_vec!(
    wasm_functype_vec_t,
    wasm_functype_t,
    wasm_functype_vec_new_empty,
    wasm_functype_vec_new_uninitialized,
    wasm_functype_vec_new,
    wasm_functype_vec_copy,
    wasm_functype_vec_delete
);
declare_ptr_vec!(
    wasm_globaltype_vec_t,
    wasm_globaltype_t,
    wasm_globaltype_vec_new_empty,
    wasm_globaltype_vec_new_uninitialized,
    wasm_globaltype_vec_new,
    wasm_globaltype_vec_copy,
    wasm_globaltype_vec_delete
);
declare_ptr_vec!(
    wasm_tabletype_vec_t,
    wasm_tabletype_t,
    wasm_tabletype_vec_new_empty,
    wasm_tabletype_vec_new_uninitialized,
    wasm_tabletype_vec_new,
    wasm_tabletype_vec_copy,
    wasm_tabletype_vec_delete
);
declare_ptr_vec!(
    wasm_memorytype_vec_t,
    wasm_memorytype_t,
    wasm_memorytype_vec_new_empty,
    wasm_memorytype_vec_new_uninitialized,
    wasm_memorytype_vec_new,
    wasm_memorytype_vec_copy,
    wasm_memorytype_vec_delete
);
declare_ptr_vec!(
    wasm_tagtype_vec_t,
    wasm_tagtype_t,
    wasm_tagtype_vec_new_empty,
    wasm_tagtype_vec_new_uninitialized,
    wasm_tagtype_vec_new,
    wasm_tagtype_vec_copy,
    wasm_tagtype_vec_delete
);
declare_ptr_vec!(
    wasm_externtype_vec_t,
    wasm_externtype_t,
    wasm_externtype_vec_new_empty,
    wasm_externtype_vec_new_uninitialized,
    wasm_externtype_vec_new,
    wasm_externtype_vec_copy,
    wasm_externtype_vec_delete
);
declare_ptr_vec!(
    wasm_importtype_vec_t,
    wasm_importtype_t,
    wasm_importtype_vec_new_empty,
    wasm_importtype_vec_new_uninitialized,
    wasm_importtype_vec_new,
    wasm_importtype_vec_copy,
    wasm_importtype_vec_delete
);
declare_ptr_vec!(
    wasm_exporttype_vec_t,
    wasm_exporttype_t,
    wasm_exporttype_vec_new_empty,
    wasm_exporttype_vec_new_uninitialized,
    wasm_exporttype_vec_new,
    wasm_exporttype_vec_copy,
    wasm_exporttype_vec_delete
);
declare_ptr_vec!(
    wasm_frame_vec_t,
    wasm_frame_t,
    wasm_frame_vec_new_empty,
    wasm_frame_vec_new_uninitialized,
    wasm_frame_vec_new,
    wasm_frame_vec_copy,
    wasm_frame_vec_delete
);
declare_ptr_vec!(
    wasm_extern_vec_t,
    wasm_ref_t,
    wasm_extern_vec_new_empty,
    wasm_extern_vec_new_uninitialized,
    wasm_extern_vec_new,
    wasm_extern_vec_copy,
    wasm_extern_vec_delete
);

/// A byte vector holding a copy of `bytes`.
pub(crate) fn bytes(bytes: &[u8]) -> wasm_byte_vec_t {
    Vector::from_vec(bytes.to_vec())
}

/// A byte vector holding `s` and a terminating NUL (as `wasm_message_t` is).
pub(crate) fn message(s: &str) -> wasm_byte_vec_t {
    let mut v = Vec::with_capacity(s.len() + 1);
    v.extend_from_slice(s.as_bytes());
    v.push(0);
    Vector::from_vec(v)
}

/// Text of a name or message vector (lossy; a trailing NUL is dropped).
pub(crate) fn text(v: &wasm_byte_vec_t) -> String {
    let b = v.as_slice();
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    String::from_utf8_lossy(b).into_owned()
}
