#!/usr/bin/env python3
"""Start-up time of `wedge run hello.wasm` (a Rust hello world), optionally against Wasmtime.

    python3 benches/startup.py [--runs N] [--wasmtime PATH]

Runs each command N times (after 5 warm-up runs) and prints mean, median and minimum
wall-clock times, and the median CPU time (less disturbed by other load on the machine). Build wedge first: `cargo build --release -p wedge-cli`.
"""
import argparse, os, shutil, statistics, subprocess, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=200)
parser.add_argument("--wedge", default=os.path.join(target, "release", "wedge"))
parser.add_argument("--wasmtime", default=shutil.which("wasmtime"))
parser.add_argument("--module", default=os.path.join(root, "tests/guests/bin/hello.wasm"))
args = parser.parse_args()


def measure(name, cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout == "Hello, world!\n", (name, out)
    times, cpu = [], []
    for i in range(args.runs + 5):
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        _, _, usage = os.wait4(child.pid, 0)
        if i >= 5:
            times.append((time.perf_counter() - start) * 1e3)
            cpu.append((usage.ru_utime + usage.ru_stime) * 1e3)
    print(f"{name:10} wall: mean {statistics.mean(times):6.2f} ms, median {statistics.median(times):6.2f} ms,"
          f" min {min(times):6.2f} ms;  CPU (user+sys) median {statistics.median(cpu):6.2f} ms"
          f"   ({args.runs} runs)")


measure("wedge", [args.wedge, "run", args.module])
if args.wasmtime:
    measure("wasmtime", [args.wasmtime, "run", args.module])
else:
    print("wasmtime: not found (cargo install --locked wasmtime-cli@48.0.8), skipped")
