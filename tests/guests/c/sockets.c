/* An ABI probe of WasmEdge's socket extension: calls every sock_* function (both versions,
 * plain names bound by signature), poll_oneoff/epoll_oneoff on sockets and
 * sock_getaddrinfo, and checks results and exact errnos, including misuse (bad pointers,
 * misaligned records, huge iovec counts, unknown descriptors, files as sockets, sockets as
 * files, unsupported families). Everything happens on loopback between its own sockets.
 *
 *   sockets probe          the whole probe; prints "probe: ok"
 *   sockets emfile         opens sockets until the descriptor limit; prints the count
 *   sockets cycle N        opens and closes a socket N times (waiting on every tenth)
 *   sockets connect IP PORT / sendto IP PORT / bind IP PORT
 *                          one call under the network policy; prints "errno N"
 *   sockets dns NAME       resolves NAME; prints "errno N" and the first IPv4 address
 */
#include <string.h>
#include <unistd.h>

#include "net.h"

static uint8_t LOOP4[4] = {127, 0, 0, 1};

static uint32_t mem_end(void) { return (uint32_t)__builtin_wasm_memory_size(0) * 65536u; }

static int32_t open_sock(int af, int type) {
    int32_t fd = -1;
    EXPECT(sock_open(af, type, &fd), 0);
    return fd;
}

/* The port of a socket's local address (through the V1 form). */
static uint32_t local_port(int32_t fd) {
    uint8_t buf[16];
    waddr a = {buf, 16};
    uint32_t type = 0, port = 0;
    EXPECT(sock_getlocaladdr_v1(fd, &a, &type, &port), 0);
    return port;
}

static void set_nonblocking(int32_t fd, int on) {
    EXPECT(__wasi_fd_fdstat_set_flags(fd, on ? __WASI_FDFLAGS_NONBLOCK : 0), 0);
}

/* Waits (up to 5 s) for one subscription on fd; returns the event type that fired. */
static int wait_fd(int32_t fd, int write) {
    __wasi_subscription_t subs[2];
    memset(subs, 0, sizeof subs);
    subs[0].userdata = 1;
    subs[0].u.tag = write ? __WASI_EVENTTYPE_FD_WRITE : __WASI_EVENTTYPE_FD_READ;
    subs[0].u.u.fd_read.file_descriptor = fd;
    subs[1].userdata = 2;
    subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[1].u.u.clock.timeout = 5000000000ull;
    __wasi_event_t ev[2];
    __wasi_size_t n = 0;
    EXPECT(__wasi_poll_oneoff(subs, ev, 2, &n), 0);
    CHECK(n >= 1);
    return ev[0].userdata == 1 ? ev[0].type : -1;
}

static void send_all(int32_t fd, const char *s) {
    wiovec v = {(uint8_t *)s, (uint32_t)strlen(s)};
    uint32_t n = 0;
    EXPECT(sock_send_(fd, &v, 1, 0, &n), 0);
    EXPECT(n, strlen(s));
}

static void recv_exact(int32_t fd, const char *want) {
    char buf[64] = {0};
    size_t got = 0, len = strlen(want);
    while (got < len) {
        wiovec v = {(uint8_t *)buf + got, (uint32_t)(len - got)};
        uint32_t n = 0;
        uint16_t of = 0;
        EXPECT(sock_recv_(fd, &v, 1, 0, &n, &of), 0);
        CHECK(n > 0);
        got += n;
    }
    if (memcmp(buf, want, len) != 0) {
        printf("FAIL received %s, want %s\n", buf, want);
        exit(1);
    }
}

