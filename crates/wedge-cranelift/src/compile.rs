//! Compiling a whole module: functions in parallel, then linked into one block of code.

use crate::func::{self, NS_FUNC, NS_HOST_TRAMPOLINE};
use crate::inline::{self, Callee, Callees};
use crate::{trampoline, Error, FuncBody, Isa, ModuleEnv, TrapKind};
use cranelift_codegen::binemit::Reloc as ClifReloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, ExternalName, LibCall as ClifLibCall};
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::FunctionBuilderContext;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Where one function lives in the code block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRange {
    /// Offset from the start of the code.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
}

/// An instruction that traps, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapSite {
    /// Offset of the instruction from the start of the code.
    pub offset: u32,
    /// The trap kind.
    pub kind: TrapKind,
}

/// What a trap at an instruction gives back to the meter (see [`crate::Metering`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refund {
    /// Offset of the trapping instruction from the start of the code.
    pub offset: u32,
    /// Gas to give back.
    pub gas: u64,
    /// Instructions to give back.
    pub count: u32,
}

/// How a relocation is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelocKind {
    /// The absolute 64-bit address of the target.
    Abs8,
}

/// A place in the code that must hold the address of a runtime-provided routine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reloc {
    /// Offset of the field from the start of the code.
    pub offset: u32,
    /// How to write it.
    pub kind: RelocKind,
    /// Which routine: one of the float rounding helpers (`floorf32`, ... see [`Reloc::NAMES`]).
    pub target: u8,
    /// Added to the routine's address.
    pub addend: i64,
}

impl Reloc {
    /// The routines relocations can name, by `target`: what each computes, as libm names it.
    pub const NAMES: [&'static str; 8] = [
        "ceilf",
        "ceil",
        "floorf",
        "floor",
        "truncf",
        "trunc",
        "nearbyintf",
        "nearbyint",
    ];
}

/// One slot of a call site's stack map: at the call returning to `offset`, the 8 bytes at
/// `sp_offset` from the caller's stack pointer (at the call) hold a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackMapEntry {
    /// Offset of the return address in the code.
    pub offset: u32,
    /// Offset of the slot from the stack pointer at the call.
    pub sp_offset: u32,
}

/// A function inlined into another: which one, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InlineSite {
    /// Module index of the inlined function.
    pub func: u32,
    /// The site (index in [`CompiledCode::inline_sites`]) of the inlined copy it was inlined
    /// into, or `None` if it was inlined into the compiled function itself.
    pub parent: Option<u32>,
    /// Module byte offset of the call it replaces, when known.
    pub call_offset: Option<u32>,
}

/// Machine code that runs one wasm instruction (or a run of them at the same offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WasmOffset {
    /// Offset from the start of the code.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
    /// Byte offset of the wasm instruction in the module binary.
    pub module_offset: u32,
}

/// Machine code that runs an inlined copy of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InlinedRange {
    /// Offset from the start of the code.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
    /// The copy's site (index in [`CompiledCode::inline_sites`]).
    pub site: u32,
}

/// Machine code for a whole module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompiledCode {
    /// The code; position independent except for `relocs`.
    pub code: Vec<u8>,
    /// Each defined function, in module order.
    pub funcs: Vec<CodeRange>,
    /// The array trampoline of each type index.
    pub array_trampolines: Vec<u32>,
    /// The host trampoline of each type index.
    pub host_trampolines: Vec<u32>,
    /// Trapping instructions, sorted by offset.
    pub traps: Vec<TrapSite>,
    /// With metering: what a trap gives back, for the trapping instructions inside a segment
    /// whose refund is not zero, sorted by offset.
    pub refunds: Vec<Refund>,
    /// Addresses to fill in when the code is loaded.
    pub relocs: Vec<Reloc>,
    /// The references each call site's frame holds, sorted by offset.
    pub stack_maps: Vec<StackMapEntry>,
    /// The code of inlined copies (with their trap instructions and calls), sorted by
    /// offset; code in no range belongs to the function it is in.
    pub inlined: Vec<InlinedRange>,
    /// Every inlined copy's site; parents come before their children.
    pub inline_sites: Vec<InlineSite>,
    /// The wasm instruction of each stretch of a function's own code (not inlined copies),
    /// sorted by offset; empty with metering.
    pub wasm_offsets: Vec<WasmOffset>,
}

