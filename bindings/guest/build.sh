#!/usr/bin/env bash
# Rebuilds wasi_app.wasm, the WASI guest of the Python, Go and Java binding tests, with
# Debian's wasm toolchain (apt-get install clang-19 lld-19 wasi-libc). CI uses the
# committed wasi_app.wasm.
set -euo pipefail
cd "$(dirname "$0")"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -Wl,--strip-debug wasi_app.c -o wasi_app.wasm
