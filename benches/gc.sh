#!/usr/bin/env bash
# GC field and element access under the compiler tier: runs benches/programs/gc_fields.wat
# (struct.get/set, array.get/get_u, array.len in a loop, no allocation after setup) under
# `wedge run --tier jit`, optionally a second wedge binary (BASE, e.g. an older build), and
# Wasmtime, and prints the best-of-N wall time of each (all must print the same sum).
#
# Usage: benches/gc.sh [ROUNDS] [RUNS]      (ROUNDS: the program's argument, default 50000;
#                                            RUNS: runs per measurement, default 5)
#   WEDGE=path/to/wedge (default: the release build)   BASE=path/to/other/wedge (optional)
#   WASMTIME=path/to/wasmtime (default: on PATH or /var/tmp/wasmtime/bin/wasmtime; skipped
#   when absent)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-50000}"
runs="${2:-5}"
target="${CARGO_TARGET_DIR:-target}"
wedge="${WEDGE:-$target/release/wedge}"
wasmtime="${WASMTIME:-$(command -v wasmtime || echo /var/tmp/wasmtime/bin/wasmtime)}"
[ -x "$wedge" ] || cargo build --release -p wedge-cli

python3 - "$rounds" "$runs" "$wedge" "${BASE:-}" "$wasmtime" <<'PY'
import os, subprocess, sys, time
rounds, runs, wedge, base, wasmtime = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
wat = "benches/programs/gc_fields.wat"
cmds = [("wedge-jit", [wedge, "run", "--tier", "jit", "--invoke", "run", wat, rounds])]
if base:
    cmds.append(("base-jit", [base, "run", "--tier", "jit", "--invoke", "run", wat, rounds]))
if os.access(wasmtime, os.X_OK):
    gc = ["-W", "gc=y,function-references=y"]
    cmds.append(("wasmtime", [wasmtime, "run", *gc, "--invoke", "run", wat, rounds]))
outputs = set()
for name, cmd in cmds:
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    outputs.add(out)
    print(f"{name:10} {best:8.3f} s   (run({rounds}) = {out})")
if len(outputs) != 1:
    sys.exit(f"the runtimes disagree: {sorted(outputs)}")
PY
