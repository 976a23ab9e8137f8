//! Functions: handles, host functions and the `Caller` they receive.

use super::instance::Instance;
use super::store::{AsContext, AsContextMut, Store, StoreId};
use super::trap::Trap;
use super::val::Val;
use super::Extern;
use crate::types::FuncType;
use crate::Error;
use std::sync::Arc;

/// A host function on raw slots: parameters come in `io`, results go out through it.
pub(crate) type HostFn<T> =
    Arc<dyn Fn(Caller<'_, T>, &mut [u64]) -> Result<(), Trap> + Send + Sync + 'static>;

/// A handle to a function (wasm or host) in a store.
///
/// ```
/// use wedge::*;
/// let mut store = Store::new(&Engine::default(), ());
/// let ty = FuncType::new([ValType::I32], [ValType::I32]);
/// let double = Func::new(&mut store, ty, |_caller, args, results| {
///     results[0] = Val::I32(args[0].i32().unwrap() * 2);
///     Ok(())
/// });
/// let mut out = [Val::I32(0)];
/// double.call(&mut store, &[Val::I32(21)], &mut out)?;
/// assert_eq!(out[0], Val::I32(42));
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

/// What a host function sees of its caller: the store (and its data) and the calling instance.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) instance: Option<u32>,
}

impl<T> Caller<'_, T> {
    /// The store's host data.
    pub fn data(&self) -> &T {
        self.store.data()
    }

    /// The store's host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// An export of the calling instance (e.g. its `"memory"`), if called from wasm.
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        let instance = Instance {
            store: self.store.inner.id,
            index: self.instance?,
        };
        instance.get_export(&*self.store, name)
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> &Store<T> {
        self.store
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> &mut Store<T> {
        self.store
    }
}

/// Number of raw slots needed to pass a function's parameters and results.
pub(crate) fn io_slots(ty: &FuncType) -> usize {
    ty.param_slots().max(ty.result_slots()) as usize
}

/// Reads values of the given types from raw slots.
pub(crate) fn read_vals(
    store: &super::store::StoreInner,
    types: &[crate::ValType],
    io: &[u64],
    out: &mut [Val],
) {
    let mut at = 0;
    for (ty, out) in types.iter().zip(out.iter_mut()) {
        let raw = if ty.slots() == 2 {
            io[at] as u128 | (io[at + 1] as u128) << 64
        } else {
            io[at] as u128
        };
        at += ty.slots() as usize;
        *out = Val::from_raw(raw, *ty, store);
    }
}

/// Writes values into raw slots (their types must already be checked).
pub(crate) fn write_vals(store: &super::store::StoreInner, vals: &[Val], io: &mut [u64]) {
    let mut at = 0;
    for v in vals {
        let raw = v.to_raw(store);
        io[at] = raw as u64;
        if matches!(v, Val::V128(_)) {
            io[at + 1] = (raw >> 64) as u64;
            at += 2;
        } else {
            at += 1;
        }
    }
}

/// Checks values against types, naming the first mismatch.
pub(crate) fn check_vals(what: &str, vals: &[Val], types: &[crate::ValType]) -> Result<(), Error> {
    if vals.len() != types.len() {
        return Err(Error::Type(format!(
            "expected {} {what}, got {}",
            types.len(),
            vals.len()
        )));
    }
    for (i, (v, t)) in vals.iter().zip(types).enumerate() {
        if !v.matches(*t) {
            return Err(Error::Type(format!("{what} {i}: expected {t}, got {v:?}")));
        }
    }
    Ok(())
}

