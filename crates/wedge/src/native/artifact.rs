//! The AOT artifact: native code stored in a custom section of a still-valid wasm module
//! (a "universal" file: other runtimes ignore the section and run the wasm).
//!
//! Section `wedge.native`, all integers little-endian:
//!
//! ```text
//! magic "WEDGEAOT", format version u32,
//! stamp (u32 length + UTF-8): Wedge version, code generator target and settings, features,
//! module length u64 (the bytes before this section),
//! code (u32 length + bytes),
//! functions (u32 count + (offset u32, length u32) each),
//! array trampolines, host trampolines (u32 count + offset u32 each),
//! trap sites (u32 count + (offset u32, kind u8) each),
//! relocations (u32 count + (offset u32, helper u8, addend i64) each),
//!
//! signature u64: SipHash-2-4, keyed with `Config::native_code_key`, of the module bytes
//! before the section followed by everything above
//! ```
//!
//! A file whose signature, stamp or hash does not match is compiled again (with a warning);
//! one whose contents are inconsistent is rejected the same way, never trusted. Without a
//! key nothing stored is ever run: native code in a file is machine code, so only files
//! signed with the engine's own secret key are.

use super::CodeImage;
use crate::module::ModuleInner;
use crate::Error;

/// Name of the custom section holding native code.
pub(crate) const SECTION_NAME: &str = "wedge.native";

const MAGIC: &[u8; 8] = b"WEDGEAOT";
const FORMAT_VERSION: u32 = 2;

