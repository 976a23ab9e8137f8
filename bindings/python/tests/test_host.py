"""Python callables as host functions: arguments, results, the Caller, exceptions, reentry."""
import pytest
import wedge
from conftest import instantiate

IMPORTS = """
(module
  (import "env" "log" (func $log (param i32 i64 f32 f64)))
  (import "env" "pair" (func $pair (param i32) (result i32 i32)))
  (import "env" "read" (func $read (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasm")
  (func (export "run_log") (call $log (i32.const -1) (i64.const 1099511627776) (f32.const 1.5) (f64.const 2.25)))
  (func (export "run_pair") (param i32) (result i32)
    (call $pair (local.get 0)) i32.sub)
  (func (export "run_read") (result i32) (call $read (i32.const 16) (i32.const 15))))
"""


def define(linker, seen):
    linker.define_func("env", "log", wedge.FuncType(["i32", "i64", "f32", "f64"], []), lambda *a: seen.append(a))
    linker.define_func("env", "pair", wedge.FuncType(["i32"], ["i32", "i32"]), lambda x: (x * 10, x))

    def read(caller, ptr, length):
        memory = caller.get("memory")
        seen.append(bytes(memory.data(caller)[ptr : ptr + length]))
        memory.write(caller, b"HELLO", ptr)
        return caller.data

    linker.define_func("env", "read", wedge.FuncType(["i32", "i32"], ["i32"]), read, access_caller=True)


def test_host_functions_see_arguments_and_return_results(engine):
    store = wedge.Store(engine, data=77)
    seen = []
    linker = wedge.Linker(engine)
    define(linker, seen)
    ex = instantiate(engine, store, IMPORTS, linker)
    ex["run_log"](store)
    assert seen == [(-1, 2**40, 1.5, 2.25)]
    assert ex["run_pair"](store, 4) == 36
    assert ex["run_read"](store) == 77
    assert seen[1] == b"hello from wasm"
    assert ex["memory"].read(store, 16, 31) == b"HELLO from wasm"


def test_an_exception_in_a_host_function_reaches_the_caller(engine, store):
    def boom(x):
        raise KeyError(f"no key {x}")

    linker = wedge.Linker(engine)
    linker.define_func("env", "f", wedge.FuncType(["i32"], ["i32"]), boom)
    ex = instantiate(
        engine,
        store,
        """(module (import "env" "f" (func $f (param i32) (result i32)))
                   (func $inner (param i32) (result i32) local.get 0 call $f)
                   (func (export "outer") (result i32) i32.const 5 call $inner))""",
        linker,
    )
    with pytest.raises(KeyError, match="no key 5") as info:
        ex["outer"](store)
    notes = "".join(getattr(info.value, "__notes__", []))
    assert "wasm backtrace" in notes and "func 1" in notes and "func 2" in notes
    with pytest.raises(KeyError):  # and again: nothing is left behind
        ex["outer"](store)


@pytest.mark.parametrize(
    "result, error",
    [
        ("text", TypeError),
        (None, TypeError),
        ((1, 2), TypeError),
        (2**40, OverflowError),
    ],
)
def test_bad_results_from_host_functions_raise(engine, store, result, error):
    f = wedge.Func(store, wedge.FuncType([], ["i32"]), lambda: result)
    ex = instantiate(
        engine,
        store,
        """(module (import "" "f" (func $f (result i32))) (func (export "g") (result i32) call $f))""",
        _linker_with(engine, store, f),
    )
    with pytest.raises(error):
        ex["g"](store)


def _linker_with(engine, store, f):
    linker = wedge.Linker(engine)
    linker.define(store, "", "f", f)
    return linker


def test_wrong_number_of_results(engine, store):
    f = wedge.Func(store, wedge.FuncType([], ["i32", "i32"]), lambda: (1, 2, 3))
    with pytest.raises(wedge.WedgeError, match="should return 2 values, returned 3"):
        f(store)
    g = wedge.Func(store, wedge.FuncType([], []), lambda: 5)
    with pytest.raises(TypeError, match="should return None"):
        g(store)


def test_host_functions_call_back_into_wasm(engine, store):
    """Wasm -> Python -> wasm -> Python: the store is reachable at every level."""
    linker = wedge.Linker(engine)
    exports = {}

    def fib_host(n):
        # Calls the wasm export again with the store (not the caller): allowed inside a callback.
        return n if n < 2 else exports["fib"](store, n - 1) + exports["fib"](store, n - 2)

    linker.define_func("env", "fib_host", wedge.FuncType(["i32"], ["i32"]), fib_host)
    exports.update(
        instantiate(
            engine,
            store,
            """(module (import "env" "fib_host" (func $h (param i32) (result i32)))
                       (func (export "fib") (param i32) (result i32) local.get 0 call $h))""",
            linker,
        )
    )
    assert exports["fib"](store, 15) == 610


def test_a_caller_is_dead_after_its_call(engine, store):
    kept = []
    f = wedge.Func(store, wedge.FuncType([], []), lambda caller: kept.append(caller), access_caller=True)
    f(store)
    with pytest.raises(wedge.WedgeError, match="after its host function returned"):
        kept[0].get("memory")
    with pytest.raises(wedge.WedgeError, match="after its host function returned"):
        wedge.Global(kept[0], wedge.GlobalType("i32", True), 1)


def test_funcref_and_externref_cross_the_boundary(engine, store):
    class Thing:
        pass

    thing = Thing()
    ex = instantiate(
        engine,
        store,
        """(module (table $t (export "t") 2 funcref) (table $e 1 externref)
             (func $seven (result i32) i32.const 7) (elem declare func $seven)
             (func (export "get_seven") (result funcref) ref.func $seven)
             (func (export "keep") (param externref) i32.const 0 local.get 0 table.set $e)
             (func (export "give") (result externref) i32.const 0 table.get $e)
             (func (export "call") (param i32) (result i32) local.get 0 call_indirect (result i32)))""",
    )
    seven = ex["get_seven"](store)
    assert isinstance(seven, wedge.Func) and seven(store) == 7
    ex["keep"](store, thing)
    assert ex["give"](store) is thing
    ex["keep"](store, None)
    assert ex["give"](store) is None
    table = ex["t"]
    table.set(store, 1, seven)
    assert ex["call"](store, 1) == 7
    with pytest.raises(wedge.Trap, match="uninitialized element"):
        ex["call"](store, 0)
