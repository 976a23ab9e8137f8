#!/usr/bin/env bash
# The C API's checks beyond `cargo test --workspace` (which runs the C and C++ test
# programs and the exported-symbol check): every C program under valgrind (no invalid
# accesses, no definite leaks; the 100,000-instantiation program with 300 there), and
# `make install` with pkg-config, dynamically and statically linked. Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/wedge-ci-target}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

WEDGE_C_API_VALGRIND=1 cargo test --release -p wedge-c-api --test c_api -- --test-threads=2

make -s -C crates/wedge-c-api install PREFIX="$tmp/prefix"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
src=crates/wedge-c-api/tests/c
# shellcheck disable=SC2046
cc -std=c11 -I "$src" "$src/hello.c" -o "$tmp/hello" $(pkg-config --cflags --libs wedge) \
  -Wl,-rpath,"$tmp/prefix/lib"
# shellcheck disable=SC2046
cc -std=c11 -I "$src" "$src/hello.c" -o "$tmp/hello-static" $(pkg-config --cflags wedge) \
  "$tmp/prefix/lib/libwedge.a" $(pkg-config --static --libs-only-l wedge | sed 's/-lwedge//')
for exe in "$tmp/hello" "$tmp/hello-static"; do
  "$exe" > "$tmp/out"
  diff -u "$src/hello.expected" "$tmp/out"
done
echo "C API install check: 2 passed, 0 failed"
