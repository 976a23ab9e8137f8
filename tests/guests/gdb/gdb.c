/* A guest to debug with gdb (`wedge run -g`): main -> sum_squares -> square. The test sets
   a breakpoint on the line marked BREAK and expects `bt` to show square called from
   sum_squares called from main. */
#include <stdio.h>

__attribute__((noinline)) int square(int x) {
  volatile int y = x * x; /* BREAK */
  return y;
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
  printf("%d\n", sum_squares(n));
  return 0;
}
