//! Converting host file metadata into WASI `filestat` records and file types.

use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::types::{filetype, Abi, Filestat};
use cap_fs_ext::OsMetadataExt;

/// The WASI `filetype` of a host `st_mode`.
pub fn filetype_of_mode(mode: u32) -> u8 {
    use rustix::fs::FileType as F;
    match F::from_raw_mode(mode) {
        F::RegularFile => filetype::REGULAR_FILE,
        F::Directory => filetype::DIRECTORY,
        F::Symlink => filetype::SYMBOLIC_LINK,
        F::CharacterDevice => filetype::CHARACTER_DEVICE,
        F::BlockDevice => filetype::BLOCK_DEVICE,
        F::Socket => filetype::SOCKET_STREAM,
        _ => filetype::UNKNOWN,
    }
}

/// Nanoseconds since the epoch from seconds and nanoseconds (times before 1970 clamp to 0).
fn nanos(sec: i64, nsec: i64) -> u64 {
    let total = (sec as i128) * 1_000_000_000 + nsec as i128;
    total.clamp(0, u64::MAX as i128) as u64
}

/// The `filestat` of metadata obtained through cap-std.
pub fn from_cap(m: &cap_std::fs::Metadata) -> Filestat {
    Filestat {
        dev: m.dev(),
        ino: m.ino(),
        filetype: filetype_of_mode(m.mode()),
        nlink: m.nlink(),
        size: m.size(),
        atim: nanos(m.atime(), m.atime_nsec()),
        mtim: nanos(m.mtime(), m.mtime_nsec()),
        ctim: nanos(m.ctime(), m.ctime_nsec()),
    }
}

/// The `filestat` of a host `stat` record.
pub fn from_stat(st: &rustix::fs::Stat) -> Filestat {
    Filestat {
        dev: st.st_dev,
        ino: st.st_ino,
        filetype: filetype_of_mode(st.st_mode),
        nlink: st.st_nlink,
        size: st.st_size.max(0) as u64,
        atim: nanos(st.st_atime, st.st_atime_nsec as i64),
        mtim: nanos(st.st_mtime, st.st_mtime_nsec as i64),
        ctim: nanos(st.st_ctime, st.st_ctime_nsec as i64),
    }
}

/// The WASI `filetype` of a cap-std file type.
pub fn filetype_of(ft: cap_std::fs::FileType) -> u8 {
    use cap_fs_ext::FileTypeExt;
    if ft.is_dir() {
        filetype::DIRECTORY
    } else if ft.is_file() {
        filetype::REGULAR_FILE
    } else if ft.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ft.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ft.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ft.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}

/// Writes a `filestat` record at `out` in the layout of `abi`.
pub fn write(mem: &mut GuestMemory<'_>, out: u32, stat: Filestat, abi: Abi) -> Result<(), Errno> {
    match abi {
        Abi::Preview1 => mem.write_record(out, 8, stat.to_bytes()),
        Abi::Unstable => mem.write_record(out, 8, stat.to_unstable_bytes()),
    }
}
