//! What a WASI file descriptor refers to, its rights and flags, and byte I/O on it.

use crate::errno::Errno;
use crate::sock::Socket;
use crate::types::{fdflags, filetype, rights, Fdstat, Filestat};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};

/// The host object behind a descriptor.
pub enum Kind {
    /// Reads give end-of-file, writes are discarded (stdio that was not given).
    Null,
    /// One of the host process's own stdin, stdout or stderr.
    Inherited(BorrowedFd<'static>),
    /// A host file, pipe or terminal handed over by the embedder (stdio or an extra fd).
    Host(OwnedFd),
    /// A file opened through `path_open`.
    File(std::fs::File),
    /// A directory: a sandbox root that no path resolution can leave.
    Dir(DirHandle),
    /// A socket: preopened, opened by the guest with `sock_open`, or accepted.
    Socket(Socket),
}

/// A directory descriptor.
pub struct DirHandle {
    /// The directory; every path is resolved beneath it.
    pub dir: cap_std::fs::Dir,
    /// The name the guest sees, when this is a preopened directory.
    pub preopen: Option<String>,
    /// Entries of the last `fd_readdir` listing, reused while the guest walks it by cookie.
    pub listing: Option<Vec<DirEntry>>,
}

/// One entry of a directory listing.
#[derive(Clone, Debug)]
pub struct DirEntry {
    /// Inode number.
    pub ino: u64,
    /// `filetype`.
    pub filetype: u8,
    /// File name bytes.
    pub name: Vec<u8>,
}

/// An open file descriptor of the guest.
pub struct Descriptor {
    /// What it refers to.
    pub kind: Kind,
    /// `filetype` reported by `fd_fdstat_get`.
    pub filetype: u8,
    /// Rights that apply to this descriptor.
    pub base: u64,
    /// Rights that descriptors opened through this one may get.
    pub inheriting: u64,
    /// `fdflags` as last set.
    pub flags: u16,
}

impl Descriptor {
    /// A descriptor for a host stream (stdio or an embedder-provided fd), typed by `fstat`.
    pub fn stream(kind: Kind) -> Descriptor {
        let filetype = match kind.fd() {
            Some(fd) => host_filetype(fd),
            None => filetype::CHARACTER_DEVICE,
        };
        let base = match filetype {
            filetype::REGULAR_FILE => rights::FILE,
            filetype::SOCKET_STREAM => rights::SOCKET,
            filetype::DIRECTORY => 0,
            // wasi-libc's `isatty` takes a character device with neither the seek nor the
            // tell right for a terminal: a device that is none (`/dev/null`, stdio not
            // given) gets the tell right (telling is ESPIPE there, as seeking stays
            // ENOTCAPABLE), so programs that refuse to write binary data to a terminal run.
            filetype::CHARACTER_DEVICE if !kind.is_terminal() => rights::STREAM | rights::FD_TELL,
            _ => rights::STREAM,
        };
        Descriptor {
            kind,
            filetype,
            base,
            inheriting: 0,
            flags: 0,
        }
    }

    /// The descriptor's `fdstat` record.
    pub fn fdstat(&self) -> Fdstat {
        Fdstat {
            filetype: self.filetype,
            flags: self.flags,
            rights_base: self.base,
            rights_inheriting: self.inheriting,
        }
    }

    /// Fails with `ENOTCAPABLE` unless the descriptor has all of `needed`.
    pub fn require(&self, needed: u64) -> Result<(), Errno> {
        if self.base & needed == needed {
            Ok(())
        } else {
            Err(Errno::Notcapable)
        }
    }

    /// Whether the descriptor is a byte stream without a file position (pipes, terminals,
    /// sockets): such descriptors are polled instead of always being ready.
    pub fn is_stream(&self) -> bool {
        !matches!(self.kind, Kind::Dir(_) | Kind::Null)
            && !matches!(
                self.filetype,
                filetype::REGULAR_FILE | filetype::DIRECTORY | filetype::BLOCK_DEVICE
            )
    }

