//! Wedge: a WebAssembly runtime for cloud-native, edge and decentralized applications.
//!
//! Data flows from bytes to a validated [`Module`], which a [`Linker`] turns into an
//! [`Instance`] inside a [`Store`]; exported functions are then called through [`Func`]
//! or [`TypedFunc`].

pub mod cache;
mod config;
mod error;
mod features;
pub mod registry;
mod types;

pub mod interp;
pub mod limits;
pub mod module;
mod native;
pub mod runtime;
mod tier;

pub use config::{
    Config, Engine, Strategy, DEFAULT_CACHE_MAX_BYTES, DEFAULT_TIER_UP_CALLS,
    DEFAULT_TIER_UP_ITERATIONS,
};
pub use error::Error;
pub use features::Feature;
pub use limits::{CostTable, Deadline, InterruptHandle, Meter, StoreLimits};
pub use module::{Module, SourceFrame};
pub use runtime::{
    AnyRef, AsContext, AsContextMut, Caller, ExnRef, Extern, ExternRef, FrameInfo, Func, GcStats,
    Global, GuestProfile, Instance, IntoFunc, Linker, Memory, ProfileFrame, SharedMemory,
    Statistics, Store, Table, Tag, Trap, TrapKind, TypedFunc, Val, WasmParams, WasmResults, WasmTy,
};
pub use types::{
    ExternType, FuncType, GlobalType, HeapType, MemoryType, Mutability, RefType, TableType, ValType,
};
