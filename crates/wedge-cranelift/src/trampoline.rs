//! Trampolines between the runtime's array calling convention and wasm signatures.

use crate::func::{clif_type, wasm_signature};
use crate::layout::LibCall;
use crate::{FuncSig, ModuleEnv};
use cranelift_codegen::ir::{
    self, types, AbiParam, Endianness, InstBuilder, MemFlagsData, Signature, StackSlotData,
    StackSlotKind, Type, UserFuncName, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

/// External-name namespace used to name trampolines (never referenced by relocations).
const NS_TRAMPOLINE_NAME: u32 = 2;

fn slot_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_endianness(Endianness::Little)
}

/// Reads values of the given types from consecutive 8-byte slots at `base`.
fn read_slots(b: &mut FunctionBuilder, tys: &[Type], base: Value) -> Vec<Value> {
    let mut at = 0i32;
    let mut vals = Vec::with_capacity(tys.len());
    for ty in tys {
        vals.push(b.ins().load(*ty, slot_flags(), base, at));
        at += if ty.is_vector() { 16 } else { 8 };
    }
    vals
}

/// Writes values to consecutive 8-byte slots at `base`. A 32-bit value fills its whole slot,
/// zero-extended: the interpreter relies on the upper half of an i32 slot being zero (its
/// `i64.extend_i32_u` is no instruction at all).
fn write_slots(b: &mut FunctionBuilder, vals: &[Value], base: Value) {
    let mut at = 0i32;
    for v in vals {
        let ty = b.func.dfg.value_type(*v);
        let wide = match ty {
            types::I32 => b.ins().uextend(types::I64, *v),
            types::F32 => {
                let bits = b.ins().bitcast(types::I32, MemFlagsData::new(), *v);
                b.ins().uextend(types::I64, bits)
            }
            _ => *v,
        };
        b.ins().store(slot_flags(), wide, base, at);
        at += if ty.is_vector() { 16 } else { 8 };
    }
}

/// The store's meter pointer, from a context block.
fn meter_ptr(b: &mut FunctionBuilder, env: &ModuleEnv, vmctx: Value) -> Value {
    let flags = MemFlagsData::trusted().with_readonly();
    let store = b
        .ins()
        .load(types::I64, flags, vmctx, env.layout.vmctx_store);
    b.ins()
        .load(types::I64, flags, store, env.layout.store_meter)
}

/// Builds the array trampoline of `sig`:
/// `extern "C" fn(callee_vmctx, caller_vmctx, io: *mut u64, code: *const u8)`.
/// With metering it moves the gas used from the meter into the pinned register and back
/// (its caller, `wedge_native_enter`, saves and restores that register).
pub(crate) fn array_trampoline(
    isa: &dyn TargetIsa,
    env: &ModuleEnv,
    sig: &FuncSig,
    type_index: u32,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) {
    let mut s = Signature::new(isa.default_call_conv());
    for _ in 0..4 {
        s.params.push(AbiParam::new(types::I64));
    }
    func.signature = s;
    func.name = UserFuncName::user(NS_TRAMPOLINE_NAME, 2 * type_index);
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let params: Vec<Type> = sig.params.iter().map(|t| clif_type(*t)).collect();
    let mut args = vec![p[0], p[1]];
    args.extend(read_slots(&mut b, &params, p[2]));
    let meter = env.metering.as_ref().map(|_| {
        let meter = meter_ptr(&mut b, env, p[0]);
        let flags = MemFlagsData::trusted();
        let used = b
            .ins()
            .load(types::I64, flags, meter, env.layout.meter_gas_used);
        b.ins().set_pinned_reg(used);
        meter
    });
    let callee_sig = b.import_signature(wasm_signature(sig));
    let call = b.ins().call_indirect(callee_sig, p[3], &args);
    let results = b.inst_results(call).to_vec();
    if let Some(meter) = meter {
        let used = b.ins().get_pinned_reg(types::I64);
        let flags = MemFlagsData::trusted();
        b.ins().store(flags, used, meter, env.layout.meter_gas_used);
    }
    write_slots(&mut b, &results, p[2]);
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
}

/// Builds the host trampoline of `sig`: a wasm-signature function whose `callee_vmctx` is a
/// function reference, forwarding to [`LibCall::HostCall`] with the arguments in slots.
/// With metering it stores the gas used in the meter first and reloads it after (the callee
/// may run interpreted code or change the meter).
pub(crate) fn host_trampoline(
    isa: &dyn TargetIsa,
    env: &ModuleEnv,
    sig: &FuncSig,
    type_index: u32,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) {
    let layout = &env.layout;
    func.signature = wasm_signature(sig);
    func.name = UserFuncName::user(NS_TRAMPOLINE_NAME, 2 * type_index + 1);
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let bytes = (sig.io_slots().max(1) * 8).next_multiple_of(16);
    let slot = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, bytes, 4));
    let io = b.ins().stack_addr(types::I64, slot, 0);
    write_slots(&mut b, &p[2..], io);
    let flags = MemFlagsData::trusted();
    let store = b
        .ins()
        .load(types::I64, flags.with_readonly(), p[1], layout.vmctx_store);
    let fp = b.ins().get_frame_pointer(types::I64);
    b.ins().store(flags, fp, store, layout.store_exit_fp);
    let none = b.ins().iconst(types::I32, u32::MAX as i64);
    b.ins().store(flags, none, store, layout.store_exit_func);
    let target = b.ins().load(
        types::I64,
        flags.with_readonly(),
        store,
        layout.store_libcalls + 8 * LibCall::HostCall as i32,
    );
    let mut s = Signature::new(isa.default_call_conv());
    for _ in 0..3 {
        s.params.push(AbiParam::new(types::I64));
    }
    let host_sig = b.import_signature(s);
    let meter = env.metering.as_ref().map(|_| {
        let meter = b
            .ins()
            .load(types::I64, flags.with_readonly(), store, layout.store_meter);
        let used = b.ins().get_pinned_reg(types::I64);
        b.ins().store(flags, used, meter, layout.meter_gas_used);
        meter
    });
    b.ins().call_indirect(host_sig, target, &[p[0], p[1], io]);
    if let Some(meter) = meter {
        let used = b
            .ins()
            .load(types::I64, flags, meter, layout.meter_gas_used);
        b.ins().set_pinned_reg(used);
    }
    let results: Vec<Type> = sig.results.iter().map(|t| clif_type(*t)).collect();
    let vals = read_slots(&mut b, &results, io);
    b.ins().return_(&vals);
    b.finalize(isa.frontend_config());
}
