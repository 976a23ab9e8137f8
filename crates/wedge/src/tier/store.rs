//! The store's side of tiering: linking a module's compiled code into an instance (its
//! context block and function references) and calling it. All of it runs on the store's
//! own thread, between instructions of wasm code, never from the compiler thread.

use super::InstanceTier;
use crate::module::ModuleInner;
use crate::runtime::vmctx::VmShape;
use crate::runtime::{FuncKind, Store, StoreInner};
use crate::Error;

/// Calls defined function `index` of `instance` as compiled code if it is a function of a
/// tiered instance that has some, linking it into the instance first; None if it has none
/// (the caller interprets it).
pub(crate) fn invoke<T>(
    store: &mut Store<T>,
    instance: u32,
    index: u32,
    io: &mut [u64],
) -> Option<Result<(), Error>> {
    let inst = &store.inner.instances[instance as usize];
    if inst.tier == InstanceTier::Off {
        return None;
    }
    let module: *const ModuleInner = &*inst.module.inner;
    // SAFETY: the instance keeps its module alive as long as the store lives.
    let m = unsafe { &*module };
    let tier = m.tier.as_deref()?;
    let def = index - m.num_imported_funcs;
    let entry = tier.entry(def)?;
    let trampoline = tier.base()?.array_trampoline(m.func_types[index as usize]);
    link(&mut store.inner, m, instance, def, entry);
    // SAFETY: the trampoline and the code were compiled for the instance's module, which
    // keeps them loaded; `io` holds the slots of the function's type (checked by callers).
    Some(unsafe { crate::native::invoke_code(store, instance, trampoline, entry as *const u8, io) })
}

/// Continues a call of defined function `def` of `instance` in its OSR entry `entry` (see
/// `osr.rs`, which hands out only entries of functions with compiled code) with the values
/// of its locals in `locals` (one slot each); its results are written to `io`, which has
/// the slots of the function's type.
pub(crate) fn invoke_osr<T>(
    store: &mut Store<T>,
    instance: u32,
    def: u32,
    entry: usize,
    locals: &mut [u64],
    io: &mut [u64],
) -> Result<(), Error> {
    let module: *const ModuleInner = &*store.inner.instances[instance as usize].module.inner;
    // SAFETY: the instance keeps its module alive as long as the store lives.
    let m = unsafe { &*module };
    let tier = m
        .tier
        .as_deref()
        .expect("OSR entries are of tiered modules");
    let code = tier
        .entry(def)
        .expect("OSR entries are of compiled functions");
    let trampoline = tier
        .base()
        .expect("compiled code was loaded")
        .array_trampoline(m.func_types[(m.num_imported_funcs + def) as usize]);
    link(&mut store.inner, m, instance, def, code);
    tier.osr.count_taken();
    tracing::debug!(
        target: "wedge::tier",
        func = m.num_imported_funcs + def,
        "running call continues in compiled code"
    );
    // SAFETY: the trampoline and the entry were compiled for the instance's module, which
    // keeps them loaded; the entry reads one slot per local from `locals`, and `io` holds
    // the slots of its type.
    unsafe {
        crate::native::invoke_code_from(
            store,
            instance,
            trampoline,
            entry as *const u8,
            locals.as_mut_ptr().cast(),
            io,
        )
    }
}

/// [`crate::runtime::invoke`] for compiled code calling wasm function `func` (store index)
/// that it reached through a trampoline: a function of an interpreted instance, or of a
/// tiered one whose compiled code was not linked in yet. Such calls between the tiers do not
/// count as host re-entry: compiled frames lie between any two of them, and those check the
/// native stack limit.
pub(crate) fn invoke_from_native<T>(
    store: &mut Store<T>,
    func: u32,
    io: &mut [u64],
) -> Result<(), Error> {
    if let FuncKind::Wasm { instance, index } = store.inner.func(func).kind {
        if store.inner.instances[instance as usize].native.is_some() {
            return crate::native::invoke(store, instance, index, io);
        }
        if let Some(result) = invoke(store, instance, index, io) {
            return result;
        }
    }
    crate::interp::invoke_nested(store, func, io)
}

/// Points defined function `def` of `instance` (of module `m`) at its compiled code `entry`:
/// its slot in the context block and its function reference. Attaches the instance first
/// if it never ran compiled code.
fn link(inner: &mut StoreInner, m: &ModuleInner, instance: u32, def: u32, entry: usize) {
    if inner.instances[instance as usize].tier == InstanceTier::Detached {
        attach(inner, m, instance);
    }
    let shape = VmShape::of(m, true);
    let at = shape.defined_funcs + 16 * def;
    let inst = &mut inner.instances[instance as usize];
    if inst.vmctx.get(at) == entry as u64 {
        return;
    }
    let vmctx = inst.vmctx.as_ptr();
    inst.vmctx.set(at, entry as u64);
    inst.vmctx.set(at + 8, vmctx as u64);
    let f = inst.funcs.get(m.num_imported_funcs + def);
    if let Some(r) = inner.funcref_made(f) {
        // SAFETY: the reference lives in the store's arena; no other reference to it is
        // live while the store is borrowed mutably.
        unsafe {
            (*r).code = entry as *const u8;
            (*r).vmctx = vmctx;
        }
    }
}

/// Makes an instance's context block ready for compiled code: the store learns the host
/// trampolines of the module's types (so every function of those types can be called from
/// compiled code), and the slots of imported and defined functions are filled in, with the
/// compiled code of defined functions that have some and trampolines for the others.
fn attach(inner: &mut StoreInner, m: &ModuleInner, instance: u32) {
    let Some(base) = m.tier.as_deref().and_then(|t| t.base()) else {
        return;
    };
    let mut new = false;
    for (t, &id) in m.type_ids.iter().enumerate() {
        new |= inner.trampolines.insert(id, base.host_trampoline(t as u32));
    }
    if new {
        inner.fill_trampolines();
    }
    let shape = VmShape::of(m, true);
    let tier = m.tier.as_deref().expect("attached instances are tiered");
    let funcs = inner.instances[instance as usize].funcs.clone();
    let vmctx = inner.instances[instance as usize].vmctx.as_ptr();
    let imported = m.num_imported_funcs;
    let mut slots = Vec::with_capacity(funcs.len());
    for i in 0..funcs.len() as u32 {
        let f = funcs.get(i);
        let at = if i < imported {
            shape.imported_funcs + 16 * i
        } else {
            shape.defined_funcs + 16 * (i - imported)
        };
        let entry = i
            .checked_sub(imported)
            .and_then(|def| tier.entry(def))
            .map(|e| e as *const u8);
        let (code, callee) = match entry {
            Some(entry) => {
                if let Some(r) = inner.funcref_made(f) {
                    // SAFETY: the reference lives in the store's arena; no other reference
                    // to it is live while the store is borrowed mutably.
                    unsafe {
                        (*r).code = entry;
                        (*r).vmctx = vmctx;
                    }
                }
                (entry, vmctx)
            }
            None => {
                let r = inner.funcref(f);
                // SAFETY: as above.
                unsafe { ((*r).code, (*r).vmctx) }
            }
        };
        slots.push((at, code as u64, callee as u64));
    }
    let inst = &mut inner.instances[instance as usize];
    for (at, code, callee) in slots {
        inst.vmctx.set(at, code);
        inst.vmctx.set(at + 8, callee);
    }
    inst.tier = InstanceTier::Attached;
}
