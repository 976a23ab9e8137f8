//! Write Wedge plugins in safe Rust.
//!
//! A plugin is a `cdylib` that exports `wedge_plugin_get_descriptor` (the C ABI of
//! `include/wedge_plugin.h`). Build the descriptor with [`PluginBuilder`] and export it with
//! [`export_plugin!`]:
//!
//! ```no_run
//! use wedge_plugin_sdk::{export_plugin, PluginBuilder, Val, ValType::I32};
//!
//! fn plugin() -> PluginBuilder {
//!     PluginBuilder::new("hello", "0.1.0").module("hello", |m| {
//!         m.func("double", &[I32], &[I32], |_caller, args, results| {
//!             results[0] = Val::I32(args[0].i32().unwrap_or(0).wrapping_mul(2));
//!             Ok(())
//!         })
//!     })
//! }
//! export_plugin!(plugin);
//! ```
//!
//! Function bodies return `Err(message)` to trap the guest; a panic in a body is caught
//! and becomes a trap too, so it never unwinds into the host.

pub mod abi;
mod builder;
mod caller;
mod val;

pub use builder::{HostFn, ModuleBuilder, PluginBuilder};
pub use caller::{Caller, OutOfBounds};
pub use val::{Val, ValType};

/// Exports a plugin: defines `wedge_plugin_get_descriptor` (for loading as a shared
/// library) and `descriptor()` (for registering the plugin statically), both building the
/// descriptor once from the given `fn() -> PluginBuilder`.
#[macro_export]
macro_rules! export_plugin {
    ($build:path) => {
        /// This plugin's descriptor, built on first use.
        pub fn descriptor() -> &'static $crate::abi::wedge_plugin_descriptor {
            static DESCRIPTOR: ::std::sync::OnceLock<$crate::DescriptorRef> =
                ::std::sync::OnceLock::new();
            DESCRIPTOR
                .get_or_init(|| $crate::DescriptorRef($build().build()))
                .0
        }

        /// The plugin's entry point (`WEDGE_PLUGIN_DESCRIPTOR_SYMBOL`).
        #[no_mangle]
        pub extern "C" fn wedge_plugin_get_descriptor(
        ) -> *const $crate::abi::wedge_plugin_descriptor {
            match ::std::panic::catch_unwind(descriptor) {
                Ok(d) => d,
                Err(_) => ::std::ptr::null(),
            }
        }
    };
}

/// A descriptor reference that may be kept in a `static` (it is immutable once built).
pub struct DescriptorRef(pub &'static abi::wedge_plugin_descriptor);

// SAFETY: a built descriptor is never written again; its raw pointers point to leaked,
// immutable data, and the function bodies it reaches are `Send + Sync`.
unsafe impl Send for DescriptorRef {}
// SAFETY: as above.
unsafe impl Sync for DescriptorRef {}
