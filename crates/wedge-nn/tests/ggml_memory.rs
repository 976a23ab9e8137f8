//! GGML graphs and contexts are freed: repeated load / generate / unload cycles of the GGUF
//! test model do not grow the process (alone in its test binary, so nothing else allocates
//! meanwhile).

#![cfg(feature = "ggml")]

#[path = "support/guest.rs"]
mod guest;
mod support;

use guest::Nn;

/// Resident set size in bytes (Linux), or `None` elsewhere.
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Loads the preloaded model, generates two tokens, finalizes and unloads.
fn cycle(nn: &mut Nn) {
    let name = nn.put(b"m");
    let config = br#"{"ctx-size": 256, "n-predict": 2, "temp": 0, "threads": 1}"#;
    let c = nn.put(config);
    let out = nn.alloc(4);
    let e = nn.errno(
        "load_by_name_with_config",
        &[name, 1, c, config.len() as u32, out],
    );
    assert_eq!(e, 0);
    let graph = nn.u32_at(out);
    let (e, ctx) = nn.init(graph);
    assert_eq!(e, 0);
    let prompt = b"<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
    let t = nn.tensor(&[1], 3, prompt);
    assert_eq!(nn.errno("set_input", &[ctx, 0, t]), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    assert_eq!(nn.errno("finalize_execution_context", &[ctx]), 0);
    assert_eq!(nn.errno("unload", &[graph]), 0);
}

#[test]
fn load_generate_unload_cycles_do_not_grow_memory() {
    let Some(model) = support::smollm2_model() else {
        return;
    };
    if rss().is_none() {
        eprintln!("note: skipping: no /proc/self/statm");
        return;
    }
    std::env::set_var(
        wedge_nn::preload::PRELOAD_ENV,
        format!("m:GGML:AUTO:{}", model.display()),
    );
    // Warm-up (llama.cpp's one-time allocations, the mapped model's pages).
    for _ in 0..3 {
        cycle(&mut Nn::new(true));
    }
    let before = rss().unwrap();
    for _ in 0..20 {
        cycle(&mut Nn::new(true));
    }
    let grown = rss().unwrap().saturating_sub(before);
    eprintln!("resident set grew by {grown} bytes over 20 cycles");
    // One leaked model context (KV cache and compute buffers, tens of MB) per cycle would
    // be far more.
    assert!(grown < 64 << 20, "grew by {grown} bytes over 20 cycles");
}
