//! Type representations of `wasm.h`: value, function, global, table, memory, tag, extern,
//! import and export types.
//!
//! Function, global, table, memory and tag types are all one Rust type,
//! [`wasm_externtype_t`], so the `*_as_externtype` casts are pointer casts.

use crate::vec::{self, wasm_byte_vec_t, wasm_valtype_vec_t, Vector};
use std::ptr;
use wedge::{
    ExternType, FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType,
};

/// `WASM_I32` and the other value kinds of `wasm.h`, plus Wedge's additions in `wedge.h`.
pub(crate) mod kind {
    pub const I32: u8 = 0;
    pub const I64: u8 = 1;
    pub const F32: u8 = 2;
    pub const F64: u8 = 3;
    /// `WEDGE_V128` (wedge.h).
    pub const V128: u8 = 4;
    pub const EXTERNREF: u8 = 128;
    pub const FUNCREF: u8 = 129;
    /// `WEDGE_ANYREF` (wedge.h): any other reference type (GC, i31, ...).
    pub const ANYREF: u8 = 130;
    /// `WEDGE_EXNREF` (wedge.h).
    pub const EXNREF: u8 = 131;
}

/// The extern kinds of `wasm.h` (`WASM_EXTERN_FUNC`, ...).
pub(crate) mod extern_kind {
    pub const FUNC: u8 = 0;
    pub const GLOBAL: u8 = 1;
    pub const TABLE: u8 = 2;
    pub const MEMORY: u8 = 3;
    pub const TAG: u8 = 4;
}

/// A value type.
#[derive(Clone, Debug)]
pub struct wasm_valtype_t {
    pub(crate) ty: ValType,
}

/// The `wasm.h` kind of a value type.
pub(crate) fn kind_of(ty: ValType) -> u8 {
    match ty {
        ValType::I32 => kind::I32,
        ValType::I64 => kind::I64,
        ValType::F32 => kind::F32,
        ValType::F64 => kind::F64,
        ValType::V128 => kind::V128,
        ValType::Ref(r) if r.is_func() => kind::FUNCREF,
        ValType::Ref(r) if r.is_extern() => kind::EXTERNREF,
        ValType::Ref(r) if r.is_exn() => kind::EXNREF,
        ValType::Ref(_) => kind::ANYREF,
    }
}

/// The value type of a `wasm.h` kind, if it names one.
pub(crate) fn valtype_of(k: u8) -> Option<ValType> {
    Some(match k {
        kind::I32 => ValType::I32,
        kind::I64 => ValType::I64,
        kind::F32 => ValType::F32,
        kind::F64 => ValType::F64,
        kind::V128 => ValType::V128,
        kind::EXTERNREF => ValType::EXTERNREF,
        kind::FUNCREF => ValType::FUNCREF,
        kind::ANYREF => ValType::Ref(RefType {
            nullable: true,
            heap: wedge::HeapType::Any,
        }),
        kind::EXNREF => ValType::Ref(RefType {
            nullable: true,
            heap: wedge::HeapType::Exn,
        }),
        _ => return None,
    })
}

/// The limits of a table or memory as `wasm.h` lays them out.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct wasm_limits_t {
    /// Minimum size.
    pub min: u32,
    /// Maximum size (`0xffffffff`: none).
    pub max: u32,
}

fn limits(min: u64, max: Option<u64>) -> wasm_limits_t {
    wasm_limits_t {
        min: min.min(u32::MAX as u64) as u32,
        max: max.map_or(u32::MAX, |m| m.min(u32::MAX as u64) as u32),
    }
}

fn max_of(l: &wasm_limits_t) -> Option<u64> {
    (l.max != u32::MAX).then_some(l.max as u64)
}

/// Any extern type: what `wasm_functype_t`, `wasm_globaltype_t`, ... point at.
pub struct wasm_externtype_t {
    pub(crate) which: Which,
}

/// The kinds of extern type with the `wasm.h` views they hand out.
pub(crate) enum Which {
    Func {
        params: wasm_valtype_vec_t,
        results: wasm_valtype_vec_t,
    },
    Global {
        content: wasm_valtype_t,
        mutability: u8,
    },
    Table {
        ty: TableType,
        element: wasm_valtype_t,
        limits: wasm_limits_t,
    },
    Memory {
        ty: MemoryType,
        limits: wasm_limits_t,
    },
    Tag {
        func: Box<wasm_externtype_t>,
    },
}

