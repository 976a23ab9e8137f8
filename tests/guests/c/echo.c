/* Echo over WasmEdge's sockets, for tests against real peers.
 *
 *   echo server PORT       TCP echo server on 127.0.0.1:PORT (0: any free port). One thread,
 *                          non-blocking sockets, one poll_oneoff over the listener and every
 *                          connection. Prints "listening PORT", then on each change in the
 *                          number of connections that is a multiple of 1000, "connections N".
 *                          A connection that sends "quit\n" stops the server.
 *   echo client HOST PORT MESSAGE
 *                          resolves HOST with sock_getaddrinfo, connects, sends MESSAGE,
 *                          shuts down its sending side, prints what comes back.
 *   echo udp PORT          UDP echo server on 127.0.0.1:PORT: each datagram goes back to its
 *                          sender (the address and port sock_recv_from reports); "quit" stops.
 */
#include <string.h>

#include "net.h"

static uint8_t LOOP4[4] = {127, 0, 0, 1};

static int32_t listen_on(int type, int port, uint32_t *bound) {
    int32_t fd = -1;
    EXPECT(sock_open(AF4, type, &fd), 0);
    int32_t one = 1;
    EXPECT(sock_setsockopt(fd, 0, SO_REUSEADDR_, &one, 4), 0);
    waddr a = {LOOP4, 4};
    EXPECT(sock_bind(fd, &a, port), 0);
    if (type == STREAM) EXPECT(sock_listen(fd, 1024), 0);
    uint8_t raw[4];
    waddr r = {raw, 4};
    uint32_t kind;
    EXPECT(sock_getlocaladdr_v1(fd, &r, &kind, bound), 0);
    return fd;
}

/* Sends all of buf on a non-blocking socket, waiting for room when the buffer is full. */
static int send_all(int32_t fd, uint8_t *buf, uint32_t len) {
    while (len > 0) {
        wiovec v = {buf, len};
        uint32_t n = 0;
        int32_t rc = sock_send_(fd, &v, 1, 0, &n);
        if (rc == __WASI_ERRNO_AGAIN) {
            __wasi_subscription_t sub = {0};
            sub.u.tag = __WASI_EVENTTYPE_FD_WRITE;
            sub.u.u.fd_write.file_descriptor = fd;
            __wasi_event_t ev;
            __wasi_size_t ne;
            EXPECT(__wasi_poll_oneoff(&sub, &ev, 1, &ne), 0);
            continue;
        }
        if (rc != 0) return rc;
        buf += n;
        len -= n;
    }
    return 0;
}

static int server(int port) {
    uint32_t bound = 0;
    int32_t lis = listen_on(STREAM, port, &bound);
    EXPECT(__wasi_fd_fdstat_set_flags(lis, __WASI_FDFLAGS_NONBLOCK), 0);
    printf("listening %u\n", bound);

    size_t cap = 1024, count = 0, reported = 0;
    int32_t *conns = malloc(cap * sizeof *conns);
    __wasi_subscription_t *subs = malloc((cap + 1) * sizeof *subs);
    __wasi_event_t *events = malloc((cap + 1) * sizeof *events);
    static uint8_t buf[65536];
    for (;;) {
        memset(&subs[0], 0, sizeof subs[0]);
        subs[0].userdata = (uint64_t)-1;
        subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
        subs[0].u.u.fd_read.file_descriptor = lis;
        for (size_t i = 0; i < count; i++) {
            memset(&subs[i + 1], 0, sizeof subs[i + 1]);
            subs[i + 1].userdata = conns[i];
            subs[i + 1].u.tag = __WASI_EVENTTYPE_FD_READ;
            subs[i + 1].u.u.fd_read.file_descriptor = conns[i];
        }
        __wasi_size_t ne = 0;
        EXPECT(__wasi_poll_oneoff(subs, events, count + 1, &ne), 0);
        for (__wasi_size_t e = 0; e < ne; e++) {
            if (events[e].userdata == (uint64_t)-1) {
                for (;;) {
                    int32_t c = -1;
                    int32_t rc = sock_accept_3(lis, __WASI_FDFLAGS_NONBLOCK, &c);
                    if (rc == __WASI_ERRNO_AGAIN) break;
                    EXPECT(rc, 0);
                    if (count == cap) {
                        cap *= 2;
                        conns = realloc(conns, cap * sizeof *conns);
                        subs = realloc(subs, (cap + 1) * sizeof *subs);
                        events = realloc(events, (cap + 1) * sizeof *events);
                    }
                    conns[count++] = c;
                }
                continue;
            }
            int32_t fd = (int32_t)events[e].userdata;
            wiovec v = {buf, sizeof buf};
            uint32_t n = 0;
            uint16_t of;
            int32_t rc = sock_recv_(fd, &v, 1, 0, &n, &of);
            if (rc == __WASI_ERRNO_AGAIN) continue;
            if (rc == 0 && n == 5 && memcmp(buf, "quit\n", 5) == 0) {
                printf("quit\n");
                return 0;
            }
            if (rc == 0 && n > 0 && send_all(fd, buf, n) == 0) continue;
            /* End of stream or an error: drop the connection. */
            EXPECT(__wasi_fd_close(fd), 0);
            for (size_t i = 0; i < count; i++) {
                if (conns[i] == fd) {
                    conns[i] = conns[--count];
                    break;
                }
            }
        }
        if (count / 1000 != reported / 1000) {
            printf("connections %zu\n", count);
            reported = count;
        }
    }
}

