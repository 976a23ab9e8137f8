//! WASI error numbers (`errno` in the preview1 witx) and their mapping from host errors.

use std::io;

/// A WASI preview1 error number, with the exact values of the witx definition (0-76), plus
/// WasmEdge's name-resolution errors (77-87) returned by `sock_getaddrinfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[repr(u16)]
#[allow(missing_docs)]
pub enum Errno {
    #[error("argument list too long")]
    TooBig = 1,
    #[error("permission denied")]
    Acces = 2,
    #[error("address in use")]
    Addrinuse = 3,
    #[error("address not available")]
    Addrnotavail = 4,
    #[error("address family not supported")]
    Afnosupport = 5,
    #[error("resource unavailable, or operation would block")]
    Again = 6,
    #[error("connection already in progress")]
    Already = 7,
    #[error("bad file descriptor")]
    Badf = 8,
    #[error("bad message")]
    Badmsg = 9,
    #[error("device or resource busy")]
    Busy = 10,
    #[error("operation canceled")]
    Canceled = 11,
    #[error("no child processes")]
    Child = 12,
    #[error("connection aborted")]
    Connaborted = 13,
    #[error("connection refused")]
    Connrefused = 14,
    #[error("connection reset")]
    Connreset = 15,
    #[error("resource deadlock would occur")]
    Deadlk = 16,
    #[error("destination address required")]
    Destaddrreq = 17,
    #[error("mathematics argument out of domain")]
    Dom = 18,
    #[error("reserved")]
    Dquot = 19,
    #[error("file exists")]
    Exist = 20,
    #[error("bad address")]
    Fault = 21,
    #[error("file too large")]
    Fbig = 22,
    #[error("host is unreachable")]
    Hostunreach = 23,
    #[error("identifier removed")]
    Idrm = 24,
    #[error("illegal byte sequence")]
    Ilseq = 25,
    #[error("operation in progress")]
    Inprogress = 26,
    #[error("interrupted function")]
    Intr = 27,
    #[error("invalid argument")]
    Inval = 28,
    #[error("i/o error")]
    Io = 29,
    #[error("socket is connected")]
    Isconn = 30,
    #[error("is a directory")]
    Isdir = 31,
    #[error("too many levels of symbolic links")]
    Loop = 32,
    #[error("file descriptor value too large")]
    Mfile = 33,
    #[error("too many links")]
    Mlink = 34,
    #[error("message too large")]
    Msgsize = 35,
    #[error("reserved")]
    Multihop = 36,
    #[error("filename too long")]
    Nametoolong = 37,
    #[error("network is down")]
    Netdown = 38,
    #[error("connection aborted by network")]
    Netreset = 39,
    #[error("network unreachable")]
    Netunreach = 40,
    #[error("too many files open in system")]
    Nfile = 41,
    #[error("no buffer space available")]
    Nobufs = 42,
    #[error("no such device")]
    Nodev = 43,
    #[error("no such file or directory")]
    Noent = 44,
    #[error("executable file format error")]
    Noexec = 45,
    #[error("no locks available")]
    Nolck = 46,
    #[error("reserved")]
    Nolink = 47,
    #[error("not enough space")]
    Nomem = 48,
    #[error("no message of the desired type")]
    Nomsg = 49,
    #[error("protocol not available")]
    Noprotoopt = 50,
    #[error("no space left on device")]
    Nospc = 51,
    #[error("function not supported")]
    Nosys = 52,
    #[error("the socket is not connected")]
    Notconn = 53,
    #[error("not a directory or a symbolic link to a directory")]
    Notdir = 54,
    #[error("directory not empty")]
    Notempty = 55,
    #[error("state not recoverable")]
    Notrecoverable = 56,
    #[error("not a socket")]
    Notsock = 57,
    #[error("not supported, or operation not supported on socket")]
    Notsup = 58,
    #[error("inappropriate i/o control operation")]
    Notty = 59,
    #[error("no such device or address")]
    Nxio = 60,
    #[error("value too large to be stored in data type")]
    Overflow = 61,
    #[error("previous owner died")]
    Ownerdead = 62,
    #[error("operation not permitted")]
    Perm = 63,
    #[error("broken pipe")]
    Pipe = 64,
    #[error("protocol error")]
    Proto = 65,
    #[error("protocol not supported")]
    Protonosupport = 66,
    #[error("protocol wrong type for socket")]
    Prototype = 67,
    #[error("result too large")]
    Range = 68,
    #[error("read-only file system")]
    Rofs = 69,
    #[error("invalid seek")]
    Spipe = 70,
    #[error("no such process")]
    Srch = 71,
    #[error("reserved")]
    Stale = 72,
    #[error("connection timed out")]
    Timedout = 73,
    #[error("text file busy")]
    Txtbsy = 74,
    #[error("cross-device link")]
    Xdev = 75,
    #[error("extension: capabilities insufficient")]
    Notcapable = 76,
    // WasmEdge's extension: `sock_getaddrinfo` failures (`EAI_*`).
    #[error("address family for the host name not supported")]
    Aiaddrfamily = 77,
    #[error("temporary failure in name resolution")]
    Aiagain = 78,
    #[error("bad value for ai_flags")]
    Aibadflag = 79,
    #[error("non-recoverable failure in name resolution")]
    Aifail = 80,
    #[error("address family not supported by name resolution")]
    Aifamily = 81,
    #[error("memory allocation failure in name resolution")]
    Aimemory = 82,
    #[error("no address associated with the host name")]
    Ainodata = 83,
    #[error("name or service not known")]
    Ainoname = 84,
    #[error("service not supported for the socket type")]
    Aiservice = 85,
    #[error("socket type not supported")]
    Aisocktype = 86,
    #[error("system error in name resolution")]
    Aisystem = 87,
}

