//! libwedge: Wedge for C and every language that calls C.
//!
//! The library implements the standard WebAssembly C API (`include/wasm.h`, every function
//! it declares), WASI preview1 for plain `wasm.h` objects (`include/wasi.h`) and Wedge's
//! additions (`include/wedge.h`: text format, features, tiers, gas, time and memory limits,
//! AOT files, statistics, error messages).
//!
//! Every exported function is `unsafe extern "C"`: the caller passes pointers as the
//! headers describe them (valid, of the right type, not yet deleted, a store used by one
//! thread at a time). Within that contract nothing panics across the boundary: bad input
//! gives null, false or a trap with a message.

#![allow(non_camel_case_types, clippy::missing_safety_doc)]

mod error;
mod externals;
mod func;
mod module;
mod object;
mod store;
mod trap;
mod types;
mod val;
mod vec;
mod wasi;
mod wedge_ext;
