//! The engine's type registry: canonical ids for recursive type groups.
//!
//! Every type of every module gets an engine-wide canonical id. Two rec groups get the same
//! ids when they are structurally equal, where references to types of the same group are
//! compared by their position in the group and references to earlier groups by canonical
//! id (iso-recursive type equality, as the GC proposal defines it). So type equality across
//! modules is integer equality, and subtyping walks a precomputed chain of supertypes.

use crate::types::{FuncType, HeapType, RefType, ValType};
use std::collections::HashMap;
use std::sync::Arc;

/// How a struct field or array element is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StorageType {
    /// A packed 8-bit integer.
    I8,
    /// A packed 16-bit integer.
    I16,
    /// A full value.
    Val(ValType),
}

impl StorageType {
    /// Bytes a field of this type takes in a GC object.
    pub fn size(self) -> u32 {
        match self {
            StorageType::I8 => 1,
            StorageType::I16 => 2,
            StorageType::Val(ValType::I32 | ValType::F32) => 4,
            StorageType::Val(ValType::V128) => 16,
            StorageType::Val(_) => 8,
        }
    }

    /// The type a field of this storage type has on the operand stack.
    pub fn unpacked(self) -> ValType {
        match self {
            StorageType::I8 | StorageType::I16 => ValType::I32,
            StorageType::Val(v) => v,
        }
    }

    /// Whether the collector must trace fields of this type.
    pub fn is_traced(self) -> bool {
        matches!(self, StorageType::Val(v) if v.is_traced())
    }
}

/// A struct field or array element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldType {
    /// How the value is stored.
    pub storage: StorageType,
    /// Whether it can be written after allocation.
    pub mutable: bool,
}

/// A struct type with its object layout: field `i` lives at byte `offsets[i]`.
#[derive(Clone, Debug)]
pub struct StructType {
    /// The fields in order.
    pub fields: Box<[FieldType]>,
    /// Byte offset of each field in the object's payload (naturally aligned).
    pub offsets: Box<[u32]>,
    /// Payload size in bytes.
    pub size: u32,
    /// Offsets of the fields the collector traces.
    pub traced: Box<[u32]>,
}

impl StructType {
    /// Lays out the fields in order, each aligned to its size (at most 8).
    pub fn new(fields: Vec<FieldType>) -> StructType {
        let mut offsets = Vec::with_capacity(fields.len());
        let mut traced = Vec::new();
        let mut at = 0u32;
        for f in &fields {
            let size = f.storage.size();
            at = at.next_multiple_of(size.min(8));
            offsets.push(at);
            if f.storage.is_traced() {
                traced.push(at);
            }
            at += size;
        }
        StructType {
            fields: fields.into(),
            offsets: offsets.into(),
            size: at,
            traced: traced.into(),
        }
    }
}

/// What a canonical type describes.
#[derive(Clone, Debug)]
pub enum Composite {
    /// A function signature.
    Func(Arc<FuncType>),
    /// A struct.
    Struct(StructType),
    /// An array of this element type.
    Array(FieldType),
}

/// A type with its canonical id, finality and supertype chain.
#[derive(Clone, Debug)]
pub struct CanonType {
    /// The canonical id.
    pub id: u32,
    /// The structure.
    pub composite: Composite,
    /// Whether the type may not have subtypes.
    pub is_final: bool,
    /// Canonical ids of the supertypes, the root first, ending with `id` itself.
    pub supers: Box<[u32]>,
}

impl CanonType {
    /// The heap type naming this type.
    pub fn heap_type(&self) -> HeapType {
        match self.composite {
            Composite::Func(_) => HeapType::Concrete(self.id),
            Composite::Struct(_) => HeapType::ConcreteStruct(self.id),
            Composite::Array(_) => HeapType::ConcreteArray(self.id),
        }
    }

    /// Whether this type is `other` or one of its declared subtypes.
    pub fn is_subtype_of(&self, other: &CanonType) -> bool {
        self.supers.get(other.supers.len() - 1) == Some(&other.id)
    }
}

