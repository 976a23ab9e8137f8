#!/usr/bin/env bash
# Call-overhead benchmark of the C API: benches/c-api/call_add.c (1,000,000 calls of an
# exported add(i32, i32) through wasm_func_call) linked against libwedge and against
# Wasmtime's C API, which is built from the crates.io crate wasmtime-c-api-impl into
# $WEDGE_TEST_CACHE (default /var/tmp/wedge-test-cache) on first use.
# Usage: benches/c-api/run.sh [CALLS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
calls=${1:-1000000}
cache=${WEDGE_TEST_CACHE:-/var/tmp/wedge-test-cache}
wt_version=48.0.8
wt_dir="$cache/wasmtime-c-api-$wt_version"
target=${CARGO_TARGET_DIR:-$root/target}

# libwedge
(cd "$root" && cargo build --release -p wedge-c-api --lib)

# Wasmtime's C API as a shared library, from its crates.io crate.
if [ ! -f "$wt_dir/lib/libwasmtime.so" ]; then
  mkdir -p "$wt_dir/src"
  cat > "$wt_dir/Cargo.toml" <<TOML
[package]
name = "wasmtime-c-api-bench"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
name = "wasmtime"
crate-type = ["cdylib"]
path = "src/lib.rs"

[dependencies]
wasmtime-c-api-impl = { version = "=$wt_version", default-features = false, features = ["cranelift", "parallel-compilation"] }

[workspace]
TOML
  echo 'pub use wasmtime_c_api::*;' > "$wt_dir/src/lib.rs"
  (cd "$wt_dir" && CARGO_TARGET_DIR="$wt_dir/target" cargo build --release)
  mkdir -p "$wt_dir/lib"
  cp "$wt_dir/target/release/libwasmtime.so" "$wt_dir/lib/"
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -I "$root/crates/wedge-c-api/include" "$here/call_add.c" -o "$out/call_add_wedge" \
  -L "$target/release" -Wl,-rpath,"$target/release" -lwedge
cc -O2 -I "$root/crates/wedge-c-api/include" "$here/call_add.c" -o "$out/call_add_wasmtime" \
  -L "$wt_dir/lib" -Wl,-rpath,"$wt_dir/lib" -lwasmtime
echo "wedge:    $("$out/call_add_wedge" "$calls")"
echo "wasmtime: $("$out/call_add_wasmtime" "$calls")"
