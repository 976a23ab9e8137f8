//! `wedge oci pack`: writes a WebAssembly module as an OCI image tarball (an OCI image
//! layout, plus Docker's `manifest.json`) that `ctr images import` and `docker load` accept,
//! with no registry and no image builder.
//!
//! Two layouts:
//! * `image`: a normal OCI image for platform `wasi/wasm` whose single tar layer holds the
//!   module as `/app.wasm`, the entrypoint;
//! * `artifact`: the module itself is the layer (media type `application/wasm`), with an
//!   image config for platform `wasi/wasm` whose entrypoint is `/app.wasm`; shims built on
//!   runwasi read the module from that layer (and precompile it once per node).

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where the module lives in the container's filesystem (and the image's entrypoint).
const ENTRYPOINT: &str = "/app.wasm";
/// Media type of an OCI image manifest.
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of an OCI image config.
const CONFIG_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// Media type of an uncompressed tar layer.
const TAR_LAYER_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";
/// The platform's OS, for both layouts: `--platform wasi/wasm` selects either.
const PLATFORM_OS: &str = "wasi";
/// Media type of a layer that is a wasm module.
const WASM_LAYER_TYPE: &str = "application/wasm";

/// How the module is laid out in the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// A normal OCI image (platform wasi/wasm) whose tar layer holds /app.wasm.
    Image,
    /// The module as the image's only layer (application/wasm); needs containerd >= 1.7.
    Artifact,
}

/// `wedge oci` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum OciCommand {
    /// Write an OCI image tarball running APP.wasm as its entrypoint, for
    /// `ctr images import --platform wasi/wasm` or `docker load`.
    Pack {
        /// The module (`.wasm` or `.wat`; a `.wat` file is stored assembled).
        module: PathBuf,
        /// The tarball to write.
        #[arg(short, long)]
        output: PathBuf,
        /// The image reference, NAME[:TAG] (the tag defaults to `latest`).
        #[arg(long)]
        name: String,
        /// Image layout.
        #[arg(long, value_enum, default_value = "image")]
        layout: Layout,
    },
}

/// Runs a `wedge oci` subcommand.
pub fn run(command: OciCommand) -> Result<()> {
    match command {
        OciCommand::Pack {
            module,
            output,
            name,
            layout,
        } => pack(&module, &output, &name, layout),
    }
}

/// Writes the image tarball for `module` to `output`.
pub fn pack(module: &Path, output: &Path, name: &str, layout: Layout) -> Result<()> {
    let reference = Reference::parse(name)?;
    let bytes =
        std::fs::read(module).with_context(|| format!("cannot read {}", module.display()))?;
    let wasm = if bytes.starts_with(b"\0asm") {
        bytes
    } else {
        wat::parse_bytes(&bytes)
            .with_context(|| format!("{} is neither a wasm module nor wat text", module.display()))?
            .into_owned()
    };
    let mut config = wedge::Config::new();
    config.strategy(wedge::Strategy::Interpreter);
    wedge::Module::validate(&wedge::Engine::new(&config), &wasm)
        .with_context(|| format!("{} is not a valid module", module.display()))?;

    let mut blobs = Vec::new();
    let (layer, diff_id) = match layout {
        Layout::Image => {
            let tar = layer_tar(&wasm)?;
            let diff_id = sha256(&tar);
            (Blob::new(TAR_LAYER_TYPE, tar), Some(diff_id))
        }
        Layout::Artifact => (Blob::new(WASM_LAYER_TYPE, wasm), None),
    };
    let os = PLATFORM_OS;
    let config = json!({
        "architecture": "wasm",
        "os": os,
        "config": {
            "Entrypoint": [ENTRYPOINT],
            // Each image must differ even when its rootfs does not (the artifact layout
            // unpacks no layer): the module's digest makes the config unique.
            "Labels": { "org.wedge.module.digest": layer.digest },
        },
        "rootfs": { "type": "layers", "diff_ids": diff_id.map(|d| vec![d]).unwrap_or_default() },
        "history": [{ "created_by": format!("wedge oci pack {}", env!("CARGO_PKG_VERSION")) }],
    });
    let config = Blob::new(CONFIG_TYPE, serde_json::to_vec(&config)?);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": config.descriptor(),
        "layers": [layer.descriptor()],
    });
    let manifest = Blob::new(MANIFEST_TYPE, serde_json::to_vec(&manifest)?);
    let mut manifest_descriptor = manifest.descriptor();
    manifest_descriptor["platform"] = json!({ "architecture": "wasm", "os": os });
    manifest_descriptor["annotations"] = json!({
        "io.containerd.image.name": reference.full(),
        "org.opencontainers.image.ref.name": reference.tag,
    });
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [manifest_descriptor],
    });
    // Docker's own archive format, which `docker load` reads when present.
    let docker_manifest = json!([{
        "Config": config.path(),
        "RepoTags": [reference.short()],
        "Layers": [layer.path()],
    }]);

    let mut out = tar::Builder::new(Vec::new());
    append(&mut out, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    append(&mut out, "index.json", &serde_json::to_vec(&index)?)?;
    append(
        &mut out,
        "manifest.json",
        &serde_json::to_vec(&docker_manifest)?,
    )?;
    blobs.extend([config, layer, manifest]);
    for blob in &blobs {
        append(&mut out, &blob.path(), &blob.bytes)?;
    }
    let tarball = out.into_inner()?;
    std::fs::write(output, tarball).with_context(|| format!("cannot write {}", output.display()))
}

