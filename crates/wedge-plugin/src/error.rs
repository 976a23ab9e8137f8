//! Errors of loading and registering plugins.

use std::path::PathBuf;

/// Why a plugin could not be loaded or registered.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The shared library could not be opened.
    #[error("cannot load plugin {path}: {reason}")]
    Open {
        /// The library's path.
        path: PathBuf,
        /// The loader's error (in the message, so not also a `source` that error
        /// reports chaining causes would print twice).
        reason: libloading::Error,
    },
    /// The library does not export the descriptor function.
    #[error("{path} is not a Wedge plugin: it does not export `{symbol}`")]
    MissingSymbol {
        /// The library's path.
        path: PathBuf,
        /// The symbol looked for.
        symbol: &'static str,
    },
    /// The descriptor function returned null or panicked.
    #[error("plugin {origin}: its descriptor function returned no descriptor")]
    NoDescriptor {
        /// The library's path, or "(static)".
        origin: String,
    },
    /// The plugin was built for another ABI version.
    #[error("plugin {origin}: built for plugin ABI version {found}, this Wedge supports version {expected}")]
    AbiVersion {
        /// The library's path, or the plugin's name.
        origin: String,
        /// The version in the descriptor.
        found: u32,
        /// The version this host implements.
        expected: u32,
    },
    /// The descriptor is malformed (null names, bad type codes, ...).
    #[error("plugin {origin}: invalid descriptor: {what}")]
    Invalid {
        /// The library's path, or the plugin's name.
        origin: String,
        /// What is wrong.
        what: String,
    },
    /// Two plugins provide a host module of the same name.
    #[error("host module `{module}` is provided by two plugins: {first} and {second}")]
    DuplicateModule {
        /// The module name.
        module: String,
        /// The plugin registered first.
        first: String,
        /// The plugin rejected.
        second: String,
    },
    /// Registering the functions in the linker failed (e.g. a name already defined there).
    #[error("plugin {plugin}: {source}")]
    Link {
        /// The plugin's name.
        plugin: String,
        /// The linker's error.
        source: wedge::Error,
    },
}
