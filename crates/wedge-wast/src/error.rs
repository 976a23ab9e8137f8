//! Why a directive failed.

/// The reason one directive of a script failed; its `Display` is the text
/// printed after `file:line:col: <directive>: `.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The directive ran but its outcome differs from what the script asserts.
    #[error("expected {expected}, got {got}")]
    Mismatch {
        /// What the script asserts, in script syntax.
        expected: String,
        /// What happened instead.
        got: String,
    },
    /// The runtime returned an error where the script expects success.
    #[error("{}", describe_error(.0))]
    Runtime(#[from] wedge::Error),
    /// A module in the script could not be turned into a binary.
    #[error("cannot encode module: {0}")]
    Encode(String),
    /// The directive names a module instance that was never defined.
    #[error("unknown module ${0}")]
    UnknownModule(String),
    /// The directive refers to the current module, but none is there (none was
    /// instantiated, or the last `module` directive failed).
    #[error("no current module (none instantiated yet, or the last one failed)")]
    NoCurrentModule,
    /// A `module instance` names no module and no `module definition` came before.
    #[error("no module definition to instantiate")]
    NoDefinition,
    /// The instance has no export of that name and kind.
    #[error("no exported {kind} {name:?}")]
    NoExport {
        /// "func" or "global".
        kind: &'static str,
        /// Name of the export.
        name: String,
    },
    /// The directive uses a feature this runner does not implement.
    #[error("{0} not supported")]
    Unsupported(String),
}

/// Prints a runtime error on one line: `trap "<message>"` or `error "<message>"`,
/// without the backtrace that trap messages carry.
pub(crate) fn describe_error(e: &wedge::Error) -> String {
    match e.as_trap() {
        Some(trap) => format!("trap {:?}", first_line(&trap.to_string())),
        None => format!("error {:?}", first_line(&e.to_string())),
    }
}

/// The first line of a message.
pub(crate) fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_string()
}
