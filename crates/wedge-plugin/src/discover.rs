//! Where plugins are found: `WEDGE_PLUGIN_PATH` and the default folders.

use std::path::{Path, PathBuf};

/// The file name extension of shared libraries on this system (`so`, `dylib`, `dll`).
pub const LIBRARY_EXTENSION: &str = std::env::consts::DLL_EXTENSION;

/// The folders searched for plugins, in order: each entry of `WEDGE_PLUGIN_PATH`
/// (colon-separated), `<folder of exe>/../lib/wedge/plugins`, and
/// `$XDG_DATA_HOME/wedge/plugins` (default `~/.local/share/wedge/plugins`).
pub fn search_dirs(exe: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(list) = std::env::var_os("WEDGE_PLUGIN_PATH") {
        dirs.extend(std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()));
    }
    if let Some(bin_dir) = exe.and_then(Path::parent) {
        dirs.push(bin_dir.join("..").join("lib").join("wedge").join("plugins"));
    }
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    if let Some(data) = data_home {
        dirs.push(data.join("wedge").join("plugins"));
    }
    dirs
}

/// The shared libraries directly inside `dir`, sorted by name (none if it does not exist).
pub fn libraries_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == LIBRARY_EXTENSION))
        .collect();
    found.sort();
    found
}
