#!/usr/bin/env bash
# Rebuilds the network guest programs under tests/guests/net and copies them to
# tests/guests/bin/net-*.wasm. Needs Debian's wasm toolchain (installed here when missing;
# see docs/GUESTS.md). CI does not run this: the built .wasm files are committed.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(cd ../bin && pwd)

# The toolchain and a WASI SDK made of Debian's pieces (sets $sdk).
# shellcheck source=/dev/null
. ../toolchain.sh

# All Rust guests in one workspace so the standard library is built once. The host
# toolchain's variables must not leak into this build (it uses Debian's rustc and cargo).
target=${GUEST_TARGET_DIR:-/var/tmp/wedge-net-guests-target}
mkdir -p "$target"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -c stubs/pthread.c -o "$target/pthread-stubs.o"
(
  unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS
  export CARGO_TARGET_DIR="$target" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
  export WASI_SDK="$sdk" WASI_SDK_PATH="$sdk" CC_wasm32_wasip1=clang-19 AR_wasm32_wasip1=llvm-ar-19 \
         CFLAGS_wasm32_wasip1="--sysroot=$sdk/share/wasi-sysroot"
  export RUSTFLAGS="-C linker=wasm-ld-19 -C link-self-contained=no -L /usr/lib/wasm32-wasi \
    -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o -C link-arg=$target/pthread-stubs.o"
  /usr/bin/cargo build --release --target wasm32-wasip1 -Zbuild-std=std,panic_abort
)
for g in socket http-server http-client redis mysql postgres tls; do
  cp "$target/wasm32-wasip1/release/net-$g.wasm" "$bin/net-$g.wasm"
done

# C guests on wasi-libc.
for c in c/*.c; do
  clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall "$c" -o "$bin/net-c-$(basename "$c" .c).wasm"
done

ls -l "$bin"/net-*.wasm
