//! WASI preview1 (`wasi_snapshot_preview1`) for Wedge, sandboxed on `cap-std`, with
//! WasmEdge's socket extension and the older `wasi_unstable`.
//!
//! A [`WasiCtx`] holds one guest's arguments, environment, descriptor table and network
//! policy; build it with [`WasiCtxBuilder`] and register the functions with
//! [`add_to_linker`]. Every path is resolved by cap-std beneath a preopened directory, so a
//! guest reaches only what it was given; sockets reach only what the [`NetPolicy`] allows
//! (nothing by default). Guest misuse (bad pointers, unknown descriptors, invalid flags)
//! gives an errno, never a host panic.

mod clock;
mod ctx;
mod descriptor;
mod errno;
mod fd_io;
mod fd_meta;
mod filestat;
mod linker;
mod memory;
mod path;
mod policy;
mod poll;
mod process;
mod sock;
pub mod types;

pub use ctx::{DirAccess, SetupError, WasiCtx, WasiCtxBuilder, MAX_FDS};
pub use errno::Errno;
pub use linker::{add_to_linker, GetCtx, MODULE, UNSTABLE_MODULE};
pub use memory::{GuestMemory, IoVec};
pub use policy::{NetPolicy, NetRule, RuleError};
pub use poll::MAX_SUBSCRIPTIONS;
