//! Wedge: a WebAssembly runtime for cloud-native, edge and decentralized applications.
//!
//! Data flows from bytes to a validated [`Module`], which a [`Linker`] turns into an
//! [`Instance`] inside a [`Store`]; exported functions are then called through [`Func`]
//! or [`TypedFunc`].

mod config;
mod error;
mod types;

pub mod module;

pub use config::{Config, Engine};
pub use error::Error;
pub use module::Module;
pub use types::{
    ExternType, FuncType, GlobalType, HeapType, MemoryType, Mutability, RefType, TableType, ValType,
};
