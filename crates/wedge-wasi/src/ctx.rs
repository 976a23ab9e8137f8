//! The per-instance WASI state: arguments, environment, clocks and the descriptor table.

use crate::descriptor::{Descriptor, DirHandle, Kind};
use crate::errno::Errno;
use crate::policy::{NetPolicy, NetRule};
use crate::poll::Poller;
use crate::sock::Socket;
use crate::types::{filetype, rights};
use rustix::fd::OwnedFd;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::TcpListener;
use std::path::Path;
use std::time::Instant;

/// The most descriptors a guest may have open at once.
pub const MAX_FDS: usize = 1 << 16;

/// Errors setting up a WASI context.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A directory to preopen could not be opened.
    #[error("cannot open directory {path}: {source}")]
    Preopen {
        /// The host path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// An argument or environment entry contains a NUL byte.
    #[error("{0} contains a NUL byte")]
    Nul(String),
    /// A socket to preopen is not an IPv4 or IPv6 socket.
    #[error("cannot preopen the socket: {0}")]
    Socket(Errno),
}

/// Whether a preopened directory may be changed by the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirAccess {
    /// Read and write.
    ReadWrite,
    /// Read only: every right that modifies files is withheld.
    ReadOnly,
}

/// WASI state of one guest: what `wasi_snapshot_preview1` functions see and change.
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) fds: Vec<Option<Descriptor>>,
    /// Free descriptor numbers below `fds.len()`, lowest first (may hold numbers since
    /// reused by `fd_renumber`; `insert` skips those).
    free: BinaryHeap<Reverse<u32>>,
    /// Origin of the monotonic clock (the guest sees time since its context was made).
    pub(crate) start: Instant,
    /// What the guest may do on the network.
    pub(crate) net: NetPolicy,
    /// The epoll instance behind `poll_oneoff`, made when first needed.
    pub(crate) poller: Option<Poller>,
}

/// Builds a [`WasiCtx`]: arguments, environment, stdio, preopened directories and sockets,
/// and the network policy, which allows nothing until told otherwise.
///
/// ```
/// let ctx = wedge_wasi::WasiCtxBuilder::new()
///     .arg("app.wasm")
///     .env("GREETING", "hello")
///     .inherit_stdio()
///     .build()
///     .unwrap();
/// # drop(ctx);
/// ```
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdio: [Option<Kind>; 3],
    extra: Vec<Descriptor>,
    error: Option<SetupError>,
    net: NetPolicy,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    /// An empty context: no arguments, no environment, null stdio, no directories.
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdio: [None, None, None],
            extra: Vec::new(),
            error: None,
            net: NetPolicy::deny_all(),
        }
    }

    /// Appends a command-line argument (the first is the program name).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends command-line arguments.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Gives the guest this process's stdin, stdout and stderr.
    pub fn inherit_stdio(mut self) -> Self {
        self.stdio = [
            Some(Kind::Inherited(rustix::stdio::stdin())),
            Some(Kind::Inherited(rustix::stdio::stdout())),
            Some(Kind::Inherited(rustix::stdio::stderr())),
        ];
        self
    }

    /// Uses a host file, pipe or socket as the guest's stdin.
    pub fn stdin(mut self, fd: impl Into<OwnedFd>) -> Self {
        self.stdio[0] = Some(Kind::Host(fd.into()));
        self
    }

    /// Uses a host file, pipe or socket as the guest's stdout.
    pub fn stdout(mut self, fd: impl Into<OwnedFd>) -> Self {
        self.stdio[1] = Some(Kind::Host(fd.into()));
        self
    }

    /// Uses a host file, pipe or socket as the guest's stderr.
    pub fn stderr(mut self, fd: impl Into<OwnedFd>) -> Self {
        self.stdio[2] = Some(Kind::Host(fd.into()));
        self
    }

    /// Preopens the host directory `host` under the name `guest`.
    ///
    /// The guest can reach only what lies beneath it: `..`, absolute paths and symlinks that
    /// lead outside all fail, however they are combined.
    pub fn preopened_dir(
        mut self,
        host: impl AsRef<Path>,
        guest: impl Into<String>,
        access: DirAccess,
    ) -> Self {
        let host = host.as_ref();
        match cap_std::fs::Dir::open_ambient_dir(host, cap_std::ambient_authority()) {
            Ok(dir) => {
                let mut base = rights::DIR;
                let mut inheriting = rights::DIR | rights::FILE;
                if access == DirAccess::ReadOnly {
                    base &= !rights::MODIFY;
                    inheriting &= !rights::MODIFY;
                }
                self.extra.push(Descriptor {
                    kind: Kind::Dir(DirHandle {
                        dir,
                        preopen: Some(guest.into()),
                        listing: None,
                    }),
                    filetype: filetype::DIRECTORY,
                    base,
                    inheriting,
                    flags: 0,
                });
            }
            Err(source) => {
                self.error.get_or_insert(SetupError::Preopen {
                    path: host.display().to_string(),
                    source,
                });
            }
        }
        self
    }

    /// Preopens a listening TCP socket, for the guest to `sock_accept` connections on. (The
    /// network policy does not apply to it: the embedder chose to give it.)
    pub fn preopened_listener(mut self, listener: TcpListener) -> Self {
        match Socket::from_host(OwnedFd::from(listener)) {
            Ok(socket) => self.extra.push(socket.into_descriptor(0)),
            Err(e) => {
                self.error.get_or_insert(SetupError::Socket(e));
            }
        }
        self
    }

    /// Lets the guest open sockets and use every address, and resolve names: what WasmEdge
    /// allows every guest (the `wedge run` default).
    pub fn inherit_network(mut self) -> Self {
        self.net = NetPolicy::allow_all();
        self
    }

    /// Lets the guest open sockets and bind, connect and send to the networks of `rule`
    /// (repeat for more); other addresses fail with `EACCES`. Does not allow name resolution.
    pub fn allow_net(mut self, rule: NetRule) -> Self {
        self.net.allow(rule);
        self
    }

    /// Allows or denies name resolution (`sock_getaddrinfo`; denied: `EACCES`).
    pub fn allow_ip_name_lookup(mut self, allowed: bool) -> Self {
        self.net.set_dns(allowed);
        self
    }

    /// Replaces the whole network policy.
    pub fn net_policy(mut self, policy: NetPolicy) -> Self {
        self.net = policy;
        self
    }

    /// Finishes the context; fails if a directory could not be opened.
    pub fn build(self) -> Result<WasiCtx, SetupError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let args = strings(self.args.into_iter(), "an argument")?;
        let env = strings(
            self.env.into_iter().map(|(k, v)| format!("{k}={v}")),
            "an environment variable",
        )?;
        let mut fds = Vec::new();
        for kind in self.stdio {
            fds.push(Some(Descriptor::stream(kind.unwrap_or(Kind::Null))));
        }
        fds.extend(self.extra.into_iter().map(Some));
        Ok(WasiCtx {
            args,
            env,
            fds,
            free: BinaryHeap::new(),
            start: Instant::now(),
            net: self.net,
            poller: None,
        })
    }
}

