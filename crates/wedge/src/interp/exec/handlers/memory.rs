//! Linear memory, tables and globals: loads and stores (memory 0's fast path and the
//! generic path), sizes, growth, bulk operations, atomics.

use crate::interp::code::{Instr, R};
use crate::interp::exec::dispatch::{handler, Cx, Exit, Ip, Vm};
use crate::interp::exec::run::State;
use crate::interp::simd;
use crate::runtime::TrapKind;

/// The slow path of a memory-0 access past the cached length: refreshes the length (a
/// shared memory may have been grown by another thread) and runs the instruction again if
/// it grew, or traps.
#[cold]
#[inline(never)]
fn out_of_bounds(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    let cached = cx.st.mem_len;
    let grown = cx.ex.memory0_len(&mut cx.st) > cached;
    let vm = Vm::new(cx, ip, regs, mem, acc);
    if grown {
        vm.dispatch()
    } else {
        vm.trap(TrapKind::MemoryOutOfBounds)
    }
}

/// The address of a memory-0 access of `$n` bytes at `$base + $offset`, or the slow path
/// (`out_of_bounds`, or `$slow` if given) when it is past the cached length.
macro_rules! ea {
    ($vm:ident, $base:expr, $offset:expr, $n:expr) => {
        ea!($vm, $base, $offset, $n, out_of_bounds)
    };
    ($vm:ident, $base:expr, $offset:expr, $n:expr, $slow:ident) => {{
        let ea = $base as u32 as usize + $offset as usize;
        if ea + $n > $vm.cx.st.mem_len {
            return $vm.call($slow);
        }
        ea
    }};
}

/// Loads a `$t` at `$base + $offset` of memory 0 and converts it with `$conv(v)` (or goes
/// to the slow path, `out_of_bounds` or `$slow` if given, when out of the cached bounds).
macro_rules! load_value {
    ($vm:ident, $base:expr, $offset:ident, $t:ty, |$v:ident| $conv:expr) => {
        load_value!($vm, $base, $offset, $t, |$v| $conv, out_of_bounds)
    };
    ($vm:ident, $base:expr, $offset:ident, $t:ty, |$v:ident| $conv:expr, $slow:ident) => {{
        const N: usize = std::mem::size_of::<$t>();
        let ea = ea!($vm, $base, $offset, N, $slow);
        // SAFETY: `ea + N` is within memory 0, checked above.
        let $v = <$t>::from_le_bytes(unsafe {
            std::ptr::read_unaligned($vm.mem.add(ea) as *const [u8; N])
        });
        $conv
    }};
}

/// Handlers of memory-0 loads of a `$t` at `addr + offset` (or `acc + offset`), stored as
/// `$conv(v)` and left in the accumulator, with their `ToAcc` forms.
macro_rules! load {
    ($(
        $name:ident / $name_t:ident, $acc:ident / $acc_t:ident: $t:ty => |$v:ident| $conv:expr;
    )*) => {$(
        handler!($name(vm) Instr::$name { dst, addr, offset } => {
            let value = load_value!(vm, vm.r(addr), offset, $t, |$v| $conv);
            vm.put(dst, value);
            vm.next()
        });
        handler!($name_t(vm) Instr::$name_t { addr, offset } => {
            vm.acc = load_value!(vm, vm.r(addr), offset, $t, |$v| $conv);
            vm.next()
        });
        handler!($acc(vm) Instr::$acc { dst, offset } => {
            let value = load_value!(vm, vm.acc, offset, $t, |$v| $conv);
            vm.put(dst, value);
            vm.next()
        });
        handler!($acc_t(vm) Instr::$acc_t { offset } => {
            vm.acc = load_value!(vm, vm.acc, offset, $t, |$v| $conv);
            vm.next()
        });
    )*};
}

