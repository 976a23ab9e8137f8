//! The ONNX backend is chosen from the environment at `load`: `WEDGE_NN_ONNX_BACKEND=ort`
//! without a loadable ONNX Runtime is InvalidEncoding (the backend is not there, as in
//! WasmEdge when a backend is not built), `auto` falls back to tract, an unknown backend name
//! is InvalidEncoding; `auto` with ONNX Runtime runs on tract the models ONNX Runtime
//! refuses. (Its own test binary: ONNX Runtime is loaded only at the end.)

#[path = "support/guest.rs"]
mod guest;
mod support;

use guest::Nn;

const INVALID_ENCODING: i32 = 2;

#[test]
fn the_backend_comes_from_the_environment() {
    let Some(data) = support::onnx_data() else {
        return;
    };
    let model = std::fs::read(data.join("pytorch-converted/test_Conv2d/model.onnx")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("libonnxruntime.so.1.32.0");
    // A file that is not a shared library at all.
    let not_a_library = dir.path().join("model.onnx");
    std::fs::write(&not_a_library, &model).unwrap();
    let mut nn = Nn::new(true);
    std::env::set_var("WEDGE_NN_ORT_LIB", &missing);
    std::env::set_var("WEDGE_NN_ONNX_BACKEND", "ort");
    assert_eq!(nn.load(&model, 1, 0).0, INVALID_ENCODING, "ort, no library");
    std::env::set_var("WEDGE_NN_ORT_LIB", &not_a_library);
    assert_eq!(
        nn.load(&model, 1, 0).0,
        INVALID_ENCODING,
        "ort, not a library"
    );
    std::env::remove_var("WEDGE_NN_ORT_LIB");
    std::env::set_var("ORT_DYLIB_PATH", &missing);
    assert_eq!(
        nn.load(&model, 1, 0).0,
        INVALID_ENCODING,
        "ort, ORT_DYLIB_PATH missing"
    );
    // auto (and unset) with a library that does not load: tract answers.
    std::env::set_var("WEDGE_NN_ONNX_BACKEND", "auto");
    let (e, graph) = nn.load(&model, 1, 0);
    assert_eq!(e, 0, "auto falls back to tract");
    std::env::remove_var("WEDGE_NN_ONNX_BACKEND");
    assert_eq!(nn.load(&model, 1, 0).0, 0, "unset is auto");
    let input =
        support::read_proto(&data.join("pytorch-converted/test_Conv2d/test_data_set_0/input_0.pb"));
    let (_, ctx) = nn.init(graph);
    assert_eq!(nn.set_f32(ctx, 0, &input.dims, &input.floats), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    std::env::set_var("WEDGE_NN_ONNX_BACKEND", "onnxruntime");
    assert_eq!(
        nn.load(&model, 1, 0).0,
        INVALID_ENCODING,
        "unknown backend name"
    );
    std::env::set_var("WEDGE_NN_ONNX_BACKEND", "tract");
    assert_eq!(nn.load(&model, 1, 0).0, 0, "tract");
    // With ONNX Runtime loaded: an opset-6 Gemm model it has no kernel for is refused under
    // `ort` and runs on tract under `auto`.
    std::env::remove_var("ORT_DYLIB_PATH");
    let Some(lib) = support::ort_library() else {
        return;
    };
    std::env::set_var("WEDGE_NN_ORT_LIB", lib);
    let linear = std::fs::read(data.join("pytorch-converted/test_Linear/model.onnx")).unwrap();
    std::env::set_var("WEDGE_NN_ONNX_BACKEND", "ort");
    assert_eq!(nn.load(&model, 1, 0).0, 0, "ort, conv");
    assert_eq!(nn.load(&linear, 1, 0).0, 1, "ort, opset-6 Gemm");
    std::env::set_var("WEDGE_NN_ONNX_BACKEND", "auto");
    assert_eq!(nn.load(&linear, 1, 0).0, 0, "auto, opset-6 Gemm on tract");
    assert_eq!(nn.load(b"garbage", 1, 0).0, 1, "auto, garbage");
}
