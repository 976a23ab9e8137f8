#!/usr/bin/env bash
# Tests of the Python, Go and Java bindings (bindings/python, bindings/go, bindings/java):
# builds libwedge, the Python wheel and the JNI library, and runs pytest, go test and the
# Java test main, in both tiers. Go and the JDK come from tests/setup.sh; maturin and
# pytest from PyPI go into a throwaway virtualenv. Leaves nothing behind but the cargo
# target dir.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/wedge-ci-target}"
start=$SECONDS

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lib="$CARGO_TARGET_DIR/release"

echo "== libwedge"
cargo build --release -p wedge-c-api --lib

echo "== Python"
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q --disable-pip-version-check 'maturin>=1.5,<2' 'pytest>=7'
(cd bindings/python && "$tmp/venv/bin/maturin" build --release -o "$tmp/wheels")
"$tmp/venv/bin/pip" install -q --disable-pip-version-check "$tmp"/wheels/wedge-*.whl
status=0
(cd "$tmp" && "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider "$root/bindings/python/tests") || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi

echo "== Go"
export GOPROXY=off GOFLAGS=-mod=mod GOCACHE="$tmp/gocache"
export CGO_LDFLAGS="-L$lib" LD_LIBRARY_PATH="$lib"
(cd bindings/go && go vet ./... && go test -count=1 ./...)
(cd benches/bindings/go && go vet ./...)

echo "== Java"
OUT="$tmp/java" bindings/java/build.sh
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
LD_PRELOAD="$java_home/lib/libjsig.so" java -Xcheck:jni -cp "$tmp/java/classes" \
  -Dwedge.jni.path="$tmp/java/libwedge_jni.so" dev.wedge.WedgeTest bindings/guest/wasi_app.wasm

echo "bindings CI took $((SECONDS - start)) s"
