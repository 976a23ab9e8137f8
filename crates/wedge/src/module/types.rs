//! The type section: each rec group is canonicalized in the engine's registry.

use super::ModuleInner;
use crate::registry::{Composite, GroupMember, PendingComposite, PendingField, PendingVal};
use crate::types::{FuncType, HeapType, ValType};
use crate::Engine;
use std::sync::Arc;

/// Registers one rec group of the type section and appends its types to the module.
pub(super) fn add_rec_group(engine: &Engine, m: &mut ModuleInner, group: wasmparser::RecGroup) {
    let start = m.heap_types.len() as u32;
    let subs: Vec<wasmparser::SubType> = group.into_types().collect();
    let len = subs.len() as u32;
    let members = subs
        .into_iter()
        .map(|sub| member(&m.heap_types, start, len, sub))
        .collect();
    let canon = engine.register_group(members);
    for ty in canon {
        m.heap_types.push(ty.heap_type());
        m.type_ids.push(ty.id);
        m.types.push(match &ty.composite {
            Composite::Func(f) => f.clone(),
            // Never used as a signature: validation guarantees that function indices name
            // function types.
            _ => Arc::new(FuncType::new([], [])),
        });
        m.canon.push(ty);
    }
}

/// The group member at `index - start`, if a module type index points into the group.
fn in_group(start: u32, len: u32, index: wasmparser::PackedIndex) -> Option<u32> {
    match index.unpack() {
        wasmparser::UnpackedIndex::RecGroup(i) => Some(i),
        wasmparser::UnpackedIndex::Module(i) if i >= start && i < start + len => Some(i - start),
        _ => None,
    }
}

fn member(outer: &[HeapType], start: u32, len: u32, sub: wasmparser::SubType) -> GroupMember {
    let supertype = sub.supertype_idxs.first().map(|&i| {
        in_group(start, len, i).ok_or_else(|| {
            let h = i
                .as_module_index()
                .and_then(|i| outer.get(i as usize).copied());
            match h {
                Some(HeapType::Concrete(c) | HeapType::ConcreteStruct(c))
                | Some(HeapType::ConcreteArray(c)) => c,
                _ => u32::MAX,
            }
        })
    });
    let val = |t: wasmparser::ValType| -> PendingVal {
        if let wasmparser::ValType::Ref(r) = t {
            if let Some(index) = r.type_index().and_then(|i| in_group(start, len, i)) {
                return PendingVal::GroupRef {
                    nullable: r.is_nullable(),
                    index,
                };
            }
        }
        PendingVal::Val(ValType::from_wasmparser(t, outer))
    };
    let field = |f: wasmparser::FieldType| -> PendingField {
        let (packed, v) = match f.element_type {
            wasmparser::StorageType::I8 => (0, PendingVal::Val(ValType::I32)),
            wasmparser::StorageType::I16 => (1, PendingVal::Val(ValType::I32)),
            wasmparser::StorageType::Val(t) => (2, val(t)),
        };
        PendingField {
            packed,
            val: v,
            mutable: f.mutable,
        }
    };
    let composite = match sub.composite_type.inner {
        wasmparser::CompositeInnerType::Func(f) => PendingComposite::Func(
            f.params().iter().map(|t| val(*t)).collect(),
            f.results().iter().map(|t| val(*t)).collect(),
        ),
        wasmparser::CompositeInnerType::Struct(s) => {
            PendingComposite::Struct(s.fields.iter().map(|f| field(*f)).collect())
        }
        wasmparser::CompositeInnerType::Array(a) => PendingComposite::Array(field(a.0)),
        // Stack switching is not enabled, so the validator rejects continuation types.
        wasmparser::CompositeInnerType::Cont(_) => PendingComposite::Func(vec![], vec![]),
    };
    GroupMember {
        composite,
        is_final: sub.is_final,
        supertype,
    }
}
