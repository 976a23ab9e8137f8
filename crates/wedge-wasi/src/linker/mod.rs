//! Registers every `wasi_snapshot_preview1` function with a [`Linker`].

use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::GuestMemory;
use crate::poll::SubLayout;
use crate::process::Raise;
use crate::types::{whence, Abi};
use crate::{clock, fd_io, fd_meta, path, poll, process};
use wedge::{Caller, Extern, Linker, Trap};

/// The import module name of WASI preview1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// The import module name of the WASI snapshot before preview1.
pub const UNSTABLE_MODULE: &str = "wasi_unstable";

/// How a host function finds the WASI context in the store's data.
pub type GetCtx<T> = fn(&mut T) -> &mut WasiCtx;

/// Runs a WASI function that uses guest memory; its errno becomes the wasm result.
fn with_memory<T>(
    caller: &mut Caller<'_, T>,
    get: GetCtx<T>,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> Result<(), Errno>,
) -> Result<i32, Trap> {
    let memory = caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Trap::host("WASI needs the module to export its memory as `memory`"))?;
    let (bytes, data) = memory.data_and_store_mut(caller);
    let mut mem = GuestMemory::new(bytes);
    Ok(errno_result(f(get(data), &mut mem)))
}

/// Runs a WASI function that does not touch guest memory.
fn without_memory<T>(
    caller: &mut Caller<'_, T>,
    get: GetCtx<T>,
    f: impl FnOnce(&mut WasiCtx) -> Result<(), Errno>,
) -> Result<i32, Trap> {
    Ok(errno_result(f(get(caller.data_mut()))))
}

fn errno_result(r: Result<(), Errno>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.raw() as i32,
    }
}

/// Narrows an `i32` argument to a smaller ABI type (`u8` enums, `u16` flags): `EINVAL` if the
/// guest passed a value that does not fit.
fn narrow<N: TryFrom<u32>>(v: u32) -> Result<N, Errno> {
    N::try_from(v).map_err(|_| Errno::Inval)
}

/// `fd_seek`'s `whence` in preview1's numbering (`wasi_unstable` numbers CUR, END, SET).
fn whence_of(abi: Abi, w: u8) -> Result<u8, Errno> {
    match (abi, w) {
        (Abi::Preview1, w) => Ok(w),
        (Abi::Unstable, 0) => Ok(whence::CUR),
        (Abi::Unstable, 1) => Ok(whence::END),
        (Abi::Unstable, 2) => Ok(whence::SET),
        _ => Err(Errno::Inval),
    }
}

