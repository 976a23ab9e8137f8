#!/usr/bin/env bash
# HTTP "hello" server benchmark (issue 11, part 7): the tokio_wasi + hyper_wasi guest
# tests/guests/bin/net-http-server.wasm under `wedge run` in the JIT and interpreter tiers,
# against the same source built natively for this machine, each under `wrk` with 1, 64 and
# 1024 connections. Prints requests/s and p99 latency per run, and each tier's requests/s as
# a percentage of native (goal: JIT >= 60 %).
#
#   benches/net.sh                     # DURATION=10s CONNECTIONS="1 64 1024" TIERS="jit interp"
#   WASMEDGE="wasmedge" benches/net.sh # also WasmEdge running the same .wasm, if you have one
#                                      # (WASMEDGE_GUEST: the guest's path as WasmEdge sees it)
#
# Wasmtime is not compared: it has no WasmEdge socket extension (sock_open, sock_bind, ...),
# so it cannot run this program; `wasmtime serve` runs a different (wasi-http) program.
# Installs wrk from Debian when missing; builds wedge and the native server with cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
duration=${DURATION:-10s}
connections=${CONNECTIONS:-1 64 1024}
tiers=${TIERS-jit interp}

if ! command -v wrk >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
fi
ulimit -n "$(ulimit -Hn)"

target=${CARGO_TARGET_DIR:-$root/target}
cargo build --release -q -p wedge-cli
wedge="$target/release/wedge"
# The native build of the same program (its crates build for Linux as well as for WASI).
native_target=${NATIVE_TARGET_DIR:-/var/tmp/wedge-net-native-target}
(unset RUSTFLAGS; CARGO_TARGET_DIR=$native_target cargo build --release -q \
  --manifest-path tests/guests/net/Cargo.toml -p net-http-server)
native="$native_target/release/net-http-server"
guest="$root/tests/guests/bin/net-http-server.wasm"

work=$(mktemp -d)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

# Starts "$@" (a server taking the listen address as its last argument) and sets $port.
start_server() {
  "$@" 127.0.0.1:0 >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 600); do
    port=$(sed -n 's/^listening on //p' "$work/server.out")
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "server did not start: $*" >&2
  cat "$work/server.err" >&2
  exit 1
}

# Converts wrk's latency ("812.00us", "1.20ms", "2.01s") to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
    printf "%.2f", n }'
}

declare -A rps
# bench NAME COMMAND...: every connection count against one server process.
bench() {
  local name=$1
  shift
  start_server "$@"
  for c in $connections; do
    local threads=2
    [ "$c" -lt 2 ] && threads=1
    wrk -t"$threads" -c"$c" -d"$duration" --latency "http://127.0.0.1:$port/" >"$work/wrk.out" 2>&1
    local r p99 errors
    r=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")
    errors=$(grep -E "Socket errors|Non-2xx" "$work/wrk.out" | tr -s ' ' | tr '\n' ';' || true)
    rps[$name,$c]=$r
    printf "%-14s %6s conns  %12s req/s  p99 %9s ms  %s\n" "$name" "$c" "$r" "$p99" "$errors"
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$name: the server exited during the run: $(grep -v '^connection error' "$work/server.err" | tail -3)"
      server_pid=
      return
    fi
  done
  stop_server
}

echo "net-http-server under wrk for $duration per run (machine: $(nproc) cores)"
bench native "$native"
names=
for t in $tiers; do
  bench "wedge-$t" "$wedge" run --tier "$t" "$guest"
  names="$names wedge-$t"
done
if [ -n "${WASMEDGE:-}" ]; then
  # shellcheck disable=SC2086
  bench wasmedge $WASMEDGE "${WASMEDGE_GUEST:-$guest}"
  names="$names wasmedge"
fi

echo
echo "requests/s as a percentage of native:"
for name in $names; do
  for c in $connections; do
    awk -v n="$name" -v c="$c" -v a="${rps[$name,$c]:-0}" -v b="${rps[native,$c]:-0}" \
      'BEGIN { printf "%-14s %6s conns  %6.1f %%\n", n, c, (b > 0 ? 100 * a / b : 0) }'
  done
done
