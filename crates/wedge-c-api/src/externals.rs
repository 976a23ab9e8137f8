//! Globals, tables, memories, the extern views of them, and instances.

use crate::error::set_last;
use crate::func::panic_error;
use crate::module::module_of;
use crate::object::{wasm_ref_t, Item};
use crate::store::{wasm_store_t, StoreCell};
use crate::trap::error_handle;
use crate::types::{
    extern_kind, wasm_externtype_t, wasm_globaltype_t, wasm_memorytype_t, wasm_tabletype_t,
};
use crate::val::wasm_val_t;
use crate::vec::{wasm_extern_vec_t, Vector};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;
use wedge::{Extern, ExternType, Global, Instance, Memory, Table, Val, ValType};

/// The handle item of a Wedge extern.
pub(crate) fn item_of(e: Extern) -> Option<Item> {
    Some(match e {
        Extern::Func(f) => Item::Func(f),
        Extern::Global(g) => Item::Global(g),
        Extern::Table(t) => Item::Table(t),
        Extern::Memory(m) => Item::Memory(m),
        Extern::Tag(t) => Item::Tag(t),
    })
}

fn global_of<'a>(p: *const wasm_ref_t) -> Option<(&'a Rc<StoreCell>, Global)> {
    // SAFETY: the header's contract: a valid handle or null.
    let r = unsafe { p.as_ref()? };
    match r.item {
        Item::Global(g) => Some((r.cell(), g)),
        _ => None,
    }
}

fn table_of<'a>(p: *const wasm_ref_t) -> Option<(&'a Rc<StoreCell>, Table)> {
    // SAFETY: as in `global_of`.
    let r = unsafe { p.as_ref()? };
    match r.item {
        Item::Table(t) => Some((r.cell(), t)),
        _ => None,
    }
}

fn memory_of<'a>(p: *const wasm_ref_t) -> Option<(&'a Rc<StoreCell>, Memory)> {
    // SAFETY: as in `global_of`.
    let r = unsafe { p.as_ref()? };
    match r.item {
        Item::Memory(m) => Some((r.cell(), m)),
        _ => None,
    }
}

// Globals

/// Makes a global of a type with an initial value; null if the value does not fit.
#[no_mangle]
pub unsafe extern "C" fn wasm_global_new(
    store: *mut wasm_store_t,
    ty: *const wasm_globaltype_t,
    val: *const wasm_val_t,
) -> *mut wasm_ref_t {
    let cell = &(*store).cell;
    let Some(ExternType::Global(gt)) = ty.as_ref().and_then(wasm_externtype_t::to_extern) else {
        set_last("wasm_global_new needs a global type");
        return ptr::null_mut();
    };
    let v = match (*val).to_val(cell, gt.content) {
        Ok(v) => v,
        Err(e) => {
            set_last(format!("global value: {e}"));
            return ptr::null_mut();
        }
    };
    match Global::new(cell.ctx(), gt, v) {
        Ok(g) => wasm_ref_t::new(cell, Item::Global(g)).boxed(),
        Err(e) => {
            set_last(e.to_string());
            ptr::null_mut()
        }
    }
}

/// The global's type.
#[no_mangle]
pub unsafe extern "C" fn wasm_global_type(g: *const wasm_ref_t) -> *mut wasm_globaltype_t {
    match global_of(g) {
        Some((cell, g)) => Box::into_raw(Box::new(wasm_externtype_t::new(&ExternType::Global(
            g.ty(cell.ctx()),
        )))),
        None => ptr::null_mut(),
    }
}

/// Reads the global's value into `out`.
#[no_mangle]
pub unsafe extern "C" fn wasm_global_get(g: *const wasm_ref_t, out: *mut wasm_val_t) {
    match global_of(g) {
        Some((cell, g)) => {
            let v = g.get(cell.ctx());
            out.write(wasm_val_t::from_val(cell, v));
        }
        None => out.write(wasm_val_t::null()),
    }
}

/// Sets the global's value; a constant global or a value of the wrong type is refused (and
/// the reason recorded as the last error).
#[no_mangle]
pub unsafe extern "C" fn wasm_global_set(g: *mut wasm_ref_t, val: *const wasm_val_t) {
    wedge_global_set(g, val);
}