/// A function type (an extern type of kind func).
pub type wasm_functype_t = wasm_externtype_t;
/// A global type.
pub type wasm_globaltype_t = wasm_externtype_t;
/// A table type.
pub type wasm_tabletype_t = wasm_externtype_t;
/// A memory type.
pub type wasm_memorytype_t = wasm_externtype_t;
/// A tag (exception) type.
pub type wasm_tagtype_t = wasm_externtype_t;

fn valtypes(types: &[ValType]) -> wasm_valtype_vec_t {
    Vector::from_vec(
        types
            .iter()
            .map(|&ty| Box::into_raw(Box::new(wasm_valtype_t { ty })))
            .collect(),
    )
}

fn types_of(v: &wasm_valtype_vec_t) -> Vec<ValType> {
    v.as_slice()
        .iter()
        .filter(|p| !p.is_null())
        // SAFETY: elements of a valtype vector are valid valtypes (null ones are skipped).
        .map(|p| unsafe { (**p).ty })
        .collect()
}

impl Clone for wasm_externtype_t {
    fn clone(&self) -> Self {
        wasm_externtype_t {
            which: match &self.which {
                Which::Func { params, results } => Which::Func {
                    params: valtypes(&types_of(params)),
                    results: valtypes(&types_of(results)),
                },
                Which::Global {
                    content,
                    mutability,
                } => Which::Global {
                    content: content.clone(),
                    mutability: *mutability,
                },
                Which::Table {
                    ty,
                    element,
                    limits,
                } => Which::Table {
                    ty: *ty,
                    element: element.clone(),
                    limits: *limits,
                },
                Which::Memory { ty, limits } => Which::Memory {
                    ty: *ty,
                    limits: *limits,
                },
                Which::Tag { func } => Which::Tag { func: func.clone() },
            },
        }
    }
}

impl Drop for wasm_externtype_t {
    fn drop(&mut self) {
        if let Which::Func { params, results } = &mut self.which {
            vec::delete_boxes(params.take());
            vec::delete_boxes(results.take());
        }
    }
}

impl wasm_externtype_t {
    /// The `wasm.h` view of a Wedge extern type.
    pub(crate) fn new(ty: &ExternType) -> wasm_externtype_t {
        let which = match ty {
            ExternType::Func(f) => return Self::func(f),
            ExternType::Global(g) => Which::Global {
                content: wasm_valtype_t { ty: g.content },
                mutability: match g.mutability {
                    Mutability::Const => 0,
                    Mutability::Var => 1,
                },
            },
            ExternType::Table(t) => Which::Table {
                ty: *t,
                element: wasm_valtype_t {
                    ty: ValType::Ref(t.element),
                },
                limits: limits(t.minimum, t.maximum),
            },
            ExternType::Memory(m) => Which::Memory {
                ty: *m,
                limits: limits(m.minimum, m.maximum),
            },
            ExternType::Tag(f) => Which::Tag {
                func: Box::new(Self::func(f)),
            },
        };
        wasm_externtype_t { which }
    }

    /// The `wasm.h` view of a function type.
    pub(crate) fn func(f: &FuncType) -> wasm_externtype_t {
        wasm_externtype_t {
            which: Which::Func {
                params: valtypes(f.params()),
                results: valtypes(f.results()),
            },
        }
    }

    /// The function type, if this is one.
    pub(crate) fn to_func(&self) -> Option<FuncType> {
        match &self.which {
            Which::Func { params, results } => {
                Some(FuncType::new(types_of(params), types_of(results)))
            }
            _ => None,
        }
    }

    /// The Wedge extern type.
    pub(crate) fn to_extern(&self) -> Option<ExternType> {
        Some(match &self.which {
            Which::Func { .. } => ExternType::Func(self.to_func()?),
            Which::Global {
                content,
                mutability,
            } => ExternType::Global(GlobalType {
                content: content.ty,
                mutability: if *mutability == 0 {
                    Mutability::Const
                } else {
                    Mutability::Var
                },
            }),
            Which::Table { ty, .. } => ExternType::Table(*ty),
            Which::Memory { ty, .. } => ExternType::Memory(*ty),
            Which::Tag { func } => ExternType::Tag(func.to_func()?),
        })
    }

    /// The `wasm.h` extern kind.
    pub(crate) fn kind(&self) -> u8 {
        match self.which {
            Which::Func { .. } => extern_kind::FUNC,
            Which::Global { .. } => extern_kind::GLOBAL,
            Which::Table { .. } => extern_kind::TABLE,
            Which::Memory { .. } => extern_kind::MEMORY,
            Which::Tag { .. } => extern_kind::TAG,
        }
    }
}

