//! Translation of one wasm function body to Cranelift IR: locals, the operand stack,
//! structured control flow and calls. Operators are spread over the sibling files.

mod memory;
mod numeric;
mod simd;

use crate::layout::LibCall;
use crate::{Error, FuncSig, ModuleEnv, TrapKind, WasmType};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, AbiParam, ArgumentPurpose, BlockArg, ExtFuncData, ExternalName, FuncRef,
    InstBuilder, JumpTableData, MemFlagsData, SigRef, Signature, TrapCode, Type, UserExternalName,
    UserFuncName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use wasmparser::{BinaryReader, BlockType, FunctionBody, Operator};

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
        WasmType::I64 | WasmType::Ref => types::I64,
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

/// The `extern "C"` signature of a libcall.
fn libcall_signature(call: LibCall, cc: CallConv) -> Signature {
    use types::{I32, I64};
    let (params, ret): (&[Type], &[Type]) = match call {
        LibCall::MemoryGrow => (&[I64, I32, I64], &[I64]),
        LibCall::MemoryFill => (&[I64, I32, I64, I32, I64], &[]),
        LibCall::MemoryCopy => (&[I64, I32, I32, I64, I64, I64], &[]),
        LibCall::MemoryInit => (&[I64, I32, I32, I64, I32, I32], &[]),
        LibCall::DataDrop => (&[I64, I32], &[]),
        LibCall::TableGrow => (&[I64, I32, I64, I64], &[I64]),
        LibCall::TableFill => (&[I64, I32, I64, I64, I64], &[]),
        LibCall::TableCopy => (&[I64, I32, I32, I64, I64, I64], &[]),
        LibCall::TableInit => (&[I64, I32, I32, I64, I32, I32], &[]),
        LibCall::ElemDrop => (&[I64, I32], &[]),
        LibCall::RefFunc => (&[I64, I32], &[I64]),
        LibCall::HostCall => (&[I64, I64, I64], &[]),
    };
    let mut s = Signature::new(cc);
    s.params.extend(params.iter().map(|t| AbiParam::new(*t)));
    s.returns.extend(ret.iter().map(|t| AbiParam::new(*t)));
    s
}

/// What kind of construct a control frame is.
#[derive(Clone, Debug, PartialEq)]
enum FrameKind {
    /// The function body; its end returns.
    Func,
    Block,
    Loop,
    /// An `if` before its `else`: the else block and the parameters to give it.
    If {
        else_block: ir::Block,
        params: Vec<Value>,
    },
    Else,
}

/// One entry of the control stack.
struct Frame {
    kind: FrameKind,
    /// Where the construct continues after its end (takes the results as block params).
    dest: ir::Block,
    /// A loop's header (takes the parameters as block params).
    header: Option<ir::Block>,
    /// Operand-stack height below the frame's parameters.
    height: usize,
    num_params: usize,
    num_results: usize,
    /// Whether anything branches (or falls) to `dest`.
    dest_reached: bool,
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
}