/// A value type inside a rec group being registered: references to members of the same
/// group are still by position.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PendingVal {
    /// A type whose references are all canonical.
    Val(ValType),
    /// A reference to the group member at `index`.
    GroupRef { nullable: bool, index: u32 },
}

/// A field type inside a rec group being registered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PendingField {
    /// 0 for i8, 1 for i16, 2 for a full value `val`.
    pub packed: u8,
    pub val: PendingVal,
    pub mutable: bool,
}

/// A composite type inside a rec group being registered.
#[derive(Clone, Debug)]
pub(crate) enum PendingComposite {
    Func(Vec<PendingVal>, Vec<PendingVal>),
    Struct(Vec<PendingField>),
    Array(PendingField),
}

/// A type of a rec group before canonicalization (what a module declares).
#[derive(Clone, Debug)]
pub(crate) struct GroupMember {
    pub composite: PendingComposite,
    pub is_final: bool,
    /// The supertype: `Ok(index in group)` or `Err(canonical id)`.
    pub supertype: Option<Result<u32, u32>>,
}

impl GroupMember {
    fn key(&self, key: &mut Vec<u32>) {
        key.push(self.is_final as u32);
        match self.supertype {
            None => key.push(0),
            Some(Ok(j)) => key.extend_from_slice(&[1, j]),
            Some(Err(id)) => key.extend_from_slice(&[2, id]),
        }
        match &self.composite {
            PendingComposite::Func(params, results) => {
                key.push(0);
                key.push(params.len() as u32);
                params.iter().for_each(|v| pending_key(*v, key));
                key.push(results.len() as u32);
                results.iter().for_each(|v| pending_key(*v, key));
            }
            PendingComposite::Struct(fields) => {
                key.push(1);
                key.push(fields.len() as u32);
                fields.iter().for_each(|f| field_key(*f, key));
            }
            PendingComposite::Array(f) => {
                key.push(2);
                field_key(*f, key);
            }
        }
    }

    fn kind(&self) -> u8 {
        match self.composite {
            PendingComposite::Func(..) => 0,
            PendingComposite::Struct(_) => 1,
            PendingComposite::Array(_) => 2,
        }
    }

    fn build(self, group: &[HeapType]) -> Composite {
        let val = |v: PendingVal| match v {
            PendingVal::Val(t) => t,
            PendingVal::GroupRef { nullable, index } => ValType::Ref(RefType {
                nullable,
                heap: group[index as usize],
            }),
        };
        let field = |f: PendingField| FieldType {
            storage: match f.packed {
                0 => StorageType::I8,
                1 => StorageType::I16,
                _ => StorageType::Val(val(f.val)),
            },
            mutable: f.mutable,
        };
        match self.composite {
            PendingComposite::Func(params, results) => Composite::Func(Arc::new(FuncType::new(
                params.into_iter().map(val),
                results.into_iter().map(val),
            ))),
            PendingComposite::Struct(fields) => {
                Composite::Struct(StructType::new(fields.into_iter().map(field).collect()))
            }
            PendingComposite::Array(f) => Composite::Array(field(f)),
        }
    }
}

fn pending_key(v: PendingVal, key: &mut Vec<u32>) {
    match v {
        PendingVal::Val(t) => val_key(t, key),
        PendingVal::GroupRef { nullable, index } => {
            key.extend_from_slice(&[7 + nullable as u32, 1, index])
        }
    }
}

fn field_key(f: PendingField, key: &mut Vec<u32>) {
    match f.packed {
        0 => key.push(5),
        1 => key.push(6),
        _ => pending_key(f.val, key),
    }
    key.push(f.mutable as u32);
}

/// All canonical types of an engine.
#[derive(Debug, Default)]
pub(crate) struct TypeRegistry {
    groups: HashMap<Vec<u32>, u32>,
    types: Vec<Arc<CanonType>>,
}

impl TypeRegistry {
    /// The type with a canonical id.
    pub fn get(&self, id: u32) -> &Arc<CanonType> {
        &self.types[id as usize]
    }

