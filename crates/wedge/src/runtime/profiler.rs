//! The guest profiler: samples the wasm call stack at the interruption points of both tiers
//! and collects the samples as a profile that speedscope opens.
//!
//! A timer thread asks for a sample every interval (through the store's
//! [`InterruptHandle`](crate::InterruptHandle)); the next function entry or loop head that
//! checks the interrupt flag records the current backtrace, as a trap would, and goes on.

use super::FrameInfo;
use crate::limits::InterruptHandle;
use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One function of a profile: its (demangled) name and, from DWARF, its source file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileFrame {
    /// The demangled function name, or `wasm-function[N]` without a name section.
    pub name: String,
    /// The source file, when the module has DWARF (functions are told apart by name alone).
    pub file: Option<String>,
    /// The lowest source line sampled in the function, when the module has DWARF.
    pub line: Option<u32>,
}

/// Samples of the wasm call stack taken by [`Store::start_profiling`](crate::Store::start_profiling).
///
/// ```
/// use wedge::*;
/// let mut config = Config::new();
/// config.interruptible(true);
/// let engine = Engine::new(&config);
/// let module = Module::new(&engine, r#"(module (func $spin (export "spin") (param i32)
///     (loop (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))"#)?;
/// let mut store = Store::new(&engine, ());
/// let spin = Linker::new(&engine).instantiate(&mut store, &module)?
///     .get_typed_func::<i32, ()>(&store, "spin")?;
/// store.start_profiling(std::time::Duration::from_millis(1))?;
/// spin.call(&mut store, 1 << 20)?;
/// let profile = store.stop_profiling().unwrap();
/// let mut json = Vec::new();
/// profile.write_speedscope(&mut json, "spin").unwrap();
/// assert!(profile.frames().iter().all(|f| f.name == "spin"));
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GuestProfile {
    frames: Vec<ProfileFrame>,
    index: HashMap<String, usize>,
    samples: Vec<Vec<usize>>,
    weights: Vec<f64>,
    last: Instant,
}

impl GuestProfile {
    fn new() -> GuestProfile {
        GuestProfile {
            frames: Vec::new(),
            index: HashMap::new(),
            samples: Vec::new(),
            weights: Vec::new(),
            last: Instant::now(),
        }
    }

    /// The functions the samples name.
    pub fn frames(&self) -> &[ProfileFrame] {
        &self.frames
    }

    /// The samples: indices into [`GuestProfile::frames`], outermost function first.
    pub fn samples(&self) -> &[Vec<usize>] {
        &self.samples
    }

