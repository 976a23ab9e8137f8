//! Tables initialized on first use. A defined table that nothing but `call_indirect` reads
//! or writes (the module has no other table instruction and does not export it) starts as
//! zeros, each element taken from the module's template when a call first reads it as null.
//! Its zeroed buffers are recycled through the template, so an instance pays neither for
//! writing the table nor for zeroing it.

use super::store::StoreInner;
use super::table::TableEntity;
use crate::module::{ElemFuncs, ElemMode, ExportIndex, ModuleInner};
use crate::types::TableType;
use std::sync::{Arc, Mutex};

/// Element buffers of at most this many elements go back to their template's pool.
const POOLED_MAX_ELEMS: usize = 1 << 16;

/// Buffers each template keeps for later instances.
const POOLED_BUFFERS: usize = 8;

/// The code bodies (in bytes) a module may have for its first instance to scan them (a
/// larger module is scanned on its second instantiation, as a command run once has no use
/// for lazy tables).
const FIRST_SCAN_MAX_BYTES: usize = 16 << 10;

/// The initial elements of a defined table as module function index + 1 (0 for null),
/// shared by the module's instances, with the zeroed buffers they hand back.
pub(crate) struct TableTemplate {
    items: Box<[u32]>,
    pool: Mutex<Vec<Vec<u64>>>,
}

/// Per defined table of a module: its template, if the table is initialized lazily.
pub(crate) type LazyTables = Box<[Option<Arc<TableTemplate>>]>;

/// What a table initialized on first use keeps.
pub(crate) struct LazyState {
    /// The elements it starts with.
    template: Arc<TableTemplate>,
    /// The instance whose functions the template names.
    instance: u32,
    /// Indices of the elements written so far (zeroed again when the buffer is recycled).
    written: Vec<u32>,
}

impl TableTemplate {
    /// A zeroed buffer of the table's size, recycled or new.
    fn take(&self) -> Vec<u64> {
        let recycled = self.pool.lock().ok().and_then(|mut p| p.pop());
        recycled.unwrap_or_else(|| vec![0; self.items.len()])
    }

    /// Takes back the buffer of a dropped table whose `written` elements are not zero.
    fn recycle(&self, mut elems: Vec<u64>, written: &[u32]) {
        if elems.len() != self.items.len() || elems.len() > POOLED_MAX_ELEMS {
            return;
        }
        if written.len() * 8 > elems.len() {
            elems.fill(0);
        } else {
            for &i in written {
                elems[i as usize] = 0;
            }
        }
        if let Ok(mut pool) = self.pool.lock() {
            if pool.len() < POOLED_BUFFERS {
                pool.push(elems);
            }
        }
    }
}

impl TableEntity {
    /// A table of type `ty` with the template's elements, made on first use by the functions
    /// of instance `instance`.
    pub(crate) fn lazy(ty: TableType, template: &Arc<TableTemplate>, instance: u32) -> Self {
        let state = LazyState {
            template: template.clone(),
            instance,
            written: Vec::new(),
        };
        TableEntity::with_lazy(ty, template.take(), Box::new(state))
    }

    /// Hands a lazy table's buffer back to its template (when the table is dropped).
    pub(crate) fn recycle_lazy(state: &LazyState, elems: Vec<u64>) {
        state.template.recycle(elems, &state.written);
    }
}

impl StoreInner {
    /// The raw reference at in-bounds `index` of store table `table`, which reads as null:
    /// from the table's template if the table is initialized lazily (written back), else 0.
    pub(crate) fn lazy_table_elem(&mut self, table: usize, index: usize) -> u64 {
        let t = &mut self.tables[table];
        let Some(state) = t.lazy.as_deref_mut() else {
            return 0;
        };
        let x = state.template.items.get(index).copied().unwrap_or(0);
        let (Some(func), Some(slot)) = (x.checked_sub(1), t.elems.get_mut(index)) else {
            return 0;
        };
        let raw = self.instances[state.instance as usize].funcs.get(func) as u64 + 1;
        *slot = raw;
        state.written.push(index as u32);
        raw
    }
}

/// The lazy tables of `m` (whose active element segments are all `prewritable`), worked
/// out once per module: None when some function reads or writes a table other than by
/// `call_indirect`, or a table is exported. Large modules are looked at only from their
/// second instantiation on (`first` says whether this is the first).
pub(crate) fn lazy_tables<'m>(
    m: &'m ModuleInner,
    templates: &ElemFuncs,
    first: bool,
) -> Option<&'m LazyTables> {
    if let Some(lazy) = m.lazy_tables.get() {
        return lazy.as_ref();
    }
    let code: usize = m.bodies.iter().map(|r| r.len()).sum();
    if first && code > FIRST_SCAN_MAX_BYTES {
        return None;
    }
    m.lazy_tables
        .get_or_init(|| make_lazy_tables(m, templates))
        .as_ref()
}

