#!/usr/bin/env bash
# Rebuilds the network guest programs under tests/guests/net and copies them to
# tests/guests/bin/net-*.wasm. Needs Debian's wasm toolchain (installed here when missing;
# see docs/GUESTS.md). CI does not run this: the built .wasm files are committed.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(cd ../bin && pwd)

if ! command -v clang-19 >/dev/null || [ ! -x /usr/bin/cargo ] || [ ! -d /usr/lib/wasm32-wasi ]; then
  apt-get update
  apt-get install -y rustc-web cargo-web rust-web-src lld-19 wasi-libc \
                     clang-19 libclang-rt-19-dev-wasm32 wabt
fi

# A WASI SDK made of Debian's pieces, for crates that compile C (ring for rustls).
sdk=${WASI_SDK_DIR:-/tmp/wasi-sdk-debian}
mkdir -p "$sdk/bin" "$sdk/share/wasi-sysroot/include" "$sdk/share/wasi-sysroot/lib"
ln -sf /usr/bin/clang-19 "$sdk/bin/clang"
ln -sf /usr/bin/llvm-ar-19 "$sdk/bin/ar"
for t in wasm32-wasi wasm32-wasip1; do
  ln -sfn /usr/include/wasm32-wasi "$sdk/share/wasi-sysroot/include/$t"
  ln -sfn /usr/lib/wasm32-wasi "$sdk/share/wasi-sysroot/lib/$t"
done

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
