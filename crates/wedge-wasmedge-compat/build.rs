//! Gives the shared library the SONAME crun's handler `dlopen`s: `libwasmedge.so.0`.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libwasmedge.so.0");
}
