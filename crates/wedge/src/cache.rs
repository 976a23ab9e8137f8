//! The code cache: compiled code of whole modules, kept in a directory between processes
//! ([`Config::cache_dir`](crate::Config::cache_dir)).
//!
//! An entry is a file `<key>.code` holding the data of a native-code section exactly as
//! `wedge compile` writes it into an AOT file (see `native::artifact`): a header stamped
//! with the Wedge version, the code generator's target, CPU features and settings and
//! every setting that changes code (features, metering and its cost table, interruption,
//! deterministic mode), the signature, and the code at a page boundary. The signature is
//! the AOT files' one: a SipHash keyed with [`Config::native_code_key`] over the module's
//! sections (all but custom and data sections, which compiled code does not depend on), the
//! header and the code. The key (the file's name) hashes the same sections and the stamp,
//! with the same secret key.
//!
//! An entry is used only when it checks out as an AOT file does: a stamp equal to this
//! engine's, the module's length, and a signature right for this module and the entry's
//! own header and code. So an entry that was truncated, damaged, altered, made by another
//! version or CPU or with other settings, or made for another module (a key collision) is
//! never run: it counts as missing, is removed, and the module is compiled again. Entries
//! are written to a temporary file and renamed into place, so nobody reads half an entry;
//! storing one evicts the entries used least recently (each use sets an entry's
//! modification time) until the cache fits its size bound.
#![cfg_attr(not(feature = "compiler"), allow(dead_code, unused_imports))]

use crate::Error;
use std::path::{Path, PathBuf};

/// File name extension of cache entries.
const EXTENSION: &str = "code";
/// Prefix of entries being written.
const TEMP_PREFIX: &str = ".tmp-";

/// What a look-up found for a module.
pub(crate) struct Hit {
    /// The entry file.
    path: PathBuf,
    /// The entry, mapped.
    data: crate::module::MappedFile,
    /// Its verified header.
    header: crate::native::artifact::Header,
}

/// How a module's code relates to the cache.
#[derive(Clone, Debug, Default)]
pub(crate) enum CacheUse {
    /// No cache is configured (or it cannot serve this engine).
    #[default]
    Off,
    /// The module's code came from the entry at this path.
    Hit(PathBuf),
    /// The module has no usable entry; this is where it goes.
    Miss(PathBuf),
    /// The module was compiled and stored at this path.
    Stored(PathBuf),
}

/// What [`lookup`] returns: how the cache serves the module, a verified entry if there is
/// one, and why an entry that was there could not be used.
#[derive(Default)]
pub(crate) struct Lookup {
    pub(crate) used: CacheUse,
    pub(crate) hit: Option<Hit>,
    pub(crate) warning: Option<String>,
}

/// Looks up the compiled code of the module `module` (binary, without a trailing
/// native-code section) in the engine's cache, verifying an entry before handing it out.
#[cfg(feature = "compiler")]
pub(crate) fn lookup(config: &crate::Config, module: &[u8]) -> Lookup {
    use crate::native::artifact;
    let (Some(dir), Some(key)) = (&config.cache_dir, &config.native_code_key) else {
        return Lookup::default();
    };
    if !config.compiles() {
        return Lookup::default();
    }
    let (Ok(stamp), Some(hasher)) = (
        artifact::stamp(config),
        artifact::module_hasher(key, module),
    ) else {
        return Lookup::default();
    };
    let path = dir.join(format!("{}.{EXTENSION}", entry_name(&hasher, &stamp)));
    let miss = |warning: Option<String>| Lookup {
        used: CacheUse::Miss(path.clone()),
        hit: None,
        warning,
    };
    let Ok(file) = std::fs::File::open(&path) else {
        return miss(None);
    };
    // SAFETY: entries are never changed in place: they are written to a temporary file and
    // renamed (a concurrent store replaces the directory entry, not this file), and removed
    // by unlinking; the directory is private to its owner.
    let Ok(mapped) = (unsafe { crate::module::MappedFile::map(file) }) else {
        return miss(None);
    };
    let data = mapped.bytes();
    let checked = artifact::parse_header(data, 0..data.len()).and_then(|h| {
        let ok = h.stamp == stamp
            && h.module_len == module.len() as u64
            && artifact::sign_rest(hasher, &data[h.signed.clone()], &data[h.code.clone()])
                == h.signature;
        if ok {
            Ok(h)
        } else {
            Err(Error::Limit("its signature does not match".into()))
        }
    });
    match checked {
        Ok(header) => {
            // The entry was just used: eviction keeps it longest.
            if let Ok(file) = std::fs::File::options().append(true).open(&path) {
                let _ = file.set_modified(std::time::SystemTime::now());
            }
            Lookup {
                used: CacheUse::Hit(path.clone()),
                hit: Some(Hit {
                    path,
                    data: mapped,
                    header,
                }),
                warning: None,
            }
        }
        Err(e) => {
            // Never run, never kept: the module is compiled again and stored anew.
            let _ = std::fs::remove_file(&path);
            miss(Some(format!(
                "ignored the code cache entry {} ({e}); compiling again",
                path.display()
            )))
        }
    }
}

