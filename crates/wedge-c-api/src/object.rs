//! Reference objects: the one handle type behind `wasm_ref_t`, `wasm_func_t`,
//! `wasm_extern_t`, `wasm_module_t`, `wasm_trap_t`, ...; their identity, host info and casts.
//!
//! Every handle is a boxed [`wasm_ref_t`] naming a runtime object ([`Item`]). All handles of
//! the same store object share one [`Shared`] (looked up by [`Key`] in the store), so
//! `wasm_X_same` and host info see the object, not the handle; the host info's finalizer
//! runs when the last handle of the object is deleted (or the store goes, for objects the
//! store itself still refers to, such as foreign objects stored in tables).

use crate::store::StoreCell;
use crate::trap::TrapData;
use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;
use wedge::{AnyRef, ExnRef, ExternRef, Func, Global, Instance, Memory, Module, Table, Tag};

/// A host-info finalizer.
pub(crate) type Finalizer = unsafe extern "C" fn(*mut c_void);

/// Identity of an object across its handles: its host info.
#[derive(Default)]
pub(crate) struct Shared {
    info: Cell<*mut c_void>,
    finalizer: Cell<Option<Finalizer>>,
}

impl Shared {
    fn set(&self, info: *mut c_void, finalizer: Option<Finalizer>) {
        let old = self.info.replace(info);
        if let Some(f) = self.finalizer.replace(finalizer) {
            // SAFETY: the embedder gave this finalizer for exactly this pointer.
            unsafe { f(old) };
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(f) = self.finalizer.take() {
            // SAFETY: as in `set`: the finalizer runs once, on the info it was given with.
            unsafe { f(self.info.get()) };
        }
    }
}

/// The runtime object a handle names.
#[derive(Clone)]
pub(crate) enum Item {
    Func(Func),
    Global(Global),
    Table(Table),
    Memory(Memory),
    Tag(Tag),
    Instance(Instance),
    /// A foreign object, or any host reference seen as `externref`.
    Foreign(ExternRef),
    Any(AnyRef),
    Exn(ExnRef),
    Module(Module),
    Trap(Rc<TrapData>),
}

/// What identifies a store object among its handles.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Func(Func),
    Global(Global),
    Table(Table),
    Memory(Memory),
    Tag(Tag),
    Instance(Instance),
    Foreign(ExternRef),
}

impl Item {
    fn key(&self) -> Option<Key> {
        Some(match *self {
            Item::Func(f) => Key::Func(f),
            Item::Global(g) => Key::Global(g),
            Item::Table(t) => Key::Table(t),
            Item::Memory(m) => Key::Memory(m),
            Item::Tag(t) => Key::Tag(t),
            Item::Instance(i) => Key::Instance(i),
            Item::Foreign(e) => Key::Foreign(e),
            _ => return None,
        })
    }

    /// The Wedge extern, if this is one.
    pub(crate) fn as_extern(&self) -> Option<wedge::Extern> {
        Some(match *self {
            Item::Func(f) => wedge::Extern::Func(f),
            Item::Global(g) => wedge::Extern::Global(g),
            Item::Table(t) => wedge::Extern::Table(t),
            Item::Memory(m) => wedge::Extern::Memory(m),
            Item::Tag(t) => wedge::Extern::Tag(t),
            _ => return None,
        })
    }
}

/// A handle to a reference object; `wasm_func_t`, `wasm_global_t`, `wasm_table_t`,
/// `wasm_memory_t`, `wasm_extern_t`, `wasm_instance_t`, `wasm_module_t`, `wasm_trap_t` and
/// `wasm_foreign_t` are all this type in Rust (distinct types in C).
#[derive(Clone)]
pub struct wasm_ref_t {
    // Field order matters: the host info finalizer runs before the store may go.
    pub(crate) shared: Rc<Shared>,
    pub(crate) store: Option<Rc<StoreCell>>,
    pub(crate) item: Item,
    /// The function type of a function handle, once asked for (it never changes).
    pub(crate) func_ty: std::cell::OnceCell<Rc<crate::func::FuncInfo>>,
}

impl wasm_ref_t {
    /// A handle to an object of `store`.
    pub(crate) fn new(store: &Rc<StoreCell>, item: Item) -> wasm_ref_t {
        let shared = match item.key() {
            Some(k) => store.shared(k),
            None => Rc::default(),
        };
        wasm_ref_t {
            shared,
            store: Some(store.clone()),
            item,
            func_ty: Default::default(),
        }
    }

