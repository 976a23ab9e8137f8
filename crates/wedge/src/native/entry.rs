//! Entering compiled code and leaving it abruptly on a trap.
//!
//! `wedge_native_enter` saves the callee-saved registers, records its stack pointer in an
//! [`Activation`] and calls an array trampoline. `wedge_native_unwind` (reached directly from
//! a libcall, or by redirecting a faulting thread from the signal handler) restores that
//! stack pointer and returns 1 from `wedge_native_enter`. Only compiled frames, trampolines
//! and `extern "C"` libcall frames with nothing to drop lie between the two, so skipping them
//! runs no destructors.

use std::cell::Cell;

/// One entry into compiled code on this thread; a linked list through `prev`.
#[repr(C)]
pub(crate) struct Activation {
    /// Stack pointer saved by `wedge_native_enter` (must stay the first field).
    pub saved_sp: usize,
    /// The activation this one is nested in.
    pub prev: *mut Activation,
    /// How many of `trap_pcs` are valid.
    pub trap_frames: usize,
    /// Trap kind code recorded by the signal handler (0 = none).
    pub trap_code: u8,
    /// Whether `trap_pcs[0]` is an exact pc (a fault) rather than a return address.
    pub first_exact: bool,
    /// For a trap raised by a libcall: the module function index of the calling frame
    /// (`u32::MAX` if none) and the start of its code block.
    pub trap_first_func: u32,
    /// See `trap_first_func`.
    pub trap_first_start: usize,
    /// The pinned register at a fault: metered code keeps the gas used there.
    pub trap_pinned: u64,
    /// Return addresses recorded by a trap, innermost first (fault pc first); only the first
    /// `trap_frames` are written (left uninitialized, and last, so entering costs no 2 KiB memset).
    pub trap_pcs: [std::mem::MaybeUninit<usize>; MAX_TRAP_FRAMES],
}

/// Frames recorded for a trap's backtrace.
pub(crate) const MAX_TRAP_FRAMES: usize = 256;

impl Activation {
    /// The recorded trap pcs.
    pub fn pcs(&self) -> &[usize] {
        let n = self.trap_frames.min(MAX_TRAP_FRAMES);
        // SAFETY: the first `trap_frames` entries were written by whoever set `trap_frames`
        // (the signal handler or the libcall that recorded the trap).
        unsafe { std::slice::from_raw_parts(self.trap_pcs.as_ptr().cast::<usize>(), n) }
    }

    pub fn new() -> Activation {
        Activation {
            saved_sp: 0,
            prev: std::ptr::null_mut(),
            trap_frames: 0,
            trap_code: 0,
            first_exact: false,
            trap_first_func: u32::MAX,
            trap_first_start: 0,
            trap_pinned: 0,
            trap_pcs: [std::mem::MaybeUninit::uninit(); MAX_TRAP_FRAMES],
        }
    }
}

thread_local! {
    /// The innermost activation of this thread, or null.
    pub(crate) static CURRENT: Cell<*mut Activation> = const { Cell::new(std::ptr::null_mut()) };
    /// Lowest stack address compiled code may use on this thread (0 = not computed).
    pub(crate) static STACK_LIMIT: Cell<usize> = const { Cell::new(0) };
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl wedge_native_enter",
    ".type wedge_native_enter,@function",
    "wedge_native_enter:",
    "push rbp",
    "mov rbp, rsp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "sub rsp, 8",
    "mov [rdi], rsp",
    "mov rax, rsi",
    "mov rdi, rdx",
    "mov rsi, rcx",
    "mov rdx, r8",
    "mov rcx, r9",
    "call rax",
    "xor eax, eax",
    ".Lwedge_enter_return:",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size wedge_native_enter, .-wedge_native_enter",
    ".p2align 4",
    ".globl wedge_native_unwind",
    ".type wedge_native_unwind,@function",
    "wedge_native_unwind:",
    "mov rsp, [rdi]",
    "mov eax, 1",
    "jmp .Lwedge_enter_return",
    ".size wedge_native_unwind, .-wedge_native_unwind",
);

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
unsafe extern "C" {
    /// Calls `trampoline(callee_vmctx, caller_vmctx, io, code)`; returns 0 when it returns,
    /// 1 when it was unwound.
    fn wedge_native_enter(
        activation: *mut Activation,
        trampoline: *const u8,
        callee_vmctx: *mut u8,
        caller_vmctx: *mut u8,
        io: *mut u64,
        code: *const u8,
    ) -> u32;
    /// Abandons the compiled frames of `activation` and returns 1 from its entry.
    fn wedge_native_unwind(activation: *mut Activation) -> !;
}

/// Address of the unwind routine, for the signal handler to redirect a thread to.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) fn unwind_address() -> usize {
    wedge_native_unwind as *const () as usize
}

/// Runs an array trampoline inside a new activation; returns false if it trapped.
///
/// # Safety
/// `trampoline`, `code` and the context blocks must be valid compiled code and blocks of
/// one loaded module, and `io` must hold the slots the trampoline's signature needs.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) unsafe fn enter(
    activation: &mut Activation,
    trampoline: *const u8,
    vmctx: *mut u8,
    caller: *mut u8,
    io: *mut u64,
    code: *const u8,
) -> bool {
    activation.prev = CURRENT.with(|c| c.replace(activation));
    // SAFETY: guaranteed by the caller; the activation outlives the call.
    let r = unsafe { wedge_native_enter(activation, trampoline, vmctx, caller, io, code) };
    CURRENT.with(|c| c.set(activation.prev));
    r == 0
}

/// Abandons the compiled frames of the innermost activation (after a libcall recorded a trap).
///
/// # Safety
/// Must be called from a libcall invoked by compiled code of the innermost activation, with
/// nothing left to drop in the frames between.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) unsafe fn unwind() -> ! {
    let a = CURRENT.with(|c| c.get());
    // SAFETY: guaranteed by the caller: an activation is running compiled code.
    unsafe { wedge_native_unwind(a) }
}

/// The lowest address of the current thread's stack, if the platform tells; asked once per
/// thread (for the main thread glibc reads `/proc/self/maps`, far too slow for every call).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn thread_stack_low() -> Option<usize> {
    thread_local! {
        static LOW: std::cell::Cell<Option<Option<usize>>> = const { std::cell::Cell::new(None) };
    }
    LOW.with(|l| match l.get() {
        Some(low) => low,
        None => {
            let low = ask_thread_stack_low();
            l.set(Some(low));
            low
        }
    })
}

/// Asks the C library for the lowest address of the current thread's stack.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn ask_thread_stack_low() -> Option<usize> {
    // SAFETY: `attr` is initialized by pthread_getattr_np before use and destroyed after.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        ok.then_some(addr as usize)
    }
}

/// Stack kept free below compiled code for host functions, libcalls and signal handling.
const STACK_RESERVE: usize = 256 * 1024;

/// The stack limit for compiled code on this thread: `max_stack` bytes below the current
/// stack pointer at the outermost entry, but never within the reserve above the stack's end.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) fn stack_limit(max_stack: usize) -> usize {
    let known = STACK_LIMIT.with(|l| l.get());
    if known != 0 && !CURRENT.with(|c| c.get()).is_null() {
        return known;
    }
    let here = &known as *const usize as usize;
    let mut limit = here.saturating_sub(max_stack);
    if let Some(low) = thread_stack_low() {
        limit = limit.max(low + STACK_RESERVE);
    }
    STACK_LIMIT.with(|l| l.set(limit));
    limit
}
