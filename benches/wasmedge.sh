#!/usr/bin/env bash
# Compiled code against WasmEdge's LLVM AOT and Wasmtime's .cwasm, whole processes:
#   wedge-aot   `wedge compile` once, then `wedge run FILE.aot.wasm`
#   wasmedge    `wasmedge compile --optimize 3` once (WasmEdge 0.14.1 from Debian trixie),
#               then `wasmedge FILE.so`
#   wt-cwasm    `wasmtime compile` once, then `wasmtime run --allow-precompiled FILE.cwasm`
# on benches/programs/*.wat, the guests of tests/guests/bench/wasm and the third-party
# programs of benches/third-party.sh (when built). Best of RUNS, the runtimes alternating
# within each round (order reversed every other round); every program's output must be the
# same under every runtime. Prints wall-clock and CPU (user+sys) seconds, the ratios
# wedge/wasmedge and wedge/wasmtime (below 1: Wedge faster) and their geometric means, and
# the time of a trivial module under each runtime (process start-up; WasmEdge's includes
# the `chroot` below).
#
# This machine may not run trixie's binaries (they need a newer glibc), so WasmEdge runs in
# a trixie userland made once with debootstrap (minbase plus `wasmedge`; its dependency
# libspdlog1.15-fmt10 is a virtual package debootstrap cannot resolve, so libspdlog1.15
# is named too) under
# ${WEDGE_TEST_CACHE:-/var/tmp/wedge-test-cache}/wasmedge/root. The benchmark runs in a
# private mount namespace that bind-mounts the programs and inputs read-only into that root
# at their own paths (and a scratch directory read-write), and starts WasmEdge with `chroot`.
# Needs root (debootstrap, unshare, mount, chroot).
#
# Usage: benches/wasmedge.sh [RUNS]          (default 5)
# Environment: WEDGE (default target/release/wedge), WASMTIME (default `wasmtime` on PATH or
# /var/tmp/wasmtime/bin/wasmtime; `cargo install --locked wasmtime-cli@48.0.8 --root
# /var/tmp/wasmtime`), ONLY="fib sieve" (a subset), DEBIAN_MIRROR (default
# http://deb.debian.org/debian), BASE (a second wedge binary, measured as `base-aot`, for
# before/after comparisons of the compiler).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
. benches/tools.sh
need_wedge
need_wasmtime
wedge="$WEDGE" wasmtime="$WASMTIME"
cache="${WEDGE_TEST_CACHE:-/var/tmp/wedge-test-cache}"
root="$cache/wasmedge/root"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
[ "$(id -u)" = 0 ] || { echo "benches/wasmedge.sh needs root (debootstrap, mount namespaces, chroot)" >&2; exit 1; }

# The trixie root with WasmEdge, made once.
if [ ! -x "$root/usr/bin/wasmedge" ]; then
  command -v debootstrap >/dev/null || { apt-get -q update && apt-get -q install -y debootstrap; }
  mkdir -p "$cache/wasmedge"
  dir="$(mktemp -d "$cache/wasmedge/root.XXXXXX")"
  echo "making a trixie root with wasmedge in $root (once)..." >&2
  # debootstrap mounts /proc and /sys in the target while it works: in a mount namespace of
  # its own, nothing can stay mounted on the host.
  unshare --mount --propagation private \
    debootstrap --variant=minbase --include=wasmedge,libspdlog1.15 trixie "$dir" "$mirror" >/dev/null
  rm -rf "$root"
  mv "$dir" "$root"
fi

third="$cache/third-party"
tmp="$(mktemp -d /var/tmp/wedge-wasmedge-bench.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

unshare --mount --propagation private python3 - "$runs" "$wedge" "$wasmtime" "$root" "$third" \
  "$tmp" "${ONLY:-}" "${BASE:-}" <<'PY'
import hashlib, math, os, re, shutil, subprocess, sys, time

sys.path.insert(0, "benches")
from timing import timed

runs, wedge, wasmtime, root, third, tmp, only, base = sys.argv[1:]
runs = int(runs)
inputs = os.path.join(third, "inputs")

def bind(path, writable=False):
    """Mounts host directory `path` at the same path inside the root (we are in a private
    mount namespace: the mounts go away with it)."""
    inside = root + path
    os.makedirs(inside, exist_ok=True)
    subprocess.run(["mount", "--bind", path, inside], check=True)
    if not writable:
        subprocess.run(["mount", "-o", "remount,bind,ro", inside], check=True)

# Programs: name -> (module, arguments after the module, stdin file or None, mode), where
# mode "invoke" calls the export `run` and "wasi" runs `_start`.
programs = {}
wat_args = {"fib": "40", "loop": "1000000000", "sieve": "200000000", "indirect": "300000000",
            "gc_fields": "200000"}
