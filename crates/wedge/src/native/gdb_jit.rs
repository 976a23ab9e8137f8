//! GDB's JIT compilation interface: a process-wide list of in-memory object files describing
//! JIT code, which a debugger finds through the symbols `__jit_debug_descriptor` and
//! `__jit_debug_register_code` (it sets a breakpoint in the latter and reads the list each
//! time it is called). Version 1 of the interface, as GDB's manual documents it.

use std::sync::Mutex;

/// No change to the list.
const JIT_NOACTION: u32 = 0;
/// `relevant_entry` was just added.
const JIT_REGISTER_FN: u32 = 1;
/// `relevant_entry` is about to be removed.
const JIT_UNREGISTER_FN: u32 = 2;

/// One object file in the list (layout fixed by the interface).
#[repr(C)]
pub struct JitCodeEntry {
    next_entry: *mut JitCodeEntry,
    prev_entry: *mut JitCodeEntry,
    symfile_addr: *const u8,
    symfile_size: u64,
}

/// The list's head, which debuggers read (layout fixed by the interface).
#[repr(C)]
pub struct JitDescriptor {
    version: u32,
    action_flag: u32,
    relevant_entry: *mut JitCodeEntry,
    first_entry: *mut JitCodeEntry,
}

/// The descriptor debuggers look up by name.
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static mut __jit_debug_descriptor: JitDescriptor = JitDescriptor {
    version: 1,
    action_flag: JIT_NOACTION,
    relevant_entry: std::ptr::null_mut(),
    first_entry: std::ptr::null_mut(),
};

/// Called after every change to the list; debuggers put a breakpoint here.
#[no_mangle]
#[inline(never)]
pub extern "C" fn __jit_debug_register_code() {
    // An empty asm statement the compiler must keep: the call and this function stay.
    // SAFETY: the statement has no instructions.
    unsafe { std::arch::asm!("", options(nostack, preserves_flags)) };
}

/// Serializes changes to the list.
static LOCK: Mutex<()> = Mutex::new(());

/// An object file registered with the debugger; unregistered on drop.
pub(crate) struct Registration {
    entry: *mut JitCodeEntry,
    /// The object file the entry points at (kept alive and unmoved while registered).
    _object: Box<[u8]>,
}

// SAFETY: the entry is only touched under `LOCK` (in `new` and `drop`), and the object
// bytes are never changed once registered.
unsafe impl Send for Registration {}
// SAFETY: as above; `&Registration` gives no access to either.
unsafe impl Sync for Registration {}

impl Registration {
    /// Adds `object` (an ELF file) to the list and tells an attached debugger.
    pub fn new(object: Vec<u8>) -> Registration {
        let object = object.into_boxed_slice();
        let entry = Box::into_raw(Box::new(JitCodeEntry {
            next_entry: std::ptr::null_mut(),
            prev_entry: std::ptr::null_mut(),
            symfile_addr: object.as_ptr(),
            symfile_size: object.len() as u64,
        }));
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the descriptor and every entry in the list are only changed under `LOCK`;
        // `entry` is a fresh allocation owned by the list until `drop`.
        unsafe {
            let d = std::ptr::addr_of_mut!(__jit_debug_descriptor);
            let first = (*d).first_entry;
            (*entry).next_entry = first;
            if !first.is_null() {
                (*first).prev_entry = entry;
            }
            (*d).first_entry = entry;
            (*d).relevant_entry = entry;
            (*d).action_flag = JIT_REGISTER_FN;
            __jit_debug_register_code();
            (*d).action_flag = JIT_NOACTION;
            (*d).relevant_entry = std::ptr::null_mut();
        }
        Registration {
            entry,
            _object: object,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: `self.entry` is in the list (added by `new`, removed only here), and the
        // list is only changed under `LOCK`.
        unsafe {
            let d = std::ptr::addr_of_mut!(__jit_debug_descriptor);
            let entry = self.entry;
            let (prev, next) = ((*entry).prev_entry, (*entry).next_entry);
            if prev.is_null() {
                (*d).first_entry = next;
            } else {
                (*prev).next_entry = next;
            }
            if !next.is_null() {
                (*next).prev_entry = prev;
            }
            (*d).relevant_entry = entry;
            (*d).action_flag = JIT_UNREGISTER_FN;
            __jit_debug_register_code();
            (*d).action_flag = JIT_NOACTION;
            (*d).relevant_entry = std::ptr::null_mut();
            drop(Box::from_raw(entry));
        }
    }
}