static void bad_arguments(void) {
    int32_t fd = 0;
    uint32_t end = mem_end();
    /* sock_open: families and types. */
    EXPECT(sock_open(0, STREAM, &fd), __WASI_ERRNO_INVAL);
    EXPECT(sock_open(4, STREAM, &fd), __WASI_ERRNO_INVAL);
    EXPECT(sock_open(AFUNIX, STREAM, &fd), __WASI_ERRNO_NOSYS);
    EXPECT(sock_open(AF4, 0, &fd), __WASI_ERRNO_INVAL);
    EXPECT(sock_open(AF4, 3, &fd), __WASI_ERRNO_INVAL);
    EXPECT(sock_open(AF4, STREAM, (int32_t *)1), __WASI_ERRNO_ADDRNOTAVAIL);
    EXPECT(sock_open(AF4, STREAM, (int32_t *)end), __WASI_ERRNO_FAULT);

    int32_t s = open_sock(AF4, STREAM);
    waddr a = {LOOP4, 4};
    /* Address records: misaligned, out of bounds, wrong lengths, families. */
    EXPECT(sock_bind(s, (waddr *)((char *)&a + 1), 0), __WASI_ERRNO_ADDRNOTAVAIL);
    EXPECT(sock_bind(s, (waddr *)(end - 4), 0), __WASI_ERRNO_FAULT);
    waddr far = {(uint8_t *)(end - 2), 4};
    EXPECT(sock_connect(s, &far, 1), __WASI_ERRNO_FAULT);
    waddr five = {LOOP4, 5};
    EXPECT(sock_bind(s, &five, 0), __WASI_ERRNO_INVAL);
    uint8_t storage[128] = {0};
    waddr st = {storage, 128};
    EXPECT(sock_bind(s, &st, 0), __WASI_ERRNO_INVAL); /* V1 takes no storage */
    storage[0] = AFUNIX;
    EXPECT(sock_bind_v2(s, &st, 0), __WASI_ERRNO_AFNOSUPPORT);
    storage[0] = 9;
    EXPECT(sock_bind_v2(s, &st, 0), __WASI_ERRNO_INVAL);
    EXPECT(sock_connect_v2(s, &st, 1), __WASI_ERRNO_INVAL);

    /* Unknown descriptors; descriptors that are not sockets. */
    EXPECT(sock_bind(9999, &a, 0), __WASI_ERRNO_BADF);
    EXPECT(sock_listen(-1, 1), __WASI_ERRNO_BADF);
    EXPECT(sock_listen(1, 1), __WASI_ERRNO_NOTSOCK);
    EXPECT(sock_connect(0, &a, 1), __WASI_ERRNO_NOTSOCK);
    uint8_t b[8];
    wiovec v = {b, 8};
    uint32_t n = 0;
    uint16_t of = 0;
    EXPECT(sock_recv_(1, &v, 1, 0, &n, &of), __WASI_ERRNO_NOTSOCK);
    EXPECT(sock_send_(9999, &v, 1, 0, &n), __WASI_ERRNO_BADF);
    EXPECT(sock_shutdown_(2, 2), __WASI_ERRNO_NOTSOCK);
    EXPECT(sock_accept_3(1, 0, &fd), __WASI_ERRNO_NOTSOCK);

    /* iovec arrays: too many, misaligned, out of bounds; flags. */
    EXPECT(sock_recv_(s, &v, 1025, 0, &n, &of), __WASI_ERRNO_INVAL);
    EXPECT(sock_send_(s, &v, 100000000, 0, &n), __WASI_ERRNO_INVAL);
    EXPECT(sock_recv_(s, (wiovec *)((char *)&v + 2), 1, 0, &n, &of), __WASI_ERRNO_ADDRNOTAVAIL);
    EXPECT(sock_recv_(s, &v, 1, 0, (uint32_t *)((char *)&n + 1), &of),
           __WASI_ERRNO_ADDRNOTAVAIL);
    EXPECT(sock_recv_(s, &v, 1, 0, &n, (uint16_t *)((char *)&of + 1)),
           __WASI_ERRNO_ADDRNOTAVAIL);
    wiovec outside = {(uint8_t *)(end - 4), 8};
    EXPECT(sock_recv_(s, &outside, 1, 0, &n, &of), __WASI_ERRNO_FAULT);
    EXPECT(sock_send_(s, &outside, 1, 0, &n), __WASI_ERRNO_FAULT);
    EXPECT(sock_recv_(s, (wiovec *)(end - 4), 1, 0, &n, &of), __WASI_ERRNO_FAULT);
    EXPECT(sock_recv_(s, &v, 1, 4, &n, &of), __WASI_ERRNO_INVAL);
    EXPECT(sock_send_(s, &v, 1, 1, &n), __WASI_ERRNO_INVAL);
    EXPECT(sock_shutdown_(s, 4), __WASI_ERRNO_INVAL);
    EXPECT(sock_shutdown_(s, 0), __WASI_ERRNO_INVAL);
    EXPECT(sock_shutdown_(s, 3), __WASI_ERRNO_NOTCONN);
    EXPECT(sock_accept_v2(s, 0x40, &fd), __WASI_ERRNO_INVAL);
    EXPECT(sock_accept_v2(s, __WASI_FDFLAGS_SYNC, &fd), __WASI_ERRNO_INVAL);
    /* Options: only SOL_SOCKET and the 15 names. */
    int32_t one = 1;
    EXPECT(sock_setsockopt(s, 1, SO_REUSEADDR_, &one, 4), __WASI_ERRNO_INVAL);
    EXPECT(sock_setsockopt(s, 0, 15, &one, 4), __WASI_ERRNO_INVAL);
    EXPECT(sock_setsockopt(s, 0, SO_REUSEADDR_, (void *)(end - 2), 4), __WASI_ERRNO_FAULT);
    uint32_t len = 4;
    EXPECT(sock_getsockopt(s, 0, SO_TYPE_, &one, (uint32_t *)((char *)&len + 1)),
           __WASI_ERRNO_ADDRNOTAVAIL);

    /* A socket is no file: no seeking, no paths. */
    __wasi_filesize_t pos;
    EXPECT(__wasi_fd_seek(s, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_NOTCAPABLE);
    __wasi_fd_t out;
    EXPECT(__wasi_path_open(s, 0, "x", 0, 0, 0, 0, &out), __WASI_ERRNO_NOTDIR);
    EXPECT(__wasi_fd_close(s), 0);
    EXPECT(__wasi_fd_close(s), __WASI_ERRNO_BADF);
}

static void tcp(void) {
    int32_t lis = open_sock(AF4, STREAM);
    int32_t one = 1;
    EXPECT(sock_setsockopt(lis, 0, SO_REUSEADDR_, &one, 4), 0);
    waddr a = {LOOP4, 4};
    EXPECT(sock_bind(lis, &a, 0), 0);
    EXPECT(sock_listen(lis, 16), 0);
    uint32_t port = local_port(lis);
    CHECK(port != 0);

    /* Local address, all forms. */
    uint8_t raw[16];
    waddr r4 = {raw, 4}, r8 = {raw, 8};
    uint32_t type = 0, p = 0;
    EXPECT(sock_getlocaladdr_v1(lis, &r4, &type, &p), 0);
    EXPECT(type, 4);
    EXPECT(p, port);
    CHECK(memcmp(raw, LOOP4, 4) == 0);
    EXPECT(sock_getlocaladdr_v1(lis, &r8, &type, &p), __WASI_ERRNO_INVAL);
    uint8_t storage[128];
    waddr st = {storage, 128};
    memset(storage, 0xee, sizeof storage);
    EXPECT(sock_getlocaladdr_3(lis, &st, &p), 0); /* plain name, V2 signature */
    EXPECT(storage[0] | storage[1] << 8, AF4);
    CHECK(memcmp(storage + 2, LOOP4, 4) == 0);
    EXPECT(p, port);
    EXPECT(sock_getlocaladdr_v2(lis, &st, &p), 0);
    EXPECT(p, port);
    EXPECT(sock_getlocaladdr_v2(lis, &r4, &p), __WASI_ERRNO_INVAL);
    EXPECT(sock_getpeeraddr_v1(lis, &r4, &type, &p), __WASI_ERRNO_NOTCONN);

    /* Non-blocking accept with nothing pending. */
    int32_t conn = -1;
    set_nonblocking(lis, 1);
    EXPECT(sock_accept_3(lis, 0, &conn), __WASI_ERRNO_AGAIN);
    set_nonblocking(lis, 0);

    /* A non-blocking connect through the V2 storage form, completed with poll. */
    int32_t cli = -1;
    EXPECT(sock_open_v2(AF4, STREAM, &cli), 0);
    set_nonblocking(cli, 1);
    memset(storage, 0, sizeof storage);
    storage[0] = AF4;
    memcpy(storage + 2, LOOP4, 4);
    int32_t rc = sock_connect_v2(cli, &st, port);
    CHECK(rc == 0 || rc == __WASI_ERRNO_INPROGRESS);
    EXPECT(wait_fd(cli, 1), __WASI_EVENTTYPE_FD_WRITE);
    int32_t err = -1;
    uint32_t len = 4;
    EXPECT(sock_getsockopt(cli, 0, SO_ERROR_, &err, &len), 0);
    EXPECT(err, 0);
    EXPECT(len, 4);
    int32_t st_type = 0;
    EXPECT(sock_getsockopt(cli, 0, SO_TYPE_, &st_type, &len), 0);
    EXPECT(st_type, STREAM);
    EXPECT(sock_getpeeraddr_v1(cli, &r4, &type, &p), 0);
    EXPECT(p, port);
    EXPECT(type, 4);
    set_nonblocking(cli, 0);

    /* V1 accept (two arguments). */
    EXPECT(sock_accept_v1(lis, &conn), 0);
    __wasi_fdstat_t fs;
    EXPECT(__wasi_fd_fdstat_get(conn, &fs), 0);
    EXPECT(fs.fs_filetype, __WASI_FILETYPE_SOCKET_STREAM);
    EXPECT(fs.fs_flags, 0);
    CHECK(fs.fs_rights_base & __WASI_RIGHTS_FD_READ);
    uint32_t cport = local_port(cli);
    EXPECT(sock_getpeeraddr_3(conn, &st, &p), 0);
    EXPECT(p, cport);
    EXPECT(sock_getpeeraddr_v2(conn, &st, &p), 0);
    EXPECT(storage[0], AF4);

    /* Data both ways, gathered and scattered; peek; fd_read/fd_write on sockets. */
    char h1[] = "hel", h2[] = "lo";
    wiovec out[2] = {{(uint8_t *)h1, 3}, {(uint8_t *)h2, 2}};
    uint32_t n = 0;
    EXPECT(sock_send_(cli, out, 2, 0, &n), 0);
    EXPECT(n, 5);
    char buf[16] = {0};
    wiovec in = {(uint8_t *)buf, 5};
    uint16_t of = 9;
    EXPECT(wait_fd(conn, 0), __WASI_EVENTTYPE_FD_READ);
    EXPECT(sock_recv_(conn, &in, 1, 1 /* PEEK */ | 2 /* WAITALL */, &n, &of), 0);
    EXPECT(n, 5);
    EXPECT(of, 0);
    char a2[2], a3[3];
    wiovec split[2] = {{(uint8_t *)a2, 2}, {(uint8_t *)a3, 3}};
    EXPECT(sock_recv_v2(conn, split, 2, 2, &n, &of), 0);
    EXPECT(n, 5);
    CHECK(memcmp(a2, "he", 2) == 0 && memcmp(a3, "llo", 3) == 0);
    EXPECT(sock_send_v2(conn, out, 1, 0, &n), 0);
    __wasi_ciovec_t w = {(const uint8_t *)"!", 1};
    __wasi_size_t wn = 0;
    EXPECT(__wasi_fd_write(conn, &w, 1, &wn), 0);
    EXPECT(wn, 1);
    recv_exact(cli, "hel!");

    /* poll_oneoff: nothing to read yet, so the clock fires; then data, and the size. */
    __wasi_subscription_t subs[2];
    memset(subs, 0, sizeof subs);
    subs[0].userdata = 7;
    subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    subs[0].u.u.fd_read.file_descriptor = conn;
    subs[1].userdata = 8;
    subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[1].u.u.clock.timeout = 20000000;
    __wasi_event_t ev[2];
    __wasi_size_t ne = 0;
    EXPECT(__wasi_poll_oneoff(subs, ev, 2, &ne), 0);
    EXPECT(ne, 1);
    EXPECT(ev[0].userdata, 8);
    send_all(cli, "abc");
    EXPECT(epoll_oneoff(subs, ev, 1, &ne), 0);
    EXPECT(ne, 1);
    EXPECT(ev[0].userdata, 7);
    EXPECT(ev[0].error, 0);
    EXPECT(ev[0].fd_readwrite.nbytes, 3);
    /* The same descriptor and direction twice: both fire. */
    __wasi_subscription_t twice[2] = {subs[0], subs[0]};
    twice[1].userdata = 9;
    EXPECT(__wasi_poll_oneoff(twice, ev, 2, &ne), 0);
    EXPECT(ne, 2);
    EXPECT(ev[0].userdata, 7);
    EXPECT(ev[1].userdata, 9);
    __wasi_iovec_t r = {(uint8_t *)buf, 3};
    __wasi_size_t rn = 0;
    EXPECT(__wasi_fd_read(conn, &r, 1, &rn), 0);
    EXPECT(rn, 3);
    /* A bad descriptor in a subscription is that event's error. */
    subs[0].u.u.fd_read.file_descriptor = 9999;
    EXPECT(__wasi_poll_oneoff(subs, ev, 1, &ne), 0);
    EXPECT(ne, 1);
    EXPECT(ev[0].error, __WASI_ERRNO_BADF);

    /* Shutdown: the peer reads end of stream, and hangs up. */
    EXPECT(sock_shutdown_(cli, 2 /* WR */), 0);
    EXPECT(sock_recv_(conn, &in, 1, 0, &n, &of), 0);
    EXPECT(n, 0);

    /* V2 accept with NONBLOCK gives a non-blocking connection. */
    int32_t cli2 = open_sock(AF4, STREAM);
    EXPECT(sock_connect(cli2, &a, port), 0);
    int32_t conn2 = -1;
    EXPECT(sock_accept_v2(lis, __WASI_FDFLAGS_NONBLOCK, &conn2), 0);
    EXPECT(__wasi_fd_fdstat_get(conn2, &fs), 0);
    EXPECT(fs.fs_flags, __WASI_FDFLAGS_NONBLOCK);
    EXPECT(sock_recv_(conn2, &in, 1, 0, &n, &of), __WASI_ERRNO_AGAIN);
    /* The peer closes: reading gives end of stream, writing then fails with EPIPE or
     * ECONNRESET (never a signal). */
    EXPECT(__wasi_fd_close(cli2), 0);
    EXPECT(wait_fd(conn2, 0), __WASI_EVENTTYPE_FD_READ);
    EXPECT(sock_recv_(conn2, &in, 1, 0, &n, &of), 0);
    EXPECT(n, 0);
    int32_t werr = 0;
    for (int i = 0; i < 100 && werr == 0; i++) werr = sock_send_(conn2, out, 2, 0, &n);
    CHECK(werr == __WASI_ERRNO_PIPE || werr == __WASI_ERRNO_CONNRESET);

    /* A refused connection. */
    int32_t lone = open_sock(AF4, STREAM);
    EXPECT(sock_bind(lone, &a, 0), 0);
    uint32_t dead = local_port(lone);
    EXPECT(__wasi_fd_close(lone), 0);
    int32_t cli3 = open_sock(AF4, STREAM);
    EXPECT(sock_connect(cli3, &a, dead), __WASI_ERRNO_CONNREFUSED);

    int32_t fds[] = {lis, cli, conn, conn2, cli3};
    for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++) EXPECT(__wasi_fd_close(fds[i]), 0);
    printf("tcp: ok\n");
}