fn boxed<T>(v: T) -> *mut T {
    Box::into_raw(Box::new(v))
}

/// Deletes an owned box if not null.
pub(crate) unsafe fn delete<T>(p: *mut T) {
    if !p.is_null() {
        drop(Box::from_raw(p));
    }
}

/// Copies a boxed object (null stays null).
pub(crate) unsafe fn copy<T: Clone>(p: *const T) -> *mut T {
    match p.as_ref() {
        Some(v) => boxed(v.clone()),
        None => ptr::null_mut(),
    }
}

// Value types

/// Deletes a value type.
#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_delete(p: *mut wasm_valtype_t) {
    delete(p)
}

/// Copies a value type.
#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_copy(p: *const wasm_valtype_t) -> *mut wasm_valtype_t {
    copy(p)
}

/// Makes a value type of a kind; null for an unknown kind.
#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_new(k: u8) -> *mut wasm_valtype_t {
    match valtype_of(k) {
        Some(ty) => boxed(wasm_valtype_t { ty }),
        None => {
            crate::error::set_last(format!("unknown value kind {k}"));
            ptr::null_mut()
        }
    }
}

/// The kind of a value type.
#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_kind(p: *const wasm_valtype_t) -> u8 {
    kind_of((*p).ty)
}

// Function types

/// Makes a function type, taking ownership of both vectors.
#[no_mangle]
pub unsafe extern "C" fn wasm_functype_new(
    params: *mut wasm_valtype_vec_t,
    results: *mut wasm_valtype_vec_t,
) -> *mut wasm_functype_t {
    let params = std::mem::replace(&mut *params, Vector::empty());
    let results = std::mem::replace(&mut *results, Vector::empty());
    boxed(wasm_externtype_t {
        which: Which::Func { params, results },
    })
}

/// The parameter types of a function type (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_functype_params(
    p: *const wasm_functype_t,
) -> *const wasm_valtype_vec_t {
    match &(*p).which {
        Which::Func { params, .. } => params,
        _ => ptr::null(),
    }
}

/// The result types of a function type (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_functype_results(
    p: *const wasm_functype_t,
) -> *const wasm_valtype_vec_t {
    match &(*p).which {
        Which::Func { results, .. } => results,
        _ => ptr::null(),
    }
}

// Global types

/// Makes a global type, taking ownership of the value type.
#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_new(
    content: *mut wasm_valtype_t,
    mutability: u8,
) -> *mut wasm_globaltype_t {
    if content.is_null() {
        return ptr::null_mut();
    }
    let content = *Box::from_raw(content);
    boxed(wasm_externtype_t {
        which: Which::Global {
            content,
            mutability: (mutability != 0) as u8,
        },
    })
}

/// The value type of a global type (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_content(
    p: *const wasm_globaltype_t,
) -> *const wasm_valtype_t {
    match &(*p).which {
        Which::Global { content, .. } => content,
        _ => ptr::null(),
    }
}

/// Whether a global type is mutable (`WASM_VAR`) or not (`WASM_CONST`).
#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_mutability(p: *const wasm_globaltype_t) -> u8 {
    match &(*p).which {
        Which::Global { mutability, .. } => *mutability,
        _ => 0,
    }
}

// Table types

/// Makes a table type, taking ownership of the element type; null if it is not a reference.
#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_new(
    element: *mut wasm_valtype_t,
    l: *const wasm_limits_t,
) -> *mut wasm_tabletype_t {
    if element.is_null() {
        return ptr::null_mut();
    }
    let element = *Box::from_raw(element);
    let ValType::Ref(r) = element.ty else {
        crate::error::set_last("a table's element type must be a reference type");
        return ptr::null_mut();
    };
    let l = *l;
    boxed(wasm_externtype_t {
        which: Which::Table {
            ty: TableType::new(r, l.min as u64, max_of(&l)),
            element,
            limits: l,
        },
    })
}

/// The element type of a table type (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_element(
    p: *const wasm_tabletype_t,
) -> *const wasm_valtype_t {
    match &(*p).which {
        Which::Table { element, .. } => element,
        _ => ptr::null(),
    }
}

/// The limits of a table type (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_limits(p: *const wasm_tabletype_t) -> *const wasm_limits_t {
    match &(*p).which {
        Which::Table { limits, .. } => limits,
        _ => ptr::null(),
    }
}

