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
    /// Preload a model for WASI-NN's `load_by_name` (needs the wasi_nn plugin):
    /// NAME:ENCODING:TARGET:PATH[:PATH], e.g. `cls:onnx:cpu:model.onnx`. Repeatable.
    #[arg(long = "nn-preload", value_name = "NAME:ENCODING:TARGET:PATH", value_parser = parse_preload)]
    pub nn_preload: Vec<String>,
}

/// The environment variable that carries `--nn-preload` to the WASI-NN plugin (as in
/// WasmEdge), one spec per line.
const PRELOAD_ENV: &str = "WASMEDGE_WASINN_PRELOAD";

/// Checks the shape of a `--nn-preload` spec (the plugin checks the names).
fn parse_preload(spec: &str) -> Result<String, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    if parts.len() < 4 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("`{spec}` is not NAME:ENCODING:TARGET:PATH[:PATH]"));
    }
    Ok(spec.to_string())
}

impl PluginArgs {
    /// Loads the plugins named by `--plugin` (any failure is an error) and those found in
    /// the plugin folders (a failure there is a warning, and the plugin is skipped).
    pub fn load(&self) -> Result<PluginSet> {
        if !self.nn_preload.is_empty() {
            // Set before any plugin is loaded, while the process has a single thread.
            std::env::set_var(PRELOAD_ENV, self.nn_preload.join("\n"));
        }
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
        let has_nn = set
            .plugins()
            .iter()
            .any(|p| p.module_names().any(|m| m == "wasi_ephemeral_nn"));
        if !self.nn_preload.is_empty() && !has_nn {
            eprintln!(
                "warning: --nn-preload has no effect: no plugin provides wasi_ephemeral_nn \
                 (build it with `cargo build --release -p wedge-nn` and pass --plugin)"
            );
        }
        Ok(set)
    }
}
