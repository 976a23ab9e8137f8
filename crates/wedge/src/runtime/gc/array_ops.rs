//! The bulk array operations (`array.fill`, `array.copy`, `array.init_data`,
//! `array.init_elem`) on the GC heap, shared by the interpreter and compiled code.

use super::alloc::array_elem;
use super::heap::{write_field, GcHeap};
use crate::registry::StorageType;
use crate::runtime::TrapKind;

/// The element storage of array `arr`; traps on a null (or dead) reference.
pub(crate) fn storage(heap: &GcHeap, arr: u64) -> Result<StorageType, TrapKind> {
    let obj = heap.get(arr).ok_or(TrapKind::NullArrayReference)?;
    Ok(array_elem(&obj.ty).storage)
}

/// `array.fill`: writes `value` to elements `offset..offset + len` of `arr`.
pub(crate) fn fill(
    heap: &mut GcHeap,
    arr: u64,
    offset: usize,
    value: u128,
    len: usize,
) -> Result<(), TrapKind> {
    let obj = heap.get_mut(arr).ok_or(TrapKind::NullArrayReference)?;
    let storage = array_elem(&obj.ty).storage;
    let size = storage.size() as usize;
    if offset + len > obj.data.len() / size {
        return Err(TrapKind::ArrayOutOfBounds);
    }
    for k in offset..offset + len {
        write_field(&mut obj.data, k * size, storage, value);
    }
    Ok(())
}

/// `array.copy`: copies `len` elements of `src` from `src_off` to `dst` at `dst_off`
/// (overlapping ranges of one array copy as if through a buffer).
pub(crate) fn copy(
    heap: &mut GcHeap,
    (dst, dst_off): (u64, usize),
    (src, src_off): (u64, usize),
    len: usize,
) -> Result<(), TrapKind> {
    let (Some(d), Some(s)) = (heap.get(dst), heap.get(src)) else {
        return Err(TrapKind::NullArrayReference);
    };
    let size = array_elem(&d.ty).storage.size() as usize;
    if dst_off + len > d.data.len() / size || src_off + len > s.data.len() / size {
        return Err(TrapKind::ArrayOutOfBounds);
    }
    let (from, to, n) = (src_off * size, dst_off * size, len * size);
    if dst == src {
        if let Some(o) = heap.get_mut(dst) {
            o.data.copy_within(from..from + n, to);
        }
    } else if let Some((d, s)) = heap.get_two(dst, src) {
        d.data[to..to + n].copy_from_slice(&s.data[from..from + n]);
    }
    Ok(())
}

/// `array.init_data`: copies `len` elements' worth of bytes of `data` from `src_off` into
/// `arr` at element `dst_off`.
pub(crate) fn init_data(
    heap: &mut GcHeap,
    (arr, dst_off): (u64, usize),
    (data, src_off): (&[u8], usize),
    len: usize,
) -> Result<(), TrapKind> {
    let obj = heap.get_mut(arr).ok_or(TrapKind::NullArrayReference)?;
    let size = array_elem(&obj.ty).storage.size() as usize;
    if dst_off + len > obj.data.len() / size {
        return Err(TrapKind::ArrayOutOfBounds);
    }
    if src_off + len * size > data.len() {
        return Err(TrapKind::MemoryOutOfBounds);
    }
    obj.data[dst_off * size..(dst_off + len) * size]
        .copy_from_slice(&data[src_off..src_off + len * size]);
    Ok(())
}

/// `array.init_elem`: copies `len` references of element segment `seg` from `src_off` into
/// `arr` at `dst_off`.
pub(crate) fn init_elem(
    heap: &mut GcHeap,
    (arr, dst_off): (u64, usize),
    (seg, src_off): (&[u64], usize),
    len: usize,
) -> Result<(), TrapKind> {
    let obj = heap.get_mut(arr).ok_or(TrapKind::NullArrayReference)?;
    let storage = array_elem(&obj.ty).storage;
    let size = storage.size() as usize;
    if dst_off + len > obj.data.len() / size {
        return Err(TrapKind::ArrayOutOfBounds);
    }
    if src_off + len > seg.len() {
        return Err(TrapKind::TableOutOfBounds);
    }
    for k in 0..len {
        write_field(
            &mut obj.data,
            (dst_off + k) * size,
            storage,
            seg[src_off + k] as u128,
        );
    }
    Ok(())
}
