#!/usr/bin/env bash
# Rebuilds the gdb test guest into ../bin/gdb-c-dwarf.wasm (C, -O1 with DWARF).
# Needs Debian's wasm toolchain (see docs/GUESTS.md; ../build.sh installs it).
set -euo pipefail
cd "$(dirname "$0")"
# Source paths in the DWARF are relative to the repository, not to this checkout.
repo=$(cd ../../.. && pwd)
clang-19 --target=wasm32-wasi --sysroot=/usr -O1 -g -fdebug-prefix-map="$repo/"= gdb.c \
  -o ../bin/gdb-c-dwarf.wasm
ls -l ../bin/gdb-c-dwarf.wasm
