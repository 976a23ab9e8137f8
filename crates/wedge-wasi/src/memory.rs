//! Checked access to guest memory: every pointer and length the guest passes is checked here.
//!
//! Out-of-bounds ranges give `EFAULT`, misaligned records `EINVAL` and invalid UTF-8 `EILSEQ`,
//! as the preview1 ABI prescribes; nothing here can panic on guest input.

use crate::errno::Errno;
use crate::types::size;

/// A guest's linear memory during one WASI call.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// One `iovec`/`ciovec` entry: a guest buffer.
#[derive(Clone, Copy, Debug)]
pub struct IoVec {
    /// Guest address of the buffer.
    pub ptr: u32,
    /// Length in bytes.
    pub len: u32,
}

impl<'a> GuestMemory<'a> {
    /// Wraps the memory's bytes.
    pub fn new(bytes: &'a mut [u8]) -> GuestMemory<'a> {
        GuestMemory { bytes }
    }

    /// The host range of `len` bytes at `ptr`, or `EFAULT`.
    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>, Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    /// The range of a record of `len` bytes that must be aligned to `align`.
    fn record(&self, ptr: u32, len: u32, align: u32) -> Result<std::ops::Range<usize>, Errno> {
        if !ptr.is_multiple_of(align) {
            return Err(Errno::Inval);
        }
        self.range(ptr, len)
    }

    /// The guest bytes at `ptr..ptr+len`.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    /// The guest bytes at `ptr..ptr+len`, mutably.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    /// Copies `data` to `ptr`.
    pub fn write_bytes(&mut self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    /// Writes a record of `N` bytes aligned to `align`.
    pub fn write_record<const N: usize>(
        &mut self,
        ptr: u32,
        align: u32,
        data: [u8; N],
    ) -> Result<(), Errno> {
        let r = self.record(ptr, N as u32, align)?;
        self.bytes[r].copy_from_slice(&data);
        Ok(())
    }

    /// Reads a little-endian `u8`.
    pub fn read_u8(&self, ptr: u32) -> Result<u8, Errno> {
        Ok(self.slice(ptr, 1)?[0])
    }

    /// Reads a little-endian `u16` (aligned).
    pub fn read_u16(&self, ptr: u32) -> Result<u16, Errno> {
        let r = self.record(ptr, 2, 2)?;
        Ok(u16::from_le_bytes(
            self.bytes[r].try_into().unwrap_or_default(),
        ))
    }

    /// Reads a little-endian `u32` (aligned).
    pub fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        let r = self.record(ptr, 4, 4)?;
        Ok(u32::from_le_bytes(
            self.bytes[r].try_into().unwrap_or_default(),
        ))
    }

    /// Reads a little-endian `u64` (aligned).
    pub fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        let r = self.record(ptr, 8, 8)?;
        Ok(u64::from_le_bytes(
            self.bytes[r].try_into().unwrap_or_default(),
        ))
    }

