#!/usr/bin/env bash
# Rebuilds the OpenAI-compatible server guest (tests/guests/nn-api-server) and copies it to
# tests/guests/bin/nn-api-server.wasm. Needs Debian's wasm toolchain (installed here when
# missing; see docs/GUESTS.md). CI does not run this: the built .wasm file is committed.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(cd ../bin && pwd)

# The toolchain and a WASI SDK made of Debian's pieces (sets $sdk).
# shellcheck source=/dev/null
. ../toolchain.sh

# The host toolchain's variables must not leak into this build (it uses Debian's rustc
# and cargo, and builds the standard library for wasm32-wasip1).
target=${GUEST_TARGET_DIR:-/var/tmp/wedge-nn-api-guest-target}
(
  unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS
  export CARGO_TARGET_DIR="$target" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
  export RUSTFLAGS="-C linker=wasm-ld-19 -C link-self-contained=no -L /usr/lib/wasm32-wasi \
    -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o"
  /usr/bin/cargo build --release --locked --target wasm32-wasip1 -Zbuild-std=std,panic_abort
)
cp "$target/wasm32-wasip1/release/nn-api-server.wasm" "$bin/nn-api-server.wasm"
ls -l "$bin/nn-api-server.wasm"
