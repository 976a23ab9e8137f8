//! WASI preview1 (`wasi_snapshot_preview1`) for Wedge, sandboxed on `cap-std`.
//!
//! A [`WasiCtx`] holds one guest's arguments, environment and descriptor table; build it
//! with [`WasiCtxBuilder`] and register the 46 preview1 functions with [`add_to_linker`].
//! Every path is resolved by cap-std beneath a preopened directory, so a guest reaches only
//! what it was given. Guest misuse (bad pointers, unknown descriptors, invalid flags) gives
//! the errno the witx specifies, never a host panic.

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
mod poll;
mod process;
mod sock;
pub mod types;

pub use ctx::{DirAccess, SetupError, WasiCtx, WasiCtxBuilder, MAX_FDS};
pub use errno::Errno;
pub use linker::{add_to_linker, GetCtx, MODULE};
pub use memory::{GuestMemory, IoVec};
pub use poll::MAX_SUBSCRIPTIONS;