os.makedirs(os.path.join(tmp, "wat"))
for name, arg in wat_args.items():
    wat = f"benches/programs/{name}.wat"
    wasm = os.path.join(tmp, "wat", name + ".wasm")
    # wat2wasm when it can; otherwise (GC types) the plain module inside wedge's universal
    # file (it is a valid module: the native code is a custom section the others skip).
    if not shutil.which("wat2wasm") or subprocess.run(
            ["wat2wasm", "--enable-all", wat, "-o", wasm], capture_output=True).returncode:
        subprocess.run([wedge, "compile", "--no-inline", wat, wasm], check=True,
                       stdout=subprocess.DEVNULL)
    programs[name] = (wasm, [arg], None, "invoke")
guests = os.path.abspath("tests/guests/bench/wasm")
for name, arg in (("matmul", "220"), ("interp", "125"), ("hash", "500"), ("compress", "80"),
                  ("json", "250"), ("regex", "100")):
    programs[name] = (os.path.join(guests, name + ".wasm"), [arg], None, "invoke")
JQ = ("group_by(.group) | map({group: .[0].group, n: length, score: (map(.score) | add), "
      "area: (map(.dims.w * .dims.h) | max), tags: (map(.tags[]) | unique | length), "
      "names: (map(.name | ascii_upcase) | sort | .[:3])}) | sort_by(-.n)")
for name, args, stdin in (("bzip2", ["-c", "-9"], "text.txt"), ("lz4", ["-c", "-9"], "text.txt"),
                          ("brotli", ["-c", "-q", "5"], "text.txt"),
                          ("lua", [os.path.join(inputs, "bench.lua"), "2"], None),
                          ("pulldown-cmark", ["-T"], "doc.md"), ("jaq", ["-c", JQ], "data.json")):
    wasm = os.path.join(third, "wasm", name + ".wasm")
    if os.path.exists(wasm):
        programs[name] = (wasm, args, stdin and os.path.join(inputs, stdin), "wasi")
if only:
    programs = {k: v for k, v in programs.items() if k in only.split()}
if not any(v[3] == "wasi" for v in programs.values()) and not only:
    print("note: third-party programs not built (benches/third-party/build.sh): skipped",
          file=sys.stderr)

# A trivial module, for start-up.
tiny = os.path.join(tmp, "wat", "tiny.wasm")
with open(tiny + ".wat", "w") as f:
    f.write('(module (func (export "run") (param i32) (result i64) '
            '(i64.extend_i32_u (local.get 0))))')
subprocess.run([wedge, "compile", "--no-inline", tiny + ".wat", tiny], check=True,
               stdout=subprocess.DEVNULL)

bind(os.path.join(tmp, "wat"))
bind(guests)
if os.path.isdir(inputs):
    bind(os.path.join(third, "wasm"))
    bind(inputs)
out_dir = os.path.join(tmp, "out")
os.makedirs(out_dir)
bind(out_dir, writable=True)
subprocess.run(["mount", "--bind", "/dev", root + "/dev"], check=True)
subprocess.run(["mount", "-t", "proc", "proc", root + "/proc"], check=True)

def wasmedge(*args):
    return ["chroot", root, "/usr/bin/wasmedge", *args]

version = subprocess.run(wasmedge("--version"), capture_output=True, text=True).stdout.split("\n")[0]
print(f"WasmEdge: {version}; Wasmtime: "
      + subprocess.run([wasmtime, "--version"], capture_output=True, text=True).stdout.strip())

