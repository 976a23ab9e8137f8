//! The `spectest` host module that the official scripts import from.

use wedge::{
    Func, FuncType, Global, GlobalType, Linker, Memory, MemoryType, Mutability, RefType, Store,
    Table, TableType, Val, ValType,
};

/// Module name the scripts import the host items from.
const MODULE: &str = "spectest";

/// Defines every `spectest` item in `linker`: the `print*` functions (which do
/// nothing), the four immutable globals holding 666 / 666.6, a funcref table of
/// 10..20 elements, a memory of 1..2 pages and a shared memory of 1..2 pages.
pub(crate) fn define(store: &mut Store<()>, linker: &mut Linker<()>) -> Result<(), wedge::Error> {
    use ValType::{F32, F64, I32, I64};
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(params.iter().copied(), []);
        let func = Func::new(&mut *store, ty, |_caller, _params, _results| Ok(()));
        linker.define(&*store, MODULE, name, func)?;
    }

    let globals = [
        ("global_i32", I32, Val::I32(666)),
        ("global_i64", I64, Val::I64(666)),
        ("global_f32", F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, content, value) in globals {
        let ty = GlobalType {
            content,
            mutability: Mutability::Const,
        };
        let global = Global::new(&mut *store, ty, value)?;
        linker.define(&*store, MODULE, name, global)?;
    }

    let table_ty = TableType::new(RefType::FUNCREF, 10, Some(20));
    let table = Table::new(&mut *store, table_ty, Val::FuncRef(None))?;
    linker.define(&*store, MODULE, "table", table)?;

    let memory_ty = MemoryType {
        minimum: 1,
        maximum: Some(2),
        ..MemoryType::default()
    };
    let memory = Memory::new(&mut *store, memory_ty)?;
    linker.define(&*store, MODULE, "memory", memory)?;

    let shared_ty = MemoryType {
        shared: true,
        ..memory_ty
    };
    let shared = Memory::new(&mut *store, shared_ty)?;
    linker.define(&*store, MODULE, "shared_memory", shared)?;
    Ok(())
}
