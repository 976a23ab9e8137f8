// Evaluated by the jsrun guest: a module with imports, JSON read through WASI, regexes,
// closures, classes, generators, Map/Set and async functions.
import { counter, Matrix, fib } from "./lib.mjs";

const data = JSON.parse(readFile(scriptArgs[0]));
const valid = /^[a-z]+@([a-z]+\.)+[a-z]{2,}$/;
for (const u of data.users) {
  print(`${u.name.padEnd(6)} ${valid.test(u.email) ? "valid" : "invalid"} ${u.email.replace(/@.*$/, "@…")}`);
}
const c = counter(10);
c.next(); c.next();
print("counter", c.next());
const m = new Matrix([[1, 2], [3, 4]]);
print("matrix", m.mul(m).toString());
const first = [];
for (const x of fib()) { if (x > 100) break; first.push(x); }
print("fib", first.join(","));
const byCentury = new Map();
for (const u of data.users) {
  const century = Math.floor(u.born / 100) + 1;
  byCentury.set(century, [...(byCentury.get(century) ?? []), u.name]);
}
print("centuries", JSON.stringify([...byCentury]));
const words = "the quick brown fox jumps over the lazy dog the end".split(" ");
print("distinct", new Set(words).size, "longest", words.reduce((a, b) => (b.length > a.length ? b : a)));
const dates = "2024-02-29 and 1999-12-31".matchAll(/(\d{4})-(\d{2})-(\d{2})/g);
print("dates", [...dates].map(([, y, mo, d]) => `${d}/${mo}/${y}`).join(" "));
async function twice(x) { await null; return x * 2; }
const total = (await Promise.all([1, 2, 3].map(twice))).reduce((a, b) => a + b, 0);
print("async", total);
print(JSON.stringify({ ok: true, pi: Math.round(Math.PI * 1e6) / 1e6, nested: { list: [1, "two", null] } }));
