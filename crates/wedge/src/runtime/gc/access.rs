//! Reading GC structs and arrays from the host.

use super::heap::{extend_packed, read_field};
use crate::registry::Composite;
use crate::runtime::store::AsContext;
use crate::runtime::{AnyRef, Val};

impl AnyRef {
    /// Field `index` of a struct (packed fields zero-extended to i32); None if this is no
    /// live struct or it has no such field.
    ///
    /// ```
    /// use wedge::*;
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module (type $p (struct (field i32) (field i8)))
    ///     (func (export "make") (result anyref) (struct.new $p (i32.const 7) (i32.const -1))))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
    /// let mut out = [Val::AnyRef(None)];
    /// instance.get_func(&store, "make").unwrap().call(&mut store, &[], &mut out)?;
    /// let Val::AnyRef(Some(pair)) = out[0] else { panic!() };
    /// assert_eq!(pair.struct_field(&store, 0), Some(Val::I32(7)));
    /// assert_eq!(pair.struct_field(&store, 1), Some(Val::I32(255)));
    /// assert_eq!(pair.struct_field(&store, 2), None);
    /// # Ok::<(), wedge::Error>(())
    /// ```
    pub fn struct_field(&self, store: impl AsContext, index: usize) -> Option<Val> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        if !inner.gc.is_live(self.raw, self.generation) {
            return None;
        }
        let obj = inner.gc.heap.get(self.raw)?;
        let Composite::Struct(s) = &obj.ty.composite else {
            return None;
        };
        let storage = s.fields.get(index)?.storage;
        let raw = read_field(&obj.data, s.offsets[index] as usize, storage);
        let raw = if storage.size() == 16 {
            raw
        } else {
            extend_packed(raw, storage, false) as u128
        };
        Some(Val::from_raw(raw, storage.unpacked(), inner))
    }

    /// The length of an array; None if this is no live array.
    pub fn array_len(&self, store: impl AsContext) -> Option<u32> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        if !inner.gc.is_live(self.raw, self.generation) {
            return None;
        }
        let obj = inner.gc.heap.get(self.raw)?;
        let Composite::Array(f) = &obj.ty.composite else {
            return None;
        };
        Some((obj.data.len() / f.storage.size() as usize) as u32)
    }

    /// Element `index` of an array (packed elements zero-extended to i32); None if this is
    /// no live array or the index is out of bounds.
    pub fn array_get(&self, store: impl AsContext, index: u32) -> Option<Val> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        if !inner.gc.is_live(self.raw, self.generation) {
            return None;
        }
        let obj = inner.gc.heap.get(self.raw)?;
        let Composite::Array(f) = &obj.ty.composite else {
            return None;
        };
        let size = f.storage.size() as usize;
        let at = (index as usize).checked_mul(size)?;
        if at + size > obj.data.len() {
            return None;
        }
        let raw = read_field(&obj.data, at, f.storage);
        let raw = if size == 16 {
            raw
        } else {
            extend_packed(raw, f.storage, false) as u128
        };
        Some(Val::from_raw(raw, f.storage.unpacked(), inner))
    }
}
