//! `wedge.h`: what `wasm.h` lacks — text format, features, tiers, gas, time and memory
//! limits, AOT files, statistics, lookups by name, tags, trap descriptions.

use crate::error::{result, set_last, wedge_error_t};
use crate::module::{module_handle, module_of};
use crate::object::{wasm_ref_t, Item};
use crate::store::{wasm_config_t, wasm_engine_t, wasm_store_t};
use crate::trap::{trap_of, wasm_frame_t};
use crate::types::{wasm_externtype_t, wasm_tagtype_t};
use crate::vec::{self, wasm_byte_vec_t, Vector};
use std::ffi::{c_char, CStr};
use std::ptr;
use std::time::Duration;
use wedge::{CostTable, ExternType, Feature, InterruptHandle, Module, StoreLimits, Strategy, Tag};

/// Converts WebAssembly text to a binary module.
#[no_mangle]
pub unsafe extern "C" fn wedge_wat2wasm(
    text: *const c_char,
    len: usize,
    out: *mut wasm_byte_vec_t,
) -> *mut wedge_error_t {
    out.write(Vector::empty());
    let bytes = std::slice::from_raw_parts(text.cast::<u8>(), len);
    let r = std::str::from_utf8(bytes)
        .map_err(|e| e.to_string())
        .and_then(|s| wat::parse_str(s).map_err(|e| e.to_string()));
    result(r, |b| out.write(Vector::from_vec(b)))
}

/// The Wedge version, e.g. "0.1.0".
#[no_mangle]
pub unsafe extern "C" fn wedge_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

// Configuration

/// Chooses the tier: 0 auto (compile when possible), 1 interpreter, 2 compiler.
#[no_mangle]
pub unsafe extern "C" fn wedge_config_strategy(c: *mut wasm_config_t, strategy: u8) -> bool {
    let s = match strategy {
        0 => Strategy::Auto,
        1 => Strategy::Interpreter,
        2 => Strategy::Compiler,
        3 => Strategy::Tiered,
        _ => {
            set_last(format!("unknown strategy {strategy}"));
            return false;
        }
    };
    (*c).config.strategy(s);
    true
}

/// Turns a WebAssembly feature on or off by its name ("simd", "gc", "threads", ...);
/// false for an unknown name.
#[no_mangle]
pub unsafe extern "C" fn wedge_config_wasm_feature(
    c: *mut wasm_config_t,
    name: *const c_char,
    enable: bool,
) -> bool {
    let name = CStr::from_ptr(name).to_string_lossy();
    match Feature::from_name(&name) {
        Some(f) => {
            (*c).config.wasm_feature(f, enable);
            true
        }
        None => {
            set_last(format!("unknown feature `{name}`"));
            false
        }
    }
}

/// Turns gas metering and instruction counting on or off.
#[no_mangle]
pub unsafe extern "C" fn wedge_config_metering(c: *mut wasm_config_t, yes: bool) {
    (*c).config.metering(yes);
}

/// Sets the gas cost table from its text (`OPERATOR COST` lines, `default N`, `#` comments).
#[no_mangle]
pub unsafe extern "C" fn wedge_config_cost_table(
    c: *mut wasm_config_t,
    text: *const c_char,
    len: usize,
) -> *mut wedge_error_t {
    let bytes = std::slice::from_raw_parts(text.cast::<u8>(), len);
    let r = std::str::from_utf8(bytes)
        .map_err(|e| e.to_string())
        .and_then(|s| CostTable::parse(s).map_err(|e| e.to_string()));
    result(r, |t| {
        (*c).config.cost_table(t);
    })
}

/// Makes wasm stoppable by interrupt handles and time limits.
#[no_mangle]
pub unsafe extern "C" fn wedge_config_interruptible(c: *mut wasm_config_t, yes: bool) {
    (*c).config.interruptible(yes);
}