/// Everything that must match for stored code to be usable here.
#[cfg(feature = "compiler")]
fn stamp(config: &crate::Config) -> Result<String, Error> {
    Ok(format!(
        "wedge {};{};features={:#x};interruptible={}",
        env!("CARGO_PKG_VERSION"),
        super::compile::isa_stamp(config.deterministic)?,
        config.features.bits(),
        config.interruptible
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

/// The trailing native-code section of a binary: where the section starts and its data.
fn trailing_section(bytes: &[u8]) -> Option<(usize, std::ops::Range<usize>)> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return None;
    }
    let mut p = 8;
    let mut found = None;
    while p < bytes.len() {
        let start = p;
        let id = bytes[p];
        let (size, n) = leb(&bytes[p + 1..])?;
        let body = p + 1 + n;
        let end = body.checked_add(size).filter(|e| *e <= bytes.len())?;
        found = None;
        if id == 0 {
            let (name_len, m) = leb(&bytes[body..end])?;
            let name_end = (body + m).checked_add(name_len).filter(|e| *e <= end)?;
            if &bytes[body + m..name_end] == SECTION_NAME.as_bytes() {
                found = Some((start, name_end..end));
            }
        }
        p = end;
    }
    found
}

/// Whether `bytes` end with native code signed with the engine's key, for this host and
/// configuration: such a file was validated by `wedge compile` (with the same features),
/// so its function bodies need not be validated again.
pub(crate) fn authenticated(config: &crate::Config, bytes: &[u8]) -> bool {
    #[cfg(feature = "compiler")]
    {
        let Some(key) = config.native_code_key.filter(|_| config.compiles()) else {
            return false;
        };
        let Some((start, data)) = trailing_section(bytes) else {
            return false;
        };
        let data = &bytes[data];
        if data.len() < 8 {
            return false;
        }
        let (signed, signature) = data.split_at(data.len() - 8);
        if sign(&key, &bytes[..start], signed).to_le_bytes() != signature {
            return false;
        }
        let mut r = Reader { bytes: signed };
        let header = (|| Ok::<_, Error>((r.take(8)?.to_vec(), r.u32()?, r.string()?)))();
        matches!(header, Ok((magic, v, s)) if magic == MAGIC && v == FORMAT_VERSION
            && stamp(config).is_ok_and(|mine| mine == s))
    }
    #[cfg(not(feature = "compiler"))]
    {
        let _ = (config, bytes);
        false
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
    if let Some(what) = config.compiler_unsupported() {
        return Err(Error::Limit(format!(
            "the compiler tier does not support {what} yet; use the interpreter"
        )));
    }
    #[cfg(feature = "compiler")]
    {
        if let Some(range) = m.aot.clone() {
            match load(m, range) {
                Ok(code) => {
                    m.native = Some(std::sync::Arc::new(code));
                    return Ok(());
                }
                Err(e) => {
                    m.aot_warning = Some(format!("{e}; compiling the module again"));
                }
            }
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
        let image = match super::compile::compile(m, progress) {
            Ok(image) => image,
            Err(Error::Limit(msg))
                if auto && msg.starts_with(super::compile::UNSUPPORTED_PREFIX) =>
            {
                return Ok(())
            }
            Err(e) => return Err(e),
        };
        m.native = Some(std::sync::Arc::new(super::NativeCode::load(
            image, None, m,
        )?));
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

/// Reads and loads the native-code section at `range`.
#[cfg(feature = "compiler")]
fn load(m: &ModuleInner, range: std::ops::Range<usize>) -> Result<super::NativeCode, Error> {
    let bad = |what: &str| Error::Limit(format!("native code in the file is unusable: {what}"));
    let key = m
        .engine
        .config()
        .native_code_key
        .ok_or_else(|| bad("no native-code key is configured to authenticate it"))?;
    let data = &m.bytes[range.clone()];
    if data.len() < 8 {
        return Err(bad("truncated"));
    }
    let (signed, signature) = data.split_at(data.len() - 8);
    let module_len = plain_len(m, &range);
    if !m.aot_authenticated && sign(&key, &m.bytes[..module_len], signed).to_le_bytes() != signature
    {
        return Err(bad(
            "its signature does not match this key (compiled elsewhere or altered)",
        ));
    }
    let mut r = Reader { bytes: signed };
    if r.take(8)? != MAGIC || r.u32()? != FORMAT_VERSION {
        return Err(bad("not a Wedge native-code section of this format"));
    }
    let stamp_found = r.string()?;
    if stamp_found != stamp(m.engine.config())? {
        return Err(bad(
            "it was compiled by another Wedge version, for another CPU, or with other settings",
        ));
    }
    if r.u64()? != module_len as u64 {
        return Err(bad("it belongs to another module"));
    }
    let code_len = r.u32()? as usize;
    let code = r.take(code_len)?;
    let image = CodeImage {
        code: Vec::new(),
        funcs: r.list(|r| Ok((r.u32()?, r.u32()?)))?,
        array_trampolines: r.list(|r| r.u32())?,
        host_trampolines: r.list(|r| r.u32())?,
        traps: r.list(|r| Ok((r.u32()?, r.u8()?)))?,
        relocs: r.list(|r| Ok((r.u32()?, r.u8()?, r.u64()? as i64)))?,
    };
    if !r.bytes.is_empty() {
        return Err(bad("trailing bytes"));
    }
    super::NativeCode::load(image, Some(code), m)
}

/// The module's bytes with a native-code section for this host appended (replacing an
/// earlier one).
pub(crate) fn serialize(m: &ModuleInner) -> Result<Vec<u8>, Error> {
    #[cfg(feature = "compiler")]
    {
        let native = m.native.as_ref().ok_or_else(|| {
            Error::Limit("the module is not compiled (the engine interprets it)".into())
        })?;
        let key = m.engine.config().native_code_key.ok_or_else(|| {
            Error::Limit("writing native code needs a key (Config::native_code_key)".into())
        })?;
        let module = original_bytes(m);
        let mut data = Vec::with_capacity(native.image.code.len() + 4096);
        data.extend_from_slice(MAGIC);
        put_u32(&mut data, FORMAT_VERSION);
        let s = stamp(m.engine.config())?;
        put_u32(&mut data, s.len() as u32);
        data.extend_from_slice(s.as_bytes());
        data.extend_from_slice(&(module.len() as u64).to_le_bytes());
        let img = &native.image;
        let code = native.code();
        put_u32(&mut data, code.len() as u32);
        data.extend_from_slice(&code);
        put_u32(&mut data, img.funcs.len() as u32);
        for (o, l) in &img.funcs {
            put_u32(&mut data, *o);
            put_u32(&mut data, *l);
        }
        for list in [&img.array_trampolines, &img.host_trampolines] {
            put_u32(&mut data, list.len() as u32);
            for o in list {
                put_u32(&mut data, *o);
            }
        }
        put_u32(&mut data, img.traps.len() as u32);
        for (o, k) in &img.traps {
            put_u32(&mut data, *o);
            data.push(*k);
        }
        put_u32(&mut data, img.relocs.len() as u32);
        for (o, t, a) in &img.relocs {
            put_u32(&mut data, *o);
            data.push(*t);
            data.extend_from_slice(&a.to_le_bytes());
        }
        let signature = sign(&key, module, &data);
        data.extend_from_slice(&signature.to_le_bytes());
        let mut out = module.to_vec();
        let mut payload = Vec::new();
        put_leb(&mut payload, SECTION_NAME.len() as u64);
        payload.extend_from_slice(SECTION_NAME.as_bytes());
        payload.extend_from_slice(&data);
        out.push(0);
        put_leb(&mut out, payload.len() as u64);
        out.extend_from_slice(&payload);
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

/// The module bytes without a trailing native-code section.
#[cfg(feature = "compiler")]
fn original_bytes(m: &ModuleInner) -> &[u8] {
    match &m.aot {
        Some(r) => &m.bytes[..plain_len(m, r)],
        None => &m.bytes,
    }
}

/// Where the module ends and a native-code section with data at `r` begins, if that section
/// is the last one as `serialize` writes it; else the whole length.
#[cfg(feature = "compiler")]
fn plain_len(m: &ModuleInner, r: &std::ops::Range<usize>) -> usize {
    if r.end == m.bytes.len() {
        // The section header: id 0, size, then the name (length-prefixed).
        let payload = r.end - r.start + SECTION_NAME.len() + 1;
        let mut leb = Vec::new();
        put_leb(&mut leb, payload as u64);
        let header = 1 + leb.len() + 1 + SECTION_NAME.len();
        if let Some(start) = r.start.checked_sub(header) {
            if m.bytes[start] == 0 {
                return start;
            }
        }
    }
    m.bytes.len()
}

/// The signature of a section: a keyed SipHash-2-4 of the module and the section data.
#[cfg(feature = "compiler")]
fn sign(key: &[u8; 16], module: &[u8], data: &[u8]) -> u64 {
    use std::hash::Hasher;
    let k0 = u64::from_le_bytes(key[..8].try_into().expect("8 bytes"));
    let k1 = u64::from_le_bytes(key[8..].try_into().expect("8 bytes"));
    // SipHash-2-4 is a keyed pseudo-random function: without the key, a valid signature
    // cannot be computed. std keeps it under its old name.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new_with_keys(k0, k1);
    h.write(&(module.len() as u64).to_le_bytes());
    h.write(module);
    h.write(data);
    h.finish()
}

#[cfg(feature = "compiler")]
fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(feature = "compiler")]
fn put_leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A bounds-checked little-endian reader.
#[cfg(feature = "compiler")]
struct Reader<'a> {
    bytes: &'a [u8],
}

#[cfg(feature = "compiler")]
impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.bytes.len() {
            return Err(Error::Limit(
                "native code in the file is unusable: truncated".into(),
            ));
        }
        let (a, b) = self.bytes.split_at(n);
        self.bytes = b;
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
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

    fn take_vec(&mut self) -> Result<Vec<u8>, Error> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }

    fn string(&mut self) -> Result<String, Error> {
        let v = self.take_vec()?;
        String::from_utf8(v).map_err(|_| Error::Limit("native code: bad stamp".into()))
    }

    fn list<T>(
        &mut self,
        mut f: impl FnMut(&mut Self) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let n = self.u32()? as usize;
        // Each entry takes at least 4 bytes: a count beyond that is malformed.
        if n > self.bytes.len() / 4 + 1 {
            return Err(Error::Limit(
                "native code in the file is unusable: bad count".into(),
            ));
        }
        (0..n).map(|_| f(self)).collect()
    }
}
