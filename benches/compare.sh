#!/usr/bin/env bash
# Runs the programs in benches/programs/ under `wedge` and Wasmi at sizes that take about a
# second, and prints the best-of-N wall time of each and the ratio Wasmi / Wedge (above 1
# means Wedge is faster). Wedge runs its interpreter (`--tier interp`), interpreter against
# interpreter; TIER=jit measures its compiler tier instead.
#
# Usage: benches/compare.sh [RUNS]
#   WEDGE=path/to/wedge (default: the release build)   WASMI=path/to/wasmi (default: on PATH)
#   TIER=interp|jit (default: interp)
# Install Wasmi's CLI with: cargo install wasmi_cli --root /var/tmp/wasmi
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
target="${CARGO_TARGET_DIR:-target}"
wedge="${WEDGE:-$target/release/wedge}"
wasmi="${WASMI:-$(command -v wasmi || echo /var/tmp/wasmi/bin/wasmi)}"
tier="${TIER:-interp}"
[ -x "$wedge" ] || cargo build --release -p wedge-cli
[ -x "$wasmi" ] || { echo "Wasmi not found: cargo install wasmi_cli --root /var/tmp/wasmi" >&2; exit 1; }

# program  argument  expected output
cases=(
  "fib      35        9227465"
  "loop     200000000 -"
  "sieve    50000000  3001134"
  "indirect 50000000  -"
)

python3 - "$runs" "$wedge" "$wasmi" "$tier" "${cases[@]}" <<'PY'
import math, subprocess, sys, time
runs, wedge, wasmi, tier, cases = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
def best(cmd, expected):
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
        times.append(time.perf_counter() - start)
    if expected != "-" and out != expected:
        sys.exit(f"{' '.join(cmd)} printed {out!r}, expected {expected!r}")
    return min(times), out
ratios = []
print(f"{'program':10} {'arg':>10} {'wedge s':>9} {'wasmi s':>9} {'wasmi/wedge':>12}")
for case in cases:
    name, arg, expected = case.split()
    path = f"benches/programs/{name}.wat"
    w, out_w = best([wedge, "run", "--tier", tier, "--invoke", "run", path, arg], expected)
    i, out_i = best([wasmi, "run", "--invoke", "run", path, arg], expected)
    if out_w != out_i:
        sys.exit(f"{name}: wedge printed {out_w!r} but wasmi printed {out_i!r}")
    ratios.append(i / w)
    print(f"{name:10} {arg:>10} {w:9.3f} {i:9.3f} {i / w:12.2f}")
print(f"geometric mean wasmi/wedge: {math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}")
PY
