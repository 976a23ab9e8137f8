/* A guest to debug with gdb (`wedge run -g`): main -> sum_squares -> square, with scale
   inlined into square by the C compiler. The tests set breakpoints on the lines marked
   BREAK and INLINED and expect `bt` to show the callers (and the inlined frame). */
#include <stdio.h>

static inline __attribute__((always_inline)) int scale(int v) {
  return v * 3; /* INLINED */
}

__attribute__((noinline)) int square(int x) {
  volatile int y = x * x; /* BREAK */
  return scale(y); /* SCALE */
}

__attribute__((noinline)) int sum_squares(int n) {
  int total = 0;
  for (int i = 1; i <= n; i++) {
    total += square(i); /* CALL */
  }
  return total;
}

int main(void) {
  volatile int n = 4;
  printf("sum_squares: %d\n", sum_squares(n));
  return 0;
}
