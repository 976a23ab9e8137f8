//! Telling a plugin when a store that called it ends: the first call from each store
//! registers a drop hook on that store, which calls the plugin's `store_dropped` (if it
//! has one) with the store's number.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

/// The stores one plugin has been called from and still live, and its callback.
pub(crate) struct StoreWatch {
    /// The plugin's `store_dropped`, if any.
    store_dropped: Option<unsafe extern "C" fn(u64)>,
    /// Numbers of the live stores that called the plugin.
    seen: Mutex<HashSet<u64>>,
    /// Keeps the plugin's library loaded until every hook has run.
    _library: Option<Arc<libloading::Library>>,
}

impl StoreWatch {
    /// A watch for a plugin with this callback (and library, kept loaded).
    pub(crate) fn new(
        store_dropped: Option<unsafe extern "C" fn(u64)>,
        library: Option<Arc<libloading::Library>>,
    ) -> Arc<StoreWatch> {
        Arc::new(StoreWatch {
            store_dropped,
            seen: Mutex::new(HashSet::new()),
            _library: library,
        })
    }

    /// Called at every call into the plugin: on a store's first call, arranges for the
    /// plugin to hear when that store is dropped.
    pub(crate) fn called_from<T>(self: &Arc<Self>, store: &mut wedge::Store<T>) {
        if self.store_dropped.is_none() {
            return;
        }
        let id = store.id();
        let first = self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
        if first {
            let watch = Arc::clone(self);
            store.on_drop(move || watch.dropped(id));
        }
    }

    /// The store `id` is gone: tells the plugin.
    fn dropped(&self, id: u64) {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        if let Some(f) = self.store_dropped {
            // SAFETY: the plugin's callback, with the number of a store that called it; the
            // library is kept loaded by `self._library`. A panic must not cross into the
            // store's destructor.
            let _ = catch_unwind(AssertUnwindSafe(|| unsafe { f(id) }));
        }
    }
}
