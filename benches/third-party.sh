#!/usr/bin/env bash
# Third-party programs (C and Rust compiled to wasm32-wasip1, not written for Wedge: bzip2,
# lz4, brotli, Lua 5.4, pulldown-cmark, jaq) under Wedge and the yardsticks, in one run:
#   interp  wedge --tier interp            vs  the Wasmi 2.0 CLI
#   jit     wedge --tier jit --no-cache    vs  wasmtime run -C cache=n
#   aot     wedge run FILE.aot.wasm        vs  wasmtime run --allow-precompiled FILE.cwasm
# Whole processes, best of RUNS, the runtimes alternating within each round (and their order
# reversed every other round); each program's output must be identical under every runtime.
# Prints wall-clock and CPU (user+sys) seconds, the ratios wedge/yardstick (below 1 means
# Wedge is faster) and their geometric means.
#
# Usage: benches/third-party.sh [RUNS]          (default 5)
# Environment: WEDGE (default target/release/wedge), WASMI (default `wasmi` on PATH or
# /var/tmp/wasmi/bin/wasmi; `cargo install --locked wasmi_cli --root /var/tmp/wasmi`),
# WASMTIME (default `wasmtime` on PATH or /var/tmp/wasmtime/bin/wasmtime;
# `cargo install --locked wasmtime-cli@48.0.8 --root /var/tmp/wasmtime`),
# ONLY="bzip2 lua" (a subset), MODES="interp jit aot" (a subset),
# WEDGE_TEST_CACHE (where benches/third-party/build.sh puts sources, .wasm files and inputs).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
. benches/tools.sh
need_wedge
need_wasmi
need_wasmtime
wedge="$WEDGE" wasmi="$WASMI" wasmtime="$WASMTIME"
dir="$(benches/third-party/build.sh | tail -n 1)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export WEDGE_AOT_KEY_FILE="$tmp/aot.key"

python3 - "$runs" "$wedge" "$wasmi" "$wasmtime" "$dir" "$tmp" "${ONLY:-}" "${MODES:-interp jit aot}" <<'PY'
import hashlib, math, os, subprocess, sys

sys.path.insert(0, "benches")
from timing import timed

runs, wedge, wasmi, wasmtime, wasm, tmp, only, modes = sys.argv[1:]
runs, modes = int(runs), modes.split()
inputs = os.path.join(os.path.dirname(wasm), "inputs")

# name: (arguments, stdin file or None); sized for about a second of Wasmtime's time.
JQ = ("group_by(.group) | map({group: .[0].group, n: length, score: (map(.score) | add), "
      "area: (map(.dims.w * .dims.h) | max), tags: (map(.tags[]) | unique | length), "
      "names: (map(.name | ascii_upcase) | sort | .[:3])}) | sort_by(-.n)")
PROGRAMS = {
    "bzip2": (["-c", "-9"], "text.txt"),
    "lz4": (["-c", "-9"], "text.txt"),
    "brotli": (["-c", "-q", "5"], "text.txt"),
    "lua": ([os.path.join(inputs, "bench.lua"), "2"], None),
    "pulldown-cmark": (["-T"], "doc.md"),
    "jaq": (["-c", JQ], "data.json"),
}
if only:
    PROGRAMS = {k: v for k, v in PROGRAMS.items() if k in only.split()}

def module(name):
    return os.path.join(wasm, name + ".wasm")

def commands(name):
    """Per mode: (wedge command, yardstick command); the guest arguments come after."""
    m, pre = module(name), ["--dir", inputs]
    aot, cwasm = os.path.join(tmp, name + ".aot.wasm"), os.path.join(tmp, name + ".cwasm")
    return {
        "interp": ([wedge, "run", "--tier", "interp", *pre, m], [wasmi, "run", *pre, m]),
        "jit": ([wedge, "run", "--tier", "jit", "--no-cache", *pre, m],
                [wasmtime, "run", "-C", "cache=n", *pre, m]),
        "aot": ([wedge, "run", *pre, aot], [wasmtime, "run", "--allow-precompiled", *pre, cwasm]),
    }

def run(cmd, stdin):
    """One process: (wall seconds, user+sys seconds, sha256 of stdout)."""
    out = os.path.join(tmp, "out")
    wall, cpu = timed(cmd, stdin, out)
    with open(out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return wall, cpu, digest

for name in PROGRAMS:
    if "aot" in modes:
        subprocess.run([wedge, "compile", module(name), os.path.join(tmp, name + ".aot.wasm")],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([wasmtime, "compile", module(name), "-o", os.path.join(tmp, name + ".cwasm")],
                       check=True)

best, digests = {}, {}
for r in range(runs):
    for name, (args, stdin) in PROGRAMS.items():
        stdin = stdin and os.path.join(inputs, stdin)
        cmds = commands(name)
        order = [(mode, side) for mode in modes for side in (0, 1)]
        if r % 2:
            order.reverse()
        for mode, side in order:
            wall, cpu, digest = run(cmds[mode][side] + args, stdin)
            key = (name, mode, side)
            old = best.get(key, (math.inf, math.inf))
            best[key] = (min(old[0], wall), min(old[1], cpu))
            first = digests.setdefault(name, (digest, cmds[mode][side][0]))
            if digest != first[0]:
                sys.exit(f"{name}: output of {cmds[mode][side][0]} ({mode}) differs from {first[1]}'s")
    print(f"round {r + 1}/{runs} done", file=sys.stderr, flush=True)

yard = {"interp": "wasmi", "jit": "wasmtime", "aot": "wt-cwasm"}
for metric, idx in (("wall-clock seconds", 0), ("CPU seconds (user+sys)", 1)):
    print(f"\n{metric}, best of {runs}; ratio = wedge / yardstick (below 1: Wedge faster)")
    head = f"{'program':15}"
    for mode in modes:
        head += f" {'wedge-' + mode:>12} {yard[mode]:>9} {'ratio':>6}"
    print(head)
    logs = {mode: [] for mode in modes}
    for name in PROGRAMS:
        line = f"{name:15}"
        for mode in modes:
            w, y = best[(name, mode, 0)][idx], best[(name, mode, 1)][idx]
            logs[mode].append(math.log(w / y))
            line += f" {w:12.3f} {y:9.3f} {w / y:6.2f}"
        print(line)
    line = f"{'geomean':15}"
    for mode in modes:
        line += f" {'':12} {'':9} {math.exp(sum(logs[mode]) / len(logs[mode])):6.2f}"
    print(line)
PY
