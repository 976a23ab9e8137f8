//! Unit tests of the translator on hand-made bodies.

use crate::*;

fn layout() -> VmLayout {
    VmLayout {
        vmctx_store: 0,
        vmctx_type_ids: 8,
        vmctx_memories: 32,
        vmctx_tables: 48,
        vmctx_globals: 48,
        vmctx_imported_funcs: 48,
        store_stack_limit: 0,
        store_funcrefs: 8,
        store_exit_fp: 16,
        store_exit_func: 24,
        store_libcalls: 32,
        store_interrupt: 128,
        store_meter: 136,
        store_refund_gas: 144,
        store_refund_count: 152,
        store_pending_exn: 160,
        store_gc_table: 168,
        gc_table_base: 0,
        slot_view_data: 0,
        slot_view_len: 8,
        meter_gas_limit: 0,
        meter_gas_used: 8,
        meter_instructions: 16,
        memory_len: 8,
        table_base: 0,
        table_len: 8,
        funcref_code: 0,
        funcref_vmctx: 8,
        funcref_type_id: 16,
    }
}

/// An environment with one `(i32) -> i32` type, one defined function and one memory.
fn env(reserved_bytes: u64) -> ModuleEnv {
    ModuleEnv {
        types: vec![FuncSig {
            params: vec![WasmType::I32],
            results: vec![WasmType::I32],
        }],
        gc_types: vec![GcType::Func],
        func_subtyping: false,
        func_types: vec![0],
        num_imported_funcs: 0,
        globals: vec![],
        memories: vec![MemoryDesc {
            memory64: false,
            shared: false,
            page_size_log2: 16,
            reserved_bytes,
        }],
        tables: vec![],
        closed: true,
        tags: vec![],
        layout: layout(),
        interruptible: false,
        metering: None,
    }
}

fn compile(env: &ModuleEnv, body: &[u8]) -> Result<CompiledCode, Error> {
    let isa = Isa::host(false, env.metering.is_some())?;
    compile_module(
        &isa,
        env,
        &[FuncBody {
            bytes: body,
            offset: 0,
        }],
        2,
        &|_, _| {},
    )
}

/// `local.get 0; i32.load offset=4; end` with no locals.
const LOAD: &[u8] = &[0x00, 0x20, 0x00, 0x28, 0x02, 0x04, 0x0b];

/// `local.get 0; call 0; end`: calls itself.
const RECURSE: &[u8] = &[0x00, 0x20, 0x00, 0x10, 0x00, 0x0b];

fn has_trap(code: &CompiledCode, kind: TrapKind) -> bool {
    let f = code.funcs[0];
    let in_func = |o: u32| (f.offset..f.offset + f.len).contains(&o);
    code.traps
        .iter()
        .any(|t| in_func(t.offset) && t.kind == kind)
}

#[test]
fn compiles_functions_and_trampolines_with_trap_sites() {
    let code = compile(&env(0), LOAD).unwrap();
    assert_eq!(code.funcs.len(), 1);
    assert_eq!(code.array_trampolines.len(), 1);
    assert_eq!(code.host_trampolines.len(), 1);
    // An explicitly checked load traps as out of bounds.
    assert!(has_trap(&code, TrapKind::MemoryOutOfBounds));
    assert!(code.traps.windows(2).all(|w| w[0].offset <= w[1].offset));
}

#[test]
fn only_functions_that_call_or_have_a_frame_check_the_stack() {
    // A leaf without a frame needs only its return address: no check.
    assert!(!has_trap(
        &compile(&env(0), LOAD).unwrap(),
        TrapKind::StackOverflow
    ));
    assert!(has_trap(
        &compile(&env(0), RECURSE).unwrap(),
        TrapKind::StackOverflow
    ));
}

/// What `throws::analyze` says of functions with these bodies (`imports` imported first).
fn throws_of(imports: u32, closed: bool, bodies: &[&[u8]]) -> Throws {
    let mut env = env(0);
    env.num_imported_funcs = imports;
    env.func_types = vec![0; imports as usize + bodies.len()];
    env.closed = closed;
    let bodies: Vec<FuncBody<'_>> = bodies
        .iter()
        .map(|b| FuncBody {
            bytes: b,
            offset: 0,
        })
        .collect();
    crate::throws::analyze(&env, &bodies).unwrap()
}

#[test]
fn exceptions_are_checked_for_only_after_calls_that_may_throw() {
    const PURE: &[u8] = &[0x00, 0x0b];
    const THROW: &[u8] = &[0x00, 0x08, 0x00, 0x0b];
    let call = |f: u8| vec![0x00, 0x10, f, 0x0b];
    // call_indirect (type 0) (table 0)
    const INDIRECT: &[u8] = &[0x00, 0x11, 0x00, 0x00, 0x0b];
    // Throwing spreads to direct callers, and then to calls through tables.
    let t = throws_of(0, true, &[&call(1), THROW, PURE, &call(2), INDIRECT]);
    assert_eq!(t.funcs, [true, true, false, false, true]);
    assert!(t.indirect);
    // Nothing throws: a closed module's calls through tables cannot either.
    let t = throws_of(0, true, &[PURE, INDIRECT, &call(1)]);
    assert_eq!(t.funcs, [false, false, false]);
    assert!(!t.indirect);
    // In an open module they may reach anything.
    let t = throws_of(0, false, &[PURE, INDIRECT, &call(1)]);
    assert_eq!(t.funcs, [false, true, true]);
    assert!(t.indirect);
    // Imports may always throw.
    let t = throws_of(1, true, &[&call(0), PURE]);
    assert_eq!(t.funcs, [true, true, false]);
    assert!(t.indirect);
}

#[test]
fn guard_reservations_leave_the_check_to_the_hardware() {
    let checked = compile(&env(0), LOAD).unwrap();
    let guarded = compile(&env(6 << 30), LOAD).unwrap();
    let oob = |c: &CompiledCode| {
        c.traps
            .iter()
            .filter(|t| t.kind == TrapKind::MemoryOutOfBounds)
            .count()
    };
    // Both trap on out-of-bounds loads, but the guarded one needs no compare and branch.
    assert_eq!(oob(&checked), 1);
    assert_eq!(oob(&guarded), 1);
    assert!(guarded.funcs[0].len < checked.funcs[0].len);
}

#[test]
fn malformed_bodies_are_errors_not_panics() {
    for cut in 0..LOAD.len() - 1 {
        assert!(compile(&env(0), &LOAD[..cut]).is_err(), "cut at {cut}");
    }
}
