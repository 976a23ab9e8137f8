//! The linker: resolves a module's imports by (module, name) and instantiates it.

use super::func::{Caller, Func, HostFn};
use super::host_funcs::{LinkedHost, LinkedHosts};
use super::instance::{self, Instance};
use super::memory::SharedMemory;
use super::store::{AsContext, AsContextMut, StoreInner};
use super::trap::Trap;
use super::val::Val;
use super::Extern;
use crate::module::{ImportDef, Module, ModuleInner};
use crate::types::{ExternType, FuncType, MemoryType, TableType};
use crate::{Engine, Error};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// Something the linker can provide for an import.
enum Definition<T> {
    /// An object that already lives in a store.
    Extern(Extern),
    /// A host function, created in each store it is instantiated into.
    HostFunc(HostSig, HostFn<T>),
    /// Host functions of different types under one name: an import takes the one whose type
    /// it declares (the first is the one [`Linker::get`] returns).
    Overloads(Vec<(HostSig, HostFn<T>)>),
    /// A shared memory, attached to each store it is instantiated into.
    SharedMemory(SharedMemory),
}

/// A host function's signature, interned once when it is defined rather than per store.
#[derive(Clone)]
struct HostSig {
    ty: Arc<FuncType>,
    /// Canonical id in the linker's engine.
    type_id: u32,
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(t, f) => Definition::HostFunc(t.clone(), f.clone()),
            Definition::Overloads(v) => Definition::Overloads(v.clone()),
            Definition::SharedMemory(m) => Definition::SharedMemory(m.clone()),
        }
    }
}

/// Named definitions (host functions, exports of other instances) used to satisfy imports.
///
/// ```
/// use wedge::*;
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (import "host" "twice" (func $twice (param i32) (result i32)))
///     (func (export "run") (result i32) (call $twice (i32.const 21))))"#)?;
/// let mut linker = Linker::new(&engine);
/// linker.func_wrap("host", "twice", |_caller: Caller<'_, ()>, x: i32| x * 2)?;
/// let mut store = Store::new(&engine, ());
/// let instance = linker.instantiate(&mut store, &module)?;
/// let run = instance.get_typed_func::<(), i32>(&store, "run")?;
/// assert_eq!(run.call(&mut store, ())?, 42);
/// # Ok::<(), wedge::Error>(())
/// ```
pub struct Linker<T> {
    engine: Engine,
    /// By module name, then by name (looked up without building a key per import).
    defs: HashMap<String, HashMap<String, Definition<T>>>,
    allow_shadowing: bool,
    /// What the imports of the module instantiated last resolved to (see [`Resolved`]).
    last: Mutex<Option<Resolved<T>>>,
}

/// The definition chosen for each import of a module (an overload resolved to one host
/// function), kept so that instantiating the same module again looks no name up. Forgotten
/// whenever a definition changes.
struct Resolved<T> {
    /// The module; a weak reference keeps its allocation, so its address names it.
    module: Weak<ModuleInner>,
    defs: Arc<[Definition<T>]>,
    /// The host function of each import that resolved to one, which stores keep as a set.
    hosts: LinkedHosts<T>,
}

/// The host functions among resolved definitions, by import.
fn linked_hosts<T>(defs: &[Definition<T>]) -> LinkedHosts<T> {
    defs.iter()
        .map(|def| {
            let (sig, f) = match def {
                Definition::HostFunc(sig, f) => (sig, f),
                Definition::Overloads(all) => {
                    let (sig, f) = all.first()?;
                    (sig, f)
                }
                Definition::Extern(_) | Definition::SharedMemory(_) => return None,
            };
            Some(LinkedHost {
                ty: sig.ty.clone(),
                type_id: sig.type_id,
                f: f.clone(),
            })
        })
        .collect()
}