// Memory types

/// Makes a memory type of 64 KiB pages.
#[no_mangle]
pub unsafe extern "C" fn wasm_memorytype_new(l: *const wasm_limits_t) -> *mut wasm_memorytype_t {
    let l = *l;
    boxed(wasm_externtype_t {
        which: Which::Memory {
            ty: MemoryType {
                minimum: l.min as u64,
                maximum: max_of(&l),
                ..MemoryType::default()
            },
            limits: l,
        },
    })
}

/// The limits of a memory type in pages (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_memorytype_limits(
    p: *const wasm_memorytype_t,
) -> *const wasm_limits_t {
    match &(*p).which {
        Which::Memory { limits, .. } => limits,
        _ => ptr::null(),
    }
}

// Tag types

/// Makes a tag type from the function type of its payload (taking ownership); null if the
/// function type has results.
#[no_mangle]
pub unsafe extern "C" fn wasm_tagtype_new(func: *mut wasm_functype_t) -> *mut wasm_tagtype_t {
    if func.is_null() {
        return ptr::null_mut();
    }
    let func = Box::from_raw(func);
    match &func.which {
        Which::Func { results, .. } if results.size == 0 => {}
        _ => {
            crate::error::set_last("a tag type needs a function type without results");
            return ptr::null_mut();
        }
    }
    boxed(wasm_externtype_t {
        which: Which::Tag { func },
    })
}

/// The payload function type of a tag type (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_tagtype_functype(p: *const wasm_tagtype_t) -> *const wasm_functype_t {
    match &(*p).which {
        Which::Tag { func } => &**func,
        _ => ptr::null(),
    }
}

macro_rules! type_delete_copy {
    ($($delete:ident $copy:ident;)*) => {$(
        /// Deletes a type.
        #[no_mangle]
        pub unsafe extern "C" fn $delete(p: *mut wasm_externtype_t) {
            delete(p)
        }

        /// Copies a type.
        #[no_mangle]
        pub unsafe extern "C" fn $copy(p: *const wasm_externtype_t) -> *mut wasm_externtype_t {
            copy(p)
        }
    )*};
}

type_delete_copy! {
    wasm_functype_delete wasm_functype_copy;
    wasm_globaltype_delete wasm_globaltype_copy;
    wasm_tabletype_delete wasm_tabletype_copy;
    wasm_memorytype_delete wasm_memorytype_copy;
    wasm_tagtype_delete wasm_tagtype_copy;
    wasm_externtype_delete wasm_externtype_copy;
}

/// The kind of an extern type.
#[no_mangle]
pub unsafe extern "C" fn wasm_externtype_kind(p: *const wasm_externtype_t) -> u8 {
    (*p).kind()
}

macro_rules! type_casts {
    ($($kind:ident $as_ext:ident $as_ext_const:ident $from_ext:ident $from_ext_const:ident;)*) => {$(
        /// Views a type as an extern type (the same object).
        #[no_mangle]
        pub unsafe extern "C" fn $as_ext(p: *mut wasm_externtype_t) -> *mut wasm_externtype_t {
            p
        }

        /// Views a type as an extern type (the same object).
        #[no_mangle]
        pub unsafe extern "C" fn $as_ext_const(p: *const wasm_externtype_t) -> *const wasm_externtype_t {
            p
        }

        /// The extern type as this kind of type, or null if it is another kind.
        #[no_mangle]
        pub unsafe extern "C" fn $from_ext(p: *mut wasm_externtype_t) -> *mut wasm_externtype_t {
            if !p.is_null() && (*p).kind() == extern_kind::$kind { p } else { ptr::null_mut() }
        }

        /// The extern type as this kind of type, or null if it is another kind.
        #[no_mangle]
        pub unsafe extern "C" fn $from_ext_const(p: *const wasm_externtype_t) -> *const wasm_externtype_t {
            if !p.is_null() && (*p).kind() == extern_kind::$kind { p } else { ptr::null() }
        }
    )*};
}

type_casts! {
    FUNC wasm_functype_as_externtype wasm_functype_as_externtype_const wasm_externtype_as_functype wasm_externtype_as_functype_const;
    GLOBAL wasm_globaltype_as_externtype wasm_globaltype_as_externtype_const wasm_externtype_as_globaltype wasm_externtype_as_globaltype_const;
    TABLE wasm_tabletype_as_externtype wasm_tabletype_as_externtype_const wasm_externtype_as_tabletype wasm_externtype_as_tabletype_const;
    MEMORY wasm_memorytype_as_externtype wasm_memorytype_as_externtype_const wasm_externtype_as_memorytype wasm_externtype_as_memorytype_const;
    TAG wasm_tagtype_as_externtype wasm_tagtype_as_externtype_const wasm_externtype_as_tagtype wasm_externtype_as_tagtype_const;
}

