//! Statically typed function calls that pass values as raw slots, without boxing.

use super::func::{io_slots, Func};
use super::store::{AsContextMut, StoreInner};
use crate::types::ValType;
use crate::Error;
use std::marker::PhantomData;

/// A Rust type that corresponds to one WebAssembly value type.
pub trait WasmTy: Sized + Copy {
    /// The wasm type.
    fn valtype() -> ValType;
    /// Writes the value into its slot(s).
    fn store(self, slots: &mut [u64]);
    /// Reads the value from its slot(s).
    fn load(slots: &[u64]) -> Self;
}

macro_rules! wasm_ty {
    ($t:ty, $vt:expr, |$s:ident| $to:expr, |$r:ident| $from:expr) => {
        impl WasmTy for $t {
            fn valtype() -> ValType {
                $vt
            }
            fn store(self, slots: &mut [u64]) {
                let $s = self;
                slots[0] = $to;
            }
            fn load(slots: &[u64]) -> Self {
                let $r = slots[0];
                $from
            }
        }
    };
}

wasm_ty!(i32, ValType::I32, |v| v as u32 as u64, |r| r as u32 as i32);
wasm_ty!(u32, ValType::I32, |v| v as u64, |r| r as u32);
wasm_ty!(i64, ValType::I64, |v| v as u64, |r| r as i64);
wasm_ty!(u64, ValType::I64, |v| v, |r| r);
wasm_ty!(f32, ValType::F32, |v| v.to_bits() as u64, |r| {
    f32::from_bits(r as u32)
});
wasm_ty!(f64, ValType::F64, |v| v.to_bits(), |r| f64::from_bits(r));

impl WasmTy for u128 {
    fn valtype() -> ValType {
        ValType::V128
    }
    fn store(self, slots: &mut [u64]) {
        slots[0] = self as u64;
        slots[1] = (self >> 64) as u64;
    }
    fn load(slots: &[u64]) -> Self {
        slots[0] as u128 | (slots[1] as u128) << 64
    }
}

/// A tuple of parameters (or a single one) passed to a typed call.
pub trait WasmParams: Sized {
    /// The wasm types, in order.
    fn valtypes() -> Vec<ValType>;
    /// Writes the values into consecutive slots.
    fn store(self, slots: &mut [u64]);
}

/// A tuple of results (or a single one, or `()`) returned by a typed call.
pub trait WasmResults: Sized {
    /// The wasm types, in order.
    fn valtypes() -> Vec<ValType>;
    /// Reads the values from consecutive slots.
    fn load(slots: &[u64]) -> Self;
    /// Writes the values into consecutive slots (for host functions returning them).
    fn store_results(self, slots: &mut [u64]);
}

impl<A: WasmTy> WasmParams for A {
    fn valtypes() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn store(self, slots: &mut [u64]) {
        WasmTy::store(self, slots)
    }
}

impl<A: WasmTy> WasmResults for A {
    fn valtypes() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn load(slots: &[u64]) -> Self {
        WasmTy::load(slots)
    }
    fn store_results(self, slots: &mut [u64]) {
        WasmTy::store(self, slots)
    }
}

macro_rules! tuples {
    ($($n:ident)*) => {
        impl<$($n: WasmTy),*> WasmParams for ($($n,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($n::valtype()),*]
            }
            #[allow(non_snake_case, unused_assignments, unused_variables, unused_mut)]
            fn store(self, slots: &mut [u64]) {
                let ($($n,)*) = self;
                let mut at = 0;
                $(
                    $n.store(&mut slots[at..]);
                    at += $n::valtype().slots() as usize;
                )*
            }
        }
        impl<$($n: WasmTy),*> WasmResults for ($($n,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($n::valtype()),*]
            }
            #[allow(unused_assignments, unused_variables, unused_mut, clippy::unused_unit)]
            fn load(slots: &[u64]) -> Self {
                let mut at = 0;
                ($({
                    let v = $n::load(&slots[at..]);
                    at += $n::valtype().slots() as usize;
                    v
                },)*)
            }
            fn store_results(self, slots: &mut [u64]) {
                WasmParams::store(self, slots)
            }
        }
    };
}

tuples!();
tuples!(A);
tuples!(A B);
tuples!(A B C);
tuples!(A B C D);
tuples!(A B C D E);
tuples!(A B C D E F);
tuples!(A B C D E F G);
tuples!(A B C D E F G H);

/// A function whose signature was checked once, so calls skip per-call type checks.
///
/// ```
/// use wedge::*;
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module (func (export "mul") (param i64 i64) (result i64)
///     local.get 0 local.get 1 i64.mul))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
/// let mul = instance.get_typed_func::<(i64, i64), i64>(&store, "mul")?;
/// assert_eq!(mul.call(&mut store, (6, 7))?, 42);
/// # Ok::<(), wedge::Error>(())
/// ```
pub struct TypedFunc<P, R> {
    func: Func,
    slots: usize,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    pub(crate) fn new(func: Func, store: &StoreInner) -> Result<Self, Error> {
        store.check(func.store);
        let entity = store.func(func.index);
        let ty = entity.ty();
        if ty.params() != P::valtypes().as_slice() || ty.results() != R::valtypes().as_slice() {
            return Err(Error::Type(format!(
                "function type {ty} does not match the requested signature"
            )));
        }
        Ok(TypedFunc {
            func,
            slots: io_slots(ty),
            _marker: PhantomData,
        })
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }

    /// Calls the function.
    pub fn call<T>(&self, mut store: impl AsContextMut<Data = T>, params: P) -> Result<R, Error> {
        let store = store.as_context_mut();
        store.inner.check(self.func.store);
        let mut small = [0u64; 16];
        let mut big;
        let io: &mut [u64] = if self.slots <= small.len() {
            &mut small[..self.slots]
        } else {
            big = vec![0u64; self.slots];
            &mut big
        };
        params.store(io);
        super::call::invoke(store, self.func.index, io).inspect_err(super::func::log_trap)?;
        Ok(R::load(io))
    }
}