static void udp(void) {
    int32_t u1 = open_sock(AF4, DGRAM), u2 = open_sock(AF4, DGRAM);
    waddr a = {LOOP4, 4};
    EXPECT(sock_bind(u1, &a, 0), 0);
    EXPECT(sock_bind(u2, &a, 0), 0);
    uint32_t p1 = local_port(u1), p2 = local_port(u2);
    __wasi_fdstat_t fs;
    EXPECT(__wasi_fd_fdstat_get(u1, &fs), 0);
    EXPECT(fs.fs_filetype, __WASI_FILETYPE_SOCKET_DGRAM);
    int32_t t = 0;
    uint32_t len = 4;
    EXPECT(sock_getsockopt(u1, 0, SO_TYPE_, &t, &len), 0);
    EXPECT(t, DGRAM);

    wiovec ping = {(uint8_t *)"ping", 4};
    uint32_t n = 0;
    EXPECT(sock_send_to(u1, &ping, 1, &a, p2, 0, &n), 0);
    EXPECT(n, 4);
    /* The plain name with the 8-argument signature is V2: family, address, port. */
    char buf[16] = {0};
    wiovec in = {(uint8_t *)buf, 16};
    uint8_t storage[128] = {0};
    waddr st = {storage, 128};
    uint32_t port = 0xAAAA0000u;
    uint16_t of = 9;
    EXPECT(sock_recv_from_8(u2, &in, 1, &st, 0, &port, &n, &of), 0);
    EXPECT(n, 4);
    EXPECT(of, 0);
    CHECK(memcmp(buf, "ping", 4) == 0);
    EXPECT(storage[0], AF4);
    CHECK(memcmp(storage + 2, LOOP4, 4) == 0);
    /* A u16 port in host order: the upper half of the u32 is left alone. */
    EXPECT(port, 0xAAAA0000u | p1);

    /* V1 recv_from: raw address only. */
    uint8_t raw[16];
    memset(raw, 0, sizeof raw);
    waddr r16 = {raw, 16};
    EXPECT(sock_send_to(u1, &ping, 1, &a, p2, 0, &n), 0);
    EXPECT(sock_recv_from_v1(u2, &in, 1, &r16, 0, &n, &of), 0);
    CHECK(memcmp(raw, LOOP4, 4) == 0);
    /* A datagram longer than the buffer is cut and says so. */
    wiovec ten = {(uint8_t *)"0123456789", 10};
    EXPECT(sock_send_to_v2(u1, &ten, 1, &st, p2, 0, &n), 0);
    wiovec small = {(uint8_t *)buf, 4};
    EXPECT(sock_recv_from_v2(u2, &small, 1, &st, 0, &port, &n, &of), 0);
    EXPECT(n, 4);
    EXPECT(of, 1);
    /* V2 takes 4, 16 or 128 bytes of address buffer. */
    waddr r8 = {raw, 8};
    EXPECT(sock_recv_from_v2(u2, &small, 1, &r8, 0, &port, &n, &of), __WASI_ERRNO_INVAL);
    EXPECT(sock_recv_from_v2(u2, &small, 1, &st, 0, (uint32_t *)((char *)&port + 1), &n, &of),
           __WASI_ERRNO_ADDRNOTAVAIL);
    /* Connected UDP: send and recv without addresses. */
    EXPECT(sock_connect(u1, &a, p2), 0);
    send_all(u1, "pong");
    EXPECT(sock_recv_(u2, &in, 1, 0, &n, &of), 0);
    EXPECT(n, 4);
    EXPECT(__wasi_fd_close(u1), 0);
    EXPECT(__wasi_fd_close(u2), 0);
    printf("udp: ok\n");
}

