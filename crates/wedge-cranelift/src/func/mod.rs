//! Translation of one wasm function body to Cranelift IR: the function entry, locals and the
//! operand stack. Control flow, calls and the operators are in the sibling files.

mod accumulate;
mod atomic;
mod br_table;
mod calls;
mod control;
mod exceptions;
mod gc;
mod gc_access;
mod memory;
mod memory_copy;
mod meter;
mod numeric;
mod simd;
mod simd_relaxed;

use crate::{Error, FuncSig, ModuleEnv, TrapKind, WasmType};
use control::{Frame, FrameKind};
use cranelift_codegen::ir::{
    self, types, AbiParam, ArgumentPurpose, BlockArg, FuncRef, GlobalValueData, InstBuilder,
    MemFlagsData, SigRef, Signature, SourceLoc, TrapCode, Type, UserFuncName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use wasmparser::{BinaryReader, FunctionBody, Operator};

/// External-name namespace of module functions (index = module function index).
pub(crate) const NS_FUNC: u32 = 0;
/// External-name namespace of host trampolines (index = type index).
pub(crate) const NS_HOST_TRAMPOLINE: u32 = 1;

/// The Cranelift trap code for a Wedge trap kind.
pub(crate) fn trap_code(kind: TrapKind) -> TrapCode {
    match kind {
        TrapKind::StackOverflow => TrapCode::STACK_OVERFLOW,
        TrapKind::MemoryOutOfBounds => TrapCode::HEAP_OUT_OF_BOUNDS,
        TrapKind::IntegerDivideByZero => TrapCode::INTEGER_DIVISION_BY_ZERO,
        TrapKind::IntegerOverflow => TrapCode::INTEGER_OVERFLOW,
        TrapKind::BadConversionToInteger => TrapCode::BAD_CONVERSION_TO_INTEGER,
        other => TrapCode::unwrap_user(other as u8),
    }
}

/// The Wedge trap kind of a Cranelift trap code.
pub(crate) fn trap_kind(code: TrapCode) -> Option<TrapKind> {
    Some(match code {
        TrapCode::STACK_OVERFLOW => TrapKind::StackOverflow,
        TrapCode::HEAP_OUT_OF_BOUNDS => TrapKind::MemoryOutOfBounds,
        TrapCode::INTEGER_DIVISION_BY_ZERO => TrapKind::IntegerDivideByZero,
        TrapCode::INTEGER_OVERFLOW => TrapKind::IntegerOverflow,
        TrapCode::BAD_CONVERSION_TO_INTEGER => TrapKind::BadConversionToInteger,
        _ => TrapKind::from_u8(code.as_raw().get())?,
    })
}

/// The Cranelift type of a wasm value (vectors are canonically `i8x16`).
pub(crate) fn clif_type(t: WasmType) -> Type {
    match t {
        WasmType::I32 => types::I32,
        WasmType::I64 | WasmType::Ref | WasmType::FuncRef => types::I64,
        WasmType::F32 => types::F32,
        WasmType::F64 => types::F64,
        WasmType::V128 => types::I8X16,
    }
}

/// The Cranelift signature of a wasm function: `(callee_vmctx, caller_vmctx, params...)`.
pub(crate) fn wasm_signature(sig: &FuncSig) -> Signature {
    let mut s = Signature::new(CallConv::Tail);
    s.params
        .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
    s.params.push(AbiParam::new(types::I64));
    s.params
        .extend(sig.params.iter().map(|t| AbiParam::new(clif_type(*t))));
    s.returns
        .extend(sig.results.iter().map(|t| AbiParam::new(clif_type(*t))));
    s
}

/// Where a function finds a memory.
pub(crate) struct Heap {
    /// The base address, loaded at the function entry.
    pub(crate) base: Value,
    /// The length in bytes, for memories that keep it in a variable reloaded after anything
    /// that may grow a memory (calls, `memory.grow`), so loops keep it in a register.
    pub(crate) len: Option<Variable>,
}

/// Translates one function.
pub(crate) struct Translator<'a, 'b> {
    pub(crate) env: &'a ModuleEnv,
    pub(crate) isa: &'a dyn TargetIsa,
    pub(crate) b: FunctionBuilder<'b>,
    /// Module index of the function being translated.
    pub(crate) func_index: u32,
    pub(crate) vmctx: Value,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    locals: Vec<(Variable, Type)>,
    /// Whether the code being translated is reachable.
    reachable: bool,
    /// Nesting depth of blocks opened inside unreachable code.
    skip_depth: u32,
    sigs: HashMap<u32, SigRef>,
    funcs: HashMap<(u32, u32), FuncRef>,
    libcall_sigs: HashMap<u32, SigRef>,
    /// Base and length of each memory.
    pub(crate) heaps: Vec<Heap>,
    /// Bounds already checked in the current block: (memory, address value) to the largest
    /// checked end offset. Memories never shrink, so a passed check stays true.
    pub(crate) checked: HashMap<(u32, Value), u64>,
    /// The block `checked` is about.
    pub(crate) checked_block: Option<ir::Block>,
    /// Metering segments and interruption points.
    points: meter::Points,
    /// The block that returns from the function with an exception pending, once needed.
    propagate: Option<ir::Block>,
    /// Whether the function may be inlined into its callers (see [`Translated::inlinable`]).
    inlinable: bool,
    /// Whether the function calls nothing (see [`Translated::leaf`]).
    leaf: bool,
    /// What is known about the functions this one calls.
    options: Options<'a>,
    /// Calls of itself that become loop iterations (see `accumulate`).
    accumulate: Option<accumulate::Plan>,
    /// The value last stored in a local (see `Translator::fence_counter`).
    pub(crate) stored: Option<Value>,
    /// For an OSR entry: the loop it enters and that loop's header, made up front (jumped to
    /// from the entry block, used when translation reaches the loop).
    osr: Option<(u32, ir::Block)>,
    /// How many `loop` operators were read so far (reachable or not).
    loops: u32,
}

/// What translation may rely on, besides the module.
#[derive(Clone, Copy)]
pub(crate) struct Options<'a> {
    /// Which calls may leave an exception pending.
    pub(crate) throws: &'a crate::Throws,
    /// For each defined function, whether it is a leaf (see [`Translated::leaf`]): a call to
    /// a leaf needs no exception check and no reload of memory lengths after it. Empty when
    /// unknown.
    pub(crate) leaves: &'a [bool],
    /// Translate a copy to inline into callers: without the stack check, which the
    /// caller's covers.
    pub(crate) inline_copy: bool,
    /// For each defined function, whether it is compiled into the same code block, so a
    /// direct call can reach it; the others are called through their slot in the context
    /// block ([`crate::VmLayout::vmctx_defined_funcs`]). `None`: every function is.
    pub(crate) in_block: Option<&'a [bool]>,
    /// Translate an on-stack-replacement entry at this loop (see [`crate::compile_osr_entry`])
    /// instead of the function's own entry.
    pub(crate) osr: Option<u32>,
}

