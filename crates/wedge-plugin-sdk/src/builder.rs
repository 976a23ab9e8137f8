//! Building a plugin descriptor from Rust closures.

use crate::abi;
use crate::caller::Caller;
use crate::val::{Val, ValType};
use std::cell::RefCell;
use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A plugin function's body: reads `args`, writes `results`, or fails with a trap message.
pub type HostFn = dyn Fn(&mut Caller<'_>, &[Val], &mut [Val]) -> Result<(), String> + Send + Sync;

/// One function being defined.
struct FuncDef {
    name: CString,
    params: Vec<ValType>,
    results: Vec<ValType>,
    body: Box<HostFn>,
}

/// One host module being defined.
pub struct ModuleBuilder {
    name: CString,
    funcs: Vec<FuncDef>,
}

impl ModuleBuilder {
    /// Adds a function `name` of type `params -> results`.
    pub fn func(
        mut self,
        name: &str,
        params: &[ValType],
        results: &[ValType],
        body: impl Fn(&mut Caller<'_>, &[Val], &mut [Val]) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.funcs.push(FuncDef {
            name: c_string(name),
            params: params.to_vec(),
            results: results.to_vec(),
            body: Box::new(body),
        });
        self
    }
}

/// Builds a plugin: its name, version and host modules.
///
/// ```
/// use wedge_plugin_sdk::{PluginBuilder, ValType::I32, Val};
/// let plugin = PluginBuilder::new("demo", "1.0.0").module("demo", |m| {
///     m.func("add", &[I32, I32], &[I32], |_caller, args, results| {
///         results[0] = Val::I32(args[0].i32().unwrap().wrapping_add(args[1].i32().unwrap()));
///         Ok(())
///     })
/// });
/// let descriptor = plugin.build();
/// assert_eq!(descriptor.abi_version, wedge_plugin_sdk::abi::ABI_VERSION);
/// ```
pub struct PluginBuilder {
    name: CString,
    version: CString,
    modules: Vec<ModuleBuilder>,
    store_dropped: Option<unsafe extern "C" fn(u64)>,
}

impl PluginBuilder {
    /// Starts a plugin with a name and a version.
    pub fn new(name: &str, version: &str) -> PluginBuilder {
        PluginBuilder {
            name: c_string(name),
            version: c_string(version),
            modules: Vec::new(),
            store_dropped: None,
        }
    }

    /// Has the host call `f` with a store's number ([`Caller::store`](crate::Caller::store))
    /// when a store that called the plugin is dropped. `f` must not unwind (a panic there
    /// aborts); keep it to freeing state.
    pub fn on_store_dropped(mut self, f: unsafe extern "C" fn(u64)) -> Self {
        self.store_dropped = Some(f);
        self
    }

    /// Adds a host module `name`, defined by `define`.
    pub fn module(
        mut self,
        name: &str,
        define: impl FnOnce(ModuleBuilder) -> ModuleBuilder,
    ) -> Self {
        let module = define(ModuleBuilder {
            name: c_string(name),
            funcs: Vec::new(),
        });
        self.modules.push(module);
        self
    }

    /// Turns the definitions into a descriptor that lives for the rest of the process (a
    /// plugin builds it once, see [`export_plugin!`](crate::export_plugin)).
    pub fn build(self) -> &'static abi::wedge_plugin_descriptor {
        let mut modules = Vec::new();
        for m in self.modules {
            let mut functions = Vec::new();
            for f in m.funcs {
                let params: &'static [u8] = leak(f.params.iter().map(|t| t.kind()).collect());
                let results: &'static [u8] = leak(f.results.iter().map(|t| t.kind()).collect());
                let entry: &'static Entry = Box::leak(Box::new(Entry {
                    params: f.params,
                    results: f.results,
                    body: f.body,
                }));
                functions.push(abi::wedge_plugin_function {
                    name: leak_c(f.name),
                    params: params.as_ptr(),
                    param_count: params.len() as u32,
                    results: results.as_ptr(),
                    result_count: results.len() as u32,
                    callback: Some(trampoline),
                    env: entry as *const Entry as *mut c_void,
                });
            }
            let functions = leak(functions);
            modules.push(abi::wedge_plugin_module {
                name: leak_c(m.name),
                functions: functions.as_ptr(),
                function_count: functions.len() as u32,
            });
        }
        let modules = leak(modules);
        Box::leak(Box::new(abi::wedge_plugin_descriptor {
            abi_version: abi::ABI_VERSION,
            name: leak_c(self.name),
            version: leak_c(self.version),
            modules: modules.as_ptr(),
            module_count: modules.len() as u32,
            store_dropped: self.store_dropped,
        }))
    }
}

/// What a function's `env` points to.
struct Entry {
    params: Vec<ValType>,
    results: Vec<ValType>,
    body: Box<HostFn>,
}

thread_local! {
    /// The last trap message returned on this thread (the host copies it at once).
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// The callback of every function built here: converts values, runs the body with panics
/// caught, and turns an error or a panic into a trap message.
unsafe extern "C" fn trampoline(
    env: *mut c_void,
    caller: *mut abi::wedge_plugin_caller,
    args: *const abi::wedge_val,
    results: *mut abi::wedge_val,
) -> *const c_char {
    // SAFETY: `env` is the leaked `Entry` this function was registered with.
    let entry = unsafe { &*(env as *const Entry) };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the host passes `param_count` arguments and a live caller for this call.
        let raw_args = unsafe { raw_slice(args, entry.params.len()) };
        let args = raw_args
            .iter()
            .map(|a| Val::from_raw(a).ok_or_else(|| "bad argument kind".to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out: Vec<Val> = entry.results.iter().map(|t| Val::zero(*t)).collect();
        // SAFETY: as above, the caller is valid during this call.
        let mut caller = Caller::new(unsafe { &mut *caller });
        (entry.body)(&mut caller, &args, &mut out)?;
        for (i, (v, t)) in out.iter().zip(&entry.results).enumerate() {
            if v.ty() != *t {
                return Err(format!("result {i} is {:?}, declared {:?}", v.ty(), t));
            }
            // SAFETY: the host provides room for `result_count` results.
            unsafe { results.add(i).write(v.to_raw()) };
        }
        Ok(())
    }));
    let message = match outcome {
        Ok(Ok(())) => return std::ptr::null(),
        Ok(Err(message)) => message,
        Err(panic) => format!("plugin function panicked: {}", panic_text(&*panic)),
    };
    LAST_ERROR.with(|last| {
        let mut last = last.borrow_mut();
        *last = c_string(&message);
        last.as_ptr()
    })
}

/// A slice from a pointer that may be null when `len` is 0.
///
/// # Safety
/// When `len > 0`, `ptr` must point to `len` valid values.
unsafe fn raw_slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// The message of a panic payload.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

/// A C string from text, with any NUL bytes dropped.
fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "")).unwrap_or_default()
}

/// Leaks a C string for the descriptor.
fn leak_c(s: CString) -> *const c_char {
    Box::leak(s.into_boxed_c_str()).as_ptr()
}

/// Leaks a vector for the descriptor.
fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}