impl Errno {
    /// The number the guest sees.
    pub fn raw(self) -> u16 {
        self as u16
    }
}

impl From<rustix::io::Errno> for Errno {
    fn from(e: rustix::io::Errno) -> Errno {
        from_host(e.raw_os_error()).unwrap_or(Errno::Io)
    }
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        if let Some(errno) = e.raw_os_error().and_then(from_host) {
            return errno;
        }
        // Errors without an OS code come from cap-std's own path resolution (an escape from
        // the sandbox is `PermissionDenied`) or from std's argument checks.
        match e.kind() {
            io::ErrorKind::PermissionDenied => Errno::Perm,
            io::ErrorKind::NotFound => Errno::Noent,
            io::ErrorKind::AlreadyExists => Errno::Exist,
            io::ErrorKind::InvalidInput => Errno::Inval,
            io::ErrorKind::InvalidData => Errno::Ilseq,
            io::ErrorKind::WouldBlock => Errno::Again,
            io::ErrorKind::Interrupted => Errno::Intr,
            io::ErrorKind::BrokenPipe => Errno::Pipe,
            io::ErrorKind::Unsupported => Errno::Notsup,
            io::ErrorKind::OutOfMemory => Errno::Nomem,
            io::ErrorKind::NotADirectory => Errno::Notdir,
            io::ErrorKind::IsADirectory => Errno::Isdir,
            io::ErrorKind::DirectoryNotEmpty => Errno::Notempty,
            _ => Errno::Io,
        }
    }
}

