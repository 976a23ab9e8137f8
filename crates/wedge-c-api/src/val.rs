//! `wasm_val_t`: values crossing the C boundary, and their conversion to Wedge values.

use crate::object::{wasm_ref_t, Item, Key};
use crate::store::StoreCell;
use crate::types::kind;
use std::rc::Rc;
use wedge::{ExternRef, Val, ValType};

/// The payload of a value.
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasm_val_union {
    /// An i32.
    pub i32: i32,
    /// An i64.
    pub i64: i64,
    /// An f32.
    pub f32: f32,
    /// An f64.
    pub f64: f64,
    /// A reference handle (owned by the value) or null.
    pub ref_: *mut wasm_ref_t,
}

/// A value: its kind and payload.
#[repr(C)]
pub struct wasm_val_t {
    /// One of `WASM_I32`, ... (`wasm_valkind_t`).
    pub kind: u8,
    /// The payload.
    pub of: wasm_val_union,
}

/// Host data of an `externref` made from a handle that is not a foreign object.
struct HostObj(Key);

fn is_ref(k: u8) -> bool {
    k >= kind::EXTERNREF
}

impl wasm_val_t {
    /// A null `externref` (`WASM_INIT_VAL`).
    pub(crate) fn null() -> wasm_val_t {
        wasm_val_t {
            kind: kind::EXTERNREF,
            of: wasm_val_union {
                ref_: std::ptr::null_mut(),
            },
        }
    }

    /// The reference handle, if the value is a non-null reference.
    fn handle(&self) -> Option<&wasm_ref_t> {
        if !is_ref(self.kind) {
            return None;
        }
        // SAFETY: a reference value holds a valid handle or null.
        unsafe { self.of.ref_.as_ref() }
    }

    /// Deletes the handle a reference value owns.
    pub(crate) fn release(self) {
        if is_ref(self.kind) {
            // SAFETY: a reference value owns its handle (made by `Box::into_raw`) or null.
            unsafe { crate::types::delete(self.of.ref_) };
        }
    }

    /// A copy that owns a handle of its own.
    pub(crate) fn copied(&self) -> wasm_val_t {
        match self.handle() {
            Some(h) => wasm_val_t {
                kind: self.kind,
                of: wasm_val_union {
                    ref_: h.clone().boxed(),
                },
            },
            None => wasm_val_t {
                kind: self.kind,
                of: self.of,
            },
        }
    }

    /// The Wedge value of type `ty`, or why the value does not fit.
    pub(crate) fn to_val(&self, cell: &Rc<StoreCell>, ty: ValType) -> Result<Val, String> {
        let want = crate::types::kind_of(ty);
        if self.kind != want {
            return Err(format!(
                "expected a value of kind {}, got kind {}",
                kind_name(want),
                kind_name(self.kind)
            ));
        }
        // SAFETY: the kind says which union field is meaningful.
        unsafe {
            Ok(match self.kind {
                kind::I32 => Val::I32(self.of.i32),
                kind::I64 => Val::I64(self.of.i64),
                kind::F32 => Val::F32(self.of.f32.to_bits()),
                kind::F64 => Val::F64(self.of.f64.to_bits()),
                kind::V128 => return Err("v128 values cannot pass through wasm.h".into()),
                _ => return ref_to_val(cell, self.handle(), ty),
            })
        }
    }

    /// The `wasm.h` form of a Wedge value; references get a new handle.
    pub(crate) fn from_val(cell: &Rc<StoreCell>, v: Val) -> wasm_val_t {
        let (kind, of) = match v {
            Val::I32(i) => (kind::I32, wasm_val_union { i32: i }),
            Val::I64(i) => (kind::I64, wasm_val_union { i64: i }),
            Val::F32(b) => (
                kind::F32,
                wasm_val_union {
                    f32: f32::from_bits(b),
                },
            ),
            Val::F64(b) => (
                kind::F64,
                wasm_val_union {
                    f64: f64::from_bits(b),
                },
            ),
            Val::V128(b) => (kind::V128, wasm_val_union { i64: b as i64 }),
            Val::FuncRef(f) => (kind::FUNCREF, handle(cell, f.map(Item::Func))),
            Val::ExternRef(e) => (
                kind::EXTERNREF,
                handle(cell, e.map(|e| extern_item(cell, e))),
            ),
            Val::AnyRef(a) => (kind::ANYREF, handle(cell, a.map(Item::Any))),
            Val::ExnRef(e) => (kind::EXNREF, handle(cell, e.map(Item::Exn))),
        };
        wasm_val_t { kind, of }
    }
}

