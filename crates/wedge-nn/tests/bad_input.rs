//! Bad input to `wasi_ephemeral_nn` gives an errno from WasmEdge's table (or a trap where
//! WasmEdge traps), never a host crash; the ONNX cases run on both backends (tract and ONNX
//! Runtime).

#[path = "support/guest.rs"]
mod guest;
mod support;

use guest::Nn;
use support::{backends, onnx_data, read_proto, use_backend, Backend};

const INVALID_ARGUMENT: i32 = 1;
const INVALID_ENCODING: i32 = 2;
const TOO_LARGE: i32 = 7;
const NOT_FOUND: i32 = 8;

/// A small real model and its input: (model bytes, input dims, input values).
fn conv_model() -> Option<(Vec<u8>, Vec<usize>, Vec<f32>)> {
    let dir = onnx_data()?.join("pytorch-converted/test_Conv2d");
    let input = read_proto(&dir.join("test_data_set_0/input_0.pb"));
    Some((
        std::fs::read(dir.join("model.onnx")).unwrap(),
        input.dims,
        input.floats,
    ))
}

#[test]
fn unknown_ids_are_invalid_arguments() {
    let mut nn = Nn::new(true);
    let out = nn.alloc(4);
    let t = nn.tensor(&[1], 1, &[0; 4]);
    assert_eq!(
        nn.errno("init_execution_context", &[9999, out]),
        INVALID_ARGUMENT
    );
    assert_eq!(nn.errno("set_input", &[9999, 0, t]), INVALID_ARGUMENT);
    assert_eq!(nn.errno("compute", &[9999]), INVALID_ARGUMENT);
    assert_eq!(
        nn.errno("get_output", &[9999, 0, out, 4, out]),
        INVALID_ARGUMENT
    );
    assert_eq!(nn.errno("compute_single", &[9999]), INVALID_ARGUMENT);
    assert_eq!(nn.errno("unload", &[9999]), INVALID_ARGUMENT);
    assert_eq!(
        nn.errno("finalize_execution_context", &[9999]),
        INVALID_ARGUMENT
    );
    let name = nn.put(b"no-such-model");
    assert_eq!(nn.errno("load_by_name", &[name, 13, out]), NOT_FOUND);
    assert_eq!(
        nn.errno("load_by_name_with_config", &[name, 13, name, 2, out]),
        NOT_FOUND
    );
}

#[test]
fn corrupt_models_and_wrong_encodings_are_refused() {
    let Some((model, _, _)) = conv_model() else {
        return;
    };
    for backend in backends() {
        let _turn = use_backend(&backend);
        corrupt_models(&backend, &model);
    }
}

/// Corrupt models and wrong encodings with `backend` answering ONNX.
fn corrupt_models(backend: &Backend, model: &[u8]) {
    let b = backend.name();
    let mut nn = Nn::new(true);
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert_eq!(nn.load(&garbage, 1, 0).0, INVALID_ARGUMENT, "{b}: garbage");
    for cut in [model.len() / 2, model.len() - 1, 7] {
        assert_eq!(
            nn.load(&model[..cut], 1, 0).0,
            INVALID_ARGUMENT,
            "{b}: truncated to {cut} bytes"
        );
    }
    // The model with bytes flipped in its middle (its graph and weights): refused or run,
    // never a crash.
    for at in (model.len() / 4..model.len()).step_by(model.len() / 8 + 1) {
        let mut bent = model.to_vec();
        bent[at] ^= 0xff;
        let e = nn.load(&bent, 1, 0).0;
        assert!(
            e == 0 || e == INVALID_ARGUMENT,
            "{b}: byte {at} flipped: {e}"
        );
    }
    assert_eq!(nn.load(&[], 1, 0).0, INVALID_ARGUMENT, "{b}: empty");
    // Without the `ggml` feature the backend is not built; with it, llama.cpp refuses the
    // ONNX bytes as a GGUF file.
    let ggml = if cfg!(feature = "ggml") {
        INVALID_ARGUMENT
    } else {
        INVALID_ENCODING
    };
    assert_eq!(nn.load(model, 6, 0).0, ggml, "ONNX bytes as GGML");
    assert_eq!(
        nn.load(model, 99, 0).0,
        INVALID_ENCODING,
        "unknown encoding"
    );
    assert_eq!(
        nn.load(model, 1, 3).0,
        INVALID_ARGUMENT,
        "AUTO is refused by load"
    );
    // Two builders for ONNX (which takes one).
    let m = nn.put(model);
    let pairs: Vec<u8> = [m, model.len() as u32, m, model.len() as u32]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let b = nn.put(&pairs);
    let out = nn.alloc(4);
    assert_eq!(nn.errno("load", &[b, 2, 1, 0, out]), INVALID_ARGUMENT);
    // After all that, a good load works.
    assert_eq!(nn.load(model, 1, 0).0, 0, "{b}: good model");
}

