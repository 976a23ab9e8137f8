#!/usr/bin/env bash
# ONNX inference latency: Wedge (tests/guests/bin/nn.wasm through the wedge-nn plugin, on its
# tract backend and on its ONNX Runtime backend) against ONNX Runtime from PyPI
# (onnxruntime==1.32.0, Python), on the same models and input. Models: the ImageNet-sized
# "light" models of the PyPI package onnx==1.23.2. All sides time only repeated inference
# (model loading and optimisation excluded). ONNX Runtime (Python, and Wedge's backend) is
# measured with one intra-op thread (tract is single-threaded) and with ONNX Runtime's
# default (one per physical core); Wedge's ONNX Runtime backend loads the same
# libonnxruntime.so as the Python package.
#   benches/nn.sh            # RUNS=20 MODELS="light_squeezenet light_shufflenet ..."
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
runs=${RUNS:-20}
models=${MODELS:-"light_shufflenet light_squeezenet light_inception_v1 light_resnet50"}
cache=${WEDGE_TEST_CACHE:-$HOME/.cache/wedge-tests}
pypi=$cache/pypi
venv=$cache/ort-venv

cargo build --release -p wedge-cli -p wedge-nn >&2
wedge=$target/release/wedge
plugin=$target/release/libwedge_nn.so

mkdir -p "$pypi"
if ! ls "$pypi"/onnx-1.23.2-*.whl >/dev/null 2>&1; then
  python3 -m pip download --no-deps --quiet onnx==1.23.2 -d "$pypi"
fi
data=$cache/bench-onnx
if [ ! -d "$data/onnx/backend/test/data/light" ]; then
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.extractall(sys.argv[2], [n for n in z.namelist() if "/data/light/" in n])' \
    "$(ls "$pypi"/onnx-1.23.2-*.whl | head -1)" "$data"
fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet onnxruntime==1.32.0 numpy
fi

ortlib=$(ls "$venv"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.1.32.0 | head -1)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A deterministic input image tensor, 1x3x224x224 f32.
"$venv/bin/python" -c 'import numpy as np, sys; np.random.default_rng(0).standard_normal((1,3,224,224), dtype=np.float32).tofile(sys.argv[1])' "$work/in.bin"

# Per-run milliseconds of nn.wasm under wedge with the environment given as arguments.
wedge_ms() {
  env "$@" "$wedge" run --plugin "$plugin" --dir "/w:$work" "$repo/tests/guests/bin/nn.wasm" \
    /w/model.onnx /w/in.bin 1,3,224,224 /w/out.bin "$runs" | sed -n 's/^per run: \(.*\) ms$/\1/p'
}

printf "%-19s %9s %9s %9s %9s %9s %8s %8s %8s %9s\n" model "tract" "w-ort-1t" "w-ort" \
  "ort-1t" "ort" "tract/1t" "w/ort-1t" "w/ort" "max|diff|"
for m in $models; do
  cp "$data/onnx/backend/test/data/light/$m.onnx" "$work/model.onnx"
  wt=$(wedge_ms WEDGE_NN_ONNX_BACKEND=tract)
  cp "$work/out.bin" "$work/out-tract.bin"
  wd=$(wedge_ms WEDGE_NN_ONNX_BACKEND=ort WEDGE_NN_ORT_LIB="$ortlib" WEDGE_NN_ORT_THREADS=0)
  w1=$(wedge_ms WEDGE_NN_ONNX_BACKEND=ort WEDGE_NN_ORT_LIB="$ortlib" WEDGE_NN_ORT_THREADS=1)
  read -r o1 od diff < <("$venv/bin/python" - "$work" "$runs" <<'PY'
import sys, time, numpy as np, onnxruntime as ort
work, runs = sys.argv[1], int(sys.argv[2])
x = np.fromfile(f"{work}/in.bin", dtype=np.float32).reshape(1, 3, 224, 224)
def bench(threads):
    so = ort.SessionOptions()
    if threads:
        so.intra_op_num_threads = threads
    s = ort.InferenceSession(f"{work}/model.onnx", so, providers=["CPUExecutionProvider"])
    feed = {s.get_inputs()[0].name: x}
    y = s.run(None, feed)[0]
    t = time.perf_counter()
    for _ in range(runs):
        s.run(None, feed)
    return (time.perf_counter() - t) * 1000 / runs, y
t1, y = bench(1)
td, _ = bench(0)
diff = max(np.max(np.abs(np.fromfile(f"{work}/{f}", dtype=np.float32) - y.ravel()))
           for f in ("out.bin", "out-tract.bin"))
print(f"{t1:.3f} {td:.3f} {diff:.2e}")
PY
)
  ratios=$(python3 -c "print(f'{$wt/$o1:.2f} {$w1/$o1:.2f} {$wd/$od:.2f}')")
  read -r rt r1 rd <<<"$ratios"
  printf "%-19s %9s %9s %9s %9s %9s %8s %8s %8s %9s\n" "$m" "$wt" "$w1" "$wd" "$o1" "$od" \
    "$rt" "$r1" "$rd" "$diff"
done
echo "tract: Wedge on tract; w-ort-1t / w-ort: Wedge on ONNX Runtime, 1 thread / its default;"
echo "ort-1t / ort: ONNX Runtime from Python, 1 thread / its default (all in ms per run)."
