//! The preview1 ABI: numeric values of enums and flags, and the layout of records in guest memory.

/// Which preview1-style ABI a function serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    /// `wasi_snapshot_preview1`.
    Preview1,
    /// `wasi_unstable` (snapshot 0), for binaries older than preview1: `whence` numbered
    /// CUR=0, END=1, SET=2; `filestat` with a `u32` link count (56 bytes); clock
    /// subscriptions with an extra 8-byte identifier (56-byte subscriptions).
    Unstable,
}

/// Rights (`rights` flags): what may be done with a descriptor.
pub mod rights {
    /// `fd_datasync`.
    pub const FD_DATASYNC: u64 = 1 << 0;
    /// `fd_read` and `fd_pread`.
    pub const FD_READ: u64 = 1 << 1;
    /// `fd_seek` (implies `fd_tell`).
    pub const FD_SEEK: u64 = 1 << 2;
    /// `fd_fdstat_set_flags`.
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    /// `fd_sync`.
    pub const FD_SYNC: u64 = 1 << 4;
    /// `fd_tell` (and `fd_seek` with offset 0 from the current position).
    pub const FD_TELL: u64 = 1 << 5;
    /// `fd_write` and `fd_pwrite`.
    pub const FD_WRITE: u64 = 1 << 6;
    /// `fd_advise`.
    pub const FD_ADVISE: u64 = 1 << 7;
    /// `fd_allocate`.
    pub const FD_ALLOCATE: u64 = 1 << 8;
    /// `path_create_directory`.
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    /// `path_open` with `oflags::CREAT`.
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    /// `path_link` on the source directory.
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    /// `path_link` on the target directory.
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    /// `path_open`.
    pub const PATH_OPEN: u64 = 1 << 13;
    /// `fd_readdir`.
    pub const FD_READDIR: u64 = 1 << 14;
    /// `path_readlink`.
    pub const PATH_READLINK: u64 = 1 << 15;
    /// `path_rename` on the source directory.
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    /// `path_rename` on the target directory.
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    /// `path_filestat_get`.
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    /// Changing a file's size through a path (`path_open` with `oflags::TRUNC`).
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    /// `path_filestat_set_times`.
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    /// `fd_filestat_get`.
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    /// `fd_filestat_set_size`.
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    /// `fd_filestat_set_times`.
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    /// `path_symlink`.
    pub const PATH_SYMLINK: u64 = 1 << 24;
    /// `path_remove_directory`.
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    /// `path_unlink_file`.
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    /// Subscribing to the descriptor in `poll_oneoff`.
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    /// `sock_shutdown`.
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    /// `sock_accept`.
    pub const SOCK_ACCEPT: u64 = 1 << 29;

    /// Every right defined by preview1.
    pub const ALL: u64 = (1 << 30) - 1;

    /// Rights that make sense on a regular file.
    pub const FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;

    /// Rights that make sense on a directory.
    pub const DIR: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_DATASYNC
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;

    /// Rights that modify files or directories; a read-only preopen lacks all of them.
    pub const MODIFY: u64 = FD_DATASYNC
        | FD_SYNC
        | FD_WRITE
        | FD_ALLOCATE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;

    /// Rights of a terminal or pipe (no seeking, which is how wasi-libc's `isatty` tells).
    pub const STREAM: u64 = FD_READ
        | FD_WRITE
        | FD_FDSTAT_SET_FLAGS
        | FD_FILESTAT_GET
        | POLL_FD_READWRITE
        | FD_SYNC
        | FD_DATASYNC;

    /// Rights of every socket, listening or connected, whether preopened, opened with
    /// `sock_open` or accepted. These are preview1's bits: WasmEdge numbers its socket rights
    /// differently from bit 29 up (its `SOCK_OPEN` is preview1's `SOCK_ACCEPT`), and its
    /// socket calls check none of them, so a socket here carries the preview1 rights that
    /// apply and the socket calls check only those (`FD_READ` to receive, `FD_WRITE` to send,
    /// `SOCK_SHUTDOWN`, `SOCK_ACCEPT`), which only a guest that drops rights can notice.
    pub const SOCKET: u64 = FD_READ
        | FD_WRITE
        | FD_FDSTAT_SET_FLAGS
        | FD_FILESTAT_GET
        | POLL_FD_READWRITE
        | SOCK_SHUTDOWN
        | SOCK_ACCEPT;
}

