//! Instantiation for serverless density: how many instances per second each runtime makes
//! from a module it has already loaded (a new store, the instance, dropping both), and how
//! much resident memory an idle instance costs. Wedge with its default engine against
//! Wasmtime 48 with its pooling allocator (copy-on-write memory images, the configuration
//! Wasmtime recommends for this). Imports are host functions that trap, the same for both,
//! so only instantiation is measured.
//!
//! Usage: instantiate-bench MODULE.wasm... (set ROUNDS, default 5; IDLE, default 100;
//! PROFILE=1 instantiates with Wedge only, in a loop of ROUNDS seconds, for `perf record`)
//!
//! With more than one module, the bench runs itself once per module (`--only MODULE`), so
//! every module is measured in a fresh process: a module measured after another would
//! otherwise inherit its allocator state, pooled memories and caches.

use std::time::{Duration, Instant};

/// Best rate over `rounds` rounds of about a quarter second each.
fn rate(rounds: u32, mut instantiate_once: impl FnMut()) -> f64 {
    let mut best = 0f64;
    for _ in 0..rounds {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < Duration::from_millis(250) {
            instantiate_once();
            n += 1;
        }
        best = best.max(n as f64 / start.elapsed().as_secs_f64());
    }
    best
}

/// This process's resident memory in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// KiB of resident memory per instance while `count` instances made by `make` are alive.
fn idle_kib<I>(count: usize, mut make: impl FnMut() -> I) -> f64 {
    let before = rss_kib();
    let kept: Vec<I> = (0..count).map(|_| make()).collect();
    let after = rss_kib();
    drop(kept);
    after.saturating_sub(before) as f64 / count as f64
}

/// Wedge: the module loaded once, instances made from it.
struct WedgeSide {
    linker: wedge::Linker<()>,
    module: wedge::Module,
    engine: wedge::Engine,
}

impl WedgeSide {
    fn new(bytes: &[u8]) -> anyhow::Result<WedgeSide> {
        let engine = wedge::Engine::new(&wedge::Config::new());
        let module = wedge::Module::new(&engine, bytes)?;
        let mut linker = wedge::Linker::new(&engine);
        for import in module.imports() {
            if let wedge::ExternType::Func(ty) = &import.ty {
                linker.func_new(&import.module, &import.name, ty.clone(), |_, _, _| {
                    Err(wedge::Trap::host("not provided"))
                })?;
            }
        }
        Ok(WedgeSide {
            linker,
            module,
            engine,
        })
    }

    fn instance(&self) -> (wedge::Store<()>, wedge::Instance) {
        let mut store = wedge::Store::new(&self.engine, ());
        let instance = self
            .linker
            .instantiate(&mut store, &self.module)
            .expect("wedge instantiates");
        (store, instance)
    }
}

/// Wasmtime with the pooling allocator: the module loaded once, instances made from it.
struct WasmtimeSide {
    engine: wasmtime::Engine,
    pre: wasmtime::InstancePre<()>,
}

impl WasmtimeSide {
    fn new(bytes: &[u8], slots: u32) -> wasmtime::Result<WasmtimeSide> {
        let mut pool = wasmtime::PoolingAllocationConfig::default();
        pool.total_memories(slots)
            .total_tables(slots)
            .total_core_instances(slots)
            .max_memory_size(1 << 30);
        let mut config = wasmtime::Config::new();
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        let engine = wasmtime::Engine::new(&config)?;
        let module = wasmtime::Module::new(&engine, bytes)?;
        let mut linker = wasmtime::Linker::new(&engine);
        linker.define_unknown_imports_as_traps(&module)?;
        let pre = linker.instantiate_pre(&module)?;
        Ok(WasmtimeSide { engine, pre })
    }

    fn instance(&self) -> (wasmtime::Store<()>, wasmtime::Instance) {
        let mut store = wasmtime::Store::new(&self.engine, ());
        let instance = self
            .pre
            .instantiate(&mut store)
            .expect("wasmtime instantiates");
        (store, instance)
    }
}

fn main() -> anyhow::Result<()> {
    let rounds: u32 = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let idle: usize = std::env::var("IDLE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(100);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let paths = match args.as_slice() {
        [flag, path] if flag == "--only" => vec![path.clone()],
        [single] => vec![single.clone()],
        many => {
            let me = std::env::current_exe()?;
            for path in many {
                let status = std::process::Command::new(&me)
                    .arg("--only")
                    .arg(path)
                    .status()?;
                anyhow::ensure!(status.success(), "the bench failed on {path}");
            }
            return Ok(());
        }
    };
    for path in paths {
        let bytes = std::fs::read(&path)?;
        let name = std::path::Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(path.clone());
        let wedge = WedgeSide::new(&bytes)?;
        if std::env::var_os("PROFILE").is_some() {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(rounds.into()) {
                drop(wedge.instance());
            }
            continue;
        }
        let wasmtime = WasmtimeSide::new(&bytes, idle as u32 + 8)
            .map_err(|e| anyhow::anyhow!("wasmtime: {e:?}"))?;
        // Alternate the runtimes round by round; keep each one's best.
        let (mut ours, mut theirs) = (0f64, 0f64);
        for _ in 0..rounds {
            ours = ours.max(rate(1, || drop(wedge.instance())));
            theirs = theirs.max(rate(1, || drop(wasmtime.instance())));
        }
        let ours_kib = idle_kib(idle, || wedge.instance());
        let theirs_kib = idle_kib(idle, || wasmtime.instance());
        println!("{name}:");
        println!(
            "  instantiations/s  wedge {ours:10.0}  wasmtime-pooling {theirs:10.0}  ratio {:.2}x (>1: wedge faster)",
            ours / theirs
        );
        println!(
            "  µs per instance   wedge {:10.2}  wasmtime-pooling {:10.2}",
            1e6 / ours,
            1e6 / theirs
        );
        println!(
            "  RSS per idle instance ({idle} kept)  wedge {ours_kib:.1} KiB  wasmtime-pooling {theirs_kib:.1} KiB"
        );
    }
    Ok(())
}
