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
        vmctx_defined_funcs: 48,
        store_stack_limit: 0,
        store_funcrefs: 8,
        store_funcrefs_len: 176,
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
        inlining: true,
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

/// Function bodies at offset 0.
fn func_bodies<'a>(bodies: &[&'a [u8]]) -> Vec<FuncBody<'a>> {
    bodies
        .iter()
        .map(|b| FuncBody {
            bytes: b,
            offset: 0,
        })
        .collect()
}

/// What `throws::analyze` says of functions with these bodies (`imports` imported first).
fn throws_of(imports: u32, closed: bool, bodies: &[&[u8]]) -> Throws {
    let mut env = env(0);
    env.num_imported_funcs = imports;
    env.func_types = vec![0; imports as usize + bodies.len()];
    env.closed = closed;
    let bodies = func_bodies(bodies);
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

/// `local.get 0; call 0; end`: calls function 0.
const CALL_0: &[u8] = &[0x00, 0x20, 0x00, 0x10, 0x00, 0x0b];

/// `local.get 0; call 1; end`: calls function 1.
const CALL_1: &[u8] = &[0x00, 0x20, 0x00, 0x10, 0x01, 0x0b];

/// `local.get 0; call 2; end`: calls function 2.
const CALL_2: &[u8] = &[0x00, 0x20, 0x00, 0x10, 0x02, 0x0b];

/// Compiles `bodies` (all of type `(i32) -> i32`, with one memory), inlining or not.
fn compile_all(bodies: &[&[u8]], inlining: bool) -> CompiledCode {
    let mut env = env(0);
    env.func_types = vec![0; bodies.len()];
    env.inlining = inlining;
    let isa = Isa::host(false, false).unwrap();
    let bodies = func_bodies(bodies);
    compile_module(&isa, &env, &bodies, 2, &|_, _| {}).unwrap()
}

/// Whether function `from`'s code holds a direct call (`call rel32`) to function `to`.
fn calls(code: &CompiledCode, from: usize, to: usize) -> bool {
    let f = code.funcs[from];
    let target = code.funcs[to].offset as i64;
    (f.offset..f.offset + f.len.saturating_sub(4)).any(|at| {
        let at = at as usize;
        let field = &code.code[at + 1..at + 5];
        let rel = i32::from_le_bytes(field.try_into().unwrap()) as i64;
        code.code[at] == 0xe8 && at as i64 + 5 + rel == target
    })
}

/// Whether function `f` has a trap site of `kind`.
fn traps_in(code: &CompiledCode, f: usize, kind: TrapKind) -> bool {
    let r = code.funcs[f];
    code.traps
        .iter()
        .any(|t| (r.offset..r.offset + r.len).contains(&t.offset) && t.kind == kind)
}

#[test]
fn small_direct_callees_are_inlined_with_their_trap_sites() {
    let plain = compile_all(&[LOAD, CALL_0], false);
    assert!(calls(&plain, 1, 0));
    assert!(!traps_in(&plain, 1, TrapKind::MemoryOutOfBounds));
    // Inlined: no call left, and the callee's load traps as out of bounds in the caller.
    let inlined = compile_all(&[LOAD, CALL_0], true);
    assert!(!calls(&inlined, 1, 0));
    assert!(traps_in(&inlined, 1, TrapKind::MemoryOutOfBounds));
    // The callee itself is still compiled on its own.
    assert!(traps_in(&inlined, 0, TrapKind::MemoryOutOfBounds));
}

#[test]
fn recursive_callees_stay_calls_and_cycles_stop() {
    // Function 0 calls itself: never inlined, so function 1 keeps its call.
    let code = compile_all(&[CALL_0, CALL_0], true);
    assert!(calls(&code, 1, 0));
    // Functions 1 and 2 call each other; each keeps a call to itself where the cycle
    // closes, and function 0 inlines 1, 2 and 1 again, nested, but no deeper.
    let code = compile_all(&[CALL_1, CALL_2, CALL_1], true);
    assert!(calls(&code, 1, 1));
    assert!(calls(&code, 2, 2));
    assert!(calls(&code, 0, 2));
    assert!(!calls(&code, 0, 1));
}

/// Recursive Fibonacci: `n < 2 ? n : f(n - 1) + f(n - 2)`, with `f` function 0.
const FIB: &[u8] = &[
    0x00, 0x20, 0x00, 0x41, 0x02, 0x49, 0x04, 0x7f, 0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b,
    0x10, 0x00, 0x20, 0x00, 0x41, 0x02, 0x6b, 0x10, 0x00, 0x6a, 0x0b, 0x0b,
];

#[test]
fn accumulating_recursion_inlines_one_copy_of_itself() {
    let code = compile_all(&[FIB, CALL_0], true);
    for f in [0, 1] {
        // Each function holds copies of function 0, none nested in another, and still
        // calls function 0 (so unbounded recursion still reaches the stack check).
        let r = code.funcs[f];
        let copies: Vec<Vec<u32>> = (r.offset..r.offset + r.len)
            .map(|o| inlined_at(&code, o))
            .filter(|s| !s.is_empty())
            .collect();
        assert!(!copies.is_empty(), "function {f} inlines function 0");
        assert!(copies.iter().all(|s| s == &[0]), "function {f}: {copies:?}");
        assert!(calls(&code, f, 0));
    }
    // Without inlining: no copies.
    let plain = compile_all(&[FIB, CALL_0], false);
    assert!(plain.inlined.is_empty() && calls(&plain, 0, 0));
}

/// The functions whose inlined code the byte at `off` runs, innermost first.
fn inlined_at(code: &CompiledCode, off: u32) -> Vec<u32> {
    let Some(r) = code
        .inlined
        .iter()
        .find(|r| (r.offset..r.offset + r.len).contains(&off))
    else {
        return Vec::new();
    };
    let mut funcs = Vec::new();
    let mut site = Some(r.site);
    while let Some(s) = site {
        let s = code.inline_sites[s as usize];
        funcs.push(s.func);
        site = s.parent;
    }
    funcs
}

#[test]
fn inlined_code_knows_which_functions_it_came_from() {
    // The callee's bounds check traps out of line (after the function's code), and its
    // trap instruction is still known to be function 0's inlined code.
    let code = compile_all(&[LOAD, CALL_0], true);
    let caller = code.funcs[1];
    let in_caller = |o: u32| (caller.offset..caller.offset + caller.len).contains(&o);
    let oob: Vec<u32> = code
        .traps
        .iter()
        .filter(|t| in_caller(t.offset) && t.kind == TrapKind::MemoryOutOfBounds)
        .map(|t| t.offset)
        .collect();
    assert!(!oob.is_empty());
    for t in oob {
        assert_eq!(inlined_at(&code, t), [0]);
    }
    // The caller's own code (its first instruction) is no inlined code.
    assert_eq!(inlined_at(&code, caller.offset), Vec::<u32>::new());
    assert!(code.inlined.iter().all(|r| in_caller(r.offset)));

    // Nested: function 0 inlines 1, 2 and 1 again; the call to 2 left at the bottom
    // returns into code inlined three deep.
    let code = compile_all(&[CALL_1, CALL_2, CALL_1], true);
    let f = code.funcs[0];
    let target = code.funcs[2].offset as i64;
    let call = (f.offset..f.offset + f.len - 4)
        .find(|&at| {
            let at = at as usize;
            let rel = i32::from_le_bytes(code.code[at + 1..at + 5].try_into().unwrap()) as i64;
            code.code[at] == 0xe8 && at as i64 + 5 + rel == target
        })
        .unwrap();
    // The return address is `call + 5`; the call's last byte belongs to the call.
    assert_eq!(inlined_at(&code, call + 4), [1, 2, 1]);
    // Without inlining there is nothing to record.
    let plain = compile_all(&[CALL_1, CALL_2, CALL_1], false);
    assert!(plain.inlined.is_empty() && plain.inline_sites.is_empty());
}