static int client(const char *host, int port, const char *msg) {
    waddrinfo hints = {0};
    hints.family = AF4;
    hints.socktype = STREAM;
    hints.protocol = 1;
    waddrinfo list[4];
    wsockaddr addrs[4];
    uint8_t data[4][32];
    memset(list, 0, sizeof list);
    for (int i = 0; i < 4; i++) {
        addrs[i].data = data[i];
        addrs[i].data_len = 32;
        list[i].addr = &addrs[i];
        list[i].next = i < 3 ? &list[i + 1] : NULL;
    }
    waddrinfo *res = list;
    uint32_t n = 0;
    EXPECT(sock_getaddrinfo(host, strlen(host), "", 0, &hints, &res, 4, &n), 0);
    CHECK(n >= 1);
    int32_t fd = -1;
    EXPECT(sock_open(AF4, STREAM, &fd), 0);
    waddr a = {data[0] + 2, 4};
    EXPECT(sock_connect(fd, &a, port), 0);
    EXPECT(send_all(fd, (uint8_t *)msg, strlen(msg)), 0);
    EXPECT(sock_shutdown_(fd, 2), 0);
    char buf[4096];
    size_t got = 0;
    for (;;) {
        wiovec v = {(uint8_t *)buf + got, sizeof buf - 1 - got};
        uint32_t r = 0;
        uint16_t of;
        EXPECT(sock_recv_(fd, &v, 1, 0, &r, &of), 0);
        if (r == 0) break;
        got += r;
    }
    buf[got] = 0;
    printf("received %s\n", buf);
    EXPECT(__wasi_fd_close(fd), 0);
    return 0;
}

static int udp(int port) {
    uint32_t bound = 0;
    int32_t fd = listen_on(DGRAM, port, &bound);
    printf("listening %u\n", bound);
    static uint8_t buf[65536];
    for (;;) {
        wiovec v = {buf, sizeof buf};
        uint8_t storage[128];
        waddr from = {storage, 128};
        uint32_t from_port = 0, n = 0;
        uint16_t of;
        EXPECT(sock_recv_from_8(fd, &v, 1, &from, 0, &from_port, &n, &of), 0);
        if (n == 4 && memcmp(buf, "quit", 4) == 0) break;
        wiovec out = {buf, n};
        uint32_t sent = 0;
        EXPECT(sock_send_to_v2(fd, &out, 1, &from, from_port, 0, &sent), 0);
        EXPECT(sent, n);
    }
    printf("quit\n");
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 2 && strcmp(argv[1], "server") == 0) return server(atoi(argv[2]));
    if (argc > 4 && strcmp(argv[1], "client") == 0) return client(argv[2], atoi(argv[3]), argv[4]);
    if (argc > 2 && strcmp(argv[1], "udp") == 0) return udp(atoi(argv[2]));
    printf("usage: echo server PORT | client HOST PORT MESSAGE | udp PORT\n");
    return 2;
}
