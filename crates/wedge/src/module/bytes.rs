//! A module's binary: bytes the module owns, or a private read-only mapping of the file it
//! was loaded from (no copy, and native code and memory images stored by `wedge compile`
//! can be mapped from the same file).

use std::fs::File;
use std::ops::Deref;

/// The bytes of a module binary.
pub(crate) enum ModuleBytes {
    /// Bytes in the heap.
    Owned(Box<[u8]>),
    /// A mapped file.
    Mapped(MappedFile),
}

impl Deref for ModuleBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            ModuleBytes::Owned(b) => b,
            ModuleBytes::Mapped(m) => m.bytes(),
        }
    }
}

impl ModuleBytes {
    /// The file the bytes are mapped from, and the file offset of `bytes[at]`.
    pub fn file_at(&self, at: usize) -> Option<(&File, u64)> {
        match self {
            ModuleBytes::Owned(_) => None,
            ModuleBytes::Mapped(m) => (at <= m.len).then_some((&m.file, at as u64)),
        }
    }
}

impl MappedFile {
    /// The file mapped.
    #[cfg_attr(not(feature = "compiler"), allow(dead_code))]
    pub fn file(&self) -> &File {
        &self.file
    }
}

/// A whole file mapped read-only and private; unmapped on drop.
pub(crate) struct MappedFile {
    ptr: *const u8,
    len: usize,
    /// Kept open so that parts of it can be mapped again (code, memory images).
    file: File,
}

// SAFETY: the mapping is read-only and owned by this value; the contract of
// `MappedFile::map` says nobody changes the file while it is mapped.
unsafe impl Send for MappedFile {}
// SAFETY: as above: only shared reads.
unsafe impl Sync for MappedFile {}

impl MappedFile {
    /// Maps all of `file` (which must not be empty).
    ///
    /// # Safety
    /// Nobody may change or truncate the file while the mapping lives: its bytes are read as
    /// an immutable slice.
    pub unsafe fn map(file: File) -> std::io::Result<MappedFile> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| std::io::Error::other("file too large to map"))?;
        if len == 0 {
            return Err(std::io::Error::other("empty file"));
        }
        use std::os::fd::AsRawFd;
        // SAFETY: a private read-only mapping of an open file at an address the kernel picks;
        // the result is checked for MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(MappedFile {
            ptr: ptr as *const u8,
            len,
            file,
        })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr..ptr + len` is mapped readable for the life of `self`, and per the
        // contract of `map` nobody changes it.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `map`; no slice of it outlives `self`.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}
