//! The runtime: stores and the objects they own, instances, linking and host functions.

mod call;
mod func;
pub mod gc;
mod global;
mod growth;
mod host_funcs;
mod instance;
pub(crate) mod lazy_table;
mod linker;
pub(crate) mod memory;
pub(crate) mod ops;
pub(crate) mod profiler;
mod statistics;
mod store;
mod table;
mod tag;
mod trap;
mod typed;
mod val;
pub(crate) mod vmctx;

pub use func::{Caller, Func};
pub use gc::GcStats;
pub use global::Global;
pub use instance::Instance;
pub use linker::Linker;
pub(crate) use memory::{AtomicCell, LinearMemory};
pub use memory::{
    Memory, SharedMemory, GUARD_SIZE, MEMORY_BASE_OFFSET, MEMORY_LENGTH_OFFSET, PAGE_SIZE,
    RESERVATION_32, RESERVATION_64,
};
pub use profiler::{GuestProfile, ProfileFrame};
pub use statistics::Statistics;
pub use store::{AsContext, AsContextMut, Store};
pub use table::Table;
pub use tag::Tag;
pub use trap::{FrameInfo, Trap, TrapKind};
pub use typed::{TypedFunc, WasmParams, WasmResults, WasmTy};
pub use val::{AnyRef, ExnRef, ExternRef, Val};

pub(crate) use call::invoke;
pub(crate) use func::{io_slots, HostFn};
pub(crate) use store::{FuncKind, InstanceEntity, StoreId, StoreInner};

use crate::types::FuncType;
use std::sync::Arc;

/// Anything that can be imported or exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A table.
    Table(Table),
    /// A linear memory.
    Memory(Memory),
    /// A global.
    Global(Global),
    /// An exception tag.
    Tag(Tag),
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}

impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}

impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}

impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}

impl From<Tag> for Extern {
    fn from(t: Tag) -> Extern {
        Extern::Tag(t)
    }
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }
}

/// What a typed host closure may return: results, or results-or-trap.
pub trait HostResult {
    /// The results on success.
    type Ok: WasmResults;
    /// Converts into a result.
    fn into_result(self) -> Result<Self::Ok, Trap>;
}

impl<R: WasmResults> HostResult for R {
    type Ok = R;
    fn into_result(self) -> Result<R, Trap> {
        Ok(self)
    }
}

impl<R: WasmResults> HostResult for Result<R, Trap> {
    type Ok = R;
    fn into_result(self) -> Result<R, Trap> {
        self
    }
}

/// A Rust closure usable as a typed host function: `Fn(Caller<T>, A1, .., An) -> R`.
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    /// The function type and its raw-slot implementation.
    fn into_host_fn(self) -> (FuncType, HostFn<T>);
}

macro_rules! into_func {
    ($($a:ident)*) => {
        impl<T: 'static, F, R, $($a,)*> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($a),*) -> R + Send + Sync + 'static,
            $($a: WasmTy,)*
            R: HostResult,
        {
            #[allow(non_snake_case, unused_assignments, unused_mut, unused_variables)]
            fn into_host_fn(self) -> (FuncType, HostFn<T>) {
                let ty = FuncType::new(vec![$($a::valtype()),*], R::Ok::valtypes());
                let f: HostFn<T> = Arc::new(move |caller: Caller<'_, T>, io: &mut [u64]| {
                    let mut at = 0;
                    $(
                        let $a = $a::load(&io[at..]);
                        at += $a::valtype().slots() as usize;
                    )*
                    let results = (self)(caller, $($a),*).into_result()?;
                    results.store_results(io);
                    Ok(())
                });
                (ty, f)
            }
        }
    };
}

into_func!();
into_func!(A1);
into_func!(A1 A2);
into_func!(A1 A2 A3);
into_func!(A1 A2 A3 A4);
into_func!(A1 A2 A3 A4 A5);
into_func!(A1 A2 A3 A4 A5 A6);
into_func!(A1 A2 A3 A4 A5 A6 A7);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);

impl Func {
    /// Creates a host function from a typed Rust closure.
    ///
    /// ```
    /// use wedge::*;
    /// let mut store = Store::new(&Engine::default(), ());
    /// let add = Func::wrap(&mut store, |_c: Caller<'_, ()>, a: i32, b: i32| a + b);
    /// assert_eq!(add.typed::<(i32, i32), i32>(&store)?.call(&mut store, (2, 3))?, 5);
    /// # Ok::<(), wedge::Error>(())
    /// ```
    pub fn wrap<T: 'static, P, R>(
        mut store: impl AsContextMut<Data = T>,
        f: impl IntoFunc<T, P, R>,
    ) -> Func {
        let (ty, host) = f.into_host_fn();
        Func::from_host_fn(store.as_context_mut(), ty, host)
    }
}
