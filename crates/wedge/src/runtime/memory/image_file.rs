//! Memory images in an anonymous in-memory file: for a module loaded without images stored
//! by `wedge compile`, its memories' initial contents (see `native::image`) are written once,
//! on its second instantiation (the first copies its segments), into a sealed memfd; every
//! later instance maps them
//! copy-on-write instead of copying the data segments, so pages nobody writes are shared by
//! all instances and never copied. A reservation that has an image mapped goes back to the
//! memory pool with it (reset to the image, see `mmap`), so the next instance of the module
//! gets its initial contents without mapping or copying anything.

use crate::module::ModuleInner;
use crate::native::image::{memory_images, StoredChunk};

/// A module's memory images, in a file every instance maps from.
pub(crate) struct ImageFile {
    /// Tells this file's images apart from every other's in the process (never reused).
    pub id: u64,
    /// The sealed in-memory file.
    pub file: std::fs::File,
    /// Where each chunk of each memory's image is in the file (`at`, page aligned).
    pub chunks: Vec<StoredChunk>,
}

/// The most zero bytes between two chunks of an image that are written into the file to
/// make them one chunk (and all such gaps together are at most the images' size).
const JOIN_GAP_BYTES: u64 = 4 << 20;

/// The images of `m` in an in-memory file, or None if it has none worth mapping or the
/// system cannot make one (then instances copy their data segments as usual).
pub(crate) fn create(m: &ModuleInner) -> Option<ImageFile> {
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let images = memory_images(m);
    if images.is_empty() {
        return None;
    }
    let file = memfd()?;
    let mut chunks: Vec<StoredChunk> = Vec::with_capacity(images.len());
    let mut at = 0usize;
    // Zero bytes the file may still get for joined chunks.
    let mut zeros_left: u64 = images.iter().map(|c| c.bytes.len() as u64).sum();
    for chunk in &images {
        use std::io::Write;
        // A chunk shortly after the previous one of its memory joins it, the zero pages
        // between written out: each chunk is a mapping of its own, and resetting a memory
        // (`madvise`) costs per mapping.
        let joined = chunks.last_mut().and_then(|last| {
            let end = last.offset.checked_add(last.len)?;
            let gap = chunk.offset.checked_sub(end)?;
            let join = last.memory == chunk.memory && gap <= JOIN_GAP_BYTES.min(zeros_left);
            join.then_some((last, gap))
        });
        match joined {
            Some((last, gap)) => {
                (&file).write_all(&vec![0; gap as usize]).ok()?;
                (&file).write_all(&chunk.bytes).ok()?;
                last.len += gap + chunk.bytes.len() as u64;
                at += gap as usize;
                zeros_left -= gap;
            }
            None => {
                (&file).write_all(&chunk.bytes).ok()?;
                chunks.push(StoredChunk {
                    memory: chunk.memory,
                    offset: chunk.offset,
                    len: chunk.bytes.len() as u64,
                    at,
                });
            }
        }
        // Chunks and gaps are whole pages, so the next one starts page aligned too.
        at += chunk.bytes.len();
    }
    seal(&file)?;
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Some(ImageFile { id, file, chunks })
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
