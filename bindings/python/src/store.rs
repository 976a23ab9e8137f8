//! Stores and the rule that keeps them sound while wasm runs with the GIL released.
//!
//! A `Store` is used by one thread at a time. Every operation enters it through
//! [`Store::with`], which runs with the GIL held and refuses (with `WedgeError`) a thread
//! other than the one running wasm in it, and a second operation while one is under way.
//! Calls into wasm release the GIL ([`run_wasm`]) after marking the store as owned by the
//! calling thread. A host function (a Python callable) takes the GIL back and publishes its
//! `wedge::Caller` in the store before running Python code, so operations made from the
//! callback (on the `Store` or the `Caller` object) reach the store through the caller that
//! borrows it, never through a second path.

use crate::engine::Engine;
use crate::error::wedge_err;
use crate::wasi::WasiConfig;
use pyo3::prelude::*;
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

/// The Python object of a store, as the store's own data refers to it (not counted).
pub struct StorePtr(pub *mut pyo3::ffi::PyObject);

// SAFETY: the pointer is only dereferenced with the GIL held, by a host function running
// inside an operation on that store, which keeps the object alive.
unsafe impl Send for StorePtr {}
// SAFETY: as above; the pointer itself is never written while shared.
unsafe impl Sync for StorePtr {}

/// What Wedge keeps for the bindings in every store.
pub struct StoreData {
    /// The WASI state of the store's guests (empty until `Store.set_wasi`).
    pub wasi: wedge_wasi::WasiCtx,
    /// The store's identity, carried by every handle made in it.
    pub id: u64,
    /// The Python object of this store.
    pub this: StorePtr,
    /// The exception a Python host function raised, re-raised when its trap reaches Python.
    pub pending: Option<PyErr>,
    /// Time limit of every call into wasm from Python (`Store.set_time_limit`).
    pub time_limit: Option<Duration>,
}

/// Identities of stores.
static NEXT_STORE: AtomicU64 = AtomicU64::new(1);
/// Identities of threads (0 is "no thread").
static NEXT_THREAD: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static THREAD: u64 = NEXT_THREAD.fetch_add(1, SeqCst);
}

fn thread_key() -> u64 {
    THREAD.with(|t| *t)
}

/// Holds wasm instances, functions, memories, globals and tables, and the WASI state.
#[pyclass(frozen, module = "wedge")]
pub struct Store {
    store: UnsafeCell<wedge::Store<StoreData>>,
    /// The caller of the innermost running host function, or null.
    pub caller: AtomicPtr<wedge::Caller<'static, StoreData>>,
    /// The thread running wasm in the store (0: none).
    owner: AtomicU64,
    /// Whether an operation is under way (and not suspended in a host function).
    pub busy: AtomicBool,
    /// The identity handles made in this store carry.
    pub id: u64,
    engine: Py<Engine>,
    /// The embedder's object (`Store.data`); outside the Wedge store so that Python's cycle
    /// collector can see it (a lock, since wasm may run meanwhile on another thread).
    user: std::sync::Mutex<Option<Py<PyAny>>>,
}

impl Store {
    /// The embedder's object.
    fn user(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        let user = self.user.lock().unwrap_or_else(|e| e.into_inner());
        user.as_ref().map(|u| u.clone_ref(py))
    }
}

// SAFETY: the store is only reached through `Store::with`, under the rule in the module
// comment: one thread at a time, one operation at a time, through the innermost caller.
unsafe impl Sync for Store {}
// SAFETY: a store may move between threads (its contents are Send); see above for use.
unsafe impl Send for Store {}

/// Puts back the store's owner when dropped (also if an operation panics).
struct Restore<'a>(&'a AtomicU64, u64);

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        self.0.store(self.1, SeqCst);
    }
}

struct NotBusy<'a>(&'a AtomicBool);

impl Drop for NotBusy<'_> {
    fn drop(&mut self) {
        self.0.store(false, SeqCst);
    }
}

impl Store {
    /// Runs `f` on the store, under the rule in the module comment.
    pub fn with<R>(
        slf: &Bound<'_, Store>,
        f: impl FnOnce(&mut wedge::Store<StoreData>) -> PyResult<R>,
    ) -> PyResult<R> {
        let this = slf.get();
        let owner = this.owner.load(SeqCst);
        if owner != 0 && owner != thread_key() {
            return Err(wedge_err("the store is running wasm on another thread"));
        }
        if this.busy.swap(true, SeqCst) {
            return Err(wedge_err(
                "the store is in use by an operation that has not returned",
            ));
        }
        let _busy = NotBusy(&this.busy);
        let caller = this.caller.load(SeqCst);
        // SAFETY: with the GIL held, this thread is the only one using the store (checked
        // above), and no other operation on it is under way. Outside host functions the
        // store is reached directly; inside one, through the caller that borrows it, whose
        // owner is suspended until the host function returns (it clears the pointer first).
        let store = unsafe {
            if caller.is_null() {
                &mut *this.store.get()
            } else {
                use wedge::AsContextMut;
                (*caller).as_context_mut()
            }
        };
        if store.data().this.0.is_null() {
            store.data_mut().this = StorePtr(slf.as_ptr());
        }
        f(store)
    }

