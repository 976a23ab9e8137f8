//! A set of plugins with distinct host modules, and their registration in a linker.

use crate::call::{self, Bound};
use crate::error::PluginError;
use crate::plugin::Plugin;
use std::sync::Arc;
use wedge::Linker;

/// Plugins to register together; no two may provide a host module of the same name.
#[derive(Default)]
pub struct PluginSet {
    plugins: Vec<Plugin>,
}

impl PluginSet {
    /// An empty set.
    pub fn new() -> PluginSet {
        PluginSet::default()
    }

    /// Adds a plugin, refusing one whose module names are already taken.
    pub fn add(&mut self, plugin: Plugin) -> Result<(), PluginError> {
        for module in plugin.module_names() {
            if let Some(first) = self
                .plugins
                .iter()
                .find(|p| p.module_names().any(|m| m == module))
            {
                return Err(PluginError::DuplicateModule {
                    module: module.to_string(),
                    first: first.label(),
                    second: plugin.label(),
                });
            }
        }
        self.plugins.push(plugin);
        Ok(())
    }

    /// The plugins, in the order added.
    pub fn plugins(&self) -> &[Plugin] {
        &self.plugins
    }

    /// Whether the set has no plugins.
    pub fn is_empty(&self) -> bool {
        self.plugins.is_empty()
    }

    /// Defines every function of every plugin in `linker`.
    pub fn add_to_linker<T: 'static>(&self, linker: &mut Linker<T>) -> Result<(), PluginError> {
        for plugin in &self.plugins {
            add_plugin(plugin, linker)?;
        }
        Ok(())
    }
}

/// Defines one plugin's functions in `linker`.
pub fn add_plugin<T: 'static>(plugin: &Plugin, linker: &mut Linker<T>) -> Result<(), PluginError> {
    for module in plugin.modules() {
        for func in &module.funcs {
            let bound = Arc::new(Bound {
                func: func.clone(),
                qualified: format!("{}::{}", module.name, func.name),
                plugin: plugin.name().to_string(),
                _library: plugin.library.clone(),
                watch: plugin.watch.clone(),
            });
            linker
                .func_new(
                    &module.name,
                    &func.name,
                    func.ty.clone(),
                    move |caller, args, results| call::call(&bound, caller, args, results),
                )
                .map_err(|source| PluginError::Link {
                    plugin: plugin.name().to_string(),
                    source,
                })?;
        }
    }
    Ok(())
}
