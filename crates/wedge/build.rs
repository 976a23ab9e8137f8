//! Chooses how the interpreter goes from one instruction to the next (see
//! `src/interp/exec/dispatch.rs`): threaded code, whose handlers call each other in tail
//! position, only where the optimizer turns those calls into jumps (opt-level 2 and 3);
//! a dispatch loop otherwise, so that unoptimized builds never grow the host stack.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(wedge_threaded)");
    println!("cargo::rerun-if-changed=build.rs");
    let opt_level = std::env::var("OPT_LEVEL").unwrap_or_default();
    if matches!(opt_level.as_str(), "2" | "3") {
        println!("cargo::rustc-cfg=wedge_threaded");
    }
}
