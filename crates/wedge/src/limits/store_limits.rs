//! Caps on the linear memory and table elements a store may use.

/// Limits on a store's memories and tables, beyond the modules' own maximums.
///
/// Growth past a limit fails the way the spec lets growth fail: `memory.grow` and
/// `table.grow` return -1 and the embedding API's `grow` returns an error. Creating a
/// memory or table whose minimum is already past a limit fails instantiation.
///
/// ```
/// use wedge::*;
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module (memory 1)
///     (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#)?;
/// let mut store = Store::new(&engine, ());
/// store.set_limits(StoreLimits::new().memory_pages(3));
/// let grow = Linker::new(&engine).instantiate(&mut store, &module)?
///     .get_typed_func::<i32, i32>(&store, "grow")?;
/// assert_eq!(grow.call(&mut store, 2)?, 1);
/// assert_eq!(grow.call(&mut store, 1)?, -1);
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreLimits {
    /// Most pages any one memory may have.
    pub memory_pages: Option<u64>,
    /// Most bytes all memories of the store may have together.
    pub memory_bytes: Option<u64>,
    /// Most elements any one table may have.
    pub table_elements: Option<u64>,
}

impl StoreLimits {
    /// No limits beyond the modules' own.
    pub fn new() -> StoreLimits {
        StoreLimits::default()
    }

    /// Caps every memory at `pages` pages.
    pub fn memory_pages(mut self, pages: u64) -> StoreLimits {
        self.memory_pages = Some(pages);
        self
    }

    /// Caps the total size of the store's memories at `bytes`.
    pub fn memory_bytes(mut self, bytes: u64) -> StoreLimits {
        self.memory_bytes = Some(bytes);
        self
    }

    /// Caps every table at `elements` elements.
    pub fn table_elements(mut self, elements: u64) -> StoreLimits {
        self.table_elements = Some(elements);
        self
    }
}
