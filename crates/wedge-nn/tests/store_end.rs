//! When a store ends, the plugin frees what its guests left loaded (contexts, and graphs
//! loaded with `load`), while other stores' graphs and graphs preloaded by name stay.
//! Alone in its test binary: the plugin's tables are process-wide.

#[path = "support/guest.rs"]
mod guest;
mod support;

use guest::Nn;

#[test]
fn a_dropped_store_frees_what_its_guests_left_loaded() {
    let Some(data) = support::onnx_data() else {
        return;
    };
    let dir = data.join("pytorch-converted/test_Conv2d");
    let path = dir.join("model.onnx");
    let model = std::fs::read(&path).unwrap();
    // Read by the plugin on its first use of a preload name.
    std::env::set_var(
        "WASMEDGE_WASINN_PRELOAD",
        format!("conv:onnx:cpu:{}", path.display()),
    );
    assert_eq!(wedge_nn::live_counts(), (0, 0));

    // Store A loads a graph and makes a context, and never unloads or finalizes them.
    let mut a = Nn::new(true);
    let (e, graph_a) = a.load(&model, 1, 0);
    assert_eq!(e, 0);
    let (e, _ctx_a) = a.init(graph_a);
    assert_eq!(e, 0);
    // Store B loads its own graph and one by preload name.
    let mut b = Nn::new(true);
    let (e, graph_b) = b.load(&model, 1, 0);
    assert_eq!(e, 0);
    let name = b.put(b"conv");
    let out = b.alloc(4);
    assert_eq!(b.errno("load_by_name", &[name, 4, out]), 0);
    assert_eq!(wedge_nn::live_counts(), (3, 1));

    drop(a);
    assert_eq!(
        wedge_nn::live_counts(),
        (2, 0),
        "store A's graph and context are freed"
    );
    // B's graph still works.
    let (e, ctx_b) = b.init(graph_b);
    assert_eq!(e, 0);
    assert_eq!(b.errno("finalize_execution_context", &[ctx_b]), 0);

    drop(b);
    assert_eq!(
        wedge_nn::live_counts(),
        (1, 0),
        "the graph preloaded by name is shared and stays"
    );
}
