//! `load_by_name` of models preloaded through `WASMEDGE_WASINN_PRELOAD` (what
//! `wedge run --nn-preload` sets); alone in its test binary, since it sets the variable.

#[path = "support/guest.rs"]
mod guest;
mod support;

use guest::Nn;

#[test]
fn preloaded_models_load_by_name_and_are_cached_until_unloaded() {
    let Some(data) = support::onnx_data() else {
        return;
    };
    let model = data.join("pytorch-converted/test_Linear/model.onnx");
    let spec = format!(
        "lin:ONNX:CPU:{}\nbroken:onnx:cpu:/no/such/file.onnx",
        model.display()
    );
    // SAFETY-free: set before the plugin reads it (on the first load_by_name below).
    std::env::set_var(wedge_nn::preload::PRELOAD_ENV, spec);
    let mut nn = Nn::new(true);
    let name = nn.put(b"lin");
    let out = nn.alloc(4);
    assert_eq!(nn.errno("load_by_name", &[name, 3, out]), 0);
    let first = nn.u32_at(out);
    assert_eq!(nn.errno("load_by_name", &[name, 3, out]), 0);
    assert_eq!(nn.u32_at(out), first, "cached by name");
    let config = nn.put(br#"{"ctx-size": 8}"#);
    assert_eq!(
        nn.errno("load_by_name_with_config", &[name, 3, config, 15, out]),
        0
    );
    assert_eq!(nn.u32_at(out), first, "config ignored for a cached graph");
    assert_eq!(nn.errno("unload", &[first]), 0);
    assert_eq!(nn.errno("load_by_name", &[name, 3, out]), 0);
    assert_ne!(
        nn.u32_at(out),
        first,
        "a fresh graph after unload (ids are never reused)"
    );
    // The graph works.
    let input =
        support::read_proto(&data.join("pytorch-converted/test_Linear/test_data_set_0/input_0.pb"));
    let want = support::read_proto(
        &data.join("pytorch-converted/test_Linear/test_data_set_0/output_0.pb"),
    );
    let (_, ctx) = nn.init(nn.u32_at(out));
    assert_eq!(nn.set_f32(ctx, 0, &input.dims, &input.floats), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    let (_, got) = nn.output(ctx, 0, want.floats.len() * 4);
    support::assert_close(&support::bytes_f32(&got), &want.floats, "test_Linear");
    // A preload whose file is missing, and a name never preloaded.
    let broken = nn.put(b"broken");
    assert_eq!(nn.errno("load_by_name", &[broken, 6, out]), 8);
    let other = nn.put(b"other");
    assert_eq!(nn.errno("load_by_name", &[other, 5, out]), 8);
}
