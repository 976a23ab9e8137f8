//! A container's wasm entrypoint as a `wedge_container::Command`: the module from the rootfs
//! or the image's wasm layer, the OCI spec's args and env, the rootfs preopened as `/`.

use containerd_shim_wasm::sandbox::context::{RuntimeContext, Source};
use wedge_container::{Command, ModuleSource, Tier, LOAD_FAILED};

/// Runs the container's entrypoint and returns its exit code; failures are explained on
/// the container's stderr.
pub fn run(ctx: &impl RuntimeContext) -> i32 {
    match command(ctx) {
        Ok(command) => command.run(),
        Err(message) => {
            eprintln!("wedge: {message}");
            LOAD_FAILED
        }
    }
}

/// The command for this container.
fn command(ctx: &impl RuntimeContext) -> Result<Command, String> {
    let entry = ctx.entrypoint();
    let arg0 = entry
        .arg0
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    // `/app.wasm#export` calls `export`; the guest's argv[0] is the path alone.
    let path = arg0.split_once('#').map_or(arg0.as_str(), |(path, _)| path);
    let source = match &entry.source {
        Source::File(file) if file.as_os_str().is_empty() => {
            return Err(
                "the container has no entrypoint: set the image's entrypoint (or the \
                        command) to the .wasm file, optionally followed by #export"
                    .into(),
            )
        }
        Source::File(file) => ModuleSource::File(file.clone()),
        Source::Oci(_) => ModuleSource::Bytes(
            entry
                .source
                .as_bytes()
                .map_err(|e| format!("cannot use the image's wasm layers: {e:#}"))?
                .into_owned(),
        ),
    };
    let args = std::iter::once(path.to_string())
        .chain(ctx.args().iter().skip(1).cloned())
        .collect();
    Ok(Command {
        source,
        name: if path.is_empty() {
            "the module".into()
        } else {
            path.into()
        },
        func: entry.func,
        args,
        envs: ctx.envs().to_vec(),
        preopens: vec![("/".into(), "/".into())],
        tier: Tier::from_env(ctx.envs().iter().map(String::as_str)),
        native_code_key: crate::key::get(),
        code_cache: crate::code_cache::in_container(),
    })
}
