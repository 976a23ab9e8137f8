// Matrix multiply benchmark: n rounds of a 200x200 double-precision product (blocked loops).
#include <stdint.h>

#define N 200
static double a[N * N], b[N * N], c[N * N];

static void init(uint32_t seed) {
    uint32_t x = seed;
    for (int i = 0; i < N * N; i++) {
        x = x * 1664525u + 1013904223u;
        a[i] = (double)(x >> 8) / 16777216.0 - 0.5;
        x = x * 1664525u + 1013904223u;
        b[i] = (double)(x >> 8) / 16777216.0 - 0.5;
    }
}

static void multiply(void) {
    for (int i = 0; i < N * N; i++) c[i] = 0.0;
    for (int ii = 0; ii < N; ii += 40)
        for (int kk = 0; kk < N; kk += 40)
            for (int i = ii; i < ii + 40; i++)
                for (int k = kk; k < kk + 40; k++) {
                    double aik = a[i * N + k];
                    for (int j = 0; j < N; j++) c[i * N + j] += aik * b[k * N + j];
                }
}

__attribute__((export_name("run"))) int64_t run(int32_t n) {
    double sum = 0.0;
    for (int r = 0; r < n; r++) {
        init((uint32_t)r + 1);
        multiply();
        for (int i = 0; i < N * N; i += 7) sum += c[i];
    }
    return (int64_t)(sum * 1000.0);
}
