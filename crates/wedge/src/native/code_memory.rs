//! Executable memory: code is copied into fresh pages (or mapped privately from the file
//! holding it), patched, then made read-only + executable.

use crate::Error;

/// A mapping holding machine code, unmapped on drop.
pub(crate) struct CodeMemory {
    ptr: *mut u8,
    len: usize,
    mapped: usize,
}

// SAFETY: the mapping is immutable (read + execute) once constructed, so sharing it across
// threads is sound.
unsafe impl Send for CodeMemory {}
// SAFETY: as above.
unsafe impl Sync for CodeMemory {}

impl CodeMemory {
    /// Maps `code`, lets `patch` write the relocations, and makes the pages executable.
    pub fn new(code: &[u8], patch: impl FnOnce(&mut [u8])) -> Result<CodeMemory, Error> {
        let page = page_size();
        let mapped = code.len().max(1).next_multiple_of(page);
        // SAFETY: an anonymous private mapping with no address hint; the result is checked.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(Error::Limit("cannot map memory for native code".into()));
        }
        let ptr = ptr as *mut u8;
        let mem = CodeMemory {
            ptr,
            len: code.len(),
            mapped,
        };
        // SAFETY: the mapping is `mapped >= code.len()` bytes, writable, and owned by `mem`.
        let bytes = unsafe { std::slice::from_raw_parts_mut(ptr, code.len()) };
        bytes.copy_from_slice(code);
        patch(bytes);
        mem.make_executable()?;
        Ok(mem)
    }

    /// Maps `len` bytes of `file` at `offset` (a multiple of the page size) privately, lets
    /// `patch` write the relocations (copying only the pages it touches) and makes the pages
    /// executable; None if the system refuses (e.g. a file system mounted `noexec`).
    pub fn map_file(
        file: &std::fs::File,
        offset: u64,
        len: usize,
        patch: impl FnOnce(&mut [u8]),
    ) -> Option<CodeMemory> {
        use std::os::fd::AsRawFd;
        if len == 0 || !offset.is_multiple_of(page_size() as u64) {
            return None;
        }
        let mapped = len.next_multiple_of(page_size());
        // SAFETY: a private mapping of an open file at an address the kernel picks; writes
        // to it never reach the file. The result is checked for MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                libc::off_t::try_from(offset).ok()?,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        let mem = CodeMemory {
            ptr: ptr as *mut u8,
            len,
            mapped,
        };
        // SAFETY: the mapping is `mapped >= len` bytes, writable, private and owned by `mem`.
        patch(unsafe { std::slice::from_raw_parts_mut(mem.ptr, len) });
        mem.make_executable().ok()?;
        Some(mem)
    }

    /// Makes the whole mapping read-only and executable.
    fn make_executable(&self) -> Result<(), Error> {
        // SAFETY: `ptr..ptr + mapped` is this value's own mapping.
        let r = unsafe {
            libc::mprotect(
                self.ptr as *mut libc::c_void,
                self.mapped,
                libc::PROT_READ | libc::PROT_EXEC,
            )
        };
        if r != 0 {
            return Err(Error::Limit("cannot make native code executable".into()));
        }
        Ok(())
    }

    /// Address of the first byte.
    pub fn start(&self) -> usize {
        self.ptr as usize
    }

    /// The code as loaded (relocations filled in).
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping holds `len` readable bytes for as long as `self` lives and is
        // never written once executable.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Length of the code in bytes.
    pub fn len(&self) -> usize {
        self.len
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping created in `new`; no code of it runs any more
        // (the module that owns it is gone, so no instance can call into it).
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.mapped);
        }
    }
}

/// The system page size.
pub(crate) fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}