/// The file name of the entry for a module whose sections hash to `hasher`, for code stamped
/// `stamp`.
#[cfg(feature = "compiler")]
#[allow(deprecated)]
fn entry_name(hasher: &std::hash::SipHasher, stamp: &str) -> String {
    use std::hash::Hasher;
    let mut a = hasher.clone();
    a.write(stamp.as_bytes());
    let mut b = a.clone();
    b.write_u8(0xff);
    format!("{:016x}{:016x}", a.finish(), b.finish())
}

/// Loads the verified entry of module `m`.
#[cfg(feature = "compiler")]
pub(crate) fn load(
    m: &crate::module::ModuleInner,
    hit: Hit,
) -> Result<crate::native::NativeCode, Error> {
    let Hit { path, data, header } = hit;
    let code = &data.bytes()[header.code.clone()];
    let in_file = Some((data.file(), header.code.start as u64));
    crate::native::NativeCode::load_from(header.image, code, in_file, m).inspect_err(|_| {
        let _ = std::fs::remove_file(&path);
    })
}

/// Stores the compiled code of module `m` (loaded as `native`) as the cache entry `path`, then
/// evicts the least recently used entries past the size bound.
#[cfg(feature = "compiler")]
pub(crate) fn store(
    m: &crate::module::ModuleInner,
    native: &crate::native::NativeCode,
    path: &Path,
) -> Result<(), Error> {
    let config = m.engine.config();
    let (Some(dir), Some(key)) = (&config.cache_dir, &config.native_code_key) else {
        return Ok(());
    };
    let data = crate::native::artifact::section_data(m, native, key, Vec::new(), 0)?;
    let io = |e: std::io::Error| Error::Limit(format!("code cache {}: {e}", dir.display()));
    create_dir(dir).map_err(io)?;
    let temp = dir.join(format!(
        "{TEMP_PREFIX}{}-{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let written = std::fs::write(&temp, &data).and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(e));
    }
    evict(dir, config.cache_max_bytes, Some(path));
    Ok(())
}

/// Creates the cache directory (readable by its owner only) if needed.
fn create_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// The entries of a cache directory: path, size, last use.
fn entries(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    read.flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == EXTENSION))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            meta.is_file().then(|| {
                (
                    e.path(),
                    meta.len(),
                    meta.modified().unwrap_or(std::time::UNIX_EPOCH),
                )
            })
        })
        .collect()
}

/// Removes the least recently used entries (never `keep`) until the rest fit in `max` bytes.
fn evict(dir: &Path, max: u64, keep: Option<&Path>) {
    let mut all = entries(dir);
    let mut total: u64 = all.iter().map(|e| e.1).sum();
    if total <= max {
        return;
    }
    all.sort_by_key(|e| e.2);
    for (path, size, _) in all {
        if total <= max {
            break;
        }
        if Some(path.as_path()) == keep {
            continue;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= size;
        }
    }
}

/// What a code cache directory holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Number of entries (compiled modules).
    pub entries: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Counts the entries of the code cache in `dir`.
pub fn stats(dir: &Path) -> CacheStats {
    let all = entries(dir);
    CacheStats {
        entries: all.len(),
        bytes: all.iter().map(|e| e.1).sum(),
    }
}

/// Removes every entry (and leftover temporary file) of the code cache in `dir`; returns how
/// many entries were removed.
pub fn clear(dir: &Path) -> std::io::Result<usize> {
    let mut removed = 0;
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for e in read.flatten() {
        let path = e.path();
        let name = e.file_name();
        let temp = name.to_string_lossy().starts_with(TEMP_PREFIX);
        if temp || path.extension().is_some_and(|x| x == EXTENSION) {
            std::fs::remove_file(&path)?;
            removed += usize::from(!temp);
        }
    }
    Ok(removed)
}
