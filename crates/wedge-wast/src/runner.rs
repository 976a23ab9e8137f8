//! Executing the directives of a spec script against one store.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use wast::core::WastRetCore;
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::token::Id;
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, WastRet, Wat};
use wedge::{Engine, Instance, Linker, Module, Store, Val};

use crate::error::{describe_error, first_line, Failure};
use crate::{spectest, values, Report};

/// The outcome of running wasm code: its results, or the error (often a trap)
/// the runtime returned.
type Outcome = Result<Vec<Val>, wedge::Error>;

/// Runs spec scripts: owns the store, the linker with the `spectest` module and
/// every registered instance, and the module that unnamed directives refer to.
pub struct WastRunner {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    /// Why the `spectest` module could not be defined, if it could not.
    setup_error: Option<String>,
    /// Instances named with `$id` by `module` or `module instance` directives.
    instances: HashMap<String, Instance>,
    /// Modules named with `$id` by `module definition` directives.
    definitions: HashMap<String, Module>,
    /// The latest `module definition`, for a `module instance` that names none.
    last_definition: Option<Module>,
    /// The latest instantiated module; directives that name no module use it.
    current: Option<Instance>,
    /// Whether compiled modules go through an AOT file before use.
    aot_round_trip: bool,
}

impl WastRunner {
    /// Creates a runner with a fresh store whose linker holds the `spectest` module.
    pub fn new(engine: &Engine) -> Self {
        let mut store = Store::new(engine, ());
        let mut linker = Linker::new(engine);
        linker.allow_shadowing(true);
        let setup_error = spectest::define(&mut store, &mut linker)
            .err()
            .map(|e| format!("cannot define the spectest module: {e}"));
        WastRunner {
            engine: engine.clone(),
            store,
            linker,
            setup_error,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            current: None,
            aot_round_trip: false,
        }
    }

    /// Makes every compiled module go through `wedge compile`'s file format: it is written
    /// with its native code, and the file is loaded (not recompiled) before use.
    pub fn aot_round_trip(&mut self, yes: bool) -> &mut Self {
        self.aot_round_trip = yes;
        self
    }

    /// The store the scripts run in, to adjust its settings before running them.
    pub fn store_mut(&mut self) -> &mut Store<()> {
        &mut self.store
    }

    /// Runs every directive of the script `text` and counts each as passed or
    /// failed; failure lines start with `filename:line:col`.
    pub fn run_source(&mut self, filename: &str, text: &str) -> Report {
        let mut report = Report::default();
        if let Some(error) = &self.setup_error {
            report.record_failure(format!("{filename}: {error}"));
            return report;
        }
        let mut lexer = Lexer::new(text);
        // The official scripts contain such characters inside strings on purpose.
        lexer.allow_confusing_unicode(true);
        let buffer = match ParseBuffer::new_with_lexer(lexer) {
            Ok(buffer) => buffer,
            Err(e) => return script_error(filename, text, e),
        };
        let wast = match parser::parse::<Wast>(&buffer) {
            Ok(wast) => wast,
            Err(e) => return script_error(filename, text, e),
        };
        for directive in wast.directives {
            let (line, col) = directive.span().linecol_in(text);
            let kind = directive_kind(&directive);
            match self.run_guarded(directive) {
                Ok(()) => report.passed += 1,
                Err(message) => report.record_failure(format!(
                    "{filename}:{}:{}: {kind}: {message}",
                    line + 1,
                    col + 1
                )),
            }
        }
        report
    }

