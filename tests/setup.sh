#!/usr/bin/env bash
# Installs, on a Debian 12 machine, everything the whole test suite (tests/run.sh) needs
# beyond a Rust toolchain: the C toolchain and valgrind, the servers the network guests talk
# to (Redis, PostgreSQL, MariaDB), tcpdump, the tools the container tests build with
# (protoc, libseccomp, debootstrap), Go and a JDK for the bindings, gdb and perf for the
# debugging tests. Idempotent: installs only what is missing. Needs root.
#
# Package services are not started by the installation (a policy-rc.d refuses them while
# apt runs); tests/services.sh starts private servers on loopback when the tests need them.
set -euo pipefail

packages=(
  build-essential pkg-config binutils valgrind curl openssl tcpdump python3-venv
  python3-pil fonts-dejavu-core
  redis-server postgresql mariadb-server mariadb-client
  protobuf-compiler libseccomp-dev debootstrap libc6-dev
  golang-go openjdk-17-jdk-headless
  gdb linux-perf
  cmake clang libclang-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  trap '[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

if command -v rustup >/dev/null; then
  installed=$(rustup component list --installed 2>/dev/null || true)
  for c in rustfmt clippy; do
    grep -q "^$c" <<<"$installed" || rustup component add "$c"
  done
fi
echo "setup: done" >&2