/// What translating a function found out besides its code.
pub(crate) struct Translated {
    /// When metering, what a trap gives back at each source location the code carries (see
    /// `meter`).
    pub(crate) refunds: Vec<(u64, u32)>,
    /// Whether the code may be copied into a caller's: it has no tail call, no call to
    /// itself and no runtime call that records the calling frame (those name this function
    /// and its frame for backtraces, exception dispatch and the collector's stack walk).
    pub(crate) inlinable: bool,
    /// Whether the function's calls of itself become a loop (see `accumulate`): then its
    /// body runs nothing but harmless operators and calls of itself, and a copy of it may
    /// replace one of its own calls (see [`crate::inline`]).
    pub(crate) recursive: bool,
    /// Whether the function is inlinable and calls nothing at all (apart from `memory.copy`
    /// and `memory.fill`), so it can neither throw nor grow a memory.
    pub(crate) leaf: bool,
}

/// Compiles the body of module function `func_index` into `func`.
pub(crate) fn translate_function(
    env: &ModuleEnv,
    isa: &dyn TargetIsa,
    func_index: u32,
    body: crate::FuncBody<'_>,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
    options: Options<'_>,
) -> Result<Translated, Error> {
    let sig = &env.types[env.func_types[func_index as usize] as usize];
    func.signature = wasm_signature(sig);
    func.name = UserFuncName::user(NS_FUNC, func_index);
    // Metered and interruptible code counts function entries: no calls become loops there
    // (nor in an OSR entry, which does not start at the function's first operator).
    let accumulate = (!env.interruptible && env.metering.is_none() && options.osr.is_none())
        .then(|| {
            let results: Vec<Type> = sig.results.iter().map(|t| clif_type(*t)).collect();
            accumulate::plan(func_index, &results, body)
        })
        .flatten();
    let b = FunctionBuilder::new(func, fctx);
    let mut t = Translator {
        env,
        isa,
        b,
        func_index,
        vmctx: Value::reserved_value(),
        stack: Vec::new(),
        frames: Vec::new(),
        locals: Vec::new(),
        reachable: true,
        skip_depth: 0,
        sigs: HashMap::new(),
        funcs: HashMap::new(),
        libcall_sigs: HashMap::new(),
        heaps: Vec::new(),
        checked: HashMap::new(),
        checked_block: None,
        points: meter::Points::new(),
        propagate: None,
        inlinable: true,
        leaf: true,
        options,
        accumulate,
        stored: None,
        osr: None,
        loops: 0,
    };
    t.translate(sig, body)?;
    let refunds = t.finish_points();
    let (inlinable, leaf) = (t.inlinable, t.inlinable && t.leaf);
    let recursive = t.accumulate.is_some();
    t.b.finalize(isa.frontend_config());
    Ok(Translated {
        refunds,
        inlinable,
        recursive,
        leaf,
    })
}

