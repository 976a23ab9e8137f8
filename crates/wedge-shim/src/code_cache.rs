//! The node's code cache for modules that live in a container's rootfs (the image layout,
//! which runwasi's precompilation hook never sees): the first container to start a module
//! compiles it and stores the native code there, later ones load it (signed with the
//! node's key, checked before use, like every Wedge code cache).
//!
//! It is `$WEDGE_CACHE_DIR`, else `/var/lib/wedge/cache`. Containers run after
//! `pivot_root`, where host paths are out of reach, so the shim opens the directory at
//! start-up and the container process, which inherits the descriptor, reaches it as
//! `/proc/self/fd/N` (every OCI runtime spec mounts `/proc`). The guest never sees it:
//! WASI gives it only the preopened rootfs.

use std::os::fd::AsRawFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::sync::OnceLock;

static DIR: OnceLock<Option<std::fs::File>> = OnceLock::new();

/// Where the cache is on the host.
fn host_path() -> PathBuf {
    std::env::var_os("WEDGE_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/wedge/cache"))
}

/// Opens (or creates, private to root) the cache directory once per process; without it,
/// modules from the rootfs are compiled at every start.
pub fn init() {
    DIR.get_or_init(|| {
        let path = host_path();
        let opened = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&path)
            .and_then(|()| std::fs::File::open(&path));
        match opened {
            Ok(dir) => Some(dir),
            Err(e) => {
                log::warn!("no code cache at {} ({e})", path.display());
                None
            }
        }
    });
}

/// The cache as the container process reaches it, if [`init`] opened it and `/proc` is
/// mounted in the container.
pub fn in_container() -> Option<PathBuf> {
    let dir = DIR.get()?.as_ref()?;
    let path = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
    path.is_dir().then_some(path)
}