/// `filetype`: the type of a file descriptor or file.
pub mod filetype {
    /// The type is unknown or different from the ones below.
    pub const UNKNOWN: u8 = 0;
    /// A block device.
    pub const BLOCK_DEVICE: u8 = 1;
    /// A character device (such as a terminal).
    pub const CHARACTER_DEVICE: u8 = 2;
    /// A directory.
    pub const DIRECTORY: u8 = 3;
    /// A regular file.
    pub const REGULAR_FILE: u8 = 4;
    /// A datagram socket.
    pub const SOCKET_DGRAM: u8 = 5;
    /// A byte-stream socket.
    pub const SOCKET_STREAM: u8 = 6;
    /// A symbolic link.
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `fdflags`: descriptor flags.
pub mod fdflags {
    /// Writes go to the end of the file.
    pub const APPEND: u16 = 1 << 0;
    /// Writes complete once data (not metadata) is on disk.
    pub const DSYNC: u16 = 1 << 1;
    /// Operations do not block.
    pub const NONBLOCK: u16 = 1 << 2;
    /// Reads complete once pending writes are on disk.
    pub const RSYNC: u16 = 1 << 3;
    /// Writes complete once data and metadata are on disk.
    pub const SYNC: u16 = 1 << 4;
    /// Every defined flag.
    pub const ALL: u16 = APPEND | DSYNC | NONBLOCK | RSYNC | SYNC;
}

/// `oflags`: how `path_open` opens a file.
pub mod oflags {
    /// Create the file if it does not exist.
    pub const CREAT: u16 = 1 << 0;
    /// Fail if the file is not a directory.
    pub const DIRECTORY: u16 = 1 << 1;
    /// Fail if the file already exists.
    pub const EXCL: u16 = 1 << 2;
    /// Truncate the file to size 0.
    pub const TRUNC: u16 = 1 << 3;
    /// Every defined flag.
    pub const ALL: u16 = CREAT | DIRECTORY | EXCL | TRUNC;
}

/// `lookupflags`: how a path is resolved.
pub mod lookupflags {
    /// Follow a symbolic link in the last component.
    pub const SYMLINK_FOLLOW: u32 = 1 << 0;
}

/// `fstflags`: which timestamps `*_filestat_set_times` changes.
pub mod fstflags {
    /// Set the access time to the given value.
    pub const ATIM: u16 = 1 << 0;
    /// Set the access time to now.
    pub const ATIM_NOW: u16 = 1 << 1;
    /// Set the modification time to the given value.
    pub const MTIM: u16 = 1 << 2;
    /// Set the modification time to now.
    pub const MTIM_NOW: u16 = 1 << 3;
    /// Every defined flag.
    pub const ALL: u16 = ATIM | ATIM_NOW | MTIM | MTIM_NOW;
}

/// `whence` of `fd_seek`.
pub mod whence {
    /// From the start of the file.
    pub const SET: u8 = 0;
    /// From the current position.
    pub const CUR: u8 = 1;
    /// From the end of the file.
    pub const END: u8 = 2;
}

/// `clockid`.
pub mod clockid {
    /// Wall-clock time since 1970-01-01T00:00:00Z.
    pub const REALTIME: u32 = 0;
    /// A clock that never goes back, from an arbitrary start.
    pub const MONOTONIC: u32 = 1;
    /// CPU time used by the process.
    pub const PROCESS_CPUTIME_ID: u32 = 2;
    /// CPU time used by the calling thread.
    pub const THREAD_CPUTIME_ID: u32 = 3;
}

/// `advice` of `fd_advise`.
pub mod advice {
    /// No advice.
    pub const NORMAL: u8 = 0;
    /// Accessed in order.
    pub const SEQUENTIAL: u8 = 1;
    /// Accessed in random order.
    pub const RANDOM: u8 = 2;
    /// Accessed soon.
    pub const WILLNEED: u8 = 3;
    /// Not accessed soon.
    pub const DONTNEED: u8 = 4;
    /// Accessed once.
    pub const NOREUSE: u8 = 5;
}

/// `eventtype` of poll subscriptions and events.
pub mod eventtype {
    /// A clock reached its timeout.
    pub const CLOCK: u8 = 0;
    /// A descriptor has data to read.
    pub const FD_READ: u8 = 1;
    /// A descriptor can take data.
    pub const FD_WRITE: u8 = 2;
}

/// `subclockflags`.
pub mod subclockflags {
    /// The timeout is an absolute time of the clock, not relative to now.
    pub const ABSTIME: u16 = 1 << 0;
}

/// `eventrwflags`.
pub mod eventrwflags {
    /// The peer closed its side of the descriptor.
    pub const FD_READWRITE_HANGUP: u16 = 1 << 0;
}

/// `riflags` of `sock_recv`.
pub mod riflags {
    /// Look at the data without removing it.
    pub const RECV_PEEK: u16 = 1 << 0;
    /// Wait until the whole buffer is filled.
    pub const RECV_WAITALL: u16 = 1 << 1;
}

/// `roflags` of `sock_recv`.
pub mod roflags {
    /// The datagram was longer than the buffers and was cut.
    pub const RECV_DATA_TRUNCATED: u16 = 1 << 0;
}

/// `sdflags` of `sock_shutdown`.
pub mod sdflags {
    /// Shut down the receiving side.
    pub const RD: u8 = 1 << 0;
    /// Shut down the sending side.
    pub const WR: u8 = 1 << 1;
}

/// WasmEdge's socket extension: address families (`u8` in records, `i32` as arguments).
pub mod addrfamily {
    /// Unspecified (name resolution hints only).
    pub const UNSPEC: u8 = 0;
    /// IPv4.
    pub const INET4: u8 = 1;
    /// IPv6.
    pub const INET6: u8 = 2;
    /// Unix domain sockets (not supported: `sock_open` gives `ENOSYS`, as WasmEdge does
    /// without `--allow-af-unix`).
    pub const AF_UNIX: u8 = 3;
}

/// WasmEdge's socket extension: socket types.
pub mod socktype {
    /// Any type (name resolution hints only).
    pub const ANY: u8 = 0;
    /// Datagrams (UDP).
    pub const DGRAM: u8 = 1;
    /// A byte stream (TCP).
    pub const STREAM: u8 = 2;
}

/// WasmEdge's socket extension: protocols in `addrinfo` records.
pub mod protocol {
    /// Any protocol.
    pub const IP: u8 = 0;
    /// TCP.
    pub const TCP: u8 = 1;
    /// UDP.
    pub const UDP: u8 = 2;
}

/// WasmEdge's socket extension: `sock_getsockopt`/`sock_setsockopt` levels and names.
pub mod sockopt {
    /// The only level: `SOL_SOCKET`.
    pub const SOL_SOCKET: u32 = 0;
    /// `SO_REUSEADDR`.
    pub const SO_REUSEADDR: u32 = 0;
    /// `SO_TYPE` (read as a WASI socket type).
    pub const SO_TYPE: u32 = 1;
    /// `SO_ERROR` (read as a WASI errno).
    pub const SO_ERROR: u32 = 2;
    /// `SO_DONTROUTE`.
    pub const SO_DONTROUTE: u32 = 3;
    /// `SO_BROADCAST`.
    pub const SO_BROADCAST: u32 = 4;
    /// `SO_SNDBUF`.
    pub const SO_SNDBUF: u32 = 5;
    /// `SO_RCVBUF`.
    pub const SO_RCVBUF: u32 = 6;
    /// `SO_KEEPALIVE`.
    pub const SO_KEEPALIVE: u32 = 7;
    /// `SO_OOBINLINE`.
    pub const SO_OOBINLINE: u32 = 8;
    /// `SO_LINGER`.
    pub const SO_LINGER: u32 = 9;
    /// `SO_RCVLOWAT`.
    pub const SO_RCVLOWAT: u32 = 10;
    /// `SO_RCVTIMEO`.
    pub const SO_RCVTIMEO: u32 = 11;
    /// `SO_SNDTIMEO`.
    pub const SO_SNDTIMEO: u32 = 12;
    /// `SO_ACCEPTCONN`.
    pub const SO_ACCEPTCONN: u32 = 13;
    /// `SO_BINDTODEVICE`.
    pub const SO_BINDTODEVICE: u32 = 14;
}

/// WasmEdge's socket extension: `aiflags` of `sock_getaddrinfo` hints.
pub mod aiflags {
    /// `AI_PASSIVE`.
    pub const PASSIVE: u16 = 1 << 0;
    /// `AI_CANONNAME`.
    pub const CANONNAME: u16 = 1 << 1;
    /// `AI_NUMERICHOST`.
    pub const NUMERICHOST: u16 = 1 << 2;
    /// `AI_NUMERICSERV`.
    pub const NUMERICSERV: u16 = 1 << 3;
    /// `AI_V4MAPPED`.
    pub const V4MAPPED: u16 = 1 << 4;
    /// `AI_ALL`.
    pub const ALL: u16 = 1 << 5;
    /// `AI_ADDRCONFIG`.
    pub const ADDRCONFIG: u16 = 1 << 6;
    /// Every defined flag.
    pub const DEFINED: u16 = (1 << 7) - 1;
}

/// `preopentype`.
pub mod preopentype {
    /// A preopened directory.
    pub const DIR: u8 = 0;
}

/// Sizes of records in guest memory.
pub mod size {
    /// `fdstat`.
    pub const FDSTAT: u32 = 24;
    /// `filestat`.
    pub const FILESTAT: u32 = 64;
    /// `prestat`.
    pub const PRESTAT: u32 = 8;
    /// `dirent` header (the name follows).
    pub const DIRENT: u32 = 24;
    /// `subscription`.
    pub const SUBSCRIPTION: u32 = 48;
    /// `event`.
    pub const EVENT: u32 = 32;
    /// `iovec` and `ciovec`.
    pub const IOVEC: u32 = 8;
    /// WasmEdge's `address`: a pointer and a length.
    pub const ADDRESS: u32 = 8;
    /// WasmEdge's address storage (`u16` family, then the address bytes).
    pub const ADDR_STORAGE: u32 = 128;
    /// WasmEdge's `addrinfo`.
    pub const ADDRINFO: u32 = 28;
    /// WasmEdge's `sockaddr` (family, data length, data pointer).
    pub const SOCKADDR: u32 = 12;
    /// The most iovecs one socket call takes (WasmEdge's `kIOVMax`).
    pub const IOV_MAX: u32 = 1024;
}

/// A `filestat` record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filestat {
    /// Device ID.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// `filetype`.
    pub filetype: u8,
    /// Number of hard links.
    pub nlink: u64,
    /// Size in bytes.
    pub size: u64,
    /// Last access, nanoseconds since the epoch.
    pub atim: u64,
    /// Last modification, nanoseconds since the epoch.
    pub mtim: u64,
    /// Last status change, nanoseconds since the epoch.
    pub ctim: u64,
}

