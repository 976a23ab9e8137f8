//! Executing typed-reference and GC instructions, and finding the GC roots in frames.

use super::run::{Executor, State};
use crate::interp::code::R;
use crate::interp::gc_code::{GcOp, GcSite};
use crate::interp::CompiledFunc;
use crate::registry::{CanonType, Composite, StorageType};
use crate::runtime::gc::alloc::{array_bytes, array_elem};
use crate::runtime::gc::heap::{extend_packed, read_field, write_field};
use crate::runtime::gc::{array_ops, refs};
use crate::runtime::TrapKind;
use crate::Error;
use std::sync::Arc;

/// The canonical type of module type `ty` of the running function's module.
fn canon(st: &State, ty: u32) -> Arc<CanonType> {
    // SAFETY: the module outlives the call.
    unsafe { (&(*st.module).canon)[ty as usize].clone() }
}

/// The raw payload bytes of a data segment (empty once dropped).
fn data_bytes(module: &crate::module::ModuleInner, dropped: bool, data: u32) -> &[u8] {
    if dropped {
        return &[];
    }
    &module.bytes[module.datas[data as usize].range.clone()]
}

impl Executor<'_> {
    /// Appends the traced references held by every active frame of this execution.
    pub(super) fn frame_roots(&self, st: &State, out: &mut Vec<u64>) {
        let mut visit = |code: *const CompiledFunc, key: usize, base: usize| {
            // SAFETY: frames point at functions kept alive by their modules.
            let map = unsafe { &(*code).gc_map };
            if map.is_empty() {
                return;
            }
            for &slot in map.always.iter().chain(map.at(key as u32)) {
                if let Some(&raw) = self.stack.get(base + slot as usize) {
                    out.push(raw);
                }
            }
        };
        for f in &self.frames {
            visit(f.func, f.pc(), f.base);
        }
        visit(st.code, st.pc, st.base);
    }

    /// Collects garbage if allocating `bytes` more calls for it (a safepoint: `st.pc` is
    /// just past the allocating instruction).
    pub(super) fn before_alloc(&mut self, st: &State, bytes: usize) -> Result<(), TrapKind> {
        if self.inner.gc.heap.should_collect(bytes) {
            let mut roots = Vec::new();
            self.frame_roots(st, &mut roots);
            self.inner.collect_garbage(&roots);
        }
        if self.inner.gc.heap.over_limit(bytes) {
            return Err(TrapKind::AllocationTooLarge);
        }
        Ok(())
    }

    /// Publishes this execution's frame roots before control leaves for the host (which
    /// may run wasm that collects); returns how many to pop afterwards.
    pub(super) fn suspend_roots(&mut self, st: &State) -> usize {
        if self.inner.gc.heap.is_empty() {
            return 0;
        }
        let mut roots = Vec::new();
        self.frame_roots(st, &mut roots);
        let n = roots.len();
        self.inner.gc.suspended.extend_from_slice(&roots);
        n
    }

    /// Pops what [`Self::suspend_roots`] published.
    pub(super) fn resume_roots(&mut self, n: usize) {
        let s = &mut self.inner.gc.suspended;
        s.truncate(s.len().saturating_sub(n));
    }

    /// Runs one `Instr::Gc`.
    #[inline(never)]
    pub(super) fn gc_op(
        &mut self,
        st: &mut State,
        op: u16,
        dst: R,
        a: R,
        site: u32,
    ) -> Result<(), Error> {
        match self.gc_op_inner(st, op, dst, a, site) {
            Ok(()) => Ok(()),
            Err(kind) => Err(self.trap_at(st, kind)),
        }
    }

    fn gc_op_inner(
        &mut self,
        st: &mut State,
        op: u16,
        dst: R,
        a: R,
        site: u32,
    ) -> Result<(), TrapKind> {
        let regs = st.regs;
        // SAFETY: slot indices come from the translator and are below the frame size,
        // which `enter` checked against the stack (as in the main loop).
        let r = |i: R| unsafe { *regs.add(i as usize) };
        let r128 = |i: R| r(i) as u128 | (r(i + 1) as u128) << 64;
        let w = |i: R, v: u64| unsafe { *regs.add(i as usize) = v };
        // SAFETY: `site` was emitted together with the instruction.
        let site: GcSite = unsafe { (&(*st.code).gc_sites)[site as usize] };
        let op = GcOp::from_u16(op).ok_or(TrapKind::Unreachable)?;
        let inner = &mut self.inner;
        match op {
            GcOp::RefAsNonNull => {
                let v = r(a);
                if v == 0 {
                    return Err(TrapKind::NullReference);
                }
                w(dst, v);
            }
            GcOp::RefEq => w(dst, (r(a) == r(a + 1)) as u64),
            GcOp::RefTest | GcOp::RefCast => {
                // SAFETY: the cast entry was emitted with the instruction.
                let ty = unsafe { (&(*st.code).casts)[site.cast as usize] };
                let v = r(a);
                let ok = inner.ref_matches(v, ty);
                if op == GcOp::RefTest {
                    w(dst, ok as u64);
                } else if ok {
                    w(dst, v);
                } else {
                    return Err(TrapKind::CastFailure);
                }
            }
            GcOp::RefI31 => w(dst, refs::i31_new(r(a) as u32)),
            GcOp::I31GetS | GcOp::I31GetU => {
                let v = r(a);
                if v == 0 {
                    return Err(TrapKind::NullI31Reference);
                }
                let out = if op == GcOp::I31GetS {
                    refs::i31_get_s(v) as u32
                } else {
                    refs::i31_get_u(v)
                };
                w(dst, out as u64);
            }
            GcOp::StructNew | GcOp::StructNewDefault => {
                let ty = canon(st, site.ty);
                let Composite::Struct(s) = &ty.composite else {
                    return Err(TrapKind::Unreachable);
                };
                self.before_alloc(st, s.size as usize)?;
                let mut fields = Vec::new();
                if op == GcOp::StructNew {
                    let mut at = a;
                    for f in s.fields.iter() {
                        let wide = f.storage == StorageType::Val(crate::ValType::V128);
                        fields.push(if wide { r128(at) } else { r(at) as u128 });
                        at += 1 + wide as u32;
                    }
                }
                let v = self.inner.alloc_struct(&ty, &fields);
                w(dst, v);
            }
            GcOp::StructGet | GcOp::StructGetS | GcOp::StructGetU => {
                let obj = inner
                    .gc
                    .heap
                    .get(r(a))
                    .ok_or(TrapKind::NullStructReference)?;
                let Composite::Struct(s) = &obj.ty.composite else {
                    return Err(TrapKind::NullStructReference);
                };
                let k = site.field as usize;
                let storage = s.fields[k].storage;
                let raw = read_field(&obj.data, s.offsets[k] as usize, storage);
                write_value(regs, dst, storage, raw, op != GcOp::StructGetU);
            }
            GcOp::StructSet => {
                let obj = inner
                    .gc
                    .heap
                    .get_mut(r(a))
                    .ok_or(TrapKind::NullStructReference)?;
                let Composite::Struct(s) = &obj.ty.composite else {
                    return Err(TrapKind::NullStructReference);
                };
                let k = site.field as usize;
                let (storage, at) = (s.fields[k].storage, s.offsets[k] as usize);
                write_field(&mut obj.data, at, storage, r128(a + 1));
            }
            GcOp::ArrayNew | GcOp::ArrayNewDefault => {
                let ty = canon(st, site.ty);
                let wide = array_elem(&ty).storage.size() == 16;
                let (init, len) = if op == GcOp::ArrayNew {
                    let init = if wide { r128(a) } else { r(a) as u128 };
                    (init, r(a + 1 + wide as u32) as u32)
                } else {
                    (0, r(a) as u32)
                };
                let bytes = array_bytes(&ty, len)?;
                self.before_alloc(st, bytes)?;
                let v = self.inner.alloc_array(&ty, len, init)?;
                w(dst, v);
            }
            GcOp::ArrayNewFixed => {
                let ty = canon(st, site.ty);
                let wide = array_elem(&ty).storage.size() == 16;
                let values: Vec<u128> = (0..site.field)
                    .map(|k| {
                        if wide {
                            r128(a + 2 * k)
                        } else {
                            r(a + k) as u128
                        }
                    })
                    .collect();
                self.before_alloc(st, array_bytes(&ty, site.field)?)?;
                let v = self.inner.alloc_array_of(&ty, &values)?;
                w(dst, v);
            }
            GcOp::ArrayNewData => {
                let ty = canon(st, site.ty);
                let size = array_elem(&ty).storage.size() as u64;
                let (offset, len) = (r(a) as u32 as u64, r(a + 1) as u32);
                // SAFETY: the module outlives the call.
                let module = unsafe { &*st.module };
                let dropped =
                    inner.instances[st.instance as usize].data_dropped[site.field as usize];
                let data = data_bytes(module, dropped, site.field);
                let end = offset + len as u64 * size;
                if end > data.len() as u64 {
                    return Err(TrapKind::MemoryOutOfBounds);
                }
                let bytes = array_bytes(&ty, len)?;
                let payload = data[offset as usize..end as usize].to_vec();
                self.before_alloc(st, bytes)?;
                let v = self.inner.alloc_array_bytes(&ty, &payload);
                w(dst, v);
            }
            GcOp::ArrayNewElem => {
                let ty = canon(st, site.ty);
                let (offset, len) = (r(a) as u32 as usize, r(a + 1) as u32 as usize);
                let seg = &inner.instances[st.instance as usize].elems[site.field as usize];
                let items: Vec<u128> = seg
                    .get(offset..offset.checked_add(len).ok_or(TrapKind::TableOutOfBounds)?)
                    .ok_or(TrapKind::TableOutOfBounds)?
                    .iter()
                    .map(|&v| v as u128)
                    .collect();
                self.before_alloc(st, array_bytes(&ty, len as u32)?)?;
                let v = self.inner.alloc_array_of(&ty, &items)?;
                w(dst, v);
            }
            GcOp::ArrayGet | GcOp::ArrayGetS | GcOp::ArrayGetU => {
                let obj = inner
                    .gc
                    .heap
                    .get(r(a))
                    .ok_or(TrapKind::NullArrayReference)?;
                let storage = array_elem(&obj.ty).storage;
                let size = storage.size() as usize;
                let i = r(a + 1) as u32 as usize;
                if i >= obj.data.len() / size {
                    return Err(TrapKind::ArrayOutOfBounds);
                }
                let raw = read_field(&obj.data, i * size, storage);
                write_value(regs, dst, storage, raw, op != GcOp::ArrayGetU);
            }
            GcOp::ArraySet => {
                let obj = inner
                    .gc
                    .heap
                    .get_mut(r(a))
                    .ok_or(TrapKind::NullArrayReference)?;
                let storage = array_elem(&obj.ty).storage;
                let size = storage.size() as usize;
                let i = r(a + 1) as u32 as usize;
                if i >= obj.data.len() / size {
                    return Err(TrapKind::ArrayOutOfBounds);
                }
                write_field(&mut obj.data, i * size, storage, r128(a + 2));
            }
            GcOp::ArrayLen => {
                let obj = inner
                    .gc
                    .heap
                    .get(r(a))
                    .ok_or(TrapKind::NullArrayReference)?;
                let size = array_elem(&obj.ty).storage.size() as usize;
                w(dst, (obj.data.len() / size) as u64);
            }
            GcOp::ArrayFill => {
                let storage = array_ops::storage(&inner.gc.heap, r(a))?;
                let wide = storage.size() == 16;
                let value = if wide { r128(a + 2) } else { r(a + 2) as u128 };
                let len = r(a + 3 + wide as u32) as u32 as usize;
                array_ops::fill(
                    &mut inner.gc.heap,
                    r(a),
                    r(a + 1) as u32 as usize,
                    value,
                    len,
                )?;
            }
            GcOp::ArrayCopy => {
                let dst = (r(a), r(a + 1) as u32 as usize);
                let src = (r(a + 2), r(a + 3) as u32 as usize);
                array_ops::copy(&mut inner.gc.heap, dst, src, r(a + 4) as u32 as usize)?;
            }
            GcOp::ArrayInitData => {
                let dst = (r(a), r(a + 1) as u32 as usize);
                let (src_off, len) = (r(a + 2) as u32 as usize, r(a + 3) as u32 as usize);
                // SAFETY: the module outlives the call.
                let module = unsafe { &*st.module };
                let dropped =
                    inner.instances[st.instance as usize].data_dropped[site.field as usize];
                let data = data_bytes(module, dropped, site.field);
                array_ops::init_data(&mut inner.gc.heap, dst, (data, src_off), len)?;
            }
            GcOp::ArrayInitElem => {
                let dst = (r(a), r(a + 1) as u32 as usize);
                let (src_off, len) = (r(a + 2) as u32 as usize, r(a + 3) as u32 as usize);
                let seg = &inner.instances[st.instance as usize].elems[site.field as usize];
                array_ops::init_elem(&mut inner.gc.heap, dst, (seg, src_off), len)?;
            }
        }
        Ok(())
    }
}

/// Writes a loaded field to slot `dst` (two slots for v128), extending packed fields.
fn write_value(regs: *mut u64, dst: R, storage: StorageType, raw: u128, signed: bool) {
    // SAFETY: as in `gc_op_inner`, `dst` is a slot of the running frame.
    unsafe {
        if storage.size() == 16 {
            *regs.add(dst as usize) = raw as u64;
            *regs.add(dst as usize + 1) = (raw >> 64) as u64;
        } else {
            *regs.add(dst as usize) = extend_packed(raw, storage, signed);
        }
    }
}
