//! Stand-ins for the GGML backend when the `ggml` feature is off: loading a GGML model
//! answers InvalidEncoding (the backend is not built), so no value of these types exists.

use crate::errno::{Errno, NnResult};
use std::sync::{Arc, Mutex};

/// A GGUF model (never constructed without the `ggml` feature).
pub enum GgmlGraph {}

/// An execution context's state (never constructed without the `ggml` feature).
pub enum Session {}

impl GgmlGraph {
    /// Always InvalidEncoding: the backend is not built.
    pub fn load(_builders: &[Vec<u8>], _preloaded: bool) -> NnResult<GgmlGraph> {
        Err(Errno::InvalidEncoding)
    }

    /// Unreachable.
    pub fn session(&self) -> Arc<Mutex<Session>> {
        match *self {}
    }

    /// Unreachable.
    pub fn set_input(&self, _: &Mutex<Session>, _: u32, _: &[u8]) -> NnResult<()> {
        match *self {}
    }

    /// Unreachable.
    pub fn compute(&self, _: &Mutex<Session>) -> NnResult<()> {
        match *self {}
    }

    /// Unreachable.
    pub fn compute_single(&self, _: &Mutex<Session>) -> NnResult<()> {
        match *self {}
    }
}

impl Session {
    /// Unreachable.
    pub fn fini_single(&mut self) {
        match *self {}
    }

    /// Unreachable.
    pub fn output(&self, _: u32) -> Vec<u8> {
        match *self {}
    }

    /// Unreachable.
    pub fn output_single(&self, _: u32) -> Vec<u8> {
        match *self {}
    }
}
