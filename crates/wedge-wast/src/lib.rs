//! Runs WebAssembly spec scripts (`.wast`) against the Wedge runtime.
//!
//! A script is a list of directives: modules to instantiate, functions to
//! invoke, and assertions about what happens. [`WastRunner`] executes the
//! directives of one script and counts each as passed or failed;
//! [`run_files`] does that for a list of files, as `wedge` spec-test tooling
//! and the spec-suite test do.

mod error;
mod runner;
mod spectest;
mod values;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use runner::WastRunner;
use wedge::Engine;

/// How many directives passed and failed, with one line per failure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Number of directives that behaved as the script says.
    pub passed: usize,
    /// Number of directives that did not.
    pub failed: usize,
    /// One `file:line:col: <directive>: <what went wrong>` line per failure.
    pub failures: Vec<String>,
}

impl Report {
    /// Adds the counts and failures of `other` to this report.
    pub fn merge(&mut self, other: Report) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.failures.extend(other.failures);
    }

    /// Counts one failed directive with its failure line.
    pub(crate) fn record_failure(&mut self, line: String) {
        self.failed += 1;
        self.failures.push(line);
    }
}

/// Runs each script with a fresh [`WastRunner`], prints a line per failing
/// directive and then `N passed, M failed`, and returns the combined report.
pub fn run_files(paths: &[PathBuf], engine: &Engine) -> Report {
    let mut total = Report::default();
    for path in paths {
        let name = path.display().to_string();
        let report = match std::fs::read_to_string(path) {
            Ok(text) => WastRunner::new(engine).run_source(&name, &text),
            Err(e) => {
                let mut report = Report::default();
                report.record_failure(format!("{name}: cannot read file: {e}"));
                report
            }
        };
        for line in &report.failures {
            println!("{line}");
        }
        total.merge(report);
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    total
}
