#!/usr/bin/env bash
# The container tests: builds the containerd shim (its own Cargo workspace, kept out of
# the runtime's `cargo test --workspace`), `wedge` and the crun compat library, fetches the
# third-party programs into the test cache, and runs the end-to-end test against real
# containerd, CRI, Docker and crun. Packages come from tests/setup.sh; every daemon it
# starts is stopped and every mount undone, even on failure (tests/containers/lib.sh).
# Run as root.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/wedge-ci-target}"
started=$SECONDS

shim=crates/wedge-shim/Cargo.toml
cargo build --release -p wedge-cli -p wedge-wasmedge-compat
cargo build --release --manifest-path "$shim"
echo "containers: builds done after $((SECONDS - started))s"

tests/containers/fetch.sh
echo "containers: fetch done after $((SECONDS - started))s"
tests/containers/e2e.sh
echo "containers: done in $((SECONDS - started))s"
