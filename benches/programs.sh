#!/usr/bin/env bash
# Whole-program benchmarks: the guests in tests/guests/bench/wasm (compression, hashing, JSON,
# regex, an interpreter loop, matrix multiply) under wedge's interpreter, JIT and AOT files,
# and under Wasmtime (JIT and precompiled .cwasm) in the same run.
#
# Usage: benches/programs.sh [ROUNDS]     (ROUNDS: runs per measurement, best is kept; default 3)
# Environment: WEDGE (default target/release/wedge), WASMTIME (default: `wasmtime` on PATH or
# /var/tmp/wasmtime/bin/wasmtime; install with
# `cargo install --locked wasmtime-cli@48.0.8 --root /var/tmp/wasmtime`), SKIP_INTERP=1,
# INLINE=1 (wedge's JIT runs with `--inline` too; `wedge compile` inlines by default),
# BASE=path/to/other/wedge (a `base-aot` column: that binary's AOT files, measured in the same
# rounds, for before/after comparisons of the compiler), CLOCK=cpu (time user+sys CPU seconds
# of each process instead of wall-clock: steadier on a machine shared with other work).
#
# Wasmtime's JIT runs with its compilation cache off (-C cache=n), like wedge's.
# The configurations alternate within each round, so a load change hits them alike.
# Prints per-program wall-clock seconds (process start to exit, best of ROUNDS), the ratio
# wedge/wasmtime for AOT and JIT, their geometric means, AOT start-up time of a trivial
# module, and compile time and peak RSS of `wedge compile` / `wasmtime compile` on the
# largest guest.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
. benches/tools.sh
GUESTS=tests/guests/bench/wasm
CODE=()
[ -n "${INLINE:-}" ] && CODE=(--inline)
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

need_wedge
need_wasmtime

# program:rounds — sized for about a second of native work each.
PROGRAMS="matmul:220 interp:125 hash:500 compress:80 json:250 regex:100"

now() { date +%s.%N; }

# run_time CMD...: seconds one run of the command takes (wall-clock, or user+sys CPU with
# CLOCK=cpu); its stdout goes to $TMP/out.
# (Wall-clock from nanosecond timestamps: `time`'s own wall figure has 10 ms steps.)
run_time() {
  local t0 t1
  t0=$(now)
  /usr/bin/time -f '%U %S' -o "$TMP/time" "$@" > "$TMP/out" 2> "$TMP/err" \
    || { echo "FAILED: $*" >&2; cat "$TMP/err" >&2; exit 1; }
  t1=$(now)
  if [ "${CLOCK:-wall}" = cpu ]; then
    awk '{ printf "%.3f", $1 + $2 }' "$TMP/time"
  else
    printf '%.3f' "$(echo "$t1 - $t0" | bc -l)"
  fi
}

# min A B: the smaller of two times ("" counts as none).
min() {
  if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi
}

header='%-9s %9s %9s %9s %9s %9s %9s %9s'
[ -n "${BASE:-}" ] && header="$header %9s %9s"
# shellcheck disable=SC2059
printf "$header\n" program wedge-int wedge-jit wedge-aot wt-jit wt-aot aot-ratio jit-ratio \
  ${BASE:+base-aot aot/base}
