//! perf's jitdump file (`/tmp/jit-PID.dump`, format version 1 of the Linux perf
//! "jitdump specification"): a header, then per compiled function a code load record (name,
//! address, size and a copy of the code), preceded by a debug info record with its source
//! lines when the module has DWARF. The file is mapped executable once so that `perf record`
//! notes it; `perf inject --jit` then turns the records into ELF files `perf report` reads.

use super::line_rows::LineRows;
use super::signals::CodeInfo;
use super::Names;
use std::io::Write;
use std::sync::Mutex;

/// "JiTD" in the writer's byte order.
const MAGIC: u32 = 0x4A69_5444;
/// Format version.
const VERSION: u32 = 1;
/// Size of the file header.
const HEADER_SIZE: u32 = 40;
/// ELF machine of x86-64.
const EM_X86_64: u32 = 62;
/// Record kind: code loaded.
const JIT_CODE_LOAD: u32 = 0;
/// Record kind: source lines of code about to be loaded.
const JIT_CODE_DEBUG_INFO: u32 = 2;

/// The open dump file.
struct Dump {
    file: std::fs::File,
    /// Records written so far (the code load records' `code_index`).
    index: u64,
}

/// The process's dump: None until the first code block, then the file (None inside when
/// it cannot be written).
static DUMP: Mutex<Option<Option<Dump>>> = Mutex::new(None);

/// Appends the functions of a loaded code block (whose bytes are `code`) to the dump.
pub(super) fn record(info: &CodeInfo, names: &Names, code: &[u8]) {
    let mut guard = DUMP.lock().unwrap_or_else(|e| e.into_inner());
    let Some(dump) = guard.get_or_insert_with(open) else {
        return;
    };
    let pid = std::process::id();
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::gettid() } as u32;
    let mut lines = LineRows::new(info, names);
    let mut out = Vec::new();
    for (i, &(offset, len)) in info.funcs.iter().enumerate() {
        let addr = (info.start + offset as usize) as u64;
        let Some(bytes) = code.get(offset as usize..offset as usize + len as usize) else {
            continue;
        };
        if let Some(f) = lines.as_mut().and_then(|l| l.function(offset, len)) {
            let mut body = Vec::new();
            body.extend_from_slice(&addr.to_ne_bytes());
            body.extend_from_slice(&(f.rows.len() as u64).to_ne_bytes());
            for (at, (file, line, _)) in &f.rows {
                body.extend_from_slice(&(addr + *at as u64).to_ne_bytes());
                body.extend_from_slice(&(*line as u32).to_ne_bytes());
                body.extend_from_slice(&0u32.to_ne_bytes());
                body.extend_from_slice(file.as_bytes());
                body.push(0);
            }
            put_record(&mut out, JIT_CODE_DEBUG_INFO, &body);
        }
        let mut body = Vec::with_capacity(40 + len as usize);
        body.extend_from_slice(&pid.to_ne_bytes());
        body.extend_from_slice(&tid.to_ne_bytes());
        body.extend_from_slice(&addr.to_ne_bytes());
        body.extend_from_slice(&addr.to_ne_bytes());
        body.extend_from_slice(&(len as u64).to_ne_bytes());
        body.extend_from_slice(&dump.index.to_ne_bytes());
        body.extend_from_slice(names.label(info, i).as_bytes());
        body.push(0);
        body.extend_from_slice(bytes);
        put_record(&mut out, JIT_CODE_LOAD, &body);
        dump.index += 1;
    }
    let _ = dump.file.write_all(&out);
}

/// Appends a record: kind, total size, timestamp, then `body`.
fn put_record(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&(16 + body.len() as u32).to_ne_bytes());
    out.extend_from_slice(&timestamp().to_ne_bytes());
    out.extend_from_slice(body);
}

/// Creates `/tmp/jit-PID.dump`, writes its header and maps it executable (what makes
/// `perf record` note the file).
fn open() -> Option<Dump> {
    use std::os::fd::AsRawFd;
    let pid = std::process::id();
    let path = format!("/tmp/jit-{pid}.dump");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(path)
        .ok()?;
    let mut header = Vec::with_capacity(HEADER_SIZE as usize);
    for word in [MAGIC, VERSION, HEADER_SIZE, EM_X86_64, 0, pid] {
        header.extend_from_slice(&word.to_ne_bytes());
    }
    header.extend_from_slice(&timestamp().to_ne_bytes());
    header.extend_from_slice(&0u64.to_ne_bytes());
    file.write_all(&header).ok()?;
    let page = super::code_memory::page_size();
    // SAFETY: a new private read + execute mapping of the open file; nothing reads or
    // writes through it. It stays for the life of the process (perf only needs the event).
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            page,
            libc::PROT_READ | libc::PROT_EXEC,
            libc::MAP_PRIVATE,
            file.as_raw_fd(),
            0,
        )
    };
    if map == libc::MAP_FAILED {
        return None;
    }
    Some(Dump { file, index: 0 })
}

/// Nanoseconds of the monotonic clock (what `perf record -k mono` uses).
fn timestamp() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