static void ipv6(void) {
    int32_t s = -1;
    int32_t rc = sock_open(AF6, STREAM, &s);
    if (rc == __WASI_ERRNO_AFNOSUPPORT) {
        printf("ipv6: not available on this host\n");
        return;
    }
    EXPECT(rc, 0);
    uint8_t any6[16] = {0};
    any6[15] = 1; /* ::1 */
    waddr a6 = {any6, 16};
    rc = sock_bind(s, &a6, 0);
    if (rc == __WASI_ERRNO_ADDRNOTAVAIL) {
        printf("ipv6: no ::1 on this host\n");
        EXPECT(__wasi_fd_close(s), 0);
        return;
    }
    EXPECT(rc, 0);
    EXPECT(sock_listen(s, 4), 0);
    uint8_t raw[16];
    waddr r16 = {raw, 16}, r4 = {raw, 4};
    uint32_t type = 0, port = 0;
    EXPECT(sock_getlocaladdr_v1(s, &r16, &type, &port), 0);
    EXPECT(type, 6);
    CHECK(memcmp(raw, any6, 16) == 0);
    EXPECT(sock_getlocaladdr_v1(s, &r4, &type, &port), __WASI_ERRNO_NOMEM);
    uint8_t storage[128] = {0};
    waddr st = {storage, 128};
    EXPECT(sock_getlocaladdr_v2(s, &st, &port), 0);
    EXPECT(storage[0], AF6);
    int32_t c = open_sock(AF6, STREAM);
    EXPECT(sock_connect_v2(c, &st, port), 0);
    int32_t conn = -1;
    EXPECT(sock_accept_v1(s, &conn), 0);
    send_all(c, "six");
    recv_exact(conn, "six");
    EXPECT(__wasi_fd_close(c), 0);
    EXPECT(__wasi_fd_close(conn), 0);
    EXPECT(__wasi_fd_close(s), 0);
    printf("ipv6: ok\n");
}

