//! The AOT artifact: native code stored in a custom section of a still-valid wasm module
//! (a "universal" file: other runtimes ignore the section and run the wasm).
//!
//! Section `wedge.native` is the last section, written with a 5-byte section size so that
//! its layout in the file is known in advance. Its data, all integers little-endian:
//!
//! ```text
//! header:
//!   magic "WEDGEAOT", format version u32,
//!   stamp (u32 length + UTF-8): Wedge version, code generator target and settings, features,
//!   module length u64 (the bytes before this section),
//!   code at u32, code length u32 (offset from the start of the section data),
//!   functions (u32 count + (offset u32, length u32) each),
//!   array trampolines, host trampolines (u32 count + offset u32 each),
//!   trap sites (u32 count + (offset u32, kind u8) each),
//!   relocations (u32 count + (offset u32, helper u8, addend i64) each),
//!   trap refunds (u32 count + (offset u32, gas u64, instructions u32) each),
//!   stack maps (u32 count + (return offset u32, slot offset from sp u32) each),
//!   inlined code (u32 count + (offset u32, length u32, site u32) each),
//!   inline sites (u32 count + (function index u32, parent site u32 or u32::MAX) each),
//!   inline calls (u32 count + module offset u32 of the call each site replaced, 0 unknown),
//!   wasm offsets (u32 byte length + the table compacted by `native::offset_table`),
//!   memory images (u32 count + (memory u32, offset u64, length u64, at u32) each),
//! signature u64,
//! then zero padding, the code and the memory images, each starting at a file offset that
//! is a multiple of 4096 (so they can be mapped straight from the file)
//! ```
//!
//! The signature is a SipHash-2-4, keyed with `Config::native_code_key`, of every section of
//! the module before it except custom and data sections (what compiled code depends on and
//! what is not validated again), the header and the code. Without a key nothing stored is
//! ever run: native code in a file is machine code, so only files signed with the engine's
//! own secret key are. A file whose signature, stamp or contents do not match is compiled
//! again, with a warning. Memory images are not signed: like the data section they only
//! decide the guest's own memory contents, and they are used only with the code they came
//! with (see `native::image`).

use super::image::{self, StoredChunk};
use super::CodeImage;
use crate::module::ModuleInner;
use crate::Error;
use std::ops::Range;

/// Name of the custom section holding native code.
pub(crate) const SECTION_NAME: &str = "wedge.native";

const MAGIC: &[u8; 8] = b"WEDGEAOT";
/// Bumped whenever stored code changes meaning or layout (8: trampolines define the upper
/// half of i32 slots, per-function wasm offset tables for backtraces; 9: interrupt checks
/// call the runtime, which may take a profile sample and go on; 10: `call_indirect` and
/// `call_ref` make function references on first use; 11: `call_indirect` asks the runtime
/// about a null element, which may be one not initialized yet).
const FORMAT_VERSION: u32 = 11;

/// Bytes before the section's data as `serialize` writes them: the id, a 5-byte size, the
/// name's length and the name.
const SECTION_HEADER: usize = 1 + 5 + 1 + SECTION_NAME.len();

/// Everything that must match for stored code to be usable here: the version and the
/// fingerprint of the runtime's and code generator's sources (so another build, with
/// perhaps another context-block layout, never runs it), target and settings. Inlining is
/// not part of it: inlined code gives the same results, traps and backtraces, so a file compiled with
/// or without it serves every run.
#[cfg(feature = "compiler")]
pub(crate) fn stamp(config: &crate::Config) -> Result<String, Error> {
    Ok(format!(
        "wedge {} ({});{};features={:#x};interruptible={};metering={}",
        env!("CARGO_PKG_VERSION"),
        env!("WEDGE_SOURCE_HASH"),
        super::compile::isa_stamp(config)?,
        config.features.bits(),
        config.interruptible,
        if config.metering {
            format!("{:016x}", config.cost_table.fingerprint())
        } else {
            "off".into()
        }
    ))
}

/// Reads an unsigned LEB128 (at most 5 bytes) at the start of `b`: value and length.
fn leb(b: &[u8]) -> Option<(usize, usize)> {
    let mut v: u64 = 0;
    for (i, byte) in b.iter().take(5).enumerate() {
        v |= ((byte & 0x7f) as u64) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((usize::try_from(v).ok()?, i + 1));
        }
    }
    None
}

