# Sourced by the guest build scripts: installs Debian's wasm toolchain when missing (see
# docs/GUESTS.md) and lays out a WASI SDK made of Debian's pieces under $sdk
# (WASI_SDK_DIR, default /tmp/wasi-sdk-debian), for crates that compile C (rquickjs-sys,
# ring). Sets `sdk`.

if ! command -v clang-19 >/dev/null || [ ! -x /usr/bin/cargo ] || [ ! -d /usr/lib/wasm32-wasi ]; then
  apt-get update
  apt-get install -y rustc-web cargo-web rust-web-src lld-19 wasi-libc \
                     clang-19 libclang-rt-19-dev-wasm32 wabt
fi

sdk=${WASI_SDK_DIR:-/tmp/wasi-sdk-debian}
mkdir -p "$sdk/bin" "$sdk/share/wasi-sysroot/include" "$sdk/share/wasi-sysroot/lib"
ln -sf /usr/bin/clang-19 "$sdk/bin/clang"
ln -sf /usr/bin/llvm-ar-19 "$sdk/bin/ar"
for t in wasm32-wasi wasm32-wasip1; do
  ln -sfn /usr/include/wasm32-wasi "$sdk/share/wasi-sysroot/include/$t"
  ln -sfn /usr/lib/wasm32-wasi "$sdk/share/wasi-sysroot/lib/$t"
done