/// See [`lazy_tables`].
fn make_lazy_tables(m: &ModuleInner, templates: &ElemFuncs) -> Option<LazyTables> {
    if m.exports
        .iter()
        .any(|e| matches!(e.index, ExportIndex::Table(_)))
        || !tables_only_called_through(m)
    {
        return None;
    }
    let defined = m.tables.len() - m.num_imported_tables as usize;
    let mut items: Vec<Option<Vec<u32>>> = vec![None; defined];
    for (seg, template) in m.elems.iter().zip(templates.iter()) {
        let (ElemMode::Active { table, offset }, Some(template)) = (&seg.mode, template) else {
            continue;
        };
        // `prewritable` checked the offset is a constant, in bounds of a defined table
        // without an initializer.
        let def = table.checked_sub(m.num_imported_tables)? as usize;
        let offset = super::instance::const_offset(offset)? as usize;
        let len = usize::try_from(m.tables[*table as usize].minimum).ok()?;
        let elems = items.get_mut(def)?.get_or_insert_with(|| vec![0; len]);
        elems
            .get_mut(offset..offset + template.items.len())?
            .copy_from_slice(&template.items);
    }
    let lazy = items
        .into_iter()
        .map(|t| {
            t.map(|items| {
                Arc::new(TableTemplate {
                    items: items.into(),
                    pool: Mutex::new(Vec::new()),
                })
            })
        })
        .collect();
    Some(lazy)
}

/// Whether no function of `m` uses a table instruction other than `call_indirect`,
/// `return_call_indirect` and `table.size` (false if a body does not read).
fn tables_only_called_through(m: &ModuleInner) -> bool {
    use wasmparser::Operator as O;
    m.bodies.iter().all(|range| {
        let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
            &m.bytes[range.clone()],
            range.start as u64,
        ));
        let Ok(mut ops) = body.get_operators_reader() else {
            return false;
        };
        while !ops.eof() {
            match ops.read() {
                Ok(
                    O::TableGet { .. }
                    | O::TableSet { .. }
                    | O::TableGrow { .. }
                    | O::TableFill { .. }
                    | O::TableCopy { .. }
                    | O::TableInit { .. }
                    | O::TableAtomicGet { .. }
                    | O::TableAtomicSet { .. }
                    | O::TableAtomicRmwXchg { .. }
                    | O::TableAtomicRmwCmpxchg { .. },
                )
                | Err(_) => return false,
                Ok(_) => {}
            }
        }
        true
    })
}

#[cfg(test)]
mod tests {
    use crate::{Config, Engine, Linker, Module, Store, Strategy, Val};

    /// The elements of instance `instance`'s table 0 and whether it is lazy.
    fn table0(store: &Store<()>, instance: &crate::Instance) -> (Vec<u64>, bool) {
        let t = store.inner.instances[instance.index as usize].tables[0];
        let t = &store.inner.tables[t as usize];
        (t.elems.clone(), t.lazy.is_some())
    }

    /// A module with table 0 holding $f at 1, and `body` added as a function.
    fn module(engine: &Engine, body: &str) -> Module {
        let wat = format!(
            r#"(module
              (type $t (func (result i32)))
              (table 3 funcref)
              (elem (i32.const 1) $f)
              (func $f (type $t) (i32.const 42))
              (func (export "call") (param i32) (result i32)
                (call_indirect (type $t) (local.get 0)))
              {body})"#
        );
        Module::new(engine, wat).expect("valid")
    }

    #[test]
    fn a_table_only_called_through_starts_empty_and_fills_on_first_use() {
        let mut config = Config::new();
        config.strategy(Strategy::Interpreter);
        let engine = Engine::new(&config);
        let m = module(&engine, "");
        let mut store = Store::new(&engine, ());
        let i = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
        assert_eq!(table0(&store, &i), (vec![0, 0, 0], true));
        let call = i.get_func(&store, "call").unwrap();
        let mut out = [Val::I32(0)];
        call.call(&mut store, &[Val::I32(1)], &mut out).unwrap();
        assert_eq!(out[0].i32(), Some(42));
        let (elems, lazy) = table0(&store, &i);
        assert!(lazy && elems[0] == 0 && elems[1] != 0 && elems[2] == 0);
    }

    #[test]
    fn a_table_other_instructions_reach_is_written_at_instantiation() {
        let engine = Engine::default();
        for body in [
            r#"(func (drop (table.get (i32.const 0))))"#,
            r#"(func (table.copy (i32.const 0) (i32.const 1) (i32.const 1)))"#,
            r#"(func (drop (table.grow (ref.null func) (i32.const 1))))"#,
            r#"(func (table.fill (i32.const 0) (ref.null func) (i32.const 1)))"#,
            r#"(func (table.set (i32.const 0) (ref.null func)))"#,
            r#"(export "t" (table 0))"#,
        ] {
            let m = module(&engine, body);
            let mut store = Store::new(&engine, ());
            let i = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
            let (elems, lazy) = table0(&store, &i);
            assert!(!lazy && elems[0] == 0 && elems[1] != 0, "{body}");
        }
    }
}
