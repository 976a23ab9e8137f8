//! One linear memory: its reservation, current length, growth and the operations on its
//! bytes that the runtime and interpreter share (bulk operations, atomics, wait/notify).

use super::mmap::{self, AtomicCell, ImageTag, Mmap};
use super::parking::{ParkingLot, WaitResult};
use crate::runtime::TrapKind;
use crate::types::MemoryType;
use crate::Error;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Address space reserved for a 32-bit memory: every address an `i32` can hold.
pub const RESERVATION_32: u64 = 1 << 32;

/// Most address space reserved for a 64-bit memory (it can never grow beyond this).
pub const RESERVATION_64: u64 = 1 << 33;

/// Inaccessible bytes reserved after the reservation of each memory.
pub const GUARD_SIZE: u64 = 2 << 30;

/// Reservation tried when the full one cannot be had (e.g. under an address-space limit).
const FALLBACK_RESERVATION: u64 = 256 << 20;

/// A linear memory. Its layout starts with what compiled code reads (see the module docs
/// of [`crate::runtime::memory`]): the base address at offset 0 and the current length in
/// bytes at offset [`LinearMemory::LENGTH_OFFSET`].
#[repr(C)]
pub(crate) struct LinearMemory {
    /// The reservation; its first field is the base address.
    map: Mmap,
    /// Current length in bytes; only grows.
    len: AtomicUsize,
    ty: MemoryType,
    /// Bytes per page.
    page_size: u64,
    /// The most bytes the memory may ever have (type maximum, index range, reservation).
    limit: u64,
    /// Serializes growth.
    grow_lock: Mutex<()>,
    /// Threads blocked in `memory.atomic.wait` on this memory.
    parking: ParkingLot,
}

const _: () = assert!(std::mem::offset_of!(LinearMemory, map) == 0);

impl LinearMemory {
    /// Offset of the current length (an `AtomicUsize`) from the start of the struct.
    pub const LENGTH_OFFSET: usize = std::mem::offset_of!(LinearMemory, len);

    /// Creates a zeroed memory of the type's minimum size.
    pub fn new(ty: MemoryType) -> Result<LinearMemory, Error> {
        Self::with_image(ty, None)
    }

    /// Creates a memory of the type's minimum size, zeroed or, if a pooled reservation with
    /// `image` mapped is at hand, holding that image already (see [`LinearMemory::image`]).
    pub fn with_image(ty: MemoryType, image: Option<ImageTag>) -> Result<LinearMemory, Error> {
        let page_size = ty.page_size();
        let type_max_bytes = ty
            .maximum
            .unwrap_or(u64::MAX)
            .min(ty.max_pages())
            .saturating_mul(page_size);
        let min_bytes = ty
            .minimum
            .checked_mul(page_size)
            .filter(|b| ty.minimum <= ty.max_pages() && *b <= type_max_bytes)
            .ok_or_else(|| Error::Limit("memory minimum size is too large".into()))?;
        let wanted = if ty.memory64 {
            type_max_bytes.min(RESERVATION_64)
        } else {
            RESERVATION_32
        };
        if min_bytes > wanted {
            return Err(Error::Limit(format!(
                "memory minimum of {min_bytes} bytes exceeds the {wanted}-byte reservation limit"
            )));
        }
        let (mut map, usable) = match reserve(wanted + GUARD_SIZE, image) {
            Some(map) => (map, wanted),
            None => {
                let small = type_max_bytes.min(FALLBACK_RESERVATION).max(min_bytes);
                let map = reserve(small, image).ok_or_else(|| {
                    Error::Limit(format!("cannot reserve {small} bytes of address space"))
                })?;
                (map, small)
            }
        };
        let min = usize::try_from(min_bytes)
            .map_err(|_| Error::Limit("memory minimum size is too large".into()))?;
        map.set_accessible(min)
            .map_err(|e| Error::Limit(format!("cannot allocate {min} bytes of memory: {e}")))?;
        Ok(LinearMemory {
            map,
            len: AtomicUsize::new(min),
            ty,
            page_size,
            limit: type_max_bytes.min(usable),
            grow_lock: Mutex::new(()),
            parking: ParkingLot::default(),
        })
    }

    /// The memory's type as declared.
    pub fn ty(&self) -> MemoryType {
        self.ty
    }

    /// Whether the memory is shared between threads.
    pub fn is_shared(&self) -> bool {
        self.ty.shared
    }

