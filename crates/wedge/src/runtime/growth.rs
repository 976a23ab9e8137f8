//! Creating and growing memories and tables within the store's [`StoreLimits`].

use super::store::StoreInner;
use crate::limits::StoreLimits;
use crate::types::{MemoryType, TableType};
use crate::Error;

impl StoreInner {
    /// Total bytes of all memories in the store.
    fn memory_bytes(&self) -> u64 {
        self.memories.iter().map(|m| m.len() as u64).sum()
    }

    /// Whether a memory of `pages` pages fits the limits when `extra_bytes` more are added.
    fn memory_fits(&self, pages: u64, extra_bytes: u64) -> bool {
        let StoreLimits {
            memory_pages,
            memory_bytes,
            ..
        } = self.limits;
        memory_pages.is_none_or(|max| pages <= max)
            && memory_bytes.is_none_or(|max| {
                extra_bytes
                    .checked_add(self.memory_bytes())
                    .is_some_and(|total| total <= max)
            })
    }

    /// Fails if a new memory of this type would break the store's limits.
    pub(crate) fn check_new_memory(&self, ty: &MemoryType) -> Result<(), Error> {
        let bytes = ty.minimum.saturating_mul(ty.page_size());
        if self.memory_fits(ty.minimum, bytes) {
            Ok(())
        } else {
            Err(Error::Limit(format!(
                "a memory of {} pages exceeds the store's memory limit",
                ty.minimum
            )))
        }
    }

    /// Fails if a new table of this type would break the store's limits.
    pub(crate) fn check_new_table(&self, ty: &TableType) -> Result<(), Error> {
        match self.limits.table_elements {
            Some(max) if ty.minimum > max => Err(Error::Limit(format!(
                "a table of {} elements exceeds the store's table limit of {max}",
                ty.minimum
            ))),
            _ => Ok(()),
        }
    }

    /// Grows memory `m` (store index) by `delta` pages within the limits; the old size or None.
    pub(crate) fn grow_memory(&mut self, m: usize, delta: u64) -> Option<u64> {
        let old = self.memories[m].pages();
        let new = old.checked_add(delta)?;
        let page_size = self.memories[m].ty().page_size();
        if !self.memory_fits(new, delta.checked_mul(page_size)?) {
            return None;
        }
        self.memories[m].grow(delta)
    }

    /// Grows table `t` (store index) by `delta` elements set to `init` within the limits.
    pub(crate) fn grow_table(&mut self, t: usize, delta: u64, init: u64) -> Option<u64> {
        let old = self.tables[t].elems.len() as u64;
        let new = old.checked_add(delta)?;
        if self.limits.table_elements.is_some_and(|max| new > max) {
            return None;
        }
        self.tables[t].grow(delta, init)
    }
}
