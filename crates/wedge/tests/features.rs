//! Per-proposal switches on `Config`: the defaults, and rejection of modules that use a
//! disabled feature with a message naming it.

use wedge::*;

/// A small module using each switchable feature (for the ones Wedge can test alone).
const USES: &[(Feature, &str)] = &[
    (Feature::TailCall, "(module (func $f (return_call $f)))"),
    (
        Feature::ExtendedConst,
        "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
    ),
    (Feature::MultiMemory, "(module (memory 1) (memory 1))"),
    (Feature::Memory64, "(module (memory i64 1))"),
    (Feature::Threads, "(module (memory 1 1 shared))"),
    (
        Feature::Simd,
        "(module (func (result v128) (v128.const i64x2 0 0)))",
    ),
    (
        Feature::RelaxedSimd,
        "(module (func (param v128 v128) (result v128)
           (i8x16.relaxed_swizzle (local.get 0) (local.get 1))))",
    ),
    (
        Feature::WideArithmetic,
        "(module (func (param i64 i64) (result i64 i64)
           (i64.mul_wide_u (local.get 0) (local.get 1))))",
    ),
    (Feature::CustomPageSizes, "(module (memory 1 (pagesize 1)))"),
    (Feature::Exceptions, "(module (tag $e) (func (throw $e)))"),
    (Feature::Gc, "(module (type (struct (field i32))))"),
    (
        Feature::FunctionReferences,
        "(module (type $t (func)) (func (param (ref $t)) (call_ref $t (local.get 0))))",
    ),
];

#[test]
fn defaults_are_wasm3_and_threads() {
    let config = Config::new();
    for feature in Feature::all() {
        // Legacy exceptions are on too: toolchains still emit them.
        let expect = !matches!(feature, Feature::WideArithmetic | Feature::CustomPageSizes);
        assert_eq!(config.has_feature(feature), expect, "{feature}");
        assert_eq!(feature.enabled_by_default(), expect, "{feature}");
    }
}

#[test]
fn a_module_using_a_disabled_feature_is_rejected_naming_it() {
    for &(feature, wat) in USES {
        let mut config = Config::new();
        config.wasm_all_features(true).wasm_feature(feature, false);
        let err = Module::new(&Engine::new(&config), wat).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, Error::Invalid { .. }) && message.contains(&format!("`{feature}`")),
            "{feature}: {message}"
        );
    }
}

#[test]
fn enabled_features_validate() {
    let mut config = Config::new();
    config.wasm_all_features(true);
    let engine = Engine::new(&config);
    for &(feature, wat) in USES {
        let bytes = wat::parse_str(wat).unwrap();
        assert!(
            wasmparser::Validator::new_with_features(config.features())
                .validate_all(&bytes)
                .is_ok(),
            "{feature}"
        );
        // Modules the interpreter already runs must also load (GC, exceptions and typed
        // function references are validated, not yet executed).
        if !matches!(
            feature,
            Feature::Gc | Feature::Exceptions | Feature::FunctionReferences
        ) {
            Module::new(&engine, wat).unwrap_or_else(|e| panic!("{feature}: {e}"));
        }
    }
}

#[test]
fn disabling_a_feature_disables_those_that_need_it() {
    let mut config = Config::new();
    config.wasm_feature(Feature::Simd, false);
    assert!(!config.has_feature(Feature::RelaxedSimd));
    config.wasm_feature(Feature::RelaxedSimd, true);
    assert!(config.has_feature(Feature::Simd), "enabling pulls in SIMD");
    config.wasm_feature(Feature::ReferenceTypes, false);
    assert!(!config.has_feature(Feature::FunctionReferences));
    assert!(!config.has_feature(Feature::Gc));
}
