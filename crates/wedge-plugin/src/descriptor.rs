//! Reading a plugin's C descriptor into checked, owned Rust data.

use crate::error::PluginError;
use std::ffi::{c_char, c_void, CStr};
use wedge::{FuncType, ValType};
use wedge_plugin_sdk::abi;

/// One host function of a plugin, as the host calls it.
#[derive(Clone)]
pub(crate) struct FuncInfo {
    /// The function's name.
    pub name: String,
    /// Its wasm type.
    pub ty: FuncType,
    /// The plugin's callback.
    pub callback: abi::wedge_plugin_callback,
    /// The callback's `env`.
    pub env: *mut c_void,
}

// SAFETY: the ABI requires callbacks (and the `env` they get) to be callable from any thread
// (see include/wedge_plugin.h); the pointer itself is never dereferenced by the host.
unsafe impl Send for FuncInfo {}
// SAFETY: as above.
unsafe impl Sync for FuncInfo {}

/// One host module of a plugin.
#[derive(Clone)]
pub(crate) struct ModuleInfo {
    /// The import module name.
    pub name: String,
    /// Its functions.
    pub funcs: Vec<FuncInfo>,
}

/// A plugin's descriptor, checked and copied.
pub(crate) struct DescriptorInfo {
    /// The plugin's name.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// Its host modules.
    pub modules: Vec<ModuleInfo>,
    /// Called when a store that called the plugin is dropped, if the plugin asks for it.
    pub store_dropped: Option<unsafe extern "C" fn(u64)>,
}

/// Checks and copies a descriptor; `origin` names the plugin in errors.
///
/// # Safety
/// `d` and every pointer reachable from it must be valid as `include/wedge_plugin.h`
/// describes (arrays of the given lengths, NUL-terminated strings).
pub(crate) unsafe fn read(
    d: &abi::wedge_plugin_descriptor,
    origin: &str,
) -> Result<DescriptorInfo, PluginError> {
    let invalid = |what: String| PluginError::Invalid {
        origin: origin.to_string(),
        what,
    };
    if d.abi_version != abi::ABI_VERSION {
        return Err(PluginError::AbiVersion {
            origin: origin.to_string(),
            found: d.abi_version,
            expected: abi::ABI_VERSION,
        });
    }
    // SAFETY (all blocks below): guaranteed by this function's contract.
    let name = unsafe { text(d.name) }.ok_or_else(|| invalid("no plugin name".into()))?;
    let version = unsafe { text(d.version) }.ok_or_else(|| invalid("no plugin version".into()))?;
    let mut modules: Vec<ModuleInfo> = Vec::new();
    for m in unsafe { array(d.modules, d.module_count) } {
        let mname =
            unsafe { text(m.name) }.ok_or_else(|| invalid("a module has no name".into()))?;
        if modules.iter().any(|x| x.name == mname) {
            return Err(invalid(format!("module `{mname}` is listed twice")));
        }
        let mut funcs: Vec<FuncInfo> = Vec::new();
        for f in unsafe { array(m.functions, m.function_count) } {
            let fname = unsafe { text(f.name) }
                .ok_or_else(|| invalid(format!("a function of `{mname}` has no name")))?;
            if funcs.iter().any(|x| x.name == fname) {
                return Err(invalid(format!("`{mname}::{fname}` is listed twice")));
            }
            let kinds = |ptr, count| -> Result<Vec<ValType>, PluginError> {
                unsafe { array(ptr, count) }
                    .iter()
                    .map(|k| {
                        val_type(*k).ok_or_else(|| {
                            invalid(format!("`{mname}::{fname}` has unknown value kind {k}"))
                        })
                    })
                    .collect()
            };
            let params = kinds(f.params, f.param_count)?;
            let results = kinds(f.results, f.result_count)?;
            let callback = f
                .callback
                .ok_or_else(|| invalid(format!("`{mname}::{fname}` has no callback")))?;
            funcs.push(FuncInfo {
                name: fname,
                ty: FuncType::new(params, results),
                callback,
                env: f.env,
            });
        }
        modules.push(ModuleInfo { name: mname, funcs });
    }
    Ok(DescriptorInfo {
        name,
        version,
        modules,
        store_dropped: d.store_dropped,
    })
}

/// The wasm type of an ABI kind byte.
fn val_type(kind: u8) -> Option<ValType> {
    match kind {
        abi::KIND_I32 => Some(ValType::I32),
        abi::KIND_I64 => Some(ValType::I64),
        abi::KIND_F32 => Some(ValType::F32),
        abi::KIND_F64 => Some(ValType::F64),
        _ => None,
    }
}

/// A NUL-terminated UTF-8 string (`None` if null or not UTF-8).
///
/// # Safety
/// `p` is null or points to a NUL-terminated string.
unsafe fn text(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: guaranteed by the caller.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().ok().map(str::to_string)
}

/// An array given as pointer and count (empty when null or 0).
///
/// # Safety
/// When `count > 0` and `p` is not null, `p` points to `count` valid elements.
unsafe fn array<'a, T>(p: *const T, count: u32) -> &'a [T] {
    if p.is_null() || count == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(p, count as usize) }
    }
}
