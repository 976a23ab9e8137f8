#!/usr/bin/env bash
# Rebuilds the container test guest (app.wasm) from app.c with Debian's clang-19 and
# wasi-libc (see docs/GUESTS.md). CI does not run this: app.wasm is committed.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v clang-19 >/dev/null || [ ! -d /usr/lib/wasm32-wasi ]; then
  apt-get update && apt-get install -y clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32
fi
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Wl,--strip-debug app.c -o app.wasm