    /// Runs `f` on the innermost caller, which must be `caller` (a live `Caller` object's).
    pub fn with_caller<R>(
        slf: &Bound<'_, Store>,
        caller: *mut wedge::Caller<'static, StoreData>,
        f: impl FnOnce(&mut wedge::Caller<'static, StoreData>) -> PyResult<R>,
    ) -> PyResult<R> {
        let this = slf.get();
        if caller.is_null() {
            return Err(wedge_err(
                "the Caller was used after its host function returned",
            ));
        }
        if this.caller.load(SeqCst) != caller {
            return Err(wedge_err(
                "the Caller belongs to a host function that is not the innermost one running",
            ));
        }
        if this.busy.swap(true, SeqCst) {
            return Err(wedge_err(
                "the store is in use by an operation that has not returned",
            ));
        }
        let _busy = NotBusy(&this.busy);
        // SAFETY: as in `with`: the caller is the innermost live one, used by this thread.
        f(unsafe { &mut *caller })
    }

    /// Checks that a handle with store identity `id` belongs to this store.
    pub fn check(&self, id: u64) -> PyResult<()> {
        if id == self.id {
            Ok(())
        } else {
            Err(wedge_err(
                "a wedge object was used with a store it does not belong to",
            ))
        }
    }
}

/// Runs wasm through `f` with the GIL released, the store marked as this thread's, and
/// the store's time limit armed for a call from Python (not for nested calls).
pub fn run_wasm<R>(
    py: Python<'_>,
    this: &Store,
    store: &mut wedge::Store<StoreData>,
    f: impl FnOnce(&mut wedge::Store<StoreData>) -> R,
) -> R {
    let previous = this.owner.swap(thread_key(), SeqCst);
    let _restore = Restore(&this.owner, previous);
    let deadline = match store.data().time_limit {
        Some(limit) if previous == 0 => Some(store.interrupt_handle().interrupt_after(limit)),
        _ => None,
    };
    let work = SameThread((f, store));
    let result = py.detach(move || {
        let whole = work;
        let (f, store) = whole.0;
        SameThread(f(store))
    });
    drop(deadline);
    result.0
}

/// Carries the work of [`run_wasm`] past `Python::detach`'s `Send` bound.
struct SameThread<T>(T);

// SAFETY: `Python::detach` runs its closure on the calling thread; nothing crosses threads.
unsafe impl<T> Send for SameThread<T> {}

/// The store an argument names: a `Store`, or a live `Caller` (which stands for its store).
pub fn store_of<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, Store>> {
    if let Ok(s) = obj.cast::<Store>() {
        return Ok(s.clone());
    }
    if let Ok(c) = obj.cast::<Caller>() {
        let c = c.get();
        if c.ptr.load(SeqCst).is_null() {
            return Err(wedge_err(
                "the Caller was used after its host function returned",
            ));
        }
        return Ok(c.store.bind(obj.py()).clone());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "expected a wedge.Store or wedge.Caller",
    ))
}

/// Stops the wasm running in a store, from any thread (needs `Config.interruptible`).
#[pyclass(frozen, module = "wedge")]
pub struct InterruptHandle {
    handle: wedge::InterruptHandle,
}

#[pymethods]
impl InterruptHandle {
    /// Makes the running (or next) call into wasm trap with kind "interrupted".
    fn interrupt(&self) {
        self.handle.interrupt();
    }
}

/// What a host function sees of its caller; valid only while the host function runs.
///
/// Pass it wherever a store is expected; `get(name)` finds the calling instance's exports.
#[pyclass(frozen, module = "wedge")]
pub struct Caller {
    pub store: Py<Store>,
    pub ptr: AtomicPtr<wedge::Caller<'static, StoreData>>,
}

#[pymethods]
impl Caller {
    /// The calling instance's export `name` (e.g. its "memory"), or None.
    fn get(&self, py: Python<'_>, name: &str) -> PyResult<Option<Py<PyAny>>> {
        let store = self.store.bind(py);
        let id = store.get().id;
        Store::with_caller(store, self.ptr.load(SeqCst), |caller| {
            match caller.get_export(name) {
                Some(e) => {
                    use wedge::AsContextMut;
                    crate::externs::extern_to_py(py, id, caller.as_context_mut(), e).map(Some)
                }
                None => Ok(None),
            }
        })
    }

    /// The store's `data`.
    #[getter]
    fn data(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.store.get().user(py)
    }
}

