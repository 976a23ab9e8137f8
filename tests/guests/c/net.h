/* WasmEdge's socket extension of wasi_snapshot_preview1, declared by hand (wasi-libc knows
 * only sock_accept/recv/send/shutdown). Some names are imported twice with two signatures:
 * the runtime binds the version whose signature the import declares. */
#ifndef WEDGE_TEST_NET_H
#define WEDGE_TEST_NET_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <wasi/api.h>

#define IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))

/* An address argument: a pointer and a length (4, 16, or 128 for the v2 storage). */
typedef struct {
    uint8_t *buf;
    uint32_t len;
} waddr;

typedef struct {
    uint8_t *buf;
    uint32_t len;
} wiovec;

int32_t sock_open(int32_t af, int32_t type, int32_t *fd) IMPORT("sock_open");
int32_t sock_open_v2(int32_t af, int32_t type, int32_t *fd) IMPORT("sock_open_v2");
int32_t sock_bind(int32_t fd, waddr *a, int32_t port) IMPORT("sock_bind");
int32_t sock_bind_v2(int32_t fd, waddr *a, int32_t port) IMPORT("sock_bind_v2");
int32_t sock_connect(int32_t fd, waddr *a, int32_t port) IMPORT("sock_connect");
int32_t sock_connect_v2(int32_t fd, waddr *a, int32_t port) IMPORT("sock_connect_v2");
int32_t sock_listen(int32_t fd, int32_t backlog) IMPORT("sock_listen");
int32_t sock_listen_v2(int32_t fd, int32_t backlog) IMPORT("sock_listen_v2");
int32_t sock_accept_v1(int32_t fd, int32_t *out) IMPORT("sock_accept");
int32_t sock_accept_3(int32_t fd, int32_t flags, int32_t *out) IMPORT("sock_accept");
int32_t sock_accept_v2(int32_t fd, int32_t flags, int32_t *out) IMPORT("sock_accept_v2");
int32_t sock_recv_(int32_t fd, wiovec *iovs, int32_t n, int32_t flags, uint32_t *len,
                   uint16_t *oflags) IMPORT("sock_recv");
int32_t sock_recv_v2(int32_t fd, wiovec *iovs, int32_t n, int32_t flags, uint32_t *len,
                     uint16_t *oflags) IMPORT("sock_recv_v2");
int32_t sock_recv_from_v1(int32_t fd, wiovec *iovs, int32_t n, waddr *a, int32_t flags,
                          uint32_t *len, uint16_t *oflags) IMPORT("sock_recv_from");
int32_t sock_recv_from_8(int32_t fd, wiovec *iovs, int32_t n, waddr *a, int32_t flags,
                         uint32_t *port, uint32_t *len, uint16_t *oflags) IMPORT("sock_recv_from");
int32_t sock_recv_from_v2(int32_t fd, wiovec *iovs, int32_t n, waddr *a, int32_t flags,
                          uint32_t *port, uint32_t *len, uint16_t *oflags)
    IMPORT("sock_recv_from_v2");
int32_t sock_send_(int32_t fd, wiovec *iovs, int32_t n, int32_t flags, uint32_t *len)
    IMPORT("sock_send");
int32_t sock_send_v2(int32_t fd, wiovec *iovs, int32_t n, int32_t flags, uint32_t *len)
    IMPORT("sock_send_v2");
int32_t sock_send_to(int32_t fd, wiovec *iovs, int32_t n, waddr *a, int32_t port, int32_t flags,
                     uint32_t *len) IMPORT("sock_send_to");
int32_t sock_send_to_v2(int32_t fd, wiovec *iovs, int32_t n, waddr *a, int32_t port,
                        int32_t flags, uint32_t *len) IMPORT("sock_send_to_v2");
int32_t sock_shutdown_(int32_t fd, int32_t how) IMPORT("sock_shutdown");
int32_t sock_getsockopt(int32_t fd, int32_t level, int32_t name, void *val, uint32_t *len)
    IMPORT("sock_getsockopt");
int32_t sock_setsockopt(int32_t fd, int32_t level, int32_t name, const void *val, uint32_t len)
    IMPORT("sock_setsockopt");
int32_t sock_getlocaladdr_v1(int32_t fd, waddr *a, uint32_t *type, uint32_t *port)
    IMPORT("sock_getlocaladdr");
int32_t sock_getlocaladdr_3(int32_t fd, waddr *a, uint32_t *port) IMPORT("sock_getlocaladdr");
int32_t sock_getlocaladdr_v2(int32_t fd, waddr *a, uint32_t *port) IMPORT("sock_getlocaladdr_v2");
int32_t sock_getpeeraddr_v1(int32_t fd, waddr *a, uint32_t *type, uint32_t *port)
    IMPORT("sock_getpeeraddr");
int32_t sock_getpeeraddr_3(int32_t fd, waddr *a, uint32_t *port) IMPORT("sock_getpeeraddr");
int32_t sock_getpeeraddr_v2(int32_t fd, waddr *a, uint32_t *port) IMPORT("sock_getpeeraddr_v2");

/* sock_getaddrinfo's records. */
typedef struct {
    uint8_t family;
    uint32_t data_len;
    uint8_t *data;
} wsockaddr;

typedef struct waddrinfo {
    uint16_t flags;
    uint8_t family;
    uint8_t socktype;
    uint8_t protocol;
    uint32_t addrlen;
    wsockaddr *addr;
    char *canonname;
    uint32_t canonname_len;
    struct waddrinfo *next;
} waddrinfo;

int32_t sock_getaddrinfo(const char *node, uint32_t node_len, const char *service,
                         uint32_t service_len, const waddrinfo *hints, waddrinfo **res,
                         uint32_t max, uint32_t *res_len) IMPORT("sock_getaddrinfo");
int32_t epoll_oneoff(const __wasi_subscription_t *subs, __wasi_event_t *events, uint32_t n,
                     __wasi_size_t *nevents) IMPORT("epoll_oneoff");

enum { AF4 = 1, AF6 = 2, AFUNIX = 3 };
enum { DGRAM = 1, STREAM = 2 };
enum {
    SO_REUSEADDR_ = 0, SO_TYPE_ = 1, SO_ERROR_ = 2, SO_SNDBUF_ = 5, SO_RCVBUF_ = 6,
    SO_KEEPALIVE_ = 7, SO_LINGER_ = 9
};

/* Fails the program with the line and the values when a call's result is not `want`. */
#define EXPECT(call, want)                                                                  \
    do {                                                                                    \
        long r_ = (long)(call), w_ = (long)(want);                                          \
        if (r_ != w_) {                                                                     \
            printf("FAIL %s:%d: %s = %ld, want %ld\n", __FILE__, __LINE__, #call, r_, w_); \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);             \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

#endif
