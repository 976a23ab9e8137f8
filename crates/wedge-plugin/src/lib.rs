//! Wedge plugins: host modules in shared libraries, loaded through the versioned C ABI of
//! `include/wedge_plugin.h` and registered into a [`wedge::Linker`].
//!
//! ```no_run
//! use wedge_plugin::{Plugin, PluginSet};
//! let mut set = PluginSet::new();
//! // SAFETY: a trusted plugin built against include/wedge_plugin.h.
//! set.add(unsafe { Plugin::load("libmy_plugin.so")? })?;
//! let engine = wedge::Engine::default();
//! let mut linker = wedge::Linker::<()>::new(&engine);
//! set.add_to_linker(&mut linker)?;
//! # Ok::<(), wedge_plugin::PluginError>(())
//! ```
//!
//! A callback that returns an error message traps the guest with it; a panic is stopped at
//! the boundary and becomes a trap too. Plugins written in Rust use `wedge-plugin-sdk`.

mod call;
mod descriptor;
mod discover;
mod error;
mod plugin;
mod set;
mod store_watch;

pub use discover::{libraries_in, search_dirs, LIBRARY_EXTENSION};
pub use error::PluginError;
pub use plugin::Plugin;
pub use set::{add_plugin, PluginSet};
pub use wedge_plugin_sdk::abi::ABI_VERSION;