    /// Reads into `buf`; end of file is `Ok(0)`.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        if self.flags & fdflags::NONBLOCK != 0 && matches!(self.kind, Kind::Inherited(_)) {
            // Inherited stdio stays blocking on the host (other processes share it); a
            // non-blocking read is emulated by polling first.
            if !self.ready_now(true)? {
                return Err(Errno::Again);
            }
        }
        match &self.kind {
            Kind::Null => Ok(0),
            Kind::Dir(_) => Err(Errno::Badf),
            kind => {
                let fd = kind.fd().ok_or(Errno::Badf)?;
                retry(|| rustix::io::read(fd, &mut *buf))
            }
        }
    }

    /// Writes `buf`, returning how much was written.
    pub fn write(&mut self, buf: &[u8]) -> Result<usize, Errno> {
        match &self.kind {
            Kind::Null => Ok(buf.len()),
            Kind::Dir(_) => Err(Errno::Badf),
            // A socket whose peer is gone must give EPIPE, not SIGPIPE.
            Kind::Socket(s) => {
                retry(|| rustix::net::send(&s.fd, buf, rustix::net::SendFlags::NOSIGNAL))
            }
            kind => {
                let fd = kind.fd().ok_or(Errno::Badf)?;
                retry(|| rustix::io::write(fd, buf))
            }
        }
    }

    /// Polls the descriptor without waiting: is it readable (or writable)?
    fn ready_now(&self, read: bool) -> Result<bool, Errno> {
        let Some(fd) = self.kind.fd() else {
            return Ok(true);
        };
        let flags = if read {
            rustix::event::PollFlags::IN
        } else {
            rustix::event::PollFlags::OUT
        };
        let mut pfd = [rustix::event::PollFd::new(&fd, flags)];
        let zero = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        Ok(retry(|| rustix::event::poll(&mut pfd, Some(&zero)))? > 0)
    }

    /// The `filestat` of the open file.
    pub fn filestat(&self) -> Result<Filestat, Errno> {
        match &self.kind {
            Kind::Null => Ok(Filestat {
                filetype: self.filetype,
                ..Filestat::default()
            }),
            Kind::Dir(d) => {
                let m = d.dir.dir_metadata()?;
                Ok(crate::filestat::from_cap(&m))
            }
            kind => {
                let fd = kind.fd().ok_or(Errno::Badf)?;
                let st = rustix::fs::fstat(fd)?;
                let mut stat = crate::filestat::from_stat(&st);
                // The host says "socket" for UDP too; the descriptor knows better.
                if matches!(kind, Kind::Socket(_))
                    || (self.filetype != stat.filetype && stat.filetype == filetype::UNKNOWN)
                {
                    stat.filetype = self.filetype;
                }
                Ok(stat)
            }
        }
    }
}

impl Kind {
    /// The host file descriptor, for kinds that have one.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            Kind::Null => None,
            Kind::Inherited(fd) => Some(*fd),
            Kind::Host(fd) => Some(fd.as_fd()),
            Kind::File(f) => Some(f.as_fd()),
            Kind::Dir(d) => Some(d.dir.as_fd()),
            Kind::Socket(s) => Some(s.fd.as_fd()),
        }
    }

    /// Whether this is a host terminal.
    pub fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        self.fd().is_some_and(|fd| fd.is_terminal())
    }
}

/// The WASI `filetype` of a host descriptor.
fn host_filetype(fd: BorrowedFd<'_>) -> u8 {
    match rustix::fs::fstat(fd) {
        Ok(st) => crate::filestat::filetype_of_mode(st.st_mode),
        Err(_) => filetype::UNKNOWN,
    }
}

/// Runs a system call again while it is interrupted by a signal.
pub fn retry<T>(mut f: impl FnMut() -> rustix::io::Result<T>) -> Result<T, Errno> {
    loop {
        match f() {
            Err(rustix::io::Errno::INTR) => continue,
            other => return other.map_err(Errno::from),
        }
    }
}