/// The sections of a binary: (id, start of the section, byte range of the contents), or
/// None if malformed.
fn sections(bytes: &[u8]) -> Option<Vec<(u8, usize, Range<usize>)>> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return None;
    }
    let mut out = Vec::new();
    let mut p = 8;
    while p < bytes.len() {
        let id = bytes[p];
        let (size, n) = leb(bytes.get(p + 1..)?)?;
        let body = p + 1 + n;
        let end = body.checked_add(size).filter(|e| *e <= bytes.len())?;
        out.push((id, p, body..end));
        p = end;
    }
    Some(out)
}

/// The native-code section of a binary if it is the last section: where that section
/// starts and the range of its data.
fn trailing_section(bytes: &[u8]) -> Option<(usize, Range<usize>)> {
    let (id, start, body) = sections(bytes)?.pop()?;
    if id != 0 {
        return None;
    }
    let (name_len, m) = leb(&bytes[body.clone()])?;
    let name_end = (body.start + m).checked_add(name_len)?;
    if name_end > body.end || &bytes[body.start + m..name_end] != SECTION_NAME.as_bytes() {
        return None;
    }
    Some((start, name_end..body.end))
}

/// A parsed section header.
pub(crate) struct Header {
    pub(crate) stamp: String,
    pub(crate) module_len: u64,
    /// The code, as a range of the module binary.
    pub(crate) code: Range<usize>,
    pub(crate) image: CodeImage,
    chunks: Vec<StoredChunk>,
    /// The header's bytes (what the signature covers besides the module and the code).
    pub(crate) signed: Range<usize>,
    pub(crate) signature: u64,
}

