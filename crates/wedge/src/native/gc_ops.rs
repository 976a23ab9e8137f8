//! The GC libcall: struct, array and cast operations of compiled code, run on the store's
//! GC heap as the interpreter runs them (operands and results in 8-byte `io` slots, two for
//! v128, in wasm order; see `wedge_cranelift::GcOp`).

use super::gc_roots::compiled_frame_roots;
use crate::module::ModuleInner;
use crate::registry::{CanonType, Composite, StorageType};
use crate::runtime::gc::alloc::{array_bytes, array_elem};
use crate::runtime::gc::array_ops;
use crate::runtime::gc::heap::{extend_packed, read_field, write_field};
use crate::runtime::{StoreInner, TrapKind};
use crate::types::{HeapType, RefType, ValType};
use std::sync::Arc;
use wedge_cranelift::{GcOp, ABSTRACT_HEAP};

/// The operand slots of one call.
pub(super) struct Io(pub *mut u64);

impl Io {
    /// Slot `k`.
    fn r(&self, k: usize) -> u64 {
        // SAFETY: compiled code passes a slot array sized for the operation's operands
        // (at least two slots), and `k` stays within it.
        unsafe { *self.0.add(k) }
    }

    /// Slots `k` and `k + 1` as one 128-bit value.
    fn r128(&self, k: usize) -> u128 {
        self.r(k) as u128 | (self.r(k + 1) as u128) << 64
    }

    /// A value of `wide` (v128) or plain storage at slot `k`.
    fn value(&self, k: usize, wide: bool) -> u128 {
        if wide {
            self.r128(k)
        } else {
            self.r(k) as u128
        }
    }

    /// Writes the result slot(s).
    fn w(&self, v: u128) {
        // SAFETY: as in `r`: the array has at least two slots.
        unsafe {
            *self.0 = v as u64;
            *self.0.add(1) = (v >> 64) as u64;
        }
    }

    /// Writes a loaded field, extending packed storage.
    fn w_field(&self, storage: StorageType, raw: u128, signed: bool) {
        if storage.size() == 16 {
            self.w(raw);
        } else {
            self.w(extend_packed(raw, storage, signed) as u128);
        }
    }
}

/// Where the compiled frames of the running activation are, for a collection.
#[derive(Clone, Copy)]
pub(super) struct Frames {
    /// The calling frame's stack pointer at the call.
    pub sp: usize,
    /// The calling frame's frame pointer.
    pub fp: usize,
}

/// Whether storage holds a traced reference.
fn traced(s: StorageType) -> bool {
    matches!(s, StorageType::Val(v) if v.is_traced())
}

/// The raw payload of a data segment (empty once dropped).
fn data_bytes(m: &ModuleInner, dropped: bool, data: u32) -> &[u8] {
    if dropped {
        return &[];
    }
    &m.bytes[m.datas[data as usize].range.clone()]
}

/// The reference type a cast names.
fn cast_type(m: &ModuleInner, code: u32, nullable: u32) -> RefType {
    let heap = if code & ABSTRACT_HEAP != 0 {
        match wedge_cranelift::abstract_of(code & !ABSTRACT_HEAP) {
            Some(ty) => HeapType::from_wasmparser(
                wasmparser::HeapType::Abstract { shared: false, ty },
                &m.heap_types,
            ),
            None => HeapType::None,
        }
    } else {
        m.heap_types
            .get(code as usize)
            .copied()
            .unwrap_or(HeapType::None)
    };
    RefType {
        nullable: nullable != 0,
        heap,
    }
}

/// Collects if allocating `bytes` calls for it, with the compiled frames and `operands`
/// (references not yet stored anywhere) as extra roots; traps beyond the heap limit.
fn before_alloc(
    s: &mut StoreInner,
    frames: Frames,
    operands: &[u64],
    bytes: usize,
) -> Result<(), TrapKind> {
    if s.gc.heap.should_collect(bytes) {
        let mut roots = operands.to_vec();
        // SAFETY: `frames` describe the compiled frame that made this libcall.
        unsafe { compiled_frame_roots(frames.sp, frames.fp, &mut roots) };
        s.collect_garbage(&roots);
    }
    if s.gc.heap.over_limit(bytes) {
        return Err(TrapKind::AllocationTooLarge);
    }
    Ok(())
}

