//! WASI configuration: arguments, environment, stdio and preopened directories.

use crate::error::wedge_err;
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use std::fs::File;
use std::path::PathBuf;
use wedge_wasi::{DirAccess, WasiCtxBuilder};

/// Where a guest's standard stream goes.
#[derive(Clone)]
enum Stdio {
    /// Nothing (reads see end of file, writes vanish).
    Null,
    /// This process's own stream.
    Inherit,
    /// A host file (read for stdin; created or truncated for output).
    File(PathBuf),
}

/// What a WASI guest gets: set it up, then `Store.set_wasi(config)`.
#[pyclass(module = "wedge")]
#[derive(Clone)]
pub struct WasiConfig {
    argv: Vec<String>,
    env: Vec<(String, String)>,
    stdio: [Stdio; 3],
    preopens: Vec<(PathBuf, String, DirAccess)>,
    network: bool,
}

#[pymethods]
impl WasiConfig {
    /// An empty configuration: no arguments, no environment, null stdio, no directories.
    #[new]
    fn new() -> Self {
        WasiConfig {
            argv: Vec::new(),
            env: Vec::new(),
            stdio: [Stdio::Null, Stdio::Null, Stdio::Null],
            preopens: Vec::new(),
            network: false,
        }
    }

    /// The guest's arguments (the first is the program name).
    #[setter]
    fn set_argv(&mut self, argv: Vec<String>) {
        self.argv = argv;
    }

    #[getter]
    fn argv(&self) -> Vec<String> {
        self.argv.clone()
    }

    /// The guest's environment: a dict or a list of (name, value) pairs.
    #[setter]
    fn set_env(&mut self, env: &Bound<'_, PyAny>) -> PyResult<()> {
        let pairs: Vec<(String, String)> = match env.cast::<pyo3::types::PyDict>() {
            Ok(d) => d
                .iter()
                .map(|(k, v)| Ok((k.extract()?, v.extract()?)))
                .collect::<PyResult<_>>()?,
            Err(_) => env.extract()?,
        };
        self.env = pairs;
        Ok(())
    }

    #[getter]
    fn env(&self) -> Vec<(String, String)> {
        self.env.clone()
    }

    /// This process's own arguments.
    fn inherit_argv(&mut self) {
        self.argv = std::env::args().collect();
    }

    /// This process's own environment.
    fn inherit_env(&mut self) {
        self.env = std::env::vars().collect();
    }

    /// The guest reads this process's stdin.
    fn inherit_stdin(&mut self) {
        self.stdio[0] = Stdio::Inherit;
    }

    /// The guest writes to this process's stdout.
    fn inherit_stdout(&mut self) {
        self.stdio[1] = Stdio::Inherit;
    }

    /// The guest writes to this process's stderr.
    fn inherit_stderr(&mut self) {
        self.stdio[2] = Stdio::Inherit;
    }

    /// The guest reads its stdin from a host file.
    #[setter]
    fn set_stdin_file(&mut self, path: PathBuf) {
        self.stdio[0] = Stdio::File(path);
    }

    /// The guest's stdout goes to a host file (created or truncated when the config is used).
    #[setter]
    fn set_stdout_file(&mut self, path: PathBuf) {
        self.stdio[1] = Stdio::File(path);
    }

    /// The guest's stderr goes to a host file (created or truncated when the config is used).
    #[setter]
    fn set_stderr_file(&mut self, path: PathBuf) {
        self.stdio[2] = Stdio::File(path);
    }

    /// Gives the guest the host directory `host_path` as `guest_path`; nothing outside it
    /// is reachable. `readonly` withholds every right that changes files.
    #[pyo3(signature = (host_path, guest_path, readonly=false))]
    fn preopen_dir(&mut self, host_path: PathBuf, guest_path: String, readonly: bool) {
        let access = if readonly {
            DirAccess::ReadOnly
        } else {
            DirAccess::ReadWrite
        };
        self.preopens.push((host_path, guest_path, access));
    }

    /// Lets the guest use sockets to any address and resolve names (off by default).
    fn inherit_network(&mut self) {
        self.network = true;
    }
}

fn open(path: &PathBuf, write: bool) -> PyResult<File> {
    let f = if write {
        File::create(path)
    } else {
        File::open(path)
    };
    f.map_err(|e| PyOSError::new_err(format!("{}: {e}", path.display())))
}

impl WasiConfig {
    /// Opens the files and directories and makes the guest's context.
    pub fn build(&self) -> PyResult<wedge_wasi::WasiCtx> {
        let mut b = WasiCtxBuilder::new().args(self.argv.iter().cloned());
        for (k, v) in &self.env {
            b = b.env(k.clone(), v.clone());
        }
        for (i, s) in self.stdio.iter().enumerate() {
            b = match (i, s) {
                (_, Stdio::Null) => b,
                (0, Stdio::File(p)) => b.stdin(open(p, false)?),
                (1, Stdio::File(p)) => b.stdout(open(p, true)?),
                (_, Stdio::File(p)) => b.stderr(open(p, true)?),
                (0, Stdio::Inherit) => b.stdin(dup(0)?),
                (1, Stdio::Inherit) => b.stdout(dup(1)?),
                (_, Stdio::Inherit) => b.stderr(dup(2)?),
            };
        }
        for (host, guest, access) in &self.preopens {
            b = b.preopened_dir(host, guest.clone(), *access);
        }
        if self.network {
            b = b.inherit_network();
        }
        b.build().map_err(|e| wedge_err(e.to_string()))
    }
}

/// A duplicate of one of this process's standard descriptors.
fn dup(fd: i32) -> PyResult<std::os::fd::OwnedFd> {
    use std::os::fd::BorrowedFd;
    // SAFETY: descriptors 0, 1 and 2 stay open for the life of the process.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    borrowed
        .try_clone_to_owned()
        .map_err(|e| PyOSError::new_err(e.to_string()))
}
