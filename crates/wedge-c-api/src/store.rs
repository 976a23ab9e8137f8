//! Configs, engines and stores; how every handle reaches its store.
//!
//! A `wasm_store_t` is a reference-counted [`StoreCell`]: each object handle made in the
//! store holds a count, so deleting the store while handles live keeps it until the last
//! one is deleted. The cell's `current` pointer is the one way code reaches the store: at
//! top level it points at the store itself; while a host callback runs, it points at the
//! store the callback's `Caller` borrows, so C code re-entering the API from a callback
//! (calling wasm, reading memory) uses that borrow and never makes a second one.

use crate::object::{Key, Shared};
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use std::sync::OnceLock;
use std::time::Duration;
use wedge::{Config, Engine, Func, Store};

/// Engine settings, consumed by `wasm_engine_new_with_config`.
pub struct wasm_config_t {
    pub(crate) config: Config,
}

/// A compilation environment; may be shared between threads.
pub struct wasm_engine_t {
    pub(crate) engine: Engine,
}

/// A store handle (single-threaded: see the header).
pub struct wasm_store_t {
    pub(crate) cell: Rc<StoreCell>,
}

/// What the store keeps for the C API beside the runtime objects.
pub(crate) struct StoreData {
    /// The cell holding this store, for host callbacks.
    pub cell: Weak<StoreCell>,
    /// The WASI state guests of this store see.
    pub wasi: wedge_wasi::WasiCtx,
    /// WASI functions already made in this store, by name.
    pub wasi_funcs: HashMap<String, Func>,
    /// Files capturing the guest's stdout and stderr, when asked for.
    pub captured: [Option<std::fs::File>; 2],
    /// Time limit of each call into wasm (needs an interruptible engine).
    pub time_limit: Option<Duration>,
}

/// The store and the bookkeeping of its handles.
pub(crate) struct StoreCell {
    store: UnsafeCell<Store<StoreData>>,
    current: Cell<*mut Store<StoreData>>,
    /// Identity (and host info) of each object that has live handles.
    handles: RefCell<HashMap<Key, Weak<Shared>>>,
    /// Map size at which dead entries are swept next.
    sweep_at: Cell<usize>,
}

impl StoreCell {
    /// A new store on `engine`.
    pub(crate) fn new(engine: &Engine) -> Rc<StoreCell> {
        let cell = Rc::new_cyclic(|weak| StoreCell {
            store: UnsafeCell::new(Store::new(
                engine,
                StoreData {
                    cell: weak.clone(),
                    wasi: wedge_wasi::WasiCtxBuilder::new()
                        .build()
                        .expect("an empty WASI context always builds"),
                    wasi_funcs: HashMap::new(),
                    captured: [None, None],
                    time_limit: None,
                },
            )),
            current: Cell::new(std::ptr::null_mut()),
            handles: RefCell::new(HashMap::new()),
            sweep_at: Cell::new(64),
        });
        cell.current.set(cell.store.get());
        cell
    }

    /// The store, as whoever holds it now (top level or a running host callback).
    ///
    /// # Safety
    /// The caller uses the reference only within one API call and makes no other one while
    /// it is live (single-threaded use of a store is the header's rule).
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn ctx(&self) -> &mut Store<StoreData> {
        // SAFETY: `current` points at the store or at the store a live `Caller` borrows,
        // whose owner is suspended in a host callback until the callback returns.
        &mut *self.current.get()
    }

    /// Runs `f` with `store` (a `Caller`'s borrow) as the current store, restoring the
    /// previous one after.
    pub(crate) fn with_current<R>(&self, store: &mut Store<StoreData>, f: impl FnOnce() -> R) -> R {
        let prev = self.current.replace(store);
        let r = f();
        self.current.set(prev);
        r
    }

    /// The shared identity of an object, created if it has no live handle.
    pub(crate) fn shared(&self, key: Key) -> Rc<Shared> {
        let mut handles = self.handles.borrow_mut();
        if let Some(s) = handles.get(&key).and_then(Weak::upgrade) {
            return s;
        }
        let s = Rc::new(Shared::default());
        handles.insert(key, Rc::downgrade(&s));
        if handles.len() >= self.sweep_at.get() {
            handles.retain(|_, w| w.strong_count() > 0);
            self.sweep_at.set((handles.len() * 2).max(64));
        }
        s
    }
}

/// A fresh random key for native code made by this process (so `wasm_module_serialize`
/// output runs natively when deserialized in this process, and nowhere else unless the
/// embedder sets a key of its own with `wedge_config_native_code_key`).
pub(crate) fn process_key() -> [u8; 16] {
    static KEY: OnceLock<[u8; 16]> = OnceLock::new();
    *KEY.get_or_init(|| {
        let mut key = [0u8; 16];
        // SAFETY: getrandom writes at most `key.len()` bytes into `key`.
        let n = unsafe { libc::getrandom(key.as_mut_ptr().cast(), key.len(), 0) };
        if n != key.len() as isize {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            key = (t ^ (std::process::id() as u128) << 64).to_le_bytes();
        }
        key
    })
}

/// Makes the default configuration (WebAssembly 3.0 and threads, compiled when possible).
#[no_mangle]
pub unsafe extern "C" fn wasm_config_new() -> *mut wasm_config_t {
    let mut config = Config::new();
    config.native_code_key(Some(process_key()));
    Box::into_raw(Box::new(wasm_config_t { config }))
}

/// Deletes a configuration that was not given to an engine.
#[no_mangle]
pub unsafe extern "C" fn wasm_config_delete(p: *mut wasm_config_t) {
    crate::types::delete(p)
}

/// Makes an engine with the default configuration.
#[no_mangle]
pub unsafe extern "C" fn wasm_engine_new() -> *mut wasm_engine_t {
    wasm_engine_new_with_config(wasm_config_new())
}

/// Makes an engine, taking ownership of the configuration.
#[no_mangle]
pub unsafe extern "C" fn wasm_engine_new_with_config(c: *mut wasm_config_t) -> *mut wasm_engine_t {
    let config = if c.is_null() {
        let mut config = Config::new();
        config.native_code_key(Some(process_key()));
        config
    } else {
        Box::from_raw(c).config
    };
    Box::into_raw(Box::new(wasm_engine_t {
        engine: Engine::new(&config),
    }))
}

/// Deletes an engine handle (stores and modules made from it keep what they need).
#[no_mangle]
pub unsafe extern "C" fn wasm_engine_delete(p: *mut wasm_engine_t) {
    crate::types::delete(p)
}

/// Makes a store.
#[no_mangle]
pub unsafe extern "C" fn wasm_store_new(engine: *mut wasm_engine_t) -> *mut wasm_store_t {
    Box::into_raw(Box::new(wasm_store_t {
        cell: StoreCell::new(&(*engine).engine),
    }))
}

/// Deletes a store handle; the store goes when no object handle uses it any more.
#[no_mangle]
pub unsafe extern "C" fn wasm_store_delete(p: *mut wasm_store_t) {
    crate::types::delete(p)
}
