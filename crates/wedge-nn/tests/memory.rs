//! Graphs and contexts are freed: 1,000 load/compute/unload cycles of a small model do not
//! grow the process, on each ONNX backend (alone in its test binary, so nothing else
//! allocates meanwhile).

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

#[test]
fn load_unload_cycles_do_not_grow_memory() {
    let Some(data) = support::onnx_data() else {
        return;
    };
    if rss().is_none() {
        eprintln!("note: skipping: no /proc/self/statm");
        return;
    }
    let dir = data.join("pytorch-converted/test_Conv2d");
    let model = std::fs::read(dir.join("model.onnx")).unwrap();
    let input = support::read_proto(&dir.join("test_data_set_0/input_0.pb"));
    for backend in support::backends() {
        let _turn = support::use_backend(&backend);
        let b = backend.name();
        let mut nn = Nn::new(true);
        let cycle = |nn: &mut Nn| {
            let (e, graph) = nn.load(&model, 1, 0);
            assert_eq!(e, 0, "{b}: load");
            let (e, ctx) = nn.init(graph);
            assert_eq!(e, 0);
            assert_eq!(nn.set_f32(ctx, 0, &input.dims, &input.floats), 0);
            assert_eq!(nn.errno("compute", &[ctx]), 0, "{b}: compute");
            assert_eq!(nn.errno("finalize_execution_context", &[ctx]), 0);
            assert_eq!(nn.errno("unload", &[graph]), 0);
        };
        // The test guest bump-allocates its scratch memory: reset it between cycles by
        // making a fresh guest every 100 cycles (the plugin's state is what is measured).
        for _ in 0..100 {
            cycle(&mut nn);
        }
        nn = Nn::new(true);
        let before = rss().unwrap();
        for i in 0..1000 {
            if i % 100 == 0 {
                nn = Nn::new(true);
            }
            cycle(&mut nn);
        }
        let grown = rss().unwrap().saturating_sub(before);
        eprintln!("{b}: resident set grew by {grown} bytes over 1,000 cycles");
        // One leaked graph per cycle (model, optimised plan or session, context) would be
        // far more.
        assert!(
            grown < 16 << 20,
            "{b}: grew by {grown} bytes over 1,000 cycles"
        );
    }
}
