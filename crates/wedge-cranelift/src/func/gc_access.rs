//! Struct field and array element access inline: `struct.get`/`set`, `array.get`/`set` and
//! `array.len` read and write GC objects through the heap's slot views (see
//! [`crate::VmLayout::store_gc_table`]) without calling the runtime. Allocation, casts and
//! bulk array operations stay calls (see `gc.rs`).
//!
//! Objects never move and are only freed by a collection, which only runs inside a call,
//! so a view's payload address stays valid from the load until the next call. Payloads
//! have byte alignment only, so the data accesses claim no alignment. A trap here is an
//! ordinary trap instruction of the current operator, so metering refunds it like any other.

use super::memory::Region;
use super::{clif_type, trap_code, Translator};
use crate::gc::{GcType, Storage};
use crate::{TrapKind, WasmType};
use cranelift_codegen::ir::{
    condcodes::IntCC, types, Endianness, InstBuilder, MemFlagsData, Value,
};
use wasmparser::Operator;

/// A slot view's offset relative to `base + (r << 2)`, where its slot's view starts 16 bytes
/// earlier (the reference of slot `i` is `(i + 1) << 2`, a view 16 bytes).
const VIEW_BIAS: i32 = -16;

impl Translator<'_, '_> {
    /// Translates an inline struct or array access; false if `op` is none (or names a type
    /// that is not the struct or array it should be, which validation rules out: the runtime
    /// call then handles it).
    pub(crate) fn gc_access(&mut self, op: &Operator) -> bool {
        match *op {
            Operator::StructGet {
                struct_type_index: ty,
                field_index: k,
            }
            | Operator::StructGetS {
                struct_type_index: ty,
                field_index: k,
            }
            | Operator::StructGetU {
                struct_type_index: ty,
                field_index: k,
            } => {
                let Some((storage, offset)) = self.field(ty, k) else {
                    return false;
                };
                let signed = !matches!(op, Operator::StructGetU { .. });
                let r = self.pop();
                let view = self.gc_view(r, TrapKind::NullStructReference);
                let data = self.view_data(view);
                let v = self.gc_load(data, offset, storage, signed);
                self.push(v);
            }
            Operator::StructSet {
                struct_type_index: ty,
                field_index: k,
            } => {
                let Some((storage, offset)) = self.field(ty, k) else {
                    return false;
                };
                let (r, v) = self.pop2();
                let view = self.gc_view(r, TrapKind::NullStructReference);
                let data = self.view_data(view);
                self.gc_store(data, offset, storage, v);
            }
            Operator::ArrayGet {
                array_type_index: ty,
            }
            | Operator::ArrayGetS {
                array_type_index: ty,
            }
            | Operator::ArrayGetU {
                array_type_index: ty,
            } => {
                let Some(storage) = self.element(ty) else {
                    return false;
                };
                let signed = !matches!(op, Operator::ArrayGetU { .. });
                let (r, i) = self.pop2();
                let at = self.element_addr(r, i, storage);
                let v = self.gc_load(at, 0, storage, signed);
                self.push(v);
            }
            Operator::ArraySet {
                array_type_index: ty,
            } => {
                let Some(storage) = self.element(ty) else {
                    return false;
                };
                let v = self.pop();
                let (r, i) = self.pop2();
                let at = self.element_addr(r, i, storage);
                self.gc_store(at, 0, storage, v);
            }
            Operator::ArrayLen => {
                let r = self.pop();
                let view = self.gc_view(r, TrapKind::NullArrayReference);
                let len = self.view_len(view);
                let len = self.b.ins().ireduce(types::I32, len);
                self.push(len);
            }
            _ => return false,
        }
        true
    }

    /// Storage and payload offset of field `k` of struct type `ty`.
    fn field(&self, ty: u32, k: u32) -> Option<(Storage, i32)> {
        match self.env.gc_types.get(ty as usize) {
            Some(GcType::Struct(fields)) => {
                let f = fields.get(k as usize)?;
                Some((f.storage, i32::try_from(f.offset).ok()?))
            }
            _ => None,
        }
    }

