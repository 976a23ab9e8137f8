//! A store's host functions, by host index: each one either owned by the store or one of
//! the host functions a `Linker` resolved a module's imports to, shared by every store that
//! module is instantiated in through that linker (no reference count touched per function).

use super::func::HostFn;
use crate::types::FuncType;
use std::sync::Arc;

/// A host function a linker resolved an import to, with its signature.
pub(crate) struct LinkedHost<T> {
    /// The signature (kept alive for the store's function entities, see `FuncEntity::ty`).
    pub ty: Arc<FuncType>,
    /// Canonical id of the signature in the linker's engine.
    pub type_id: u32,
    /// The function.
    pub f: HostFn<T>,
}

/// The host function each import of a module resolved to (None for other imports).
pub(crate) type LinkedHosts<T> = Arc<[Option<LinkedHost<T>>]>;

/// Where a host function of the store is.
#[derive(Clone, Copy)]
enum Slot {
    /// In `HostFuncs::own`.
    Own(u32),
    /// Import `at` of linked set `set`.
    Linked { set: u32, at: u32 },
}

/// The host functions of a store.
pub(crate) struct HostFuncs<T> {
    slots: Vec<Slot>,
    own: Vec<HostFn<T>>,
    linked: Vec<LinkedHosts<T>>,
}

impl<T> Default for HostFuncs<T> {
    fn default() -> Self {
        HostFuncs {
            slots: Vec::new(),
            own: Vec::new(),
            linked: Vec::new(),
        }
    }
}

impl<T> HostFuncs<T> {
    /// Makes room for `n` more.
    pub fn reserve(&mut self, n: usize) {
        self.slots.reserve(n);
    }

    /// Adds a function the store owns; returns its host index.
    pub fn push(&mut self, f: HostFn<T>) -> u32 {
        self.own.push(f);
        self.slots.push(Slot::Own(self.own.len() as u32 - 1));
        self.slots.len() as u32 - 1
    }

    /// Keeps a linker's set of resolved host functions for the store's lifetime (once, if
    /// it is the last set kept already) and returns its index for [`HostFuncs::push_linked`].
    pub fn keep(&mut self, set: &LinkedHosts<T>) -> u32 {
        let same = self.linked.last().is_some_and(|s| Arc::ptr_eq(s, set));
        if !same {
            self.linked.push(set.clone());
        }
        self.linked.len() as u32 - 1
    }

    /// Adds import `at` of kept set `set` (which must be a host function); returns its host
    /// index.
    pub fn push_linked(&mut self, set: u32, at: u32) -> u32 {
        debug_assert!(self.linked[set as usize][at as usize].is_some());
        self.slots.push(Slot::Linked { set, at });
        self.slots.len() as u32 - 1
    }
}

impl<T> std::ops::Index<usize> for HostFuncs<T> {
    type Output = HostFn<T>;

    fn index(&self, host: usize) -> &HostFn<T> {
        match self.slots[host] {
            Slot::Own(i) => &self.own[i as usize],
            Slot::Linked { set, at } => {
                let linked = self.linked[set as usize][at as usize].as_ref();
                &linked
                    .expect("linked host functions are pushed only for host imports")
                    .f
            }
        }
    }
}