    /// Registers a rec group (or finds its equal) and returns the canonical types of its
    /// members, in order.
    pub fn register(&mut self, members: Vec<GroupMember>) -> Vec<Arc<CanonType>> {
        let mut key = vec![members.len() as u32];
        for m in &members {
            m.key(&mut key);
        }
        if let Some(&first) = self.groups.get(&key) {
            return (0..members.len() as u32)
                .map(|i| self.types[(first + i) as usize].clone())
                .collect();
        }
        let first = self.types.len() as u32;
        let heap: Vec<HeapType> = members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let id = first + i as u32;
                match m.kind() {
                    0 => HeapType::Concrete(id),
                    1 => HeapType::ConcreteStruct(id),
                    _ => HeapType::ConcreteArray(id),
                }
            })
            .collect();
        for (i, m) in members.into_iter().enumerate() {
            let id = first + i as u32;
            let mut supers = match m.supertype {
                Some(Ok(j)) => self.types[(first + j) as usize].supers.to_vec(),
                Some(Err(c)) => self.types[c as usize].supers.to_vec(),
                None => Vec::new(),
            };
            supers.push(id);
            let is_final = m.is_final;
            let composite = m.build(&heap);
            self.types.push(Arc::new(CanonType {
                id,
                composite,
                is_final,
                supers: supers.into(),
            }));
        }
        self.groups.insert(key, first);
        (first..self.types.len() as u32)
            .map(|id| self.types[id as usize].clone())
            .collect()
    }

    /// The canonical id of a function type in a group of its own, as host functions have.
    pub fn intern_func(&mut self, ty: &FuncType) -> u32 {
        let mut key = vec![1, 1, 0];
        func_key(ty, &mut key);
        if let Some(&id) = self.groups.get(&key) {
            return id;
        }
        let id = self.types.len() as u32;
        self.types.push(Arc::new(CanonType {
            id,
            composite: Composite::Func(Arc::new(ty.clone())),
            is_final: true,
            supers: Box::new([id]),
        }));
        self.groups.insert(key, id);
        id
    }
}

/// Appends the key tokens of a function type whose references are all canonical; matches
/// [`GroupMember::key`] for a final function type without supertypes.
fn func_key(ty: &FuncType, key: &mut Vec<u32>) {
    key.push(0);
    key.push(ty.params().len() as u32);
    for t in ty.params() {
        val_key(*t, key);
    }
    key.push(ty.results().len() as u32);
    for t in ty.results() {
        val_key(*t, key);
    }
}

/// Appends the key tokens of a value type whose references are all canonical.
fn val_key(t: ValType, key: &mut Vec<u32>) {
    match t {
        ValType::I32 => key.push(0),
        ValType::I64 => key.push(1),
        ValType::F32 => key.push(2),
        ValType::F64 => key.push(3),
        ValType::V128 => key.push(4),
        ValType::Ref(r) => {
            key.push(7 + r.nullable as u32);
            heap_key(r.heap, key);
        }
    }
}

/// Appends the key tokens of a canonical heap type.
fn heap_key(h: HeapType, key: &mut Vec<u32>) {
    let abstract_code = match h {
        HeapType::Concrete(i) | HeapType::ConcreteStruct(i) | HeapType::ConcreteArray(i) => {
            key.extend_from_slice(&[2, i]);
            return;
        }
        HeapType::Func => 0,
        HeapType::Extern => 1,
        HeapType::NoFunc => 2,
        HeapType::NoExtern => 3,
        HeapType::Any => 4,
        HeapType::Eq => 5,
        HeapType::I31 => 6,
        HeapType::Struct => 7,
        HeapType::Array => 8,
        HeapType::None => 9,
        HeapType::Exn => 10,
        HeapType::NoExn => 11,
    };
    key.extend_from_slice(&[0, abstract_code]);
}

/// Canonical types by id: those of one module, made once per module and shared by the
/// type caches of the stores it is instantiated in (see [`TypeCache::insert_set`]).
#[derive(Debug, Default)]
pub(crate) struct TypeSet(Vec<Option<Arc<CanonType>>>);