/// `wasm_global_set` that tells whether it worked (`wedge.h`).
#[no_mangle]
pub unsafe extern "C" fn wedge_global_set(g: *mut wasm_ref_t, val: *const wasm_val_t) -> bool {
    let Some((cell, g)) = global_of(g) else {
        return false;
    };
    let store = cell.ctx();
    let ty = g.ty(&*store);
    let r = (*val)
        .to_val(cell, ty.content)
        .map_err(|e| e.to_string())
        .and_then(|v| g.set(&mut *store, v).map_err(|e| e.to_string()));
    match r {
        Ok(()) => true,
        Err(e) => {
            set_last(e);
            false
        }
    }
}

// Tables

/// Makes a table of a type, its elements set to `init` (null: a null reference).
#[no_mangle]
pub unsafe extern "C" fn wasm_table_new(
    store: *mut wasm_store_t,
    ty: *const wasm_tabletype_t,
    init: *mut wasm_ref_t,
) -> *mut wasm_ref_t {
    let cell = &(*store).cell;
    let Some(ExternType::Table(tt)) = ty.as_ref().and_then(wasm_externtype_t::to_extern) else {
        set_last("wasm_table_new needs a table type");
        return ptr::null_mut();
    };
    let init = match ref_val(cell, init, tt.element) {
        Ok(v) => v,
        Err(e) => {
            set_last(e);
            return ptr::null_mut();
        }
    };
    match Table::new(cell.ctx(), tt, init) {
        Ok(t) => wasm_ref_t::new(cell, Item::Table(t)).boxed(),
        Err(e) => {
            set_last(e.to_string());
            ptr::null_mut()
        }
    }
}

/// A reference handle (borrowed) as a value of a table's element type.
fn ref_val(
    cell: &Rc<StoreCell>,
    r: *mut wasm_ref_t,
    element: wedge::RefType,
) -> Result<Val, String> {
    let ty = ValType::Ref(element);
    let v = wasm_val_t {
        kind: crate::types::kind_of(ty),
        of: crate::val::wasm_val_union { ref_: r },
    };
    // The value borrows the handle: it is converted, never released.
    v.to_val(cell, ty)
}

/// The table's type (with its current size as minimum).
#[no_mangle]
pub unsafe extern "C" fn wasm_table_type(t: *const wasm_ref_t) -> *mut wasm_tabletype_t {
    match table_of(t) {
        Some((cell, t)) => {
            let store = cell.ctx();
            let mut ty = t.ty(&*store);
            ty.minimum = t.size(&*store);
            Box::into_raw(Box::new(wasm_externtype_t::new(&ExternType::Table(ty))))
        }
        None => ptr::null_mut(),
    }
}

/// The element at `index` (a new handle, null for a null reference or out of bounds).
#[no_mangle]
pub unsafe extern "C" fn wasm_table_get(t: *const wasm_ref_t, index: u32) -> *mut wasm_ref_t {
    let Some((cell, t)) = table_of(t) else {
        return ptr::null_mut();
    };
    match t.get(cell.ctx(), index as u64) {
        Some(v) => {
            let v = wasm_val_t::from_val(cell, v);
            v.of.ref_
        }
        None => {
            set_last(format!("table index {index} out of bounds"));
            ptr::null_mut()
        }
    }
}

/// Sets the element at `index` to a reference (borrowed; null: a null reference).
#[no_mangle]
pub unsafe extern "C" fn wasm_table_set(
    t: *mut wasm_ref_t,
    index: u32,
    r: *mut wasm_ref_t,
) -> bool {
    let Some((cell, t)) = table_of(t) else {
        return false;
    };
    let store = cell.ctx();
    let element = t.ty(&*store).element;
    let r = ref_val(cell, r, element).and_then(|v| {
        t.set(&mut *store, index as u64, v)
            .map_err(|e| e.to_string())
    });
    r.map_err(set_last).is_ok()
}

/// The table's size in elements.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_size(t: *const wasm_ref_t) -> u32 {
    table_of(t).map_or(0, |(cell, t)| {
        t.size(cell.ctx()).min(u32::MAX as u64) as u32
    })
}

