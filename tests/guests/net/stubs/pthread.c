/* Debian's wasi-libc (2022) has no pthread functions, but Rust's standard library (1.96)
 * for wasm32-wasip1 links pthread_detach and pthread_join (std::thread's JoinHandle; later
 * wasi-libc releases ship stubs like these). A guest without threads never calls them with a
 * real thread: they report "not supported", as the later stubs do. */
#include <errno.h>

int pthread_detach(void *thread) {
  (void)thread;
  return ENOTSUP;
}

int pthread_join(void *thread, void **result) {
  (void)thread;
  (void)result;
  return ENOTSUP;
}