#[pymethods]
impl Store {
    /// `Store(engine, data=None)`: a new store; `data` is any object for host functions.
    #[new]
    #[pyo3(signature = (engine, data=None))]
    fn new(engine: Py<Engine>, data: Option<Py<PyAny>>) -> PyResult<Self> {
        let id = NEXT_STORE.fetch_add(1, SeqCst);
        let wasi = wedge_wasi::WasiCtxBuilder::new()
            .build()
            .map_err(|e| wedge_err(e.to_string()))?;
        let store = wedge::Store::new(
            &engine.get().engine,
            StoreData {
                wasi,
                id,
                this: StorePtr(std::ptr::null_mut()),
                pending: None,
                time_limit: None,
            },
        );
        Ok(Store {
            store: UnsafeCell::new(store),
            caller: AtomicPtr::new(std::ptr::null_mut()),
            owner: AtomicU64::new(0),
            busy: AtomicBool::new(false),
            id,
            engine,
            user: std::sync::Mutex::new(data),
        })
    }

    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(&self.engine)?;
        if let Ok(user) = self.user.try_lock() {
            if let Some(u) = user.as_ref() {
                visit.call(u)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        if let Ok(mut user) = self.user.try_lock() {
            *user = None;
        }
    }

    /// The engine the store was made with.
    #[getter]
    fn engine(&self, py: Python<'_>) -> Py<Engine> {
        self.engine.clone_ref(py)
    }

    /// The embedder's object given as `data` (host functions see it as `caller.data`).
    #[getter]
    fn data(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.user(py)
    }

    #[setter]
    fn set_data(&self, data: Option<Py<PyAny>>) {
        let old = {
            let mut user = self.user.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *user, data)
        };
        drop(old);
    }

    /// Gives the store's guests this WASI configuration (args, env, stdio, directories).
    fn set_wasi(slf: &Bound<'_, Self>, config: &WasiConfig) -> PyResult<()> {
        let ctx = config.build()?;
        Store::with(slf, |s| {
            s.data_mut().wasi = ctx;
            Ok(())
        })
    }

    /// Total gas the store may use (None: unlimited); needs `Config.metering`.
    #[pyo3(signature = (limit))]
    fn set_gas_limit(slf: &Bound<'_, Self>, limit: Option<u64>) -> PyResult<()> {
        Store::with(slf, |s| {
            s.set_gas_limit(limit);
            Ok(())
        })
    }

    /// Adds gas to the limit.
    fn add_gas(slf: &Bound<'_, Self>, gas: u64) -> PyResult<()> {
        Store::with(slf, |s| {
            s.add_gas(gas);
            Ok(())
        })
    }

    /// Gas used so far.
    fn gas_used(slf: &Bound<'_, Self>) -> PyResult<u64> {
        Store::with(slf, |s| Ok(s.gas_used()))
    }

    /// Gas left (None: unlimited).
    fn gas_remaining(slf: &Bound<'_, Self>) -> PyResult<Option<u64>> {
        Store::with(slf, |s| Ok(s.gas_remaining()))
    }

    /// Wasm instructions executed so far (needs `Config.metering`).
    fn instruction_count(slf: &Bound<'_, Self>) -> PyResult<u64> {
        Store::with(slf, |s| Ok(s.instruction_count()))
    }

    /// Caps on growth: pages per memory, bytes of all memories, elements per table.
    #[pyo3(signature = (*, memory_pages=None, memory_bytes=None, table_elements=None))]
    fn set_limits(
        slf: &Bound<'_, Self>,
        memory_pages: Option<u64>,
        memory_bytes: Option<u64>,
        table_elements: Option<u64>,
    ) -> PyResult<()> {
        let mut limits = wedge::StoreLimits::new();
        if let Some(p) = memory_pages {
            limits = limits.memory_pages(p);
        }
        if let Some(b) = memory_bytes {
            limits = limits.memory_bytes(b);
        }
        if let Some(t) = table_elements {
            limits = limits.table_elements(t);
        }
        Store::with(slf, |s| {
            s.set_limits(limits);
            Ok(())
        })
    }

    /// Every later call into wasm traps with kind "interrupted" after `seconds` (None: no
    /// limit); needs `Config.interruptible`.
    fn set_time_limit(slf: &Bound<'_, Self>, seconds: Option<f64>) -> PyResult<()> {
        let limit = match seconds {
            Some(s) if s.is_finite() && s >= 0.0 => Some(Duration::from_secs_f64(s)),
            Some(s) => return Err(wedge_err(format!("invalid time limit {s}"))),
            None => None,
        };
        Store::with(slf, |s| {
            s.data_mut().time_limit = limit;
            Ok(())
        })
    }

    /// A handle that interrupts this store's wasm from another thread.
    fn interrupt_handle(slf: &Bound<'_, Self>) -> PyResult<InterruptHandle> {
        Store::with(slf, |s| {
            Ok(InterruptHandle {
                handle: s.interrupt_handle(),
            })
        })
    }
}
