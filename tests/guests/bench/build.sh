#!/usr/bin/env bash
# Builds the benchmark guests into wasm/ (committed, so benchmarks need no guest toolchain).
#
# Needs Debian's wasm toolchain (see /work/shared/GUESTS.md), installed as root with:
#   apt-get install -y rustc-web cargo-web rust-web-src lld-19 clang-19 wabt
# Rust guests target wasm32-unknown-unknown with std built from source; C guests are
# freestanding. No guest imports anything: each exports `memory` and `run(n: i32) -> i64`.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p wasm

export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-C linker=wasm-ld-19 -C target-cpu=mvp -C target-feature=+sign-ext,+nontrapping-fptoint,+bulk-memory,+mutable-globals"
CARGO_TARGET_DIR="${GUEST_TARGET_DIR:-/var/tmp/wedge-bench-guests}" \
  /usr/bin/cargo build --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort
out="${GUEST_TARGET_DIR:-/var/tmp/wedge-bench-guests}/wasm32-unknown-unknown/release"
for g in compress hash json regex; do
  cp "$out/bench_$g.wasm" "wasm/$g.wasm"
done

for c in matmul interp; do
  clang-19 --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export-memory \
    -fno-builtin -o "wasm/$c.wasm" "c/$c.c" c/mini_libc.c
done
ls -l wasm
