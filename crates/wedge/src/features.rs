//! WebAssembly proposals that a [`Config`](crate::Config) can switch on or off, and the
//! message that names the feature a rejected module needs.

use wasmparser::WasmFeatures;

/// A WebAssembly feature (a standardized or proposed extension) that can be turned on or off.
///
/// The default [`Config`](crate::Config) enables everything standardized in WebAssembly 3.0
/// plus threads, and the legacy exception instructions that toolchains still emit;
/// [`Feature::WideArithmetic`] and [`Feature::CustomPageSizes`] are off until enabled.
///
/// ```
/// use wedge::Feature;
/// assert_eq!(Feature::from_name("tail-call"), Some(Feature::TailCall));
/// assert_eq!(Feature::TailCall.name(), "tail-call");
/// assert!(Feature::TailCall.enabled_by_default());
/// assert!(!Feature::WideArithmetic.enabled_by_default());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Feature {
    /// Importing and exporting mutable globals (WebAssembly 2.0).
    MutableGlobal,
    /// Non-trapping float-to-int conversions (WebAssembly 2.0).
    SaturatingFloatToInt,
    /// Sign-extension operators (WebAssembly 2.0).
    SignExtension,
    /// Multiple results and block parameters (WebAssembly 2.0).
    MultiValue,
    /// Bulk memory and table operations (WebAssembly 2.0).
    BulkMemory,
    /// `funcref`/`externref` values and multiple tables (WebAssembly 2.0).
    ReferenceTypes,
    /// 128-bit SIMD (WebAssembly 2.0).
    Simd,
    /// `return_call`, `return_call_indirect` and `return_call_ref` (WebAssembly 3.0).
    TailCall,
    /// Arithmetic in constant expressions (WebAssembly 3.0).
    ExtendedConst,
    /// More than one memory per module (WebAssembly 3.0).
    MultiMemory,
    /// Memories and tables indexed with 64-bit addresses (WebAssembly 3.0).
    Memory64,
    /// Typed function references and `call_ref` (WebAssembly 3.0).
    FunctionReferences,
    /// Garbage-collected structs, arrays and `i31ref` (WebAssembly 3.0).
    Gc,
    /// Exception handling with `try_table` and `exnref` (WebAssembly 3.0).
    Exceptions,
    /// Relaxed SIMD with implementation-chosen results (WebAssembly 3.0).
    RelaxedSimd,
    /// Shared memories and atomic instructions (the threads proposal).
    Threads,
    /// The legacy exception instructions `try`/`catch`/`delegate`/`rethrow`.
    LegacyExceptions,
    /// 128-bit integer addition, subtraction and widening multiplication.
    WideArithmetic,
    /// Memories with a page size other than 64 KiB (the custom-page-sizes proposal).
    CustomPageSizes,
}

/// Everything known about one feature: its name, validator flags and prerequisites.
struct FeatureInfo {
    feature: Feature,
    name: &'static str,
    flags: WasmFeatures,
    default: bool,
    requires: &'static [Feature],
}

/// The table of all features, in the order they are listed to users.
const FEATURES: &[FeatureInfo] = &[
    info(
        Feature::MutableGlobal,
        "mutable-global",
        WasmFeatures::MUTABLE_GLOBAL,
        true,
        &[],
    ),
    info(
        Feature::SaturatingFloatToInt,
        "saturating-float-to-int",
        WasmFeatures::SATURATING_FLOAT_TO_INT,
        true,
        &[],
    ),
    info(
        Feature::SignExtension,
        "sign-extension",
        WasmFeatures::SIGN_EXTENSION,
        true,
        &[],
    ),
    info(
        Feature::MultiValue,
        "multi-value",
        WasmFeatures::MULTI_VALUE,
        true,
        &[],
    ),
    info(
        Feature::BulkMemory,
        "bulk-memory",
        WasmFeatures::BULK_MEMORY,
        true,
        &[],
    ),
    info(
        Feature::ReferenceTypes,
        "reference-types",
        WasmFeatures::REFERENCE_TYPES,
        true,
        &[],
    ),
    info(Feature::Simd, "simd", WasmFeatures::SIMD, true, &[]),
    info(
        Feature::TailCall,
        "tail-call",
        WasmFeatures::TAIL_CALL,
        true,
        &[],
    ),
    info(
        Feature::ExtendedConst,
        "extended-const",
        WasmFeatures::EXTENDED_CONST,
        true,
        &[],
    ),
    info(
        Feature::MultiMemory,
        "multi-memory",
        WasmFeatures::MULTI_MEMORY,
        true,
        &[],
    ),
    info(
        Feature::Memory64,
        "memory64",
        WasmFeatures::MEMORY64,
        true,
        &[],
    ),
    info(
        Feature::FunctionReferences,
        "function-references",
        WasmFeatures::FUNCTION_REFERENCES,
        true,
        &[Feature::ReferenceTypes],
    ),
    info(
        Feature::Gc,
        "gc",
        WasmFeatures::GC,
        true,
        &[Feature::FunctionReferences],
    ),
    info(
        Feature::Exceptions,
        "exceptions",
        WasmFeatures::EXCEPTIONS,
        true,
        &[],
    ),
    info(
        Feature::RelaxedSimd,
        "relaxed-simd",
        WasmFeatures::RELAXED_SIMD,
        true,
        &[Feature::Simd],
    ),
    info(
        Feature::Threads,
        "threads",
        WasmFeatures::THREADS,
        true,
        &[],
    ),
    info(
        Feature::LegacyExceptions,
        "legacy-exceptions",
        WasmFeatures::LEGACY_EXCEPTIONS,
        true,
        &[],
    ),
    info(
        Feature::WideArithmetic,
        "wide-arithmetic",
        WasmFeatures::WIDE_ARITHMETIC,
        false,
        &[],
    ),
    info(
        Feature::CustomPageSizes,
        "custom-page-sizes",
        WasmFeatures::CUSTOM_PAGE_SIZES,
        false,
        &[],
    ),
];

