//! Building GC objects from raw slot values (shared by the interpreter and constant
//! expressions).

use super::heap::{write_field, MAX_OBJECT_BYTES};
use crate::registry::{CanonType, Composite, FieldType};
use crate::runtime::store::StoreInner;
use crate::runtime::TrapKind;
use std::sync::Arc;

/// The element type of an array type (a placeholder for other types, which validation
/// never lets reach here).
pub(crate) fn array_elem(ty: &CanonType) -> FieldType {
    match &ty.composite {
        Composite::Array(f) => *f,
        _ => FieldType {
            storage: crate::registry::StorageType::I8,
            mutable: false,
        },
    }
}

/// Payload bytes of an array, or a trap when it is too large.
pub(crate) fn array_bytes(ty: &CanonType, len: u32) -> Result<usize, TrapKind> {
    let size = array_elem(ty).storage.size() as usize;
    let bytes = size * len as usize;
    if bytes > MAX_OBJECT_BYTES {
        return Err(TrapKind::AllocationTooLarge);
    }
    Ok(bytes)
}

impl StoreInner {
    /// Allocates a struct with its fields' raw values (all zero when `fields` is empty).
    pub(crate) fn alloc_struct(&mut self, ty: &Arc<CanonType>, fields: &[u128]) -> u64 {
        let Composite::Struct(s) = &ty.composite else {
            return 0;
        };
        let mut data = vec![0u8; s.size as usize].into_boxed_slice();
        for ((f, &at), &v) in s.fields.iter().zip(s.offsets.iter()).zip(fields) {
            write_field(&mut data, at as usize, f.storage, v);
        }
        self.gc.heap.alloc(ty.clone(), 0, data)
    }

    /// Allocates an array of `len` copies of `init`.
    pub(crate) fn alloc_array(
        &mut self,
        ty: &Arc<CanonType>,
        len: u32,
        init: u128,
    ) -> Result<u64, TrapKind> {
        let bytes = array_bytes(ty, len)?;
        let storage = array_elem(ty).storage;
        let size = storage.size() as usize;
        let mut data = vec![0u8; bytes].into_boxed_slice();
        if init != 0 {
            for at in (0..bytes).step_by(size.max(1)) {
                write_field(&mut data, at, storage, init);
            }
        }
        Ok(self.gc.heap.alloc(ty.clone(), 0, data))
    }

    /// Allocates an array holding `values`.
    pub(crate) fn alloc_array_of(
        &mut self,
        ty: &Arc<CanonType>,
        values: &[u128],
    ) -> Result<u64, TrapKind> {
        let bytes = array_bytes(ty, values.len() as u32)?;
        let storage = array_elem(ty).storage;
        let size = storage.size() as usize;
        let mut data = vec![0u8; bytes].into_boxed_slice();
        for (k, &v) in values.iter().enumerate() {
            write_field(&mut data, k * size, storage, v);
        }
        Ok(self.gc.heap.alloc(ty.clone(), 0, data))
    }

    /// Allocates an array whose payload is `bytes` (little-endian elements).
    pub(crate) fn alloc_array_bytes(&mut self, ty: &Arc<CanonType>, bytes: &[u8]) -> u64 {
        self.gc.heap.alloc(ty.clone(), 0, bytes.into())
    }
}
