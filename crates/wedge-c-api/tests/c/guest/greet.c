/* A WASI command for the C API tests: prints its arguments and an environment variable,
 * echoes stdin, reads a file from a preopened directory, tries to write there, writes to
 * stderr and exits with status 3. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  printf("writing in a read-only directory: %s\n", w ? "allowed" : strerror(errno));
  if (w) fclose(w);
  FILE *out = fopen("/etc/passwd", "r");
  printf("reading outside the preopens: %s\n", out ? "allowed" : "refused");
  fprintf(stderr, "to stderr\n");
  fflush(stdout);
  exit(3);
}