/// Deterministic execution: canonical NaNs, fixed relaxed SIMD, no threads.
#[no_mangle]
pub unsafe extern "C" fn wedge_config_deterministic(c: *mut wasm_config_t, yes: bool) {
    (*c).config.deterministic(yes);
}

/// Inlines small functions when compiling.
#[no_mangle]
pub unsafe extern "C" fn wedge_config_inlining(c: *mut wasm_config_t, yes: bool) {
    (*c).config.inlining(yes);
}

/// Registers compiled code with GDB's JIT interface (symbols, source lines, unwind tables).
#[no_mangle]
pub unsafe extern "C" fn wedge_config_debug_info(c: *mut wasm_config_t, yes: bool) {
    (*c).config.debug_info(yes);
}

/// Measures time spent in host functions (`wedge_store_host_time_ns`).
#[no_mangle]
pub unsafe extern "C" fn wedge_config_measure_host_time(c: *mut wasm_config_t, yes: bool) {
    (*c).config.measure_host_time(yes);
}

/// The deepest wasm call nesting before "call stack exhausted".
#[no_mangle]
pub unsafe extern "C" fn wedge_config_max_call_depth(c: *mut wasm_config_t, depth: usize) {
    (*c).config.max_call_depth(depth);
}

/// The native stack compiled code may use, in bytes.
#[no_mangle]
pub unsafe extern "C" fn wedge_config_max_wasm_stack(c: *mut wasm_config_t, bytes: usize) {
    (*c).config.max_wasm_stack(bytes);
}

/// The 16-byte secret that signs and checks native code in AOT files (null: a random key of
/// this process, the default).
#[no_mangle]
pub unsafe extern "C" fn wedge_config_native_code_key(c: *mut wasm_config_t, key: *const u8) {
    if key.is_null() {
        (*c).config
            .native_code_key(Some(crate::store::process_key()));
        return;
    }
    let mut k = [0u8; 16];
    k.copy_from_slice(std::slice::from_raw_parts(key, 16));
    (*c).config.native_code_key(Some(k));
}

/// Whether modules of this engine run as native code.
#[no_mangle]
pub unsafe extern "C" fn wedge_engine_compiles(e: *const wasm_engine_t) -> bool {
    (*e).engine.config().compiles()
}

// Modules

/// Compiles a module for an engine, without a store; on failure `*out` is null and the
/// error says why.
#[no_mangle]
pub unsafe extern "C" fn wedge_module_new(
    engine: *const wasm_engine_t,
    bytes: *const u8,
    len: usize,
    out: *mut *mut wasm_ref_t,
) -> *mut wedge_error_t {
    let bytes = if len == 0 {
        &[][..]
    } else {
        std::slice::from_raw_parts(bytes, len)
    };
    match Module::new(&(*engine).engine, bytes) {
        Ok(m) => {
            *out = module_handle(Ok(m));
            ptr::null_mut()
        }
        Err(e) => {
            *out = ptr::null_mut();
            wedge_error_t::boxed(e.to_string())
        }
    }
}

/// Writes the module as an AOT file (the module plus signed native code), or says why not.
#[no_mangle]
pub unsafe extern "C" fn wedge_module_serialize(
    m: *const wasm_ref_t,
    out: *mut wasm_byte_vec_t,
) -> *mut wedge_error_t {
    out.write(Vector::empty());
    let Some(m) = module_of(m) else {
        return wedge_error_t::boxed("not a module");
    };
    result(m.serialize_native(), |b| out.write(Vector::from_vec(b)))
}

/// Whether the module runs as native code.
#[no_mangle]
pub unsafe extern "C" fn wedge_module_is_native(m: *const wasm_ref_t) -> bool {
    module_of(m).is_some_and(|m| m.is_native())
}

