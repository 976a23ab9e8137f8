//! Linear memories: store handles ([`Memory`]), memories shared between threads
//! ([`SharedMemory`]), and how their bytes are laid out in the host's address space.
//!
//! # Layout (what compiled code may rely on)
//!
//! Every memory is a [`LinearMemory`] kept in an `Arc`, so the object itself never moves
//! while any store or handle keeps it alive. It starts with a `#[repr(C)]` header:
//!
//! | offset | type | meaning |
//! |---|---|---|
//! | 0 | `*mut u8` | **base address** of the memory's bytes; fixed for the memory's whole life |
//! | [`LinearMemory::LENGTH_OFFSET`] | `AtomicUsize` | **current length in bytes**; only grows (read it with acquire ordering for shared memories) |
//!
//! The bytes live in one reservation of address space made when the memory is created:
//!
//! - a 32-bit memory reserves [`RESERVATION_32`] (4 GiB, every address an `i32` can name)
//!   followed by [`GUARD_SIZE`] (2 GiB) of inaccessible guard pages; so `base + (u32 addr) +
//!   offset` for any static `offset < GUARD_SIZE` lands either in bounds or on a page that
//!   faults;
//! - a 64-bit memory reserves `min(maximum, RESERVATION_64)` (at most 8 GiB) plus the same
//!   guard; it can never grow past its reservation (`memory.grow` then returns -1);
//! - if the address space cannot be had (e.g. under `ulimit -v`), the memory falls back to a
//!   reservation of at most 256 MiB (or its minimum) with **no guard**; compiled code must
//!   then bounds-check every access (`LinearMemory::reserved` tells which case applies).
//!
//! Growing makes more of the reservation readable and writable (`mprotect`), rounded up to
//! whole host pages; bytes past the current length but inside the last host page are
//! accessible, so memories whose page size is smaller than the host page (one-byte custom
//! pages) need explicit bounds checks in compiled code too. The interpreter always checks
//! against the current length and does not rely on guard pages.
//!
//! When a memory is dropped its reservation is zeroed and kept in a small process-wide pool
//! (at most 16, each keeping at most 1 MiB resident), so instantiating short-lived modules
//! costs no `mmap`/`munmap` or page faults; a reused reservation gets exactly its new
//! minimum made accessible, so the guard reasoning above holds for it too. A reservation
//! with a module's memory image mapped (see `image_file`) is reset to that image instead
//! (`MADV_DONTNEED` drops its private copies of pages) and given to the next instance of
//! the same module first, whose memory then needs no mapping or copying at all.
//!
//! Shared memories (`(memory 1 2 shared)`) use the same object: several stores, on
//! different threads, hold the same `Arc`, and growth only ever extends the length.

pub(crate) mod image_file;
mod linear;
mod mmap;
mod parking;

pub(crate) use linear::LinearMemory;
pub use linear::{GUARD_SIZE, RESERVATION_32, RESERVATION_64};
pub(crate) use mmap::{image_tag, AtomicCell, ImageTag};

use super::store::{AsContext, AsContextMut, StoreId};
use crate::types::MemoryType;
use crate::Error;
use std::sync::Arc;

/// Offset of a memory's base address (`*mut u8`) in its runtime object; see the layout above.
pub const MEMORY_BASE_OFFSET: usize = 0;

/// Offset of a memory's current length in bytes (`AtomicUsize`) in its runtime object.
pub const MEMORY_LENGTH_OFFSET: usize = LinearMemory::LENGTH_OFFSET;

/// Bytes in a WebAssembly page (of the default size).
pub const PAGE_SIZE: u64 = 65536;

