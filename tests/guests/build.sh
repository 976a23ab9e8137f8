#!/usr/bin/env bash
# Rebuilds the guest programs under tests/guests and copies them to tests/guests/bin.
# Needs Debian's wasm toolchain (installed here when missing; see docs/GUESTS.md).
# CI does not run this: the built .wasm files are committed.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)

# The toolchain and a WASI SDK made of Debian's pieces (sets $sdk).
# shellcheck source=/dev/null
. toolchain.sh

# Rust guests, one workspace so the standard library is built once. The host toolchain's
# variables must not leak into this build (it uses Debian's rustc and cargo).
target=${GUEST_TARGET_DIR:-/var/tmp/wedge-guests-target}
(
  unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS
  export CARGO_TARGET_DIR="$target" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
  export WASI_SDK="$sdk" CC_wasm32_wasip1=clang-19 AR_wasm32_wasip1=llvm-ar-19 \
         CFLAGS_wasm32_wasip1="--sysroot=$sdk/share/wasi-sysroot"
  export RUSTFLAGS="-C linker=wasm-ld-19 -C link-self-contained=no -L /usr/lib/wasm32-wasi \
    -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o \
    -L /usr/lib/llvm-19/lib/clang/19/lib/wasi -l static=clang_rt.builtins-wasm32"
  /usr/bin/cargo build --release --target wasm32-wasip1 -Zbuild-std=std,panic_abort
)
mkdir -p bin
for g in hello wasi-calls jsrun nn nn-chat nn-embed; do
  cp "$target/wasm32-wasip1/release/$g.wasm" "bin/$g.wasm"
done

# C guests, each c/NAME.c to bin/c-NAME.wasm. Among them the networking guests (c/sockets.c:
# WasmEdge socket ABI probe and policy calls; c/echo.c: TCP/UDP echo server and client;
# c/preview1.c: open/pwrite/EISDIR cases), which declare WasmEdge's socket imports in c/net.h.
for c in c/*.c; do
  name=$(basename "$c" .c)
  clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$c" -o "bin/c-$name.wasm"
done
ls -l "$here/bin"