const fn info(
    feature: Feature,
    name: &'static str,
    flags: WasmFeatures,
    default: bool,
    requires: &'static [Feature],
) -> FeatureInfo {
    FeatureInfo {
        feature,
        name,
        flags,
        default,
        requires,
    }
}

/// Validator flags that are always on: they gate no proposal of their own.
pub(crate) const BASE_FLAGS: WasmFeatures = WasmFeatures::MVP;

impl Feature {
    /// Every feature, in the order they are listed to users.
    pub fn all() -> impl ExactSizeIterator<Item = Feature> {
        FEATURES.iter().map(|i| i.feature)
    }

    fn info(self) -> &'static FeatureInfo {
        FEATURES
            .iter()
            .find(|i| i.feature == self)
            .expect("every feature is in the table")
    }

    /// The feature's name as used on the command line (`tail-call`, `memory64`, ...).
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The feature with this command-line name.
    pub fn from_name(name: &str) -> Option<Feature> {
        FEATURES.iter().find(|i| i.name == name).map(|i| i.feature)
    }

    /// Whether the default configuration enables the feature.
    pub fn enabled_by_default(self) -> bool {
        self.info().default
    }

    /// Features that must be on for this one to work (enabling it enables them).
    pub fn requires(self) -> &'static [Feature] {
        self.info().requires
    }

    /// The validator flags of the feature.
    pub(crate) fn flags(self) -> WasmFeatures {
        self.info().flags
    }
}

impl std::fmt::Display for Feature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The validator flags of the default configuration.
pub(crate) fn default_flags() -> WasmFeatures {
    FEATURES
        .iter()
        .filter(|i| i.default)
        .fold(BASE_FLAGS, |acc, i| acc | i.flags)
}

/// `flags` with `feature` switched on (with its prerequisites) or off (with what needs it).
pub(crate) fn set(flags: WasmFeatures, feature: Feature, on: bool) -> WasmFeatures {
    if on {
        let mut flags = flags | feature.flags();
        for &req in feature.requires() {
            flags = set(flags, req, true);
        }
        flags
    } else {
        let mut flags = flags.difference(feature.flags());
        for dependent in Feature::all().filter(|d| d.requires().contains(&feature)) {
            flags = set(flags, dependent, false);
        }
        flags
    }
}

/// Whether every flag of `feature` is set in `flags`.
pub(crate) fn has(flags: WasmFeatures, feature: Feature) -> bool {
    flags.contains(feature.flags())
}

/// When validation with `flags` failed, finds the disabled feature the module needs and
/// returns a message naming it; None when enabling features would not help. In
/// `deterministic` mode threads are off whatever the configuration says.
pub(crate) fn missing_feature_message(
    flags: WasmFeatures,
    bytes: &[u8],
    deterministic: bool,
) -> Option<String> {
    let disabled: Vec<Feature> = Feature::all().filter(|f| !has(flags, *f)).collect();
    if disabled.is_empty() {
        return None;
    }
    let valid_with = |extra: WasmFeatures| {
        wasmparser::Validator::new_with_features(flags | extra)
            .validate_all(bytes)
            .is_ok()
    };
    for &feature in &disabled {
        if valid_with(set(WasmFeatures::empty(), feature, true)) {
            if deterministic && feature == Feature::Threads {
                return Some(
                    "the module uses the `threads` feature, which deterministic execution \
                     does not allow"
                        .into(),
                );
            }
            return Some(format!(
                "the module uses the `{feature}` feature, which is disabled \
                 (enable it with --enable-{feature} or Config::wasm_feature)"
            ));
        }
    }
    let all = disabled
        .iter()
        .fold(WasmFeatures::empty(), |acc, f| set(acc, *f, true));
    if !valid_with(all) {
        return None;
    }
    let needed: Vec<&str> = disabled
        .iter()
        .filter(|f| !valid_with(all.difference(f.flags())))
        .map(|f| f.name())
        .collect();
    let names = if needed.is_empty() {
        disabled.iter().map(|f| f.name()).collect()
    } else {
        needed
    };
    Some(format!(
        "the module uses disabled features; it needs some of: {}",
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Feature::all() {
            assert_eq!(Feature::from_name(f.name()), Some(f));
        }
        assert_eq!(Feature::from_name("no-such-thing"), None);
    }

    #[test]
    fn enabling_pulls_in_prerequisites_and_disabling_drops_dependents() {
        let flags = set(WasmFeatures::empty(), Feature::Gc, true);
        assert!(has(flags, Feature::FunctionReferences));
        assert!(has(flags, Feature::ReferenceTypes));
        let flags = set(default_flags(), Feature::Simd, false);
        assert!(!has(flags, Feature::RelaxedSimd));
        assert!(has(flags, Feature::Threads));
    }

    #[test]
    fn defaults_are_wasm3_plus_threads() {
        let flags = default_flags();
        assert!(flags.contains(WasmFeatures::WASM3));
        assert!(!has(flags, Feature::CustomPageSizes));
        assert!(has(flags, Feature::LegacyExceptions));
    }
}
