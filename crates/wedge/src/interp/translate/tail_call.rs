//! Tail calls: `return_call` and `return_call_indirect` replace the running frame instead
//! of pushing a new one, so mutual tail recursion runs in constant stack.
//!
//! `return_call_ref` (typed function references) takes the same executor path once the
//! reference is resolved to a store function index.

use super::Translator;
use crate::interp::code::Instr;

impl Translator<'_> {
    /// Makes room in the frame for what a tail-called import writes at `args`: the host
    /// function's results, which may need more slots than its parameters.
    fn reserve_io(&mut self, args: u32, ty: &crate::types::FuncType) {
        let io = ty.param_slots().max(ty.result_slots());
        self.max = self.max.max(args + io);
    }

    /// `return_call f`.
    pub(super) fn return_call(&mut self, func: u32) {
        let ty = self.module.func_type(func).clone();
        let args = self.call_args(ty.params().len());
        if func < self.module.num_imported_funcs {
            self.reserve_io(args, &ty);
            self.emit(Instr::ReturnCallImport { func, args });
        } else {
            self.emit(Instr::ReturnCall { func, args });
        }
        self.reachable = false;
    }

    /// `return_call_ref (type t)`.
    pub(super) fn return_call_ref(&mut self, type_index: u32) {
        let ty = self.module.types[type_index as usize].clone();
        // The reference sits above the arguments, so copying them into place cannot clobber it.
        let func = self.pop().slot;
        let args = self.call_args(ty.params().len());
        self.reserve_io(args, &ty);
        self.emit(Instr::ReturnCallRef { func, args });
        self.reachable = false;
    }

    /// `return_call_indirect (type t) table`.
    pub(super) fn return_call_indirect(&mut self, type_index: u32, table: u32) {
        if self.table_is_64(table) {
            self.clamp_table_operands(&[true]);
        }
        let ty = self.module.types[type_index as usize].clone();
        // The index sits above the arguments, so copying them into place cannot clobber it.
        let index = self.pop().slot;
        let args = self.call_args(ty.params().len());
        self.reserve_io(args, &ty);
        let site = self.indirect_sites.len() as u32;
        self.indirect_sites
            .push((table, self.module.type_ids[type_index as usize]));
        self.emit(Instr::ReturnCallIndirect { index, args, site });
        self.reachable = false;
    }
}
