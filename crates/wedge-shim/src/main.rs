//! `containerd-shim-wedge-v1`: a containerd shim (runtime `io.containerd.wedge.v1`) that runs
//! WebAssembly containers on Wedge, built on runwasi's `containerd-shim-wasm`.
//!
//! Containers whose entrypoint is a Linux executable run as ordinary containers (runwasi's
//! library does that); the rest run their `.wasm` entrypoint with Wedge. See `docs/containers.md`.

mod code_cache;
mod key;
mod precompile;
mod run;

use containerd_shim_wasm::sandbox::context::RuntimeContext;
use containerd_shim_wasm::sandbox::Sandbox;
use containerd_shim_wasm::shim::{Cli, Config, Shim, Version};

/// The shim: its name (`wedge`, so containerd's runtime is `io.containerd.wedge.v1`) and its
/// precompilation hook.
struct WedgeShim;

/// Runs one container's wasm entrypoint (created inside the container's process).
#[derive(Default)]
struct WedgeSandbox;

impl Shim for WedgeShim {
    type Sandbox = WedgeSandbox;

    fn name() -> &'static str {
        "wedge"
    }

    /// The crate's version. (runwasi's `version!()` also embeds the git revision, which
    /// rebuilds the shim at every commit.)
    fn version() -> Version {
        Version {
            version: env!("CARGO_PKG_VERSION"),
            revision: "<none>",
        }
    }

    async fn compiler() -> Option<impl containerd_shim_wasm::shim::Compiler> {
        precompile::WedgeCompiler::new()
    }
}

impl Sandbox for WedgeSandbox {
    async fn run_wasi(&self, ctx: &impl RuntimeContext) -> anyhow::Result<i32> {
        Ok(run::run(ctx))
    }

    /// Every non-Linux container is ours: what cannot run (no module, a missing file, an
    /// invalid module) is reported by `run_wasi` on the container's stderr with a non-zero
    /// exit code, where users look for it, rather than as an opaque create error.
    async fn can_handle(&self, _ctx: &impl RuntimeContext) -> anyhow::Result<()> {
        Ok(())
    }
}

fn main() {
    // Read before containerd's task starts: the container process (forked from this one)
    // runs after pivot_root, where the host's key file and cache are out of reach.
    key::init();
    code_cache::init();
    WedgeShim::run(Config::default());
}
