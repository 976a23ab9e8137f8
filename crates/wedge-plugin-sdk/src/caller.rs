//! The caller of a plugin function: access to the calling instance's memory.

use crate::abi;

/// What a plugin function sees of its caller during one call.
pub struct Caller<'a> {
    raw: &'a mut abi::wedge_plugin_caller,
}

/// A guest pointer or length outside the caller's memory (or no memory at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfBounds;

impl std::fmt::Display for OutOfBounds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("guest memory access out of bounds")
    }
}

impl std::error::Error for OutOfBounds {}

impl<'a> Caller<'a> {
    /// Wraps the host's caller (used by the generated trampolines).
    pub(crate) fn new(raw: &'a mut abi::wedge_plugin_caller) -> Caller<'a> {
        Caller { raw }
    }

    /// The calling store's number (unique in the process, never reused): key per-store state
    /// with it and free that state in the plugin's `on_store_dropped` callback.
    pub fn store(&self) -> u64 {
        self.raw.store
    }

    /// The calling instance's exported `"memory"`, or `None` if it exports none.
    pub fn memory(&mut self) -> Option<&mut [u8]> {
        let mut len = 0usize;
        // SAFETY: the host's `memory` callback is valid for the duration of the call that gave
        // us this caller, and `len` is a valid place to store the length.
        let base = unsafe { (self.raw.memory)(self.raw, &mut len) };
        if base.is_null() {
            return None;
        }
        // SAFETY: the host guarantees `base..base+len` is the instance's memory, valid and not
        // otherwise accessed until the callback returns; the slice borrows `self` mutably,
        // and `self` cannot outlive the callback.
        Some(unsafe { std::slice::from_raw_parts_mut(base, len) })
    }

    /// `len` bytes of guest memory at `ptr`.
    pub fn bytes(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], OutOfBounds> {
        let memory = self.memory().ok_or(OutOfBounds)?;
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(OutOfBounds)?;
        memory.get_mut(start..end).ok_or(OutOfBounds)
    }

    /// Reads a little-endian u32 at `ptr`.
    pub fn read_u32(&mut self, ptr: u32) -> Result<u32, OutOfBounds> {
        let b = self.bytes(ptr, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Writes a little-endian u32 at `ptr`.
    pub fn write_u32(&mut self, ptr: u32, value: u32) -> Result<(), OutOfBounds> {
        self.bytes(ptr, 4)?.copy_from_slice(&value.to_le_bytes());
        Ok(())
    }

    /// Copies `data` into guest memory at `ptr`.
    pub fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), OutOfBounds> {
        let len = u32::try_from(data.len()).map_err(|_| OutOfBounds)?;
        self.bytes(ptr, len)?.copy_from_slice(data);
        Ok(())
    }
}