/* Links `count` result records for sock_getaddrinfo, as guests must. */
static waddrinfo *result_list(int count) {
    waddrinfo *list = calloc(count, sizeof *list);
    for (int i = 0; i < count; i++) {
        list[i].addr = calloc(1, sizeof(wsockaddr));
        list[i].addr->data = calloc(1, 32);
        list[i].addr->data_len = 32;
        list[i].canonname = calloc(1, 64);
        list[i].canonname_len = 64;
        list[i].next = i + 1 < count ? &list[i + 1] : NULL;
    }
    return list;
}

static void dns(void) {
    waddrinfo hints = {0};
    hints.family = AF4;
    hints.socktype = STREAM;
    hints.protocol = 1; /* TCP */
    waddrinfo *list = result_list(4);
    waddrinfo *res = list;
    uint32_t n = 0;
    EXPECT(sock_getaddrinfo("localhost", 9, "80", 2, &hints, &res, 4, &n), 0);
    CHECK(n >= 1);
    EXPECT(list[0].family, AF4);
    EXPECT(list[0].socktype, STREAM);
    EXPECT(list[0].protocol, 1);
    EXPECT(list[0].addrlen, 16);
    EXPECT(list[0].addr->family, AF4);
    EXPECT(list[0].addr->data_len, 14);
    uint8_t *d = list[0].addr->data;
    EXPECT(d[0] << 8 | d[1], 80);
    CHECK(memcmp(d + 2, LOOP4, 4) == 0);
    EXPECT(list[0].canonname_len, 0);
    /* A numeric host with the canonical name asked for (fresh records: the last call set
     * every canonname_len to 0, and the host writes no further than the guest says). */
    list = result_list(4);
    res = list;
    hints.flags = 4 /* NUMERICHOST */ | 2 /* CANONNAME */;
    EXPECT(sock_getaddrinfo("127.0.0.1", 9, "", 0, &hints, &res, 4, &n), 0);
    EXPECT(n, 1);
    CHECK(memcmp(list[0].addr->data + 2, LOOP4, 4) == 0);
    EXPECT(list[0].canonname_len, 9);
    CHECK(strcmp(list[0].canonname, "127.0.0.1") == 0);
    /* The errnos of WasmEdge's extension (77-87) and its argument checks. */
    hints.flags = 4;
    EXPECT(sock_getaddrinfo("not-a-number", 12, "", 0, &hints, &res, 4, &n), 84);
    hints.flags = 0;
    EXPECT(sock_getaddrinfo("", 0, "", 0, &hints, &res, 4, &n), 84);
    EXPECT(sock_getaddrinfo("localhost", 9, "", 0, &hints, &res, 0, &n), 82);
    hints.flags = 0x80;
    EXPECT(sock_getaddrinfo("localhost", 9, "", 0, &hints, &res, 4, &n), 79);
    hints.flags = 2;
    EXPECT(sock_getaddrinfo("", 0, "80", 2, &hints, &res, 4, &n), 79);
    hints.flags = 0;
    hints.family = 5;
    EXPECT(sock_getaddrinfo("localhost", 9, "", 0, &hints, &res, 4, &n), 81);
    hints.family = AF4;
    hints.protocol = 9;
    EXPECT(sock_getaddrinfo("localhost", 9, "", 0, &hints, &res, 4, &n), __WASI_ERRNO_NOSYS);
    hints.protocol = 1;
    hints.socktype = 7;
    EXPECT(sock_getaddrinfo("localhost", 9, "", 0, &hints, &res, 4, &n), __WASI_ERRNO_NOSYS);
    hints.socktype = STREAM;
    EXPECT(sock_getaddrinfo("127.0.0.1", 9, "nosuchservice", 13, &hints, &res, 4, &n), 85);
    EXPECT(sock_getaddrinfo("localhost", 9, "", 0, (waddrinfo *)((char *)&hints + 2), &res, 4,
                            &n),
           __WASI_ERRNO_ADDRNOTAVAIL);
    /* A result record that points outside memory. */
    list[1].addr = (wsockaddr *)(mem_end() - 4);
    EXPECT(sock_getaddrinfo("localhost", 9, "80", 2, &hints, &res, 4, &n), __WASI_ERRNO_FAULT);
    printf("dns: ok\n");
}

