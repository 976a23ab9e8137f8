#!/usr/bin/env bash
# CI for the container support (issue 13): builds the containerd shim (its own Cargo
# workspace, kept out of the runtime's `cargo test --workspace`), `wedge` and the crun
# compat library, fetches the third-party programs into the test cache, and runs the
# end-to-end test against real containerd, CRI, Docker and crun. Idempotent; installs
# what is missing; every daemon it starts is stopped and every mount undone, even on
# failure (tests/containers/lib.sh). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/wedge-ci-target}"
started=$SECONDS

need=()
command -v protoc >/dev/null || need+=(protobuf-compiler)
[ -f /usr/include/seccomp.h ] || need+=(libseccomp-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v cc >/dev/null && [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(gcc libc6-dev)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  apt-get -q update && apt-get -q install -y "${need[@]}"
fi

shim=crates/wedge-shim/Cargo.toml
cargo fmt --manifest-path "$shim" --check
cargo build --release -p wedge-cli -p wedge-wasmedge-compat
# Lints of the shim need a second (check) build of its ~250 dependencies: on request only.
if [ -n "${CONTAINERS_CLIPPY:-}" ]; then
  cargo clippy --manifest-path "$shim" --release -- -D warnings
fi
cargo build --release --manifest-path "$shim"
echo "containers: builds done after $((SECONDS - started))s"

tests/containers/fetch.sh
echo "containers: fetch done after $((SECONDS - started))s"
tests/containers/e2e.sh
echo "containers: done in $((SECONDS - started))s"