    /// Whether addresses are 64-bit.
    pub fn is_64(&self) -> bool {
        self.ty.memory64
    }

    /// The base address; it never changes while the memory lives.
    pub fn base(&self) -> *mut u8 {
        self.map.base()
    }

    /// Current length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Bytes of address space reserved, guard included (for the compiler tier, which
    /// decides from it whether bounds checks can be left to the guard pages).
    pub fn reserved(&self) -> usize {
        self.map.reserved()
    }

    /// Maps `len` bytes of `file` at `file_offset` copy-on-write over the bytes at `offset`
    /// (all page aligned, within the accessible pages): a memory image stored by
    /// `wedge compile`. False if that cannot be done (the caller copies the bytes instead).
    pub fn map_file(
        &mut self,
        offset: u64,
        len: u64,
        file: &std::fs::File,
        file_offset: u64,
    ) -> bool {
        let (Ok(at), Ok(n)) = (usize::try_from(offset), usize::try_from(len)) else {
            return false;
        };
        self.map.map_file(at, n, file, file_offset)
    }

    /// The memory image whose initial contents the memory holds from a reused reservation
    /// (nothing needs to be mapped or copied for it then), if any.
    pub fn image(&self) -> Option<ImageTag> {
        self.map.image()
    }

    /// Records that the memory's image `image` has been completely mapped (by
    /// [`LinearMemory::map_file`]), so its reservation is reused with it.
    pub fn set_image(&mut self, image: ImageTag) {
        self.map.set_image(image);
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        self.len() as u64 / self.page_size
    }

    /// Grows by `delta` pages; returns the old size in pages, or None when the maximum,
    /// the reservation or the system refuses.
    pub fn grow(&self, delta: u64) -> Option<u64> {
        let _guard = self.grow_lock.lock().unwrap_or_else(|e| e.into_inner());
        let old_len = self.len();
        let old = old_len as u64 / self.page_size;
        let new_bytes = old
            .checked_add(delta)?
            .checked_mul(self.page_size)
            .filter(|b| *b <= self.limit)?;
        let new_len = usize::try_from(new_bytes).ok()?;
        self.map.make_accessible(new_len).ok()?;
        self.len.store(new_len, Ordering::Release);
        Some(old)
    }

    /// The byte offset `addr + offset` if `len` bytes there are in bounds.
    pub fn check(&self, addr: u64, offset: u64, len: u64) -> Result<usize, TrapKind> {
        let ea = addr
            .checked_add(offset)
            .ok_or(TrapKind::MemoryOutOfBounds)?;
        let end = ea.checked_add(len).ok_or(TrapKind::MemoryOutOfBounds)?;
        if end > self.len() as u64 {
            return Err(TrapKind::MemoryOutOfBounds);
        }
        Ok(ea as usize)
    }

    /// Copies bytes at `offset` into `buf`.
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result<(), TrapKind> {
        let at = self.check(offset, 0, buf.len() as u64)?;
        self.map
            .read(at, buf, self.len())
            .then_some(())
            .ok_or(TrapKind::MemoryOutOfBounds)
    }

    /// Copies `buf` to `offset`.
    pub fn write(&self, offset: u64, buf: &[u8]) -> Result<(), TrapKind> {
        let at = self.check(offset, 0, buf.len() as u64)?;
        self.map
            .write(at, buf, self.len())
            .then_some(())
            .ok_or(TrapKind::MemoryOutOfBounds)
    }

    /// `memory.fill`.
    pub fn fill(&self, offset: u64, len: u64, byte: u8) -> Result<(), TrapKind> {
        let at = self.check(offset, 0, len)?;
        self.map
            .fill(at, len as usize, byte, self.len())
            .then_some(())
            .ok_or(TrapKind::MemoryOutOfBounds)
    }

    /// `memory.copy` from `src` of memory `from` (possibly this one) to `dst` of this one.
    pub fn copy_from(
        &self,
        dst: u64,
        from: &LinearMemory,
        src: u64,
        len: u64,
    ) -> Result<(), TrapKind> {
        let d = self.check(dst, 0, len)?;
        let s = from.check(src, 0, len)?;
        self.map
            .copy_from(d, self.len(), &from.map, s, from.len(), len as usize)
            .then_some(())
            .ok_or(TrapKind::MemoryOutOfBounds)
    }