fn handle(cell: &Rc<StoreCell>, item: Option<Item>) -> wasm_val_union {
    wasm_val_union {
        ref_: item.map_or(std::ptr::null_mut(), |i| wasm_ref_t::new(cell, i).boxed()),
    }
}

/// The handle item of an `externref` coming out of wasm.
fn extern_item(cell: &StoreCell, e: ExternRef) -> Item {
    // SAFETY: one short read of the store within this conversion.
    let store = unsafe { cell.ctx() };
    match e.data(store).and_then(|d| d.downcast_ref::<HostObj>()) {
        Some(HostObj(key)) => match *key {
            Key::Func(f) => Item::Func(f),
            Key::Global(g) => Item::Global(g),
            Key::Table(t) => Item::Table(t),
            Key::Memory(m) => Item::Memory(m),
            Key::Tag(t) => Item::Tag(t),
            Key::Instance(i) => Item::Instance(i),
            Key::Foreign(e) => Item::Foreign(e),
        },
        None => Item::Foreign(e),
    }
}

/// A reference handle as a Wedge value of reference type `ty`.
fn ref_to_val(cell: &Rc<StoreCell>, h: Option<&wasm_ref_t>, ty: ValType) -> Result<Val, String> {
    let ValType::Ref(r) = ty else {
        return Err("not a reference type".into());
    };
    let Some(h) = h else {
        return Ok(Val::null_of(r));
    };
    if let Some(s) = &h.store {
        if !Rc::ptr_eq(s, cell) {
            return Err("the reference belongs to another store".into());
        }
    }
    Ok(match (&h.item, r.is_func(), r.is_extern()) {
        (Item::Func(f), true, _) => Val::FuncRef(Some(*f)),
        (_, true, _) => return Err("a funcref value must hold a function".into()),
        (Item::Foreign(e), _, true) => Val::ExternRef(Some(*e)),
        (item, _, true) => {
            let key = match *item {
                Item::Func(f) => Key::Func(f),
                Item::Global(g) => Key::Global(g),
                Item::Table(t) => Key::Table(t),
                Item::Memory(m) => Key::Memory(m),
                Item::Tag(t) => Key::Tag(t),
                Item::Instance(i) => Key::Instance(i),
                _ => return Err("modules and traps cannot be passed as externref".into()),
            };
            // SAFETY: one short use of the store within this conversion.
            let store = unsafe { cell.ctx() };
            Val::ExternRef(Some(ExternRef::new(store, HostObj(key))))
        }
        (Item::Any(a), _, _) if !r.is_exn() => Val::AnyRef(Some(*a)),
        (Item::Exn(e), _, _) if r.is_exn() => Val::ExnRef(Some(*e)),
        _ => return Err(format!("the reference does not fit type {r}")),
    })
}

/// The name of a value kind, for messages.
pub(crate) fn kind_name(k: u8) -> &'static str {
    match k {
        kind::I32 => "i32",
        kind::I64 => "i64",
        kind::F32 => "f32",
        kind::F64 => "f64",
        kind::V128 => "v128",
        kind::EXTERNREF => "externref",
        kind::FUNCREF => "funcref",
        kind::ANYREF => "anyref",
        kind::EXNREF => "exnref",
        _ => "unknown",
    }
}

/// Deletes the handle a value owns (the value itself is the caller's).
#[no_mangle]
pub unsafe extern "C" fn wasm_val_delete(v: *mut wasm_val_t) {
    if v.is_null() {
        return;
    }
    let taken = std::ptr::replace(v, wasm_val_t::null());
    taken.release();
}

/// Copies a value (a reference gets a handle of its own).
#[no_mangle]
pub unsafe extern "C" fn wasm_val_copy(out: *mut wasm_val_t, v: *const wasm_val_t) {
    out.write((*v).copied());
}