/// Why native code stored in the module's file was not used (false if it was, or none).
#[no_mangle]
pub unsafe extern "C" fn wedge_module_native_code_warning(
    m: *const wasm_ref_t,
    out: *mut wasm_byte_vec_t,
) -> bool {
    match module_of(m).and_then(|m| m.native_code_warning()) {
        Some(w) => {
            out.write(vec::message(w));
            true
        }
        None => {
            out.write(Vector::empty());
            false
        }
    }
}

// Instances, tags

/// The instance's export named `name` (a new handle), or null.
#[no_mangle]
pub unsafe extern "C" fn wedge_instance_export_get(
    i: *const wasm_ref_t,
    name: *const c_char,
    len: usize,
) -> *mut wasm_ref_t {
    let r = &*i;
    let Item::Instance(inst) = r.item else {
        return ptr::null_mut();
    };
    let name = String::from_utf8_lossy(std::slice::from_raw_parts(name.cast::<u8>(), len));
    let cell = r.cell();
    match inst
        .get_export(cell.ctx(), &name)
        .and_then(crate::externals::item_of)
    {
        Some(item) => wasm_ref_t::new(cell, item).boxed(),
        None => {
            set_last(format!("no export named `{name}`"));
            ptr::null_mut()
        }
    }
}

/// Makes an exception tag of a tag type, as an extern to import.
#[no_mangle]
pub unsafe extern "C" fn wedge_tag_new(
    store: *mut wasm_store_t,
    ty: *const wasm_tagtype_t,
) -> *mut wasm_ref_t {
    let Some(ExternType::Tag(f)) = ty.as_ref().and_then(wasm_externtype_t::to_extern) else {
        set_last("wedge_tag_new needs a tag type");
        return ptr::null_mut();
    };
    let cell = &(*store).cell;
    let tag = Tag::new(cell.ctx(), f);
    wasm_ref_t::new(cell, Item::Tag(tag)).boxed()
}

// Traps and frames

/// The trap's message followed by its wasm backtrace, one frame a line.
#[no_mangle]
pub unsafe extern "C" fn wedge_trap_describe(t: *const wasm_ref_t, out: *mut wasm_byte_vec_t) {
    let text = trap_of(t).map(|t| t.to_string()).unwrap_or_default();
    out.write(vec::message(&text));
}

/// Whether the trap ran out of gas.
#[no_mangle]
pub unsafe extern "C" fn wedge_trap_is_gas_exhausted(t: *const wasm_ref_t) -> bool {
    trap_of(t).is_some_and(|t| t.kind() == wedge::TrapKind::GasExhausted)
}

/// Whether the trap is an interrupt (an interrupt handle or a time limit).
#[no_mangle]
pub unsafe extern "C" fn wedge_trap_is_interrupt(t: *const wasm_ref_t) -> bool {
    trap_of(t).is_some_and(|t| t.kind() == wedge::TrapKind::Interrupted)
}

/// The frame's function name from the name section; false (and an empty vector) if none.
#[no_mangle]
pub unsafe extern "C" fn wedge_frame_func_name(
    f: *const wasm_frame_t,
    out: *mut wasm_byte_vec_t,
) -> bool {
    name_out((*f).info.func_name.as_deref(), out)
}

/// The frame's module name from the name section; false (and an empty vector) if none.
#[no_mangle]
pub unsafe extern "C" fn wedge_frame_module_name(
    f: *const wasm_frame_t,
    out: *mut wasm_byte_vec_t,
) -> bool {
    name_out((*f).info.module_name.as_deref(), out)
}

unsafe fn name_out(name: Option<&str>, out: *mut wasm_byte_vec_t) -> bool {
    match name {
        Some(n) => {
            out.write(vec::bytes(n.as_bytes()));
            true
        }
        None => {
            out.write(Vector::empty());
            false
        }
    }
}

// Stores: gas, limits, interruption, statistics

