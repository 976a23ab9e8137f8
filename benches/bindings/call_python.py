"""Host-to-wasm call round trip from Python: call an exported add(i32, i32) N times.

    python3 call_python.py wedge [N]      # the wedge package (bindings/python)
    python3 call_python.py wasmtime [N]   # wasmtime-py (pip install wasmtime)

Prints the time per call; run both (e.g. alternately) to compare.
"""
import pathlib
import sys
import time

WAT = (pathlib.Path(__file__).parent / "add.wat").read_text()


def wedge_add():
    import wedge

    engine = wedge.Engine()
    store = wedge.Store(engine)
    module = wedge.Module(engine, WAT)
    add = wedge.Linker(engine).instantiate(store, module).exports(store)["add"]
    return store, add


def wasmtime_add():
    import wasmtime

    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, WAT)
    add = wasmtime.Instance(store, module, []).exports(store)["add"]
    return store, add


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "wedge"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    store, add = {"wedge": wedge_add, "wasmtime": wasmtime_add}[which]()
    total = 0
    start = time.perf_counter()
    for i in range(n):
        total = add(store, total, 1)
    elapsed = time.perf_counter() - start
    assert total == n, total
    print(f"{which}: {n} calls in {elapsed:.3f} s, {elapsed / n * 1e9:.0f} ns per call")


if __name__ == "__main__":
    main()
