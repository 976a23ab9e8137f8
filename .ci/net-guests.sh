#!/usr/bin/env bash
# CI for the network guests (issue 11, parts 5-6): installs what is missing (Redis,
# PostgreSQL, MariaDB, curl, openssl), starts the servers on loopback under a temp dir with
# tests/services.sh, runs the guests against them, and stops the servers even on failure.
# Idempotent; run from anywhere as root.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/wedge-ci-target}"

want=()
command -v curl >/dev/null || want+=(curl)
command -v openssl >/dev/null || want+=(openssl)
if [ ${#want[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${want[@]}"
fi

started=$(mktemp)
cleanup() {
  # Stop what services.sh started (it printed WEDGE_SERVICES_DIR first).
  if [ -s "$started" ]; then
    (set +u; source "$started"; [ -n "${WEDGE_SERVICES_DIR:-}" ] && tests/services.sh stop "$WEDGE_SERVICES_DIR") || true
  fi
  rm -f "$started"
}
trap cleanup EXIT
tests/services.sh start >"$started"
source "$started"

# Missing servers or tools are failures here, not skips.
export WEDGE_CI=1
cargo test --release -p wedge-cli --test net_guests
