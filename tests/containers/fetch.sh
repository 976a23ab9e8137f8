#!/usr/bin/env bash
# Fetches the third-party programs the container tests use into the test cache, without
# installing anything on the host:
#   $CACHE/trixie/      containerd 1.7, ctr, docker.io 26, docker-cli (Debian trixie's .debs,
#                       extracted), the CRI proto (golang-github-kubernetes-cri-api-dev)
#   $CACHE/bookworm/    runc (trixie's needs a newer glibc than these machines have)
#   $CACHE/trixie-rootfs.tar  a debootstrap'd trixie userland with crun (for the crun test)
#   $CACHE/venv/        grpcio and grpcio-tools (the CRI test's client), from PyPI
# Trixie's packages come through an apt configuration of our own (state under the cache)
# that adds the trixie suite of the machine's own Debian source, so the system's sources
# and package state are untouched. Usage: fetch.sh [debs|rootfs|venv]...
set -euo pipefail
CACHE=${WEDGE_TEST_CACHE:-/var/tmp/wedge-test-cache}/containers
mkdir -p "$CACHE"
TRIXIE_DEBS=(containerd docker.io docker-cli golang-github-kubernetes-cri-api-dev)

# The machine's Debian archive URI (from deb822 .sources or a one-line sources.list).
debian_uri() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/{u=$2} /^Suites:/{ for (i=2;i<=NF;i++) if ($i !~ /-security|-updates|-backports/) s=1 }
               /^$/{ if (u && s) { print u; exit } u=""; s=0 } END{ if (u && s) print u }' "$f" | head -1)
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk '$1=="deb" && $0 !~ /security/ { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  echo "fetch.sh: no Debian source found in /etc/apt" >&2
  return 1
}

# An apt configuration with its own state and the given suite of the machine's source.
apt_conf() {
  local suite=$1 dir=$CACHE/apt-$1
  mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/parts" "$dir/prefs"
  touch "$dir/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_uri) $suite main" \
    > "$dir/sources.list"
  cat > "$dir/apt.conf" <<CONF
Dir::State "$dir";
Dir::State::Lists "$dir/lists";
Dir::State::status "$dir/status";
Dir::Cache "$dir";
Dir::Cache::archives "$dir/archives";
Dir::Etc::SourceList "$dir/sources.list";
Dir::Etc::SourceParts "$dir/parts";
Dir::Etc::Parts "$dir/parts";
Dir::Etc::Preferences "$dir/prefs/none";
Dir::Etc::PreferencesParts "$dir/prefs";
APT::Sandbox::User "root";
CONF
  echo "$dir/apt.conf"
}

# Downloads packages of a suite and extracts them under $CACHE/$suite.
fetch_debs() {
  local suite=$1; shift
  local conf; conf=$(apt_conf "$suite")
  local out=$CACHE/$suite stamp=$CACHE/$suite/.fetched
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$*" ]; then return; fi
  APT_CONFIG=$conf apt-get -q update >/dev/null
  local debs; debs=$(mktemp -d)
  (cd "$debs" && APT_CONFIG=$conf apt-get -q download "$@" >/dev/null)
  rm -rf "$out"; mkdir -p "$out"
  for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$out"; done
  rm -rf "$debs"
  echo "$*" > "$stamp"
}

# A trixie userland with crun (debootstrap, minbase), packed as a tarball.
fetch_rootfs() {
  local tarball=$CACHE/trixie-rootfs.tar
  [ -f "$tarball" ] && return
  command -v debootstrap >/dev/null || { apt-get -q update && apt-get -q install -y debootstrap; }
  local dir; dir=$(mktemp -d /var/tmp/wedge-debootstrap.XXXXXX)
  # debootstrap mounts /proc and /sys inside the target while it works: do it in a mount
  # namespace of its own, so nothing can stay mounted on the host.
  unshare --mount --propagation private \
    debootstrap --variant=minbase --include=crun trixie "$dir" "$(debian_uri)" >/dev/null
  tar -C "$dir" -cf "$tarball.tmp" .
  rm -rf "$dir"
  mv "$tarball.tmp" "$tarball"
}

# grpcio for the CRI client.
fetch_venv() {
  [ -x "$CACHE/venv/bin/python" ] && "$CACHE/venv/bin/python" -c 'import grpc_tools' 2>/dev/null && return
  python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" -q install grpcio grpcio-tools
}

for what in "${@:-debs rootfs venv}"; do
  for w in $what; do
    case $w in
      debs) fetch_debs trixie "${TRIXIE_DEBS[@]}"; fetch_debs bookworm runc ;;
      rootfs) fetch_rootfs ;;
      venv) fetch_venv ;;
      *) echo "fetch.sh: unknown item $w" >&2; exit 2 ;;
    esac
  done
done
