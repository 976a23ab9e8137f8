//! Registers WasmEdge's socket extension of `wasi_snapshot_preview1` and `epoll_oneoff`.
//!
//! WasmEdge's binding rule: a plain name imported with its first signature gets version 1;
//! imported with the signature of the `_v2` function it gets version 2 (for `sock_accept`,
//! `sock_recv_from`, `sock_getlocaladdr` and `sock_getpeeraddr`, whose signatures differ).
//! Where the two signatures are equal the plain name always means version 1. The linker's
//! overloads ([`Linker::func_wrap_overload`]) express exactly this.

use super::{with_memory, without_memory, GetCtx, MODULE};
use crate::poll::{self, SubLayout};
use crate::sock::{self, Ver};
use wedge::{Caller, Linker, Trap};

/// Like `mem_fn!`, adding a second signature to a name (see the module documentation).
macro_rules! mem_overload {
    ($linker:ident, $get:ident, $module:ident, $name:literal, |$ctx:ident, $mem:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {
        $linker.func_wrap_overload(
            $module,
            $name,
            move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> Result<i32, Trap> {
                with_memory(&mut caller, $get, |$ctx, $mem| $body)
            },
        )?;
    };
}

/// The socket functions of preview1 proper (also in `wasi_unstable`): `sock_recv`,
/// `sock_send`, `sock_shutdown`.
pub fn add_common<T: 'static>(
    linker: &mut Linker<T>,
    get: GetCtx<T>,
    module: &'static str,
) -> Result<(), wedge::Error> {
    add_recv_send(linker, get, module, "sock_recv", "sock_send")?;
    plain_fn!(
        linker,
        get,
        module,
        "sock_shutdown",
        |ctx, fd: u32, how: u32| { sock::sock_shutdown(ctx, fd, how) }
    );
    Ok(())
}

/// `sock_recv` and `sock_send` under the given names (V1 and V2 are the same functions).
fn add_recv_send<T: 'static>(
    linker: &mut Linker<T>,
    get: GetCtx<T>,
    module: &'static str,
    recv: &str,
    send: &str,
) -> Result<(), wedge::Error> {
    linker.func_wrap(
        module,
        recv,
        move |mut caller: Caller<'_, T>,
              fd: u32,
              iovs: u32,
              n: u32,
              flags: u32,
              len: u32,
              oflags: u32|
              -> Result<i32, Trap> {
            with_memory(&mut caller, get, |ctx, mem| {
                sock::sock_recv(ctx, mem, fd, iovs, n, flags, len, oflags)
            })
        },
    )?;
    linker.func_wrap(
        module,
        send,
        move |mut caller: Caller<'_, T>,
              fd: u32,
              iovs: u32,
              n: u32,
              flags: u32,
              len: u32|
              -> Result<i32, Trap> {
            with_memory(&mut caller, get, |ctx, mem| {
                sock::sock_send(ctx, mem, fd, iovs, n, flags, len)
            })
        },
    )?;
    Ok(())
}

