//! `--plugin` and plugin discovery for `wedge run`.

use anyhow::{Context, Result};
use std::path::PathBuf;
use wedge_plugin::{Plugin, PluginSet};

/// Plugin options of `wedge run`.
#[derive(clap::Args, Debug, Default)]
pub struct PluginArgs {
    /// Load a plugin (a shared library providing host modules). Repeatable. Plugins are also
    /// loaded from the folders in WEDGE_PLUGIN_PATH (colon-separated),
    /// <wedge's folder>/../lib/wedge/plugins and $XDG_DATA_HOME/wedge/plugins.
    #[arg(long = "plugin", value_name = "PATH")]
    pub plugins: Vec<PathBuf>,
}

impl PluginArgs {
    /// Loads the plugins named by `--plugin` (any failure is an error) and those found in
    /// the plugin folders (a failure there is a warning, and the plugin is skipped).
    pub fn load(&self) -> Result<PluginSet> {
        let mut set = PluginSet::new();
        let mut seen = Vec::new();
        for path in &self.plugins {
            seen.push(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()));
            // SAFETY: the user asked for this plugin to run in the process.
            let plugin = unsafe { Plugin::load(path) }?;
            set.add(plugin)
                .context("cannot use the plugins given with --plugin")?;
        }
        let exe = std::env::current_exe().ok();
        for dir in wedge_plugin::search_dirs(exe.as_deref()) {
            for path in wedge_plugin::libraries_in(&dir) {
                let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if seen.contains(&canonical) {
                    continue;
                }
                seen.push(canonical);
                // SAFETY: plugins installed in the plugin folders are trusted like wedge itself.
                let added = unsafe { Plugin::load(&path) }.and_then(|p| set.add(p));
                if let Err(e) = added {
                    eprintln!("warning: skipping plugin {}: {e}", path.display());
                }
            }
        }
        Ok(set)
    }
}
