#!/usr/bin/env bash
# Start-up and memory of Wasm containers on Wedge's shim against a static native hello
# under runc, both through containerd 1.7's `ctr run` (programs fetched by
# tests/containers/fetch.sh; builds as in tests/suites/containers.sh). As root.
#   start-up: time from launching `ctr run --rm` to the container's first output line,
#             median of RUNS (default 20) alternating runs;
#   memory:   PSS and RSS of the shim and the container's process, per running container,
#             with COUNT (default 5) idle containers of each kind.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/tests/containers/lib.sh"
enter_mount_namespace "$@"
RUNS=${RUNS:-20}
COUNT=${COUNT:-5}
setup_tmp
for prog in hello pause; do
  cc -static -O2 -o "$T/$prog" "$REPO/tests/containers/native/$prog.c"
  python3 "$REPO/tests/containers/native_image.py" "$T/$prog" "wedge.test/$prog:1" "$T/$prog.tar"
done
"$WEDGE" oci pack "$GUEST" -o "$T/app.tar" --name wedge.test/app:1
"$WEDGE" oci pack "$GUEST" -o "$T/art.tar" --name wedge.test/art:1 --layout artifact
start_containerd
C="$CTR -n bench"
for img in hello pause; do $C images import "$T/$img.tar" >/dev/null; done
$C images import --platform wasi/wasm "$T/app.tar" >/dev/null
$C images import --platform wasi/wasm "$T/art.tar" >/dev/null
# One run each first: the artifact's precompilation and the image layout's first
# compilation into the node's code cache happen here, not in the timed runs.
$C run --rm --runtime io.containerd.wedge.v1 wedge.test/art:1 warm >/dev/null
$C run --rm --runtime io.containerd.wedge.v1 wedge.test/app:1 warm >/dev/null

python3 - "$RUNS" "$C" <<'PY'
import statistics, subprocess, sys, time
runs, ctr = int(sys.argv[1]), sys.argv[2].split()
kinds = {
    "runc, static native hello": ["--runtime", "io.containerd.runc.v2", "wedge.test/hello:1"],
    "wedge shim, image layout (node code cache)": ["--runtime", "io.containerd.wedge.v1", "wedge.test/app:1"],
    "wedge shim, artifact layout (precompiled)": ["--runtime", "io.containerd.wedge.v1", "wedge.test/art:1"],
}
times = {k: [] for k in kinds}
for i in range(runs):
    for kind, args in kinds.items():
        start = time.perf_counter()
        p = subprocess.Popen(ctr + ["run", "--rm"] + args + [f"b{i}"], stdout=subprocess.PIPE)
        first = p.stdout.readline()
        elapsed = time.perf_counter() - start
        p.stdout.read(); p.wait()
        assert first.startswith(b"hello from wedge"), (kind, first)
        times[kind].append(elapsed)
base = statistics.median(times["runc, static native hello"])
print(f"time from `ctr run` to first output, median of {runs}:")
for kind, t in times.items():
    m = statistics.median(t)
    print(f"  {kind:48} {m * 1000:7.1f} ms  ({m / base:.2f}x runc)")
PY

# Memory: COUNT idle containers of each kind; PSS and RSS of each container's shim and its
# process tree (the shim's children), in MiB per container.
mem() { # KIND RUNTIME IMAGE ARGS...
  local kind=$1 rt=$2 img=$3; shift 3
  local ids=() i
  for ((i = 0; i < COUNT; i++)); do
    $C run -d --runtime "$rt" "$img" "m-$kind-$i" "$@" >/dev/null
    ids+=("m-$kind-$i")
  done
  sleep 2
  python3 - "$kind" "$T" "${ids[@]}" <<'PY'
import os, sys
kind, tmp, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
def field(pid, name, path="smaps_rollup"):
    for line in open(f"/proc/{pid}/{path}"):
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0
procs = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            procs[int(p)] = (open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode(),
                             int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1]))
        except OSError:
            pass
def tree(root):
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += [c for c, (_, ppid) in procs.items() if ppid == pid]
    return out
pss = rss = 0
for cid in ids:
    shim = [p for p, (cmd, _) in procs.items() if f"-id {cid} " in cmd + " " and tmp in cmd and "-address" in cmd]
    for pid in (tree(shim[0]) if shim else []):
        p, r = field(pid, "Pss"), field(pid, "VmRSS", "status")
        pss += p; rss += r
        if os.environ.get("MEM_DETAIL") and cid == ids[0]:
            print(f"    {pid:7} PSS {p / 1024:6.1f} RSS {r / 1024:6.1f}  {procs[pid][0][:60]}")
n = len(ids)
print(f"  {kind:10} PSS {pss / n / 1024:6.1f} MiB  RSS {rss / n / 1024:6.1f} MiB per container (shim + process)")
PY
  for id in "${ids[@]}"; do $C tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
  sleep 1
  for id in "${ids[@]}"; do $C tasks delete "$id" >/dev/null 2>&1; $C containers delete "$id" >/dev/null 2>&1 || true; done
}
echo "memory per running container ($COUNT idle containers each):"
mem runc io.containerd.runc.v2 wedge.test/pause:1
mem wedge io.containerd.wedge.v1 wedge.test/app:1 /app.wasm sleep
mem wedge-art io.containerd.wedge.v1 wedge.test/art:1 /app.wasm sleep