use cranelift_codegen::entity::packed_option::ReservedValue;

impl<'a, 'b> Translator<'a, 'b> {
    fn translate(&mut self, sig: &FuncSig, body: crate::FuncBody<'_>) -> Result<(), Error> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        let params = self.b.block_params(entry).to_vec();
        self.vmctx = params[0];
        let numeric = |t: WasmType| {
            matches!(
                t,
                WasmType::I32 | WasmType::I64 | WasmType::F32 | WasmType::F64
            )
        };
        let osr = self.options.osr.is_some();
        if osr && !sig.params.iter().all(|t| numeric(*t)) {
            return Err(Error::Unsupported(
                "OSR entry with non-numeric locals".into(),
            ));
        }
        for (i, t) in sig.params.iter().enumerate() {
            let ty = clif_type(*t);
            let var = self.b.declare_var(ty);
            if *t == WasmType::Ref {
                self.b.declare_var_needs_stack_map(var);
            }
            self.b.def_var(var, params[i + 2]);
            self.locals.push((var, ty));
        }
        let body = FunctionBody::new(BinaryReader::new(body.bytes, body.offset as u64));
        for local in body.get_locals_reader()? {
            let (count, t) = local?;
            let wt = self.ref_kind(t);
            let ty = clif_type(wt);
            if osr && !numeric(wt) {
                return Err(Error::Unsupported(
                    "OSR entry with non-numeric locals".into(),
                ));
            }
            for _ in 0..count {
                let var = self.b.declare_var(ty);
                if wt == WasmType::Ref {
                    self.b.declare_var_needs_stack_map(var);
                }
                let zero = self.zero(ty);
                self.b.def_var(var, zero);
                self.locals.push((var, ty));
            }
        }
        if !self.options.inline_copy {
            self.stack_check();
        }
        self.declare_memories();
        if let Some(target) = self.options.osr {
            self.enter_osr(target, params[1])?;
        }
        self.meter_entry();
        self.start_accumulating(sig.params.len());
        let ret = self.b.create_block();
        for t in &sig.results {
            self.b.append_block_param(ret, clif_type(*t));
        }
        self.push_frame(FrameKind::Func, ret, None, 0, sig.results.len());
        let points = self.env.interruptible || self.env.metering.is_some();
        let mut reader = body.get_operators_reader()?;
        let offsets = self.env.metering.is_none();
        let mut index = 0;
        while !reader.eof() {
            if offsets {
                // Without metering (which owns the source locations) each instruction's
                // location is its wasm offset plus one, for backtraces.
                let loc = u32::try_from(reader.original_position() + 1)
                    .ok()
                    .filter(|l| l & crate::inline::SITE_BIT == 0)
                    .map_or(SourceLoc::default(), SourceLoc::new);
                self.b.set_srcloc(loc);
            }
            let op = reader.read()?;
            index += 1;
            if self.frames.is_empty() {
                return Err(Error::Unsupported(
                    "operators after the end of the body".into(),
                ));
            }
            if let Operator::Loop { .. } = op {
                self.loops += 1;
            }
            if self.skip(&op)? {
                continue;
            }
            if let Operator::Call { function_index } = op {
                if function_index == self.func_index
                    && self.accumulate_call(index - 1, sig.params.len())
                {
                    continue;
                }
            }
            if points {
                if self.reachable {
                    self.before_operator(&op);
                }
                self.operator(op.clone())?;
                self.after_operator(&op);
            } else {
                self.operator(op)?;
            }
        }
        if !self.frames.is_empty() {
            return Err(Error::Unsupported(
                "function body ends without `end`".into(),
            ));
        }
        if self.osr.is_some() {
            return Err(Error::Unsupported(
                "OSR entry at a loop it cannot enter".into(),
            ));
        }
        self.finish_accumulating();
        self.finish_propagate();
        Ok(())
    }

