//! The compact form of a code block's wasm-offset table in AOT files and cache entries:
//! a LEB128 count, then per entry the gap from the previous entry's end, the length and the
//! change of the module offset (signed), each LEB128. Entries of neighbouring instructions
//! take three or four bytes instead of twelve.

/// Encodes (code offset, length, module offset) entries.
pub(crate) fn encode(entries: &[(u32, u32, u32)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 4 + 5);
    put_u(&mut out, entries.len() as u32);
    let (mut end, mut at) = (0u32, 0u32);
    for &(offset, len, module_offset) in entries {
        put_u(&mut out, offset.wrapping_sub(end));
        put_u(&mut out, len);
        put_s(&mut out, module_offset.wrapping_sub(at) as i32);
        end = offset.wrapping_add(len);
        at = module_offset;
    }
    out
}

/// Decodes what [`encode`] wrote; `None` when the bytes are malformed or have bytes left over.
pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<(u32, u32, u32)>> {
    let mut r = bytes;
    let n = get_u(&mut r)? as usize;
    // Every entry takes at least three bytes: a bad count cannot ask for a huge allocation.
    if n > r.len() / 3 {
        return None;
    }
    let mut entries = Vec::with_capacity(n);
    let (mut end, mut at) = (0u32, 0u32);
    for _ in 0..n {
        let offset = end.wrapping_add(get_u(&mut r)?);
        let len = get_u(&mut r)?;
        let module_offset = at.wrapping_add(get_s(&mut r)? as u32);
        entries.push((offset, len, module_offset));
        end = offset.wrapping_add(len);
        at = module_offset;
    }
    r.is_empty().then_some(entries)
}

fn put_u(out: &mut Vec<u8>, mut v: u32) {
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

fn put_s(out: &mut Vec<u8>, mut v: i32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn get_u(r: &mut &[u8]) -> Option<u32> {
    let mut v: u64 = 0;
    for shift in (0..35).step_by(7) {
        let (&byte, rest) = r.split_first()?;
        *r = rest;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(v).ok();
        }
    }
    None
}

fn get_s(r: &mut &[u8]) -> Option<i32> {
    let mut v: i64 = 0;
    for shift in (0..35).step_by(7) {
        let (&byte, rest) = r.split_first()?;
        *r = rest;
        v |= i64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            let bits = shift + 7;
            if bits < 64 && byte & 0x40 != 0 {
                v |= -1i64 << bits;
            }
            return i32::try_from(v).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let entries = vec![
            (0, 3, 100),
            (3, 9, 98),
            (20, 1, 100_000),
            (21, 70_000, 7),
            (u32::MAX - 1, 1, u32::MAX),
        ];
        let bytes = encode(&entries);
        assert_eq!(decode(&bytes), Some(entries));
        assert_eq!(decode(&encode(&[])), Some(Vec::new()));
        assert!(bytes.len() < 5 * 12);
        assert_eq!(decode(&bytes[..bytes.len() - 1]), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), None);
        assert_eq!(decode(&[0xff, 0xff, 0xff, 0xff, 0x0f]), None);
        assert_eq!(decode(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), None);
    }
}
