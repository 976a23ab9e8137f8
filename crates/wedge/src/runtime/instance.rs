//! Instances: instantiation (imports, initializers, segments, start) and export lookup.

use super::func::Func;
use super::global::Global;
use super::memory::{LinearMemory, Memory};
use super::store::{
    AsContext, AsContextMut, DataDropped, GlobalEntity, InstanceEntity, InstanceFuncs, Store,
    StoreId, StoreInner,
};
use super::table::{Table, TableEntity};
use super::trap::{Trap, TrapKind};
use super::typed::TypedFunc;
use super::vmctx::{VmCtx, VmShape};
use super::{gc, Extern, WasmParams, WasmResults};
use crate::module::{ConstExpr, ConstOp, DataMode, ElemMode, ExportIndex, Module};
use crate::Error;

/// A handle to an instantiated module in a store.
///
/// ```
/// use wedge::*;
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module (memory (export "mem") 1)
///     (global (export "answer") i32 (i32.const 42)))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
/// assert_eq!(instance.get_global(&store, "answer").unwrap().get(&store), Val::I32(42));
/// assert_eq!(instance.get_memory(&store, "mem").unwrap().size(&store), 1);
/// assert_eq!(instance.exports(&store).len(), 2);
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instance {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Instance {
    /// Instantiates `module` with one extern per module import, in import order (the
    /// positional form the standard C API uses; [`Linker`](super::Linker) resolves by name).
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance, Error> {
        if imports.len() != module.imports().len() {
            return Err(Error::Link(format!(
                "expected {} imports, got {}",
                module.imports().len(),
                imports.len()
            )));
        }
        instantiate(store.as_context_mut(), module, imports)
    }

    /// The export with this name, if any.
    pub fn get_export(&self, store: impl AsContext, name: &str) -> Option<Extern> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        let inst = &inner.instances[self.index as usize];
        let export = inst.module.inner.exports.iter().find(|e| e.name == name)?;
        Some(extern_of(inner, inst, export.index))
    }

    /// All exports, in module order.
    pub fn exports(&self, store: impl AsContext) -> Vec<(String, Extern)> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        let inst = &inner.instances[self.index as usize];
        inst.module
            .inner
            .exports
            .iter()
            .map(|e| (e.name.clone(), extern_of(inner, inst, e.index)))
            .collect()
    }

    /// The exported function with this name.
    pub fn get_func(&self, store: impl AsContext, name: &str) -> Option<Func> {
        match self.get_export(store, name)? {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The exported function with this name and signature.
    pub fn get_typed_func<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        let func = self
            .get_func(&store, name)
            .ok_or_else(|| Error::Export(format!("no exported function named `{name}`")))?;
        func.typed(&store)
    }

    /// The exported memory with this name.
    pub fn get_memory(&self, store: impl AsContext, name: &str) -> Option<Memory> {
        match self.get_export(store, name)? {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The exported global with this name.
    pub fn get_global(&self, store: impl AsContext, name: &str) -> Option<Global> {
        match self.get_export(store, name)? {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }

    /// The exported table with this name.
    pub fn get_table(&self, store: impl AsContext, name: &str) -> Option<Table> {
        match self.get_export(store, name)? {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }

    /// Every memory of the instance (imported ones first), exported or not: what a core
    /// dump or a debugger reads.
    pub fn memories(&self, store: impl AsContext) -> Vec<Memory> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        let inst = &inner.instances[self.index as usize];
        let store = inner.id;
        inst.memories
            .iter()
            .map(|&index| Memory { store, index })
            .collect()
    }

    /// Every global of the instance (imported ones first), exported or not.
    pub fn globals(&self, store: impl AsContext) -> Vec<Global> {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        let inst = &inner.instances[self.index as usize];
        let store = inner.id;
        inst.globals
            .iter()
            .map(|&index| Global { store, index })
            .collect()
    }

    /// The module this is an instance of.
    pub fn module(&self, store: impl AsContext) -> Module {
        let inner = &store.as_context().inner;
        inner.check(self.store);
        inner.instances[self.index as usize].module.clone()
    }
}

fn extern_of(inner: &StoreInner, inst: &InstanceEntity, index: ExportIndex) -> Extern {
    let store = inner.id;
    match index {
        ExportIndex::Func(i) => Extern::Func(Func {
            store,
            index: inst.funcs.get(i),
        }),
        ExportIndex::Table(i) => Extern::Table(Table {
            store,
            index: inst.tables[i as usize],
        }),
        ExportIndex::Memory(i) => Extern::Memory(Memory {
            store,
            index: inst.memories[i as usize],
        }),
        ExportIndex::Global(i) => Extern::Global(Global {
            store,
            index: inst.globals[i as usize],
        }),
        ExportIndex::Tag(i) => Extern::Tag(super::Tag {
            store,
            index: inst.tags[i as usize],
        }),
    }
}

/// Evaluates a constant expression in the context of a (partially built) instance whose
/// functions and globals (store indices) are given. GC objects it creates are allocated
/// without collecting (instantiation is not a safepoint).
pub(crate) fn eval_const(
    inner: &mut StoreInner,
    module: &crate::module::ModuleInner,
    funcs: &InstanceFuncs,
    globals: &[u32],
    expr: &ConstExpr,
) -> Result<u128, Error> {
    // Most expressions are one constant or reference (every item of a function table):
    // those need no stack.
    if let [op] = expr.ops() {
        match *op {
            ConstOp::I32(v) => return Ok(v as u32 as u128),
            ConstOp::I64(v) => return Ok(v as u64 as u128),
            ConstOp::RefNull => return Ok(0),
            ConstOp::RefFunc(f) => return Ok(funcs.get(f) as u128 + 1),
            _ => {}
        }
    }
    let mut stack: Vec<u128> = Vec::with_capacity(4);
    let pop = |stack: &mut Vec<u128>| stack.pop().unwrap_or(0);
    for op in expr.ops() {
        let v = match *op {
            ConstOp::I32(v) => v as u32 as u128,
            ConstOp::I64(v) => v as u64 as u128,
            ConstOp::F32(v) => v as u128,
            ConstOp::F64(v) => v as u128,
            ConstOp::V128(v) => v,
            ConstOp::RefNull => 0,
            ConstOp::RefFunc(f) => funcs.get(f) as u128 + 1,
            ConstOp::GlobalGet(g) => inner.globals[globals[g as usize] as usize].value,
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let b = pop(&mut stack) as u32;
                let a = pop(&mut stack) as u32;
                let r = match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                };
                r as u128
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let b = pop(&mut stack) as u64;
                let a = pop(&mut stack) as u64;
                let r = match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                };
                r as u128
            }
            ConstOp::RefI31 => gc::refs::i31_new(pop(&mut stack) as u32) as u128,
            ConstOp::AnyConvertExtern | ConstOp::ExternConvertAny => pop(&mut stack),
            ConstOp::StructNew(t) | ConstOp::StructNewDefault(t) => {
                let ty = module.canon[t as usize].clone();
                let n = match (&ty.composite, op) {
                    (crate::registry::Composite::Struct(s), ConstOp::StructNew(_)) => {
                        s.fields.len()
                    }
                    _ => 0,
                };
                let fields = stack.split_off(stack.len().saturating_sub(n));
                inner.alloc_struct(&ty, &fields) as u128
            }
            ConstOp::ArrayNew(t) | ConstOp::ArrayNewDefault(t) => {
                let ty = module.canon[t as usize].clone();
                let len = pop(&mut stack) as u32;
                let init = match op {
                    ConstOp::ArrayNew(_) => pop(&mut stack),
                    _ => 0,
                };
                inner.alloc_array(&ty, len, init).map_err(Trap::new)? as u128
            }
            ConstOp::ArrayNewFixed(t, n) => {
                let ty = module.canon[t as usize].clone();
                let values = stack.split_off(stack.len().saturating_sub(n as usize));
                inner.alloc_array_of(&ty, &values).map_err(Trap::new)? as u128
            }
        };
        stack.push(v);
    }
    Ok(stack.pop().unwrap_or(0))
}

