#!/usr/bin/env bash
# Networking checks that need more than `cargo test --workspace --release`: the packet
# capture proving that a denied connect sends nothing (needs root and tcpdump on `lo`).
# Idempotent; run after the workspace tests (it reuses their build).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/wedge-ci-target}"
if ! command -v tcpdump >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpdump >/dev/null
fi
# tcpdump runs as a child of the test and is stopped by it; --nocapture shows whether the
# test ran or was skipped.
cargo test --release -p wedge-cli --test net denied_connect_sends_no_packet -- --nocapture
