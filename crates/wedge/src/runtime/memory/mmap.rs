//! The unsafe core of linear memory: reserving address space, making pages accessible,
//! unmapping, and every raw-pointer access to memory bytes outside the interpreter's
//! load/store fast path.
//!
//! Everything here is safe to call: each access checks its range against both the bound the
//! caller gives (the memory's current wasm length) and the bytes this mapping has made
//! accessible, so no caller can reach a byte that is not mapped read-write.

use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Reservations kept after their memory was dropped, so that short-lived instances do not
/// pay for mapping, faulting in and unmapping pages every time. Pooled reservations are
/// zeroed (or, with a memory image mapped, back to the image) and keep at most
/// [`POOL_KEEP_BYTES`] resident.
static POOL: Mutex<Vec<Mmap>> = Mutex::new(Vec::new());

/// Most reservations kept in the pool.
const POOL_CAPACITY: usize = 16;

/// Accessible bytes a pooled reservation keeps resident, zeroed with a plain write; larger
/// ones are handed back to the system (they read as zero when touched again).
const POOL_KEEP_BYTES: usize = 1 << 20;

/// The host's page size in bytes.
pub(crate) fn host_page_size() -> usize {
    // SAFETY: sysconf has no preconditions; it returns -1 on error, handled below.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|s| *s > 0)
        .unwrap_or(4096)
}

/// Rounds `n` up to a multiple of the host page size, or None on overflow.
pub(crate) fn round_to_pages(n: usize) -> Option<usize> {
    n.checked_next_multiple_of(host_page_size())
}

/// A range of reserved address space whose first `accessible` bytes are readable and
/// writable; the rest faults on access. The mapping never moves and is unmapped on drop.
#[repr(C)]
pub(crate) struct Mmap {
    /// Start of the reservation (page aligned, never null). Offset 0: compiled code reads it.
    ptr: NonNull<u8>,
    /// Bytes reserved, including guard pages.
    reserved: usize,
    /// Bytes from `ptr` mapped read-write; only grows.
    accessible: AtomicUsize,
    /// What backs the accessible pages: 0, anonymous memory only; [`FILE_PAGES`], some
    /// pages of a file (such a reservation is not pooled: they would not read as zero once
    /// given back); else the memory image with this tag, completely mapped. (One word, so
    /// that the layout compiled code reads, and stored code was compiled for, stays put.)
    backing: u64,
}

/// Names one memory image, never 0 or [`FILE_PAGES`] (see [`image_tag`]): a pooled
/// reservation that has it mapped holds that memory's initial contents again once reset,
/// so an instance of the same module reuses it without mapping or copying anything.
pub(crate) type ImageTag = u64;

/// `Mmap::backing` of a reservation with file pages but no complete image.
const FILE_PAGES: u64 = u64::MAX;

/// The tag of the image of memory `memory` in image file `file` (a nonzero id), if the
/// two fit in one.
pub(crate) fn image_tag(file: u64, memory: u32) -> Option<ImageTag> {
    let tag = file.checked_mul(1 << 16)? | u64::from(memory);
    (file != 0 && memory < (1 << 16) && tag != FILE_PAGES).then_some(tag)
}

