#!/usr/bin/env bash
# Rebuilds greet.wasm, the WASI guest of tests/c/wasi.c, with Debian's wasm toolchain
# (apt-get install clang-19 lld-19 wasi-libc). CI uses the committed greet.wasm.
set -euo pipefail
cd "$(dirname "$0")"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror greet.c -o greet.wasm