/// The slow path of the store half of a fused load and store past the cached length: as
/// [`out_of_bounds`], but a trap is reported at the store (the instruction after).
#[cold]
#[inline(never)]
fn store_out_of_bounds(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    let cached = cx.st.mem_len;
    let grown = cx.ex.memory0_len(&mut cx.st) > cached;
    if grown {
        Vm::new(cx, ip, regs, mem, acc).dispatch()
    } else {
        // SAFETY: the store stays in place after the fused instruction.
        let ip = unsafe { ip.add(1) };
        Vm::new(cx, ip, regs, mem, acc).trap(TrapKind::MemoryOutOfBounds)
    }
}

/// Handlers of a load from memory 0 stored back to memory 0 (a fused `ToAcc` load and
/// `Acc` store of the same width `$t`), the value left in the accumulator.
macro_rules! load_store {
    ($($name:ident: $t:ty;)*) => {$(
        handler!($name(vm) Instr::$name { src_offset, src, dst, dst_offset } => {
            let value = load_value!(vm, vm.r(src), src_offset, $t, |v| v as u64);
            let to = vm.r(dst) as u32 as usize + dst_offset as usize;
            if to + std::mem::size_of::<$t>() > vm.cx.st.mem_len {
                return vm.call(store_out_of_bounds);
            }
            put_bytes!(vm, to, value, $t);
            vm.acc = value;
            vm.skip(2)
        });
    )*};
}

/// Stores the low bytes of `$value` as a `$t` at `ea` of memory 0.
macro_rules! put_bytes {
    ($vm:ident, $ea:expr, $value:expr, $t:ty) => {{
        const N: usize = std::mem::size_of::<$t>();
        let bytes = ($value as $t).to_le_bytes();
        // SAFETY: the caller checked that `ea + N` is within memory 0.
        unsafe { std::ptr::write_unaligned($vm.mem.add($ea) as *mut [u8; N], bytes) };
    }};
}

/// The slow path of the load half of a fused address add (the sum is in the accumulator)
/// past the cached length: [`out_of_bounds`] at the load, which stays in place after the
/// fused instruction and reads its address from the accumulator.
#[cold]
#[inline(never)]
fn add_load_out_of_bounds(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    // SAFETY: the load follows the fused instruction.
    out_of_bounds(cx, unsafe { ip.add(1) }, regs, mem, acc)
}

/// Handlers of an i32 address add fused with the memory-0 load of a `$t` right after it,
/// which reads the sum from the accumulator and stays in place: `$sum` is the add (which
/// writes its slot, if it has one), then the load's `offset` (and `dst`, for a load that
/// writes a slot) are read from the load, which is skipped.
macro_rules! add_load {
    ($(
        $name:ident($vm:ident) { $($f:ident),* } => $sum:block
            $load:ident $({ $dst:ident })?: $t:ty => |$v:ident| $conv:expr;
    )*) => {$(
        handler!($name($vm) Instr::$name { $($f),* } => {
            let sum: u32 = $sum;
            $vm.acc = sum as u64;
            // SAFETY: the translator fuses the add only with this load right after it.
            let Instr::$load { $($dst,)? offset } = (unsafe { *$vm.ip.add(1) }).instr else {
                // SAFETY: as above.
                unsafe { std::hint::unreachable_unchecked() }
            };
            let value: u64 =
                load_value!($vm, sum, offset, $t, |$v| $conv, add_load_out_of_bounds);
            add_load!(@put $vm, value $(, $dst)?);
            $vm.skip(2)
        });
    )*};
    (@put $vm:ident, $value:ident) => { $vm.acc = $value; };
    (@put $vm:ident, $value:ident, $dst:ident) => { $vm.put($dst, $value); };
}