/// Compiles the body of module function `func_index` into `func`.
pub(crate) fn translate_function(
    env: &ModuleEnv,
    isa: &dyn TargetIsa,
    func_index: u32,
    body: crate::FuncBody<'_>,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<(), Error> {
    let sig = &env.types[env.func_types[func_index as usize] as usize];
    func.signature = wasm_signature(sig);
    func.name = UserFuncName::user(NS_FUNC, func_index);
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
    };
    t.translate(sig, body)?;
    t.b.finalize(isa.frontend_config());
    Ok(())
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
        for (i, t) in sig.params.iter().enumerate() {
            let ty = clif_type(*t);
            let var = self.b.declare_var(ty);
            self.b.def_var(var, params[i + 2]);
            self.locals.push((var, ty));
        }
        let body = FunctionBody::new(BinaryReader::new(body.bytes, body.offset as u64));
        for local in body.get_locals_reader()? {
            let (count, t) = local?;
            let ty = clif_type(wasm_type(t)?);
            for _ in 0..count {
                let var = self.b.declare_var(ty);
                let zero = self.zero(ty);
                self.b.def_var(var, zero);
                self.locals.push((var, ty));
            }
        }
        self.stack_check();
        self.declare_memories();
        self.interrupt_check();
        let ret = self.b.create_block();
        for t in &sig.results {
            self.b.append_block_param(ret, clif_type(*t));
        }
        self.frames.push(Frame {
            kind: FrameKind::Func,
            dest: ret,
            header: None,
            height: 0,
            num_params: 0,
            num_results: sig.results.len(),
            dest_reached: false,
        });
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            if self.frames.is_empty() {
                return Err(Error::Unsupported(
                    "operators after the end of the body".into(),
                ));
            }
            self.operator(op)?;
        }
        if !self.frames.is_empty() {
            return Err(Error::Unsupported(
                "function body ends without `end`".into(),
            ));
        }
        Ok(())
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

    /// Traps if the stack pointer is below the store's stack limit.
    fn stack_check(&mut self) {
        let store = self.store_ptr();
        let limit = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            store,
            self.env.layout.store_stack_limit,
        );
        let sp = self.b.ins().get_stack_pointer(types::I64);
        let below = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        self.b
            .ins()
            .trapnz(below, trap_code(TrapKind::StackOverflow));
    }

    /// Traps if the store's interrupt flag is set (when the module is interruptible).
    fn interrupt_check(&mut self) {
        if !self.env.interruptible {
            return;
        }
        let store = self.store_ptr();
        let flag = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted().with_readonly(),
            store,
            self.env.layout.store_interrupt,
        );
        // An atomic load: another thread sets the flag, so it must be read every time.
        let set = self
            .b
            .ins()
            .atomic_load(types::I8, MemFlagsData::trusted(), flag);
        self.b.ins().trapnz(set, trap_code(TrapKind::Interrupted));
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

    // ---- control flow ----

    fn block_type(&self, bt: BlockType) -> Result<(Vec<Type>, Vec<Type>), Error> {
        Ok(match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![clif_type(wasm_type(t)?)]),
            BlockType::FuncType(i) => {
                let sig = &self.env.types[i as usize];
                (
                    sig.params.iter().map(|t| clif_type(*t)).collect(),
                    sig.results.iter().map(|t| clif_type(*t)).collect(),
                )
            }
        })
    }

    fn new_block_with(&mut self, tys: &[Type]) -> ir::Block {
        let block = self.b.create_block();
        for t in tys {
            self.b.append_block_param(block, *t);
        }
        block
    }

    /// The block a branch to relative depth `depth` goes to, and how many values it takes.
    fn branch_target(&mut self, depth: u32) -> (ir::Block, usize) {
        let i = self.frames.len() - 1 - depth as usize;
        let f = &mut self.frames[i];
        match f.header {
            Some(h) => (h, f.num_params),
            None => {
                f.dest_reached = true;
                (f.dest, f.num_results)
            }
        }
    }

    /// Handles operators inside unreachable code: only nesting matters there.
    fn skip(&mut self, op: &Operator) -> Result<bool, Error> {
        if self.reachable {
            return Ok(false);
        }
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                self.skip_depth += 1;
                Ok(true)
            }
            Operator::Else if self.skip_depth == 0 => Ok(false),
            Operator::End if self.skip_depth == 0 => Ok(false),
            Operator::End => {
                self.skip_depth -= 1;
                Ok(true)
            }
            _ => Ok(true),
        }
    }

    fn control(&mut self, op: &Operator) -> Result<bool, Error> {
        match *op {
            Operator::Block { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let dest = self.new_block_with(&results);
                self.frames.push(Frame {
                    kind: FrameKind::Block,
                    dest,
                    header: None,
                    height: self.stack.len() - params.len(),
                    num_params: params.len(),
                    num_results: results.len(),
                    dest_reached: false,
                });
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let dest = self.new_block_with(&results);
                let header = self.new_block_with(&params);
                let args = self.branch_args(params.len());
                self.b.ins().jump(header, &args);
                self.popn(params.len());
                self.b.switch_to_block(header);
                self.interrupt_check();
                let vals = self.b.block_params(header).to_vec();
                self.stack.extend(vals);
                self.frames.push(Frame {
                    kind: FrameKind::Loop,
                    dest,
                    header: Some(header),
                    height: self.stack.len() - params.len(),
                    num_params: params.len(),
                    num_results: results.len(),
                    dest_reached: false,
                });
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let cond = self.pop();
                let then_block = self.b.create_block();
                let else_block = self.b.create_block();
                let dest = self.new_block_with(&results);
                self.b.ins().brif(cond, then_block, &[], else_block, &[]);
                self.b.seal_block(then_block);
                self.b.seal_block(else_block);
                self.b.switch_to_block(then_block);
                let at = self.stack.len() - params.len();
                let saved = self.stack[at..].to_vec();
                self.frames.push(Frame {
                    kind: FrameKind::If {
                        else_block,
                        params: saved,
                    },
                    dest,
                    header: None,
                    height: at,
                    num_params: params.len(),
                    num_results: results.len(),
                    dest_reached: false,
                });
            }
            Operator::Else => {
                let f = self.frames.last_mut().expect("else inside if");
                let FrameKind::If { else_block, params } =
                    std::mem::replace(&mut f.kind, FrameKind::Else)
                else {
                    return Err(Error::Unsupported("else without if".into()));
                };
                let (dest, n, height) = (f.dest, f.num_results, f.height);
                if self.reachable {
                    self.frames.last_mut().unwrap().dest_reached = true;
                    let args = self.branch_args(n);
                    self.b.ins().jump(dest, &args);
                }
                self.stack.truncate(height);
                self.stack.extend(params);
                self.b.switch_to_block(else_block);
                self.reachable = true;
            }
            Operator::End => self.end()?,
            Operator::Br { relative_depth } => {
                let (block, n) = self.branch_target(relative_depth);
                let args = self.branch_args(n);
                self.b.ins().jump(block, &args);
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (block, n) = self.branch_target(relative_depth);
                let args = self.branch_args(n);
                let next = self.b.create_block();
                self.b.ins().brif(cond, block, &args, next, &[]);
                self.b.seal_block(next);
                self.b.switch_to_block(next);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop();
                let mut calls = Vec::with_capacity(targets.len() as usize);
                for depth in targets.targets() {
                    let (block, n) = self.branch_target(depth?);
                    let args = self.branch_args(n);
                    calls.push(self.b.func.dfg.block_call(block, &args));
                }
                let (block, n) = self.branch_target(targets.default());
                let args = self.branch_args(n);
                let default = self.b.func.dfg.block_call(block, &args);
                let jt = self
                    .b
                    .create_jump_table(JumpTableData::new(default, &calls));
                self.b.ins().br_table(index, jt);
                self.reachable = false;
            }
            Operator::Return => {
                let (block, n) = self.branch_target(self.frames.len() as u32 - 1);
                let args = self.branch_args(n);
                self.b.ins().jump(block, &args);
                self.reachable = false;
            }
            Operator::Unreachable => {
                self.b.ins().trap(trap_code(TrapKind::Unreachable));
                self.reachable = false;
            }
            Operator::Nop => {}
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let (a, b, c) = self.pop3();
                let (a, b) = (self.canon(a), self.canon(b));
                let v = self.b.ins().select(c, a, b);
                self.push(v);
            }
            Operator::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[local_index as usize].0);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                let v = self.canon(v);
                self.b.def_var(self.locals[local_index as usize].0, v);
            }
            Operator::LocalTee { local_index } => {
                let v = self.pop();
                let v = self.canon(v);
                self.b.def_var(self.locals[local_index as usize].0, v);
                self.push(v);
            }
            Operator::Call { function_index } => self.call(function_index)?,
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn end(&mut self) -> Result<(), Error> {
        let mut f = self.frames.pop().expect("end matches a frame");
        if self.reachable {
            f.dest_reached = true;
            let args = self.branch_args(f.num_results);
            self.b.ins().jump(f.dest, &args);
        }
        if let FrameKind::If { else_block, params } = &f.kind {
            // An `if` without `else` passes its parameters through to the end.
            self.b.switch_to_block(*else_block);
            let args: Vec<BlockArg> = params
                .clone()
                .into_iter()
                .map(|v| BlockArg::Value(self.canon(v)))
                .collect();
            self.b.ins().jump(f.dest, &args);
            f.dest_reached = true;
        }
        if let Some(h) = f.header {
            self.b.seal_block(h);
        }
        self.stack.truncate(f.height);
        self.b.switch_to_block(f.dest);
        self.b.seal_block(f.dest);
        if f.kind == FrameKind::Func {
            if f.dest_reached {
                let vals = self.b.block_params(f.dest).to_vec();
                self.b.ins().return_(&vals);
            } else {
                self.b.ins().trap(trap_code(TrapKind::Unreachable));
            }
            self.reachable = false;
            return Ok(());
        }
        if f.dest_reached {
            let vals = self.b.block_params(f.dest).to_vec();
            self.stack.extend(vals);
            self.reachable = true;
        } else {
            // Nothing reaches the end: keep a well-formed (dead) block and skip what follows.
            self.b.ins().trap(trap_code(TrapKind::Unreachable));
            self.reachable = false;
        }
        Ok(())
    }

    // ---- calls ----

    /// The signature reference of a module type.
    pub(crate) fn sig_ref(&mut self, type_index: u32) -> SigRef {
        if let Some(s) = self.sigs.get(&type_index) {
            return *s;
        }
        let sig = wasm_signature(&self.env.types[type_index as usize]);
        let s = self.b.import_signature(sig);
        self.sigs.insert(type_index, s);
        s
    }

    /// A direct reference to a function or trampoline in the same code block.
    fn func_ref(&mut self, namespace: u32, index: u32, type_index: u32) -> FuncRef {
        if let Some(f) = self.funcs.get(&(namespace, index)) {
            return *f;
        }
        let signature = self.sig_ref(type_index);
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(namespace, index));
        let f = self.b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated: true,
            patchable: false,
        });
        self.funcs.insert((namespace, index), f);
        f
    }

    /// Pushes a call's results, and reloads memory bases the callee may have changed.
    fn finish_call(&mut self, inst: ir::Inst) {
        let results = self.b.inst_results(inst).to_vec();
        self.stack.extend(results);
        self.reload_memories();
    }

    fn call_args(&mut self, callee_vmctx: Value, n: usize) -> Vec<Value> {
        let mut args = vec![callee_vmctx, self.vmctx];
        let vals = self.popn(n);
        for v in vals {
            let v = self.canon(v);
            args.push(v);
        }
        args
    }

    fn call(&mut self, func: u32) -> Result<(), Error> {
        let type_index = self.env.func_types[func as usize];
        let n = self.env.types[type_index as usize].params.len();
        if func < self.env.num_imported_funcs {
            let at = self.env.layout.vmctx_imported_funcs + 16 * func as i32;
            let code = self.vmctx_ptr(at);
            let callee = self.vmctx_ptr(at + 8);
            let sig = self.sig_ref(type_index);
            let args = self.call_args(callee, n);
            let inst = self.b.ins().call_indirect(sig, code, &args);
            self.finish_call(inst);
        } else {
            let f = self.func_ref(NS_FUNC, func, type_index);
            let args = self.call_args(self.vmctx, n);
            let inst = self.b.ins().call(f, &args);
            self.finish_call(inst);
        }
        Ok(())
    }

    fn call_indirect(&mut self, type_index: u32, table: u32) -> Result<(), Error> {
        let l = self.env.layout;
        let index = self.pop();
        let index = self.index_to_i64(index, self.env.tables[table as usize].table64);
        let (base, len) = self.table_def(table);
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.b
            .ins()
            .trapnz(oob, trap_code(TrapKind::UndefinedElement));
        let addr = self.b.ins().imul_imm_u(index, 8);
        let addr = self.b.ins().iadd(base, addr);
        let raw = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), addr, 0);
        self.b
            .ins()
            .trapz(raw, trap_code(TrapKind::UninitializedElement));
        let store = self.store_ptr();
        let refs = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), store, l.store_funcrefs);
        let slot = self.b.ins().imul_imm_u(raw, 8);
        let slot = self.b.ins().iadd(refs, slot);
        let funcref = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), slot, -8);
        let flags = MemFlagsData::trusted().with_readonly();
        let actual = self
            .b
            .ins()
            .load(types::I32, flags, funcref, l.funcref_type_id);
        let ids = self.vmctx_ptr(l.vmctx_type_ids);
        let expected = self.b.ins().load(
            types::I32,
            MemFlagsData::trusted().with_readonly().with_can_move(),
            ids,
            4 * type_index as i32,
        );
        let differ = self.b.ins().icmp(IntCC::NotEqual, actual, expected);
        self.b
            .ins()
            .trapnz(differ, trap_code(TrapKind::IndirectCallTypeMismatch));
        let trusted = MemFlagsData::trusted();
        let code = self
            .b
            .ins()
            .load(types::I64, trusted, funcref, l.funcref_code);
        let callee = self
            .b
            .ins()
            .load(types::I64, trusted, funcref, l.funcref_vmctx);
        let sig = self.sig_ref(type_index);
        let n = self.env.types[type_index as usize].params.len();
        let args = self.call_args(callee, n);
        let inst = self.b.ins().call_indirect(sig, code, &args);
        self.finish_call(inst);
        Ok(())
    }

    /// Calls a runtime function through the store's libcall table, after recording this
    /// frame for backtraces. Returns the call's results.
    pub(crate) fn libcall(&mut self, call: LibCall, args: &[Value]) -> Vec<Value> {
        let l = self.env.layout;
        let store = self.store_ptr();
        let fp = self.b.ins().get_frame_pointer(types::I64);
        self.b
            .ins()
            .store(MemFlagsData::trusted(), fp, store, l.store_exit_fp);
        let me = self.b.ins().iconst(types::I32, self.func_index as i64);
        self.b
            .ins()
            .store(MemFlagsData::trusted(), me, store, l.store_exit_func);
        let ptr = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted().with_readonly(),
            store,
            l.store_libcalls + 8 * call as i32,
        );
        let sig = match self.libcall_sigs.get(&(call as u32)) {
            Some(s) => *s,
            None => {
                let cc = self.isa.default_call_conv();
                let s = self.b.import_signature(libcall_signature(call, cc));
                self.libcall_sigs.insert(call as u32, s);
                s
            }
        };
        let mut all = vec![self.vmctx];
        all.extend_from_slice(args);
        let inst = self.b.ins().call_indirect(sig, ptr, &all);
        let results = self.b.inst_results(inst).to_vec();
        if call == LibCall::MemoryGrow {
            self.reload_memories();
        }
        results
    }

    /// Widens a 32-bit index to 64 bits (64-bit indices are unchanged).
    pub(crate) fn index_to_i64(&mut self, v: Value, is64: bool) -> Value {
        if is64 {
            v
        } else {
            self.b.ins().uextend(types::I64, v)
        }
    }

    fn operator(&mut self, op: Operator) -> Result<(), Error> {
        if self.skip(&op)? {
            return Ok(());
        }
        if self.control(&op)? || self.numeric(&op)? || self.memory(&op)? || self.simd(&op)? {
            return Ok(());
        }
        Err(Error::Unsupported(format!("operator {op:?}")))
    }
}

/// The wedge type of a wasmparser value type.
pub(crate) fn wasm_type(t: wasmparser::ValType) -> Result<WasmType, Error> {
    Ok(match t {
        wasmparser::ValType::I32 => WasmType::I32,
        wasmparser::ValType::I64 => WasmType::I64,
        wasmparser::ValType::F32 => WasmType::F32,
        wasmparser::ValType::F64 => WasmType::F64,
        wasmparser::ValType::V128 => WasmType::V128,
        wasmparser::ValType::Ref(r)
            if r == wasmparser::RefType::FUNCREF || r == wasmparser::RefType::EXTERNREF =>
        {
            WasmType::Ref
        }
        wasmparser::ValType::Ref(r) => {
            return Err(Error::Unsupported(format!("reference type {r:?}")))
        }
    })
}
