//! Calling a store function from the host: picks the tier that runs it.

use super::store::{FuncKind, Store};
use super::trap::Trap;
use crate::Error;

/// Calls function `func` (store index) with parameters in `io`; results are written back to
/// `io`, which holds at least `io_slots` of the function's type.
pub(crate) fn invoke<T>(store: &mut Store<T>, func: u32, io: &mut [u64]) -> Result<(), Error> {
    if let FuncKind::Wasm { instance, index } = store.inner.func(func).kind {
        if store.inner.instances[instance as usize].native.is_some() {
            return crate::native::invoke(store, instance, index, io);
        }
        if let Some(result) = crate::tier::invoke(store, instance, index, io) {
            return result;
        }
    }
    crate::interp::invoke(store, func, io)
}

/// [`invoke`] for compiled code calling a host or interpreted function: `store` is the
/// `Store<T>` the code runs for, `io` holds the function's slots, `caller` is the calling
/// instance.
///
/// # Safety
/// `store` must point to the `Store<T>` that is running the caller, with no live borrows
/// other than the one the running call was entered with, and `io` must hold `io_slots` of
/// the function's type.
pub(crate) unsafe fn invoke_raw<T>(
    store: *mut u8,
    func: u32,
    io: *mut u64,
    caller: u32,
) -> Result<(), Trap> {
    // SAFETY: guaranteed by the caller.
    let store = unsafe { &mut *(store as *mut Store<T>) };
    let entity = store.inner.func(func);
    let slots = super::io_slots(entity.ty());
    // SAFETY: guaranteed by the caller.
    let io = unsafe { std::slice::from_raw_parts_mut(io, slots) };
    let result = match entity.kind {
        FuncKind::Host { host } => {
            let f = store.host_funcs[host as usize].clone();
            let started = store
                .inner
                .engine
                .config()
                .host_time
                .then(std::time::Instant::now);
            let store_ptr: *mut Store<T> = store;
            let r = f(
                super::Caller {
                    store,
                    instance: Some(caller),
                },
                io,
            );
            if let Some(started) = started {
                // SAFETY: the `Caller` holding the only other borrow was consumed by `f`.
                unsafe { (*store_ptr).inner.host_time += started.elapsed() };
            }
            r.map_err(Error::from)
        }
        FuncKind::Wasm { .. } => crate::tier::invoke_from_native(store, func, io),
    };
    result.map_err(|e| match e {
        Error::Trap(t) => t,
        other => Trap::host(other.to_string()),
    })
}
