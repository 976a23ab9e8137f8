#!/usr/bin/env bash
# End-to-end test of Wedge's container support with real daemons, as root:
#   ctr     containerd 1.7 + `ctr run` on containerd-shim-wedge-v1 (both image layouts,
#           args/env/rootfs, exit codes, SIGTERM -> 143, SIGKILL -> 137, precompilation,
#           bad images, nothing left behind after delete)
#   cri     containerd's CRI API driven as the kubelet does (runtime handler `wedge`)
#   docker  Docker 26 with the containerd image store: docker load / run / stop
#   crun    Debian trixie's crun (+WASM:wasmedge) with our libwasmedge.so.0, in a trixie
#           userland
# Usage: e2e.sh [ctr] [cri] [docker] [crun]   (default: all). Needs the release builds of
# `wedge`, the shim and the compat library (see tests/suites/containers.sh) and the third-party
# programs fetched by fetch.sh. Every daemon gets its own root/state/socket under a temp
# folder, runs in a private mount namespace and is stopped by PID, even on failure.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/containers/lib.sh"
enter_mount_namespace "$@"
SECTIONS=${*:-ctr cri docker crun}
PASSED=0
FAILED=0

ok() { echo "ok - $1"; PASSED=$((PASSED + 1)); }
fail() {
  echo "FAIL - $1"
  FAILED=$((FAILED + 1))
  [ -n "${2:-}" ] && sed 's/^/    /' <<<"$2" | tail -20
  return 0
}
# check NAME CODE WANTED_CODE [PATTERN...]: the exit code and every pattern in $OUT.
check() {
  local name=$1 code=$2 want=$3 p
  shift 3
  if [ "$code" != "$want" ]; then fail "$name (exit code $code, wanted $want)" "$OUT"; return; fi
  for p in "$@"; do
    if ! grep -qE -- "$p" <<<"$OUT"; then fail "$name (output lacks /$p/)" "$OUT"; return; fi
  done
  ok "$name"
}
# run CMD...: runs with a time-out (a hang is a failure), output in $OUT, code in $CODE.
run() { OUT=$(timeout 120 "$@" 2>&1); CODE=$?; }

# Nothing of container $1 left: no task or container in containerd, no process, no mount.
nothing_left() {
  local id=$1 ns=${2:-wedge} what=""
  $CTR -n "$ns" containers ls -q | grep -qx "$id" && what+="container "
  $CTR -n "$ns" tasks ls -q | grep -qx "$id" && what+="task "
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qE -- "-id $id( |$)" && what+="process(${p#/proc/}) "
  done
  grep -qF "/$id/" /proc/self/mountinfo && what+="mount "
  [ -z "$what" ] || { echo "left behind: $what"; return 1; }
}

RT=io.containerd.wedge.v1
IMG=wedge.test/app:1
ART=wedge.test/app-artifact:1

setup_tmp
"$WEDGE" oci pack "$GUEST" -o "$T/app.tar" --name "$IMG" || exit 1
"$WEDGE" oci pack "$GUEST" -o "$T/app-artifact.tar" --name "$ART" --layout artifact || exit 1
printf 'this is not a wasm module\n' >"$T/bad.wasm"
for prog in pause hello; do
  cc -static -O2 -o "$T/$prog" "$REPO/tests/containers/native/$prog.c" || exit 1
  python3 "$REPO/tests/containers/native_image.py" "$T/$prog" "wedge.test/$prog:1" "$T/$prog.tar" || exit 1
done
start_containerd || { cat "$T/containerd.log"; exit 1; }