    /// The bytes of a memory no other thread can access (see [`Mmap::slice`]).
    ///
    /// # Safety
    /// The memory must not be shared, and the caller must hold the only access path to it
    /// (a borrow of the store that owns it) for the slice's lifetime.
    pub unsafe fn private_bytes(&self) -> &[u8] {
        // SAFETY: forwarded contract; the length is within the accessible bytes.
        unsafe { self.map.slice(self.len()) }
    }

    /// The bytes of a memory no other thread can access, mutably.
    ///
    /// # Safety
    /// As for [`LinearMemory::private_bytes`], with an exclusive borrow of the store.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn private_bytes_mut(&self) -> &mut [u8] {
        // SAFETY: forwarded contract; the length is within the accessible bytes.
        unsafe { self.map.slice_mut(self.len()) }
    }

    /// The atomic cell of type `A` at `addr + offset`: traps when out of bounds or
    /// not naturally aligned.
    pub fn atomic<A: AtomicCell>(&self, addr: u64, offset: u64) -> Result<&A, TrapKind> {
        let at = self.check(addr, offset, A::SIZE as u64)?;
        if !at.is_multiple_of(A::SIZE) {
            return Err(TrapKind::UnalignedAtomic);
        }
        self.map
            .atomic::<A>(at, self.len())
            .ok_or(TrapKind::MemoryOutOfBounds)
    }

    /// `memory.atomic.wait32/64` at byte address `at` (already checked): blocks while the
    /// value there equals `expected` (per `equals`), up to `timeout_ns` (negative: forever),
    /// or until `interrupt` (if given) is raised.
    pub fn wait(
        &self,
        at: u64,
        timeout_ns: i64,
        equals: impl FnOnce() -> bool,
        interrupt: Option<&AtomicBool>,
    ) -> Result<WaitResult, TrapKind> {
        if !self.is_shared() {
            return Err(TrapKind::ExpectedSharedMemory);
        }
        let timeout = u64::try_from(timeout_ns).ok().map(Duration::from_nanos);
        match self.parking.wait(at, timeout, equals, interrupt) {
            WaitResult::Interrupted => Err(TrapKind::Interrupted),
            result => Ok(result),
        }
    }

    /// `memory.atomic.notify` at byte address `at` (already checked and aligned).
    pub fn notify(&self, at: u64, count: u32) -> u32 {
        if !self.is_shared() {
            return 0;
        }
        self.parking.notify(at, count)
    }
}

/// Reserves `bytes` (if it fits the address space), or None.
fn reserve(bytes: u64, image: Option<ImageTag>) -> Option<Mmap> {
    let bytes = usize::try_from(bytes).ok()?;
    mmap::round_to_pages(bytes)?;
    Mmap::reserve(bytes, image).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    fn ty(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            minimum: min,
            maximum: max,
            ..MemoryType::default()
        }
    }

    #[test]
    fn base_stays_put_across_growth() {
        let m = LinearMemory::new(ty(1, None)).unwrap();
        let base = m.base();
        assert_eq!(m.grow(10), Some(1));
        assert_eq!(m.pages(), 11);
        assert_eq!(m.base(), base);
        m.write(11 * 65536 - 4, &[1, 2, 3, 4]).unwrap();
        assert_eq!(
            m.write(11 * 65536 - 3, &[1, 2, 3, 4]),
            Err(TrapKind::MemoryOutOfBounds)
        );
        assert!(m.reserved() as u64 >= RESERVATION_32);
    }

    #[test]
    fn growth_stops_at_the_maximum() {
        let m = LinearMemory::new(ty(1, Some(2))).unwrap();
        assert_eq!(m.grow(1), Some(1));
        assert_eq!(m.grow(1), None);
        assert_eq!(m.grow(0), Some(2));
    }

    #[test]
    fn atomics_check_alignment_and_bounds() {
        let m = LinearMemory::new(ty(1, Some(1))).unwrap();
        let cell = m.atomic::<AtomicU32>(8, 4).unwrap();
        cell.store(7, Ordering::SeqCst);
        let mut buf = [0u8; 4];
        m.read(12, &mut buf).unwrap();
        assert_eq!(u32::from_le_bytes(buf), 7);
        assert_eq!(
            m.atomic::<AtomicU32>(1, 0).err(),
            Some(TrapKind::UnalignedAtomic)
        );
        assert_eq!(
            m.atomic::<AtomicU32>(65536, 0).err(),
            Some(TrapKind::MemoryOutOfBounds)
        );
    }
}
