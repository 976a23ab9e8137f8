//! The ONNX backends (tract and ONNX Runtime) on real models with expected outputs (from the
//! `onnx` PyPI package), driven through the `wasi_ephemeral_nn` ABI by a guest.

#[path = "support/guest.rs"]
mod guest;
mod support;

use guest::Nn;
use support::{assert_close, backends, bytes_f32, onnx_data, read_proto, use_backend, Backend};

/// Models that ONNX Runtime (1.32) refuses: they are stamped with opset 6, and it has no
/// kernels for Gemm, BatchNormalization and PRelu of opsets before 7.
const OPSET6_ONLY_TRACT: &[&str] = &["test_Linear", "test_BatchNorm2d_eval", "test_PReLU_2d"];

/// Models (PyTorch-converted, with real weights) and their test data sets.
const MODELS: &[&str] = &[
    "test_Conv2d",
    "test_Conv2d_depthwise_strided",
    "test_Linear",
    "test_BatchNorm2d_eval",
    "test_MaxPool2d",
    "test_Softmax",
    "test_PReLU_2d",
];

#[test]
fn models_compute_their_expected_outputs() {
    let Some(data) = onnx_data() else { return };
    for backend in backends() {
        let _turn = use_backend(&backend);
        let mut nn = Nn::new(true);
        for model_name in MODELS {
            let name = format!("{model_name} on {}", backend.name());
            let dir = data.join("pytorch-converted").join(model_name);
            let model = std::fs::read(dir.join("model.onnx")).unwrap();
            let input = read_proto(&dir.join("test_data_set_0/input_0.pb"));
            let want = read_proto(&dir.join("test_data_set_0/output_0.pb"));
            assert_eq!(
                (input.data_type, want.data_type),
                (1, 1),
                "{name}: f32 tensors"
            );
            if matches!(backend, Backend::Ort(_)) && OPSET6_ONLY_TRACT.contains(model_name) {
                assert_eq!(nn.load(&model, 1, 0).0, 1, "{name}: refused");
                continue;
            }
            let (e, graph) = nn.load(&model, 1, 0);
            assert_eq!(e, 0, "{name}: load");
            let (e, ctx) = nn.init(graph);
            assert_eq!(e, 0, "{name}: init_execution_context");
            assert_eq!(
                nn.set_f32(ctx, 0, &input.dims, &input.floats),
                0,
                "{name}: set_input"
            );
            assert_eq!(nn.errno("compute", &[ctx]), 0, "{name}: compute");
            let (e, out) = nn.output(ctx, 0, want.floats.len() * 4);
            assert_eq!(e, 0, "{name}: get_output");
            assert_close(&bytes_f32(&out), &want.floats, &name);
            // A second run on the same context gives the same answer (the plan is cached).
            assert_eq!(nn.errno("compute", &[ctx]), 0, "{name}: compute again");
            let (_, again) = nn.output(ctx, 0, want.floats.len() * 4);
            assert_eq!(again, out, "{name}: second run");
            assert_eq!(nn.errno("finalize_execution_context", &[ctx]), 0);
            assert_eq!(nn.errno("unload", &[graph]), 0);
        }
    }
}
