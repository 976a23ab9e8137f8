//! Functions: host functions made from C callbacks, and calls from C into wasm.

use crate::object::{wasm_ref_t, Item};
use crate::store::{wasm_store_t, StoreCell, StoreData};
use crate::trap::{error_handle, trap_of};
use crate::types::{kind, wasm_externtype_t, wasm_functype_t};
use crate::val::wasm_val_t;
use crate::vec::{wasm_val_vec_t, Vector};
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;
use wedge::{AsContextMut, Caller, Func, FuncType, Store, Trap, Val};

/// A callback without environment (`wasm_func_callback_t`).
pub type wasm_func_callback_t = unsafe extern "C" fn(
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_ref_t;

/// A callback with an environment (`wasm_func_callback_with_env_t`).
pub type wasm_func_callback_with_env_t = unsafe extern "C" fn(
    env: *mut c_void,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_ref_t;

/// A callback of `wedge.h` that also sees its caller (`wedge_func_callback_t`).
pub type wedge_func_callback_t = unsafe extern "C" fn(
    env: *mut c_void,
    caller: *mut wedge_caller_t,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_ref_t;

/// The calling instance as a host callback sees it (valid during the callback only).
pub struct wedge_caller_t {
    pub(crate) cell: Rc<StoreCell>,
    /// A `&mut &mut dyn FnMut(&str) -> Option<Extern>` looking up the caller's exports.
    lookup: *mut c_void,
}

/// The C callback of a host function and its environment.
enum Callback {
    Plain(Option<wasm_func_callback_t>),
    Env(Option<wasm_func_callback_with_env_t>),
    Caller(Option<wedge_func_callback_t>),
}

/// Owns a host function's environment and runs its finalizer when the function goes (with
/// its store).
struct HostEnv {
    callback: Callback,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

// SAFETY: a store and its functions are used by one thread at a time (the header's rule);
// the environment pointer is only handed back to the embedder's own callback.
unsafe impl Send for HostEnv {}
// SAFETY: as above.
unsafe impl Sync for HostEnv {}

impl Drop for HostEnv {
    fn drop(&mut self) {
        if let Some(f) = self.finalizer {
            // SAFETY: the embedder gave this finalizer for this environment; it runs once.
            unsafe { f(self.env) };
        }
    }
}

impl HostEnv {
    /// Runs the C callback for a call from wasm.
    fn call(
        &self,
        mut caller: Caller<'_, StoreData>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Trap> {
        let Some(cell) = caller.data().cell.upgrade() else {
            return Err(Trap::host("the store is being deleted"));
        };
        let ty_results: Vec<wedge::ValType> = results.iter().map(val_type).collect();
        let args: Vec<wasm_val_t> = params
            .iter()
            .map(|v| wasm_val_t::from_val(&cell, *v))
            .collect();
        let mut args = Vector::from_vec(args);
        let mut outs = Vector::from_vec(results.iter().map(|_| wasm_val_t::null()).collect());
        let store: *mut Store<StoreData> = caller.as_context_mut();
        let trap = {
            // SAFETY: the caller's store borrow is not used while the callback runs; the C
            // code reaches the store only through `cell.current`, which now points here.
            let store_ref = unsafe { &mut *store };
            cell.with_current(store_ref, || {
                let mut lookup = |name: &str| caller.get_export(name);
                let mut lookup: &mut dyn FnMut(&str) -> Option<wedge::Extern> = &mut lookup;
                let mut c = wedge_caller_t {
                    cell: cell.clone(),
                    lookup: &mut lookup as *mut _ as *mut c_void,
                };
                // SAFETY: the embedder's callback, called with the arguments its type promises.
                unsafe {
                    match self.callback {
                        Callback::Plain(Some(f)) => f(&args, &mut outs),
                        Callback::Env(Some(f)) => f(self.env, &args, &mut outs),
                        Callback::Caller(Some(f)) => f(self.env, &mut c, &args, &mut outs),
                        _ => crate::trap::trap_handle(
                            Some(&cell),
                            Trap::host("the host function has no callback"),
                        ),
                    }
                }
            })
        };
        for v in args.take() {
            v.release();
        }
        let outs = outs.take();
        let result = if trap.is_null() {
            convert_results(&cell, &outs, &ty_results, results)
        } else {
            // SAFETY: the callback returned an owned trap handle.
            let t = unsafe { Box::from_raw(trap) };
            // SAFETY: `t` is a live handle.
            Err(match unsafe { trap_of(&*t) } {
                Some(trap) => trap.clone(),
                None => Trap::host("a host callback returned something that is not a trap"),
            })
        };
        for v in outs {
            v.release();
        }
        result
    }
}

fn val_type(v: &Val) -> wedge::ValType {
    match v {
        Val::I32(_) => wedge::ValType::I32,
        Val::I64(_) => wedge::ValType::I64,
        Val::F32(_) => wedge::ValType::F32,
        Val::F64(_) => wedge::ValType::F64,
        Val::V128(_) => wedge::ValType::V128,
        Val::FuncRef(_) => wedge::ValType::FUNCREF,
        Val::ExternRef(_) => wedge::ValType::EXTERNREF,
        Val::AnyRef(_) => crate::types::valtype_of(crate::types::kind::ANYREF).expect("anyref"),
        Val::ExnRef(_) => crate::types::valtype_of(crate::types::kind::EXNREF).expect("exnref"),
    }
}

fn convert_results(
    cell: &Rc<StoreCell>,
    outs: &[wasm_val_t],
    types: &[wedge::ValType],
    results: &mut [Val],
) -> Result<(), Trap> {
    for (i, ((out, ty), slot)) in outs.iter().zip(types).zip(results.iter_mut()).enumerate() {
        *slot = out
            .to_val(cell, *ty)
            .map_err(|e| Trap::host(format!("host function result {i}: {e}")))?;
    }
    Ok(())
}

unsafe fn new_func(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Callback,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> *mut wasm_ref_t {
    let host = HostEnv {
        callback,
        env,
        finalizer,
    };
    let Some(ty) = ty.as_ref().and_then(wasm_externtype_t::to_func) else {
        crate::error::set_last("wasm_func_new needs a function type");
        return ptr::null_mut();
    };
    let cell = &(*store).cell;
    let func = Func::new(cell.ctx(), ty, move |caller, params, results| {
        host.call(caller, params, results)
    });
    wasm_ref_t::new(cell, Item::Func(func)).boxed()
}

/// Makes a host function calling `callback`.
#[no_mangle]
pub unsafe extern "C" fn wasm_func_new(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Option<wasm_func_callback_t>,
) -> *mut wasm_ref_t {
    new_func(store, ty, Callback::Plain(callback), ptr::null_mut(), None)
}

/// Makes a host function calling `callback` with `env`; `finalizer(env)` runs when the
/// function goes with its store.
#[no_mangle]
pub unsafe extern "C" fn wasm_func_new_with_env(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Option<wasm_func_callback_with_env_t>,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> *mut wasm_ref_t {
    new_func(store, ty, Callback::Env(callback), env, finalizer)
}

/// Makes a host function whose callback also gets the caller (`wedge.h`).
#[no_mangle]
pub unsafe extern "C" fn wedge_func_new_with_caller(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Option<wedge_func_callback_t>,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> *mut wasm_ref_t {
    new_func(store, ty, Callback::Caller(callback), env, finalizer)
}

/// An export of the calling instance (e.g. its memory), or null (`wedge.h`).
#[no_mangle]
pub unsafe extern "C" fn wedge_caller_export_get(
    caller: *mut wedge_caller_t,
    name: *const u8,
    len: usize,
) -> *mut wasm_ref_t {
    let c = &mut *caller;
    let name = String::from_utf8_lossy(std::slice::from_raw_parts(name, len));
    // SAFETY: `lookup` points at the lookup closure of the running callback (see `call`).
    let lookup = &mut *(c.lookup as *mut &mut dyn FnMut(&str) -> Option<wedge::Extern>);
    match lookup(&name).and_then(crate::externals::item_of) {
        Some(item) => wasm_ref_t::new(&c.cell, item).boxed(),
        None => ptr::null_mut(),
    }
}

/// The function of a handle.
pub(crate) unsafe fn func_of<'a>(p: *const wasm_ref_t) -> Option<(&'a Rc<StoreCell>, Func)> {
    let r = p.as_ref()?;
    match r.item {
        Item::Func(f) => Some((r.cell(), f)),
        _ => None,
    }
}

/// The function's type.
#[no_mangle]
pub unsafe extern "C" fn wasm_func_type(f: *const wasm_ref_t) -> *mut wasm_functype_t {
    match func_of(f) {
        Some((cell, f)) => Box::into_raw(Box::new(wasm_externtype_t::func(&f.ty(cell.ctx())))),
        None => ptr::null_mut(),
    }
}

/// How many parameters the function takes.
#[no_mangle]
pub unsafe extern "C" fn wasm_func_param_arity(f: *const wasm_ref_t) -> usize {
    func_of(f).map_or(0, |(cell, f)| f.ty(cell.ctx()).params().len())
}

/// How many results the function returns.
#[no_mangle]
pub unsafe extern "C" fn wasm_func_result_arity(f: *const wasm_ref_t) -> usize {
    func_of(f).map_or(0, |(cell, f)| f.ty(cell.ctx()).results().len())
}

/// Most parameters or results a call converts without allocating.
const INLINE_VALS: usize = 8;

/// What a call needs to know of a function's type, kept on its handle.
pub(crate) struct FuncInfo {
    ty: FuncType,
    /// Only i32, i64, f32 and f64 parameters and results, at most `INLINE_VALS` of each:
    /// such calls pass raw slots (`Func::call_numeric`).
    numeric: bool,
}

impl FuncInfo {
    fn new(ty: FuncType) -> FuncInfo {
        let numeric = ty.params().len() <= INLINE_VALS
            && ty.results().len() <= INLINE_VALS
            && ty.params().iter().chain(ty.results()).all(|t| {
                matches!(
                    t,
                    wedge::ValType::I32
                        | wedge::ValType::I64
                        | wedge::ValType::F32
                        | wedge::ValType::F64
                )
            });
        FuncInfo { ty, numeric }
    }
}

/// The raw slot of a numeric argument of type `ty`, if the value is of that type.
fn numeric_slot(v: &wasm_val_t, ty: wedge::ValType) -> Option<u64> {
    // SAFETY: the kind says which union field is meaningful.
    unsafe {
        Some(match (v.kind, ty) {
            (kind::I32, wedge::ValType::I32) => v.of.i32 as u32 as u64,
            (kind::I64, wedge::ValType::I64) => v.of.i64 as u64,
            (kind::F32, wedge::ValType::F32) => v.of.f32.to_bits() as u64,
            (kind::F64, wedge::ValType::F64) => v.of.f64.to_bits(),
            _ => return None,
        })
    }
}

/// The value of a numeric result slot of type `ty`.
fn numeric_val(slot: u64, ty: wedge::ValType) -> wasm_val_t {
    use crate::val::wasm_val_union as U;
    let (kind, of) = match ty {
        wedge::ValType::I32 => (
            kind::I32,
            U {
                i32: slot as u32 as i32,
            },
        ),
        wedge::ValType::I64 => (kind::I64, U { i64: slot as i64 }),
        wedge::ValType::F32 => (
            kind::F32,
            U {
                f32: f32::from_bits(slot as u32),
            },
        ),
        _ => (
            kind::F64,
            U {
                f64: f64::from_bits(slot),
            },
        ),
    };
    wasm_val_t { kind, of }
}

/// The fast path of `wasm_func_call` for numeric signatures; None if an argument's kind
/// does not match (the general path then reports it).
fn call_numeric(
    store: &mut Store<StoreData>,
    func: Func,
    ty: &FuncType,
    args: &[wasm_val_t],
    results: &mut [wasm_val_t],
) -> Option<Result<(), wedge::Error>> {
    if args.len() != ty.params().len() || results.len() < ty.results().len() {
        return None;
    }
    let mut io = [0u64; INLINE_VALS];
    for ((a, t), slot) in args.iter().zip(ty.params()).zip(io.iter_mut()) {
        *slot = numeric_slot(a, *t)?;
    }
    let n = ty.params().len().max(ty.results().len());
    let deadline = store
        .data()
        .time_limit
        .map(|d| store.interrupt_handle().interrupt_after(d));
    let r = catch_unwind(AssertUnwindSafe(|| {
        func.call_numeric(&mut *store, &mut io[..n])
    }))
    .unwrap_or_else(|p| Err(panic_error(p)));
    drop(deadline);
    Some(r.map(|()| {
        for ((slot, t), out) in io.iter().zip(ty.results()).zip(results.iter_mut()) {
            *out = numeric_val(*slot, *t);
        }
    }))
}

/// Calls the function; null on success (results written to `results`), else a trap
/// (also for a wrong number or type of arguments, or too small a results vector).
#[no_mangle]
pub unsafe extern "C" fn wasm_func_call(
    f: *const wasm_ref_t,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_ref_t {
    let Some((cell, func)) = func_of(f) else {
        return error_handle(
            None,
            wedge::Error::Type("wasm_func_call needs a function".into()),
        );
    };
    let store = cell.ctx();
    let info = (*f)
        .func_ty
        .get_or_init(|| Rc::new(FuncInfo::new(func.ty(&*store))));
    let args = args.as_ref().map_or(&[][..], |a| a.as_slice());
    let results = match results.as_mut() {
        Some(r) => r.as_mut_slice(),
        None => &mut [],
    };
    let fast = if info.numeric {
        call_numeric(store, func, &info.ty, args, results)
    } else {
        None
    };
    match fast.unwrap_or_else(|| call(cell, store, func, &info.ty, args, results)) {
        Ok(()) => ptr::null_mut(),
        Err(e) => error_handle(Some(cell), e),
    }
}

/// Converts the arguments, calls, converts the results.
fn call(
    cell: &Rc<StoreCell>,
    store: &mut Store<StoreData>,
    func: Func,
    ty: &FuncType,
    args: &[wasm_val_t],
    results: &mut [wasm_val_t],
) -> Result<(), wedge::Error> {
    if args.len() != ty.params().len() {
        return Err(wedge::Error::Type(format!(
            "expected {} arguments, got {}",
            ty.params().len(),
            args.len()
        )));
    }
    if results.len() < ty.results().len() {
        return Err(wedge::Error::Type(format!(
            "expected room for {} results, got {}",
            ty.results().len(),
            results.len()
        )));
    }
    let mut inline = [Val::I32(0); INLINE_VALS];
    let mut heap = Vec::new();
    let params: &mut [Val] = if args.len() <= INLINE_VALS {
        &mut inline[..args.len()]
    } else {
        heap.resize(args.len(), Val::I32(0));
        &mut heap
    };
    for (i, ((a, t), p)) in args
        .iter()
        .zip(ty.params())
        .zip(params.iter_mut())
        .enumerate()
    {
        *p = a
            .to_val(cell, *t)
            .map_err(|e| wedge::Error::Type(format!("argument {i}: {e}")))?;
    }
    let mut inline_out = [Val::I32(0); INLINE_VALS];
    let mut heap_out = Vec::new();
    let n = ty.results().len();
    let outs: &mut [Val] = if n <= INLINE_VALS {
        &mut inline_out[..n]
    } else {
        heap_out.resize(n, Val::I32(0));
        &mut heap_out
    };
    let deadline = store
        .data()
        .time_limit
        .map(|d| store.interrupt_handle().interrupt_after(d));
    let r = catch_unwind(AssertUnwindSafe(|| func.call(&mut *store, params, outs)))
        .unwrap_or_else(|p| Err(panic_error(p)));
    drop(deadline);
    r?;
    for (slot, v) in results.iter_mut().zip(outs.iter()) {
        *slot = wasm_val_t::from_val(cell, *v);
    }
    Ok(())
}

/// An error for a panic caught at the C boundary (a Wedge bug: reported, never aborting).
pub(crate) fn panic_error(p: Box<dyn std::any::Any + Send>) -> wedge::Error {
    let what = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    wedge::Error::Trap(Trap::host(format!("internal error in wedge: {what}")))
}