impl<T: 'static> Linker<T> {
    /// Creates an empty linker.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            defs: HashMap::new(),
            allow_shadowing: false,
            last: Mutex::new(None),
        }
    }

    /// Whether a later definition may replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, yes: bool) -> &mut Self {
        self.allow_shadowing = yes;
        self
    }

    /// Interns a host function's signature in the linker's engine.
    fn sig(&self, ty: FuncType) -> HostSig {
        HostSig {
            type_id: self.engine.intern_type(&ty),
            ty: Arc::new(ty),
        }
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<&mut Self, Error> {
        if !self.allow_shadowing && self.definition(module, name).is_some() {
            return Err(Error::Link(format!(
                "`{module}::{name}` is already defined"
            )));
        }
        self.put(module, name, def);
        Ok(self)
    }

    /// The definition of `module::name`, if any.
    fn definition(&self, module: &str, name: &str) -> Option<&Definition<T>> {
        self.defs.get(module)?.get(name)
    }

    /// Defines (or redefines) `module::name`.
    fn put(&mut self, module: &str, name: &str, def: Definition<T>) {
        *self.last.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
        let names = self.defs.entry(module.to_string()).or_default();
        names.insert(name.to_string(), def);
    }

    /// Defines an import from an object living in a store.
    pub fn define(
        &mut self,
        _store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self, Error> {
        self.insert(module, name, Definition::Extern(item.into()))
    }

    /// Defines a host function over dynamically typed values.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Result<&mut Self, Error> {
        let host = Func::host_fn_from_vals(ty.clone(), f);
        let sig = self.sig(ty);
        self.insert(module, name, Definition::HostFunc(sig, host))
    }

    /// Defines a host function from a typed Rust closure taking a `Caller` and wasm values.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl super::IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self, Error> {
        let (ty, host) = f.into_host_fn();
        let sig = self.sig(ty);
        self.insert(module, name, Definition::HostFunc(sig, host))
    }

    /// Adds another signature to the host function already defined as `module::name`.
    ///
    /// An import of that name then binds the definition whose function type equals the
    /// import's (falling back to the first, which gives the usual type-mismatch error). This is
    /// how one host module offers two versions of a function under one name and lets each
    /// guest pick by the signature it was compiled against (WasmEdge's socket functions).
    pub fn func_wrap_overload<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl super::IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self, Error> {
        let (ty, host) = f.into_host_fn();
        // Every path below that changes a definition goes through `put`, which forgets
        // the remembered resolution.
        let defined = match self.defs.get_mut(module).and_then(|n| n.remove(name)) {
            Some(Definition::HostFunc(t, h)) => vec![(t, h)],
            Some(Definition::Overloads(v)) => v,
            other => {
                if let Some(def) = other {
                    self.put(module, name, def);
                }
                return Err(Error::Link(format!(
                    "`{module}::{name}` must be defined as a host function before an overload"
                )));
            }
        };
        if defined.iter().any(|(t, _)| *t.ty == ty) {
            self.put(module, name, Definition::Overloads(defined));
            return Err(Error::Link(format!(
                "`{module}::{name}` already has an overload of type {ty}"
            )));
        }
        let mut all = defined;
        all.push((self.sig(ty), host));
        self.put(module, name, Definition::Overloads(all));
        Ok(self)
    }

    /// Defines a shared memory; every store instantiating through this linker imports the
    /// same memory (see [`SharedMemory`]).
    pub fn define_shared_memory(
        &mut self,
        module: &str,
        name: &str,
        memory: SharedMemory,
    ) -> Result<&mut Self, Error> {
        self.insert(module, name, Definition::SharedMemory(memory))
    }

    /// Defines every export of an instance under a module name.
    pub fn instance(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self, Error> {
        for (name, ext) in instance.exports(&store) {
            self.insert(module, &name, Definition::Extern(ext))?;
        }
        Ok(self)
    }

    /// Looks up a definition, creating host functions in `store` as needed.
    pub fn get(
        &self,
        store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        self.resolve(store, module, name, None)
    }

    /// Looks up a definition for an import of type `want` (`None`: any type), choosing among
    /// overloads by function type.
    fn resolve(
        &self,
        store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
        want: Option<&ExternType>,
    ) -> Option<Extern> {
        let def = choose(self.definition(module, name)?, want);
        self.materialize(store, &def)
    }

    /// The extern a chosen definition gives in `store` (a host function is created there);
    /// None for an empty set of overloads.
    fn materialize(
        &self,
        mut store: impl AsContextMut<Data = T>,
        def: &Definition<T>,
    ) -> Option<Extern> {
        let (sig, f) = match def {
            Definition::Extern(e) => return Some(*e),
            Definition::SharedMemory(m) => {
                return Some(Extern::Memory(m.attach(store.as_context_mut())))
            }
            Definition::HostFunc(sig, f) => (sig, f),
            Definition::Overloads(all) => {
                let (sig, f) = all.first()?;
                (sig, f)
            }
        };
        let store = store.as_context_mut();
        // A store of another engine numbers types its own way.
        let type_id = if Engine::same(&self.engine, store.engine()) {
            sig.type_id
        } else {
            store.engine().intern_type(&sig.ty)
        };
        Some(Extern::Func(Func::from_interned_host_fn(
            store,
            sig.ty.clone(),
            type_id,
            f.clone(),
        )))
    }

    /// The definition chosen for each import of `module`: remembered from the last call
    /// for the same module, else looked up by name.
    #[allow(clippy::type_complexity)]
    fn resolved(&self, module: &Module) -> Result<(Arc<[Definition<T>]>, LinkedHosts<T>), Error> {
        let inner = &module.inner;
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = &*last {
            if std::ptr::eq(r.module.as_ptr(), Arc::as_ptr(inner)) {
                return Ok((r.defs.clone(), r.hosts.clone()));
            }
        }
        let defs = module
            .imports()
            .map(|import| {
                self.definition(&import.module, &import.name)
                    .map(|def| choose(def, Some(&import.ty)))
                    .ok_or_else(|| unknown_import(import))
            })
            .collect::<Result<Arc<[_]>, _>>()?;
        let hosts = linked_hosts(&defs);
        *last = Some(Resolved {
            module: Arc::downgrade(inner),
            defs: defs.clone(),
            hosts: hosts.clone(),
        });
        Ok((defs, hosts))
    }

    /// Resolves the module's imports and instantiates it, running its start function.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance, Error> {
        let store = store.as_context_mut();
        if !Engine::same(&self.engine, module.engine()) {
            return Err(Error::Link(
                "module and linker belong to different engines".into(),
            ));
        }
        let (defs, hosts) = self.resolved(module)?;
        // The module's types first: its imports' host functions are of those types.
        if Engine::same(store.engine(), module.engine()) {
            instance::insert_module_types(&mut store.inner, &module.inner);
        }
        store.reserve_host_funcs(defs.len());
        // A store of the linker's engine shares the linker's host functions (and their
        // signatures, kept alive by the set the store keeps); another numbers types its
        // own way and gets its own (see `materialize`).
        let shared = Engine::same(&self.engine, store.engine());
        let mut set = None;
        let mut imports = Vec::with_capacity(defs.len());
        for (k, (import, def)) in module.imports().zip(defs.iter()).enumerate() {
            let ext = match &hosts[k] {
                Some(h) if shared => {
                    let set = *set.get_or_insert_with(|| store.host_funcs.keep(&hosts));
                    let host = store.host_funcs.push_linked(set, k as u32);
                    store.inner.know_type(h.type_id);
                    let index = store.inner.push_linked_host_func(&h.ty, h.type_id, host);
                    Extern::Func(Func {
                        store: store.inner.id,
                        index,
                    })
                }
                _ => self
                    .materialize(&mut *store, def)
                    .ok_or_else(|| unknown_import(import))?,
            };
            imports.push(ext);
        }
        instance::instantiate(store, module, &imports)
    }
}