/// A handle to a linear memory in a store.
///
/// ```
/// use wedge::*;
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let ty = MemoryType { minimum: 1, maximum: Some(2), ..MemoryType::default() };
/// let memory = Memory::new(&mut store, ty)?;
/// memory.write(&mut store, 8, b"hi")?;
/// assert_eq!(&memory.data(&store)[8..10], b"hi");
/// assert_eq!(memory.grow(&mut store, 1)?, 1);
/// assert!(memory.grow(&mut store, 1).is_err());
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Memory {
    /// Creates a new memory in the store (a shared type creates a memory that can later be
    /// handed to other stores with [`Memory::to_shared`]).
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory, Error> {
        let inner = &mut store.as_context_mut().inner;
        inner.check_new_memory(&ty)?;
        let memory = Arc::new(LinearMemory::new(ty)?);
        Ok(Self::attach(inner, memory))
    }

    /// Adds an existing memory object to the store's memories.
    pub(crate) fn attach(
        inner: &mut super::store::StoreInner,
        memory: Arc<LinearMemory>,
    ) -> Memory {
        inner.memories.push(memory);
        Memory {
            store: inner.id,
            index: inner.memories.len() as u32 - 1,
        }
    }

    fn entity<'a, T: 'a>(&self, store: &'a crate::Store<T>) -> &'a Arc<LinearMemory> {
        store.inner.check(self.store);
        &store.inner.memories[self.index as usize]
    }

    /// The memory's type, with its current size as minimum.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let m = self.entity(store.as_context());
        MemoryType {
            minimum: m.pages(),
            ..m.ty()
        }
    }

    /// The memory's bytes. A shared memory gives an empty slice, since other threads may
    /// change its bytes at any time: use [`Memory::read`] and [`Memory::write`] for it.
    pub fn data<'a, T: 'a>(&self, store: &'a impl AsContext<Data = T>) -> &'a [u8] {
        let m = self.entity(store.as_context());
        if m.is_shared() {
            return &[];
        }
        // SAFETY: the memory is not shared, so it is reachable only through this store,
        // which is borrowed for the slice's lifetime; nothing can write it meanwhile.
        unsafe { m.private_bytes() }
    }

    /// The memory's bytes, mutably (empty for a shared memory, as for [`Memory::data`]).
    pub fn data_mut<'a, T: 'a>(&self, store: &'a mut impl AsContextMut<Data = T>) -> &'a mut [u8] {
        let inner = &mut store.as_context_mut().inner;
        inner.check(self.store);
        let m = &inner.memories[self.index as usize];
        if m.is_shared() {
            return &mut [];
        }
        // SAFETY: the memory is not shared, so it is reachable only through this store,
        // which is borrowed exclusively for the slice's lifetime.
        unsafe { m.private_bytes_mut() }
    }

    /// The memory's bytes and the store's host data, both mutably at once (the bytes are
    /// empty for a shared memory, as for [`Memory::data`]).
    ///
    /// Host functions use this to move data between guest memory and host state (for example
    /// WASI reading a file into a guest buffer) without copying through a temporary.
    ///
    /// ```
    /// use wedge::*;
    /// let mut store = Store::new(&Engine::default(), vec![1u8, 2, 3]);
    /// let ty = MemoryType { minimum: 1, ..MemoryType::default() };
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
        let m = &inner.memories[self.index as usize];
        if m.is_shared() {
            return (&mut [], data);
        }
        // SAFETY: the memory is not shared, so it is reachable only through this store,
        // which is borrowed exclusively for the slice's lifetime.
        (unsafe { m.private_bytes_mut() }, data)
    }

    /// Current size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.entity(store.as_context()).pages()
    }

    /// Current size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.entity(store.as_context()).len()
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
        self.entity(store.as_context())
            .read(offset as u64, buf)
            .map_err(|_| Error::Limit("memory read out of bounds".into()))
    }

    /// Copies bytes into the memory at `offset`.
    pub fn write(&self, store: impl AsContextMut, offset: usize, buf: &[u8]) -> Result<(), Error> {
        self.entity(store.as_context())
            .write(offset as u64, buf)
            .map_err(|_| Error::Limit("memory write out of bounds".into()))
    }

    /// The shared memory behind this handle, to import into other stores; None unless the
    /// memory's type is shared.
    pub fn to_shared(&self, store: impl AsContext) -> Option<SharedMemory> {
        let m = self.entity(store.as_context());
        m.is_shared().then(|| SharedMemory { inner: m.clone() })
    }
}

