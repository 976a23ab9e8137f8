//! Executable memory: code is copied into fresh pages, patched, then made read-only + executable.

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
    pub fn new(code: &[u8], patch: impl FnOnce(&mut [u8], usize)) -> Result<CodeMemory, Error> {
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
        patch(bytes, ptr as usize);
        // SAFETY: `ptr..ptr + mapped` is the mapping created above.
        let r = unsafe {
            libc::mprotect(
                ptr as *mut libc::c_void,
                mapped,
                libc::PROT_READ | libc::PROT_EXEC,
            )
        };
        if r != 0 {
            return Err(Error::Limit("cannot make native code executable".into()));
        }
        Ok(mem)
    }

    /// Address of the first byte.
    pub fn start(&self) -> usize {
        self.ptr as usize
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
