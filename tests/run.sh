#!/usr/bin/env bash
# The whole test suite, as root, after tests/setup.sh: starts private Redis, PostgreSQL
# and MariaDB servers on loopback (tests/services.sh), runs `cargo test --workspace
# --release` (spec suites in every tier, WASI and network guests against the servers, the
# C API's programs, plugins, ...), then the suites that live outside the Cargo workspace:
# the C API under valgrind and installed, the Python/Go/Java bindings, and containers end
# to end (containerd, CRI, Docker, crun). Stops every server it started, even on failure.
#
# WEDGE_CI=1 is set, so a test whose server or tool is missing fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/wedge-ci-target}"
export WEDGE_CI=1
begin=$SECONDS

services=$(mktemp)
stop_services() {
  if [ -s "$services" ]; then
    (set +u; . "$services"; [ -z "${WEDGE_SERVICES_DIR:-}" ] || tests/services.sh stop "$WEDGE_SERVICES_DIR") || true
  fi
  rm -f "$services"
}
trap stop_services EXIT
tests/services.sh start >"$services"
. "$services"

step() {
  local name=$1 t=$SECONDS
  shift
  echo "== $name"
  "$@"
  echo "== $name: passed in $((SECONDS - t)) s"
}
step "workspace tests" cargo test --workspace --release
step "C API under valgrind, installed" tests/suites/c-api.sh
step "Python, Go and Java bindings" tests/suites/bindings.sh
step "containers end to end" tests/suites/containers.sh
echo "== all tests passed in $((SECONDS - begin)) s"