ctr_section() {
  local C="$CTR -n wedge"
  run $C images import --platform wasi/wasm "$T/app.tar"
  check "ctr: import the image layout (wasi/wasm)" "$CODE" 0
  run $C images import --platform wasi/wasm "$T/app-artifact.tar"
  check "ctr: import the artifact layout (application/wasm layer)" "$CODE" 0
  run $C images import "$T/hello.tar"
  check "ctr: import a native image" "$CODE" 0

  run $C run --rm --runtime $RT --env GREETING=hi "$IMG" hello
  check "ctr run: entrypoint, env, rootfs preopened as /, stdout" "$CODE" 0 \
    '^hello from wedge' '^GREETING=hi' '^/app.wasm is visible'
  nothing_left hello >/dev/null && ok "ctr run --rm: nothing left behind" || fail "ctr run --rm: nothing left behind" "$(nothing_left hello)"

  run $C run --rm --runtime $RT "$IMG" args /app.wasm one "two words"
  check "ctr run: args from the spec" "$CODE" 0 '^arg 1: one' '^arg 2: two words'
  # The image layout: the module is a file in the rootfs; the first start compiled it into
  # the node's code cache, the second one loads it from there.
  if grep -q 'instance="hello" msg="/app.wasm: compiled to native code at start, kept in the node.s code cache' "$T/containerd.log" &&
     grep -q 'instance="args" msg="/app.wasm: running native code from the node.s code cache (no compilation)' "$T/containerd.log" &&
     [ "$(find "$WEDGE_CACHE_DIR" -name '*.code' | wc -l)" = 1 ]; then
    ok "image layout: compiled at the first start, the second runs the node's code cache"
  else
    fail "image layout: compiled at the first start, the second runs the node's code cache" \
      "$(grep -E 'compiled|native|cache' "$T/containerd.log"; ls -la "$WEDGE_CACHE_DIR")"
  fi

  run $C run --rm --runtime $RT "$IMG" tmpwrite /app.wasm write /written.txt
  check "ctr run: the guest writes into its rootfs" "$CODE" 0 '^read back: written by wedge'

  run $C run --rm --runtime $RT "$IMG" exit7 /app.wasm exit 7
  check "ctr run: WASI exit code is the container's (7)" "$CODE" 7 '^exiting 7'

  run $C run --rm --runtime $RT "$IMG" trap /app.wasm trap
  check "ctr run: a trap exits 134 with its message" "$CODE" 134 'unreachable'

  run $C run --rm --runtime $RT --env WEDGE_TIER=interp "$IMG" interp /app.wasm exit 3
  check "ctr run: the interpreter tier (WEDGE_TIER=interp)" "$CODE" 3 '^exiting 3'

  # Signals: a guest spinning in a loop, and one blocked in a host call.
  local sig want prog id
  for sig_case in "SIGTERM 143 spin" "SIGTERM 143 sleep" "SIGKILL 137 spin"; do
    read -r sig want prog <<<"$sig_case"
    id=sig-${sig,,}-$prog
    timeout 120 $C run --rm --runtime $RT "$IMG" "$id" /app.wasm "$prog" >"$T/$id.out" 2>&1 &
    local job=$!
    if wait_for "grep -q ing $T/$id.out" 60; then
      $C tasks kill -s "$sig" "$id"
      wait "$job"; CODE=$?
      OUT=$(cat "$T/$id.out")
      check "ctr task kill -s $sig, guest in $prog: exits $want" "$CODE" "$want"
    else
      kill "$job"; fail "ctr task kill -s $sig ($prog): guest did not start" "$(cat "$T/$id.out")"
    fi
    nothing_left "$id" >/dev/null || fail "after $sig: nothing left" "$(nothing_left "$id")"
  done

  # The artifact layout: the module is the layer, precompiled on the first start.
  run $C run --rm --runtime $RT "$ART" art1
  check "ctr run: artifact layout, first start" "$CODE" 0 '^hello from wedge'
  run $C run --rm --runtime $RT "$ART" art2 /app.wasm exit 5
  check "ctr run: artifact layout, second start" "$CODE" 5 '^exiting 5'
  # The shim logs through containerd: one compilation (at the first start), then both
  # starts run the stored code.
  if [ "$(grep -c 'msg="precompiled layer sha256:' "$T/containerd.log")" = 1 ] &&
     grep -q 'instance="art2" msg="/app.wasm: running precompiled native code (no compilation)' "$T/containerd.log"; then
    ok "precompilation: compiled once, the second start runs stored native code"
  else
    fail "precompilation: compiled once, the second start runs stored native code" \
      "$(grep -E 'precompil|compiled|native' "$T/containerd.log")"
  fi
  run $C content ls
  check "precompiled module is in containerd's content store" "$CODE" 0 'runwasi.io/precompiled/wedge/'

  # Linux executables still run as ordinary containers under the same runtime.
  run $C run --rm --runtime $RT wedge.test/hello:1 native
  check "ctr run: a Linux ELF entrypoint runs as a normal container" "$CODE" 0 '^hello from wedge'

  # Networking: a C guest using WasmEdge's socket extension, in a container on the host's
  # network, against a reversing echo server on loopback.
  "$WEDGE" oci pack "$REPO/tests/guests/bin/net-c-echo.wasm" -o "$T/net.tar" --name wedge.test/net:1 &&
    $C images import --platform wasi/wasm "$T/net.tar" >/dev/null
  timeout 120 python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept(); data = b""
while True:
    chunk = c.recv(4096)
    if not chunk: break
    data += chunk
c.sendall(data[::-1]); c.close()' "$T/echo.port" &
  local echo=$!
  wait_for "test -s $T/echo.port" 30
  run $C run --rm --net-host --runtime $RT wedge.test/net:1 net /app.wasm client "$(cat "$T/echo.port")" stressed
  check "ctr run: WasmEdge sockets in the container (a C client against a host server)" "$CODE" 0 '^reply: desserts'
  kill "$echo" 2>/dev/null; wait "$echo" 2>/dev/null

  # Bad images and entrypoints.
  run $C run --rm --runtime $RT "$IMG" missing /missing.wasm
  check "bad input: missing module file" "$CODE" 1 'cannot read the module /missing.wasm'
  nothing_left missing >/dev/null && ok "bad input: missing file leaves nothing behind" || fail "missing file: nothing left" "$(nothing_left missing)"
  run $C run --rm --runtime $RT --mount "type=bind,src=$T/bad.wasm,dst=/bad.wasm,options=rbind:ro" "$IMG" invalid /bad.wasm
  check "bad input: invalid module" "$CODE" 1 '/bad.wasm: '
  nothing_left invalid >/dev/null && ok "bad input: invalid module leaves nothing behind" || fail "invalid module: nothing left" "$(nothing_left invalid)"
  run $C run --rm --runtime $RT "$IMG" noexport /app.wasm#nosuch
  check "bad input: entrypoint#export that does not exist" "$CODE" 1 'exports no function named `nosuch`'
}

cri_section() {
  local C="$CTR -n k8s.io" proto="$CACHE/trixie/usr/share/gocode/src/k8s.io/cri-api/pkg/apis/runtime/v1"
  $C images import --platform wasi/wasm "$T/app.tar" >/dev/null &&
    $C images import --platform wasi/wasm "$T/app-artifact.tar" >/dev/null &&
    $C images import "$T/pause.tar" >/dev/null || { fail "cri: import images"; return; }
  mkdir -p "$T/pods"
  run "$CACHE/venv/bin/python" "$REPO/tests/containers/cri_client.py" "$T/containerd.sock" "$proto" wedge "$IMG" "$T/pods/a" app one two
  check "cri: RunPodSandbox(handler wedge)/CreateContainer/StartContainer/ContainerStatus, log file" "$CODE" 0 \
    '"state": "CONTAINER_EXITED"' '"exit_code": 0' '"stdout", "hello from wedge"' '"stdout", "arg 1: one"' \
    '"stdout", "GREETING=hello from CRI"'
  run "$CACHE/venv/bin/python" "$REPO/tests/containers/cri_client.py" "$T/containerd.sock" "$proto" wedge "$IMG" "$T/pods/b" exiting exit 9
  check "cri: a non-zero exit code in ContainerStatus" "$CODE" 0 '"exit_code": 9' '"stdout", "exiting 9"'
  run "$CACHE/venv/bin/python" "$REPO/tests/containers/cri_client.py" "$T/containerd.sock" "$proto" wedge "$ART" "$T/pods/c" artifact
  check "cri: the artifact layout" "$CODE" 0 '"exit_code": 0' '"stdout", "hello from wedge"'
  run "$CACHE/venv/bin/python" "$REPO/tests/containers/cri_client.py" "$T/containerd.sock" "$proto" wedge "$IMG" "$T/pods/d" trapping trap
  check "cri: a trap: exit 134, message in the log" "$CODE" 0 '"exit_code": 134' '"stderr", "wedge: .*unreachable'
}

docker_section() {
  start_dockerd || { fail "dockerd starts" "$(tail -20 "$T/dockerd.log")"; return; }
  run docker load -i "$T/app.tar"
  check "docker load (image layout)" "$CODE" 0 "$IMG"
  run docker run --rm --runtime $RT --platform wasi/wasm -e GREETING=docker "$IMG"
  check "docker run --runtime $RT --platform wasi/wasm" "$CODE" 0 '^hello from wedge' '^GREETING=docker'
  run docker run --rm --runtime $RT --platform wasi/wasm "$IMG" exit 4
  check "docker run: exit code" "$CODE" 4 '^exiting 4'
  run docker run -d --name spinner --runtime $RT --platform wasi/wasm "$IMG" spin
  check "docker run -d: a spinning guest" "$CODE" 0
  wait_for "docker logs spinner | grep -q spinning" 60
  run docker stop -t 30 spinner
  check "docker stop: SIGTERM stops the guest" "$CODE" 0 spinner
  run docker inspect -f '{{.State.ExitCode}}' spinner
  check "docker stop: exit code 143 (SIGTERM, not the SIGKILL after the grace time)" "$CODE" 0 '^143$'
  docker rm spinner >/dev/null
  # (Docker creates its containerd containers without an image reference, so the shim
  # cannot find an artifact's wasm layer: Docker uses the image layout.)
}

crun_section() {
  local R=$T/trixie
  [ -f "$CACHE/trixie-rootfs.tar" ] || { fail "crun: trixie userland (fetch.sh rootfs)"; return; }
  mkdir -p "$R" && tar -C "$R" -xf "$CACHE/trixie-rootfs.tar"
  mkdir -p "$R/opt/wedge/lib" "$R/bundle/rootfs"
  cp "$WEDGE_COMPAT_LIB" "$R/opt/wedge/lib/libwasmedge.so.0"
  cp "$GUEST" "$R/bundle/rootfs/app.wasm"
  # The userland is a mount point (crun changes the propagation of / and pivots from it),
  # with its own /proc, /sys and /dev (we are in a private mount namespace).
  mount --bind "$R" "$R" &&
    mount --rbind /proc "$R/proc" && mount --rbind /sys "$R/sys" && mount --rbind /dev "$R/dev" &&
    mount -t tmpfs tmpfs "$R/run" || { fail "crun: mounts"; return; }
  # crun refuses a hybrid cgroup v1/v2 layout (as on these machines): hide the unified
  # hierarchy from it, so that it sees cgroup v1.
  if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] && [ -d "$R/sys/fs/cgroup/unified" ]; then
    mount -t tmpfs tmpfs "$R/sys/fs/cgroup/unified"
  fi
  local CRUN="chroot $R env LD_LIBRARY_PATH=/opt/wedge/lib crun --root /run/crun"
  run $CRUN --version
  check "crun: trixie's crun has the WasmEdge handler" "$CODE" 0 'WASM:wasmedge'
  crun_bundle() { # ARGS...: config.json running /app.wasm with the wasm handler
    chroot "$R" sh -c 'cd /bundle && rm -f config.json && crun spec' &&
      python3 - "$R/bundle/config.json" "$@" <<'PY'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["args"] = ["/app.wasm"] + args
c["process"]["terminal"] = False
c["process"]["env"].append("GREETING=crun")
c["root"]["readonly"] = False
c.setdefault("annotations", {})["run.oci.handler"] = "wasm"
json.dump(c, open(path, "w"))
PY
  }
  crun_bundle one && run $CRUN run -b /bundle c1
  check "crun: run.oci.handler=wasm runs the module on Wedge (args, env, rootfs)" "$CODE" 0 \
    '^hello from wedge' '^arg 1: one' '^GREETING=crun' '^/app.wasm is visible'
  crun_bundle exit 6 && run $CRUN run -b /bundle c2
  check "crun: the guest's exit code" "$CODE" 6 '^exiting 6'
  crun_bundle trap && run $CRUN run -b /bundle c3
  check "crun: a trap exits 134 with its message" "$CODE" 134 'unreachable'
  crun_bundle spin
  timeout 120 $CRUN run -b /bundle c4 >"$T/c4.out" 2>&1 &
  local job=$!
  if wait_for "grep -q spinning $T/c4.out" 60; then
    $CRUN kill c4 TERM; wait "$job"; CODE=$?; OUT=$(cat "$T/c4.out")
    check "crun: SIGTERM stops a spinning guest (143)" "$CODE" 143
  else
    kill "$job"; fail "crun: spinning guest did not start" "$(cat "$T/c4.out")"
  fi
  $CRUN delete -f c4 >/dev/null 2>&1
  run $CRUN list -q
  check "crun: no container left" "$CODE" 0
  [ -z "$OUT" ] || fail "crun: containers left: $OUT"
  umount -R "$R" 2>/dev/null
}

for s in $SECTIONS; do "${s}_section"; done
echo
echo "containers: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
