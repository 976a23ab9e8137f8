/* A TCP echo server and client in C on wasi-libc. wasi-libc has no socket(), bind(),
 * listen() or connect(), so this declares WasmEdge's imports for those (as C programs for
 * WasmEdge do) and uses wasi-libc for the rest: accept() (sock_accept, 3 arguments),
 * recv()/send() (sock_recv/sock_send), read()/write() (fd_read/fd_write on a socket),
 * shutdown(), poll() (poll_oneoff) and close().
 *
 *   net-c-echo server N        listen on 127.0.0.1:0, print "listening on PORT", serve N
 *                              connections one after the other: echo until the peer shuts
 *                              down its side, then "served: BYTES bytes"
 *   net-c-echo client PORT MSG connect to 127.0.0.1:PORT, write MSG, shut down writing,
 *                              read until the end, print "reply: TEXT"
 * Errors print "error: WHAT: errno N" and exit 1. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WASMEDGE(name) \
  __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))

typedef struct {
  uint8_t *buf;
  uint32_t buf_len;
} wasi_address_t;

enum { AF_INET4_WASI = 1, SOCK_STREAM_WASI = 2 };

WASMEDGE("sock_open") int32_t wasmedge_sock_open(int32_t af, int32_t type, int32_t *fd);
WASMEDGE("sock_bind") int32_t wasmedge_sock_bind(int32_t fd, wasi_address_t *addr, int32_t port);
WASMEDGE("sock_listen") int32_t wasmedge_sock_listen(int32_t fd, int32_t backlog);
WASMEDGE("sock_connect")
int32_t wasmedge_sock_connect(int32_t fd, wasi_address_t *addr, int32_t port);
WASMEDGE("sock_getlocaladdr")
int32_t wasmedge_sock_getlocaladdr(int32_t fd, wasi_address_t *addr, uint32_t *type,
                                   uint32_t *port);

static void fail(const char *what, int err) {
  printf("error: %s: errno %d\n", what, err);
  exit(1);
}

static uint8_t loopback[4] = {127, 0, 0, 1};

/* Waits until fd has data (or end of stream) with poll(). */
static void wait_readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (poll(&p, 1, 10000) != 1) fail("poll", errno);
}

static int serve(int n) {
  int32_t fd;
  int32_t e = wasmedge_sock_open(AF_INET4_WASI, SOCK_STREAM_WASI, &fd);
  if (e) fail("sock_open", e);
  wasi_address_t addr = {loopback, 4};
  if ((e = wasmedge_sock_bind(fd, &addr, 0))) fail("sock_bind", e);
  if ((e = wasmedge_sock_listen(fd, 16))) fail("sock_listen", e);
  uint8_t ip[4];
  wasi_address_t local = {ip, 4};
  uint32_t type, port;
  if ((e = wasmedge_sock_getlocaladdr(fd, &local, &type, &port))) fail("sock_getlocaladdr", e);
  printf("listening on %u\n", port);
  fflush(stdout);
  for (int i = 0; i < n; i++) {
    wait_readable(fd);
    int conn = accept(fd, NULL, NULL);
    if (conn < 0) fail("accept", errno);
    char buf[4096];
    long total = 0;
    for (;;) {
      wait_readable(conn);
      ssize_t got = recv(conn, buf, sizeof buf, 0);
      if (got < 0) fail("recv", errno);
      if (got == 0) break;
      for (ssize_t off = 0; off < got;) {
        ssize_t sent = send(conn, buf + off, got - off, 0);
        if (sent < 0) fail("send", errno);
        off += sent;
      }
      total += got;
    }
    if (shutdown(conn, SHUT_WR)) fail("shutdown", errno);
    close(conn);
    printf("served: %ld bytes\n", total);
    fflush(stdout);
  }
  close(fd);
  return 0;
}

static int client(int port, const char *msg) {
  int32_t fd;
  int32_t e = wasmedge_sock_open(AF_INET4_WASI, SOCK_STREAM_WASI, &fd);
  if (e) fail("sock_open", e);
  wasi_address_t addr = {loopback, 4};
  if ((e = wasmedge_sock_connect(fd, &addr, port))) fail("sock_connect", e);
  size_t len = strlen(msg);
  for (size_t off = 0; off < len;) {
    ssize_t n = write(fd, msg + off, len - off);
    if (n < 0) fail("write", errno);
    off += n;
  }
  if (shutdown(fd, SHUT_WR)) fail("shutdown", errno);
  char reply[65536];
  size_t have = 0;
  for (;;) {
    wait_readable(fd);
    ssize_t n = read(fd, reply + have, sizeof reply - 1 - have);
    if (n < 0) fail("read", errno);
    if (n == 0) break;
    have += n;
  }
  reply[have] = 0;
  printf("reply: %s\n", reply);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "server") == 0) return serve(atoi(argv[2]));
  if (argc == 4 && strcmp(argv[1], "client") == 0) return client(atoi(argv[2]), argv[3]);
  printf("error: usage: net-c-echo server N | client PORT MESSAGE\n");
  return 1;
}