/// The error for an import the linker has no definition for.
fn unknown_import(import: &ImportDef) -> Error {
    Error::Link(format!(
        "unknown import: `{}::{}` has not been defined",
        import.module, import.name
    ))
}

/// The definition an import of type `want` (`None`: any type) takes from `def`: among
/// overloads, the host function of that type, else the first.
fn choose<T>(def: &Definition<T>, want: Option<&ExternType>) -> Definition<T> {
    let Definition::Overloads(all) = def else {
        return def.clone();
    };
    let chosen = match want {
        Some(ExternType::Func(want)) => all.iter().find(|(t, _)| *t.ty == *want),
        _ => None,
    };
    match chosen.or(all.first()) {
        Some((sig, f)) => Definition::HostFunc(sig.clone(), f.clone()),
        None => def.clone(),
    }
}

/// The type of an extern as it is now (tables and memories report their current size).
pub(crate) fn extern_type(store: &StoreInner, ext: &Extern) -> ExternType {
    store.check(match ext {
        Extern::Func(f) => f.store,
        Extern::Table(t) => t.store,
        Extern::Memory(m) => m.store,
        Extern::Global(g) => g.store,
        Extern::Tag(t) => t.store,
    });
    match ext {
        Extern::Func(f) => ExternType::Func(store.func(f.index).ty().clone()),
        Extern::Table(t) => {
            let e = &store.tables[t.index as usize];
            ExternType::Table(TableType {
                minimum: e.elems.len() as u64,
                ..e.ty
            })
        }
        Extern::Memory(m) => {
            let e = &store.memories[m.index as usize];
            ExternType::Memory(MemoryType {
                minimum: e.pages(),
                ..e.ty()
            })
        }
        Extern::Global(g) => ExternType::Global(store.globals[g.index as usize].ty),
        Extern::Tag(t) => ExternType::Tag((*store.tags[t.index as usize].ty).clone()),
    }
}