/// Every socket function of WasmEdge's `wasi_snapshot_preview1`, and `epoll_oneoff`.
pub fn add_preview1<T: 'static>(
    linker: &mut Linker<T>,
    get: GetCtx<T>,
) -> Result<(), wedge::Error> {
    let module = MODULE;
    add_common(linker, get, module)?;
    add_recv_send(linker, get, module, "sock_recv_v2", "sock_send_v2")?;
    for name in ["sock_open", "sock_open_v2"] {
        linker.func_wrap(
            module,
            name,
            move |mut caller: Caller<'_, T>, af: u32, ty: u32, out: u32| -> Result<i32, Trap> {
                with_memory(&mut caller, get, |ctx, mem| {
                    sock::sock_open(ctx, mem, af, ty, out)
                })
            },
        )?;
    }
    for (name, ver) in [("sock_bind", Ver::V1), ("sock_bind_v2", Ver::V2)] {
        linker.func_wrap(
            module,
            name,
            move |mut caller: Caller<'_, T>, fd: u32, addr: u32, port: u32| -> Result<i32, Trap> {
                with_memory(&mut caller, get, |ctx, mem| {
                    sock::sock_bind(ctx, mem, fd, addr, port, ver)
                })
            },
        )?;
    }
    for (name, ver) in [("sock_connect", Ver::V1), ("sock_connect_v2", Ver::V2)] {
        linker.func_wrap(
            module,
            name,
            move |mut caller: Caller<'_, T>, fd: u32, addr: u32, port: u32| -> Result<i32, Trap> {
                with_memory(&mut caller, get, |ctx, mem| {
                    sock::sock_connect(ctx, mem, fd, addr, port, ver)
                })
            },
        )?;
    }
    for name in ["sock_listen", "sock_listen_v2"] {
        linker.func_wrap(
            module,
            name,
            move |mut caller: Caller<'_, T>, fd: u32, backlog: u32| -> Result<i32, Trap> {
                without_memory(&mut caller, get, |ctx| sock::sock_listen(ctx, fd, backlog))
            },
        )?;
    }

    // sock_accept: V1 (fd, out); V2 = preview1's (fd, flags, out).
    mem_fn!(
        linker,
        get,
        module,
        "sock_accept",
        |ctx, mem, fd: u32, out: u32| { sock::sock_accept(ctx, mem, fd, 0, out) }
    );
    mem_overload!(
        linker,
        get,
        module,
        "sock_accept",
        |ctx, mem, fd: u32, flags: u32, out: u32| sock::sock_accept(ctx, mem, fd, flags, out)
    );
    mem_fn!(
        linker,
        get,
        module,
        "sock_accept_v2",
        |ctx, mem, fd: u32, flags: u32, out: u32| sock::sock_accept(ctx, mem, fd, flags, out)
    );

    // sock_recv_from: V1 has no port out-parameter; V2 has one before out_len.
    mem_fn!(
        linker,
        get,
        module,
        "sock_recv_from",
        |ctx, mem, fd: u32, iovs: u32, n: u32, addr: u32, flags: u32, len: u32, oflags: u32| {
            sock::sock_recv_from(ctx, mem, fd, iovs, n, addr, flags, None, len, oflags)
        }
    );
    for overload in [true, false] {
        let name = if overload {
            "sock_recv_from"
        } else {
            "sock_recv_from_v2"
        };
        let f = move |mut caller: Caller<'_, T>,
                      fd: u32,
                      iovs: u32,
                      n: u32,
                      addr: u32,
                      flags: u32,
                      port: u32,
                      len: u32,
                      oflags: u32|
              -> Result<i32, Trap> {
            with_memory(&mut caller, get, |ctx, mem| {
                sock::sock_recv_from(ctx, mem, fd, iovs, n, addr, flags, Some(port), len, oflags)
            })
        };
        if overload {
            linker.func_wrap_overload(module, name, f)?;
        } else {
            linker.func_wrap(module, name, f)?;
        }
    }

    for (name, ver) in [("sock_send_to", Ver::V1), ("sock_send_to_v2", Ver::V2)] {
        linker.func_wrap(
            module,
            name,
            move |mut caller: Caller<'_, T>,
                  fd: u32,
                  iovs: u32,
                  n: u32,
                  addr: u32,
                  port: u32,
                  flags: u32,
                  len: u32|
                  -> Result<i32, Trap> {
                with_memory(&mut caller, get, |ctx, mem| {
                    sock::sock_send_to(ctx, mem, fd, iovs, n, addr, port, flags, len, ver)
                })
            },
        )?;
    }

    // sock_getlocaladdr / sock_getpeeraddr: V1 (fd, addr, out_type, out_port); V2 (fd, addr,
    // out_port).
    for (name, name_v2, peer) in [
        ("sock_getlocaladdr", "sock_getlocaladdr_v2", false),
        ("sock_getpeeraddr", "sock_getpeeraddr_v2", true),
    ] {
        let v1 = move |mut caller: Caller<'_, T>,
                       fd: u32,
                       addr: u32,
                       kind: u32,
                       port: u32|
              -> Result<i32, Trap> {
            with_memory(&mut caller, get, |ctx, mem| {
                let end = if peer {
                    sock::End::Peer
                } else {
                    sock::End::Local
                };
                sock::sock_getaddr(ctx, mem, fd, addr, Some(kind), port, end)
            })
        };
        let v2 =
            move |mut caller: Caller<'_, T>, fd: u32, addr: u32, port: u32| -> Result<i32, Trap> {
                with_memory(&mut caller, get, |ctx, mem| {
                    let end = if peer {
                        sock::End::Peer
                    } else {
                        sock::End::Local
                    };
                    sock::sock_getaddr(ctx, mem, fd, addr, None, port, end)
                })
            };
        linker.func_wrap(module, name, v1)?;
        linker.func_wrap_overload(module, name, v2)?;
        linker.func_wrap(module, name_v2, v2)?;
    }

    mem_fn!(
        linker,
        get,
        module,
        "sock_getsockopt",
        |ctx, mem, fd: u32, level: u32, name: u32, val: u32, len: u32| {
            sock::sock_getsockopt(ctx, mem, fd, level, name, val, len)
        }
    );
    mem_fn!(
        linker,
        get,
        module,
        "sock_setsockopt",
        |ctx, mem, fd: u32, level: u32, name: u32, val: u32, len: u32| {
            sock::sock_setsockopt(ctx, mem, fd, level, name, val, len)
        }
    );
    linker.func_wrap(
        module,
        "sock_getaddrinfo",
        move |mut caller: Caller<'_, T>,
              node: u32,
              node_len: u32,
              service: u32,
              service_len: u32,
              hints: u32,
              res: u32,
              max: u32,
              out_len: u32|
              -> Result<i32, Trap> {
            with_memory(&mut caller, get, |ctx, mem| {
                sock::sock_getaddrinfo(
                    ctx,
                    mem,
                    node,
                    node_len,
                    service,
                    service_len,
                    hints,
                    res,
                    max,
                    out_len,
                )
            })
        },
    )?;
    // WasmEdge's edge-triggered twin of poll_oneoff. WasmEdge re-arms every subscribed
    // descriptor on each call, so guests (which resubscribe each time) see the same events
    // as from poll_oneoff; this is poll_oneoff.
    mem_fn!(
        linker,
        get,
        module,
        "epoll_oneoff",
        |ctx, mem, subs: u32, events: u32, n: u32, nevents: u32| poll::poll_oneoff(
            ctx,
            mem,
            subs,
            events,
            n,
            nevents,
            SubLayout::PREVIEW1
        )
    );
    Ok(())
}