/// A content-addressed blob of the image.
struct Blob {
    media_type: &'static str,
    digest: String,
    bytes: Vec<u8>,
}

impl Blob {
    fn new(media_type: &'static str, bytes: Vec<u8>) -> Blob {
        Blob {
            media_type,
            digest: sha256(&bytes),
            bytes,
        }
    }

    /// Its OCI descriptor.
    fn descriptor(&self) -> Value {
        json!({ "mediaType": self.media_type, "digest": self.digest, "size": self.bytes.len() })
    }

    /// Its path in the image layout.
    fn path(&self) -> String {
        format!("blobs/sha256/{}", &self.digest["sha256:".len()..])
    }
}

/// `sha256:<hex>` of `bytes`.
fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The image layout's tar layer: `app.wasm` at the root, executable, owned by root.
fn layer_tar(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut layer = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_ustar();
    header.set_size(wasm.len() as u64);
    header.set_mode(0o755);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header.set_entry_type(tar::EntryType::Regular);
    layer.append_data(&mut header, &ENTRYPOINT[1..], wasm)?;
    Ok(layer.into_inner()?)
}

/// Adds a regular file to the outer tarball.
fn append(out: &mut tar::Builder<Vec<u8>>, path: &str, bytes: &[u8]) -> Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    out.append_data(&mut header, path, bytes)?;
    Ok(())
}

/// An image reference: repository and tag.
#[derive(Debug, PartialEq, Eq)]
struct Reference {
    repository: String,
    tag: String,
}

