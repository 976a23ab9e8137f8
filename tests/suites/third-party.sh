#!/usr/bin/env bash
# Third-party programs (benches/third-party: bzip2, lz4, brotli, Lua 5.4, pulldown-cmark,
# jaq; fetched from package registries and built by benches/third-party/build.sh) run under
# every tier of wedge on small inputs: the outputs must agree across the interpreter, the
# JIT, tiered execution and an AOT file, compressed data must decompress to the input, and
# results that can be computed independently (Lua's fib and prime count, a jaq sum) must match.
# Without Debian's wasm toolchain it skips, or fails when WEDGE_CI=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
wedge="${WEDGE:-${CARGO_TARGET_DIR:-target}/release/wedge}"
[ -x "$wedge" ] || cargo build --release -p wedge-cli
if ! command -v clang-19 > /dev/null || ! command -v wasm-ld-19 > /dev/null || [ ! -x /usr/bin/rustc ]; then
  msg="third-party suite needs Debian's wasm toolchain: apt-get install -y rustc-web cargo-web rust-web-src lld-19 wasi-libc clang-19 libclang-rt-19-dev-wasm32"
  if [ "${WEDGE_CI:-}" = 1 ]; then echo "FAIL: $msg" >&2; exit 1; fi
  echo "skipped: $msg"; exit 0
fi
wasm="$(benches/third-party/build.sh | tail -n 1)"
inputs="$(dirname "$wasm")/inputs"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export WEDGE_AOT_KEY_FILE="$tmp/aot.key"
head -c 200000 "$inputs/text.txt" > "$tmp/text.txt"
head -c 200000 "$inputs/doc.md" > "$tmp/doc.md"
passed=0 failed=0
check() { # NAME CONDITION-COMMAND...
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAILED: $name" >&2; failed=$((failed + 1)); fi
}

# tiers PROGRAM STDIN OUT ARGS...: runs PROGRAM in each tier, writing OUT.<tier>.
tiers() {
  local prog="$1" stdin="$2" out="$3"; shift 3
  local m="$wasm/$prog.wasm"
  "$wedge" compile "$m" "$tmp/$prog.aot.wasm" > /dev/null
  "$wedge" run --tier interp --dir "$tmp" "$m" "$@" < "$stdin" > "$out.interp"
  "$wedge" run --tier jit --no-cache --dir "$tmp" "$m" "$@" < "$stdin" > "$out.jit"
  "$wedge" run --tier tiered --no-cache --dir "$tmp" "$m" "$@" < "$stdin" > "$out.tiered"
  "$wedge" run --dir "$tmp" "$tmp/$prog.aot.wasm" "$@" < "$stdin" > "$out.aot"
  for t in jit tiered aot; do
    check "$prog: $t output = interp output" cmp -s "$out.interp" "$out.$t"
  done
}

for c in "bzip2 -9" "lz4 -9" "brotli -q 5"; do
  prog=${c%% *}; level=${c#* }
  tiers "$prog" "$tmp/text.txt" "$tmp/$prog.z" -c $level
  # (lz4's CLI built this way rejects frames on standard input in any runtime: a file, then.)
  "$wedge" run --tier interp --dir "$tmp" "$wasm/$prog.wasm" -d -c "$tmp/$prog.z.jit" > "$tmp/$prog.back"
  check "$prog: decompresses to its input" cmp -s "$tmp/text.txt" "$tmp/$prog.back"
  check "$prog: compresses" test "$(stat -c %s "$tmp/$prog.z.jit")" -lt 100000
done

cp "$inputs/bench.lua" "$tmp/bench.lua"
tiers lua /dev/null "$tmp/lua" "$tmp/bench.lua" 1
check "lua: fib(24)" grep -qx "fib	46368" "$tmp/lua.interp"
check "lua: primes below 200000" grep -qx "sieve	17984" "$tmp/lua.interp"

tiers pulldown-cmark "$tmp/doc.md" "$tmp/md" -T
check "pulldown-cmark: tables rendered" grep -q '<table>' "$tmp/md.interp"
check "pulldown-cmark: one <h1>..<h3> per heading line" test \
  "$(grep -c '^<h[123]>' "$tmp/md.interp")" = "$(grep -c '^#' "$tmp/doc.md")"

tiers jaq "$inputs/data.json" "$tmp/jq" -c 'map(.id * 3 + .dims.w) | add'
want=$(python3 -c "import json,sys; print(sum(r['id'] * 3 + r['dims']['w'] for r in json.load(open(sys.argv[1]))))" "$inputs/data.json")
check "jaq: sum agrees with Python's" test "$(cat "$tmp/jq.interp")" = "$want"

echo "third-party: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
