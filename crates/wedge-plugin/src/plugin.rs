//! A loaded plugin: its descriptor and, for a shared library, the library kept loaded.

use crate::descriptor::{self, DescriptorInfo, ModuleInfo};
use crate::error::PluginError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wedge_plugin_sdk::abi;

/// A plugin: named host modules whose functions call into native code.
pub struct Plugin {
    info: DescriptorInfo,
    path: Option<PathBuf>,
    /// Keeps the shared library loaded while any function of it may be called.
    pub(crate) library: Option<Arc<libloading::Library>>,
    /// The stores that called the plugin, to tell it when they end.
    pub(crate) watch: Arc<crate::store_watch::StoreWatch>,
}

impl Plugin {
    /// Loads a plugin from a shared library and checks its descriptor.
    ///
    /// # Safety
    /// Loading runs the library's initialisers, and its callbacks later run in this process
    /// with full rights: load only trusted plugins built against `include/wedge_plugin.h`.
    pub unsafe fn load(path: impl AsRef<Path>) -> Result<Plugin, PluginError> {
        let path = path.as_ref();
        // SAFETY: the caller vouches for the library (see above).
        let library =
            unsafe { libloading::Library::new(path) }.map_err(|reason| PluginError::Open {
                path: path.to_path_buf(),
                reason,
            })?;
        let origin = path.display().to_string();
        let get = {
            // SAFETY: the symbol, if present, has the ABI's type (the caller's contract).
            let symbol = unsafe {
                library
                    .get::<abi::wedge_plugin_get_descriptor_fn>(abi::DESCRIPTOR_SYMBOL.as_bytes())
            };
            *symbol.map_err(|_| PluginError::MissingSymbol {
                path: path.to_path_buf(),
                symbol: abi::DESCRIPTOR_SYMBOL,
            })?
        };
        // SAFETY: calling the plugin's entry point as the ABI defines it; the library stays
        // loaded (owned below) for as long as the descriptor is used.
        let raw = std::panic::catch_unwind(|| unsafe { get() }).unwrap_or(std::ptr::null());
        // SAFETY: a non-null descriptor from a plugin honouring the ABI.
        let info = unsafe { Self::read(raw, &origin) }?;
        let library = Arc::new(library);
        Ok(Plugin {
            watch: crate::store_watch::StoreWatch::new(info.store_dropped, Some(library.clone())),
            info,
            path: Some(path.to_path_buf()),
            library: Some(library),
        })
    }

    /// Registers a plugin linked into this program (e.g. `descriptor()` from a crate using
    /// `wedge_plugin_sdk::export_plugin!`).
    ///
    /// # Safety
    /// The descriptor must honour `include/wedge_plugin.h` and stay valid for the process.
    pub unsafe fn from_static(
        descriptor: &'static abi::wedge_plugin_descriptor,
    ) -> Result<Plugin, PluginError> {
        // SAFETY: guaranteed by the caller.
        let info = unsafe { Self::read(descriptor, "(statically linked)") }?;
        Ok(Plugin {
            watch: crate::store_watch::StoreWatch::new(info.store_dropped, None),
            info,
            path: None,
            library: None,
        })
    }

    /// Checks and copies a raw descriptor.
    ///
    /// # Safety
    /// `raw` is null or a descriptor honouring the ABI.
    unsafe fn read(
        raw: *const abi::wedge_plugin_descriptor,
        origin: &str,
    ) -> Result<DescriptorInfo, PluginError> {
        if raw.is_null() {
            return Err(PluginError::NoDescriptor {
                origin: origin.to_string(),
            });
        }
        // SAFETY: non-null and valid by the caller's contract.
        unsafe { descriptor::read(&*raw, origin) }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// The plugin's version.
    pub fn version(&self) -> &str {
        &self.info.version
    }

    /// The library the plugin was loaded from (`None` when registered statically).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The names of the host modules it provides.
    pub fn module_names(&self) -> impl Iterator<Item = &str> {
        self.info.modules.iter().map(|m| m.name.as_str())
    }

    /// The names of a module's functions (empty if the module is not provided).
    pub fn function_names(&self, module: &str) -> Vec<&str> {
        self.info
            .modules
            .iter()
            .filter(|m| m.name == module)
            .flat_map(|m| m.funcs.iter().map(|f| f.name.as_str()))
            .collect()
    }

    /// The modules, for registration.
    pub(crate) fn modules(&self) -> &[ModuleInfo] {
        &self.info.modules
    }

    /// How errors name this plugin: `name version (path)`.
    pub fn label(&self) -> String {
        match &self.path {
            Some(p) => format!("`{}` {} ({})", self.name(), self.version(), p.display()),
            None => format!("`{}` {} (statically linked)", self.name(), self.version()),
        }
    }
}