/// Maps a host (Linux/POSIX) error number to the WASI one.
fn from_host(code: i32) -> Option<Errno> {
    use rustix::io::Errno as E;
    // rustix takes only real error numbers (1..4096); anything else is no known error.
    if !(1..4096).contains(&code) {
        return None;
    }
    let e = E::from_raw_os_error(code);
    Some(match e {
        E::TOOBIG => Errno::TooBig,
        E::ACCESS => Errno::Acces,
        E::ADDRINUSE => Errno::Addrinuse,
        E::ADDRNOTAVAIL => Errno::Addrnotavail,
        E::AFNOSUPPORT => Errno::Afnosupport,
        E::AGAIN => Errno::Again,
        E::ALREADY => Errno::Already,
        E::BADF => Errno::Badf,
        E::BADMSG => Errno::Badmsg,
        E::BUSY => Errno::Busy,
        E::CANCELED => Errno::Canceled,
        E::CHILD => Errno::Child,
        E::CONNABORTED => Errno::Connaborted,
        E::CONNREFUSED => Errno::Connrefused,
        E::CONNRESET => Errno::Connreset,
        E::DEADLK => Errno::Deadlk,
        E::DESTADDRREQ => Errno::Destaddrreq,
        E::DOM => Errno::Dom,
        E::DQUOT => Errno::Dquot,
        E::EXIST => Errno::Exist,
        E::FAULT => Errno::Fault,
        E::FBIG => Errno::Fbig,
        E::HOSTUNREACH => Errno::Hostunreach,
        E::IDRM => Errno::Idrm,
        E::ILSEQ => Errno::Ilseq,
        E::INPROGRESS => Errno::Inprogress,
        E::INTR => Errno::Intr,
        E::INVAL => Errno::Inval,
        E::IO => Errno::Io,
        E::ISCONN => Errno::Isconn,
        E::ISDIR => Errno::Isdir,
        E::LOOP => Errno::Loop,
        E::MFILE => Errno::Mfile,
        E::MLINK => Errno::Mlink,
        E::MSGSIZE => Errno::Msgsize,
        E::MULTIHOP => Errno::Multihop,
        E::NAMETOOLONG => Errno::Nametoolong,
        E::NETDOWN => Errno::Netdown,
        E::NETRESET => Errno::Netreset,
        E::NETUNREACH => Errno::Netunreach,
        E::NFILE => Errno::Nfile,
        E::NOBUFS => Errno::Nobufs,
        E::NODEV => Errno::Nodev,
        E::NOENT => Errno::Noent,
        E::NOEXEC => Errno::Noexec,
        E::NOLCK => Errno::Nolck,
        E::NOLINK => Errno::Nolink,
        E::NOMEM => Errno::Nomem,
        E::NOMSG => Errno::Nomsg,
        E::NOPROTOOPT => Errno::Noprotoopt,
        E::NOSPC => Errno::Nospc,
        E::NOSYS => Errno::Nosys,
        E::NOTCONN => Errno::Notconn,
        E::NOTDIR => Errno::Notdir,
        E::NOTEMPTY => Errno::Notempty,
        E::NOTRECOVERABLE => Errno::Notrecoverable,
        E::NOTSOCK => Errno::Notsock,
        E::NOTSUP => Errno::Notsup,
        E::NOTTY => Errno::Notty,
        E::NXIO => Errno::Nxio,
        E::OVERFLOW => Errno::Overflow,
        E::OWNERDEAD => Errno::Ownerdead,
        E::PERM => Errno::Perm,
        E::PIPE => Errno::Pipe,
        E::PROTO => Errno::Proto,
        E::PROTONOSUPPORT => Errno::Protonosupport,
        E::PROTOTYPE => Errno::Prototype,
        E::RANGE => Errno::Range,
        E::ROFS => Errno::Rofs,
        E::SPIPE => Errno::Spipe,
        E::SRCH => Errno::Srch,
        E::STALE => Errno::Stale,
        E::TIMEDOUT => Errno::Timedout,
        E::TXTBSY => Errno::Txtbsy,
        E::XDEV => Errno::Xdev,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_witx() {
        assert_eq!(Errno::TooBig.raw(), 1);
        assert_eq!(Errno::Badf.raw(), 8);
        assert_eq!(Errno::Inval.raw(), 28);
        assert_eq!(Errno::Noent.raw(), 44);
        assert_eq!(Errno::Perm.raw(), 63);
        assert_eq!(Errno::Notcapable.raw(), 76);
        assert_eq!(Errno::Aiaddrfamily.raw(), 77);
        assert_eq!(Errno::Ainoname.raw(), 84);
        assert_eq!(Errno::Aisystem.raw(), 87);
    }

    #[test]
    fn host_errors_map_by_code_then_kind() {
        let noent = io::Error::from_raw_os_error(rustix::io::Errno::NOENT.raw_os_error());
        assert_eq!(Errno::from(noent), Errno::Noent);
        let eloop = io::Error::from_raw_os_error(rustix::io::Errno::LOOP.raw_os_error());
        assert_eq!(Errno::from(eloop), Errno::Loop);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "outside");
        assert_eq!(Errno::from(escape), Errno::Perm);
        // Not error numbers at all: no panic, just EIO.
        for code in [0, -1, 4096, i32::MAX] {
            assert_eq!(Errno::from(io::Error::from_raw_os_error(code)), Errno::Io);
        }
    }
}
