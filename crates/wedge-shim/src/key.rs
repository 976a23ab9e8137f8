//! The secret key that signs the native code the shim precompiles into containerd's content
//! store, so a container only runs machine code this node's shim produced.
//!
//! It lives in `$WEDGE_AOT_KEY_FILE`, else `/var/lib/wedge/aot.key`: 16 random bytes,
//! readable only by root, created on first use.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::OnceLock;

static KEY: OnceLock<Option<[u8; 16]>> = OnceLock::new();

/// Where the key file is.
fn path() -> PathBuf {
    std::env::var_os("WEDGE_AOT_KEY_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/wedge/aot.key"))
}

/// Loads (or creates) the key once per process; without one, stored native code is not used.
pub fn init() {
    KEY.get_or_init(|| match load_or_create() {
        Ok(key) => Some(key),
        Err(e) => {
            log::warn!("no native-code key ({e}); precompiled modules will be compiled again");
            None
        }
    });
}

/// The key, if [`init`] found or made one.
pub fn get() -> Option<[u8; 16]> {
    KEY.get().copied().flatten()
}

fn load_or_create() -> std::io::Result<[u8; 16]> {
    let path = path();
    if let Ok(bytes) = std::fs::read(&path) {
        return bytes.try_into().map_err(|_| {
            std::io::Error::other(format!("{} is not a 16-byte key", path.display()))
        });
    }
    let mut key = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Written whole to a private temporary file, then linked into place, so a concurrent
    // shim never sees a partial key; if another one won the race, its key is used.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(&key));
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, &path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let bytes = std::fs::read(&path)?;
            bytes
                .try_into()
                .map_err(|_| std::io::Error::other("key file is not 16 bytes"))
        }
        Err(e) => Err(e),
    }
}
