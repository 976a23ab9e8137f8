//! Calls: direct, through imports and tables, and into the runtime (libcalls).

use super::{trap_code, wasm_signature, Translator, NS_FUNC};
use crate::layout::LibCall;
use crate::{Error, TrapKind};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, AbiParam, ExtFuncData, ExternalName, FuncRef, InstBuilder, MemFlagsData, SigRef,
    Signature, Type, UserExternalName, Value,
};
use cranelift_codegen::isa::CallConv;

/// The `extern "C"` signature of a libcall.
fn libcall_signature(call: LibCall, cc: CallConv) -> Signature {
    use types::{I32, I64};
    let (params, ret): (&[Type], &[Type]) = match call {
        LibCall::MemoryGrow => (&[I64, I32, I64], &[I64]),
        LibCall::MemoryInit => (&[I64, I32, I32, I64, I32, I32], &[]),
        LibCall::DataDrop => (&[I64, I32], &[]),
        LibCall::TableGrow => (&[I64, I32, I64, I64], &[I64]),
        LibCall::TableFill => (&[I64, I32, I64, I64, I64], &[]),
        LibCall::TableCopy => (&[I64, I32, I32, I64, I64, I64], &[]),
        LibCall::TableInit => (&[I64, I32, I32, I64, I32, I32], &[]),
        LibCall::ElemDrop => (&[I64, I32], &[]),
        LibCall::RefFunc => (&[I64, I32], &[I64]),
        LibCall::HostCall => (&[I64, I64, I64], &[]),
        LibCall::AtomicWait => (&[I64, I32, I32, I64, I64, I64, I64], &[I64]),
        LibCall::AtomicNotify => (&[I64, I32, I64, I64, I32], &[I64]),
        LibCall::Memmove => (&[I64, I64, I64], &[]),
        LibCall::Memset => (&[I64, I32, I64], &[]),
        LibCall::Throw => (&[I64, I32, I64], &[]),
        LibCall::ExnCatch => (&[I64, I64, I32, I64], &[I32]),
        LibCall::Gc => (&[I64, I32, I32, I32, I64, I64], &[]),
        LibCall::Interrupt => (&[I64], &[]),
        LibCall::FuncRef => (&[I64, I64], &[I64]),
        LibCall::TableElem => (&[I64, I32, I64], &[I64]),
    };
    let mut s = Signature::new(cc);
    s.params.extend(params.iter().map(|t| AbiParam::new(*t)));
    s.returns.extend(ret.iter().map(|t| AbiParam::new(*t)));
    s
}

