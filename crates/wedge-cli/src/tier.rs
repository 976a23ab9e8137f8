//! `--tier`: choosing the interpreter or the compiler for `run` and `wast`.

use clap::ValueEnum;

/// Which execution tier runs wasm functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Tier {
    /// The register-bytecode interpreter (fast start-up).
    Interp,
    /// Native code from the Cranelift compiler (fast execution); uses native code stored by
    /// `wedge compile` when it matches this host.
    Jit,
}

/// Sets the strategy for a tier; without one, Wedge compiles when it can.
pub fn configure(tier: Option<Tier>, config: &mut wedge::Config) {
    config.native_code_key(crate::aot_key::load());
    config.strategy(match tier {
        None => wedge::Strategy::Auto,
        Some(Tier::Interp) => wedge::Strategy::Interpreter,
        Some(Tier::Jit) => wedge::Strategy::Compiler,
    });
}

/// The engine for a tier, with the features of `base`.
pub fn engine(tier: Option<Tier>, base: &wedge::Config) -> wedge::Engine {
    let mut config = base.clone();
    configure(tier, &mut config);
    wedge::Engine::new(&config)
}
