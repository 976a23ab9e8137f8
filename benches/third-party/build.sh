#!/usr/bin/env bash
# Fetches and builds the third-party benchmark programs (wasm32-wasip1), and writes their
# inputs. Nothing here is committed but this script, the Lua driver and the input generator:
# sources come from package registries at pinned versions, and everything lands in
#   ${WEDGE_TEST_CACHE:-/var/tmp/wedge-test-cache}/third-party/
# Idempotent: a program whose .wasm exists is not rebuilt (delete it to rebuild).
# Prints the directory holding the .wasm files and inputs.
#
# Programs (all unchanged upstream code, built with their own `main`):
#   bzip2          bzip2 1.0.8's CLI, C, vendored by the crates.io crate bzip2-sys 0.1.13
#   lz4            lz4 1.10.0's CLI, C, vendored by the crates.io crate lz4-sys 1.11.1
#   brotli         brotli 1.1.0's CLI (c/tools/brotli.c), C, from PyPI's Brotli 1.1.0 sdist
#   lua            Lua 5.4.9, C, from the crates.io crate lua-src 551.1.0 (the crate has no
#                  lua.c: lua_main.c here is a 30-line driver; lua_wasi.h replaces setjmp)
#   pulldown-cmark Markdown to HTML, Rust, crates.io pulldown-cmark 0.13.6 (its binary)
#   jaq            jq clone, Rust, crates.io jaq 1.6.0 (its binary, without mimalloc; jaq 2
#                  and 3 need rustyline's file locking, which does not build for WASI)
#
# Needs Debian's wasm toolchain (docs/GUESTS.md), as root:
#   apt-get install -y rustc-web cargo-web rust-web-src lld-19 wasi-libc clang-19 \
#                      libclang-rt-19-dev-wasm32
# Environment: WEDGE_TEST_CACHE, GUEST_TARGET_DIR (cargo target dir for the Rust programs,
# default /var/tmp/wedge-third-party-target).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${WEDGE_TEST_CACHE:-/var/tmp/wedge-test-cache}/third-party"
out="$root/wasm"
src="$root/src"
mkdir -p "$out" "$src"

for tool in clang-19 wasm-ld-19 /usr/bin/cargo /usr/bin/rustc python3; do
  command -v "$tool" > /dev/null || {
    echo "missing $tool; install Debian's wasm toolchain (see docs/GUESTS.md):" >&2
    echo "  apt-get install -y rustc-web cargo-web rust-web-src lld-19 wasi-libc clang-19 libclang-rt-19-dev-wasm32" >&2
    exit 1
  }
done
[ -f /usr/lib/wasm32-wasi/libc.a ] || { echo "missing wasi-libc: apt-get install -y wasi-libc" >&2; exit 1; }

# C flags: WASI has no signals, process clocks or file ownership; the CLIs only use them for
# Ctrl-C handling, timing messages and copying file modes, none of which the benchmarks reach.
CC=(clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -w
    -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS
    "-Dchmod(f,m)=0" "-Dfchmod(f,m)=0" "-Dchown(f,u,g)=0" "-Dfchown(f,u,g)=0")
LIBS=(-lwasi-emulated-signal -lwasi-emulated-process-clocks)

# C sources vendored by crates: `cargo vendor` of a manifest that depends on them.
vendor="$src/vendor"
if [ ! -d "$vendor/bzip2-sys" ] || [ ! -d "$vendor/lz4-sys" ] || [ ! -d "$vendor/lua-src" ]; then
  mkdir -p "$src/fetch/src"
  cat > "$src/fetch/Cargo.toml" <<'TOML'
[package]
name = "fetch-third-party-sources"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
bzip2-sys = "=0.1.13"
lz4-sys = "=1.11.1"
lua-src = "=551.1.0"
TOML
  echo 'fn main() {}' > "$src/fetch/src/main.rs"
  (cd "$src/fetch" && /usr/bin/cargo vendor --quiet "$vendor" > /dev/null)
fi

if [ ! -f "$out/bzip2.wasm" ]; then
  d="$vendor/bzip2-sys/bzip2-1.0.8"
  "${CC[@]}" "$d"/{bzip2,blocksort,huffman,crctable,randtable,compress,decompress,bzlib}.c \
    "${LIBS[@]}" -o "$out/bzip2.wasm"
fi

if [ ! -f "$out/lz4.wasm" ]; then
  d="$vendor/lz4-sys/liblz4"
  "${CC[@]}" -DLZ4IO_MULTITHREAD=0 -I"$d/lib" "$d"/programs/*.c \
    "$d"/lib/{lz4,lz4hc,lz4frame,xxhash}.c "${LIBS[@]}" -o "$out/lz4.wasm"
fi

if [ ! -f "$out/lua.wasm" ]; then
  d="$vendor/lua-src/lua-5.4.9"
  # lua_wasi.h turns errors into abort(), so <setjmp.h> (absent from wasi-libc) is stubbed.
  mkdir -p "$src/lua-stub" && : > "$src/lua-stub/setjmp.h"
  "${CC[@]}" -include "$here/lua_wasi.h" -I"$src/lua-stub" -I"$d" \
    $(ls "$d"/*.c | grep -v -E '/(lua|luac|onelua)\.c$') "$here/lua_main.c" \
    "${LIBS[@]}" -o "$out/lua.wasm"
fi

if [ ! -f "$out/brotli.wasm" ]; then
  d="$src/Brotli-1.1.0"
  if [ ! -d "$d" ]; then
    python3 -m pip download --quiet --no-deps --no-binary :all: Brotli==1.1.0 -d "$src"
    tar -xzf "$src/Brotli-1.1.0.tar.gz" -C "$src"
  fi
  "${CC[@]}" -I"$d/c/include" "$d"/c/{common,enc,dec}/*.c "$d/c/tools/brotli.c" \
    "${LIBS[@]}" -o "$out/brotli.wasm"
fi

# Rust programs: the crates' own binaries, `cargo install`ed for wasm32-wasip1 with std built
# from Debian's rust-web-src, at the versions pinned by their published lock files.
# wasi_stubs.c supplies what std needs and this wasi-libc lacks (chmod).
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -c "$here/wasi_stubs.c" -o "$src/wasi_stubs.o"
rust_install() { # NAME SPEC [FLAGS...]
  local name="$1" spec="$2"; shift 2
  [ -f "$out/$name.wasm" ] && return 0
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
  RUSTFLAGS="-C linker=wasm-ld-19 -C link-self-contained=no -L /usr/lib/wasm32-wasi -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o -C link-arg=$src/wasi_stubs.o" \
    /usr/bin/cargo -Zbuild-std=std,panic_abort install --quiet --locked "$@" \
      --root "$root/rust" --target wasm32-wasip1 \
      --target-dir "${GUEST_TARGET_DIR:-/var/tmp/wedge-third-party-target}" "$spec"
  cp "$root/rust/bin/$name.wasm" "$out/$name.wasm"
}
rust_install pulldown-cmark pulldown-cmark@=0.13.6
rust_install jaq jaq@=1.6.0 --no-default-features

# Inputs (regenerated when the generator changes).
stamp="$(sha256sum "$here/gen_inputs.py" "$here/bench.lua" | sha256sum | cut -c1-16)"
if [ "$(cat "$root/inputs/.stamp" 2>/dev/null)" != "$stamp" ]; then
  python3 "$here/gen_inputs.py" "$root/inputs"
  cp "$here/bench.lua" "$root/inputs/bench.lua"
  echo "$stamp" > "$root/inputs/.stamp"
fi

echo "$out"