// SAFETY: the mapping is plain memory owned by this value; all mutation of its bytes goes
// through raw-pointer copies and atomics that are valid from any thread, and `accessible`
// is atomic. Sharing between threads is what shared memories need.
unsafe impl Send for Mmap {}
// SAFETY: as above; `&Mmap` only exposes range-checked raw accesses.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Reserves `bytes` of address space (rounded up to whole host pages), all inaccessible.
    /// Its bytes read as zero; some may already be accessible (see [`Mmap::set_accessible`]).
    /// A pooled reservation that has `image` mapped is preferred (see [`Mmap::image`]).
    pub fn reserve(bytes: usize, image: Option<ImageTag>) -> io::Result<Mmap> {
        let reserved = round_to_pages(bytes.max(1))
            .ok_or_else(|| io::Error::new(io::ErrorKind::OutOfMemory, "reservation too large"))?;
        if let Some(map) = Self::take_pooled(reserved, image) {
            return Ok(map);
        }
        // SAFETY: an anonymous private mapping at an address the kernel picks touches no
        // existing memory; the result is checked for MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reserved,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| io::Error::other("mmap returned a null mapping"))?;
        Ok(Mmap {
            ptr,
            reserved,
            accessible: AtomicUsize::new(0),
            backing: 0,
        })
    }

    /// Maps `len` bytes of `file` at `file_offset` privately (copy-on-write) over the
    /// accessible bytes at `at`; all three must be multiples of the host page size. False if
    /// out of range or refused by the system (the bytes are then unchanged or partly mapped;
    /// the caller writes them another way).
    pub fn map_file(
        &mut self,
        at: usize,
        len: usize,
        file: &std::fs::File,
        file_offset: u64,
    ) -> bool {
        use std::os::fd::AsRawFd;
        let page = host_page_size();
        let in_range = at
            .checked_add(len)
            .is_some_and(|end| end <= *self.accessible.get_mut());
        let Ok(offset) = libc::off_t::try_from(file_offset) else {
            return false;
        };
        let aligned = at.is_multiple_of(page)
            && len.is_multiple_of(page)
            && (offset as usize).is_multiple_of(page);
        if !in_range || !aligned {
            return false;
        }
        self.backing = FILE_PAGES;
        // SAFETY: `at..at + len` lies in the accessible part of our own reservation (checked)
        // and is page aligned; `self` is borrowed exclusively, so nothing reads or writes
        // those pages meanwhile. MAP_FIXED replaces exactly them with private file pages.
        let ptr = unsafe {
            libc::mmap(
                self.ptr.as_ptr().add(at).cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                file.as_raw_fd(),
                offset,
            )
        };
        ptr != libc::MAP_FAILED
    }

    /// The start of the reservation; it never changes while the mapping lives.
    pub fn base(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Bytes of address space reserved.
    pub fn reserved(&self) -> usize {
        self.reserved
    }

    /// Bytes currently readable and writable from the start.
    pub fn accessible(&self) -> usize {
        self.accessible.load(Ordering::Acquire)
    }

    /// The memory image mapped here and reset to its initial contents, if any: its
    /// memory's initial bytes are then in place already.
    pub fn image(&self) -> Option<ImageTag> {
        (self.backing != 0 && self.backing != FILE_PAGES).then_some(self.backing)
    }

    /// Records that `image` is now completely mapped here (by [`Mmap::map_file`]), so the
    /// reservation can be pooled and reused with it.
    pub fn set_image(&mut self, image: ImageTag) {
        self.backing = image;
    }

    /// A pooled reservation of exactly `reserved` bytes, if there is one: one with `image`
    /// mapped, else a plain one, else one with another image, made plain again.
    fn take_pooled(reserved: usize, image: Option<ImageTag>) -> Option<Mmap> {
        let mut map = {
            let mut pool = POOL.lock().ok()?;
            let fits = |m: &Mmap| m.reserved == reserved;
            let at = (image.is_some())
                .then(|| pool.iter().position(|m| fits(m) && m.image() == image))
                .flatten()
                .or_else(|| pool.iter().position(|m| fits(m) && m.backing == 0))
                .or_else(|| pool.iter().position(fits))?;
            pool.swap_remove(at)
        };
        if map.backing != 0 && map.image() != image {
            // Another module's image: replace its pages with zeroed anonymous ones (on
            // failure, dropping `map` unmaps it, since it is no longer pooled with an image).
            map.backing = FILE_PAGES;
            let accessible = *map.accessible.get_mut();
            if accessible > 0 {
                // SAFETY: `0..accessible` is the page-aligned accessible start of our own
                // reservation, which nothing else uses (the pool handed it over); MAP_FIXED
                // replaces exactly those pages with fresh zeroed private ones.
                let ptr = unsafe {
                    libc::mmap(
                        map.ptr.as_ptr().cast(),
                        accessible,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                        -1,
                        0,
                    )
                };
                if ptr == libc::MAP_FAILED {
                    return None;
                }
            }
            map.backing = 0;
        }
        Some(map)
    }

    /// Makes exactly the first `bytes` (rounded up to host pages) accessible, protecting any
    /// accessible pages beyond (a reused reservation may have more).
    pub fn set_accessible(&mut self, bytes: usize) -> io::Result<()> {
        let want = round_to_pages(bytes)
            .filter(|w| *w <= self.reserved)
            .ok_or_else(|| io::Error::new(io::ErrorKind::OutOfMemory, "beyond reservation"))?;
        let have = *self.accessible.get_mut();
        if want < have {
            // SAFETY: `want..have` lies inside the reservation and is page aligned; nothing
            // else can be using the pages, since `self` is borrowed exclusively.
            let rc = unsafe {
                libc::mprotect(
                    self.ptr.as_ptr().add(want).cast(),
                    have - want,
                    libc::PROT_NONE,
                )
            };
            if rc != 0 {
                return Err(io::Error::last_os_error());
            }
            *self.accessible.get_mut() = want;
            return Ok(());
        }
        self.make_accessible(bytes)
    }

    /// Makes the first `bytes` (rounded up to host pages) readable and writable. Callers
    /// serialize calls (a memory grows under a lock); the accessible size never shrinks.
    pub fn make_accessible(&self, bytes: usize) -> io::Result<()> {
        let want = round_to_pages(bytes)
            .filter(|w| *w <= self.reserved)
            .ok_or_else(|| io::Error::new(io::ErrorKind::OutOfMemory, "beyond reservation"))?;
        let have = self.accessible.load(Ordering::Acquire);
        if want <= have {
            return Ok(());
        }
        // SAFETY: `have..want` lies inside the reservation (checked above) and both ends are
        // page aligned; changing protection of our own reserved pages affects nothing else.
        let rc = unsafe {
            libc::mprotect(
                self.ptr.as_ptr().add(have).cast(),
                want - have,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        self.accessible.store(want, Ordering::Release);
        Ok(())
    }

    /// The usable limit for an access: the smaller of `bound` and the accessible bytes.
    fn limit(&self, bound: usize) -> usize {
        bound.min(self.accessible())
    }

    /// Whether `offset..offset + len` is within `bound` and accessible.
    fn in_range(&self, offset: usize, len: usize, bound: usize) -> bool {
        offset
            .checked_add(len)
            .is_some_and(|end| end <= self.limit(bound))
    }

    /// Copies bytes at `offset` into `buf`; false if out of range.
    pub fn read(&self, offset: usize, buf: &mut [u8], bound: usize) -> bool {
        if !self.in_range(offset, buf.len(), bound) {
            return false;
        }
        // SAFETY: the source range is mapped read-write (checked) and cannot overlap `buf`,
        // which is ordinary Rust memory.
        unsafe {
            std::ptr::copy_nonoverlapping(self.base().add(offset), buf.as_mut_ptr(), buf.len())
        };
        true
    }

    /// Copies `buf` to `offset`; false if out of range.
    pub fn write(&self, offset: usize, buf: &[u8], bound: usize) -> bool {
        if !self.in_range(offset, buf.len(), bound) {
            return false;
        }
        // SAFETY: the destination range is mapped read-write (checked) and cannot overlap
        // `buf`.
        unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), self.base().add(offset), buf.len()) };
        true
    }

    /// Sets `len` bytes at `offset` to `byte`; false if out of range.
    pub fn fill(&self, offset: usize, len: usize, byte: u8, bound: usize) -> bool {
        if !self.in_range(offset, len, bound) {
            return false;
        }
        // SAFETY: the range is mapped read-write (checked).
        unsafe { std::ptr::write_bytes(self.base().add(offset), byte, len) };
        true
    }

    /// Copies `len` bytes from `src` (within `src_bound`) of `from` to `dst` (within
    /// `dst_bound`) of `self`; the two may be the same mapping and overlap. False if either
    /// range is out of bounds.
    #[allow(clippy::too_many_arguments)]
    pub fn copy_from(
        &self,
        dst: usize,
        dst_bound: usize,
        from: &Mmap,
        src: usize,
        src_bound: usize,
        len: usize,
    ) -> bool {
        if !self.in_range(dst, len, dst_bound) || !from.in_range(src, len, src_bound) {
            return false;
        }
        // SAFETY: both ranges are mapped read-write (checked); `copy` allows overlap.
        unsafe { std::ptr::copy(from.base().add(src), self.base().add(dst), len) };
        true
    }

    /// The first `len` bytes as a slice.
    ///
    /// # Safety
    /// `len` must not exceed the accessible bytes, and nobody (no other thread, no raw
    /// pointer held by the interpreter) may write the bytes while the slice lives.
    pub unsafe fn slice(&self, len: usize) -> &[u8] {
        debug_assert!(len <= self.accessible());
        // SAFETY: per the contract the bytes are mapped and not written concurrently.
        unsafe { std::slice::from_raw_parts(self.base(), len) }
    }

    /// The first `len` bytes as a mutable slice.
    ///
    /// # Safety
    /// As for [`Mmap::slice`], and nobody else may read them while the slice lives.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice_mut(&self, len: usize) -> &mut [u8] {
        debug_assert!(len <= self.accessible());
        // SAFETY: per the contract the bytes are mapped and accessed only through this slice.
        unsafe { std::slice::from_raw_parts_mut(self.base(), len) }
    }
}