# Compile each module once per runtime, timing it (CPU seconds).
def cpu_of(cmd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    err = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None, err.decode(errors="replace")
    return (time.perf_counter() - start, usage.ru_utime + usage.ru_stime), ""

compiled, compile_times = {}, {}
for name, (wasm, _, _, _) in list(programs.items()) + [("tiny", (tiny, None, None, None))]:
    aot = os.path.join(out_dir, name + ".aot.wasm")
    so = os.path.join(out_dir, name + ".so")
    cwasm = os.path.join(out_dir, name + ".cwasm")
    feats = ["--enable-gc"] if name == "gc_fields" else []
    jobs = {"wedge-aot": [wedge, "compile", wasm, aot],
            # WasmEdge's compiler has no GC switch (0.14.1 runs GC in its interpreter only).
            "wasmedge": wasmedge("compile", "--optimize", "3",
                                 *(["--enable-function-reference"] if feats else []), wasm, so),
            "wt-cwasm": [wasmtime, "compile", *(["-W", "gc=y,function-references=y"]
                                                if feats else []), wasm, "-o", cwasm]}
    if base:
        jobs["base-aot"] = [base, "compile", wasm, os.path.join(out_dir, name + ".base.wasm")]
    for who, cmd in jobs.items():
        t, err = cpu_of(cmd)
        compile_times[(name, who)] = t
        if t is None:
            first = re.sub(r"\x1b\[[0-9;]*m", "", err.strip()).splitlines()[:1]
            print(f"note: {who} cannot compile {name}: {' '.join(first)}", file=sys.stderr)
    compiled[name] = (aot, so, cwasm)

def commands(name, args, mode):
    """Per runtime, the command that runs the compiled module `name`."""
    aot, so, cwasm = compiled[name]
    if mode == "invoke":
        cmds = {"wedge-aot": [wedge, "run", "--invoke", "run", aot, *args],
                "wasmedge": wasmedge("--reactor", *(["--enable-gc"] if name == "gc_fields"
                                                     else []), so, "run", *args),
                "wt-cwasm": [wasmtime, "run", "--allow-precompiled", "--invoke", "run", cwasm,
                             *args]}
        if name == "gc_fields":
            cmds["wt-cwasm"][2:2] = ["-W", "gc=y,function-references=y"]
        if base:
            cmds["base-aot"] = [base, "run", "--invoke", "run",
                                os.path.join(out_dir, name + ".base.wasm"), *args]
    else:
        cmds = {"wedge-aot": [wedge, "run", "--dir", inputs, aot, *args],
                "wasmedge": wasmedge("--dir", f"{inputs}:{inputs}", so, *args),
                "wt-cwasm": [wasmtime, "run", "--allow-precompiled", "--dir", inputs, cwasm,
                             *args]}
        if base:
            cmds["base-aot"] = [base, "run", "--dir", inputs,
                                os.path.join(out_dir, name + ".base.wasm"), *args]
    # A runtime that could not compile the module sits this one out.
    return {who: cmd for who, cmd in cmds.items() if compile_times.get((name, who))}

def run(cmd, stdin, mode):
    """One process: (wall seconds, user+sys seconds, what it printed)."""
    out = os.path.join(tmp, "stdout")
    wall, cpu = timed(cmd, stdin, out)
    with open(out, "rb") as f:
        data = f.read()
    if mode != "invoke":
        return wall, cpu, hashlib.sha256(data).hexdigest()
    # An invoked function's result: the last line each runtime prints (Wasmtime also warns
    # on stderr).
    return wall, cpu, data.strip().splitlines()[-1].decode()

def same(a, b):
    """Whether two outputs agree. WasmEdge prints integer results unsigned, the others
    signed: integers are equal modulo 2^64, or modulo 2^32 when both print as 32-bit."""
    try:
        x, y = int(a), int(b)
    except (TypeError, ValueError):
        return a == b
    i32 = all(-2**31 <= v < 2**32 for v in (x, y))
    return (x - y) % 2**64 == 0 or (i32 and (x - y) % 2**32 == 0)

best, seen = {}, {}
names = list(programs) + ["tiny"]
programs["tiny"] = (tiny, ["1"], None, "invoke")
for r in range(runs):
    for name in names:
        _, args, stdin, mode = programs[name]
        cmds = commands(name, args, mode)
        order = list(cmds.items())
        if r % 2:
            order.reverse()
        for who, cmd in order:
            wall, cpu, out = run(cmd, stdin, mode)
            old = best.get((name, who), (math.inf, math.inf))
            best[(name, who)] = (min(old[0], wall), min(old[1], cpu))
            first = seen.setdefault(name, (out, who))
            if not same(out, first[0]):
                sys.exit(f"{name}: {who} printed {out!r}, {first[1]} printed {first[0]!r}")
    print(f"round {r + 1}/{runs} done", file=sys.stderr, flush=True)

cols = ["wedge-aot", "wasmedge", "wt-cwasm"] + (["base-aot"] if base else [])
for metric, idx in (("wall-clock seconds", 0), ("CPU seconds (user+sys)", 1)):
    print(f"\n{metric}, best of {runs}; ratio = wedge-aot / other (below 1: Wedge faster)")
    head = f"{'program':15}" + "".join(f" {c:>10}" for c in cols) + f" {'/wasmedge':>10} {'/wasmtime':>10}"
    if base:
        head += f" {'/base':>10}"
    print(head)
    logs = {c: [] for c in cols[1:]}
    for name in names:
        line = f"{name:15}"
        for c in cols:
            v = best.get((name, c))
            line += f" {v[idx]:10.3f}" if v else f" {'n/a':>10}"
        w = best[(name, "wedge-aot")][idx]
        for c in cols[1:]:
            v = best.get((name, c))
            if v:
                line += f" {w / v[idx]:10.2f}"
                if name != "tiny":
                    logs[c].append(math.log(w / v[idx]))
            else:
                line += f" {'n/a':>10}"
        print(line)
    line = f"{'geomean':15}" + " " * 11 * len(cols)
    for c in cols[1:]:
        line += f" {math.exp(sum(logs[c]) / len(logs[c])):10.2f}" if logs[c] else f" {'n/a':>10}"
    print(line + "   (programs other than tiny)")

print("\ncompile CPU seconds per module (wedge / wasmedge / wasmtime):")
for name in names:
    ts = [compile_times.get((name, w)) for w in ("wedge-aot", "wasmedge", "wt-cwasm")]
    print(f"{name:15} " + " ".join(f"{t[1]:8.3f}" if t else f"{'n/a':>8}" for t in ts))
t0 = time.perf_counter()
for _ in range(20):
    subprocess.run(["chroot", root, "/bin/true"], check=True)
print(f"\n`chroot ROOT /bin/true` alone: {(time.perf_counter() - t0) / 20 * 1000:.2f} ms per run "
      "(part of WasmEdge's tiny time)")
PY