#[test]
fn out_of_bounds_pointers_are_invalid_arguments() {
    let Some((model, dims, input)) = conv_model() else {
        return;
    };
    for backend in backends() {
        let _turn = use_backend(&backend);
        out_of_bounds(&model, &dims, &input);
    }
}

/// Out-of-bounds guest pointers with the current backend.
fn out_of_bounds(model: &[u8], dims: &[usize], input: &[f32]) {
    let mut nn = Nn::new(true);
    let end = nn.memory_len();
    let out = nn.alloc(4);
    // Builder array outside memory, a builder pointing outside, an overflowing count.
    assert_eq!(nn.errno("load", &[end - 4, 1, 1, 0, out]), INVALID_ARGUMENT);
    let pair = nn.put(&[(end - 10).to_le_bytes(), 100u32.to_le_bytes()].concat());
    assert_eq!(nn.errno("load", &[pair, 1, 1, 0, out]), INVALID_ARGUMENT);
    assert_eq!(
        nn.errno("load", &[pair, u32::MAX, 1, 0, out]),
        INVALID_ARGUMENT
    );
    // The graph id's address outside memory.
    let m = nn.put(model);
    let pair = nn.put(&[m.to_le_bytes(), (model.len() as u32).to_le_bytes()].concat());
    assert_eq!(
        nn.errno("load", &[pair, 1, 1, 0, end - 2]),
        INVALID_ARGUMENT
    );
    let (e, graph) = nn.load(model, 1, 0);
    assert_eq!(e, 0);
    assert_eq!(
        nn.errno("init_execution_context", &[graph, end]),
        INVALID_ARGUMENT
    );
    let (e, ctx) = nn.init(graph);
    assert_eq!(e, 0);
    // Tensor struct, dims and data outside memory.
    assert_eq!(nn.errno("set_input", &[ctx, 0, end - 8]), INVALID_ARGUMENT);
    let bad_dims = [end - 2, 4, 1, m, 16]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect::<Vec<_>>();
    let t = nn.put(&bad_dims);
    assert_eq!(nn.errno("set_input", &[ctx, 0, t]), INVALID_ARGUMENT);
    let d = nn.put(&[1u32.to_le_bytes(), 4u32.to_le_bytes()].concat());
    let bad_data = [d, 2, 1, end - 4, 16]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect::<Vec<_>>();
    let t = nn.put(&bad_data);
    assert_eq!(nn.errno("set_input", &[ctx, 0, t]), INVALID_ARGUMENT);
    // A good input, then outputs to bad places.
    assert_eq!(nn.set_f32(ctx, 0, dims, input), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    let written = nn.alloc(4);
    assert_eq!(
        nn.errno("get_output", &[ctx, 0, end - 8, 1 << 20, written]),
        INVALID_ARGUMENT
    );
    let buf = nn.alloc(1 << 16);
    assert_eq!(
        nn.errno("get_output", &[ctx, 0, buf, 1 << 16, end]),
        INVALID_ARGUMENT
    );
    // Name strings outside memory.
    assert_eq!(
        nn.errno("load_by_name", &[end - 1, 8, out]),
        INVALID_ARGUMENT
    );
}

#[test]
fn tensors_that_disagree_with_their_dims_or_the_model_are_refused() {
    let Some((model, dims, input)) = conv_model() else {
        return;
    };
    for backend in backends() {
        let _turn = use_backend(&backend);
        wrong_tensors(&model, &dims, &input);
    }
}

/// Tensors that disagree with their dims or the model, with the current backend.
fn wrong_tensors(model: &[u8], dims: &[usize], input: &[f32]) {
    let mut nn = Nn::new(true);
    let (_, graph) = nn.load(model, 1, 0);
    let (_, ctx) = nn.init(graph);
    // Compute before any input.
    assert_eq!(nn.errno("compute", &[ctx]), INVALID_ARGUMENT);
    // Data length not the product of the dims.
    assert_eq!(nn.set_f32(ctx, 0, dims, &input[1..]), INVALID_ARGUMENT);
    let mut more = dims.to_vec();
    more[0] += 1;
    assert_eq!(nn.set_f32(ctx, 0, &more, input), INVALID_ARGUMENT);
    // Input index beyond the model's inputs; F64 and I64 (refused as inputs, as in WasmEdge).
    assert_eq!(nn.set_f32(ctx, 3, dims, input), INVALID_ARGUMENT);
    let t = nn.tensor(&[2], 2, &[0; 16]);
    assert_eq!(nn.errno("set_input", &[ctx, 0, t]), INVALID_ARGUMENT);
    let t = nn.tensor(&[2], 5, &[0; 16]);
    assert_eq!(nn.errno("set_input", &[ctx, 0, t]), INVALID_ARGUMENT);
    // A well-formed tensor of a shape the model cannot take: refused at compute.
    let n = input.len();
    assert_eq!(nn.set_f32(ctx, 0, &[n], input), 0);
    assert_eq!(nn.errno("compute", &[ctx]), INVALID_ARGUMENT);
    // The right rank with a wrong size, and the right shape with the wrong element type.
    let mut wider = dims.to_vec();
    wider[1] += 1;
    let more_input = vec![0.5f32; wider.iter().product()];
    assert_eq!(nn.set_f32(ctx, 0, &wider, &more_input), 0);
    assert_eq!(nn.errno("compute", &[ctx]), INVALID_ARGUMENT);
    let d: Vec<u32> = dims.iter().map(|x| *x as u32).collect();
    let t = nn.tensor(&d, 4, &support::f32_bytes(input));
    assert_eq!(nn.errno("set_input", &[ctx, 0, t]), 0);
    assert_eq!(nn.errno("compute", &[ctx]), INVALID_ARGUMENT);
    // The right shape (type byte with garbage in the padding, as low-level guests send).
    let t = nn.tensor(&d, 0xabcd_ef01, &support::f32_bytes(input));
    assert_eq!(nn.errno("set_input", &[ctx, 0, t]), 0);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    // Output buffer too small, unknown output index, streaming calls.
    assert_eq!(nn.output(ctx, 0, 4).0, TOO_LARGE);
    assert_eq!(nn.output(ctx, 5, 1 << 16).0, INVALID_ARGUMENT);
    assert_eq!(nn.errno("compute_single", &[ctx]), INVALID_ARGUMENT);
    assert_eq!(nn.errno("fini_single", &[ctx]), INVALID_ARGUMENT);
    // Unloading keeps the context usable; a second unload is an unknown id.
    assert_eq!(nn.errno("unload", &[graph]), 0);
    assert_eq!(nn.errno("unload", &[graph]), INVALID_ARGUMENT);
    assert_eq!(nn.errno("compute", &[ctx]), 0);
    assert_eq!(nn.init(graph).0, INVALID_ARGUMENT);
}

#[test]
fn a_guest_without_memory_traps() {
    let mut nn = Nn::new(false);
    let err = nn.call("compute", &[0]).unwrap_err().to_string();
    assert!(
        err.contains("wasi_ephemeral_nn needs the caller's exported memory"),
        "{err}"
    );
}