    /// The element storage of array type `ty`.
    fn element(&self, ty: u32) -> Option<Storage> {
        match self.env.gc_types.get(ty as usize) {
            Some(GcType::Array(s)) => Some(*s),
            _ => None,
        }
    }

    /// Traps with `null` if `r` is null; otherwise the address of its object's slot view
    /// biased by `-VIEW_BIAS` (read its fields at `VIEW_BIAS` plus their offsets).
    fn gc_view(&mut self, r: Value, null: TrapKind) -> Value {
        self.b.ins().trapz(r, trap_code(null));
        let l = self.env.layout;
        let store = self.store_ptr();
        // The cell's address is fixed for the store; the views it points to move.
        let fixed = MemFlagsData::trusted().with_readonly().with_can_move();
        let cell = self
            .b
            .ins()
            .load(types::I64, fixed, store, l.store_gc_table);
        let flags = self.view_flags();
        let base = self.b.ins().load(types::I64, flags, cell, l.gc_table_base);
        let scaled = self.b.ins().ishl_imm_u(r, 2);
        self.b.ins().iadd(base, scaled)
    }

    /// The payload address from a view (see [`Self::gc_view`]).
    fn view_data(&mut self, view: Value) -> Value {
        let flags = self.view_flags();
        let at = self.env.layout.slot_view_data + VIEW_BIAS;
        self.b.ins().load(types::I64, flags, view, at)
    }

    /// The array length (`i64`) from a view.
    fn view_len(&mut self, view: Value) -> Value {
        let flags = self.view_flags();
        let at = self.env.layout.slot_view_len + VIEW_BIAS;
        self.b.ins().load(types::I64, flags, view, at)
    }

    /// The address of element `i` of array `r`, after the null and bounds checks.
    fn element_addr(&mut self, r: Value, i: Value, storage: Storage) -> Value {
        let view = self.gc_view(r, TrapKind::NullArrayReference);
        let len = self.view_len(view);
        let i = self.b.ins().uextend(types::I64, i);
        let out = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
        self.b
            .ins()
            .trapnz(out, trap_code(TrapKind::ArrayOutOfBounds));
        let data = self.view_data(view);
        let shift = storage.size().trailing_zeros();
        let offset = self.b.ins().ishl_imm_u(i, shift as i64);
        self.b.ins().iadd(data, offset)
    }

    /// Loads a field or element, extending packed storage; marks references.
    fn gc_load(&mut self, at: Value, offset: i32, storage: Storage, signed: bool) -> Value {
        let flags = self.data_flags();
        let ins = self.b.ins();
        let v = match (storage, signed) {
            (Storage::I8, true) => ins.sload8(types::I32, flags, at, offset),
            (Storage::I8, false) => ins.uload8(types::I32, flags, at, offset),
            (Storage::I16, true) => ins.sload16(types::I32, flags, at, offset),
            (Storage::I16, false) => ins.uload16(types::I32, flags, at, offset),
            (Storage::Val(t), _) => ins.load(clif_type(t), flags, at, offset),
        };
        self.mark_if_ref(v, storage.unpacked());
        v
    }

    /// Stores a field or element (packed storage keeps the low bits).
    fn gc_store(&mut self, at: Value, offset: i32, storage: Storage, v: Value) {
        let flags = self.data_flags();
        match storage {
            Storage::I8 => {
                self.b.ins().istore8(flags, v, at, offset);
            }
            Storage::I16 => {
                self.b.ins().istore16(flags, v, at, offset);
            }
            Storage::Val(t) => {
                let v = if t == WasmType::V128 {
                    self.canon(v)
                } else {
                    v
                };
                self.b.ins().store(flags, v, at, offset);
            }
        }
    }

    /// Flags of slot view and view table loads (changed only by calls).
    fn view_flags(&mut self) -> MemFlagsData {
        let region = self.region(Region::GcViews);
        MemFlagsData::trusted().with_alias_region(Some(region))
    }

    /// Flags of payload accesses: in bounds, little-endian, byte-aligned.
    fn data_flags(&mut self) -> MemFlagsData {
        let region = self.region(Region::GcData);
        MemFlagsData::new()
            .with_notrap()
            .with_endianness(Endianness::Little)
            .with_alias_region(Some(region))
    }
}