/// Grows the table by `delta` elements set to `init`; false if it cannot grow.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_grow(
    t: *mut wasm_ref_t,
    delta: u32,
    init: *mut wasm_ref_t,
) -> bool {
    let Some((cell, t)) = table_of(t) else {
        return false;
    };
    let store = cell.ctx();
    let element = t.ty(&*store).element;
    let r = ref_val(cell, init, element).and_then(|v| {
        t.grow(&mut *store, delta as u64, v)
            .map_err(|e| e.to_string())
    });
    r.map_err(set_last).is_ok()
}

// Memories

/// Makes a memory of a type.
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_new(
    store: *mut wasm_store_t,
    ty: *const wasm_memorytype_t,
) -> *mut wasm_ref_t {
    let cell = &(*store).cell;
    let Some(ExternType::Memory(mt)) = ty.as_ref().and_then(wasm_externtype_t::to_extern) else {
        set_last("wasm_memory_new needs a memory type");
        return ptr::null_mut();
    };
    match Memory::new(cell.ctx(), mt) {
        Ok(m) => wasm_ref_t::new(cell, Item::Memory(m)).boxed(),
        Err(e) => {
            set_last(e.to_string());
            ptr::null_mut()
        }
    }
}

/// The memory's type (with its current size as minimum).
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_type(m: *const wasm_ref_t) -> *mut wasm_memorytype_t {
    match memory_of(m) {
        Some((cell, m)) => {
            let store = cell.ctx();
            let mut ty = m.ty(&*store);
            ty.minimum = m.size(&*store);
            Box::into_raw(Box::new(wasm_externtype_t::new(&ExternType::Memory(ty))))
        }
        None => ptr::null_mut(),
    }
}

/// The memory's bytes (valid until it grows).
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_data(m: *mut wasm_ref_t) -> *mut u8 {
    match memory_of(m) {
        Some((cell, m)) => m.data_mut(cell.ctx()).as_mut_ptr(),
        None => ptr::null_mut(),
    }
}

/// The memory's size in bytes.
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_data_size(m: *const wasm_ref_t) -> usize {
    memory_of(m).map_or(0, |(cell, m)| m.data_size(cell.ctx()))
}

/// The memory's size in pages.
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_size(m: *const wasm_ref_t) -> u32 {
    memory_of(m).map_or(0, |(cell, m)| {
        m.size(cell.ctx()).min(u32::MAX as u64) as u32
    })
}

/// Grows the memory by `delta` pages; false if it cannot grow.
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_grow(m: *mut wasm_ref_t, delta: u32) -> bool {
    let Some((cell, m)) = memory_of(m) else {
        return false;
    };
    m.grow(cell.ctx(), delta as u64)
        .map_err(|e| set_last(e.to_string()))
        .is_ok()
}

// Externs

/// The kind of an extern.
#[no_mangle]
pub unsafe extern "C" fn wasm_extern_kind(e: *const wasm_ref_t) -> u8 {
    match (*e).item {
        Item::Func(_) => extern_kind::FUNC,
        Item::Global(_) => extern_kind::GLOBAL,
        Item::Table(_) => extern_kind::TABLE,
        Item::Memory(_) => extern_kind::MEMORY,
        Item::Tag(_) => extern_kind::TAG,
        _ => u8::MAX,
    }
}

/// The extern's type.
#[no_mangle]
pub unsafe extern "C" fn wasm_extern_type(e: *const wasm_ref_t) -> *mut wasm_externtype_t {
    match (*e).item {
        Item::Func(_) => crate::func::wasm_func_type(e),
        Item::Global(_) => wasm_global_type(e),
        Item::Table(_) => wasm_table_type(e),
        Item::Memory(_) => wasm_memory_type(e),
        Item::Tag(t) => {
            let ty = t.ty((*e).cell().ctx());
            Box::into_raw(Box::new(wasm_externtype_t::new(&ExternType::Tag(ty))))
        }
        _ => ptr::null_mut(),
    }
}