/// Integer widths usable with atomic access.
pub(crate) trait AtomicCell: Sized + 'static {
    /// Bytes accessed.
    const SIZE: usize;
}

macro_rules! atomic_cell {
    ($($t:ty),*) => {$(
        impl AtomicCell for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
        }
    )*};
}
atomic_cell!(AtomicU8, AtomicU16, AtomicU32, AtomicU64);

impl Mmap {
    /// The atomic cell at `offset`, if it is in range and naturally aligned.
    pub fn atomic<A: AtomicCell>(&self, offset: usize, bound: usize) -> Option<&A> {
        if !self.in_range(offset, A::SIZE, bound) || !offset.is_multiple_of(A::SIZE) {
            return None;
        }
        // SAFETY: the cell is inside the accessible, page-aligned mapping (so naturally
        // aligned, checked above), lives as long as `self`, and is only ever accessed by
        // wasm through atomics or racy plain accesses, which the wasm memory model allows.
        Some(unsafe { &*self.base().add(offset).cast::<A>() })
    }
}

impl Mmap {
    /// Zeroes the accessible bytes (or resets those of a mapped image to the image's) and
    /// hands back the pages beyond [`POOL_KEEP_BYTES`]; false if the system refused.
    fn wipe(&mut self) -> bool {
        let accessible = *self.accessible.get_mut();
        if accessible <= POOL_KEEP_BYTES && self.backing == 0 {
            // SAFETY: the accessible bytes are mapped read-write, and `self` is borrowed
            // exclusively, so nobody else reads or writes them.
            unsafe { std::ptr::write_bytes(self.ptr.as_ptr(), 0, accessible) };
            return true;
        }
        // SAFETY: the range is the accessible part of our own private mapping; MADV_DONTNEED
        // makes its anonymous pages read as zero again and its private file pages as the
        // (sealed, unchanging) file's again, which nobody can observe meanwhile since `self`
        // is borrowed exclusively.
        let rc =
            unsafe { libc::madvise(self.ptr.as_ptr().cast(), accessible, libc::MADV_DONTNEED) };
        rc == 0
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        if let Ok(mut pool) = POOL.lock() {
            let poolable = self.backing != FILE_PAGES;
            if pool.len() < POOL_CAPACITY && poolable && self.wipe() {
                // The pool takes over the mapping: the new value owns the same pages and
                // this one ends here without unmapping them.
                pool.push(Mmap {
                    ptr: self.ptr,
                    reserved: self.reserved,
                    accessible: AtomicUsize::new(*self.accessible.get_mut()),
                    backing: self.backing,
                });
                return;
            }
        }
        // SAFETY: the mapping was created by `reserve` with this size and is unmapped once;
        // no reference into it outlives `self`.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.reserved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_commit_access_and_bounds() {
        let mut map = Mmap::reserve((1 << 30) + 3 * host_page_size(), None).unwrap();
        map.set_accessible(0).unwrap();
        assert_eq!(map.accessible(), 0);
        map.make_accessible(10).unwrap();
        let page = host_page_size();
        assert_eq!(map.accessible(), page);
        assert!(map.write(0, b"hello", 10));
        assert!(!map.write(8, b"hello", 10), "past the bound");
        let mut buf = [0u8; 5];
        assert!(map.read(0, &mut buf, 10));
        assert_eq!(&buf, b"hello");
        assert!(
            !map.read(page, &mut buf, usize::MAX),
            "past the accessible pages"
        );
        assert!(map.fill(1, 3, b'x', 10));
        assert!(map.read(0, &mut buf, 10));
        assert_eq!(&buf, b"hxxxo");
        assert!(map.atomic::<AtomicU32>(4, 10).is_some());
        assert!(map.atomic::<AtomicU32>(2, 10).is_none(), "misaligned");
        assert!(map.atomic::<AtomicU64>(8, 10).is_none(), "out of bounds");
        assert!(map.make_accessible(2 << 30).is_err());
    }

    #[test]
    fn reused_reservations_read_as_zero_and_shrink() {
        // A size no other test uses, so this test sees its own pooled reservation.
        let size = (1 << 30) + 7 * host_page_size();
        let page = host_page_size();
        let mut map = Mmap::reserve(size, None).unwrap();
        map.set_accessible(3 * page).unwrap();
        assert!(map.fill(0, 3 * page, 0xaa, usize::MAX));
        drop(map);
        let mut again = Mmap::reserve(size, None).unwrap();
        again.set_accessible(page).unwrap();
        assert_eq!(again.accessible(), page);
        let mut buf = vec![1u8; page];
        assert!(again.read(0, &mut buf, usize::MAX));
        assert!(buf.iter().all(|b| *b == 0), "reused pages are zero");
        assert!(!again.read(page, &mut buf, usize::MAX), "protected again");
        again.set_accessible(3 * page).unwrap();
        assert!(again.read(2 * page, &mut buf, usize::MAX));
        assert!(buf.iter().all(|b| *b == 0));
    }
}
