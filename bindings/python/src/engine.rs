//! Config and Engine: how modules are compiled and run.

use crate::error::wedge_err;
use pyo3::prelude::*;

/// Settings for an `Engine`: tier, features, metering, interruption.
#[pyclass(module = "wedge")]
#[derive(Clone)]
pub struct Config {
    pub config: wedge::Config,
}

impl Default for Config {
    fn default() -> Self {
        let mut config = wedge::Config::default();
        config.native_code_key(Some(process_key()));
        Config { config }
    }
}

/// A random key of this process for signing native code (`Module.serialize`), so AOT
/// files load natively in the process that wrote them unless a key is set.
fn process_key() -> [u8; 16] {
    static KEY: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    *KEY.get_or_init(|| {
        let mut key = [0u8; 16];
        let random = std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut key));
        if random.is_err() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            key = (t ^ (std::process::id() as u128) << 64).to_le_bytes();
        }
        key
    })
}

#[pymethods]
impl Config {
    /// The default configuration: compile when the host can, WebAssembly 3.0 features on.
    #[new]
    fn new() -> Self {
        Config::default()
    }

    /// "auto" (compile with Cranelift when the host can), "interpreter", "compiler" or
    /// "tiered" (interpret first, compile hot functions in the background).
    #[setter]
    fn set_strategy(&mut self, strategy: &str) -> PyResult<()> {
        let s = match strategy {
            "auto" => wedge::Strategy::Auto,
            "interpreter" => wedge::Strategy::Interpreter,
            "compiler" => wedge::Strategy::Compiler,
            "tiered" => wedge::Strategy::Tiered,
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
            wedge::Strategy::Tiered => "tiered",
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

    /// Register compiled code with GDB's JIT interface (symbols, source lines, unwinding).
    #[setter]
    fn set_debug_info(&mut self, on: bool) {
        self.config.debug_info(on);
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

    /// The 16-byte secret that signs native code in AOT files (`Module.serialize`) and must
    /// match for stored native code to be used; None: a random key of this process.
    #[setter]
    fn set_native_code_key(&mut self, key: Option<Vec<u8>>) -> PyResult<()> {
        let key = match key {
            None => process_key(),
            Some(k) => k
                .try_into()
                .map_err(|_| wedge_err("the native code key must be 16 bytes"))?,
        };
        self.config.native_code_key(Some(key));
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
        let config = config.cloned().unwrap_or_default();
        Engine {
            engine: wedge::Engine::new(&config.config),
        }
    }

    /// Whether modules of this engine run as native code.
    #[getter]
    fn compiles(&self) -> bool {
        self.engine.config().compiles()
    }
}
