# Shared by e2e.sh and benches/containers.sh: paths, daemons started under a temp folder
# and stopped by PID, and the clean-up that leaves no process or mount behind.
# Expects: REPO (the repository root). Sets: CACHE, T (the temp folder), BIN.

CACHE=${WEDGE_TEST_CACHE:-/var/tmp/wedge-test-cache}/containers
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
WEDGE=${WEDGE:-$TARGET/release/wedge}
WEDGE_SHIM=${WEDGE_SHIM:-$TARGET/release/containerd-shim-wedge-v1}
WEDGE_COMPAT_LIB=${WEDGE_COMPAT_LIB:-$TARGET/release/libwasmedge.so}
GUEST=$REPO/tests/containers/guests/app.wasm
PIDS=()

# Runs the calling script again in a private mount namespace: every mount made by it or
# by the daemons it starts (image snapshots, container root filesystems) lives there and
# disappears with it, whatever happens.
enter_mount_namespace() {
  if [ -z "${WEDGE_E2E_IN_NS:-}" ]; then
    exec unshare --mount --propagation private env WEDGE_E2E_IN_NS=1 bash "$0" "$@"
  fi
}

setup_tmp() {
  T=$(mktemp -d /var/tmp/wedge-containers.XXXXXX)
  BIN=$T/bin
  mkdir -p "$BIN"
  ln -s "$WEDGE_SHIM" "$BIN/containerd-shim-wedge-v1"
  ln -s "$CACHE/bookworm/usr/sbin/runc" "$BIN/runc"
  for b in containerd containerd-shim-runc-v2 ctr dockerd docker docker-init docker-proxy; do
    for d in usr/bin usr/sbin; do
      [ -e "$CACHE/trixie/$d/$b" ] && ln -sf "$CACHE/trixie/$d/$b" "$BIN/$b"
    done
  done
  # containerd, its shims and dockerd keep sockets, fifos and state under /run: give them
  # a /run of our own (this mount namespace's), so nothing is left in the host's.
  mkdir -p "$T/run"
  mount --bind "$T/run" /run
  export PATH=$BIN:$PATH
  export WEDGE_AOT_KEY_FILE=$T/aot.key
  export WEDGE_CACHE_DIR=$T/code-cache
  trap cleanup EXIT
}

# Waits (up to $2 seconds) until the command $1 succeeds.
wait_for() {
  local i
  for ((i = 0; i < ${2:-30} * 10; i++)); do
    eval "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  return 1
}

# containerd with its own root, state, socket and config under $T; CRI on, with the
# `wedge` runtime handler and a local pause image.
start_containerd() {
  mkdir -p "$T/containerd"
  cat > "$T/containerd/config.toml" <<TOML
version = 2
root = "$T/containerd/root"
state = "$T/containerd/state"
[grpc]
  address = "$T/containerd.sock"
[ttrpc]
  address = "$T/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "wedge.test/pause:1"
  # Containers may not get a lower OOM score than containerd has (as in rootless set-ups:
  # this machine's root cannot lower it).
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wedge]
      runtime_type = "io.containerd.wedge.v1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$T/cni/bin"
    conf_dir = "$T/cni/conf"
TOML
  containerd --config "$T/containerd/config.toml" --log-level "${CONTAINERD_LOG_LEVEL:-info}" >"$T/containerd.log" 2>&1 &
  PIDS+=($!)
  CTR="ctr --address $T/containerd.sock"
  wait_for "$CTR version" 30
}

# dockerd 26 with the containerd image store, on our containerd, no network set-up.
start_dockerd() {
  mkdir -p "$T/docker"
  echo '{"features": {"containerd-snapshotter": true}}' > "$T/docker/daemon.json"
  dockerd --config-file "$T/docker/daemon.json" --containerd "$T/containerd.sock" \
    --data-root "$T/docker/root" --exec-root "$T/docker/exec" --pidfile "$T/docker/pid" \
    -H "unix://$T/docker.sock" --bridge none --iptables=false --ip6tables=false \
    >"$T/dockerd.log" 2>&1 &
  PIDS+=($!)
  export DOCKER_HOST=unix://$T/docker.sock DOCKER_CONFIG=$T/docker/cli
  wait_for "docker version" 60
}

# Stops what we started (by PID, newest first), then any process still running from our
# temp folder (shims, containers), unmounts what is mounted beneath it, and removes it.
cleanup() {
  local status=$? i pid
  set +e
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for pid in $(leftover_pids); do kill -KILL "$pid" 2>/dev/null; done
  for m in $(mounts_under "$T"); do umount -l "$m" 2>/dev/null; done
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
  exit $status
}

# PIDs of processes started from (or naming) our temp folder: shims and containers.
leftover_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = $$ ] && continue
    if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$T"; then echo "${p#/proc/}"; fi
  done
}

# Mount points at or beneath $1, deepest first.
mounts_under() {
  awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}
