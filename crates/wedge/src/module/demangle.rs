//! Readable function names: demangles Rust (v0 and legacy) and C++ (Itanium) symbols.

/// Returns `name` demangled when it is a Rust or C++ mangled symbol, else `name` itself.
pub fn demangle(name: &str) -> String {
    if let Ok(d) = rustc_demangle::try_demangle(name) {
        // `{:#}` leaves out the legacy scheme's hash suffix.
        return format!("{d:#}");
    }
    if name.starts_with("_Z") {
        if let Ok(sym) = cpp_demangle::Symbol::new(name) {
            if let Ok(d) = sym.demangle() {
                return d;
            }
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::demangle;

    #[test]
    fn rust_legacy_v0_cpp_and_plain() {
        assert_eq!(
            demangle("_ZN4demo5inner17h0123456789abcdefE"),
            "demo::inner"
        );
        assert_eq!(demangle("_RNvCs1234_4demo5inner"), "demo::inner");
        assert_eq!(demangle("_Z5innerii"), "inner(int, int)");
        assert_eq!(demangle("main"), "main");
        assert_eq!(demangle("_Zbogus"), "_Zbogus");
    }
}
