//! Fuzz target: arbitrary bytes given to `Module::new` (lazy and eager translation) must
//! give a module or an error, never a panic, an abort or a hang.
#![no_main]

#[path = "../../crates/wedge/tests/robustness/harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|bytes: &[u8]| {
    static ENGINES: OnceLock<[wedge::Engine; 2]> = OnceLock::new();
    let engines = ENGINES.get_or_init(harness::load_engines);
    harness::load(engines, bytes);
});