// Import and export types

/// An import: module name, field name and type.
pub struct wasm_importtype_t {
    module: wasm_byte_vec_t,
    name: wasm_byte_vec_t,
    ty: Box<wasm_externtype_t>,
}

/// An export: name and type.
pub struct wasm_exporttype_t {
    name: wasm_byte_vec_t,
    ty: Box<wasm_externtype_t>,
}

impl wasm_importtype_t {
    /// An import type with copies of these names.
    pub(crate) fn new(module: &str, name: &str, ty: &ExternType) -> wasm_importtype_t {
        wasm_importtype_t {
            module: vec::bytes(module.as_bytes()),
            name: vec::bytes(name.as_bytes()),
            ty: Box::new(wasm_externtype_t::new(ty)),
        }
    }

    /// The module and field names.
    pub(crate) fn names(&self) -> (String, String) {
        (vec::text(&self.module), vec::text(&self.name))
    }
}

impl wasm_exporttype_t {
    /// An export type with a copy of this name.
    pub(crate) fn new(name: &str, ty: &ExternType) -> wasm_exporttype_t {
        wasm_exporttype_t {
            name: vec::bytes(name.as_bytes()),
            ty: Box::new(wasm_externtype_t::new(ty)),
        }
    }
}

impl Clone for wasm_importtype_t {
    fn clone(&self) -> Self {
        wasm_importtype_t {
            module: vec::bytes(self.module.as_slice()),
            name: vec::bytes(self.name.as_slice()),
            ty: self.ty.clone(),
        }
    }
}

impl Clone for wasm_exporttype_t {
    fn clone(&self) -> Self {
        wasm_exporttype_t {
            name: vec::bytes(self.name.as_slice()),
            ty: self.ty.clone(),
        }
    }
}

impl Drop for wasm_importtype_t {
    fn drop(&mut self) {
        drop(self.module.take());
        drop(self.name.take());
    }
}

impl Drop for wasm_exporttype_t {
    fn drop(&mut self) {
        drop(self.name.take());
    }
}

/// Makes an import type, taking ownership of the names and the type.
#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_new(
    module: *mut wasm_byte_vec_t,
    name: *mut wasm_byte_vec_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_importtype_t {
    if ty.is_null() {
        return ptr::null_mut();
    }
    boxed(wasm_importtype_t {
        module: std::mem::replace(&mut *module, Vector::empty()),
        name: std::mem::replace(&mut *name, Vector::empty()),
        ty: Box::from_raw(ty),
    })
}

/// The module name of an import (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_module(
    p: *const wasm_importtype_t,
) -> *const wasm_byte_vec_t {
    &(*p).module
}

/// The field name of an import (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_name(
    p: *const wasm_importtype_t,
) -> *const wasm_byte_vec_t {
    &(*p).name
}

/// The type of an import (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_type(
    p: *const wasm_importtype_t,
) -> *const wasm_externtype_t {
    &*(*p).ty
}

/// Deletes an import type.
#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_delete(p: *mut wasm_importtype_t) {
    delete(p)
}

/// Copies an import type.
#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_copy(
    p: *const wasm_importtype_t,
) -> *mut wasm_importtype_t {
    copy(p)
}

/// Makes an export type, taking ownership of the name and the type.
#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_new(
    name: *mut wasm_byte_vec_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_exporttype_t {
    if ty.is_null() {
        return ptr::null_mut();
    }
    boxed(wasm_exporttype_t {
        name: std::mem::replace(&mut *name, Vector::empty()),
        ty: Box::from_raw(ty),
    })
}

/// The name of an export (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_name(
    p: *const wasm_exporttype_t,
) -> *const wasm_byte_vec_t {
    &(*p).name
}

/// The type of an export (borrowed).
#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_type(
    p: *const wasm_exporttype_t,
) -> *const wasm_externtype_t {
    &*(*p).ty
}

/// Deletes an export type.
#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_delete(p: *mut wasm_exporttype_t) {
    delete(p)
}

/// Copies an export type.
#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_copy(
    p: *const wasm_exporttype_t,
) -> *mut wasm_exporttype_t {
    copy(p)
}