impl Filestat {
    /// The record's bytes as the guest sees them.
    pub fn to_bytes(self) -> [u8; size::FILESTAT as usize] {
        let mut b = [0u8; size::FILESTAT as usize];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        b
    }
}

impl Filestat {
    /// The record's bytes in `wasi_unstable`'s layout (`nlink` is a `u32` at offset 20).
    pub fn to_unstable_bytes(self) -> [u8; 56] {
        let mut b = [0u8; 56];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype;
        let nlink = u32::try_from(self.nlink).unwrap_or(u32::MAX);
        b[20..24].copy_from_slice(&nlink.to_le_bytes());
        b[24..32].copy_from_slice(&self.size.to_le_bytes());
        b[32..40].copy_from_slice(&self.atim.to_le_bytes());
        b[40..48].copy_from_slice(&self.mtim.to_le_bytes());
        b[48..56].copy_from_slice(&self.ctim.to_le_bytes());
        b
    }
}

/// An `fdstat` record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fdstat {
    /// `filetype`.
    pub filetype: u8,
    /// `fdflags`.
    pub flags: u16,
    /// Rights of the descriptor.
    pub rights_base: u64,
    /// Rights inherited by descriptors opened through it.
    pub rights_inheriting: u64,
}

impl Fdstat {
    /// The record's bytes as the guest sees them.
    pub fn to_bytes(self) -> [u8; size::FDSTAT as usize] {
        let mut b = [0u8; size::FDSTAT as usize];
        b[0] = self.filetype;
        b[2..4].copy_from_slice(&self.flags.to_le_bytes());
        b[8..16].copy_from_slice(&self.rights_base.to_le_bytes());
        b[16..24].copy_from_slice(&self.rights_inheriting.to_le_bytes());
        b
    }
}
