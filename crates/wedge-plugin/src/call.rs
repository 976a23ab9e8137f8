//! Calling a plugin's callback from a wasm import: values in and out, the caller's memory,
//! errors and panics turned into traps.

use crate::descriptor::FuncInfo;
use std::ffi::{c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use wedge::{AsContextMut, Caller, Trap, Val, ValType};
use wedge_plugin_sdk::abi;

/// Everything one registered function needs at call time.
pub(crate) struct Bound {
    /// The function.
    pub func: FuncInfo,
    /// `module::name`, for trap messages.
    pub qualified: String,
    /// The plugin's name, for trap messages.
    pub plugin: String,
    /// Keeps the plugin's library loaded.
    pub _library: Option<Arc<libloading::Library>>,
    /// The plugin's stores, to tell it when one ends.
    pub watch: Arc<crate::store_watch::StoreWatch>,
}

/// The calling instance's memory, reached through `wedge_plugin_caller::host`.
type MemoryAccess<'a> = &'a mut dyn FnMut(&mut usize) -> *mut u8;

/// Calls the plugin function with wasm arguments, writing wasm results.
pub(crate) fn call<T>(
    bound: &Bound,
    mut caller: Caller<'_, T>,
    args: &[Val],
    results: &mut [Val],
) -> Result<(), Trap> {
    let raw_args: Vec<abi::wedge_val> = args.iter().map(to_raw).collect::<Result<_, _>>()?;
    bound.watch.called_from(caller.as_context_mut());
    let store = caller.as_context_mut().id();
    let mut raw_results: Vec<abi::wedge_val> =
        bound.func.ty.results().iter().map(|t| zero(*t)).collect();
    let mut memory = |len: &mut usize| -> *mut u8 {
        let Some(mem) = caller.get_export("memory").and_then(|e| e.into_memory()) else {
            *len = 0;
            return std::ptr::null_mut();
        };
        let bytes = mem.data_mut(&mut caller);
        *len = bytes.len();
        bytes.as_mut_ptr()
    };
    let mut access: MemoryAccess<'_> = &mut memory;
    let mut raw_caller = abi::wedge_plugin_caller {
        host: &mut access as *mut MemoryAccess<'_> as *mut c_void,
        memory: caller_memory,
        store,
    };
    let callback = bound.func.callback;
    let env = bound.func.env;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: arguments and results are arrays of the declared lengths, the caller lives
        // for the call, and the callback honours the ABI (the plugin's contract at load time).
        unsafe {
            callback(
                env,
                &mut raw_caller,
                raw_args.as_ptr(),
                raw_results.as_mut_ptr(),
            )
        }
    }));
    let message = match outcome {
        Err(_) => {
            return Err(Trap::host(format!(
                "plugin `{}`: `{}` panicked",
                bound.plugin, bound.qualified
            )))
        }
        Ok(m) => m,
    };
    if !message.is_null() {
        // SAFETY: a non-null return is a NUL-terminated message valid until we copy it here.
        let text = unsafe { CStr::from_ptr(message) }.to_string_lossy();
        return Err(Trap::host(format!("{}: {text}", bound.qualified)));
    }
    for (i, (out, ty)) in results.iter_mut().zip(bound.func.ty.results()).enumerate() {
        *out = from_raw(&raw_results[i], *ty).ok_or_else(|| {
            Trap::host(format!(
                "plugin `{}`: `{}` returned result {i} of the wrong kind",
                bound.plugin, bound.qualified
            ))
        })?;
    }
    Ok(())
}

/// `wedge_plugin_caller::memory`: asks the host closure for the memory.
unsafe extern "C" fn caller_memory(
    caller: *mut abi::wedge_plugin_caller,
    len: *mut usize,
) -> *mut u8 {
    let mut n = 0usize;
    let base = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `caller` is the struct built in `call`, whose `host` points to a live
        // `MemoryAccess` for the duration of the callback.
        let access = unsafe { &mut *((*caller).host as *mut MemoryAccess<'_>) };
        access(&mut n)
    }))
    .unwrap_or(std::ptr::null_mut());
    if !len.is_null() {
        // SAFETY: the plugin passes a valid place for the length (the ABI).
        unsafe { *len = if base.is_null() { 0 } else { n } };
    }
    base
}

/// A wasm value in the ABI's form.
fn to_raw(v: &Val) -> Result<abi::wedge_val, Trap> {
    let (kind, of) = match *v {
        Val::I32(x) => (abi::KIND_I32, abi::wedge_val_of { i32: x }),
        Val::I64(x) => (abi::KIND_I64, abi::wedge_val_of { i64: x }),
        Val::F32(bits) => (
            abi::KIND_F32,
            abi::wedge_val_of {
                f32: f32::from_bits(bits),
            },
        ),
        Val::F64(bits) => (
            abi::KIND_F64,
            abi::wedge_val_of {
                f64: f64::from_bits(bits),
            },
        ),
        _ => return Err(Trap::host("plugin functions take only numbers")),
    };
    Ok(abi::wedge_val { kind, of })
}

/// The zero of a type in the ABI's form (the initial content of result slots).
fn zero(ty: ValType) -> abi::wedge_val {
    let (kind, of) = match ty {
        ValType::I64 => (abi::KIND_I64, abi::wedge_val_of { i64: 0 }),
        ValType::F32 => (abi::KIND_F32, abi::wedge_val_of { f32: 0.0 }),
        ValType::F64 => (abi::KIND_F64, abi::wedge_val_of { f64: 0.0 }),
        _ => (abi::KIND_I32, abi::wedge_val_of { i32: 0 }),
    };
    abi::wedge_val { kind, of }
}

/// A result from the ABI's form, if its kind is the declared type.
fn from_raw(raw: &abi::wedge_val, ty: ValType) -> Option<Val> {
    // SAFETY: `kind` is checked against the declared type before the member is read; all
    // members are plain data.
    unsafe {
        match (raw.kind, ty) {
            (abi::KIND_I32, ValType::I32) => Some(Val::I32(raw.of.i32)),
            (abi::KIND_I64, ValType::I64) => Some(Val::I64(raw.of.i64)),
            (abi::KIND_F32, ValType::F32) => Some(Val::F32(raw.of.f32.to_bits())),
            (abi::KIND_F64, ValType::F64) => Some(Val::F64(raw.of.f64.to_bits())),
            _ => None,
        }
    }
}
