//! Traps three calls deep (main -> outer -> middle -> inner) after writing a marker into
//! memory; with an argument "spin" it burns CPU in `hot_loop` first (profiler tests).

use std::hint::black_box;

/// A marker the core dump test looks for in memory.
static MARKER: &[u8] = b"WEDGE-COREDUMP-MARKER";

#[inline(never)]
fn inner(x: u32) -> u32 {
    if black_box(x) > 2 {
        core::arch::wasm32::unreachable();
    }
    x + 1
}

#[inline(never)]
fn middle(x: u32) -> u32 {
    inner(x * 2) + 1
}

#[inline(never)]
fn outer(x: u32) -> u32 {
    middle(x + 1) + 1
}

#[inline(never)]
fn hot_loop(n: u64) -> u64 {
    let mut h = 1u64;
    for i in 0..n {
        h = h.wrapping_mul(6364136223846793005).wrapping_add(black_box(i));
    }
    h
}

fn main() {
    black_box(MARKER);
    if std::env::args().nth(1).as_deref() == Some("spin") {
        println!("{}", hot_loop(black_box(300_000_000)));
    }
    println!("{}", outer(black_box(1)));
}