impl Translator<'_, '_> {
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
    pub(crate) fn func_ref(&mut self, namespace: u32, index: u32, type_index: u32) -> FuncRef {
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

    /// Pushes a call's results, reloads memory lengths if the callee `may_grow` a memory,
    /// and goes to the exception handler if the callee threw (when it `may_throw`).
    pub(crate) fn finish_call(&mut self, inst: ir::Inst, may_throw: bool, may_grow: bool) {
        self.leaf = false;
        let results = self.b.inst_results(inst).to_vec();
        self.stack.extend(results);
        if may_grow {
            self.reload_memories();
        }
        if may_throw {
            self.check_exception();
        }
    }

    /// Whether defined function `func` is compiled into this code block.
    fn in_block(&self, func: u32) -> bool {
        let Some(in_block) = self.options.in_block else {
            return true;
        };
        let def = (func - self.env.num_imported_funcs) as usize;
        in_block.get(def).is_some_and(|b| *b)
    }

    /// Whether module function `func` is known to be a leaf.
    fn is_leaf(&self, func: u32) -> bool {
        let leaves = self.options.leaves;
        func.checked_sub(self.env.num_imported_funcs)
            .and_then(|i| leaves.get(i as usize))
            .is_some_and(|leaf| *leaf)
    }

    pub(crate) fn call_args(&mut self, callee_vmctx: Value, n: usize) -> Vec<Value> {
        let mut args = vec![callee_vmctx, self.vmctx];
        let vals = self.popn(n);
        for v in vals {
            let v = self.canon(v);
            args.push(v);
        }
        args
    }

    /// Calls `code` (a native address) with the wasm signature of `type_index`, or makes it
    /// a tail call (`tail`: the callee's results are this function's results); `may_throw`:
    /// whether the callee may leave an exception pending.
    fn call_code(
        &mut self,
        type_index: u32,
        code: Value,
        callee_vmctx: Value,
        tail: bool,
        may_throw: bool,
    ) {
        let sig = self.sig_ref(type_index);
        let n = self.env.types[type_index as usize].params.len();
        let args = self.call_args(callee_vmctx, n);
        if tail {
            self.inlinable = false;
            self.b.ins().return_call_indirect(sig, code, &args);
            self.reachable = false;
        } else {
            let inst = self.b.ins().call_indirect(sig, code, &args);
            self.mark_call_results(inst, type_index);
            self.finish_call(inst, may_throw, true);
        }
    }

    /// `call` or `return_call` of a module function.
    pub(crate) fn call(&mut self, func: u32, tail: bool) -> Result<(), Error> {
        let type_index = self.env.func_types[func as usize];
        let n = self.env.types[type_index as usize].params.len();
        if tail || func == self.func_index {
            self.inlinable = false;
        }
        if func < self.env.num_imported_funcs {
            let at = self.env.layout.vmctx_imported_funcs + 16 * func as i32;
            let code = self.vmctx_ptr(at);
            let callee = self.vmctx_ptr(at + 8);
            let may_throw = self.options.throws.funcs[func as usize];
            self.call_code(type_index, code, callee, tail, may_throw);
        } else if !self.in_block(func) {
            // The runtime rewrites the slot when the callee gets compiled (it holds a host
            // trampoline until then): read both words at every call, never hoisted.
            let def = (func - self.env.num_imported_funcs) as i32;
            let at = self.env.layout.vmctx_defined_funcs + 16 * def;
            let flags = MemFlagsData::trusted();
            let code = self.b.ins().load(types::I64, flags, self.vmctx, at);
            let callee = self.b.ins().load(types::I64, flags, self.vmctx, at + 8);
            let may_throw = self.options.throws.funcs[func as usize];
            self.inlinable = false;
            self.call_code(type_index, code, callee, tail, may_throw);
        } else {
            let f = self.func_ref(NS_FUNC, func, type_index);
            let args = self.call_args(self.vmctx, n);
            if tail {
                self.b.ins().return_call(f, &args);
                self.reachable = false;
            } else {
                let inst = self.b.ins().call(f, &args);
                self.mark_call_results(inst, type_index);
                // A leaf (known when inlining) grows no memory.
                let may_grow = !self.is_leaf(func);
                self.finish_call(inst, self.options.throws.funcs[func as usize], may_grow);
            }
        }
        Ok(())
    }

    /// The function reference of a non-null raw reference (a store function index + 1):
    /// from the store's array, or made by the runtime if it was not made yet (a null entry,
    /// or none: the array grows as references are made).
    fn funcref_of(&mut self, raw: Value) -> Value {
        let l = self.env.layout;
        let store = self.store_ptr();
        let trusted = MemFlagsData::trusted();
        let refs = self
            .b
            .ins()
            .load(types::I64, trusted, store, l.store_funcrefs);
        let len = self
            .b
            .ins()
            .load(types::I64, trusted, store, l.store_funcrefs_len);
        // Without a branch: an index past the array reads entry 0 (there is always one)
        // and counts as null.
        let index = self.b.ins().iadd_imm_s(raw, -1);
        let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, index, len);
        let zero = self.b.ins().iconst(types::I64, 0);
        let at = self.b.ins().select(inside, index, zero);
        let offset = self.b.ins().ishl_imm_u(at, 3);
        let slot = self.b.ins().iadd(refs, offset);
        let entry = self.b.ins().load(types::I64, trusted, slot, 0);
        let made = self.b.ins().select(inside, entry, zero);
        self.nonzero_or_cold(made, |this| this.libcall(LibCall::FuncRef, &[raw])[0])
    }