/// A shared linear memory that stores on several threads can import at once.
///
/// Create it once, then give each store its own [`Memory`] handle to it with
/// [`SharedMemory::attach`] or define it in a [`Linker`](crate::Linker) with
/// [`Linker::define_shared_memory`](crate::Linker::define_shared_memory).
///
/// ```
/// use wedge::*;
/// let engine = Engine::default();
/// let ty = MemoryType { minimum: 1, maximum: Some(1), shared: true, ..MemoryType::default() };
/// let shared = SharedMemory::new(ty)?;
/// let module = Module::new(&engine, r#"(module (import "env" "mem" (memory 1 1 shared))
///     (func (export "bump") (result i32) (i32.atomic.rmw.add (i32.const 0) (i32.const 1))))"#)?;
/// let handles: Vec<_> = (0..2).map(|_| {
///     let (engine, module, shared) = (engine.clone(), module.clone(), shared.clone());
///     std::thread::spawn(move || {
///         let mut store = Store::new(&engine, ());
///         let mut linker = Linker::new(&engine);
///         linker.define_shared_memory("env", "mem", shared)?;
///         let bump = linker.instantiate(&mut store, &module)?
///             .get_typed_func::<(), i32>(&store, "bump")?;
///         for _ in 0..100 { bump.call(&mut store, ())?; }
///         Ok::<(), Error>(())
///     })
/// }).collect();
/// for h in handles { h.join().unwrap()?; }
/// let mut word = [0u8; 4];
/// shared.read(0, &mut word)?;
/// assert_eq!(u32::from_le_bytes(word), 200);
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone)]
pub struct SharedMemory {
    inner: Arc<LinearMemory>,
}

impl SharedMemory {
    /// Creates a zeroed shared memory; the type must be shared and have a maximum.
    pub fn new(ty: MemoryType) -> Result<SharedMemory, Error> {
        if !ty.shared || ty.maximum.is_none() {
            return Err(Error::Type(
                "a shared memory's type must be shared and have a maximum".into(),
            ));
        }
        Ok(SharedMemory {
            inner: Arc::new(LinearMemory::new(ty)?),
        })
    }

    /// The memory's type, with its current size as minimum.
    pub fn ty(&self) -> MemoryType {
        MemoryType {
            minimum: self.inner.pages(),
            ..self.inner.ty()
        }
    }

    /// Current size in pages.
    pub fn size(&self) -> u64 {
        self.inner.pages()
    }

    /// Current size in bytes.
    pub fn data_size(&self) -> usize {
        self.inner.len()
    }

    /// Grows the memory by `delta` pages and returns the previous size.
    pub fn grow(&self, delta: u64) -> Result<u64, Error> {
        self.inner
            .grow(delta)
            .ok_or_else(|| Error::Limit("memory cannot grow that far".into()))
    }

    /// Copies bytes out of the memory at `offset` (other threads may be writing them).
    pub fn read(&self, offset: usize, buf: &mut [u8]) -> Result<(), Error> {
        self.inner
            .read(offset as u64, buf)
            .map_err(|_| Error::Limit("memory read out of bounds".into()))
    }

    /// Copies bytes into the memory at `offset`.
    pub fn write(&self, offset: usize, buf: &[u8]) -> Result<(), Error> {
        self.inner
            .write(offset as u64, buf)
            .map_err(|_| Error::Limit("memory write out of bounds".into()))
    }

    /// Gives `store` a handle to this memory, usable as an import.
    pub fn attach(&self, mut store: impl AsContextMut) -> Memory {
        Memory::attach(&mut store.as_context_mut().inner, self.inner.clone())
    }

    /// Returns true if both handles refer to the same memory.
    pub fn same(a: &SharedMemory, b: &SharedMemory) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }
}

impl std::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMemory")
            .field("ty", &self.ty())
            .finish_non_exhaustive()
    }
}
