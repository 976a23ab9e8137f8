/* Functions Rust's standard library (1.96) links against that Debian's wasi-libc (2022)
 * lacks. Linked into the Rust programs only; each fails as an unsupported operation, which
 * the programs only reach when changing file permissions (never, in the benchmarks). */
#include <errno.h>
#include <sys/stat.h>

int chmod(const char *path, mode_t mode) {
  (void)path;
  (void)mode;
  errno = ENOTSUP;
  return -1;
}