impl Func {
    /// Creates a host function from a closure over dynamically typed values.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Func {
        let host = Self::host_fn_from_vals(ty.clone(), f);
        Self::from_host_fn(store.as_context_mut(), ty, host)
    }

    /// Wraps a closure over values into a raw-slot host function.
    pub(crate) fn host_fn_from_vals<T: 'static>(
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> HostFn<T> {
        Arc::new(move |caller: Caller<'_, T>, io: &mut [u64]| {
            let mut params = vec![Val::I32(0); ty.params().len()];
            read_vals(&caller.store.inner, ty.params(), io, &mut params);
            let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_of(*t)).collect();
            let store: *mut Store<T> = caller.store;
            f(caller, &params, &mut results)?;
            check_vals("host function results", &results, ty.results())
                .map_err(|e| Trap::host(e.to_string()))?;
            // SAFETY: `caller` (the only other borrow of the store) was consumed by `f`.
            let inner = unsafe { &(*store).inner };
            for (v, t) in results.iter().zip(ty.results()) {
                v.check_in(inner, *t)
                    .map_err(|e| Trap::host(format!("host function result: {e}")))?;
            }
            write_vals(inner, &results, io);
            Ok(())
        })
    }

    /// Registers a raw host function in the store.
    pub(crate) fn from_host_fn<T>(store: &mut Store<T>, ty: FuncType, host: HostFn<T>) -> Func {
        let type_id = store.inner.engine.intern_type(&ty);
        Self::from_interned_host_fn(store, Arc::new(ty), type_id, host)
    }

    /// Registers a raw host function whose signature has canonical id `type_id` in the
    /// store's engine.
    pub(crate) fn from_interned_host_fn<T>(
        store: &mut Store<T>,
        ty: Arc<FuncType>,
        type_id: u32,
        host: HostFn<T>,
    ) -> Func {
        let host = store.host_funcs.push(host);
        store.inner.know_type(type_id);
        let index = store.inner.push_host_func(ty, type_id, host);
        Func {
            store: store.inner.id,
            index,
        }
    }

    /// The function's signature.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        inner.func(self.index).ty().clone()
    }

    /// Calls the function with dynamically typed arguments, writing its results.
    pub fn call<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        let store = store.as_context_mut();
        store.inner.check(self.store);
        let ty = store.inner.func(self.index).ty_arc();
        check_vals("arguments", params, ty.params())?;
        for (v, t) in params.iter().zip(ty.params()) {
            v.check_in(&store.inner, *t).map_err(Error::Type)?;
        }
        if results.len() != ty.results().len() {
            return Err(Error::Type(format!(
                "expected room for {} results, got {}",
                ty.results().len(),
                results.len()
            )));
        }
        // Small signatures pass their slots on the stack: no allocation per call.
        let n = io_slots(&ty);
        let mut small = [0u64; 16];
        let mut big = Vec::new();
        let io: &mut [u64] = if n <= small.len() {
            &mut small[..n]
        } else {
            big.resize(n, 0);
            &mut big
        };
        write_vals(&store.inner, params, io);
        super::call::invoke(store, self.index, io).inspect_err(log_trap)?;
        read_vals(&store.inner, ty.results(), io, results);
        Ok(())
    }

    /// Calls a function whose signature has no references with its parameters as raw slots
    /// in `io` (an i32 or f32 in the low bits of one slot, an i64 or f64 in one slot, a v128
    /// in two); the results are written back the same way. The fast path for bindings that
    /// hold numbers already: no values are built or checked one by one. Fails for a
    /// signature with references (raw bits must never forge one) or too few slots.
    ///
    /// ```
    /// use wedge::*;
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module (func (export "add") (param i32 i64) (result i64)
    ///     (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1))))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// let add = Linker::new(&engine).instantiate(&mut store, &module)?.get_func(&store, "add").unwrap();
    /// let mut io = [(-2i32) as u32 as u64, 5];
    /// add.call_numeric(&mut store, &mut io)?;
    /// assert_eq!(io[0] as i64, 3);
    /// assert!(add.call_numeric(&mut store, &mut [0]).is_err());
    /// # Ok::<(), wedge::Error>(())
    /// ```
    pub fn call_numeric<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        io: &mut [u64],
    ) -> Result<(), Error> {
        let store = store.as_context_mut();
        store.inner.check(self.store);
        let entity = store.inner.func(self.index);
        let ty = entity.ty();
        if ty
            .params()
            .iter()
            .chain(ty.results())
            .any(|t| matches!(t, crate::ValType::Ref(_)))
        {
            return Err(Error::Type(
                "call_numeric needs a signature without references".into(),
            ));
        }
        let needed = io_slots(ty);
        if io.len() < needed {
            return Err(Error::Type(format!(
                "expected {needed} slots for parameters and results, got {}",
                io.len()
            )));
        }
        super::call::invoke(store, self.index, &mut io[..needed])
    }

    /// A statically typed view of the function; fails if the signature differs.
    pub fn typed<P: super::WasmParams, R: super::WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<super::TypedFunc<P, R>, Error> {
        super::TypedFunc::new(*self, &store.as_context().inner)
    }
}

/// Logs a trap leaving a call (target `wedge::trap`); a guest's exit is no trap to log.
pub(super) fn log_trap(e: &Error) {
    if let Some(t) = e.as_trap().filter(|t| t.kind() != super::TrapKind::Exit) {
        let frame = t.backtrace().first();
        let func = frame.and_then(|f| f.demangled_name());
        tracing::info!(
            target: "wedge::trap",
            kind = ?t.kind(),
            func_index = frame.map(|f| f.func_index),
            func = func.as_deref().unwrap_or(""),
            "trap: {}",
            t.message()
        );
    }
}