    /// A handle to an object that belongs to no store (a module, a trap made outside one).
    pub(crate) fn unstored(item: Item) -> wasm_ref_t {
        wasm_ref_t {
            shared: Rc::default(),
            store: None,
            item,
            func_ty: Default::default(),
        }
    }

    /// The handle, boxed for C.
    pub(crate) fn boxed(self) -> *mut wasm_ref_t {
        Box::into_raw(Box::new(self))
    }

    /// The store of a handle that must have one.
    pub(crate) fn cell(&self) -> &Rc<StoreCell> {
        self.store
            .as_ref()
            .expect("store objects are always made with their store")
    }

    fn same(&self, other: &wasm_ref_t) -> bool {
        match (&self.item, &other.item) {
            (Item::Module(a), Item::Module(b)) => Module::same(a, b),
            (a, b) => match (a.key(), b.key()) {
                (Some(a), Some(b)) => a == b,
                _ => Rc::ptr_eq(&self.shared, &other.shared),
            },
        }
    }

    fn is_extern(&self) -> bool {
        self.item.as_extern().is_some()
    }
}

/// Generates the functions every reference type has (`wasm.h`'s `WASM_DECLARE_REF_BASE`).
macro_rules! ref_base {
    ($delete:ident, $copy:ident, $same:ident, $get:ident, $set:ident, $set_fin:ident) => {
        /// Deletes a handle.
        #[no_mangle]
        pub unsafe extern "C" fn $delete(p: *mut wasm_ref_t) {
            crate::types::delete(p)
        }

        /// Another handle to the same object.
        #[no_mangle]
        pub unsafe extern "C" fn $copy(p: *const wasm_ref_t) -> *mut wasm_ref_t {
            crate::types::copy(p)
        }

        /// Whether two handles name the same object.
        #[no_mangle]
        pub unsafe extern "C" fn $same(a: *const wasm_ref_t, b: *const wasm_ref_t) -> bool {
            match (a.as_ref(), b.as_ref()) {
                (Some(a), Some(b)) => a.same(b),
                (None, None) => true,
                _ => false,
            }
        }

        /// The object's host info (null if none was set).
        #[no_mangle]
        pub unsafe extern "C" fn $get(p: *const wasm_ref_t) -> *mut c_void {
            (&*p).shared.info.get()
        }

        /// Sets the object's host info (finalizing the previous one).
        #[no_mangle]
        pub unsafe extern "C" fn $set(p: *mut wasm_ref_t, info: *mut c_void) {
            (&*p).shared.set(info, None)
        }

        /// Sets the object's host info and a finalizer run when the object's last handle is
        /// deleted (or the info is replaced).
        #[no_mangle]
        pub unsafe extern "C" fn $set_fin(
            p: *mut wasm_ref_t,
            info: *mut c_void,
            finalizer: Option<Finalizer>,
        ) {
            (&*p).shared.set(info, finalizer)
        }
    };
}

/// Generates the base functions and the casts to and from `wasm_ref_t` of one reference type.
macro_rules! ref_type {
    ($is:expr, $delete:ident, $copy:ident, $same:ident, $get:ident, $set:ident, $set_fin:ident,
     $as_ref:ident, $as_ref_const:ident, $from_ref:ident, $from_ref_const:ident) => {
        ref_base!($delete, $copy, $same, $get, $set, $set_fin);

        /// Views the handle as a reference (the same handle).
        #[no_mangle]
        pub unsafe extern "C" fn $as_ref(p: *mut wasm_ref_t) -> *mut wasm_ref_t {
            p
        }

        /// Views the handle as a reference (the same handle).
        #[no_mangle]
        pub unsafe extern "C" fn $as_ref_const(p: *const wasm_ref_t) -> *const wasm_ref_t {
            p
        }

        /// The reference as this type, or null if it is something else.
        #[no_mangle]
        pub unsafe extern "C" fn $from_ref(p: *mut wasm_ref_t) -> *mut wasm_ref_t {
            let is: fn(&wasm_ref_t) -> bool = $is;
            match p.as_ref() {
                Some(r) if is(r) => p,
                _ => ptr::null_mut(),
            }
        }

        /// The reference as this type, or null if it is something else.
        #[no_mangle]
        pub unsafe extern "C" fn $from_ref_const(p: *const wasm_ref_t) -> *const wasm_ref_t {
            let is: fn(&wasm_ref_t) -> bool = $is;
            match p.as_ref() {
                Some(r) if is(r) => p,
                _ => ptr::null(),
            }
        }
    };
}

ref_base!(
    wasm_ref_delete,
    wasm_ref_copy,
    wasm_ref_same,
    wasm_ref_get_host_info,
    wasm_ref_set_host_info,
    wasm_ref_set_host_info_with_finalizer
);