/// One compiled unit before linking.
struct Unit {
    code: Vec<u8>,
    /// (offset in unit, target unit index).
    calls: Vec<(u32, usize)>,
    relocs: Vec<Reloc>,
    traps: Vec<TrapSite>,
    refunds: Vec<Refund>,
    stack_maps: Vec<StackMapEntry>,
    /// Ranges with sites local to the unit.
    inlined: Vec<InlinedRange>,
    /// Sites, with parents local to the unit.
    inline_sites: Vec<InlineSite>,
    /// Wasm instruction offsets of the unit's code.
    wasm_offsets: Vec<WasmOffset>,
}

/// What a unit is.
#[derive(Clone, Copy)]
enum Job {
    Func(u32),
    /// An OSR entry of a defined function at one of its loops (see [`compile_osr_entry`]).
    Osr(u32, u32),
    ArrayTrampoline(u32),
    HostTrampoline(u32),
}

/// Compiles every defined function of a module and the trampolines of every type.
///
/// `bodies` are the defined functions in order. Work is spread over `threads` threads;
/// `progress` is called with the number of finished units out of
/// `bodies.len() + 2 * env.types.len()` (from any thread).
pub fn compile_module(
    isa: &Isa,
    env: &ModuleEnv,
    bodies: &[FuncBody<'_>],
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CompiledCode, Error> {
    check_isa(isa, env)?;
    let throws = crate::throws::analyze(env, bodies)?;
    let all: Vec<u32> = (0..bodies.len() as u32).collect();
    compile_jobs(
        isa, env, &throws, bodies, &all, true, None, threads, progress,
    )
}

/// Compiles some defined functions of a module into a code block of their own (for
/// compiling hot functions one batch at a time): `funcs` are defined-function indices (into
/// `bodies`, all of the module's), and the block's [`CompiledCode::funcs`] follow their order.
/// Calls between functions of the block are direct; calls to other defined functions go
/// through their slots in the context block ([`VmLayout::vmctx_defined_funcs`]). With
/// `trampolines` the block also has the array and host trampolines of every type (else
/// those lists are empty). `throws` is [`analyze_throws`] of the module. Nothing is inlined.
pub fn compile_functions(
    isa: &Isa,
    env: &ModuleEnv,
    throws: &crate::Throws,
    bodies: &[FuncBody<'_>],
    funcs: &[u32],
    trampolines: bool,
    threads: usize,
) -> Result<CompiledCode, Error> {
    check_isa(isa, env)?;
    if let Some(bad) = funcs.iter().find(|f| **f as usize >= bodies.len()) {
        return Err(Error::Unsupported(format!("no defined function {bad}")));
    }
    let mut in_block = vec![false; bodies.len()];
    for &f in funcs {
        in_block[f as usize] = true;
    }
    let env = ModuleEnv {
        inlining: false,
        ..env.clone()
    };
    compile_jobs(
        isa,
        &env,
        throws,
        bodies,
        funcs,
        trampolines,
        Some(&in_block),
        threads,
        &|_, _| {},
    )
}

/// Compiles an *on-stack-replacement entry* of defined function `func` (an index into
/// `bodies`, all of the module's) at its loop `at` (the `at`th `loop` operator of its body,
/// from 0, counting unreachable ones): code that continues a call of the function that is
/// at the start of an iteration of that loop. It has the function's signature, but ignores
/// its parameters and takes the values of all the locals (parameters first) from the buffer
/// its `caller_vmctx` points to, one 8-byte slot each, 32-bit values in the low half; it
/// returns what the function returns. The block holds that code alone, as the function's
/// ([`CompiledCode::funcs`] has one entry), and calls other functions through their slots
/// in the context block. Refused ([`Error::Unsupported`]) with metering or interrupts, for
/// a function with vector or reference locals, and for a loop with parameters, with values
/// on the operand stack when entered, or inside a `try` or `try_table`.
pub fn compile_osr_entry(
    isa: &Isa,
    env: &ModuleEnv,
    throws: &crate::Throws,
    bodies: &[FuncBody<'_>],
    func: u32,
    at: u32,
) -> Result<CompiledCode, Error> {
    check_isa(isa, env)?;
    if func as usize >= bodies.len() {
        return Err(Error::Unsupported(format!("no defined function {func}")));
    }
    let env = ModuleEnv {
        inlining: false,
        ..env.clone()
    };
    let n = bodies.len();
    let in_block = vec![false; n];
    let callees = Callees {
        env: &env,
        bodies,
        funcs: (0..n).map(|_| None).collect(),
        leaves: Vec::new(),
        recursive: vec![false; n],
        looping: vec![false; n],
    };
    let mut ctx = Context::new();
    let mut fctx = FunctionBuilderContext::new();
    let unit = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        compile_unit(
            isa,
            &env,
            throws,
            bodies,
            &callees,
            Job::Osr(func, at),
            &|_, _| None,
            Some(&in_block),
            &mut ctx,
            &mut fctx,
        )
    }))
    .unwrap_or_else(|_| {
        Err(Error::Codegen {
            func: env.num_imported_funcs + func,
            message: "internal compiler error".into(),
        })
    })?;
    let align = isa.get().function_alignment().preferred.max(16) as usize;
    Ok(link(vec![unit], 1, 0, align))
}

/// Which functions of a module may leave an exception pending (what [`compile_functions`]
/// needs to know about the whole module).
pub fn analyze_throws(env: &ModuleEnv, bodies: &[FuncBody<'_>]) -> Result<crate::Throws, Error> {
    crate::throws::analyze(env, bodies)
}

fn check_isa(isa: &Isa, env: &ModuleEnv) -> Result<(), Error> {
    if env.metering.is_some() != isa.metering() {
        return Err(Error::Host(
            "metering needs a code generator made for it (Isa::host)".into(),
        ));
    }
    Ok(())
}

/// Compiles defined functions `funcs` (and with `trampolines`, those of every type) into one
/// linked block. `in_block` (per defined function) says which calls may be direct; `None`:
/// all of them (then `funcs` must be every defined function).
#[allow(clippy::too_many_arguments)]
fn compile_jobs(
    isa: &Isa,
    env: &ModuleEnv,
    throws: &crate::Throws,
    bodies: &[FuncBody<'_>],
    funcs: &[u32],
    trampolines: bool,
    in_block: Option<&[bool]>,
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CompiledCode, Error> {
    let nfuncs = funcs.len();
    let ntypes = if trampolines { env.types.len() } else { 0 };
    let mut jobs: Vec<Job> = funcs.iter().map(|f| Job::Func(*f)).collect();
    jobs.extend((0..ntypes as u32).map(Job::ArrayTrampoline));
    jobs.extend((0..ntypes as u32).map(Job::HostTrampoline));
    // The unit of each defined function compiled here.
    let mut unit_of_def = vec![usize::MAX; bodies.len()];
    for (u, f) in funcs.iter().enumerate() {
        unit_of_def[*f as usize] = u;
    }
    // Index of the unit a relocation names.
    let unit_of = |ns: u32, index: u32| -> Option<usize> {
        match ns {
            NS_FUNC => index
                .checked_sub(env.num_imported_funcs)
                .and_then(|i| unit_of_def.get(i as usize).copied())
                .filter(|u| *u < nfuncs),
            NS_HOST_TRAMPOLINE => {
                Some(nfuncs + ntypes + index as usize).filter(|_| index < ntypes as u32)
            }
            _ => None,
        }
    };
    let nbodies = bodies.len();

    // Pass 1: the IR of every small function that may be inlined.
    let mut callees = Callees {
        env,
        bodies,
        funcs: (0..nbodies).map(|_| None).collect(),
        leaves: Vec::new(),
        recursive: vec![false; nbodies],
        looping: vec![false; nbodies],
    };
    if inline::enabled(env) {
        let candidates: Vec<usize> = (0..nbodies)
            .filter(|i| inline::is_candidate(&bodies[*i]))
            .collect();
        let in_order: Vec<usize> = (0..candidates.len()).collect();
        let translated = parallel(
            &in_order,
            threads,
            &|k, _, fctx| {
                Ok(translate_callee(
                    isa,
                    env,
                    throws,
                    bodies,
                    candidates[k],
                    fctx,
                ))
            },
            &|_| Error::Unsupported("internal compiler error".into()),
            &|| {},
        );
        // A body that fails here fails again, with its error, in pass 2.
        callees.leaves = vec![false; nbodies];
        for (k, r) in translated.into_iter().enumerate() {
            if let Some(Ok(Some(c))) = r {
                callees.leaves[candidates[k]] = c.leaf;
                callees.recursive[candidates[k]] = c.recursive;
                callees.looping[candidates[k]] = c.looping;
                callees.funcs[candidates[k]] = Some(c.func);
            }
        }
    }

    // Pass 2: every unit, with candidates inlined into functions. The largest bodies start
    // first, so that no thread is left compiling a large function alone at the end (the
    // units keep their places; the order changes nothing in the code).
    let total = jobs.len();
    let mut order: Vec<usize> = (0..total).collect();
    order.sort_by_key(|i| match jobs[*i] {
        Job::Func(f) | Job::Osr(f, _) => std::cmp::Reverse(bodies[f as usize].bytes.len()),
        _ => std::cmp::Reverse(0),
    });
    let done = AtomicUsize::new(0);
    let results = parallel(
        &order,
        threads,
        &|i, ctx, fctx| {
            compile_unit(
                isa, env, throws, bodies, &callees, jobs[i], &unit_of, in_block, ctx, fctx,
            )
        },
        &|i| Error::Codegen {
            func: match jobs[i] {
                Job::Func(f) | Job::Osr(f, _) => env.num_imported_funcs + f,
                _ => u32::MAX,
            },
            message: "internal compiler error".into(),
        },
        &|| progress(done.fetch_add(1, Ordering::Relaxed) + 1, total),
    );
    drop(callees);
    let mut units = Vec::with_capacity(total);
    for r in results {
        match r {
            Some(Ok(u)) => units.push(u),
            Some(Err(e)) => return Err(e),
            None => {}
        }
    }
    if units.len() != total {
        return Err(Error::Unsupported("compilation stopped early".into()));
    }
    let align = isa.get().function_alignment().preferred.max(16) as usize;
    Ok(link(units, nfuncs, ntypes, align))
}

/// Runs `work` for the jobs in `order` (a permutation of `0..total`), started in that order
/// on up to `threads` threads, each with its own contexts, calling `finished` after each
/// job. Stops starting jobs after the first error; the results of jobs not run are `None`.
/// A panic in job `i` (a bug, or input the validator should have refused) becomes the
/// error `panicked(i)`.
fn parallel<T: Send>(
    order: &[usize],
    threads: usize,
    work: &(dyn Fn(usize, &mut Context, &mut FunctionBuilderContext) -> Result<T, Error> + Sync),
    panicked: &(dyn Fn(usize) -> Error + Sync),
    finished: &(dyn Fn() + Sync),
) -> Vec<Option<Result<T, Error>>> {
    let total = order.len();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<T, Error>>>> =
        Mutex::new((0..total).map(|_| None).collect());
    let threads = threads.clamp(1, total.max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut ctx = Context::new();
                let mut fctx = FunctionBuilderContext::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= total || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = order[k];
                    // The contexts are rebuilt after a panic in case it left them half-used.
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        work(i, &mut ctx, &mut fctx)
                    }))
                    .unwrap_or_else(|_| {
                        ctx = Context::new();
                        fctx = FunctionBuilderContext::new();
                        Err(panicked(i))
                    });
                    if r.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                    finished();
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The IR of defined function `i` if it may be inlined; `None` if not, or if it does not
/// translate.
fn translate_callee(
    isa: &Isa,
    env: &ModuleEnv,
    throws: &crate::Throws,
    bodies: &[FuncBody<'_>],
    i: usize,
    fctx: &mut FunctionBuilderContext,
) -> Option<Callee> {
    let mut func = ir::Function::new();
    let index = env.num_imported_funcs + i as u32;
    let options = func::Options {
        throws,
        leaves: &[],
        inline_copy: true,
        in_block: None,
        osr: None,
    };
    let t = func::translate_function(env, isa.get(), index, bodies[i], &mut func, fctx, options)
        .ok()?;
    // The inliner wants valid IR; a function that fails the verifier is left to pass 2.
    let valid = cranelift_codegen::verify_function(&func, isa.get().flags()).is_ok();
    inline::tag_calls(&mut func);
    ((t.inlinable || t.recursive) && valid).then(|| Callee {
        looping: inline::has_loop(&func),
        func: Box::new(func),
        leaf: t.leaf,
        recursive: t.recursive,
    })
}

#[allow(clippy::too_many_arguments)]
fn compile_unit(
    isa: &Isa,
    env: &ModuleEnv,
    throws: &crate::Throws,
    bodies: &[FuncBody<'_>],
    callees: &Callees<'_>,
    job: Job,
    unit_of: &dyn Fn(u32, u32) -> Option<usize>,
    in_block: Option<&[bool]>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
) -> Result<Unit, Error> {
    let isa = isa.get();
    ctx.clear();
    ctx.func = ir::Function::new();
    let mut record_refunds = Vec::new();
    let mut inline_sites = Vec::new();
    let func_index = match job {
        Job::Func(i) | Job::Osr(i, _) => {
            let index = env.num_imported_funcs + i;
            let options = func::Options {
                throws,
                leaves: &callees.leaves,
                inline_copy: false,
                in_block,
                osr: match job {
                    Job::Osr(_, at) => Some(at),
                    _ => None,
                },
            };
            let body = bodies[i as usize];
            record_refunds =
                func::translate_function(env, isa, index, body, &mut ctx.func, fctx, options)?
                    .refunds;
            if inline::enabled(env) {
                let mut inliner = callees.inliner(index, &ctx.func);
                ctx.inline(&mut inliner).map_err(|e| Error::Codegen {
                    func: index,
                    message: format!("inlining: {e:?}"),
                })?;
                inliner.mark_sites(&mut ctx.func);
                inline_sites = inliner.sites;
            }
            index
        }
        Job::ArrayTrampoline(t) => {
            trampoline::array_trampoline(isa, env, &env.types[t as usize], t, &mut ctx.func, fctx);
            u32::MAX
        }
        Job::HostTrampoline(t) => {
            trampoline::host_trampoline(isa, env, &env.types[t as usize], t, &mut ctx.func, fctx);
            u32::MAX
        }
    };
    let mut ctrl = ControlPlane::default();
    let compiled = ctx.compile(isa, &mut ctrl).map_err(|e| Error::Codegen {
        func: func_index,
        message: format!("{:?}", e.inner),
    })?;
    let code = compiled.code_buffer().to_vec();
    let buffer = compiled.buffer.clone();
    let mut unit = Unit {
        code,
        calls: Vec::new(),
        relocs: Vec::new(),
        traps: Vec::new(),
        refunds: Vec::new(),
        stack_maps: Vec::new(),
        inlined: Vec::new(),
        inline_sites: Vec::new(),
        wasm_offsets: Vec::new(),
    };
    for (offset, _, map) in buffer.user_stack_maps() {
        for (_, sp_offset) in map.entries() {
            unit.stack_maps.push(StackMapEntry {
                offset: *offset,
                sp_offset,
            });
        }
    }
    let srclocs = buffer.get_srclocs_sorted();
    if env.metering.is_none() {
        // Without metering a location is a wasm offset plus one, or (high bit) an inline site.
        for s in srclocs
            .iter()
            .filter(|s| !s.loc.is_default() && s.end > s.start)
        {
            let bits = s.loc.bits();
            if bits & crate::inline::SITE_BIT != 0 {
                let site = bits & !crate::inline::SITE_BIT;
                match unit.inlined.last_mut() {
                    Some(r) if r.site == site && r.offset + r.len == s.start => {
                        r.len += s.end - s.start
                    }
                    _ => unit.inlined.push(InlinedRange {
                        offset: s.start,
                        len: s.end - s.start,
                        site,
                    }),
                }
                continue;
            }
            let module_offset = bits - 1;
            match unit.wasm_offsets.last_mut() {
                Some(r) if r.module_offset == module_offset && r.offset + r.len == s.start => {
                    r.len += s.end - s.start
                }
                _ => unit.wasm_offsets.push(WasmOffset {
                    offset: s.start,
                    len: s.end - s.start,
                    module_offset,
                }),
            }
        }
        unit.inline_sites = inline_sites;
    }
    for t in buffer.traps() {
        let kind = func::trap_kind(t.code)
            .ok_or_else(|| Error::Unsupported(format!("trap code {:?}", t.code)))?;
        unit.traps.push(TrapSite {
            offset: t.offset,
            kind,
        });
        // The record of the operator the instruction belongs to names its refund.
        let at = srclocs.partition_point(|s| s.start <= t.offset);
        let loc = at
            .checked_sub(1)
            .map(|i| &srclocs[i])
            .filter(|s| t.offset < s.end && !s.loc.is_default());
        let refund = loc.and_then(|s| record_refunds.get(s.loc.bits() as usize));
        if refund.is_none() && !record_refunds.is_empty() && kind != TrapKind::StackOverflow {
            // Counts must be exact: never guess which operator a trap belongs to (the
            // prologue's stack check is before any charge).
            return Err(Error::Unsupported(format!(
                "metering: a trap site without its operator in function {func_index}"
            )));
        }
        if let Some(&(gas, count)) = refund {
            if (gas, count) != (0, 0) {
                unit.refunds.push(Refund {
                    offset: t.offset,
                    gas,
                    count,
                });
            }
        }
    }
    let names = ctx.func.params.user_named_funcs();
    for r in buffer.relocs() {
        let target = match &r.target {
            FinalizedRelocTarget::ExternalName(n) => n,
            FinalizedRelocTarget::Func(_) => {
                return Err(Error::Unsupported("intra-function relocation".into()))
            }
        };
        match (target, r.kind) {
            (ExternalName::User(name), ClifReloc::X86CallPCRel4 | ClifReloc::X86CallPLTRel4) => {
                let n = &names[*name];
                let unit_index = unit_of(n.namespace, n.index).ok_or_else(|| {
                    Error::Unsupported(format!("call to unknown {}:{}", n.namespace, n.index))
                })?;
                if r.addend != -4 {
                    return Err(Error::Unsupported(format!("call addend {}", r.addend)));
                }
                unit.calls.push((r.offset, unit_index));
            }
            (ExternalName::LibCall(lc), ClifReloc::Abs8) => {
                let target = match lc {
                    ClifLibCall::CeilF32 => 0,
                    ClifLibCall::CeilF64 => 1,
                    ClifLibCall::FloorF32 => 2,
                    ClifLibCall::FloorF64 => 3,
                    ClifLibCall::TruncF32 => 4,
                    ClifLibCall::TruncF64 => 5,
                    ClifLibCall::NearestF32 => 6,
                    ClifLibCall::NearestF64 => 7,
                    other => {
                        return Err(Error::Unsupported(format!("library call {other}")));
                    }
                };
                unit.relocs.push(Reloc {
                    offset: r.offset,
                    kind: RelocKind::Abs8,
                    target,
                    addend: r.addend,
                });
            }
            (t, k) => {
                return Err(Error::Unsupported(format!("relocation {k:?} to {t:?}")));
            }
        }
    }
    Ok(unit)
}

/// Lays the units out one after another (each at a multiple of `align` bytes) and resolves
/// the calls between them.
fn link(units: Vec<Unit>, nfuncs: usize, ntypes: usize, align: usize) -> CompiledCode {
    let mut out = CompiledCode::default();
    let mut starts = Vec::with_capacity(units.len());
    for u in &units {
        while !out.code.len().is_multiple_of(align) {
            out.code.push(0xcc);
        }
        starts.push(out.code.len() as u32);
        out.code.extend_from_slice(&u.code);
    }
    for (i, u) in units.iter().enumerate() {
        let start = starts[i];
        for &(off, target) in &u.calls {
            let at = (start + off) as usize;
            // PC-relative to the end of the 4-byte field.
            let rel = starts[target] as i64 - (at as i64 + 4);
            out.code[at..at + 4].copy_from_slice(&(rel as i32).to_le_bytes());
        }
        for r in &u.relocs {
            out.relocs.push(Reloc {
                offset: start + r.offset,
                ..*r
            });
        }
        for t in &u.traps {
            out.traps.push(TrapSite {
                offset: start + t.offset,
                kind: t.kind,
            });
        }
        for r in &u.refunds {
            out.refunds.push(Refund {
                offset: start + r.offset,
                ..*r
            });
        }
        for m in &u.stack_maps {
            out.stack_maps.push(StackMapEntry {
                offset: start + m.offset,
                ..*m
            });
        }
        let first_site = out.inline_sites.len() as u32;
        for r in &u.inlined {
            out.inlined.push(InlinedRange {
                offset: start + r.offset,
                len: r.len,
                site: first_site + r.site,
            });
        }
        for s in &u.inline_sites {
            out.inline_sites.push(InlineSite {
                func: s.func,
                parent: s.parent.map(|p| first_site + p),
                call_offset: s.call_offset,
            });
        }
        for w in &u.wasm_offsets {
            out.wasm_offsets.push(WasmOffset {
                offset: start + w.offset,
                ..*w
            });
        }
        let range = CodeRange {
            offset: start,
            len: u.code.len() as u32,
        };
        if i < nfuncs {
            out.funcs.push(range);
        } else if i < nfuncs + ntypes {
            out.array_trampolines.push(start);
        } else {
            out.host_trampolines.push(start);
        }
    }
    out.traps.sort_by_key(|t| t.offset);
    out.refunds.sort_by_key(|r| r.offset);
    out.stack_maps.sort_by_key(|m| (m.offset, m.sp_offset));
    out.inlined.sort_by_key(|r| r.offset);
    out.wasm_offsets.sort_by_key(|w| w.offset);
    out
}
