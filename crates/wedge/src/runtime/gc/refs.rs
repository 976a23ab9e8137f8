//! How references are encoded in a 64-bit slot (frame slots, globals, table elements,
//! struct fields and array elements all use this one encoding).
//!
//! | bits                     | meaning                                                   |
//! |--------------------------|-----------------------------------------------------------|
//! | `0`                      | null, in every hierarchy                                  |
//! | `v << 1 \| 1`            | an `i31` with the 31-bit payload `v`                      |
//! | `(i + 1) << 2`           | GC heap object (struct, array or exception) in slot `i`   |
//! | `(i + 1) << 2 \| 2`      | host reference `i` of the store (`externref`)             |
//! | `f + 1` (func slots only)| function `f` of the store (`funcref`, never traced)       |
//!
//! Because `extern` and `any` share the encoding, `any.convert_extern` and
//! `extern.convert_any` are the identity on bits.

/// The encoding of null.
pub const NULL: u64 = 0;

/// Whether a non-function reference is an `i31`.
#[inline]
pub fn is_i31(raw: u64) -> bool {
    raw & 1 == 1
}

/// Encodes an `i31` from the low 31 bits of `v`.
#[inline]
pub fn i31_new(v: u32) -> u64 {
    (((v & 0x7fff_ffff) as u64) << 1) | 1
}

/// The payload of an `i31`, sign-extended.
#[inline]
pub fn i31_get_s(raw: u64) -> i32 {
    (((raw >> 1) as u32) << 1) as i32 >> 1
}

/// The payload of an `i31`, zero-extended.
#[inline]
pub fn i31_get_u(raw: u64) -> u32 {
    (raw >> 1) as u32 & 0x7fff_ffff
}

/// Whether a non-function reference points to a GC heap object.
#[inline]
pub fn is_object(raw: u64) -> bool {
    raw != 0 && raw & 3 == 0
}

/// The heap slot of an object reference.
#[inline]
pub fn object_index(raw: u64) -> usize {
    (raw >> 2) as usize - 1
}

/// The reference to the object in heap slot `index`.
#[inline]
pub fn object_ref(index: usize) -> u64 {
    (index as u64 + 1) << 2
}

/// Whether a non-function reference is a host reference.
#[inline]
pub fn is_host(raw: u64) -> bool {
    raw & 3 == 2
}

/// The reference to host value `index` of the store.
#[inline]
pub fn host_ref(index: u32) -> u64 {
    ((index as u64 + 1) << 2) | 2
}

/// The store index of a host reference.
#[inline]
pub fn host_index(raw: u64) -> u32 {
    ((raw >> 2) - 1) as u32
}
