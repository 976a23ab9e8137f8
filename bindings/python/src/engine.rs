//! Config and Engine: how modules are compiled and run.

use crate::error::wedge_err;
use pyo3::prelude::*;

/// Settings for an `Engine`: tier, features, metering, interruption.
#[pyclass(module = "wedge")]
#[derive(Clone, Default)]
pub struct Config {
    pub config: wedge::Config,
}

#[pymethods]
impl Config {
    /// The default configuration: compile when the host can, WebAssembly 3.0 features on.
    #[new]
    fn new() -> Self {
        Config::default()
    }

    /// "auto" (compile with Cranelift when the host can), "interpreter" or "compiler".
    #[setter]
    fn set_strategy(&mut self, strategy: &str) -> PyResult<()> {
        let s = match strategy {
            "auto" => wedge::Strategy::Auto,
            "interpreter" => wedge::Strategy::Interpreter,
            "compiler" => wedge::Strategy::Compiler,
            other => return Err(wedge_err(format!("unknown strategy `{other}`"))),
        };
        self.config.strategy(s);
        Ok(())
    }

    /// The chosen strategy.
    #[getter]
    fn strategy(&self) -> &'static str {
        match self.config.strategy_setting() {
            wedge::Strategy::Auto => "auto",
            wedge::Strategy::Interpreter => "interpreter",
            wedge::Strategy::Compiler => "compiler",
        }
    }

    /// Gas metering and instruction counting (needed by `Store.set_gas_limit`).
    #[setter]
    fn set_metering(&mut self, on: bool) {
        self.config.metering(on);
    }

    /// Lets `Store.set_time_limit` and interrupt handles stop running wasm.
    #[setter]
    fn set_interruptible(&mut self, on: bool) {
        self.config.interruptible(on);
    }

    /// Canonical NaNs, fixed relaxed-SIMD results, threads refused.
    #[setter]
    fn set_deterministic(&mut self, on: bool) {
        self.config.deterministic(on);
    }

    /// Inline small functions when compiling.
    #[setter]
    fn set_inlining(&mut self, on: bool) {
        self.config.inlining(on);
    }

    /// Native stack bytes compiled code may use before "call stack exhausted".
    #[setter]
    fn set_max_wasm_stack(&mut self, bytes: usize) {
        self.config.max_wasm_stack(bytes);
    }

    /// Gas per operator as text: "i32.add 3", "default 1", "# comment" lines.
    #[setter]
    fn set_cost_table(&mut self, text: &str) -> PyResult<()> {
        let table = wedge::CostTable::parse(text).map_err(|e| wedge_err(e.to_string()))?;
        self.config.cost_table(table);
        Ok(())
    }

    /// Turns a WebAssembly feature on or off by name ("simd", "gc", "threads", ...).
    fn wasm_feature(&mut self, name: &str, enable: bool) -> PyResult<()> {
        let feature = wedge::Feature::from_name(name)
            .ok_or_else(|| wedge_err(format!("unknown feature `{name}`")))?;
        self.config.wasm_feature(feature, enable);
        Ok(())
    }
}

/// Compiles and runs modules; shared by stores, modules and linkers made from it.
#[pyclass(frozen, module = "wedge")]
pub struct Engine {
    pub engine: wedge::Engine,
}

#[pymethods]
impl Engine {
    /// `Engine(config=None)`.
    #[new]
    #[pyo3(signature = (config=None))]
    fn new(config: Option<&Config>) -> Self {
        let config = config.map(|c| c.config.clone()).unwrap_or_default();
        Engine { engine: wedge::Engine::new(&config) }
    }

    /// Whether modules of this engine run as native code.
    #[getter]
    fn compiles(&self) -> bool {
        self.engine.config().compiles()
    }
}
