# Sourced by the benchmark scripts: where the runtimes under test are, and how to get them.
# WEDGE (default the release build), WASMTIME and WASMI (default on PATH, else under
# /var/tmp) override the defaults. Scripts call need_wedge / need_wasmtime / need_wasmi for
# the ones they cannot do without.
WEDGE="${WEDGE:-${CARGO_TARGET_DIR:-target}/release/wedge}"
WASMTIME="${WASMTIME:-$(command -v wasmtime || echo /var/tmp/wasmtime/bin/wasmtime)}"
WASMI="${WASMI:-$(command -v wasmi || echo /var/tmp/wasmi/bin/wasmi)}"

need_wedge() {
  [ -x "$WEDGE" ] || { echo "build wedge first: cargo build --release -p wedge-cli (looked for $WEDGE)" >&2; exit 1; }
}
need_wasmtime() {
  [ -x "$WASMTIME" ] || { echo "Wasmtime not found: cargo install --locked wasmtime-cli@48.0.8 --root /var/tmp/wasmtime (or set WASMTIME)" >&2; exit 1; }
}
need_wasmi() {
  [ -x "$WASMI" ] || { echo "Wasmi not found: cargo install --locked wasmi_cli --root /var/tmp/wasmi (or set WASMI)" >&2; exit 1; }
}