macro_rules! mem_fn {
    ($linker:ident, $get:ident, $module:ident, $name:literal, |$ctx:ident, $mem:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {
        $linker.func_wrap(
            $module,
            $name,
            move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> Result<i32, Trap> {
                with_memory(&mut caller, $get, |$ctx, $mem| $body)
            },
        )?;
    };
}

macro_rules! plain_fn {
    ($linker:ident, $get:ident, $module:ident, $name:literal, |$ctx:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {
        $linker.func_wrap(
            $module,
            $name,
            move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> Result<i32, Trap> {
                without_memory(&mut caller, $get, |$ctx| $body)
            },
        )?;
    };
}

/// Defines every function of `wasi_snapshot_preview1` with WasmEdge's socket extension, and
/// of the older `wasi_unstable`, in `linker`, reading the context with `get` from the store's
/// data.
///
/// ```
/// use wedge::*;
/// struct Host { wasi: wedge_wasi::WasiCtx }
/// let engine = Engine::default();
/// let mut linker = Linker::new(&engine);
/// wedge_wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi)?;
/// let module = Module::new(&engine, r#"(module
///     (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
///     (memory (export "memory") 1)
///     (func (export "go") (result i32) (call $r (i32.const 0) (i32.const 16))))"#)?;
/// let wasi = wedge_wasi::WasiCtxBuilder::new().build().unwrap();
/// let mut store = Store::new(&engine, Host { wasi });
/// let instance = linker.instantiate(&mut store, &module)?;
/// let go = instance.get_typed_func::<(), i32>(&store, "go")?;
/// assert_eq!(go.call(&mut store, ())?, 0);
/// # Ok::<(), wedge::Error>(())
/// ```
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: GetCtx<T>,
) -> Result<(), wedge::Error> {
    add_module(linker, get, MODULE, Abi::Preview1)?;
    sockets::add_preview1(linker, get)?;
    add_module(linker, get, UNSTABLE_MODULE, Abi::Unstable)?;
    sockets::add_common(linker, get, UNSTABLE_MODULE)
}

/// Defines the functions `module` shares with preview1 (all but the sockets), in the
/// flavour of `abi`.
fn add_module<T: 'static>(
    linker: &mut Linker<T>,
    get: GetCtx<T>,
    module: &'static str,
    abi: Abi,
) -> Result<(), wedge::Error> {
    mem_fn!(
        linker,
        get,
        module,
        "args_get",
        |ctx, mem, argv: u32, buf: u32| { process::args_get(ctx, mem, argv, buf) }
    );
    mem_fn!(
        linker,
        get,
        module,
        "args_sizes_get",
        |ctx, mem, count: u32, size: u32| process::args_sizes_get(ctx, mem, count, size)
    );
    mem_fn!(
        linker,
        get,
        module,
        "environ_get",
        |ctx, mem, env: u32, buf: u32| process::environ_get(ctx, mem, env, buf)
    );
    mem_fn!(
        linker,
        get,
        module,
        "environ_sizes_get",
        |ctx, mem, count: u32, size: u32| process::environ_sizes_get(ctx, mem, count, size)
    );
    mem_fn!(
        linker,
        get,
        module,
        "clock_res_get",
        |ctx, mem, id: u32, out: u32| clock::clock_res_get(ctx, mem, id, out)
    );
    mem_fn!(
        linker,
        get,
        module,
        "clock_time_get",
        |ctx, mem, id: u32, precision: u64, out: u32| clock::clock_time_get(
            ctx, mem, id, precision, out
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "random_get",
        |ctx, mem, buf: u32, len: u32| { clock::random_get(ctx, mem, buf, len) }
    );

    plain_fn!(
        linker,
        get,
        module,
        "fd_advise",
        |ctx, fd: u32, offset: u64, len: u64, advice: u32| fd_meta::fd_advise(
            ctx,
            fd,
            offset,
            len,
            narrow(advice)?
        )
    );
    plain_fn!(
        linker,
        get,
        module,
        "fd_allocate",
        |ctx, fd: u32, offset: u64, len: u64| fd_meta::fd_allocate(ctx, fd, offset, len)
    );
    plain_fn!(linker, get, module, "fd_close", |ctx, fd: u32| {
        fd_meta::fd_close(ctx, fd)
    });
    plain_fn!(linker, get, module, "fd_datasync", |ctx, fd: u32| {
        fd_meta::fd_datasync(ctx, fd)
    });
    plain_fn!(linker, get, module, "fd_sync", |ctx, fd: u32| {
        fd_meta::fd_sync(ctx, fd)
    });
    mem_fn!(
        linker,
        get,
        module,
        "fd_fdstat_get",
        |ctx, mem, fd: u32, out: u32| fd_meta::fd_fdstat_get(ctx, mem, fd, out)
    );
    plain_fn!(
        linker,
        get,
        module,
        "fd_fdstat_set_flags",
        |ctx, fd: u32, flags: u32| fd_meta::fd_fdstat_set_flags(ctx, fd, narrow(flags)?)
    );
    plain_fn!(
        linker,
        get,
        module,
        "fd_fdstat_set_rights",
        |ctx, fd: u32, base: u64, inheriting: u64| fd_meta::fd_fdstat_set_rights(
            ctx, fd, base, inheriting
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_filestat_get",
        |ctx, mem, fd: u32, out: u32| fd_meta::fd_filestat_get(ctx, mem, fd, out, abi)
    );
    plain_fn!(
        linker,
        get,
        module,
        "fd_filestat_set_size",
        |ctx, fd: u32, size: u64| fd_meta::fd_filestat_set_size(ctx, fd, size)
    );
    plain_fn!(
        linker,
        get,
        module,
        "fd_filestat_set_times",
        |ctx, fd: u32, atim: u64, mtim: u64, flags: u32| fd_meta::fd_filestat_set_times(
            ctx,
            fd,
            atim,
            mtim,
            narrow(flags)?
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_pread",
        |ctx, mem, fd: u32, iovs: u32, len: u32, offset: u64, nread: u32| fd_io::fd_pread(
            ctx, mem, fd, iovs, len, offset, nread
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_prestat_get",
        |ctx, mem, fd: u32, out: u32| fd_meta::fd_prestat_get(ctx, mem, fd, out)
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_prestat_dir_name",
        |ctx, mem, fd: u32, path: u32, len: u32| fd_meta::fd_prestat_dir_name(
            ctx, mem, fd, path, len
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_pwrite",
        |ctx, mem, fd: u32, iovs: u32, len: u32, offset: u64, nwritten: u32| fd_io::fd_pwrite(
            ctx, mem, fd, iovs, len, offset, nwritten
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_read",
        |ctx, mem, fd: u32, iovs: u32, len: u32, nread: u32| fd_io::fd_read(
            ctx, mem, fd, iovs, len, nread
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_readdir",
        |ctx, mem, fd: u32, buf: u32, len: u32, cookie: u64, used: u32| fd_meta::fd_readdir(
            ctx, mem, fd, buf, len, cookie, used
        )
    );
    plain_fn!(
        linker,
        get,
        module,
        "fd_renumber",
        |ctx, from: u32, to: u32| { fd_meta::fd_renumber(ctx, from, to) }
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_seek",
        |ctx, mem, fd: u32, offset: i64, whence: u32, out: u32| fd_io::fd_seek(
            ctx,
            mem,
            fd,
            offset,
            whence_of(abi, narrow(whence)?)?,
            out
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_tell",
        |ctx, mem, fd: u32, out: u32| { fd_io::fd_tell(ctx, mem, fd, out) }
    );
    mem_fn!(
        linker,
        get,
        module,
        "fd_write",
        |ctx, mem, fd: u32, iovs: u32, len: u32, nwritten: u32| fd_io::fd_write(
            ctx, mem, fd, iovs, len, nwritten
        )
    );

    mem_fn!(
        linker,
        get,
        module,
        "path_create_directory",
        |ctx, mem, fd: u32, path: u32, len: u32| path::path_create_directory(
            ctx, mem, fd, path, len
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "path_filestat_get",
        |ctx, mem, fd: u32, flags: u32, path: u32, len: u32, out: u32| path::path_filestat_get(
            ctx, mem, fd, flags, path, len, out, abi
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "path_filestat_set_times",
        |ctx, mem, fd: u32, flags: u32, path: u32, len: u32, atim: u64, mtim: u64, fst: u32| {
            path::path_filestat_set_times(ctx, mem, fd, flags, path, len, atim, mtim, narrow(fst)?)
        }
    );
    mem_fn!(
        linker,
        get,
        module,
        "path_link",
        |ctx,
         mem,
         old_fd: u32,
         old_flags: u32,
         old: u32,
         old_len: u32,
         new_fd: u32,
         new: u32,
         new_len: u32| path::path_link(
            ctx, mem, old_fd, old_flags, old, old_len, new_fd, new, new_len
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "path_open",
        |ctx,
         mem,
         fd: u32,
         dirflags: u32,
         path: u32,
         len: u32,
         oflags: u32,
         base: u64,
         inheriting: u64,
         fdflags: u32,
         out: u32| path::path_open(
            ctx,
            mem,
            fd,
            dirflags,
            path,
            len,
            narrow(oflags)?,
            base,
            inheriting,
            narrow(fdflags)?,
            out
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "path_readlink",
        |ctx, mem, fd: u32, path: u32, len: u32, buf: u32, buf_len: u32, used: u32| {
            path::path_readlink(ctx, mem, fd, path, len, buf, buf_len, used)
        }
    );
    mem_fn!(
        linker,
        get,
        module,
        "path_remove_directory",
        |ctx, mem, fd: u32, path: u32, len: u32| path::path_remove_directory(
            ctx, mem, fd, path, len
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "path_rename",
        |ctx, mem, fd: u32, old: u32, old_len: u32, new_fd: u32, new: u32, new_len: u32| {
            path::path_rename(ctx, mem, fd, old, old_len, new_fd, new, new_len)
        }
    );
    mem_fn!(
        linker,
        get,
        module,
        "path_symlink",
        |ctx, mem, old: u32, old_len: u32, fd: u32, new: u32, new_len: u32| path::path_symlink(
            ctx, mem, old, old_len, fd, new, new_len
        )
    );
    mem_fn!(
        linker,
        get,
        module,
        "path_unlink_file",
        |ctx, mem, fd: u32, path: u32, len: u32| path::path_unlink_file(ctx, mem, fd, path, len)
    );

    mem_fn!(
        linker,
        get,
        module,
        "poll_oneoff",
        |ctx, mem, subs: u32, events: u32, n: u32, nevents: u32| poll::poll_oneoff(
            ctx,
            mem,
            subs,
            events,
            n,
            nevents,
            match abi {
                Abi::Preview1 => SubLayout::PREVIEW1,
                Abi::Unstable => SubLayout::UNSTABLE,
            }
        )
    );
    linker.func_wrap(
        module,
        "proc_exit",
        |_caller: Caller<'_, T>, code: u32| -> Result<(), Trap> { Err(Trap::exit(code as i32)) },
    )?;
    linker.func_wrap(
        module,
        "proc_raise",
        |_caller: Caller<'_, T>, sig: u32| -> Result<i32, Trap> {
            match process::proc_raise(sig) {
                Ok(Raise::Ignore) => Ok(0),
                Ok(Raise::Terminate(name)) => {
                    Err(Trap::host(format!("the guest raised signal SIG{name}")))
                }
                Err(e) => Ok(e.raw() as i32),
            }
        },
    )?;
    plain_fn!(linker, get, module, "sched_yield", |ctx| {
        process::sched_yield(ctx)
    });

    Ok(())
}

mod sockets;