add_load! {
    I32AddLoad8U(vm) { dst, a, b } => {
        let s = (vm.r(a) as u32).wrapping_add(vm.r(b) as u32);
        vm.w(dst, s as u64);
        s
    } I32Load8UAcc { dst }: u8 => |v| v as u64;
    I32AddLoad8UToAcc(vm) { dst, a, b } => {
        let s = (vm.r(a) as u32).wrapping_add(vm.r(b) as u32);
        vm.w(dst, s as u64);
        s
    } I32Load8UAccToAcc: u8 => |v| v as u64;
    I32AddToAccLoad8U(vm) { a, b } => {
        (vm.r(a) as u32).wrapping_add(vm.r(b) as u32)
    } I32Load8UAcc { dst }: u8 => |v| v as u64;
    I32AddToAccLoad8UToAcc(vm) { a, b } => {
        (vm.r(a) as u32).wrapping_add(vm.r(b) as u32)
    } I32Load8UAccToAcc: u8 => |v| v as u64;
    I32AddAccLoad8UToAcc(vm) { dst, b } => {
        let s = (vm.acc as u32).wrapping_add(vm.r(b) as u32);
        vm.w(dst, s as u64);
        s
    } I32Load8UAccToAcc: u8 => |v| v as u64;
    I32AddAccLoadToAcc(vm) { dst, b } => {
        let s = (vm.acc as u32).wrapping_add(vm.r(b) as u32);
        vm.w(dst, s as u64);
        s
    } I32LoadAccToAcc: u32 => |v| v as u64;
    I32AddAccToAccLoad8U(vm) { b } => {
        (vm.acc as u32).wrapping_add(vm.r(b) as u32)
    } I32Load8UAcc { dst }: u8 => |v| v as u64;
    I32AddAccToAccLoad8UToAcc(vm) { b } => {
        (vm.acc as u32).wrapping_add(vm.r(b) as u32)
    } I32Load8UAccToAcc: u8 => |v| v as u64;
    I32AddAccToAccLoad16U(vm) { b } => {
        (vm.acc as u32).wrapping_add(vm.r(b) as u32)
    } I32Load16UAcc { dst }: u16 => |v| v as u64;
    I32AddAccToAccLoadToAcc(vm) { b } => {
        (vm.acc as u32).wrapping_add(vm.r(b) as u32)
    } I32LoadAccToAcc: u32 => |v| v as u64;
    I32AddImmToAccLoad(vm) { a, imm } => {
        (vm.r(a) as u32).wrapping_add(imm)
    } I32LoadAcc { dst }: u32 => |v| v as u64;
    I32AddImmToAccLoadI64ToAcc(vm) { a, imm } => {
        (vm.r(a) as u32).wrapping_add(imm)
    } I64LoadAccToAcc: u64 => |v| v;
    I32AddAccImmToAccLoadToAcc(vm) { imm } => {
        (vm.acc as u32).wrapping_add(imm)
    } I32LoadAccToAcc: u32 => |v| v as u64;
    I32AddImmToAccLoad8U(vm) { a, imm } => {
        (vm.r(a) as u32).wrapping_add(imm)
    } I32Load8UAcc { dst }: u8 => |v| v as u64;
    I32AddImmToAccLoad16UToAcc(vm) { a, imm } => {
        (vm.r(a) as u32).wrapping_add(imm)
    } I32Load16UAccToAcc: u16 => |v| v as u64;
    I32AddAccImmToAccLoad16UToAcc(vm) { imm } => {
        (vm.acc as u32).wrapping_add(imm)
    } I32Load16UAccToAcc: u16 => |v| v as u64;
    I32AddToAccLoad16U(vm) { a, b } => {
        (vm.r(a) as u32).wrapping_add(vm.r(b) as u32)
    } I32Load16UAcc { dst }: u16 => |v| v as u64;
    I32AddToAccLoad(vm) { a, b } => {
        (vm.r(a) as u32).wrapping_add(vm.r(b) as u32)
    } I32LoadAcc { dst }: u32 => |v| v as u64;
}

