/* The WASI guest of the Python, Go and Java binding tests.
 *
 * As a command (_start): prints its arguments and the GREETING variable, echoes one line of
 * stdin, prints /data/message.txt from a preopened directory, tries to create a file there
 * and to open a path outside the preopens, writes a line to stderr and exits with the
 * number given as its last argument (0 when absent).
 * Exports for the host to call: add, checksum of a buffer it fills through alloc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((export_name("add"))) int add(int a, int b) { return a + b; }

static unsigned char buffer[4096];

/* Where the host may write up to 4096 bytes for checksum. */
__attribute__((export_name("buffer"))) unsigned char *buffer_ptr(void) { return buffer; }

/* A simple checksum (sum of bytes times their position + 1) of the first len bytes. */
__attribute__((export_name("checksum"))) unsigned checksum(unsigned len) {
  unsigned sum = 0;
  if (len > sizeof buffer) len = sizeof buffer;
  for (unsigned i = 0; i < len; i++) sum += buffer[i] * (i + 1);
  return sum;
}

int main(int argc, char **argv) {
  printf("hello from WASI, %d args:", argc);
  for (int i = 0; i < argc; i++) printf(" %s", argv[i]);
  printf("\nGREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
  char line[128];
  if (fgets(line, sizeof line, stdin)) printf("stdin: %s", line);
  FILE *f = fopen("/data/message.txt", "r");
  if (f && fgets(line, sizeof line, f)) printf("file: %s", line);
  if (f) fclose(f);
  FILE *w = fopen("/data/new.txt", "w");
  printf("create in /data: %s\n", w ? "allowed" : strerror(errno));
  if (w) {
    fputs("written by the guest\n", w);
    fclose(w);
  }
  FILE *out = fopen("/etc/passwd", "r");
  printf("open /etc/passwd: %s\n", out ? "allowed" : "refused");
  fprintf(stderr, "to stderr\n");
  fflush(stdout);
  return argc > 1 ? atoi(argv[argc - 1]) : 0;
}