    /// Ends the entry block of an OSR entry at loop `target` (the `target`th `loop` operator
    /// of the body, from 0): sets every local from the buffer at `buffer` (one 8-byte slot
    /// each, in local order, as the interpreter keeps them: 32-bit values in the low half)
    /// and jumps to the loop's header. The body's code before the loop is translated into a
    /// block nothing reaches, which Cranelift drops.
    fn enter_osr(&mut self, target: u32, buffer: Value) -> Result<(), Error> {
        if self.env.metering.is_some() || self.env.interruptible {
            return Err(Error::Unsupported(
                "OSR entry with metering or interrupts".into(),
            ));
        }
        let flags = MemFlagsData::trusted().with_endianness(ir::Endianness::Little);
        for i in 0..self.locals.len() {
            let (var, ty) = self.locals[i];
            let v = self.b.ins().load(ty, flags, buffer, 8 * i as i32);
            self.b.def_var(var, v);
        }
        let header = self.b.create_block();
        self.b.ins().jump(header, &[]);
        self.osr = Some((target, header));
        let unreached = self.b.create_block();
        self.b.switch_to_block(unreached);
        self.b.seal_block(unreached);
        Ok(())
    }

    /// The header made up front for the loop being opened if it is the OSR entry's: checks
    /// that it can be entered there (no parameters, nothing on the operand stack, no
    /// enclosing exception handler).
    pub(crate) fn osr_header(&mut self, num_params: usize) -> Result<Option<ir::Block>, Error> {
        match self.osr {
            Some((target, header)) if target + 1 == self.loops => {
                let handler = self
                    .frames
                    .iter()
                    .any(|f| matches!(f.kind, FrameKind::TryTable { .. } | FrameKind::Try { .. }));
                if num_params != 0 || !self.stack.is_empty() || handler || !self.reachable {
                    return Err(Error::Unsupported("OSR entry at this loop".into()));
                }
                self.osr = None;
                Ok(Some(header))
            }
            _ => Ok(None),
        }
    }

    /// A zero of any type.
    pub(crate) fn zero(&mut self, ty: Type) -> Value {
        match ty {
            types::F32 => self.b.ins().f32const(0.0),
            types::F64 => self.b.ins().f64const(0.0),
            t if t.is_vector() => {
                let c = self.b.func.dfg.constants.insert(vec![0u8; 16].into());
                self.b.ins().vconst(t, c)
            }
            t => self.b.ins().iconst(t, 0),
        }
    }

    /// Has the prologue trap if the stack pointer, less this function's frame, would fall
    /// below the store's stack limit. Cranelift emits the check before the frame is
    /// allocated and leaves it out of leaf functions without a frame (they need only
    /// their return address, which the reserve below the limit holds).
    fn stack_check(&mut self) {
        let flags = &mut self.b.func.dfg.mem_flags;
        let readonly = flags.insert_unchecked(MemFlagsData::trusted().with_readonly());
        let plain = flags.insert_unchecked(MemFlagsData::trusted());
        let vmctx = self.b.create_global_value(GlobalValueData::VMContext);
        let store = self.b.create_global_value(GlobalValueData::Load {
            base: vmctx,
            offset: self.env.layout.vmctx_store.into(),
            global_type: types::I64,
            flags: readonly,
        });
        let limit = self.b.create_global_value(GlobalValueData::Load {
            base: store,
            offset: self.env.layout.store_stack_limit.into(),
            global_type: types::I64,
            flags: plain,
        });
        self.b.func.stack_limit = Some(limit);
    }

