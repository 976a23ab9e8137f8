#!/usr/bin/env bash
# Rebuilds the observability guests (backtraces, core dumps, profiles) into ../bin:
#   obs-trap-rust.wasm / obs-trap-rust-dwarf.wasm  (Rust, without / with DWARF line tables;
#                                                   the DWARF one uses v0 symbol mangling)
#   obs-trap-c.wasm / obs-trap-c-dwarf.wasm        (C, without / with -g)
# Needs Debian's wasm toolchain (see docs/GUESTS.md; ../build.sh installs it).
set -euo pipefail
cd "$(dirname "$0")"
target=${GUEST_TARGET_DIR:-/var/tmp/wedge-obs-guests-target}
build() { # profile, extra rustflags
  (
    unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS
    export CARGO_TARGET_DIR="$target" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
    export RUSTFLAGS="-C linker=wasm-ld-19 -C link-self-contained=no -L /usr/lib/wasm32-wasi \
      -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o $2"
    /usr/bin/cargo build --profile "$1" --target wasm32-wasip1 -Zbuild-std=std,panic_abort
  )
}
build release ""
cp "$target/wasm32-wasip1/release/trap-rust.wasm" ../bin/obs-trap-rust.wasm
# Source paths in the DWARF are relative to the repository, not to this checkout.
repo=$(cd ../../.. && pwd)
build release-dwarf "-C symbol-mangling-version=v0 --remap-path-prefix=$repo/="
cp "$target/wasm32-wasip1/release-dwarf/trap-rust.wasm" ../bin/obs-trap-rust-dwarf.wasm
clang-19 --target=wasm32-wasi --sysroot=/usr -O1 trap.c -o ../bin/obs-trap-c.wasm
clang-19 --target=wasm32-wasi --sysroot=/usr -O1 -g -fdebug-prefix-map="$repo/"= trap.c \
  -o ../bin/obs-trap-c-dwarf.wasm
ls -l ../bin/obs-*.wasm
