// A module imported by main.mjs: closures, classes and a generator.
export function counter(start) {
  let n = start;
  return { next: () => ++n, reset: () => { n = start; } };
}

export class Matrix {
  constructor(rows) { this.rows = rows; }
  mul(o) {
    return new Matrix(this.rows.map(r => o.rows[0].map((_, j) => r.reduce((s, v, k) => s + v * o.rows[k][j], 0))));
  }
  toString() { return this.rows.map(r => r.join(" ")).join("; "); }
}

export function* fib() {
  let [a, b] = [0, 1];
  for (;;) { yield a; [a, b] = [b, a + b]; }
}