static int probe(void) {
    bad_arguments();
    printf("bad arguments: ok\n");
    tcp();
    udp();
    ipv6();
    dns();
    printf("probe: ok\n");
    return 0;
}

static int emfile(void) {
    int count = 0;
    int32_t fd, rc, first = -1;
    while ((rc = sock_open(AF4, STREAM, &fd)) == 0) {
        if (first < 0) first = fd;
        count++;
    }
    printf("opened %d, then errno %d\n", count, rc);
    CHECK(rc == __WASI_ERRNO_MFILE || rc == __WASI_ERRNO_NFILE);
    EXPECT(__wasi_fd_close(first), 0);
    EXPECT(sock_open(AF4, STREAM, &fd), 0);
    EXPECT(fd, first);
    printf("emfile: ok\n");
    return 0;
}

static int cycle(long times) {
    for (long i = 0; i < times; i++) {
        int32_t fd;
        EXPECT(sock_open(AF4, i % 2 ? STREAM : DGRAM, &fd), 0);
        /* Now and then wait on it first, so that it is in the epoll set when closed. */
        if (i % 10 == 0) EXPECT(wait_fd(fd, 1), __WASI_EVENTTYPE_FD_WRITE);
        EXPECT(__wasi_fd_close(fd), 0);
    }
    printf("cycle: ok\n");
    return 0;
}

