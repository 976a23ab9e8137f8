//! The secret key that signs native code written by `wedge compile` and authenticates it in
//! `wedge run`, so only files this user compiled run as native code.
//!
//! It lives in `$WEDGE_AOT_KEY_FILE`, else `$XDG_CONFIG_HOME/wedge/aot.key`, else
//! `$HOME/.config/wedge/aot.key`: 16 random bytes, readable only by the user.

use anyhow::{Context, Result};
use std::io::Read;
use std::path::PathBuf;

/// Where the key file is, if a location can be named.
fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WEDGE_AOT_KEY_FILE") {
        return Some(PathBuf::from(p));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("wedge").join("aot.key"))
}

/// The key, if the key file exists and is well formed.
pub fn load() -> Option<[u8; 16]> {
    let bytes = std::fs::read(path()?).ok()?;
    bytes.try_into().ok()
}

/// The key, created (from the system's random source) if there is none yet.
pub fn load_or_create() -> Result<[u8; 16]> {
    if let Some(key) = load() {
        return Ok(key);
    }
    let path = path().context("no place for the native-code key: set WEDGE_AOT_KEY_FILE")?;
    let mut key = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .context("cannot read random bytes for the native-code key")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // Written whole to a private temporary file, then linked into place, so a concurrent
    // reader never sees a partial key; if another process won the race, its key is used.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&tmp)
        .and_then(|mut file| std::io::Write::write_all(&mut file, &key))
        .with_context(|| format!("cannot write {}", tmp.display()));
    let linked = written.and_then(|()| match std::fs::hard_link(&tmp, &path) {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            load().with_context(|| format!("{} is not a valid key file", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    });
    let _ = std::fs::remove_file(&tmp);
    linked
}