impl TypeSet {
    /// The set of these types.
    pub fn new(types: &[Arc<CanonType>]) -> TypeSet {
        let len = types.iter().map(|t| t.id as usize + 1).max().unwrap_or(0);
        let mut set = vec![None; len];
        for ty in types {
            set[ty.id as usize] = Some(ty.clone());
        }
        TypeSet(set)
    }

    /// The type with a canonical id, if in the set.
    #[inline]
    fn get(&self, id: u32) -> Option<&Arc<CanonType>> {
        self.0.get(id as usize)?.as_ref()
    }
}

/// Subtype checks over canonical types, with the types a store has seen: the set of the
/// first module instantiated in the store, shared with the module, and others inserted one
/// by one.
#[derive(Debug, Default)]
pub(crate) struct TypeCache {
    shared: Option<Arc<TypeSet>>,
    own: Vec<Option<Arc<CanonType>>>,
}

impl TypeCache {
    /// Makes a type (and so its supertypes, registered before it) known to the cache.
    pub fn insert(&mut self, ty: &Arc<CanonType>) {
        if self.get(ty.id).is_some() {
            return;
        }
        let i = ty.id as usize;
        if self.own.len() <= i {
            // Grown geometrically: a store may insert types one by one.
            self.own.resize((i + 1).next_power_of_two(), None);
        }
        self.own[i] = Some(ty.clone());
    }

    /// Makes the types of a module known (`set` is [`TypeSet::new`] of `types`): the first
    /// module's set is shared rather than copied.
    pub fn insert_set(&mut self, set: &Arc<TypeSet>, types: &[Arc<CanonType>]) {
        match &self.shared {
            None => self.shared = Some(set.clone()),
            Some(shared) if Arc::ptr_eq(shared, set) => {}
            Some(_) => {
                for ty in types {
                    self.insert(ty);
                }
            }
        }
    }

    /// The type with a canonical id; every id a store uses was inserted at instantiation.
    #[inline]
    pub fn get(&self, id: u32) -> Option<&Arc<CanonType>> {
        if let Some(ty) = self.shared.as_ref().and_then(|s| s.get(id)) {
            return Some(ty);
        }
        self.own.get(id as usize)?.as_ref()
    }

    /// Whether canonical type `a` is `b` or a declared subtype of it.
    pub fn is_subtype(&self, a: u32, b: u32) -> bool {
        if a == b {
            return true;
        }
        match (self.get(a), self.get(b)) {
            (Some(a), Some(b)) => a.is_subtype_of(b),
            _ => false,
        }
    }

    /// Heap subtyping: `a <: b`.
    pub fn heap_subtype(&self, a: HeapType, b: HeapType) -> bool {
        use HeapType::*;
        if a == b {
            return true;
        }
        match (a, b) {
            (Concrete(x), Concrete(y))
            | (ConcreteStruct(x), ConcreteStruct(y))
            | (ConcreteArray(x), ConcreteArray(y)) => self.is_subtype(x, y),
            (NoFunc, Func | Concrete(_)) | (Concrete(_), Func) => true,
            (NoExtern, Extern) => true,
            (NoExn, Exn) => true,
            (None, Any | Eq | I31 | Struct | Array | ConcreteStruct(_) | ConcreteArray(_)) => true,
            (Eq | I31 | Struct | Array | ConcreteStruct(_) | ConcreteArray(_), Any) => true,
            (I31 | Struct | Array | ConcreteStruct(_) | ConcreteArray(_), Eq) => true,
            (ConcreteStruct(_), Struct) | (ConcreteArray(_), Array) => true,
            _ => false,
        }
    }

    /// Reference subtyping: `a <: b`.
    pub fn ref_subtype(&self, a: RefType, b: RefType) -> bool {
        (!a.nullable || b.nullable) && self.heap_subtype(a.heap, b.heap)
    }

    /// Value subtyping: `a <: b`.
    pub fn val_subtype(&self, a: ValType, b: ValType) -> bool {
        match (a, b) {
            (ValType::Ref(a), ValType::Ref(b)) => self.ref_subtype(a, b),
            _ => a == b,
        }
    }
}
