//! Traps: the ways wasm execution can abort, with a wasm backtrace.

use std::fmt;
use std::sync::Arc;

/// The reason a trap happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrapKind {
    /// `unreachable` was executed.
    Unreachable,
    /// A load, store or bulk memory operation was out of bounds.
    MemoryOutOfBounds,
    /// A table access or bulk table operation was out of bounds.
    TableOutOfBounds,
    /// `call_indirect` with an index past the end of the table.
    UndefinedElement,
    /// `call_indirect` through a null table entry.
    UninitializedElement,
    /// `call_indirect` to a function of another type.
    IndirectCallTypeMismatch,
    /// A null reference was dereferenced.
    NullReference,
    /// Integer division or remainder by zero.
    IntegerDivideByZero,
    /// Signed integer division overflow.
    IntegerOverflow,
    /// A float-to-int conversion of NaN or out-of-range value.
    InvalidConversionToInteger,
    /// The wasm call stack (or value stack) limit was reached.
    StackExhausted,
    /// The store ran out of gas.
    GasExhausted,
    /// The store was interrupted through its [`InterruptHandle`](crate::InterruptHandle).
    Interrupted,
    /// A host function failed with a message.
    Host,
    /// The guest asked to exit the process (WASI `proc_exit`).
    Exit,
    /// A wasm exception was thrown and not caught (see [`Trap::exception`]).
    Exception,
    /// A `ref.cast` (or `br_on_cast` used as a cast) failed.
    CastFailure,
    /// An array access was out of bounds.
    ArrayOutOfBounds,
    /// A GC allocation was too large.
    AllocationTooLarge,
    /// A struct access through a null reference.
    NullStructReference,
    /// An array access through a null reference.
    NullArrayReference,
    /// `i31.get` of a null reference.
    NullI31Reference,
    /// `call_ref` of a null reference.
    NullFunctionReference,
    /// An atomic access at an address that is not a multiple of its size.
    UnalignedAtomic,
    /// `memory.atomic.wait` on a memory that is not shared.
    ExpectedSharedMemory,
}

impl TrapKind {
    /// The spec's wording for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::TableOutOfBounds => "out of bounds table access",
            TrapKind::UndefinedElement => "undefined element",
            TrapKind::UninitializedElement => "uninitialized element",
            TrapKind::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapKind::NullReference => "null reference",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::InvalidConversionToInteger => "invalid conversion to integer",
            TrapKind::StackExhausted => "call stack exhausted",
            TrapKind::GasExhausted => "gas exhausted",
            TrapKind::Interrupted => "interrupted",
            TrapKind::Host => "host error",
            TrapKind::Exit => "exit",
            TrapKind::Exception => "uncaught exception",
            TrapKind::CastFailure => "cast failure",
            TrapKind::ArrayOutOfBounds => "out of bounds array access",
            TrapKind::AllocationTooLarge => "allocation too large",
            TrapKind::NullStructReference => "null structure reference",
            TrapKind::NullArrayReference => "null array reference",
            TrapKind::NullI31Reference => "null i31 reference",
            TrapKind::NullFunctionReference => "null function reference",
            TrapKind::UnalignedAtomic => "unaligned atomic",
            TrapKind::ExpectedSharedMemory => "expected shared memory",
        }
    }
}

/// One wasm frame of a trap's backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Function index within its module.
    pub func_index: u32,
    /// Function name from the name section, if present.
    pub func_name: Option<String>,
    /// Module name from the name section, if present.
    pub module_name: Option<String>,
    /// The instance running the function, when known.
    pub instance: Option<super::Instance>,
    /// Byte offset of the frame's instruction in the module binary, when known (both tiers
    /// record it; code compiled without offsets, such as an old AOT file, does not).
    pub module_offset: Option<usize>,
    /// Byte offset of that instruction from the start of the function's body, when known.
    pub func_offset: Option<usize>,
    /// Source locations from the module's DWARF at that instruction, innermost inlined
    /// function first, the frame's own function last; empty without DWARF.
    pub source: Vec<crate::SourceFrame>,
    /// The values of the frame's locals (parameters first) when the trap happened, `None`
    /// for vector and reference locals; recorded by the interpreter for traps, empty when
    /// not recorded (compiled frames, exceptions, profiler samples).
    pub locals: Vec<Option<crate::Val>>,
}

impl FrameInfo {
    /// The function's name from the name section, demangled (Rust or C++), if present.
    pub fn demangled_name(&self) -> Option<String> {
        self.func_name.as_deref().map(crate::module::demangle)
    }
}

/// A trap: execution stopped for a reason the guest or a host function caused.
///
/// ```
/// use wedge::*;
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module (func $boom (export "boom") unreachable))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
/// let err = instance.get_func(&store, "boom").unwrap().call(&mut store, &[], &mut []).unwrap_err();
/// let trap = err.as_trap().unwrap();
/// assert_eq!(trap.kind(), TrapKind::Unreachable);
/// assert_eq!(trap.backtrace()[0].func_name.as_deref(), Some("boom"));
/// # Ok::<(), wedge::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Trap {
    inner: Arc<TrapInner>,
}

#[derive(Debug)]
struct TrapInner {
    kind: TrapKind,
    message: Option<String>,
    exit_code: i32,
    backtrace: Vec<FrameInfo>,
    exception: Option<super::ExnRef>,
    /// Keeps `exception` alive while the trap exists (for exceptions escaping wasm).
    pin: Option<Arc<super::gc::PinGuard>>,
}