    /// `value` (an i64) where it is nonzero, else what `cold` computes, in a block laid
    /// out as cold (a call into the runtime made only when needed).
    fn nonzero_or_cold(&mut self, value: Value, cold: impl FnOnce(&mut Self) -> Value) -> Value {
        let slow = self.b.create_block();
        let done = self.b.create_block();
        let out = self.b.append_block_param(done, types::I64);
        self.b.set_cold_block(slow);
        self.b.ins().brif(value, done, &[value.into()], slow, &[]);
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        let new = cold(self);
        self.b.ins().jump(done, &[new.into()]);
        self.b.switch_to_block(done);
        self.b.seal_block(done);
        out
    }

    /// Calls through a function reference (its code and `callee_vmctx`).
    fn call_funcref(&mut self, type_index: u32, funcref: Value, tail: bool) {
        let l = self.env.layout;
        let trusted = MemFlagsData::trusted();
        let code = self
            .b
            .ins()
            .load(types::I64, trusted, funcref, l.funcref_code);
        let callee = self
            .b
            .ins()
            .load(types::I64, trusted, funcref, l.funcref_vmctx);
        let may_throw = self.options.throws.indirect;
        self.call_code(type_index, code, callee, tail, may_throw);
    }

    /// `call_indirect` or `return_call_indirect`.
    pub(crate) fn call_indirect(
        &mut self,
        type_index: u32,
        table: u32,
        tail: bool,
    ) -> Result<(), Error> {
        let l = self.env.layout;
        let index = self.pop();
        let index = self.index_to_i64(index, self.env.tables[table as usize].table64);
        let addr = self.table_elem(table, index, TrapKind::UndefinedElement);
        let loaded = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), addr, 0);
        // A null element may be one the runtime has not initialized yet (tables read only
        // by `call_indirect` are initialized on first use): the cold block asks the runtime,
        // and traps only on a real null.
        let raw = self.nonzero_or_cold(loaded, |this| {
            let t = this.b.ins().iconst(types::I32, table as i64);
            let resolved = this.libcall(LibCall::TableElem, &[t, index])[0];
            this.b
                .ins()
                .trapz(resolved, trap_code(TrapKind::UninitializedElement));
            resolved
        });
        let funcref = self.funcref_of(raw);
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
        if self.env.func_subtyping {
            self.check_func_subtype(differ, actual, type_index);
        } else {
            self.b
                .ins()
                .trapnz(differ, trap_code(TrapKind::IndirectCallTypeMismatch));
        }
        self.call_funcref(type_index, funcref, tail);
        Ok(())
    }

    /// `call_ref` or `return_call_ref`: validation guarantees the reference's type.
    pub(crate) fn call_ref(&mut self, type_index: u32, tail: bool) -> Result<(), Error> {
        let raw = self.pop();
        self.b
            .ins()
            .trapz(raw, trap_code(TrapKind::NullFunctionReference));
        let funcref = self.funcref_of(raw);
        self.call_funcref(type_index, funcref, tail);
        Ok(())
    }

    /// Calls a runtime function through the store's libcall table, after recording this
    /// frame for backtraces. Returns the call's results.
    pub(crate) fn libcall(&mut self, call: LibCall, args: &[Value]) -> Vec<Value> {
        let l = self.env.layout;
        let store = self.store_ptr();
        // Making a function reference or a table element neither traps nor looks at the
        // stack: no frame to record (and the caller stays inlinable).
        if call.takes_vmctx() && call != LibCall::FuncRef && call != LibCall::TableElem {
            self.inlinable = false;
            let fp = self.b.ins().get_frame_pointer(types::I64);
            self.b
                .ins()
                .store(MemFlagsData::trusted(), fp, store, l.store_exit_fp);
            let me = self.b.ins().iconst(types::I32, self.func_index as i64);
            self.b
                .ins()
                .store(MemFlagsData::trusted(), me, store, l.store_exit_func);
        }
        self.store_libcall_refund(call);
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
        let mut all = Vec::with_capacity(args.len() + 1);
        if call.takes_vmctx() {
            all.push(self.vmctx);
        }
        all.extend_from_slice(args);
        let inst = self.b.ins().call_indirect(sig, ptr, &all);
        let results = self.b.inst_results(inst).to_vec();
        if call == LibCall::MemoryGrow {
            self.reload_memories();
        }
        results
    }
}