ref_type!(
    |r| matches!(r.item, Item::Trap(_)),
    wasm_trap_delete,
    wasm_trap_copy,
    wasm_trap_same,
    wasm_trap_get_host_info,
    wasm_trap_set_host_info,
    wasm_trap_set_host_info_with_finalizer,
    wasm_trap_as_ref,
    wasm_trap_as_ref_const,
    wasm_ref_as_trap,
    wasm_ref_as_trap_const
);
ref_type!(
    |r| matches!(r.item, Item::Foreign(_)),
    wasm_foreign_delete,
    wasm_foreign_copy,
    wasm_foreign_same,
    wasm_foreign_get_host_info,
    wasm_foreign_set_host_info,
    wasm_foreign_set_host_info_with_finalizer,
    wasm_foreign_as_ref,
    wasm_foreign_as_ref_const,
    wasm_ref_as_foreign,
    wasm_ref_as_foreign_const
);
ref_type!(
    |r| matches!(r.item, Item::Module(_)),
    wasm_module_delete,
    wasm_module_copy,
    wasm_module_same,
    wasm_module_get_host_info,
    wasm_module_set_host_info,
    wasm_module_set_host_info_with_finalizer,
    wasm_module_as_ref,
    wasm_module_as_ref_const,
    wasm_ref_as_module,
    wasm_ref_as_module_const
);
ref_type!(
    |r| matches!(r.item, Item::Func(_)),
    wasm_func_delete,
    wasm_func_copy,
    wasm_func_same,
    wasm_func_get_host_info,
    wasm_func_set_host_info,
    wasm_func_set_host_info_with_finalizer,
    wasm_func_as_ref,
    wasm_func_as_ref_const,
    wasm_ref_as_func,
    wasm_ref_as_func_const
);
ref_type!(
    |r| matches!(r.item, Item::Global(_)),
    wasm_global_delete,
    wasm_global_copy,
    wasm_global_same,
    wasm_global_get_host_info,
    wasm_global_set_host_info,
    wasm_global_set_host_info_with_finalizer,
    wasm_global_as_ref,
    wasm_global_as_ref_const,
    wasm_ref_as_global,
    wasm_ref_as_global_const
);
ref_type!(
    |r| matches!(r.item, Item::Table(_)),
    wasm_table_delete,
    wasm_table_copy,
    wasm_table_same,
    wasm_table_get_host_info,
    wasm_table_set_host_info,
    wasm_table_set_host_info_with_finalizer,
    wasm_table_as_ref,
    wasm_table_as_ref_const,
    wasm_ref_as_table,
    wasm_ref_as_table_const
);
ref_type!(
    |r| matches!(r.item, Item::Memory(_)),
    wasm_memory_delete,
    wasm_memory_copy,
    wasm_memory_same,
    wasm_memory_get_host_info,
    wasm_memory_set_host_info,
    wasm_memory_set_host_info_with_finalizer,
    wasm_memory_as_ref,
    wasm_memory_as_ref_const,
    wasm_ref_as_memory,
    wasm_ref_as_memory_const
);
ref_type!(
    wasm_ref_t::is_extern,
    wasm_extern_delete,
    wasm_extern_copy,
    wasm_extern_same,
    wasm_extern_get_host_info,
    wasm_extern_set_host_info,
    wasm_extern_set_host_info_with_finalizer,
    wasm_extern_as_ref,
    wasm_extern_as_ref_const,
    wasm_ref_as_extern,
    wasm_ref_as_extern_const
);
ref_type!(
    |r| matches!(r.item, Item::Instance(_)),
    wasm_instance_delete,
    wasm_instance_copy,
    wasm_instance_same,
    wasm_instance_get_host_info,
    wasm_instance_set_host_info,
    wasm_instance_set_host_info_with_finalizer,
    wasm_instance_as_ref,
    wasm_instance_as_ref_const,
    wasm_ref_as_instance,
    wasm_ref_as_instance_const
);

/// Marks the host data of a `wasm_foreign_new` object.
struct ForeignMarker;

/// Makes a foreign object: an opaque host reference that wasm can hold as `externref`.
#[no_mangle]
pub unsafe extern "C" fn wasm_foreign_new(
    store: *mut crate::store::wasm_store_t,
) -> *mut wasm_ref_t {
    let cell = &(*store).cell;
    let e = ExternRef::new(cell.ctx(), ForeignMarker);
    wasm_ref_t::new(cell, Item::Foreign(e)).boxed()
}
