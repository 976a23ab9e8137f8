#!/usr/bin/env bash
# Builds the Java binding: classes into $OUT/classes and libwedge_jni.so (JNI over libwedge)
# into $OUT. Needs libwedge.so in $WEDGE_LIB (default: the cargo release target dir) and a
# JDK (javac; Debian's openjdk-17-jdk-headless).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WEDGE_LIB="${WEDGE_LIB:-${CARGO_TARGET_DIR:-$ROOT/target}/release}"
OUT="${OUT:-$HERE/build}"
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
mkdir -p "$OUT/classes"
javac -Xlint:all -Werror -d "$OUT/classes" $(find "$HERE/src" "$HERE/test" -name '*.java')
cc -O2 -Wall -Werror -shared -fPIC -o "$OUT/libwedge_jni.so" "$HERE/native/wedge_jni.c" \
  -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" -I"$ROOT/crates/wedge-c-api/include" \
  -L"$WEDGE_LIB" -lwedge -Wl,-rpath,"$WEDGE_LIB"
echo "built $OUT/libwedge_jni.so and $OUT/classes"