    /// Runs one directive, turning a panic in the runtime into a failure so the
    /// rest of the script still runs.
    fn run_guarded(&mut self, directive: WastDirective<'_>) -> Result<(), String> {
        match panic::catch_unwind(AssertUnwindSafe(|| self.run_directive(directive))) {
            Ok(result) => result.map_err(|failure| failure.to_string()),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string payload".to_string());
                Err(format!("panicked: {message}"))
            }
        }
    }

    /// Runs one directive and checks what it asserts.
    fn run_directive(&mut self, directive: WastDirective<'_>) -> Result<(), Failure> {
        match directive {
            WastDirective::Module(module) => self.module(module),
            WastDirective::ModuleDefinition(module) => self.module_definition(module),
            WastDirective::ModuleInstance {
                instance, module, ..
            } => self.module_instance(instance, module),
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?;
                self.linker.instance(&self.store, name, instance)?;
                Ok(())
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke)??;
                Ok(())
            }
            WastDirective::AssertReturn { exec, results, .. } => self.assert_return(exec, &results),
            WastDirective::AssertTrap { exec, message, .. } => {
                let outcome = self.execute(exec)?;
                self.expect_trap(outcome, message)
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let outcome = self.invoke(&call)?;
                self.expect_trap(outcome, message)
            }
            WastDirective::AssertInvalid {
                module, message, ..
            } => self.expect_rejected(module, "invalid", message),
            WastDirective::AssertMalformed {
                module, message, ..
            } => self.expect_rejected(module, "malformed", message),
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => self.assert_unlinkable(module, message),
            WastDirective::AssertException { exec, .. } => {
                let outcome = self.execute(exec)?;
                self.expect_exception(outcome)
            }
            WastDirective::AssertSuspension { .. } => {
                Err(Failure::Unsupported("stack switching".into()))
            }
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. } => {
                Err(Failure::Unsupported("custom-section assertions".into()))
            }
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                Err(Failure::Unsupported("threads".into()))
            }
        }
    }

    /// `(module $id? ...)`: compiles and instantiates a module and makes it the
    /// current one; a failure leaves no current module.
    fn module(&mut self, mut module: QuoteWat<'_>) -> Result<(), Failure> {
        let name = module.name().map(|id| id.name());
        self.current = None;
        if let Some(name) = name {
            self.instances.remove(name);
        }
        let compiled = self.compile(&mut module)?;
        let instance = self.linker.instantiate(&mut self.store, &compiled)?;
        if let Some(name) = name {
            self.instances.insert(name.to_string(), instance);
        }
        self.current = Some(instance);
        Ok(())
    }

    /// `(module definition $id? ...)`: compiles a module without instantiating it.
    fn module_definition(&mut self, mut module: QuoteWat<'_>) -> Result<(), Failure> {
        let name = module.name().map(|id| id.name());
        let compiled = self.compile(&mut module)?;
        if let Some(name) = name {
            self.definitions.insert(name.to_string(), compiled.clone());
        }
        self.last_definition = Some(compiled);
        Ok(())
    }

    /// `(module instance $inst? $def?)`: instantiates a defined module and makes
    /// it the current one.
    fn module_instance(
        &mut self,
        instance: Option<Id<'_>>,
        module: Option<Id<'_>>,
    ) -> Result<(), Failure> {
        let definition = match module {
            Some(id) => self
                .definitions
                .get(id.name())
                .cloned()
                .ok_or_else(|| Failure::UnknownModule(id.name().to_string()))?,
            None => self.last_definition.clone().ok_or(Failure::NoDefinition)?,
        };
        self.current = None;
        let created = self.linker.instantiate(&mut self.store, &definition)?;
        if let Some(id) = instance {
            self.instances.insert(id.name().to_string(), created);
        }
        self.current = Some(created);
        Ok(())
    }

    /// `(assert_return exec result*)`: the execution must succeed with results
    /// matching the patterns.
    fn assert_return(
        &mut self,
        exec: WastExecute<'_>,
        expected: &[WastRet<'_>],
    ) -> Result<(), Failure> {
        let expected: Vec<&WastRetCore<'_>> = expected
            .iter()
            .map(values::core_ret)
            .collect::<Result<_, _>>()?;
        let mismatch = |got: String| Failure::Mismatch {
            expected: values::describe_rets(&expected),
            got,
        };
        let actual = match self.execute(exec)? {
            Ok(actual) => actual,
            Err(e) => return Err(mismatch(describe_error(&e))),
        };
        let all_match = actual.len() == expected.len()
            && expected
                .iter()
                .zip(&actual)
                .all(|(e, a)| values::matches(&self.store, e, a));
        if all_match {
            Ok(())
        } else {
            Err(mismatch(values::describe_vals(
                &self.store,
                &actual,
                &expected,
            )))
        }
    }

    /// Checks that an execution trapped with a message matching `expected`.
    fn expect_trap(&self, outcome: Outcome, expected: &str) -> Result<(), Failure> {
        let got = match outcome {
            Ok(vals) => values::describe_vals(&self.store, &vals, &[]),
            Err(e) => match e.as_trap() {
                Some(trap) if trap_message_matches(expected, &first_line(&trap.to_string())) => {
                    return Ok(());
                }
                _ => describe_error(&e),
            },
        };
        Err(Failure::Mismatch {
            expected: format!("trap {expected:?}"),
            got,
        })
    }

    /// Checks that an execution ended with an uncaught wasm exception.
    fn expect_exception(&self, outcome: Outcome) -> Result<(), Failure> {
        let got = match outcome {
            Ok(vals) => values::describe_vals(&self.store, &vals, &[]),
            Err(e) if e.as_trap().and_then(|t| t.exception()).is_some() => return Ok(()),
            Err(e) => describe_error(&e),
        };
        Err(Failure::Mismatch {
            expected: "an uncaught exception".to_string(),
            got,
        })
    }

    /// `assert_invalid` / `assert_malformed`: the module must fail to compile.
    /// Quoted text that does not even parse counts as malformed.
    fn expect_rejected(
        &mut self,
        mut module: QuoteWat<'_>,
        what: &str,
        message: &str,
    ) -> Result<(), Failure> {
        let bytes = match encode(&mut module) {
            Ok(bytes) => bytes,
            Err(Failure::Encode(_)) if what == "malformed" => return Ok(()),
            Err(e) => return Err(e),
        };
        match Module::new(&self.engine, bytes) {
            Err(_) => Ok(()),
            Ok(_) => Err(Failure::Mismatch {
                expected: format!("{what} module ({message:?})"),
                got: "a module that compiles".to_string(),
            }),
        }
    }

    /// `(assert_unlinkable module "msg")`: the module must compile but fail to
    /// link against the registered instances.
    fn assert_unlinkable(&mut self, module: Wat<'_>, message: &str) -> Result<(), Failure> {
        let compiled = self.compile(&mut QuoteWat::Wat(module))?;
        let got = match self.linker.instantiate(&mut self.store, &compiled) {
            Err(wedge::Error::Link(_)) => return Ok(()),
            Err(e) => describe_error(&e),
            Ok(_) => "a module that instantiates".to_string(),
        };
        Err(Failure::Mismatch {
            expected: format!("link error {message:?}"),
            got,
        })
    }

    /// Runs an `invoke`, a `get` or a module instantiation inside an assertion.
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Outcome, Failure> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(module) => {
                let compiled = self.compile(&mut QuoteWat::Wat(module))?;
                let outcome = self.linker.instantiate(&mut self.store, &compiled);
                Ok(outcome.map(|_| Vec::new()))
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module)?;
                let global =
                    instance
                        .get_global(&self.store, global)
                        .ok_or_else(|| Failure::NoExport {
                            kind: "global",
                            name: global.to_string(),
                        })?;
                Ok(Ok(vec![global.get(&self.store)]))
            }
        }
    }

    /// Calls an exported function with the script's arguments.
    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Outcome, Failure> {
        let instance = self.instance(invoke.module)?;
        let func =
            instance
                .get_func(&self.store, invoke.name)
                .ok_or_else(|| Failure::NoExport {
                    kind: "func",
                    name: invoke.name.to_string(),
                })?;
        let args = invoke
            .args
            .iter()
            .map(|arg| values::arg_to_val(&mut self.store, arg))
            .collect::<Result<Vec<_>, _>>()?;
        let mut results: Vec<Val> = func
            .ty(&self.store)
            .results()
            .iter()
            .map(|ty| Val::default_of(*ty))
            .collect();
        Ok(func
            .call(&mut self.store, &args, &mut results)
            .map(|()| results))
    }

    /// The instance a directive names, or the current one when it names none.
    fn instance(&self, id: Option<Id<'_>>) -> Result<Instance, Failure> {
        match id {
            Some(id) => self
                .instances
                .get(id.name())
                .copied()
                .ok_or_else(|| Failure::UnknownModule(id.name().to_string())),
            None => self.current.ok_or(Failure::NoCurrentModule),
        }
    }

    /// Encodes a script module and compiles it.
    fn compile(&self, module: &mut QuoteWat<'_>) -> Result<Module, Failure> {
        let bytes = encode(module)?;
        let module = Module::new(&self.engine, bytes)?;
        if !self.aot_round_trip || !module.is_native() {
            return Ok(module);
        }
        let file = module.serialize_native()?;
        let loaded = Module::new(&self.engine, file)?;
        if let Some(w) = loaded.native_code_warning() {
            return Err(Failure::Mismatch {
                expected: "native code loaded from the AOT file".into(),
                got: w.to_string(),
            });
        }
        Ok(loaded)
    }
}

/// Turns a text, quoted or binary script module into wasm bytes.
fn encode(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, Failure> {
    if matches!(
        module,
        QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))
    ) {
        return Err(Failure::Unsupported("components".into()));
    }
    module.encode().map_err(|e| Failure::Encode(e.message()))
}

/// Returns true if a trap with message `actual` satisfies a script expecting
/// `expected`: the actual message contains the expected text, or the expected
/// text starts with the actual message (the scripts sometimes append details,
/// as in "uninitialized element 2").
pub(crate) fn trap_message_matches(expected: &str, actual: &str) -> bool {
    actual.contains(expected) || (!actual.is_empty() && expected.starts_with(actual))
}

/// A report with the one failure of a script that does not parse.
fn script_error(filename: &str, text: &str, mut e: wast::Error) -> Report {
    e.set_path(Path::new(filename));
    e.set_text(text);
    let mut report = Report::default();
    report.record_failure(format!("{filename}: cannot parse script: {e}"));
    report
}

/// The name of a directive as written in the script, for failure lines.
fn directive_kind(directive: &WastDirective<'_>) -> &'static str {
    match directive {
        WastDirective::Module(QuoteWat::QuoteModule(..)) => "module quote",
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}