macro_rules! extern_casts {
    ($($is:pat, $as_ext:ident, $as_ext_const:ident, $from:ident, $from_const:ident;)*) => {$(
        /// Views the handle as an extern (the same handle).
        #[no_mangle]
        pub unsafe extern "C" fn $as_ext(p: *mut wasm_ref_t) -> *mut wasm_ref_t {
            p
        }

        /// Views the handle as an extern (the same handle).
        #[no_mangle]
        pub unsafe extern "C" fn $as_ext_const(p: *const wasm_ref_t) -> *const wasm_ref_t {
            p
        }

        /// The extern as this kind, or null if it is another kind.
        #[no_mangle]
        pub unsafe extern "C" fn $from(p: *mut wasm_ref_t) -> *mut wasm_ref_t {
            match p.as_ref() {
                Some(r) if matches!(r.item, $is) => p,
                _ => ptr::null_mut(),
            }
        }

        /// The extern as this kind, or null if it is another kind.
        #[no_mangle]
        pub unsafe extern "C" fn $from_const(p: *const wasm_ref_t) -> *const wasm_ref_t {
            match p.as_ref() {
                Some(r) if matches!(r.item, $is) => p,
                _ => ptr::null(),
            }
        }
    )*};
}

extern_casts! {
    Item::Func(_), wasm_func_as_extern, wasm_func_as_extern_const, wasm_extern_as_func, wasm_extern_as_func_const;
    Item::Global(_), wasm_global_as_extern, wasm_global_as_extern_const, wasm_extern_as_global, wasm_extern_as_global_const;
    Item::Table(_), wasm_table_as_extern, wasm_table_as_extern_const, wasm_extern_as_table, wasm_extern_as_table_const;
    Item::Memory(_), wasm_memory_as_extern, wasm_memory_as_extern_const, wasm_extern_as_memory, wasm_extern_as_memory_const;
}

// Instances

/// Instantiates a module with one extern per import, in order. On failure returns null and,
/// if `trap` is not null, stores a trap there: the start function's trap, or a link error
/// (missing or mistyped import, wrong count) as a trap with a message.
#[no_mangle]
pub unsafe extern "C" fn wasm_instance_new(
    store: *mut wasm_store_t,
    module: *const wasm_ref_t,
    imports: *const wasm_extern_vec_t,
    trap: *mut *mut wasm_ref_t,
) -> *mut wasm_ref_t {
    let cell = &(*store).cell;
    let fail = |e: wedge::Error| {
        let t = error_handle(Some(cell), e);
        if trap.is_null() {
            crate::types::delete(t);
        } else {
            *trap = t;
        }
        ptr::null_mut()
    };
    let Some(module) = module_of(module) else {
        return fail(wedge::Error::Link(
            "wasm_instance_new needs a module".into(),
        ));
    };
    let mut externs = Vec::new();
    for (i, p) in imports
        .as_ref()
        .map_or(&[][..], |v| v.as_slice())
        .iter()
        .enumerate()
    {
        let ext = p.as_ref().and_then(|r| {
            let same_store = r.store.as_ref().is_some_and(|s| Rc::ptr_eq(s, cell));
            r.item.as_extern().filter(|_| same_store)
        });
        match ext {
            Some(e) => externs.push(e),
            None => {
                return fail(wedge::Error::Link(format!(
                    "import {i} is null, not an extern, or from another store"
                )))
            }
        }
    }
    let ctx = cell.ctx();
    let deadline = ctx
        .data()
        .time_limit
        .map(|d| ctx.interrupt_handle().interrupt_after(d));
    let r = catch_unwind(AssertUnwindSafe(|| {
        Instance::new(&mut *ctx, module, &externs)
    }))
    .unwrap_or_else(|p| Err(panic_error(p)));
    drop(deadline);
    match r {
        Ok(i) => wasm_ref_t::new(cell, Item::Instance(i)).boxed(),
        Err(e) => fail(e),
    }
}

/// The instance's exports, in module order.
#[no_mangle]
pub unsafe extern "C" fn wasm_instance_exports(i: *const wasm_ref_t, out: *mut wasm_extern_vec_t) {
    let r = &*i;
    let Item::Instance(inst) = r.item else {
        out.write(Vector::empty());
        return;
    };
    let cell = r.cell();
    let exports = inst.exports(cell.ctx());
    let v = exports
        .into_iter()
        .filter_map(|(_, e)| item_of(e))
        .map(|item| wasm_ref_t::new(cell, item).boxed())
        .collect();
    out.write(Vector::from_vec(v));
}
