//! Linear memories.

use super::store::{AsContext, AsContextMut, StoreId};
use crate::types::MemoryType;
use crate::Error;

/// Bytes in a WebAssembly page.
pub const PAGE_SIZE: u64 = 65536;

/// The largest number of pages a 32-bit memory can have.
const MAX_PAGES_32: u64 = 65536;

/// A linear memory's bytes and limits.
pub(crate) struct MemoryEntity {
    pub ty: MemoryType,
    pub data: Vec<u8>,
    /// Where compiled code finds the bytes; refreshed whenever `data` may move.
    pub def: Box<super::vmctx::VmMemory>,
}

/// A zeroed byte vector from the allocator's zeroed pages (not touched until used), or None
/// if the allocation fails.
fn zeroed_bytes(len: usize) -> Option<Vec<u8>> {
    if len == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<u8>(len).ok()?;
    // SAFETY: `layout` has non-zero size; a null result is handled below.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of `[u8; len]`,
    // all `len` bytes are initialized (zero), and capacity equals the allocated length.
    Some(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

impl MemoryEntity {
    /// Creates a zeroed memory of the type's minimum size.
    pub fn new(ty: MemoryType) -> Result<MemoryEntity, Error> {
        let bytes = ty
            .minimum
            .checked_mul(PAGE_SIZE)
            .filter(|_| ty.minimum <= Self::max_pages_of(&ty))
            .ok_or_else(|| Error::Limit("memory minimum size is too large".into()))?;
        let data = zeroed_bytes(bytes as usize)
            .ok_or_else(|| Error::Limit(format!("cannot allocate {bytes} bytes of memory")))?;
        let mut m = MemoryEntity {
            ty,
            data,
            def: Box::new(super::vmctx::VmMemory {
                base: std::ptr::null_mut(),
                len: 0,
            }),
        };
        m.refresh_def();
        Ok(m)
    }

    /// Points the context-block definition at the current bytes.
    fn refresh_def(&mut self) {
        self.def.base = self.data.as_mut_ptr();
        self.def.len = self.data.len() as u64;
    }

    fn max_pages_of(ty: &MemoryType) -> u64 {
        let hard = if ty.memory64 { 1 << 48 } else { MAX_PAGES_32 };
        ty.maximum.unwrap_or(hard).min(hard)
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        self.data.len() as u64 / PAGE_SIZE
    }

    /// Grows by `delta` pages; returns the old size, or None if the limit or allocation fails.
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > Self::max_pages_of(&self.ty) {
            return None;
        }
        let new_bytes = usize::try_from(new.checked_mul(PAGE_SIZE)?).ok()?;
        let extra = new_bytes - self.data.len();
        self.data.try_reserve_exact(extra).ok()?;
        self.data.resize(new_bytes, 0);
        self.refresh_def();
        Some(old)
    }
}

/// A handle to a linear memory in a store.
///
/// ```
/// use wedge::*;
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let ty = MemoryType { minimum: 1, maximum: Some(2), shared: false, memory64: false };
/// let memory = Memory::new(&mut store, ty)?;
/// memory.write(&mut store, 8, b"hi")?;
/// assert_eq!(&memory.data(&store)[8..10], b"hi");
/// assert_eq!(memory.grow(&mut store, 1)?, 1);
/// assert!(memory.grow(&mut store, 1).is_err());
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Memory {
    /// Creates a new memory in the store.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory, Error> {
        let inner = &mut store.as_context_mut().inner;
        inner.check_new_memory(&ty)?;
        inner.memories.push(MemoryEntity::new(ty)?);
        Ok(Memory {
            store: inner.id,
            index: inner.memories.len() as u32 - 1,
        })
    }

    fn entity<'a, T: 'a>(&self, store: &'a crate::Store<T>) -> &'a MemoryEntity {
        store.inner.check(self.store);
        &store.inner.memories[self.index as usize]
    }

    /// The memory's type, with its current minimum size.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let m = self.entity(store.as_context());
        MemoryType {
            minimum: m.pages(),
            ..m.ty
        }
    }

    /// The memory's bytes.
    pub fn data<'a, T: 'a>(&self, store: &'a impl AsContext<Data = T>) -> &'a [u8] {
        &self.entity(store.as_context()).data
    }

    /// The memory's bytes, mutably.
    pub fn data_mut<'a, T: 'a>(&self, store: &'a mut impl AsContextMut<Data = T>) -> &'a mut [u8] {
        let inner = &mut store.as_context_mut().inner;
        inner.check(self.store);
        &mut inner.memories[self.index as usize].data
    }

    /// The memory's bytes and the store's host data, both mutably at once.
    ///
    /// Host functions use this to move data between guest memory and host state (for example
    /// WASI reading a file into a guest buffer) without copying through a temporary.
    ///
    /// ```
    /// use wedge::*;
    /// let mut store = Store::new(&Engine::default(), vec![1u8, 2, 3]);
    /// let ty = MemoryType { minimum: 1, maximum: None, shared: false, memory64: false };
    /// let memory = Memory::new(&mut store, ty)?;
    /// let (bytes, data) = memory.data_and_store_mut(&mut store);
    /// bytes[..3].copy_from_slice(data);
    /// data.clear();
    /// assert_eq!(&memory.data(&store)[..3], &[1, 2, 3]);
    /// # Ok::<(), wedge::Error>(())
    /// ```
    pub fn data_and_store_mut<'a, T: 'a>(
        &self,
        store: &'a mut impl AsContextMut<Data = T>,
    ) -> (&'a mut [u8], &'a mut T) {
        let (inner, data) = store.as_context_mut().inner_and_data_mut();
        inner.check(self.store);
        (&mut inner.memories[self.index as usize].data, data)
    }

    /// Current size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entity(store.as_context()).pages()
    }

    /// Grows the memory by `delta` pages and returns the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64, Error> {
        let inner = &mut store.as_context_mut().inner;
        inner.check(self.store);
        inner
            .grow_memory(self.index as usize, delta)
            .ok_or_else(|| Error::Limit("memory cannot grow that far".into()))
    }

    /// Copies bytes out of the memory at `offset`.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<(), Error> {
        let data = &self.entity(store.as_context()).data;
        let src = offset
            .checked_add(buf.len())
            .and_then(|end| data.get(offset..end))
            .ok_or_else(|| Error::Limit("memory read out of bounds".into()))?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copies bytes into the memory at `offset`.
    pub fn write(
        &self,
        mut store: impl AsContextMut,
        offset: usize,
        buf: &[u8],
    ) -> Result<(), Error> {
        let data = self.data_mut(&mut store);
        let dst = offset
            .checked_add(buf.len())
            .and_then(|end| data.get_mut(offset..end))
            .ok_or_else(|| Error::Limit("memory write out of bounds".into()))?;
        dst.copy_from_slice(buf);
        Ok(())
    }
}
