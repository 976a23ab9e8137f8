//! Tables of references.

use super::store::{AsContext, AsContextMut, StoreId};
use super::val::Val;
use crate::types::TableType;
use crate::Error;

/// The most elements a table may hold, to keep hostile modules from exhausting memory.
pub(crate) const MAX_TABLE_ELEMS: u64 = 10_000_000;

/// A table's elements (raw references: store index + 1, 0 for null) and type.
pub(crate) struct TableEntity {
    pub ty: TableType,
    pub elems: Vec<u64>,
    /// Where compiled code finds the elements; refreshed whenever `elems` may move.
    pub def: Box<super::vmctx::VmTable>,
    /// For a table initialized on first use: its template (a null element may be one not
    /// initialized yet, see `lazy_table`).
    pub lazy: Option<Box<super::lazy_table::LazyState>>,
}

impl Drop for TableEntity {
    fn drop(&mut self) {
        if let Some(state) = self.lazy.take() {
            TableEntity::recycle_lazy(&state, std::mem::take(&mut self.elems));
        }
    }
}

impl TableEntity {
    /// Creates a table of the type's minimum size filled with `init`.
    pub fn new(ty: TableType, init: u64) -> Result<TableEntity, Error> {
        if ty.minimum > MAX_TABLE_ELEMS {
            return Err(Error::Limit("table minimum size is too large".into()));
        }
        Ok(Self::make(ty, vec![init; ty.minimum as usize], None))
    }

    /// Creates a table of type `ty` holding `elems` (its minimum size, checked already).
    pub fn from_elems(ty: TableType, elems: Vec<u64>) -> TableEntity {
        Self::make(ty, elems, None)
    }

    /// Creates a table of type `ty` holding `elems`, initialized on first use from `lazy`.
    pub(crate) fn with_lazy(
        ty: TableType,
        elems: Vec<u64>,
        lazy: Box<super::lazy_table::LazyState>,
    ) -> TableEntity {
        Self::make(ty, elems, Some(lazy))
    }

    fn make(
        ty: TableType,
        elems: Vec<u64>,
        lazy: Option<Box<super::lazy_table::LazyState>>,
    ) -> TableEntity {
        let mut t = TableEntity {
            ty,
            elems,
            def: Box::new(super::vmctx::VmTable {
                base: std::ptr::null_mut(),
                len: 0,
            }),
            lazy,
        };
        t.refresh_def();
        t
    }

    /// Points the context-block definition at the current elements.
    fn refresh_def(&mut self) {
        self.def.base = self.elems.as_mut_ptr();
        self.def.len = self.elems.len() as u64;
    }

    /// Grows by `delta` elements filled with `init`; returns the old size or None.
    pub fn grow(&mut self, delta: u64, init: u64) -> Option<u64> {
        let old = self.elems.len() as u64;
        let new = old.checked_add(delta)?;
        let max = self.ty.maximum.unwrap_or(u64::MAX).min(MAX_TABLE_ELEMS);
        if new > max {
            return None;
        }
        self.elems.try_reserve(delta as usize).ok()?;
        self.elems.resize(new as usize, init);
        self.refresh_def();
        Some(old)
    }
}

/// A handle to a table in a store.
///
/// ```
/// use wedge::*;
/// let mut store = Store::new(&Engine::default(), ());
/// let ty = TableType::new(RefType::FUNCREF, 2, None);
/// let table = Table::new(&mut store, ty, Val::FuncRef(None))?;
/// assert_eq!(table.size(&store), 2);
/// assert_eq!(table.grow(&mut store, 3, Val::FuncRef(None))?, 2);
/// assert_eq!(table.get(&store, 4), Some(Val::FuncRef(None)));
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Table {
    /// Creates a table whose elements start as `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table, Error> {
        let elem = crate::ValType::Ref(ty.element);
        if !init.matches(elem) {
            return Err(Error::Type(format!(
                "table initializer is not of type {elem}"
            )));
        }
        let inner = &mut store.as_context_mut().inner;
        init.check_in(inner, elem).map_err(Error::Type)?;
        let raw = init.to_raw(inner) as u64;
        inner.check_new_table(&ty)?;
        inner.tables.push(TableEntity::new(ty, raw)?);
        Ok(Table {
            store: inner.id,
            index: inner.tables.len() as u32 - 1,
        })
    }

    /// The table's type, with its current size as minimum.
    pub fn ty(&self, store: impl AsContext) -> TableType {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        let t = &inner.tables[self.index as usize];
        TableType {
            minimum: t.elems.len() as u64,
            ..t.ty
        }
    }

    /// Current number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        inner.tables[self.index as usize].elems.len() as u64
    }

    /// The element at `index`, or None when out of bounds.
    pub fn get(&self, store: impl AsContext, index: u64) -> Option<Val> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        let t = &inner.tables[self.index as usize];
        let raw = *t.elems.get(usize::try_from(index).ok()?)?;
        Some(Val::from_raw(
            raw as u128,
            crate::ValType::Ref(t.ty.element),
            inner,
        ))
    }

    /// Writes the element at `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, value: Val) -> Result<(), Error> {
        let inner = &mut store.as_context_mut().inner;
        inner.check(self.store);
        let elem = crate::ValType::Ref(inner.tables[self.index as usize].ty.element);
        if !value.matches(elem) {
            return Err(Error::Type(format!("value is not of type {elem}")));
        }
        value.check_in(inner, elem).map_err(Error::Type)?;
        let raw = value.to_raw(inner) as u64;
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| inner.tables[self.index as usize].elems.get_mut(i))
            .ok_or_else(|| Error::Limit("table index out of bounds".into()))?;
        *slot = raw;
        Ok(())
    }

    /// Grows the table by `delta` elements set to `init`; returns the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64, Error> {
        let inner = &mut store.as_context_mut().inner;
        inner.check(self.store);
        let elem = crate::ValType::Ref(inner.tables[self.index as usize].ty.element);
        if !init.matches(elem) {
            return Err(Error::Type(format!("value is not of type {elem}")));
        }
        init.check_in(inner, elem).map_err(Error::Type)?;
        let raw = init.to_raw(inner) as u64;
        inner
            .grow_table(self.index as usize, delta, raw)
            .ok_or_else(|| Error::Limit("table cannot grow that far".into()))
    }
}