impl Trap {
    /// Creates a trap of the given kind.
    pub fn new(kind: TrapKind) -> Trap {
        Trap {
            inner: Arc::new(TrapInner {
                kind,
                message: None,
                exit_code: 0,
                backtrace: Vec::new(),
                exception: None,
                pin: None,
            }),
        }
    }

    /// Creates a host-error trap with a message.
    pub fn host(message: impl Into<String>) -> Trap {
        Trap {
            inner: Arc::new(TrapInner {
                kind: TrapKind::Host,
                message: Some(message.into()),
                exit_code: 0,
                backtrace: Vec::new(),
                exception: None,
                pin: None,
            }),
        }
    }

    /// Creates the trap that ends execution because the guest exited with a code.
    pub fn exit(code: i32) -> Trap {
        Trap {
            inner: Arc::new(TrapInner {
                kind: TrapKind::Exit,
                message: Some(format!("exit with code {code}")),
                exit_code: code,
                backtrace: Vec::new(),
                exception: None,
                pin: None,
            }),
        }
    }

    /// The trap's message without its backtrace: the host's message, or the spec's wording
    /// of the kind.
    pub fn message(&self) -> &str {
        self.inner
            .message
            .as_deref()
            .unwrap_or(self.inner.kind.message())
    }

    /// The reason for the trap.
    pub fn kind(&self) -> TrapKind {
        self.inner.kind
    }

    /// The exit code, when the trap is a guest exit.
    pub fn exit_code(&self) -> Option<i32> {
        (self.inner.kind == TrapKind::Exit).then_some(self.inner.exit_code)
    }

    /// Carries a thrown exception (see [`Trap::throw`]).
    pub(crate) fn with_exception(
        exception: super::ExnRef,
        pin: Option<super::gc::PinGuard>,
    ) -> Trap {
        Trap {
            inner: Arc::new(TrapInner {
                kind: TrapKind::Exception,
                message: None,
                exit_code: 0,
                backtrace: Vec::new(),
                exception: Some(exception),
                pin: pin.map(Arc::new),
            }),
        }
    }

    /// The exception, when this is a thrown (and so far uncaught) wasm exception.
    pub fn exception(&self) -> Option<super::ExnRef> {
        self.inner.exception
    }

    /// The wasm frames active when the trap happened, innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.inner.backtrace
    }

    /// Returns the trap with `frames` added to its backtrace as the outer frames: a trap
    /// that comes out of a call from one tier or instance into another gets the frames of
    /// each activation it passes on its way out, innermost first.
    pub(crate) fn with_backtrace(self, frames: Vec<FrameInfo>) -> Trap {
        if frames.is_empty() {
            return self;
        }
        let mut backtrace = self.inner.backtrace.clone();
        backtrace.extend(frames);
        Trap {
            inner: Arc::new(TrapInner {
                kind: self.inner.kind,
                message: self.inner.message.clone(),
                exit_code: self.inner.exit_code,
                backtrace,
                exception: self.inner.exception,
                pin: self.inner.pin.clone(),
            }),
        }
    }
}

impl From<TrapKind> for Trap {
    fn from(kind: TrapKind) -> Trap {
        Trap::new(kind)
    }
}

/// Frames printed at most by `Display`; the middle of a longer backtrace is elided.
const SHOWN_FRAMES: usize = 24;
/// Outermost frames still printed when the middle is elided.
const TAIL_FRAMES: usize = 4;

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.message {
            Some(m) => f.write_str(m)?,
            None => f.write_str(self.inner.kind.message())?,
        }
        let frames = &self.inner.backtrace;
        if !frames.is_empty() {
            f.write_str("\nwasm backtrace:")?;
            for (i, frame) in frames.iter().enumerate() {
                if frames.len() > SHOWN_FRAMES && i == SHOWN_FRAMES - TAIL_FRAMES {
                    let hidden = frames.len() - SHOWN_FRAMES;
                    write!(f, "\n  ... {hidden} more frames ...")?;
                }
                if frames.len() > SHOWN_FRAMES
                    && i >= SHOWN_FRAMES - TAIL_FRAMES
                    && i < frames.len() - TAIL_FRAMES
                {
                    continue;
                }
                write!(f, "\n  {i}: ")?;
                if let Some(m) = &frame.module_name {
                    write!(f, "{m}!")?;
                }
                match frame.demangled_name() {
                    Some(n) => write!(f, "{n} (func {})", frame.func_index)?,
                    None => write!(f, "func {}", frame.func_index)?,
                }
                write_source(f, &frame.source)?;
            }
        }
        Ok(())
    }
}

/// Writes a frame's source locations, one line each: `at function (file:line:column)`
/// (`inlined` for functions inlined into the frame's own, which comes last).
fn write_source(f: &mut fmt::Formatter<'_>, source: &[crate::SourceFrame]) -> fmt::Result {
    for (i, s) in source.iter().enumerate() {
        let how = if i + 1 < source.len() {
            "inlined"
        } else {
            "at"
        };
        write!(f, "\n       {how}")?;
        if let Some(function) = &s.function {
            write!(f, " {function}")?;
        }
        if let Some(file) = &s.file {
            let open = if s.function.is_some() { " (" } else { " " };
            write!(f, "{open}{file}")?;
            if let Some(line) = s.line {
                write!(f, ":{line}")?;
                if let Some(column) = s.column {
                    write!(f, ":{column}")?;
                }
            }
            if s.function.is_some() {
                f.write_str(")")?;
            }
        }
    }
    Ok(())
}

impl std::error::Error for Trap {}