/// Parses the section whose data is `data` (a range of `bytes`).
pub(crate) fn parse_header(bytes: &[u8], data: Range<usize>) -> Result<Header, Error> {
    let mut r = Reader {
        bytes: &bytes[data.clone()],
    };
    if r.take(8)? != MAGIC || r.u32()? != FORMAT_VERSION {
        return Err(unusable("not a Wedge native-code section of this format"));
    }
    let stamp = r.string()?;
    let module_len = r.u64()?;
    let (code_at, code_len) = (r.u32()? as usize, r.u32()? as usize);
    let image = CodeImage {
        code: Vec::new(),
        funcs: r.list(8, |b| (u32_at(b, 0), u32_at(b, 4)))?,
        array_trampolines: r.list(4, |b| u32_at(b, 0))?,
        host_trampolines: r.list(4, |b| u32_at(b, 0))?,
        traps: r.list(5, |b| (u32_at(b, 0), b[4]))?,
        relocs: r.list(13, |b| (u32_at(b, 0), b[4], u64_at(b, 5) as i64))?,
        refunds: r.list(16, |b| (u32_at(b, 0), u64_at(b, 4), u32_at(b, 12)))?,
        stack_maps: r.list(8, |b| (u32_at(b, 0), u32_at(b, 4)))?,
        inlined: r.list(12, |b| (u32_at(b, 0), u32_at(b, 4), u32_at(b, 8)))?,
        inline_sites: r.list(8, |b| (u32_at(b, 0), u32_at(b, 4)))?,
        inline_calls: r.list(4, |b| u32_at(b, 0))?,
        wasm_offsets: {
            let n = r.u32()? as usize;
            super::offset_table::decode(r.take(n)?).ok_or_else(|| unusable("bad wasm offsets"))?
        },
        defs: Vec::new(),
    };
    let chunks = r.list(24, |b| {
        let at = u32_at(b, 20) as usize;
        (u32_at(b, 0), u64_at(b, 4), u64_at(b, 12), at)
    })?;
    let signed = data.start..data.end - r.bytes.len();
    let signature = r.u64()?;
    let within = |at: usize, len: u64| {
        let start = data.start.checked_add(at)?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        (start >= signed.end + 8 && end <= data.end).then_some(start..end)
    };
    let code = within(code_at, code_len as u64).ok_or_else(|| unusable("code out of range"))?;
    let chunks = chunks
        .into_iter()
        .map(|(memory, offset, len, at)| {
            let range = within(at, len).ok_or_else(|| unusable("memory image out of range"))?;
            Ok(StoredChunk {
                memory,
                offset,
                len,
                at: range.start,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Header {
        stamp,
        module_len,
        code,
        image,
        chunks,
        signed,
        signature,
    })
}

/// Why stored native code cannot be used.
fn unusable(what: &str) -> Error {
    Error::Limit(format!("native code in the file is unusable: {what}"))
}

/// Whether the header's signature is right for the module before `start` and the code.
#[cfg(feature = "compiler")]
fn signature_ok(key: &[u8; 16], bytes: &[u8], start: usize, h: &Header) -> bool {
    sign(
        key,
        &bytes[..start],
        &bytes[h.signed.clone()],
        &bytes[h.code.clone()],
    )
    .is_some_and(|s| s == h.signature)
}

/// Whether `bytes` may end with native code this engine would use (a cheap test, before
/// [`authenticated`]).
pub(crate) fn may_have_native_code(config: &crate::Config, bytes: &[u8]) -> bool {
    cfg!(feature = "compiler")
        && config.native_code_key.is_some()
        && config.compiles()
        && trailing_section(bytes).is_some()
}

/// The header of the native code `bytes` end with, if it is signed with the engine's key
/// for this host and configuration: such a file was validated by `wedge compile` (with the
/// same features), so its function bodies need not be validated again.
pub(crate) fn authenticated(config: &crate::Config, bytes: &[u8]) -> Option<Header> {
    #[cfg(feature = "compiler")]
    {
        let key = config.native_code_key.filter(|_| config.compiles())?;
        let (start, data) = trailing_section(bytes)?;
        let h = parse_header(bytes, data).ok()?;
        let ok = h.module_len == start as u64
            && stamp(config).is_ok_and(|mine| mine == h.stamp)
            && signature_ok(&key, bytes, start, &h);
        ok.then_some(h)
    }
    #[cfg(not(feature = "compiler"))]
    {
        let _ = (config, bytes);
        None
    }
}

/// Gives a freshly parsed module its native code, if the engine runs modules compiled:
/// from its native-code section when that matches this host, else by compiling.
pub(crate) fn attach(
    m: &mut ModuleInner,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(), Error> {
    let config = m.engine.config().clone();
    if !config.compiles() {
        return Ok(());
    }
    #[cfg(feature = "compiler")]
    {
        if let Some(range) = m.aot.clone() {
            let header = m.aot_header.take();
            match load(m, range, header) {
                Ok((code, chunks)) => {
                    tracing::debug!(target: "wedge::aot", "native code from the module's AOT section");
                    m.native = Some(std::sync::Arc::new(code));
                    m.images = chunks;
                    return Ok(());
                }
                Err(e) => {
                    tracing::info!(target: "wedge::aot", "AOT section unusable: {e}");
                    m.aot_warning = Some(format!("{e}; compiling the module again"));
                }
            }
        }
        if let Some(hit) = m.cache_hit.take() {
            match crate::cache::load(m, hit) {
                Ok(code) => {
                    tracing::debug!(target: "wedge::cache", "code cache hit");
                    m.native = Some(std::sync::Arc::new(code));
                    return Ok(());
                }
                Err(e) => {
                    m.aot_warning = Some(format!("code cache entry unusable: {e}"));
                }
            }
        }
        if config.tiered() {
            // Hot functions get compiled while the module runs (see `crate::tier`).
            return Ok(());
        }
        // Modules using what the compiler does not cover run in the interpreter under
        // `Auto`; `Compiler` reports it.
        let auto = config.strategy_setting() == crate::Strategy::Auto;
        if let Some(what) = super::compile::unsupported(m) {
            if auto {
                return Ok(());
            }
            return Err(Error::Limit(format!(
                "{}{what}",
                super::compile::UNSUPPORTED_PREFIX
            )));
        }
        if let crate::cache::CacheUse::Miss(path) = &m.cache {
            tracing::debug!(target: "wedge::cache", path = %path.display(), "code cache miss");
        }
        let started = std::time::Instant::now();
        let image = match super::compile::compile(m, progress) {
            Ok(image) => image,
            Err(Error::Limit(msg))
                if auto && msg.starts_with(super::compile::UNSUPPORTED_PREFIX) =>
            {
                return Ok(())
            }
            Err(e) => return Err(e),
        };
        tracing::info!(
            target: "wedge::compile",
            tier = "jit",
            functions = m.bodies.len(),
            code_bytes = image.code.len(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "module compiled"
        );
        let native = super::NativeCode::load(image, None, m)?;
        if let crate::cache::CacheUse::Miss(path) = &m.cache {
            match crate::cache::store(m, &native, path) {
                Ok(()) => m.cache = crate::cache::CacheUse::Stored(path.clone()),
                Err(e) => m.aot_warning = Some(format!("could not store the compiled code: {e}")),
            }
        }
        m.native = Some(std::sync::Arc::new(native));
        Ok(())
    }
    #[cfg(not(feature = "compiler"))]
    {
        let _ = progress;
        Err(Error::Limit(
            "this build of wedge has no compiler (feature `compiler`)".into(),
        ))
    }
}

/// Reads and loads the native-code section with data at `range` (whose `authenticated`
/// header is given if parsing found it), with the memory images that can be mapped from
/// the module's file.
#[cfg(feature = "compiler")]
fn load(
    m: &ModuleInner,
    range: Range<usize>,
    authenticated: Option<Header>,
) -> Result<(super::NativeCode, Vec<StoredChunk>), Error> {
    let key = m
        .engine
        .config()
        .native_code_key
        .ok_or_else(|| unusable("no native-code key is configured to authenticate it"))?;
    let start = trailing_section(&m.bytes)
        .filter(|(_, data)| *data == range)
        .map(|(start, _)| start)
        .ok_or_else(|| unusable("it is not the module's last section"))?;
    let checked = authenticated.is_some();
    let h = match authenticated {
        Some(h) => h,
        None => parse_header(&m.bytes, range)?,
    };
    if !checked && !signature_ok(&key, &m.bytes, start, &h) {
        return Err(unusable(
            "its signature does not match this key (compiled elsewhere or altered)",
        ));
    }
    if h.stamp != stamp(m.engine.config())? {
        return Err(unusable(
            "it was compiled by another Wedge version, for another CPU, or with other settings",
        ));
    }
    if h.module_len != start as u64 {
        return Err(unusable("it belongs to another module"));
    }
    let code = super::NativeCode::load(h.image, Some(h.code.clone()), m)?;
    let page = super::code_memory::page_size() as u64;
    let mappable = |c: &StoredChunk| {
        m.bytes
            .file_at(c.at)
            .is_some_and(|(_, off)| off.is_multiple_of(page))
            && c.offset.is_multiple_of(page)
            && c.len.is_multiple_of(page)
            && (c.memory as usize) < m.memories.len()
            && c.memory >= m.num_imported_memories
    };
    let chunks = if h.chunks.iter().all(mappable) {
        h.chunks
    } else {
        Vec::new()
    };
    Ok((code, chunks))
}

/// The module's bytes with a native-code section for this host appended (replacing an
/// earlier one).
pub(crate) fn serialize(m: &ModuleInner) -> Result<Vec<u8>, Error> {
    #[cfg(feature = "compiler")]
    {
        // A tiered module has native code only for its hot functions: compile all of it.
        let compiled;
        let native = match (&m.native, &m.tier) {
            (Some(native), _) => native,
            (None, Some(_)) => {
                let image = super::compile::compile(m, &|_, _| {})?;
                compiled = super::NativeCode::load(image, None, m)?;
                &compiled
            }
            (None, None) => {
                return Err(Error::Limit(
                    "the module is not compiled (the engine interprets it)".into(),
                ))
            }
        };
        let key = m.engine.config().native_code_key.ok_or_else(|| {
            Error::Limit("writing native code needs a key (Config::native_code_key)".into())
        })?;
        let module = original_bytes(m);
        let data_start = module.len() + SECTION_HEADER;
        let data = section_data(m, native, &key, image::memory_images(m), data_start)?;
        let payload = 1 + SECTION_NAME.len() + data.len();
        let size = u32::try_from(payload)
            .map_err(|_| Error::Limit("native code too large for a custom section".into()))?;
        let mut out = Vec::with_capacity(data_start + data.len());
        out.extend_from_slice(module);
        out.push(0);
        for i in 0..5 {
            // A fixed-size LEB128 (trailing groups padded with continuation bits).
            let group = ((size >> (7 * i)) & 0x7f) as u8;
            out.push(if i < 4 { group | 0x80 } else { group });
        }
        out.push(SECTION_NAME.len() as u8);
        out.extend_from_slice(SECTION_NAME.as_bytes());
        debug_assert_eq!(out.len(), data_start);
        out.extend_from_slice(&data);
        Ok(out)
    }
    #[cfg(not(feature = "compiler"))]
    {
        let _ = m;
        Err(Error::Limit(
            "this build of wedge has no compiler (feature `compiler`)".into(),
        ))
    }
}

/// The data of a native-code section for `native`, the code of module `m`, signed with
/// `key`, with memory images `chunks`, for data starting at file offset `data_start` (code
/// and images are placed at multiples of the page size from the file's start).
#[cfg(feature = "compiler")]
pub(crate) fn section_data(
    m: &ModuleInner,
    native: &super::NativeCode,
    key: &[u8; 16],
    chunks: Vec<image::ImageChunk>,
    data_start: usize,
) -> Result<Vec<u8>, Error> {
    let module = original_bytes(m);
    let code = native.code();
    let stamp = stamp(m.engine.config())?;
    let img = &native.image;
    // The header has the same length whatever the offsets: lay out with zeros first.
    let header_len = header(&stamp, module.len(), img, (0, code.len()), &chunks, &[]).len();
    let page = image::IMAGE_PAGE as usize;
    let align = |at: usize| (data_start + at).next_multiple_of(page) - data_start;
    let code_at = align(header_len + 8);
    let mut end = code_at + code.len();
    let mut chunk_at = Vec::with_capacity(chunks.len());
    for c in &chunks {
        let at = align(end);
        chunk_at.push(at);
        end = at + c.bytes.len();
    }
    let head = header(
        &stamp,
        module.len(),
        img,
        (code_at, code.len()),
        &chunks,
        &chunk_at,
    );
    let signature = sign(key, module, &head, &code)
        .ok_or_else(|| Error::Limit("the module's sections are malformed".into()))?;
    let mut data = head;
    data.extend_from_slice(&signature.to_le_bytes());
    data.resize(code_at, 0);
    data.extend_from_slice(&code);
    for (c, at) in chunks.iter().zip(&chunk_at) {
        data.resize(*at, 0);
        data.extend_from_slice(&c.bytes);
    }
    Ok(data)
}

/// The header bytes for the given layout (`chunk_at` empty: zeros).
#[cfg(feature = "compiler")]
fn header(
    stamp: &str,
    module_len: usize,
    img: &CodeImage,
    (code_at, code_len): (usize, usize),
    chunks: &[image::ImageChunk],
    chunk_at: &[usize],
) -> Vec<u8> {
    let mut h = Vec::with_capacity(4096);
    h.extend_from_slice(MAGIC);
    put_u32(&mut h, FORMAT_VERSION);
    put_u32(&mut h, stamp.len() as u32);
    h.extend_from_slice(stamp.as_bytes());
    h.extend_from_slice(&(module_len as u64).to_le_bytes());
    put_u32(&mut h, code_at as u32);
    put_u32(&mut h, code_len as u32);
    put_u32(&mut h, img.funcs.len() as u32);
    for (o, l) in &img.funcs {
        put_u32(&mut h, *o);
        put_u32(&mut h, *l);
    }
    for list in [&img.array_trampolines, &img.host_trampolines] {
        put_u32(&mut h, list.len() as u32);
        for o in list {
            put_u32(&mut h, *o);
        }
    }
    put_u32(&mut h, img.traps.len() as u32);
    for (o, k) in &img.traps {
        put_u32(&mut h, *o);
        h.push(*k);
    }
    put_u32(&mut h, img.relocs.len() as u32);
    for (o, t, a) in &img.relocs {
        put_u32(&mut h, *o);
        h.push(*t);
        h.extend_from_slice(&a.to_le_bytes());
    }
    put_u32(&mut h, img.refunds.len() as u32);
    for (o, gas, count) in &img.refunds {
        put_u32(&mut h, *o);
        h.extend_from_slice(&gas.to_le_bytes());
        put_u32(&mut h, *count);
    }
    put_u32(&mut h, img.stack_maps.len() as u32);
    for (o, sp) in &img.stack_maps {
        put_u32(&mut h, *o);
        put_u32(&mut h, *sp);
    }
    put_u32(&mut h, img.inlined.len() as u32);
    for (o, l, site) in &img.inlined {
        put_u32(&mut h, *o);
        put_u32(&mut h, *l);
        put_u32(&mut h, *site);
    }
    put_u32(&mut h, img.inline_sites.len() as u32);
    for (f, parent) in &img.inline_sites {
        put_u32(&mut h, *f);
        put_u32(&mut h, *parent);
    }
    put_u32(&mut h, img.inline_calls.len() as u32);
    for c in &img.inline_calls {
        put_u32(&mut h, *c);
    }
    let offsets = super::offset_table::encode(&img.wasm_offsets);
    put_u32(&mut h, offsets.len() as u32);
    h.extend_from_slice(&offsets);
    put_u32(&mut h, chunks.len() as u32);
    for (i, c) in chunks.iter().enumerate() {
        put_u32(&mut h, c.memory);
        h.extend_from_slice(&c.offset.to_le_bytes());
        h.extend_from_slice(&(c.bytes.len() as u64).to_le_bytes());
        put_u32(&mut h, chunk_at.get(i).copied().unwrap_or(0) as u32);
    }
    h
}

/// The module bytes without a trailing native-code section.
#[cfg(feature = "compiler")]
pub(crate) fn original_bytes(m: &ModuleInner) -> &[u8] {
    match trailing_section(&m.bytes) {
        Some((start, _)) if m.aot.is_some() => &m.bytes[..start],
        _ => &m.bytes,
    }
}

/// The signature of a section: a keyed SipHash-2-4 of the module's sections other than
/// custom and data sections, the header and the code; None if the module is malformed.
#[cfg(feature = "compiler")]
fn sign(key: &[u8; 16], module: &[u8], header: &[u8], code: &[u8]) -> Option<u64> {
    Some(sign_rest(module_hasher(key, module)?, header, code))
}

/// The keyed hash of a module's sections other than custom and data sections: what native
/// code compiled from it depends on (and the first part of a signature, see [`sign`]).
/// None if the module is malformed.
#[cfg(feature = "compiler")]
#[allow(deprecated)]
pub(crate) fn module_hasher(key: &[u8; 16], module: &[u8]) -> Option<std::hash::SipHasher> {
    use std::hash::Hasher;
    let k0 = u64::from_le_bytes(key[..8].try_into().expect("8 bytes"));
    let k1 = u64::from_le_bytes(key[8..].try_into().expect("8 bytes"));
    // SipHash-2-4 is a keyed pseudo-random function: without the key, a valid signature
    // cannot be computed. std keeps it under its old name.
    let mut h = std::hash::SipHasher::new_with_keys(k0, k1);
    for (id, _, range) in sections(module)? {
        if id == 0 || id == 11 {
            continue;
        }
        h.write_u8(id);
        h.write_u64(range.len() as u64);
        h.write(&module[range]);
    }
    Some(h)
}

/// A signature from the [`module_hasher`] of its module, its header and its code.
#[cfg(feature = "compiler")]
#[allow(deprecated)]
pub(crate) fn sign_rest(mut h: std::hash::SipHasher, header: &[u8], code: &[u8]) -> u64 {
    use std::hash::Hasher;
    h.write_u64(header.len() as u64);
    h.write(header);
    h.write(code);
    h.finish()
}

#[cfg(feature = "compiler")]
fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// The little-endian `u32` at `at` of a record.
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// The little-endian `u64` at `at` of a record.
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// A bounds-checked little-endian reader.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.bytes.len() {
            return Err(unusable("truncated"));
        }
        let (a, b) = self.bytes.split_at(n);
        self.bytes = b;
        Ok(a)
    }

    fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn string(&mut self) -> Result<String, Error> {
        let n = self.u32()? as usize;
        let v = self.take(n)?.to_vec();
        String::from_utf8(v).map_err(|_| unusable("bad stamp"))
    }

    /// A count, then that many records of `size` bytes, each decoded by `f`.
    fn list<T>(&mut self, size: usize, f: impl Fn(&[u8]) -> T) -> Result<Vec<T>, Error> {
        let n = self.u32()? as usize;
        let bytes = n
            .checked_mul(size)
            .filter(|b| *b <= self.bytes.len())
            .ok_or_else(|| unusable("bad count"))?;
        Ok(self.take(bytes)?.chunks_exact(size).map(f).collect())
    }
}
