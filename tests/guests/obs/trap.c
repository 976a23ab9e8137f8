/* Traps three calls deep (main -> outer -> middle -> inner) with an out-of-bounds store,
   after putting a marker in memory; with an argument "spin" it burns CPU in hot_loop first. */
#include <stdio.h>
#include <string.h>

static char marker[32];

__attribute__((noinline)) static int inner(int x) {
  if (x > 2) {
    volatile int *far = (volatile int *)0xfffffff0u;
    *far = x; /* out of bounds: traps */
  }
  return x + 1;
}

__attribute__((noinline)) static int middle(int x) { return inner(x * 2) + 1; }

__attribute__((noinline)) static int outer(int x) { return middle(x + 1) + 1; }

__attribute__((noinline)) static unsigned long long hot_loop(unsigned long long n) {
  unsigned long long h = 1;
  for (unsigned long long i = 0; i < n; i++) {
    h = h * 6364136223846793005ull + i;
    __asm__ volatile("" : "+r"(h));
  }
  return h;
}

int main(int argc, char **argv) {
  strcpy(marker, "WEDGE-COREDUMP-MARKER");
  __asm__ volatile("" ::"r"(marker) : "memory");
  if (argc > 1 && strcmp(argv[1], "spin") == 0) {
    printf("%llu\n", hot_loop(300000000ull));
  }
  volatile int one = 1;
  printf("%d\n", outer(one));
  return 0;
}
