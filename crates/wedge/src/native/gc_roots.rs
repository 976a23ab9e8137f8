//! Finding the references compiled frames hold, for the collector: the frames are walked up
//! the frame-pointer chain and each call site's stack map (recorded by the compiler, stored
//! with the code and in AOT files) names the slots that hold references.
//!
//! A compiled frame calling out is found from the store's `exit_fp` (written before every
//! libcall and host call). Its caller's stack pointer at the call is 16 bytes above a
//! callee's frame pointer (the saved frame pointer and the return address), so the slots
//! of every frame up the chain are at known addresses. The walk stops at the first return
//! address outside compiled code (the entry routine of this activation). Frames of outer
//! activations (compiled code that called the host, which called wasm again) were
//! published by the host call as suspended roots before it left (see `libcalls`).

use super::signals;

/// Appends the references held by the compiled frames of the running activation: the frame
/// that called out (its stack pointer at the call `sp`, when known, and its frame pointer
/// `fp`) and every compiled frame up the chain from it.
///
/// # Safety
/// `fp` must be the frame pointer of the compiled frame (wasm function or trampoline) that
/// is calling out now, and `sp` zero or its stack pointer at that call.
pub(crate) unsafe fn compiled_frame_roots(sp: usize, mut fp: usize, out: &mut Vec<u64>) {
    // Reads the slots the stack map of the call returning to `ra` lists; false when `ra`
    // is no compiled code.
    let read = |ra: usize, sp: usize, out: &mut Vec<u64>| {
        signals::with_code(ra, |c| {
            for &(_, off) in c.stack_map_at(ra) {
                // SAFETY: the stack map of this call site lists slots of the live frame
                // whose stack pointer at the call is `sp`.
                out.push(unsafe { *((sp + off as usize) as *const u64) });
            }
        })
        .is_some()
    };
    if sp != 0 {
        // SAFETY: the call pushed its return address just below the caller's `sp`.
        let ra = unsafe { *((sp - 8) as *const usize) };
        read(ra, sp, out);
    }
    while fp != 0 {
        // SAFETY: `fp` points to a saved (caller fp, return address) pair of a compiled
        // frame, as guaranteed by the caller for the first and by the chain for the rest.
        let (next, ra) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if !read(ra, fp + 16, out) {
            break;
        }
        fp = next;
    }
}