/// The slow path of the second access of a fused pair of loads or stores past the cached
/// length: [`out_of_bounds`] at the second, which stays in place after the fused
/// instruction (the first is done).
#[cold]
#[inline(never)]
fn second_out_of_bounds(cx: &mut Cx<'_>, ip: Ip, regs: *mut u64, mem: *mut u8, acc: u64) -> Exit {
    // SAFETY: the second access follows the fused instruction.
    out_of_bounds(cx, unsafe { ip.add(1) }, regs, mem, acc)
}

handler!(I32LoadTwice(vm) Instr::I32LoadTwice { dst, addr, offset } => {
    let value = load_value!(vm, vm.r(addr), offset, u32, |v| v as u64);
    vm.put(dst, value);
    // SAFETY: the translator fuses the load only with an `I32Load` right after it.
    let Instr::I32Load { dst, addr, offset } = (unsafe { *vm.ip.add(1) }).instr else {
        // SAFETY: as above.
        unsafe { std::hint::unreachable_unchecked() }
    };
    let value = load_value!(vm, vm.r(addr), offset, u32, |v| v as u64, second_out_of_bounds);
    vm.put(dst, value);
    vm.skip(2)
});

handler!(I32StoreTwice(vm) Instr::I32StoreTwice { addr, val, offset } => {
    let ea = ea!(vm, vm.r(addr), offset, 4);
    put_bytes!(vm, ea, vm.r(val), u32);
    // SAFETY: the translator fuses the store only with an `I32Store` right after it.
    let Instr::I32Store { addr, val, offset } = (unsafe { *vm.ip.add(1) }).instr else {
        // SAFETY: as above.
        unsafe { std::hint::unreachable_unchecked() }
    };
    let ea = ea!(vm, vm.r(addr), offset, 4, second_out_of_bounds);
    put_bytes!(vm, ea, vm.r(val), u32);
    vm.skip(2)
});

/// Handlers of memory-0 stores of a `$t` at `addr + offset`: of slot `val`, of an
/// immediate (sign-extended), of the accumulator, and of slot `val` at `acc + offset`.
macro_rules! store {
    ($($name:ident, $imm:ident, $acc:ident, $at_acc:ident: $t:ty;)*) => {$(
        handler!($name(vm) Instr::$name { addr, val, offset } => {
            let ea = ea!(vm, vm.r(addr), offset, std::mem::size_of::<$t>());
            put_bytes!(vm, ea, vm.r(val), $t);
            vm.next()
        });
        handler!($imm(vm) Instr::$imm { addr, imm, offset } => {
            let ea = ea!(vm, vm.r(addr), offset, std::mem::size_of::<$t>());
            put_bytes!(vm, ea, imm as i32 as i64, $t);
            vm.next()
        });
        handler!($acc(vm) Instr::$acc { addr, offset } => {
            let ea = ea!(vm, vm.r(addr), offset, std::mem::size_of::<$t>());
            put_bytes!(vm, ea, vm.acc, $t);
            vm.next()
        });
        handler!($at_acc(vm) Instr::$at_acc { val, offset } => {
            let ea = ea!(vm, vm.acc, offset, std::mem::size_of::<$t>());
            put_bytes!(vm, ea, vm.r(val), $t);
            vm.next()
        });
    )*};
}

/// Handlers of the memory-0 stores only emitted in the form with slot operands.
macro_rules! store_slots {
    ($($name:ident: $t:ty;)*) => {$(
        handler!($name(vm) Instr::$name { addr, val, offset } => {
            let ea = ea!(vm, vm.r(addr), offset, std::mem::size_of::<$t>());
            put_bytes!(vm, ea, vm.r(val), $t);
            vm.next()
        });
    )*};
}

load_store! {
    I64LoadStore: u64;
    I32LoadStore: u32;
}