    /// Calls the runtime if the store's interrupt flag is set (it traps on an interrupt and
    /// records a profiler sample when one is due).
    fn interrupt_check(&mut self) {
        let store = self.store_ptr();
        // The flag's address is set when the store is entered and stays for the call.
        let flag = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted().with_readonly().with_can_move(),
            store,
            self.env.layout.store_interrupt,
        );
        // An atomic load: another thread sets the flag, so it must be read every time.
        let set = self
            .b
            .ins()
            .atomic_load(types::I8, MemFlagsData::trusted(), flag);
        let raised = self.b.create_block();
        let go_on = self.b.create_block();
        self.b.set_cold_block(raised);
        self.b.ins().brif(set, raised, &[], go_on, &[]);
        self.b.switch_to_block(raised);
        self.b.seal_block(raised);
        self.libcall(crate::LibCall::Interrupt, &[]);
        self.b.ins().jump(go_on, &[]);
        self.b.switch_to_block(go_on);
        self.b.seal_block(go_on);
    }

    /// Loads a pointer from the context block that never changes for an instance.
    pub(crate) fn vmctx_ptr(&mut self, offset: i32) -> Value {
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        self.b.ins().load(types::I64, flags, self.vmctx, offset)
    }

    /// The store block pointer.
    pub(crate) fn store_ptr(&mut self) -> Value {
        self.vmctx_ptr(self.env.layout.vmctx_store)
    }

    // ---- operand stack ----

    pub(crate) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    pub(crate) fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("validated wasm never underflows the stack")
    }

    pub(crate) fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    pub(crate) fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    pub(crate) fn popn(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    /// Brings a vector value to the canonical `i8x16` type (other values are unchanged).
    pub(crate) fn canon(&mut self, v: Value) -> Value {
        let ty = self.b.func.dfg.value_type(v);
        if ty.is_vector() && ty != types::I8X16 {
            self.bitcast(types::I8X16, v)
        } else {
            v
        }
    }

    /// Reinterprets a vector as another lane shape.
    pub(crate) fn bitcast(&mut self, ty: Type, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == ty {
            return v;
        }
        let flags = MemFlagsData::new().with_endianness(ir::Endianness::Little);
        self.b.ins().bitcast(ty, flags, v)
    }

    /// The top `n` stack values in canonical form, for passing along an edge.
    fn branch_args(&mut self, n: usize) -> Vec<BlockArg> {
        let at = self.stack.len() - n;
        let vals: Vec<Value> = self.stack[at..].to_vec();
        vals.into_iter()
            .map(|v| BlockArg::Value(self.canon(v)))
            .collect()
    }

    /// Widens a 32-bit index to 64 bits (64-bit indices are unchanged).
    pub(crate) fn index_to_i64(&mut self, v: Value, is64: bool) -> Value {
        if is64 {
            v
        } else {
            self.b.ins().uextend(types::I64, v)
        }
    }

    /// Translates one operator that `skip` let through.
    fn operator(&mut self, op: Operator) -> Result<(), Error> {
        if self.control(&op)?
            || self.numeric(&op)?
            || self.memory(&op)?
            || self.simd(&op)?
            || self.simd_relaxed(&op)?
            || self.atomic(&op)?
            || self.exceptions(&op)?
            || self.gc(&op)?
        {
            return Ok(());
        }
        Err(Error::Unsupported(format!("operator {op:?}")))
    }
}

/// The wedge type of a wasmparser value type (every reference is an opaque 64-bit value;
/// see `Translator::ref_kind` for telling traced references from function references).
pub(crate) fn wasm_type(t: wasmparser::ValType) -> Result<WasmType, Error> {
    Ok(match t {
        wasmparser::ValType::I32 => WasmType::I32,
        wasmparser::ValType::I64 => WasmType::I64,
        wasmparser::ValType::F32 => WasmType::F32,
        wasmparser::ValType::F64 => WasmType::F64,
        wasmparser::ValType::V128 => WasmType::V128,
        wasmparser::ValType::Ref(_) => WasmType::Ref,
    })
}
