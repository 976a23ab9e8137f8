//! Memory images in an anonymous in-memory file: for a module loaded without images stored
//! by `wedge compile`, its memories' initial contents (see `native::image`) are written once,
//! on its second instantiation (the first copies its segments), into a sealed memfd; every
//! later instance maps them
//! copy-on-write instead of copying the data segments, so pages nobody writes are shared by
//! all instances and never copied.

use crate::module::ModuleInner;
use crate::native::image::{memory_images, StoredChunk};

/// Modules whose images are smaller than this copy their segments: mapping a few pages
/// costs more than copying them.
const MIN_IMAGE_BYTES: usize = 64 * 1024;

/// A module's memory images, in a file every instance maps from.
pub(crate) struct ImageFile {
    /// The sealed in-memory file.
    pub file: std::fs::File,
    /// Where each chunk of each memory's image is in the file (`at`, page aligned).
    pub chunks: Vec<StoredChunk>,
}

/// The images of `m` in an in-memory file, or None if it has none worth mapping or the
/// system cannot make one (then instances copy their data segments as usual).
pub(crate) fn create(m: &ModuleInner) -> Option<ImageFile> {
    let images = memory_images(m);
    let total: usize = images.iter().map(|c| c.bytes.len()).sum();
    if total < MIN_IMAGE_BYTES {
        return None;
    }
    let file = memfd()?;
    let mut chunks = Vec::with_capacity(images.len());
    let mut at = 0usize;
    for chunk in &images {
        use std::io::Write;
        (&file).write_all(&chunk.bytes).ok()?;
        chunks.push(StoredChunk {
            memory: chunk.memory,
            offset: chunk.offset,
            len: chunk.bytes.len() as u64,
            at,
        });
        // Chunks are whole pages, so the next one starts page aligned too.
        at += chunk.bytes.len();
    }
    seal(&file)?;
    Some(ImageFile { file, chunks })
}

/// A new empty in-memory file that can be sealed.
#[cfg(target_os = "linux")]
fn memfd() -> Option<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: memfd_create takes a NUL-terminated name and flags and returns a new
    // descriptor or -1 (checked); nothing else refers to the descriptor.
    let fd = unsafe {
        libc::memfd_create(
            c"wedge-memory-image".as_ptr(),
            libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
        )
    };
    // SAFETY: `fd` is a fresh descriptor this function owns.
    (fd >= 0).then(|| unsafe { std::fs::File::from_raw_fd(fd) })
}

#[cfg(not(target_os = "linux"))]
fn memfd() -> Option<std::fs::File> {
    None
}

/// Forbids any further change to the file's contents or size (private mappings of it stay
/// writable: their writes go to the instance's own copies of the pages).
#[cfg(target_os = "linux")]
fn seal(file: &std::fs::File) -> Option<()> {
    use std::os::fd::AsRawFd;
    let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
    // SAFETY: F_ADD_SEALS on a descriptor we own; the result is checked.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) };
    (rc == 0).then_some(())
}

#[cfg(not(target_os = "linux"))]
fn seal(_: &std::fs::File) -> Option<()> {
    None
}