    /// Writes a `u8`.
    pub fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), Errno> {
        self.write_record(ptr, 1, [v])
    }

    /// Writes a little-endian `u16` (aligned).
    pub fn write_u16(&mut self, ptr: u32, v: u16) -> Result<(), Errno> {
        self.write_record(ptr, 2, v.to_le_bytes())
    }

    /// Writes a little-endian `u32` (aligned).
    pub fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.write_record(ptr, 4, v.to_le_bytes())
    }

    /// Writes a little-endian `u64` (aligned).
    pub fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.write_record(ptr, 8, v.to_le_bytes())
    }

    /// Reads a UTF-8 string (a path or name); invalid UTF-8 is `EILSEQ`.
    pub fn read_str(&self, ptr: u32, len: u32) -> Result<&str, Errno> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::Ilseq)
    }

    /// Reads the `i`-th entry of an iovec array at `iovs` with `count` entries.
    ///
    /// The whole array is bounds-checked once by [`GuestMemory::check_iovecs`]; entries are
    /// then read one at a time so a huge count never makes the host allocate.
    pub fn iovec(&self, iovs: u32, i: u32) -> Result<IoVec, Errno> {
        let at = iovs
            .checked_add(i.checked_mul(size::IOVEC).ok_or(Errno::Fault)?)
            .ok_or(Errno::Fault)?;
        Ok(IoVec {
            ptr: self.read_u32(at)?,
            len: self.read_u32(at + 4)?,
        })
    }

    /// Checks that an iovec array of `count` entries lies in memory and is aligned.
    pub fn check_iovecs(&self, iovs: u32, count: u32) -> Result<(), Errno> {
        let bytes = count.checked_mul(size::IOVEC).ok_or(Errno::Fault)?;
        self.record(iovs, bytes, 4).map(|_| ())
    }

    /// Mutable views of several guest buffers at once, in the order given (empty buffers left
    /// out), for one scattering system call; `Ok(None)` when two buffers overlap, which Rust
    /// cannot lend out together (the caller then goes through a bounce buffer).
    pub fn disjoint_mut(&mut self, bufs: &[IoVec]) -> Result<Option<Vec<&mut [u8]>>, Errno> {
        let mut order: Vec<usize> = (0..bufs.len()).filter(|&i| bufs[i].len > 0).collect();
        for &i in &order {
            self.range(bufs[i].ptr, bufs[i].len)?;
        }
        order.sort_by_key(|&i| bufs[i].ptr);
        let end = |v: IoVec| v.ptr as u64 + v.len as u64;
        if order
            .windows(2)
            .any(|w| end(bufs[w[0]]) > bufs[w[1]].ptr as u64)
        {
            return Ok(None);
        }
        let mut views: Vec<Option<&mut [u8]>> = (0..bufs.len()).map(|_| None).collect();
        let mut rest: &mut [u8] = &mut *self.bytes;
        let mut base = 0usize;
        for &i in &order {
            let v = bufs[i];
            let (_, tail) = std::mem::take(&mut rest).split_at_mut(v.ptr as usize - base);
            let (view, tail) = tail.split_at_mut(v.len as usize);
            views[i] = Some(view);
            rest = tail;
            base = v.ptr as usize + v.len as usize;
        }
        Ok(Some(views.into_iter().flatten().collect()))
    }

    /// Writes `strings` as NUL-terminated bytes into a buffer at `buf`, with a pointer table at
    /// `ptrs` (the layout of `args_get` and `environ_get`).
    pub fn write_string_table(
        &mut self,
        strings: &[Vec<u8>],
        ptrs: u32,
        buf: u32,
    ) -> Result<(), Errno> {
        let mut at = buf;
        for (i, s) in strings.iter().enumerate() {
            let len = u32::try_from(s.len() + 1).map_err(|_| Errno::Overflow)?;
            let slot = ptrs.checked_add(4 * i as u32).ok_or(Errno::Fault)?;
            self.write_u32(slot, at)?;
            let dst = self.slice_mut(at, len)?;
            dst[..s.len()].copy_from_slice(s);
            dst[s.len()] = 0;
            at = at.checked_add(len).ok_or(Errno::Fault)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_alignment_and_utf8_are_checked() {
        let mut bytes = vec![0u8; 64];
        let mut m = GuestMemory::new(&mut bytes);
        assert_eq!(m.write_u32(60, 7), Ok(()));
        assert_eq!(m.read_u32(60), Ok(7));
        assert_eq!(m.read_u32(61), Err(Errno::Inval));
        assert_eq!(m.read_u32(64), Err(Errno::Fault));
        assert_eq!(m.read_u32(u32::MAX - 3), Err(Errno::Fault));
        assert_eq!(m.slice(60, 5).err(), Some(Errno::Fault));
        assert_eq!(m.slice(u32::MAX, u32::MAX).err(), Some(Errno::Fault));
        m.write_bytes(0, &[0xff, 0xfe]).unwrap();
        assert_eq!(m.read_str(0, 2), Err(Errno::Ilseq));
        assert_eq!(m.check_iovecs(0, u32::MAX), Err(Errno::Fault));
        assert_eq!(m.check_iovecs(0, 8), Ok(()));
        assert_eq!(m.check_iovecs(0, 9), Err(Errno::Fault));
    }

    #[test]
    fn disjoint_views_keep_the_given_order() {
        let mut bytes: Vec<u8> = (0..32).collect();
        let mut m = GuestMemory::new(&mut bytes);
        let v = |ptr, len| IoVec { ptr, len };
        let views = m
            .disjoint_mut(&[v(20, 2), v(0, 0), v(4, 3), v(8, 1)])
            .unwrap()
            .unwrap();
        let got: Vec<&[u8]> = views.iter().map(|s| &**s).collect();
        assert_eq!(got, [&[20u8, 21][..], &[4, 5, 6], &[8]]);
        assert!(m.disjoint_mut(&[v(4, 4), v(7, 2)]).unwrap().is_none());
        assert_eq!(m.disjoint_mut(&[v(30, 4)]).err(), Some(Errno::Fault));
    }
}