fn strings(items: impl Iterator<Item = String>, what: &str) -> Result<Vec<Vec<u8>>, SetupError> {
    items
        .map(|s| {
            if s.contains('\0') {
                Err(SetupError::Nul(format!("{what} ({s:?})")))
            } else {
                Ok(s.into_bytes())
            }
        })
        .collect()
}

impl WasiCtx {
    /// The descriptor `fd`, or `EBADF`.
    pub(crate) fn get(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.fds
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::Badf)
    }

    /// The descriptor `fd` if it has the rights `needed` and is not a directory.
    pub(crate) fn file(&mut self, fd: u32, needed: u64) -> Result<&mut Descriptor, Errno> {
        let d = self.get(fd)?;
        if matches!(d.kind, Kind::Dir(_)) {
            return Err(Errno::Badf);
        }
        d.require(needed)?;
        Ok(d)
    }

    /// The directory `fd` if it has the rights `needed`; `ENOTDIR` if it is not a directory.
    pub(crate) fn dir(&mut self, fd: u32, needed: u64) -> Result<&mut DirHandle, Errno> {
        let d = self.get(fd)?;
        if !matches!(d.kind, Kind::Dir(_)) {
            return Err(Errno::Notdir);
        }
        d.require(needed)?;
        match &mut d.kind {
            Kind::Dir(dir) => Ok(dir),
            _ => Err(Errno::Notdir),
        }
    }

    /// Puts a descriptor in the lowest free slot and returns its number (`EMFILE` when
    /// [`MAX_FDS`] are open).
    pub(crate) fn insert(&mut self, d: Descriptor) -> Result<u32, Errno> {
        while let Some(Reverse(i)) = self.free.pop() {
            if let Some(slot @ None) = self.fds.get_mut(i as usize) {
                *slot = Some(d);
                return Ok(i);
            }
        }
        if self.fds.len() >= MAX_FDS {
            return Err(Errno::Mfile);
        }
        self.fds.push(Some(d));
        Ok(self.fds.len() as u32 - 1)
    }

    /// Puts a descriptor at number `fd`, which must be free (`fd_renumber`).
    pub(crate) fn place(&mut self, fd: u32, d: Descriptor) {
        if let Some(slot) = self.fds.get_mut(fd as usize) {
            *slot = Some(d);
        }
    }

    /// Removes a descriptor (closing its host object when the caller drops it).
    pub(crate) fn remove(&mut self, fd: u32) -> Result<Descriptor, Errno> {
        let d = self
            .fds
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or(Errno::Badf)?;
        if let Some(p) = &mut self.poller {
            p.forget(fd, d.kind.fd());
        }
        self.free.push(Reverse(fd));
        Ok(d)
    }
}
