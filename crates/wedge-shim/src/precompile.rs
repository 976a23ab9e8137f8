//! runwasi's precompilation hook: the first start of an image whose module is an OCI wasm
//! layer compiles it once on this node; runwasi stores the result (the module plus a signed
//! `wedge.native` section) in containerd's content store beside the layer, and later starts
//! load that native code instead of compiling.

use containerd_shim_wasm::sandbox::context::WasmLayer;
use containerd_shim_wasm::shim::Compiler;
use wedge_container::Tier;

/// Compiles wasm layers to Wedge universal modules signed with this node's key.
pub struct WedgeCompiler {
    key: [u8; 16],
}

impl WedgeCompiler {
    /// The compiler, if stored native code can be used here: a key exists and this host
    /// compiles.
    pub fn new() -> Option<WedgeCompiler> {
        let key = crate::key::get()?;
        wedge::Config::new()
            .compiles()
            .then_some(WedgeCompiler { key })
    }

    /// The engine containers run on, with the compiler forced on.
    fn engine(&self) -> wedge::Engine {
        let mut config = wedge_container::Command::config(Tier::Compiled, Some(self.key));
        config.strategy(wedge::Strategy::Compiler);
        wedge::Engine::new(&config)
    }
}

impl Compiler for WedgeCompiler {
    fn cache_key(&self) -> impl std::hash::Hash {
        // A new shim version or CPU architecture compiles again; a stored file whose code
        // does not match the running Wedge (checked by its stamp) is compiled at start anyway.
        (
            "wedge",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::ARCH,
            "interruptible",
        )
    }

    async fn compile(&self, layers: &[WasmLayer]) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
        let engine = self.engine();
        Ok(layers
            .iter()
            .map(|layer| compile_layer(&engine, layer))
            .collect())
    }
}

/// The universal module for one layer, or `None` for layers that are not modules (or are
/// invalid, which the container's start then reports).
fn compile_layer(engine: &wedge::Engine, layer: &WasmLayer) -> Option<Vec<u8>> {
    let digest = layer.config.digest().to_string();
    if !layer.layer.starts_with(b"\0asm") {
        return None;
    }
    let started = std::time::Instant::now();
    let compiled = wedge::Module::new(engine, &layer.layer).and_then(|m| m.serialize_native());
    match compiled {
        Ok(bytes) => {
            log::info!(
                "precompiled layer {digest} in {:?} ({} -> {} bytes)",
                started.elapsed(),
                layer.layer.len(),
                bytes.len()
            );
            Some(bytes)
        }
        Err(e) => {
            log::warn!("cannot precompile layer {digest}: {e}");
            None
        }
    }
}