impl Reference {
    /// Parses `NAME[:TAG]` (a lower-case repository path, optionally with a registry host).
    fn parse(name: &str) -> Result<Reference> {
        let (repository, tag) = match name.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, tag),
            _ => (name, "latest"),
        };
        let repo_ok = !repository.is_empty()
            && repository.split('/').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-:".contains(c))
            });
        let tag_ok = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !repo_ok || !tag_ok {
            bail!("`{name}` is not an image name NAME[:TAG] (lower-case NAME)");
        }
        Ok(Reference {
            repository: repository.to_string(),
            tag: tag.to_string(),
        })
    }

    /// As Docker writes it: `name:tag`.
    fn short(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }

    /// Fully qualified, as containerd names images: `docker.io/library/name:tag`.
    fn full(&self) -> String {
        let first = self.repository.split('/').next().unwrap_or_default();
        let has_domain = self.repository.contains('/')
            && (first.contains('.') || first.contains(':') || first == "localhost");
        match (has_domain, self.repository.contains('/')) {
            (true, _) => self.short(),
            (false, true) => format!("docker.io/{}", self.short()),
            (false, false) => format!("docker.io/library/{}", self.short()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::io::Read;

    /// The files of a tarball by path.
    fn files(tarball: &[u8]) -> HashMap<String, Vec<u8>> {
        let mut out = HashMap::new();
        for entry in tar::Archive::new(tarball).entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().display().to_string();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            out.insert(path, bytes);
        }
        out
    }

    /// Follows a descriptor to its blob, checking the digest and size.
    fn blob<'a>(files: &'a HashMap<String, Vec<u8>>, descriptor: &Value) -> &'a [u8] {
        let digest = descriptor["digest"].as_str().unwrap();
        let bytes = &files[&format!("blobs/sha256/{}", &digest[7..])];
        assert_eq!(sha256(bytes), digest);
        assert_eq!(descriptor["size"].as_u64().unwrap(), bytes.len() as u64);
        bytes
    }

    #[test]
    fn both_layouts_hold_the_module_behind_checked_digests() {
        let dir = tempfile::tempdir().unwrap();
        let module = dir.path().join("app.wat");
        std::fs::write(&module, r#"(module (func (export "_start")))"#).unwrap();
        let wasm = wat::parse_file(&module).unwrap();
        for layout in [Layout::Image, Layout::Artifact] {
            let out = dir.path().join("app.tar");
            pack(&module, &out, "example.com/app:1", layout).unwrap();
            let files = files(&std::fs::read(&out).unwrap());
            let index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
            let entry = &index["manifests"][0];
            assert_eq!(
                entry["platform"],
                json!({"architecture": "wasm", "os": "wasi"})
            );
            assert_eq!(
                entry["annotations"]["io.containerd.image.name"],
                "example.com/app:1"
            );
            let manifest: Value = serde_json::from_slice(blob(&files, entry)).unwrap();
            let config: Value = serde_json::from_slice(blob(&files, &manifest["config"])).unwrap();
            assert_eq!(config["config"]["Entrypoint"], json!(["/app.wasm"]));
            let layer = blob(&files, &manifest["layers"][0]);
            match layout {
                Layout::Image => {
                    assert_eq!(config["rootfs"]["diff_ids"][0], json!(sha256(layer)));
                    assert_eq!(self::files(layer)["app.wasm"], wasm);
                }
                Layout::Artifact => {
                    assert_eq!(manifest["layers"][0]["mediaType"], "application/wasm");
                    assert_eq!(layer, wasm);
                }
            }
            let docker: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
            assert_eq!(docker[0]["RepoTags"], json!(["example.com/app:1"]));
        }
        std::fs::write(&module, "not wasm").unwrap();
        let err = pack(&module, &dir.path().join("x.tar"), "app", Layout::Image).unwrap_err();
        assert!(format!("{err:#}").contains("neither a wasm module nor wat text"));
    }

    #[test]
    fn references_are_qualified_like_docker() {
        let r = Reference::parse("hello").unwrap();
        assert_eq!(
            (r.short(), r.full()),
            (
                "hello:latest".into(),
                "docker.io/library/hello:latest".into()
            )
        );
        let r = Reference::parse("me/app:v1").unwrap();
        assert_eq!(r.full(), "docker.io/me/app:v1");
        let r = Reference::parse("localhost:5000/app:v2").unwrap();
        assert_eq!(
            (r.repository.as_str(), r.tag.as_str()),
            ("localhost:5000/app", "v2")
        );
        assert_eq!(r.full(), "localhost:5000/app:v2");
        let r = Reference::parse("localhost:5000/app").unwrap();
        assert_eq!(r.tag, "latest");
        assert!(Reference::parse("Hello").is_err());
        assert!(Reference::parse("app:").is_err());
        assert!(Reference::parse("a//b").is_err());
    }
}