/// Instantiates `module` with already resolved imports (one per module import, in order).
pub(crate) fn instantiate<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance, Error> {
    let m = &module.inner;
    if !crate::Engine::same(&store.inner.engine, &m.engine) {
        return Err(Error::Link(
            "module and store belong to different engines".into(),
        ));
    }
    let mut inst = InstanceEntity {
        module: module.clone(),
        funcs: InstanceFuncs {
            imported: Vec::with_capacity(m.num_imported_funcs as usize),
            first: 0,
            defined: 0,
        },
        tables: Vec::with_capacity(m.tables.len()),
        memories: Vec::with_capacity(m.memories.len()),
        globals: Vec::with_capacity(m.globals.len()),
        tags: Vec::with_capacity(m.tags.len()),
        elems: Vec::with_capacity(m.elems.len()),
        data_dropped: DataDropped::none(m.datas.len()),
        vmctx: VmCtx::new(VmShape::new(0, 0, 0, 0, 0), std::ptr::null_mut(), &[], 0),
        native: m.native.clone(),
        tier: crate::tier::InstanceTier::Off,
    };
    for (import, ext) in m.imports.iter().zip(imports) {
        super::linker::check_import(&store.inner, m, import, ext)?;
        match ext {
            Extern::Func(f) => inst.funcs.imported.push(f.index),
            Extern::Table(t) => inst.tables.push(t.index),
            Extern::Memory(mem) => inst.memories.push(mem.index),
            Extern::Global(g) => inst.globals.push(g.index),
            Extern::Tag(t) => inst.tags.push(t.index),
        }
    }
    let inner = &mut store.inner;
    insert_module_types(inner, m);
    for &t in &m.tags[m.num_imported_tags as usize..] {
        inner.tags.push(super::tag::TagEntity {
            ty: m.types[t as usize].clone(),
            type_id: m.type_ids[t as usize],
        });
        inst.tags.push(inner.tags.len() as u32 - 1);
    }
    let instance_index = inner.instances.len() as u32;
    // Memories whose initial contents were mapped from a stored image (by module index).
    let mut imaged = vec![false; m.memories.len()];
    for (i, ty) in m.memories.iter().enumerate() {
        if i < m.num_imported_memories as usize {
            continue;
        }
        inner.check_new_memory(ty)?;
        let tag = image_tag(m, i as u32);
        let mut memory = LinearMemory::with_image(*ty, tag)?;
        imaged[i] = map_image(m, i as u32, tag, &mut memory);
        inner.memories.push(std::sync::Arc::new(memory));
        inst.memories.push(inner.memories.len() as u32 - 1);
    }
    let first = !m
        .instantiated
        .swap(true, std::sync::atomic::Ordering::Relaxed);
    if inst.native.is_some() || m.tier.is_some() {
        // Compiled code leaves most bounds checks to guard pages: without them (memories
        // made under an address-space limit) the instance runs interpreted.
        let mems: Vec<&LinearMemory> = inst
            .memories
            .iter()
            .map(|&i| &*inner.memories[i as usize])
            .collect();
        let fits = crate::native::memories_fit(m, &mems);
        if !fits {
            inst.native = None;
        }
        inst.tier = crate::tier::instance_tier(m, fits);
    }
    // The context block, complete but for the addresses of tables and globals (see
    // `build_vmctx`); compiled functions are made pointing at it.
    let shape = VmShape::of(m, crate::tier::runs_tiered(&inst));
    inst.vmctx = VmCtx::new(shape, &mut *inner.vm, &m.type_ids, instance_index);
    if let Some(native) = &inst.native {
        // Function references made later get their type's trampoline when they are made.
        inner.register_trampolines(&super::store::trampoline_set(m, native));
    }
    inner.modules.push(module.clone());
    // The defined functions get the next run of store indices, taken when the instance is
    // added (below); nothing is made per function (see `StoreInner::func`).
    inst.funcs.first = inner.funcs.len();
    inst.funcs.defined = m.func_types.len() as u32 - m.num_imported_funcs;
    let templates = m.elem_funcs.get_or_init(|| elem_func_templates(m));
    // When every active element segment can be, the tables are made with their segments
    // already written, in one pass (see `prewritable`).
    let prewritten = prewritable(m, templates);
    // Tables only `call_indirect` reads start empty and are filled on first use.
    let lazy = if prewritten {
        super::lazy_table::lazy_tables(m, templates, first)
    } else {
        None
    };
    for (i, ty) in m
        .tables
        .iter()
        .enumerate()
        .skip(m.num_imported_tables as usize)
    {
        let def = i - m.num_imported_tables as usize;
        let init = match m.table_inits.get(def).and_then(|e| e.as_ref()) {
            Some(expr) => eval_const(inner, m, &inst.funcs, &inst.globals, expr)? as u64,
            None => 0,
        };
        inner.check_new_table(ty)?;
        // (A table with a non-null initializer has no segment then.)
        let template = lazy.and_then(|l| l.get(def)).and_then(|t| t.as_ref());
        let table = if let (Some(template), true) = (template, prewritten && init == 0) {
            TableEntity::lazy(*ty, template, instance_index)
        } else if prewritten && init == 0 {
            TableEntity::from_elems(*ty, prewrite(m, templates, i as u32, &inst.funcs)?)
        } else {
            TableEntity::new(*ty, init)?
        };
        inner.tables.push(table);
        inst.tables.push(inner.tables.len() as u32 - 1);
    }
    for (ty, init) in m.globals[m.num_imported_globals as usize..]
        .iter()
        .zip(&m.global_inits)
    {
        let value = eval_const(inner, m, &inst.funcs, &inst.globals, init)?;
        inner
            .globals
            .push(Box::new(GlobalEntity { ty: *ty, value }));
        inst.globals.push(inner.globals.len() as u32 - 1);
    }
    for (seg, template) in m.elems.iter().zip(templates.iter()) {
        if let Some(template) = template {
            // Function indices only: nothing to evaluate. An active segment is written
            // straight into its table from the template (see `initialize_segments`).
            let items = match seg.mode {
                ElemMode::Passive => template
                    .items
                    .iter()
                    .map(|&x| raw_func(&inst.funcs, x))
                    .collect(),
                _ => Box::default(),
            };
            inst.elems.push(items);
            continue;
        }
        let mut items = Vec::with_capacity(seg.items.len());
        for e in &seg.items {
            // Most items are one `ref.func` (every item of a function table).
            let raw = match e.ops() {
                [ConstOp::RefFunc(f)] => inst.funcs.get(*f) as u64 + 1,
                _ => eval_const(inner, m, &inst.funcs, &inst.globals, e)? as u64,
            };
            items.push(raw);
        }
        inst.elems.push(items.into());
    }
    let first = inner.push_instance_funcs(instance_index, inst.funcs.defined);
    debug_assert_eq!(first, inst.funcs.first);
    inner.instances.push(inst);
    build_vmctx(inner, instance_index);
    let instance = Instance {
        store: inner.id,
        index: instance_index,
    };
    initialize_segments(inner, instance_index, &imaged, prewritten)?;
    if let Some(start) = m.start {
        let func = inner.instances[instance_index as usize].funcs.get(start);
        super::call::invoke(store, func, &mut [])?;
    }
    Ok(instance)
}