load! {
    I32Load / I32LoadToAcc, I32LoadAcc / I32LoadAccToAcc: u32 => |v| v as u64;
    I64Load / I64LoadToAcc, I64LoadAcc / I64LoadAccToAcc: u64 => |v| v;
    I32Load8S / I32Load8SToAcc, I32Load8SAcc / I32Load8SAccToAcc: i8 => |v| v as i32 as u32 as u64;
    I32Load8U / I32Load8UToAcc, I32Load8UAcc / I32Load8UAccToAcc: u8 => |v| v as u64;
    I32Load16S / I32Load16SToAcc, I32Load16SAcc / I32Load16SAccToAcc:
        i16 => |v| v as i32 as u32 as u64;
    I32Load16U / I32Load16UToAcc, I32Load16UAcc / I32Load16UAccToAcc: u16 => |v| v as u64;
    I64Load8S / I64Load8SToAcc, I64Load8SAcc / I64Load8SAccToAcc: i8 => |v| v as i64 as u64;
    I64Load8U / I64Load8UToAcc, I64Load8UAcc / I64Load8UAccToAcc: u8 => |v| v as u64;
    I64Load16S / I64Load16SToAcc, I64Load16SAcc / I64Load16SAccToAcc: i16 => |v| v as i64 as u64;
    I64Load16U / I64Load16UToAcc, I64Load16UAcc / I64Load16UAccToAcc: u16 => |v| v as u64;
    I64Load32S / I64Load32SToAcc, I64Load32SAcc / I64Load32SAccToAcc: i32 => |v| v as i64 as u64;
    I64Load32U / I64Load32UToAcc, I64Load32UAcc / I64Load32UAccToAcc: u32 => |v| v as u64;
}

store! {
    I32Store, I32StoreImm, I32StoreAcc, I32StoreAtAcc: u32;
    I64Store, I64StoreImm, I64StoreAcc, I64StoreAtAcc: u64;
    I32Store8, I32Store8Imm, I32Store8Acc, I32Store8AtAcc: u8;
    I32Store16, I32Store16Imm, I32Store16Acc, I32Store16AtAcc: u16;
}

store_slots! {
    I64Store8: u8;
    I64Store16: u16;
    I64Store32: u32;
}

handler!(V128Load(vm) Instr::V128Load { dst, addr, offset } => {
    let ea = vm.r(addr) as u32 as usize + offset as usize;
    if ea + 16 > vm.cx.st.mem_len {
        return vm.call(out_of_bounds);
    }
    // SAFETY: `ea + 16` is within memory 0, checked above.
    let v = u128::from_le_bytes(unsafe { std::ptr::read_unaligned(vm.mem.add(ea) as *const [u8; 16]) });
    vm.w128(dst, v);
    vm.next()
});

handler!(V128Store(vm) Instr::V128Store { addr, val, offset } => {
    let ea = vm.r(addr) as u32 as usize + offset as usize;
    if ea + 16 > vm.cx.st.mem_len {
        return vm.call(out_of_bounds);
    }
    let bytes = vm.r128(val).to_le_bytes();
    // SAFETY: `ea + 16` is within memory 0, checked above.
    unsafe { std::ptr::write_unaligned(vm.mem.add(ea) as *mut [u8; 16], bytes) };
    vm.next()
});

handler!(V128LoadExtend(vm) Instr::V128LoadExtend { op, dst, addr, offset } => {
    let ea = vm.r(addr) as u32 as usize + offset as usize;
    if ea + 8 > vm.cx.st.mem_len {
        return vm.call(out_of_bounds);
    }
    // SAFETY: `ea + 8` is within memory 0, checked above.
    let v = u64::from_le_bytes(unsafe { std::ptr::read_unaligned(vm.mem.add(ea) as *const [u8; 8]) });
    vm.w128(dst, simd::unary(op, v as u128));
    vm.next()
});

/// Loads `size` bytes at `addr + offset` of memory 0 (`st.pc` is past the instruction);
/// `None` with the error in `cx` if out of bounds.
#[inline(never)]
fn load_bytes(cx: &mut Cx<'_>, addr: R, offset: u32, size: u8) -> Option<u64> {
    match cx.ex.load_bytes(&cx.st, addr, offset, size) {
        Ok(v) => Some(v),
        Err(e) => {
            cx.fail(e);
            None
        }
    }
}