static int parse_ip(const char *s, uint8_t out[4]) {
    unsigned a, b, c, d;
    if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4) return 0;
    out[0] = a, out[1] = b, out[2] = c, out[3] = d;
    return 1;
}

/* One call under the policy; prints its errno. */
static int one_call(const char *what, const char *ip, int port) {
    uint8_t addr[4];
    if (!parse_ip(ip, addr)) {
        printf("bad address %s\n", ip);
        return 2;
    }
    waddr a = {addr, 4};
    int32_t fd = -1, rc;
    int udp = strcmp(what, "sendto") == 0;
    rc = sock_open(AF4, udp ? DGRAM : STREAM, &fd);
    if (rc == 0) {
        if (strcmp(what, "connect") == 0) {
            rc = sock_connect(fd, &a, port);
        } else if (strcmp(what, "bind") == 0) {
            rc = sock_bind(fd, &a, port);
        } else {
            wiovec v = {(uint8_t *)"x", 1};
            uint32_t n;
            rc = sock_send_to(fd, &v, 1, &a, port, 0, &n);
        }
    }
    printf("errno %d\n", rc);
    return 0;
}

static int resolve(const char *name) {
    waddrinfo hints = {0};
    hints.family = AF4;
    hints.socktype = STREAM;
    waddrinfo *list = result_list(4), *res = list;
    uint32_t n = 0;
    int32_t rc = sock_getaddrinfo(name, strlen(name), "", 0, &hints, &res, 4, &n);
    printf("errno %d\n", rc);
    if (rc == 0 && n > 0) {
        uint8_t *d = list[0].addr->data;
        printf("%u.%u.%u.%u\n", d[2], d[3], d[4], d[5]);
    }
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "probe";
    if (strcmp(mode, "probe") == 0) return probe();
    if (strcmp(mode, "emfile") == 0) return emfile();
    if (strcmp(mode, "cycle") == 0 && argc > 2) return cycle(atol(argv[2]));
    if (argc > 3 && (strcmp(mode, "connect") == 0 || strcmp(mode, "bind") == 0 ||
                     strcmp(mode, "sendto") == 0))
        return one_call(mode, argv[2], atoi(argv[3]));
    if (strcmp(mode, "dns") == 0 && argc > 2) return resolve(argv[2]);
    printf("unknown mode %s\n", mode);
    return 2;
}