    /// The weight of each sample in milliseconds: the time since the previous sample.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Milliseconds each function was the innermost one (self time), largest first.
    pub fn self_times(&self) -> Vec<(&ProfileFrame, f64)> {
        let mut time = vec![0.0; self.frames.len()];
        for (stack, w) in self.samples.iter().zip(&self.weights) {
            if let Some(&top) = stack.last() {
                time[top] += w;
            }
        }
        let mut all: Vec<_> = self.frames.iter().zip(time).filter(|t| t.1 > 0.0).collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1));
        all
    }

    /// Adds a sample of `backtrace` (innermost frame first, as traps give it).
    pub(crate) fn record(&mut self, backtrace: &[FrameInfo]) {
        let now = Instant::now();
        let weight = now.duration_since(self.last).as_secs_f64() * 1000.0;
        self.last = now;
        let mut stack = Vec::with_capacity(backtrace.len());
        for frame in backtrace.iter().rev() {
            let own = frame
                .demangled_name()
                .unwrap_or_else(|| format!("wasm-function[{}]", frame.func_index));
            if frame.source.is_empty() {
                stack.push(self.frame_index(own.clone(), None, None));
            }
            // Source frames are innermost (inlined) first, the frame's own function last,
            // named by the name section as in backtraces.
            for (i, s) in frame.source.iter().rev().enumerate() {
                let name = match (i, &s.function) {
                    (0, _) => own.clone(),
                    (_, Some(f)) => f.clone(),
                    (_, None) => "<inlined>".to_string(),
                };
                stack.push(self.frame_index(name, s.file.clone(), s.line));
            }
        }
        self.samples.push(stack);
        self.weights.push(weight);
    }

    /// The index of the frame of function `name`, added if new; `file` and `line` are where
    /// a sample found it, when known.
    fn frame_index(&mut self, name: String, file: Option<String>, line: Option<u32>) -> usize {
        if let Some(&i) = self.index.get(&name) {
            let f = &mut self.frames[i];
            if f.file.is_none() {
                f.file = file;
            }
            f.line = match (f.line, line) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            return i;
        }
        let i = self.frames.len();
        self.frames.push(ProfileFrame {
            name: name.clone(),
            file,
            line,
        });
        self.index.insert(name, i);
        i
    }

    /// Writes the profile in speedscope's file format (one profile of type "sampled", in
    /// milliseconds), named `name`.
    pub fn write_speedscope(&self, w: &mut impl Write, name: &str) -> std::io::Result<()> {
        let mut out = String::new();
        out.push_str("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",");
        out.push_str("\"exporter\":\"wedge\",\"name\":");
        push_str(&mut out, name);
        out.push_str(",\"activeProfileIndex\":0,\"shared\":{\"frames\":[");
        for (i, f) in self.frames.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            push_str(&mut out, &f.name);
            if let Some(file) = &f.file {
                out.push_str(",\"file\":");
                push_str(&mut out, file);
            }
            if let Some(line) = f.line {
                out.push_str(&format!(",\"line\":{line}"));
            }
            out.push('}');
        }
        let total: f64 = self.weights.iter().sum();
        out.push_str("]},\"profiles\":[{\"type\":\"sampled\",\"name\":");
        push_str(&mut out, name);
        out.push_str(&format!(
            ",\"unit\":\"milliseconds\",\"startValue\":0,\"endValue\":{total},\"samples\":["
        ));
        for (i, s) in self.samples.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let items: Vec<String> = s.iter().map(|i| i.to_string()).collect();
            out.push_str(&format!("[{}]", items.join(",")));
        }
        out.push_str("],\"weights\":[");
        let items: Vec<String> = self.weights.iter().map(|w| format!("{w}")).collect();
        out.push_str(&items.join(","));
        out.push_str("]}]}\n");
        w.write_all(out.as_bytes())
    }
}

/// Appends `s` as a JSON string literal.
fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A running profiler of a store: the profile so far and the timer asking for samples.
#[derive(Debug)]
pub(crate) struct Profiler {
    pub profile: GuestProfile,
    stop: Option<mpsc::Sender<()>>,
    timer: Option<JoinHandle<()>>,
}

impl Profiler {
    /// Starts a timer that asks `handle`'s store for a sample every `interval`.
    pub fn start(handle: InterruptHandle, interval: Duration) -> Profiler {
        let (stop, stopped) = mpsc::channel::<()>();
        let timer = std::thread::Builder::new()
            .name("wedge-profiler".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    handle.request_sample();
                }
            })
            .ok();
        Profiler {
            profile: GuestProfile::new(),
            stop: Some(stop),
            timer,
        }
    }

    /// Stops the timer and hands over the profile.
    pub fn finish(mut self) -> GuestProfile {
        std::mem::replace(&mut self.profile, GuestProfile::new())
    }
}

impl super::StoreInner {
    /// Records a sample of `backtrace` (innermost first) if the profiler runs.
    pub(crate) fn record_sample(&mut self, backtrace: &[FrameInfo]) {
        if let Some(p) = &mut self.profiler {
            p.profile.record(backtrace);
        }
    }
}

impl Drop for Profiler {
    fn drop(&mut self) {
        // Dropping the sender wakes the timer thread, which then ends.
        drop(self.stop.take());
        if let Some(timer) = self.timer.take() {
            let _ = timer.join();
        }
    }
}