log_aot=0; log_jit=0; log_base=0; count=0
for entry in $PROGRAMS; do
  name=${entry%%:*}; n=${entry##*:}
  wasm="$GUESTS/$name.wasm"
  "$WEDGE" "${CODE[@]}" compile "$wasm" "$TMP/$name.aot.wasm"
  "$WASMTIME" compile "$wasm" -o "$TMP/$name.cwasm"
  [ -n "${BASE:-}" ] && "$BASE" compile "$wasm" "$TMP/$name.base.aot.wasm"

  t_int=""; t_jit=""; t_aot=""; w_jit=""; w_aot=""; t_base=""; expect=""
  for _ in $(seq "$ROUNDS"); do
    if [ -z "${SKIP_INTERP:-}" ]; then
      t_int=$(min "$t_int" "$(run_time "$WEDGE" run --tier interp --invoke run "$wasm" "$n")")
      expect=$(cat "$TMP/out")
    fi
    t_jit=$(min "$t_jit" "$(run_time "$WEDGE" "${CODE[@]}" run --tier jit --invoke run "$wasm" "$n")")
    got_jit=$(cat "$TMP/out")
    t_aot=$(min "$t_aot" "$(run_time "$WEDGE" "${CODE[@]}" run --invoke run "$TMP/$name.aot.wasm" "$n")")
    got_aot=$(cat "$TMP/out")
    w_jit=$(min "$w_jit" "$(run_time "$WASMTIME" run -C cache=n --invoke run "$wasm" "$n")")
    got_wt=$(tail -n1 "$TMP/out")
    w_aot=$(min "$w_aot" "$(run_time "$WASMTIME" run --allow-precompiled --invoke run "$TMP/$name.cwasm" "$n")")
    got_base="$got_wt"
    if [ -n "${BASE:-}" ]; then
      t_base=$(min "$t_base" "$(run_time "$BASE" run --invoke run "$TMP/$name.base.aot.wasm" "$n")")
      got_base=$(cat "$TMP/out")
    fi
    if [ "$got_jit" != "$got_wt" ] || [ "$got_aot" != "$got_wt" ] || [ "$got_base" != "$got_wt" ] \
      || { [ -n "$expect" ] && [ "$expect" != "$got_wt" ]; }; then
      echo "$name: results differ (wedge jit $got_jit, aot $got_aot, base $got_base, interp ${expect:-?}, wasmtime $got_wt)"; exit 1
    fi
  done
  r_aot=$(echo "$t_aot / $w_aot" | bc -l); r_jit=$(echo "$t_jit / $w_jit" | bc -l)
  log_aot=$(echo "$log_aot + l($r_aot)" | bc -l); log_jit=$(echo "$log_jit + l($r_jit)" | bc -l)
  count=$((count + 1))
  line=$(printf '%-9s %9s %9s %9s %9s %9s %9.3f %9.3f' "$name" "${t_int:--}" "$t_jit" "$t_aot" "$w_jit" "$w_aot" "$r_aot" "$r_jit")
  if [ -n "${BASE:-}" ]; then
    log_base=$(echo "$log_base + l($t_base / $w_aot)" | bc -l)
    line="$line $(printf '%9s %9.3f' "$t_base" "$(echo "$t_aot / $t_base" | bc -l)")"
  fi
  echo "$line"
done
printf 'geometric mean of wedge/wasmtime time: AOT %.3f, JIT %.3f (below 1 means wedge is faster)\n' \
  "$(echo "e($log_aot / $count)" | bc -l)" "$(echo "e($log_jit / $count)" | bc -l)"
if [ -n "${BASE:-}" ]; then
  printf 'geometric mean of base/wasmtime AOT time: %.3f\n' "$(echo "e($log_base / $count)" | bc -l)"
fi

# Start-up: a trivial module, AOT file vs .cwasm, mean of 20 runs.
printf '(module (func (export "run") (param i32) (result i64) (i64.extend_i32_u (local.get 0))))' > "$TMP/tiny.wat"
"$WASMTIME" compile "$TMP/tiny.wat" -o "$TMP/tiny.cwasm"
"$WEDGE" compile "$TMP/tiny.wat" "$TMP/tiny.aot.wasm"
startup() {
  local t0 t1
  t0=$(now)
  for _ in $(seq 20); do "$@" > /dev/null 2>&1; done
  t1=$(now)
  printf '%.2f' "$(echo "($t1 - $t0) * 1000 / 20" | bc -l)"
}
s_wedge=$(startup "$WEDGE" run --invoke run "$TMP/tiny.aot.wasm" 1)
s_wt=$(startup "$WASMTIME" run --allow-precompiled --invoke run "$TMP/tiny.cwasm" 1)
echo "AOT start-up (trivial module, ms per run): wedge $s_wedge, wasmtime $s_wt"

# Compile time and peak memory on the largest guest.
big="$GUESTS/regex.wasm"
size=$(stat -c %s "$big")
/usr/bin/time -f '%e %M' -o "$TMP/wc" "$WEDGE" compile "$big" "$TMP/big.aot.wasm"
/usr/bin/time -f '%e %M' -o "$TMP/wtc" "$WASMTIME" compile "$big" -o "$TMP/big.cwasm"
read -r wc_s wc_kb < "$TMP/wc"; read -r wtc_s wtc_kb < "$TMP/wtc"
echo "compile $(basename "$big") ($size bytes): wedge ${wc_s}s ${wc_kb} KB peak RSS; wasmtime ${wtc_s}s ${wtc_kb} KB peak RSS"