/// The canonical id of the signature a function or tag import declares.
fn import_type_id(module: &crate::module::ModuleInner, import: &ImportDef) -> u32 {
    let type_index = match import.ty {
        ExternType::Tag(_) => module.tags[import.index as usize],
        _ => module.func_types[import.index as usize],
    };
    module.type_ids[type_index as usize]
}

fn limits_match(min: u64, max: Option<u64>, want_min: u64, want_max: Option<u64>) -> bool {
    min >= want_min
        && match want_max {
            None => true,
            Some(wm) => max.is_some_and(|m| m <= wm),
        }
}

/// Checks that an extern can satisfy an import (external subtyping as the spec defines it).
pub(crate) fn check_import(
    store: &StoreInner,
    module: &crate::module::ModuleInner,
    import: &ImportDef,
    ext: &Extern,
) -> Result<(), Error> {
    if let (ExternType::Func(_), Extern::Func(f)) = (&import.ty, ext) {
        // The common case, decided without a copy of the signature.
        store.check(f.store);
        let have = store.func(f.index).type_id;
        if store.types.is_subtype(have, import_type_id(module, import)) {
            return Ok(());
        }
    }
    let actual = extern_type(store, ext);
    let types = &store.types;
    let ok = match (&import.ty, &actual) {
        (ExternType::Func(_), ExternType::Func(_)) => {
            let Extern::Func(f) = ext else {
                return Err(Error::Link("not a function".into()));
            };
            let have = store.func(f.index).type_id;
            types.is_subtype(have, import_type_id(module, import))
        }
        (ExternType::Tag(_), ExternType::Tag(_)) => {
            let Extern::Tag(t) = ext else {
                return Err(Error::Link("not a tag".into()));
            };
            store.tags[t.index as usize].type_id == import_type_id(module, import)
        }
        (ExternType::Table(want), ExternType::Table(have)) => {
            want.element == have.element
                && want.table64 == have.table64
                && limits_match(have.minimum, have.maximum, want.minimum, want.maximum)
        }
        (ExternType::Memory(want), ExternType::Memory(have)) => {
            want.shared == have.shared
                && want.memory64 == have.memory64
                && want.page_size_log2 == have.page_size_log2
                && limits_match(have.minimum, have.maximum, want.minimum, want.maximum)
        }
        (ExternType::Global(want), ExternType::Global(have)) => {
            want.mutability == have.mutability
                && if want.mutability == crate::types::Mutability::Var {
                    want.content == have.content
                } else {
                    types.val_subtype(have.content, want.content)
                }
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Link(format!(
            "incompatible import type for `{}::{}`: expected {} {}, found {} {}",
            import.module,
            import.name,
            import.ty.kind_name(),
            describe(&import.ty),
            actual.kind_name(),
            describe(&actual)
        )))
    }
}

fn describe(ty: &ExternType) -> String {
    match ty {
        ExternType::Func(f) => f.to_string(),
        ExternType::Table(t) => format!("{} {}..{:?}", t.element, t.minimum, t.maximum),
        ExternType::Memory(m) => format!("{}..{:?} pages", m.minimum, m.maximum),
        ExternType::Global(g) => format!("{:?} {}", g.mutability, g.content),
        ExternType::Tag(t) => t.to_string(),
    }
}

impl<T> std::fmt::Debug for Linker<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linker")
            .field(
                "definitions",
                &self.defs.values().map(HashMap::len).sum::<usize>(),
            )
            .finish()
    }
}