/// Stores the low `size` bytes of `value` at `addr + offset` of memory 0 (`st.pc` is past
/// the instruction); false with the error in `cx` if out of bounds.
#[inline(never)]
fn store_bytes(cx: &mut Cx<'_>, addr: R, offset: u32, size: u8, value: u64) -> bool {
    match cx.ex.store_bytes(&cx.st, addr, offset, size, value) {
        Ok(()) => true,
        Err(e) => {
            cx.fail(e);
            false
        }
    }
}

handler!(V128LoadSplat(vm) Instr::V128LoadSplat { op, size, dst, addr, offset } => {
    vm.sync_out(1);
    let Some(v) = load_bytes(vm.cx, addr, offset, size) else {
        return Exit::Error;
    };
    vm.w128(dst, simd::splat(op as u16, v));
    vm.next()
});

handler!(V128LoadZero(vm) Instr::V128LoadZero { size, dst, addr, offset } => {
    vm.sync_out(1);
    let Some(v) = load_bytes(vm.cx, addr, offset, size) else {
        return Exit::Error;
    };
    vm.w128(dst, v as u128);
    vm.next()
});

handler!(V128LoadLane(vm) Instr::V128LoadLane { op, lane, dst, addr, offset } => {
    let (vector, size, _) = vm.extra();
    vm.sync_out(2);
    let Some(v) = load_bytes(vm.cx, addr, offset, size as u8) else {
        return Exit::Error;
    };
    let out = simd::replace_lane(op as u16, vm.r128(vector), lane, v);
    vm.w128(dst, out);
    vm.skip(2)
});

handler!(V128StoreLane(vm) Instr::V128StoreLane { op, lane, addr, val, offset } => {
    let (size, _, _) = vm.extra();
    let v = simd::extract_lane(op as u16, vm.r128(val), lane);
    vm.sync_out(2);
    if !store_bytes(vm.cx, addr, offset, size as u8, v) {
        return Exit::Error;
    }
    vm.skip(2)
});

/// Runs a generic load (`MemLoad`) whose `Extra` word holds `offset` and `aux`; false
/// with the error in `cx` if it trapped.
#[inline(never)]
fn mem_load(cx: &mut Cx<'_>, op: u16, dst: R, addr: R, mem: u32, extra: (u32, u32, u32)) -> bool {
    let (lo, hi, aux) = extra;
    let offset = lo as u64 | (hi as u64) << 32;
    match cx.ex.mem_load(&cx.st, op, dst, addr, mem, offset, aux) {
        Ok(()) => true,
        Err(e) => {
            cx.fail(e);
            false
        }
    }
}

/// Runs a generic store (`MemStore`) whose `Extra` word holds the offset; false with the
/// error in `cx` if it trapped.
#[inline(never)]
fn mem_store(cx: &mut Cx<'_>, op: u16, addr: R, val: R, mem: u32, extra: (u32, u32, u32)) -> bool {
    let offset = extra.0 as u64 | (extra.1 as u64) << 32;
    match cx.ex.mem_store(&cx.st, op, addr, val, mem, offset) {
        Ok(()) => true,
        Err(e) => {
            cx.fail(e);
            false
        }
    }
}

/// Runs an atomic instruction whose `Extra` word holds the offset; false with the error in
/// `cx` if it trapped.
#[inline(never)]
fn atomic(cx: &mut Cx<'_>, op: u16, dst: R, args: R, mem: u32, extra: (u32, u32, u32)) -> bool {
    let offset = extra.0 as u64 | (extra.1 as u64) << 32;
    match cx.ex.atomic(&cx.st, op, dst, args, mem, offset) {
        Ok(()) => true,
        Err(e) => {
            cx.fail(e);
            false
        }
    }
}

