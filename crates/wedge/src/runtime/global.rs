//! Globals.

use super::store::{AsContext, AsContextMut, GlobalEntity, StoreId};
use super::val::Val;
use crate::types::{GlobalType, Mutability};
use crate::Error;

/// A handle to a global variable in a store.
///
/// ```
/// use wedge::*;
/// let mut store = Store::new(&Engine::default(), ());
/// let ty = GlobalType { content: ValType::I32, mutability: Mutability::Var };
/// let g = Global::new(&mut store, ty, Val::I32(1))?;
/// g.set(&mut store, Val::I32(5))?;
/// assert_eq!(g.get(&store), Val::I32(5));
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Global {
    /// Creates a global with an initial value of its type.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, value: Val) -> Result<Global, Error> {
        if !value.matches(ty.content) {
            return Err(Error::Type(format!(
                "value {value:?} is not of type {}",
                ty.content
            )));
        }
        let inner = &mut store.as_context_mut().inner;
        value.check_in(inner, ty.content).map_err(Error::Type)?;
        let value = value.to_raw(inner);
        inner.globals.push(Box::new(GlobalEntity { ty, value }));
        Ok(Global {
            store: inner.id,
            index: inner.globals.len() as u32 - 1,
        })
    }

    /// The global's type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        inner.globals[self.index as usize].ty
    }

    /// The current value.
    pub fn get(&self, store: impl AsContext) -> Val {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        let g = &inner.globals[self.index as usize];
        Val::from_raw(g.value, g.ty.content, inner)
    }

    /// Writes a mutable global.
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<(), Error> {
        let inner = &mut store.as_context_mut().inner;
        inner.check(self.store);
        let ty = inner.globals[self.index as usize].ty;
        if ty.mutability != Mutability::Var {
            return Err(Error::Type("cannot set an immutable global".into()));
        }
        if !value.matches(ty.content) {
            return Err(Error::Type(format!(
                "value {value:?} is not of type {}",
                ty.content
            )));
        }
        value.check_in(inner, ty.content).map_err(Error::Type)?;
        let raw = value.to_raw(inner);
        inner.globals[self.index as usize].value = raw;
        Ok(())
    }
}