/// Sets the gas the store may use in total (`UINT64_MAX`: unlimited); needs metering.
#[no_mangle]
pub unsafe extern "C" fn wedge_store_set_gas_limit(s: *mut wasm_store_t, limit: u64) {
    (*s).cell
        .ctx()
        .set_gas_limit((limit != u64::MAX).then_some(limit));
}

/// Raises the gas limit by `gas`.
#[no_mangle]
pub unsafe extern "C" fn wedge_store_add_gas(s: *mut wasm_store_t, gas: u64) {
    (*s).cell.ctx().add_gas(gas);
}

/// Gas used so far.
#[no_mangle]
pub unsafe extern "C" fn wedge_store_gas_used(s: *const wasm_store_t) -> u64 {
    (*s).cell.ctx().gas_used()
}

/// Gas left (`UINT64_MAX` when unlimited).
#[no_mangle]
pub unsafe extern "C" fn wedge_store_gas_remaining(s: *const wasm_store_t) -> u64 {
    (*s).cell.ctx().gas_remaining().unwrap_or(u64::MAX)
}

/// Wasm instructions executed so far (needs metering).
#[no_mangle]
pub unsafe extern "C" fn wedge_store_instruction_count(s: *const wasm_store_t) -> u64 {
    (*s).cell.ctx().instruction_count()
}

/// Sets gas used and instruction counts back to zero.
#[no_mangle]
pub unsafe extern "C" fn wedge_store_reset_meter(s: *mut wasm_store_t) {
    (*s).cell.ctx().reset_meter();
}

/// Time spent in host functions, in nanoseconds (needs `wedge_config_measure_host_time`).
#[no_mangle]
pub unsafe extern "C" fn wedge_store_host_time_ns(s: *const wasm_store_t) -> u64 {
    (*s).cell.ctx().host_time().as_nanos().min(u64::MAX as u128) as u64
}

/// Caps growth: pages per memory, bytes of all memories, elements per table
/// (`UINT64_MAX`: no cap). `memory.grow` past a cap returns -1.
#[no_mangle]
pub unsafe extern "C" fn wedge_store_set_limits(
    s: *mut wasm_store_t,
    memory_pages: u64,
    memory_bytes: u64,
    table_elements: u64,
) {
    let mut l = StoreLimits::new();
    if memory_pages != u64::MAX {
        l = l.memory_pages(memory_pages);
    }
    if memory_bytes != u64::MAX {
        l = l.memory_bytes(memory_bytes);
    }
    if table_elements != u64::MAX {
        l = l.table_elements(table_elements);
    }
    (*s).cell.ctx().set_limits(l);
}

/// Interrupts every later call into wasm (and instantiation) of the store that runs longer
/// than `ms` milliseconds (0: no limit); needs an interruptible engine.
#[no_mangle]
pub unsafe extern "C" fn wedge_store_set_time_limit(s: *mut wasm_store_t, ms: u64) {
    (*s).cell.ctx().data_mut().time_limit = (ms != 0).then(|| Duration::from_millis(ms));
}

/// A handle that interrupts the store's running wasm; may be used from any thread.
pub struct wedge_interrupt_handle_t {
    handle: InterruptHandle,
}

/// The store's interrupt handle (owned by the caller).
#[no_mangle]
pub unsafe extern "C" fn wedge_store_interrupt_handle(
    s: *const wasm_store_t,
) -> *mut wedge_interrupt_handle_t {
    Box::into_raw(Box::new(wedge_interrupt_handle_t {
        handle: (*s).cell.ctx().interrupt_handle(),
    }))
}

/// Stops the store's running wasm (or its next call) with an interrupt trap.
#[no_mangle]
pub unsafe extern "C" fn wedge_interrupt_handle_interrupt(h: *const wedge_interrupt_handle_t) {
    (*h).handle.interrupt();
}

/// Deletes an interrupt handle.
#[no_mangle]
pub unsafe extern "C" fn wedge_interrupt_handle_delete(h: *mut wedge_interrupt_handle_t) {
    crate::types::delete(h)
}