/// Runs GC operation `op` with immediates `(a, b)` for instance `instance`.
pub(super) fn run(
    s: &mut StoreInner,
    instance: u32,
    op: u32,
    (a, b): (u32, u32),
    io: &Io,
    frames: Frames,
) -> Result<(), TrapKind> {
    let op = GcOp::from_u32(op).ok_or(TrapKind::Unreachable)?;
    // Only the operations that need the module look it up (field accesses are the hot ones).
    let module = |s: &StoreInner| s.instances[instance as usize].module.inner.clone();
    let canon = |s: &StoreInner, ty: u32| -> Result<Arc<CanonType>, TrapKind> {
        s.instances[instance as usize]
            .module
            .inner
            .canon
            .get(ty as usize)
            .cloned()
            .ok_or(TrapKind::Unreachable)
    };
    match op {
        GcOp::RefTest | GcOp::RefCast => {
            let v = io.r(0);
            let ty = cast_type(&s.instances[instance as usize].module.inner, a, b);
            let ok = s.ref_matches(v, ty);
            if op == GcOp::RefTest {
                io.w(ok as u128);
            } else if !ok {
                return Err(TrapKind::CastFailure);
            }
        }
        GcOp::FuncSubtype => {
            let m = &s.instances[instance as usize].module.inner;
            let want = m.type_ids.get(a as usize).copied();
            let ok = want.is_some_and(|want| s.types.is_subtype(io.r(0) as u32, want));
            io.w(ok as u128);
        }
        GcOp::StructNew | GcOp::StructNewDefault => {
            let ty = canon(s, a)?;
            let Composite::Struct(st) = &ty.composite else {
                return Err(TrapKind::Unreachable);
            };
            let mut fields = Vec::new();
            let mut refs = Vec::new();
            if op == GcOp::StructNew {
                let mut at = 0;
                for f in st.fields.iter() {
                    let wide = f.storage == StorageType::Val(ValType::V128);
                    let v = io.value(at, wide);
                    if traced(f.storage) {
                        refs.push(v as u64);
                    }
                    fields.push(v);
                    at += 1 + wide as usize;
                }
            }
            before_alloc(s, frames, &refs, st.size as usize)?;
            let v = s.alloc_struct(&ty, &fields);
            io.w(v as u128);
        }
        GcOp::StructGet | GcOp::StructGetS | GcOp::StructGetU => {
            let obj =
                s.gc.heap
                    .get(io.r(0))
                    .ok_or(TrapKind::NullStructReference)?;
            let Composite::Struct(st) = &obj.ty.composite else {
                return Err(TrapKind::NullStructReference);
            };
            let k = b as usize;
            let storage = st.fields[k].storage;
            let raw = read_field(&obj.data, st.offsets[k] as usize, storage);
            io.w_field(storage, raw, op != GcOp::StructGetU);
        }
        GcOp::StructSet => {
            let v = io.r128(1);
            let obj =
                s.gc.heap
                    .get_mut(io.r(0))
                    .ok_or(TrapKind::NullStructReference)?;
            let Composite::Struct(st) = &obj.ty.composite else {
                return Err(TrapKind::NullStructReference);
            };
            let k = b as usize;
            let (storage, at) = (st.fields[k].storage, st.offsets[k] as usize);
            write_field(&mut obj.data, at, storage, v);
        }
        GcOp::ArrayNew | GcOp::ArrayNewDefault => {
            let ty = canon(s, a)?;
            let storage = array_elem(&ty).storage;
            let wide = storage.size() == 16;
            let (init, len) = if op == GcOp::ArrayNew {
                (io.value(0, wide), io.r(1 + wide as usize) as u32)
            } else {
                (0, io.r(0) as u32)
            };
            let refs: &[u64] = if traced(storage) { &[init as u64] } else { &[] };
            before_alloc(s, frames, refs, array_bytes(&ty, len)?)?;
            let v = s.alloc_array(&ty, len, init)?;
            io.w(v as u128);
        }
        GcOp::ArrayNewFixed => {
            let ty = canon(s, a)?;
            let storage = array_elem(&ty).storage;
            let wide = storage.size() == 16;
            let step = 1 + wide as usize;
            let values: Vec<u128> = (0..b as usize).map(|k| io.value(k * step, wide)).collect();
            let refs: Vec<u64> = if traced(storage) {
                values.iter().map(|v| *v as u64).collect()
            } else {
                Vec::new()
            };
            before_alloc(s, frames, &refs, array_bytes(&ty, b)?)?;
            let v = s.alloc_array_of(&ty, &values)?;
            io.w(v as u128);
        }
        GcOp::ArrayNewData => {
            let ty = canon(s, a)?;
            let size = array_elem(&ty).storage.size() as u64;
            let (offset, len) = (io.r(0) as u32 as u64, io.r(1) as u32);
            let dropped = s.instances[instance as usize].data_dropped[b as usize];
            let module = module(s);
            let data = data_bytes(&module, dropped, b);
            let end = offset + len as u64 * size;
            if end > data.len() as u64 {
                return Err(TrapKind::MemoryOutOfBounds);
            }
            let bytes = array_bytes(&ty, len)?;
            let payload = data[offset as usize..end as usize].to_vec();
            before_alloc(s, frames, &[], bytes)?;
            let v = s.alloc_array_bytes(&ty, &payload);
            io.w(v as u128);
        }
        GcOp::ArrayNewElem => {
            let ty = canon(s, a)?;
            let (offset, len) = (io.r(0) as u32 as usize, io.r(1) as u32 as usize);
            let seg = &s.instances[instance as usize].elems[b as usize];
            let end = offset.checked_add(len).ok_or(TrapKind::TableOutOfBounds)?;
            let items: Vec<u128> = seg
                .get(offset..end)
                .ok_or(TrapKind::TableOutOfBounds)?
                .iter()
                .map(|&v| v as u128)
                .collect();
            before_alloc(s, frames, &[], array_bytes(&ty, len as u32)?)?;
            let v = s.alloc_array_of(&ty, &items)?;
            io.w(v as u128);
        }
        GcOp::ArrayGet | GcOp::ArrayGetS | GcOp::ArrayGetU => {
            let obj = s.gc.heap.get(io.r(0)).ok_or(TrapKind::NullArrayReference)?;
            let storage = array_elem(&obj.ty).storage;
            let size = storage.size() as usize;
            let i = io.r(1) as u32 as usize;
            if i >= obj.data.len() / size {
                return Err(TrapKind::ArrayOutOfBounds);
            }
            let raw = read_field(&obj.data, i * size, storage);
            io.w_field(storage, raw, op != GcOp::ArrayGetU);
        }
        GcOp::ArraySet => {
            let (i, v) = (io.r(1) as u32 as usize, io.r128(2));
            let obj =
                s.gc.heap
                    .get_mut(io.r(0))
                    .ok_or(TrapKind::NullArrayReference)?;
            let storage = array_elem(&obj.ty).storage;
            let size = storage.size() as usize;
            if i >= obj.data.len() / size {
                return Err(TrapKind::ArrayOutOfBounds);
            }
            write_field(&mut obj.data, i * size, storage, v);
        }
        GcOp::ArrayLen => {
            let obj = s.gc.heap.get(io.r(0)).ok_or(TrapKind::NullArrayReference)?;
            let size = array_elem(&obj.ty).storage.size() as usize;
            io.w((obj.data.len() / size) as u128);
        }
        GcOp::ArrayFill => {
            let storage = array_ops::storage(&s.gc.heap, io.r(0))?;
            let wide = storage.size() == 16;
            let value = io.value(2, wide);
            let len = io.r(3 + wide as usize) as u32 as usize;
            array_ops::fill(&mut s.gc.heap, io.r(0), io.r(1) as u32 as usize, value, len)?;
        }
        GcOp::ArrayCopy => {
            let dst = (io.r(0), io.r(1) as u32 as usize);
            let src = (io.r(2), io.r(3) as u32 as usize);
            array_ops::copy(&mut s.gc.heap, dst, src, io.r(4) as u32 as usize)?;
        }
        GcOp::ArrayInitData => {
            let dst = (io.r(0), io.r(1) as u32 as usize);
            let (src_off, len) = (io.r(2) as u32 as usize, io.r(3) as u32 as usize);
            let dropped = s.instances[instance as usize].data_dropped[b as usize];
            let module = module(s);
            let data = data_bytes(&module, dropped, b);
            array_ops::init_data(&mut s.gc.heap, dst, (data, src_off), len)?;
        }
        GcOp::ArrayInitElem => {
            let dst = (io.r(0), io.r(1) as u32 as usize);
            let (src_off, len) = (io.r(2) as u32 as usize, io.r(3) as u32 as usize);
            let seg = &s.instances[instance as usize].elems[b as usize];
            array_ops::init_elem(&mut s.gc.heap, dst, (seg, src_off), len)?;
        }
    }
    Ok(())
}