handler!(MemLoad(vm) Instr::MemLoad { op, dst, addr, mem } => {
    let extra = vm.extra();
    vm.sync_out(2);
    if !mem_load(vm.cx, op, dst, addr, mem, extra) {
        return Exit::Error;
    }
    vm.skip(2)
});

handler!(MemStore(vm) Instr::MemStore { op, addr, val, mem } => {
    let extra = vm.extra();
    vm.sync_out(2);
    if !mem_store(vm.cx, op, addr, val, mem, extra) {
        return Exit::Error;
    }
    vm.skip(2)
});

handler!(Atomic(vm) Instr::Atomic { op, dst, args, mem } => {
    let extra = vm.extra();
    vm.sync_out(2);
    if !atomic(vm.cx, op, dst, args, mem, extra) {
        return Exit::Error;
    }
    vm.skip(2)
});

handler!(AtomicFence(vm) Instr::AtomicFence {} => {
    std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
    vm.next()
});

handler!(MemorySize(vm) Instr::MemorySize { dst, mem } => {
    let inner = &vm.cx.ex.inner;
    let m = inner.instances[vm.cx.st.instance as usize].memories[mem as usize];
    let pages = inner.memories[m as usize].pages();
    vm.put(dst, pages);
    vm.next()
});

/// `memory.grow` of memory `mem` by `delta`: the old size in pages, or -1 (of the
/// memory's address width) if it cannot grow. Refreshes the memory-0 cache.
#[inline(never)]
fn memory_grow(cx: &mut Cx<'_>, mem: u32, delta: u64) -> u64 {
    let inner = &mut cx.ex.inner;
    let m = inner.instances[cx.st.instance as usize].memories[mem as usize];
    let old = if inner.memories[m as usize].is_64() {
        inner.grow_memory(m as usize, delta).unwrap_or(u64::MAX)
    } else {
        let old = inner.grow_memory(m as usize, delta as u32 as u64);
        old.map_or(u32::MAX as u64, |o| o as u32 as u64)
    };
    cx.ex.refresh_memory(&mut cx.st);
    old
}

handler!(MemoryGrow(vm) Instr::MemoryGrow { dst, delta, mem } => {
    let old = memory_grow(vm.cx, mem, vm.r(delta));
    vm.mem = vm.cx.st.mem;
    vm.put(dst, old);
    vm.next()
});

/// Handlers of bulk memory and table instructions with three operands at `args`; the
/// executor method `$f` gets the running instance, the instruction's immediates and the
/// operands, and may trap.
macro_rules! bulk {
    ($($name:ident { $($imm:ident),* } => $f:ident;)*) => {$(
        handler!($name(vm) Instr::$name { args, $($imm),* } => {
            let a = (vm.r(args), vm.r(args + 1), vm.r(args + 2));
            let instance = vm.cx.st.instance;
            match vm.cx.ex.$f(instance, $($imm,)* a) {
                Ok(()) => vm.next(),
                Err(k) => vm.trap(k),
            }
        });
    )*};
}

bulk! {
    MemoryFill { mem } => memory_fill;
    MemoryCopy { dst_mem, src_mem } => memory_copy;
    MemoryInit { mem, data } => memory_init;
    TableFill { table } => table_fill;
    TableCopy { dst_table, src_table } => table_copy;
    TableInit { table, elem } => table_init;
}

handler!(DataDrop(vm) Instr::DataDrop { data } => {
    let instance = vm.cx.st.instance as usize;
    vm.cx.ex.inner.instances[instance].data_dropped[data as usize] = true;
    vm.next()
});

handler!(ElemDrop(vm) Instr::ElemDrop { elem } => {
    let instance = vm.cx.st.instance as usize;
    vm.cx.ex.inner.instances[instance].elems[elem as usize] = Box::new([]);
    vm.next()
});

handler!(TableGet(vm) Instr::TableGet { dst, index, table } => {
    let instance = vm.cx.st.instance;
    match vm.cx.ex.table_get(instance, table, vm.r(index) as u32) {
        Ok(v) => {
            vm.w(dst, v);
            vm.next()
        }
        Err(k) => vm.trap(k),
    }
});

