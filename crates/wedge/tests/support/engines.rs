//! Engines shared by the tests that compare the interpreter with compiled code.

use wedge::{Config, Engine, Strategy};

/// The interpreter, the compiler, and the compiler with inlining, each labelled.
pub fn interpreter_and_compilers() -> Vec<(&'static str, Engine)> {
    let make = |strategy, inlining| {
        let mut config = Config::new();
        config.strategy(strategy).inlining(inlining);
        Engine::new(&config)
    };
    vec![
        ("interpreter", make(Strategy::Interpreter, false)),
        ("compiler", make(Strategy::Compiler, false)),
        ("compiler with inlining", make(Strategy::Compiler, true)),
    ]
}