/// Makes the canonical types of a module known to a store (done once per module and
/// store: the first module's set of types is shared, see `TypeCache::insert_set`).
pub(crate) fn insert_module_types(inner: &mut StoreInner, m: &crate::module::ModuleInner) {
    let type_set = m
        .type_set
        .get_or_init(|| std::sync::Arc::new(crate::registry::TypeSet::new(&m.canon)));
    inner.types.insert_set(type_set, &m.canon);
}

/// The function-index form of each element segment (see `ModuleInner::elem_funcs`).
fn elem_func_templates(m: &crate::module::ModuleInner) -> crate::module::ElemFuncs {
    m.elems
        .iter()
        .map(|seg| {
            let items: Box<[u32]> = seg
                .items
                .iter()
                .map(|e| match e.ops() {
                    [ConstOp::RefFunc(f)] => f.checked_add(1),
                    [ConstOp::RefNull] => Some(0),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            let all_defined = items.iter().all(|&x| x > m.num_imported_funcs);
            Some(crate::module::ElemFuncItems { items, all_defined })
        })
        .collect()
}

/// The constant offset of an active element segment (None if it reads a global).
pub(super) fn const_offset(offset: &ConstExpr) -> Option<u64> {
    match offset.ops() {
        [ConstOp::I32(v)] => Some(*v as u32 as u64),
        [ConstOp::I64(v)] => Some(*v as u64),
        _ => None,
    }
}

/// Whether every active element segment of `m` can be written as its table is made: each
/// is made of function indices (a template), at a constant offset, into a defined table
/// with no initializer expression, in bounds of the table's initial size, and the segments
/// of each table come in ascending order without overlapping. Then the tables' contents
/// are what writing the segments in order gives, and no segment traps.
fn prewritable(m: &crate::module::ModuleInner, templates: &crate::module::ElemFuncs) -> bool {
    // Per defined table, the end of the last segment seen (few tables: a linear search).
    let mut ends: Vec<(u32, u64)> = Vec::new();
    for (seg, template) in m.elems.iter().zip(templates.iter()) {
        let ElemMode::Active { table, offset } = &seg.mode else {
            continue;
        };
        let (Some(template), Some(offset)) = (template, const_offset(offset)) else {
            return false;
        };
        let Some(def) = table.checked_sub(m.num_imported_tables) else {
            return false;
        };
        if m.table_inits.get(def as usize).is_some_and(|e| e.is_some()) {
            return false;
        }
        let minimum = m.tables[*table as usize].minimum;
        let end = match offset.checked_add(template.items.len() as u64) {
            Some(end) if end <= minimum && minimum <= super::table::MAX_TABLE_ELEMS => end,
            _ => return false,
        };
        match ends.iter_mut().find(|(t, _)| t == table) {
            Some((_, last)) if *last > offset => return false,
            Some((_, last)) => *last = end,
            None => ends.push((*table, end)),
        }
    }
    true
}

/// The initial elements of table `table` (see [`prewritable`]): its segments written in
/// one pass, nulls elsewhere.
fn prewrite(
    m: &crate::module::ModuleInner,
    templates: &crate::module::ElemFuncs,
    table: u32,
    funcs: &InstanceFuncs,
) -> Result<Vec<u64>, Error> {
    let len = usize::try_from(m.tables[table as usize].minimum)
        .map_err(|_| Error::Limit("table minimum size is too large".into()))?;
    let mut elems: Vec<u64> = Vec::new();
    elems
        .try_reserve_exact(len)
        .map_err(|_| Error::Limit("table minimum size is too large".into()))?;
    let refs = TemplateRefs::new(funcs);
    for (seg, template) in m.elems.iter().zip(templates.iter()) {
        let (ElemMode::Active { table: t, offset }, Some(template)) = (&seg.mode, template) else {
            continue;
        };
        if *t != table {
            continue;
        }
        let offset = const_offset(offset).unwrap_or(0) as usize;
        elems.resize(offset, 0);
        let items = template.items.iter();
        if template.all_defined {
            elems.extend(items.map(|&x| refs.defined(x)));
        } else {
            elems.extend(items.map(|&x| refs.any(x)));
        }
    }
    elems.resize(len, 0);
    Ok(elems)
}

/// The raw reference to module function `x - 1` of an instance with functions `funcs`
/// (null for `x == 0`).
#[inline]
fn raw_func(funcs: &InstanceFuncs, x: u32) -> u64 {
    match x.checked_sub(1) {
        None => 0,
        Some(i) => funcs.get(i) as u64 + 1,
    }
}

/// Fills in an instance's context block: where its memories, tables, globals and imported
/// functions are (its compiled functions already point at it).
fn build_vmctx(inner: &mut StoreInner, instance: u32) {
    let module = inner.instances[instance as usize].module.clone();
    let m = &module.inner;
    // Imported functions are called through their function references (made if needed).
    let imported: Vec<(u64, u64)> = (0..m.num_imported_funcs as usize)
        .map(|i| {
            let f = inner.instances[instance as usize].funcs.imported[i];
            let r = inner.funcref(f);
            // SAFETY: the reference lives in the store's arena as long as the store.
            unsafe { ((*r).code as u64, (*r).vmctx as u64) }
        })
        .collect();
    let inst = &mut inner.instances[instance as usize];
    let shape = VmShape::of(m, crate::tier::runs_tiered(inst));
    let vmctx = &mut inst.vmctx;
    for (i, &mem) in inst.memories.iter().enumerate() {
        // The memory object (its length is at a documented offset) and a copy of its base
        // address, which never changes.
        let memory = &inner.memories[mem as usize];
        let def = std::sync::Arc::as_ptr(memory);
        vmctx.set(shape.memories + 16 * i as u32, def as u64);
        vmctx.set(shape.memories + 16 * i as u32 + 8, memory.base() as u64);
    }
    for (i, &t) in inst.tables.iter().enumerate() {
        let def: *mut _ = &mut *inner.tables[t as usize].def;
        vmctx.set(shape.tables + 8 * i as u32, def as u64);
    }
    for (i, &g) in inst.globals.iter().enumerate() {
        let cell: *mut u128 = &mut inner.globals[g as usize].value;
        vmctx.set(shape.globals + 8 * i as u32, cell as u64);
    }
    for (i, (code, callee)) in imported.into_iter().enumerate() {
        let at = shape.imported_funcs + 16 * i as u32;
        vmctx.set(at, code);
        vmctx.set(at + 8, callee);
    }
}

/// Writes the raw references of an element segment's function indices (see
/// [`elem_func_templates`]) into `dst`, which has the segment's length.
fn write_funcs(dst: &mut [u64], template: &crate::module::ElemFuncItems, funcs: &InstanceFuncs) {
    let refs = TemplateRefs::new(funcs);
    if template.all_defined {
        // The common case (a function table), without a branch per item.
        for (d, &x) in dst.iter_mut().zip(&template.items) {
            *d = refs.defined(x);
        }
        return;
    }
    for (d, &x) in dst.iter_mut().zip(&template.items) {
        *d = refs.any(x);
    }
}

/// The raw references of a function-index template's items (module function index + 1, 0
/// for null) in an instance with functions `funcs`.
#[derive(Clone, Copy)]
struct TemplateRefs<'a> {
    funcs: &'a InstanceFuncs,
    imported: u32,
    /// A defined function `x - 1` has store index `first + (x - 1 - imported)`: its raw
    /// reference is `x` plus this.
    delta: u64,
}

impl<'a> TemplateRefs<'a> {
    /// The references of an instance with functions `funcs`.
    fn new(funcs: &'a InstanceFuncs) -> Self {
        let imported = funcs.imported.len() as u32;
        TemplateRefs {
            funcs,
            imported,
            delta: (funcs.first as u64).wrapping_sub(imported as u64),
        }
    }

    /// The raw reference of item `x`, a defined function.
    #[inline]
    fn defined(self, x: u32) -> u64 {
        (x as u64).wrapping_add(self.delta)
    }

    /// The raw reference of any item `x`.
    #[inline]
    fn any(self, x: u32) -> u64 {
        if x > self.imported {
            self.defined(x)
        } else {
            raw_func(self.funcs, x)
        }
    }
}

/// The in-memory image of memory `mem` (made on the module's second instantiation: the
/// first copies its segments, as writing the file costs more than copying them once, and a
/// module instantiated once, as a command is, has no use for it), if it has one and the
/// module has no images stored in its AOT file.
fn image_tag(m: &crate::module::ModuleInner, mem: u32) -> Option<super::memory::ImageTag> {
    if !m.images.is_empty() {
        return None;
    }
    if m.image_file.get().is_none() && !m.instantiated.load(std::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    let image = m
        .image_file
        .get_or_init(|| super::memory::image_file::create(m))
        .as_ref()?;
    image
        .chunks
        .iter()
        .any(|c| c.memory == mem)
        .then(|| super::memory::image_tag(image.id, mem))
        .flatten()
}

/// Maps the initial contents of memory `mem` copy-on-write: the images stored in the AOT
/// file the module was loaded from, or else the module's in-memory image file (`tag`, from
/// [`image_tag`]; nothing to do if the memory's reused reservation holds it already); true
/// if the memory's initial contents are then complete.
fn map_image(
    m: &crate::module::ModuleInner,
    mem: u32,
    tag: Option<super::memory::ImageTag>,
    memory: &mut LinearMemory,
) -> bool {
    if tag.is_some() && memory.image() == tag {
        return true;
    }
    if !m.images.is_empty() {
        let mut chunks = m.images.iter().filter(|c| c.memory == mem).peekable();
        if chunks.peek().is_none() {
            return false;
        }
        return chunks.all(|c| {
            m.bytes
                .file_at(c.at)
                .is_some_and(|(file, at)| memory.map_file(c.offset, c.len, file, at))
        });
    }
    let (Some(tag), Some(image)) = (tag, m.image_file.get().and_then(|f| f.as_ref())) else {
        return false;
    };
    let mapped = image
        .chunks
        .iter()
        .filter(|c| c.memory == mem)
        .all(|c| memory.map_file(c.offset, c.len, &image.file, c.at as u64));
    if mapped {
        memory.set_image(tag);
    }
    mapped
}

/// Copies active element and data segments into their tables and memories, then drops them;
/// data segments of memories in `imaged` (by module index) are already in place.
fn initialize_segments(
    inner: &mut StoreInner,
    instance: u32,
    imaged: &[bool],
    elems_prewritten: bool,
) -> Result<(), Error> {
    let module = inner.instances[instance as usize].module.clone();
    let m = &module.inner;
    // Offsets are evaluated while the store is borrowed: with copies of the index spaces
    // they read (made once, not per segment).
    let inst = &inner.instances[instance as usize];
    let (funcs, globals) = (inst.funcs.clone(), inst.globals.clone());
    let templates = m.elem_funcs.get().map_or(&[][..], |t| &t[..]);
    for (i, seg) in m.elems.iter().enumerate() {
        match &seg.mode {
            // Written when the tables were made (nothing of the segment is kept).
            ElemMode::Active { .. } if elems_prewritten => {}
            ElemMode::Active { table, offset } => {
                let offset = eval_const(inner, m, &funcs, &globals, offset)? as u64;
                let inst = &inner.instances[instance as usize];
                let table_index = inst.tables[*table as usize] as usize;
                let items = std::mem::take(&mut inner.instances[instance as usize].elems[i]);
                let template = templates.get(i).and_then(|t| t.as_ref());
                let len = template.map_or(items.len(), |t| t.items.len());
                let table = &mut inner.tables[table_index].elems;
                let dst = usize::try_from(offset)
                    .ok()
                    .and_then(|o| Some(o..o.checked_add(len)?))
                    .filter(|r| r.end <= table.len())
                    .ok_or(Trap::new(TrapKind::TableOutOfBounds))?;
                match template {
                    Some(template) => write_funcs(&mut table[dst], template, &funcs),
                    None => table[dst].copy_from_slice(&items),
                }
            }
            ElemMode::Declared => {
                inner.instances[instance as usize].elems[i] = Box::new([]);
            }
            ElemMode::Passive => {}
        }
    }
    let active = m.active_datas();
    if active.memories.iter().all(|&mem| imaged[mem as usize]) {
        // Every active segment is in an image already mapped: all are applied, and dropped.
        let dropped = DataDropped::shared(active.mask.clone());
        inner.instances[instance as usize].data_dropped = dropped;
        return Ok(());
    }
    for (i, seg) in m.datas.iter().enumerate() {
        if let DataMode::Active { memory, offset } = &seg.mode {
            if imaged[*memory as usize] {
                inner.instances[instance as usize].data_dropped[i] = true;
                continue;
            }
            let offset = eval_const(inner, m, &funcs, &globals, offset)? as u64;
            let inst = &inner.instances[instance as usize];
            let mem_index = inst.memories[*memory as usize] as usize;
            let bytes = &m.bytes[seg.range.clone()];
            let memory = &inner.memories[mem_index];
            let offset = if memory.is_64() {
                offset
            } else {
                offset as u32 as u64
            };
            memory.write(offset, bytes).map_err(Trap::new)?;
            inner.instances[instance as usize].data_dropped[i] = true;
        }
    }
    Ok(())
}