handler!(TableSet(vm) Instr::TableSet { index, val, table } => {
    let instance = vm.cx.st.instance;
    let (i, v) = (vm.r(index) as u32, vm.r(val));
    match vm.cx.ex.table_set(instance, table, i, v) {
        Ok(()) => vm.next(),
        Err(k) => vm.trap(k),
    }
});

handler!(TableSize(vm) Instr::TableSize { dst, table } => {
    let inner = &vm.cx.ex.inner;
    let t = inner.instances[vm.cx.st.instance as usize].tables[table as usize];
    let len = inner.tables[t as usize].elems.len() as u64;
    vm.put(dst, len);
    vm.next()
});

handler!(TableGrow(vm) Instr::TableGrow { dst, args, table } => {
    let instance = vm.cx.st.instance;
    let (init, delta) = (vm.r(args), vm.r(args + 1) as u32);
    let cx = &mut *vm.cx;
    let old = cx.ex.table_grow(instance, table, init, delta);
    // The elements may have moved.
    cx.ex.refresh_memory(&mut cx.st);
    vm.put(dst, old as u64);
    vm.next()
});

/// Where the value of global `global` of the running instance is (its low 64 bits first).
#[inline(always)]
fn global_cell(st: &State, global: u32) -> *mut u128 {
    // SAFETY: `global` is a validated global index of the running instance; `st` caches
    // the instance's map to store indices and the store's entities (see
    // `Executor::refresh_memory`), and the value sits `global_value_at` bytes into each.
    unsafe {
        let g = *st.globals.add(global as usize);
        let entity = *st.global_entities.add(g as usize);
        entity.add(st.global_value_at).cast::<u128>()
    }
}

handler!(GlobalGet(vm) Instr::GlobalGet { dst, global } => {
    // SAFETY: see `global_cell`.
    let v = unsafe { *global_cell(&vm.cx.st, global) } as u64;
    vm.put(dst, v);
    vm.next()
});

handler!(GlobalSubImm(vm) Instr::GlobalSubImm { global, get, dst, imm } => {
    let cell = global_cell(&vm.cx.st, global as u32);
    // SAFETY: see `global_cell`.
    let v = unsafe { *cell } as u64;
    vm.w(get, v);
    let v = (v as u32).wrapping_sub(imm) as u64;
    vm.put(dst, v);
    // SAFETY: as above.
    unsafe { *cell = v as u128 };
    vm.skip(3)
});

handler!(GlobalSetAddImm(vm) Instr::GlobalSetAddImm { a, imm, global } => {
    let v = (vm.r(a) as u32).wrapping_add(imm) as u64;
    vm.acc = v;
    // SAFETY: see `global_cell`.
    unsafe { *global_cell(&vm.cx.st, global) = v as u128 };
    vm.skip(2)
});

handler!(GlobalGet2(vm) Instr::GlobalGet2 { dst, global } => {
    // SAFETY: see `global_cell`.
    let v = unsafe { *global_cell(&vm.cx.st, global) };
    vm.w128(dst, v);
    vm.next()
});

handler!(GlobalSet(vm) Instr::GlobalSet { src, global } => {
    let v = vm.r(src) as u128;
    // SAFETY: see `global_cell`.
    unsafe { *global_cell(&vm.cx.st, global) = v };
    vm.next()
});

handler!(GlobalSetAcc(vm) Instr::GlobalSetAcc { global } => {
    let v = vm.acc as u128;
    // SAFETY: see `global_cell`.
    unsafe { *global_cell(&vm.cx.st, global) = v };
    vm.next()
});

handler!(GlobalSet2(vm) Instr::GlobalSet2 { src, global } => {
    let v = vm.r128(src);
    // SAFETY: see `global_cell`.
    unsafe { *global_cell(&vm.cx.st, global) = v };
    vm.next()
});
