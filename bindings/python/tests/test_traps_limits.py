"""Traps with backtraces, gas, time limits, interruption from another thread, store limits."""
import threading
import time

import pytest
import wedge
from conftest import instantiate

TRAPS = """
(module $traps
  (func $div (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $middle (param i32) (result i32) local.get 0 i32.const 0 call $div)
  (func $outer (export "outer") (result i32) i32.const 1 call $middle)
  (func (export "oob") (result i32) i32.const 70000 i32.load)
  (func $rec (export "rec") (param i32) (result i32) local.get 0 call $rec)
  (func (export "spin") (loop (br 0)))
  (func (export "count") (param i32) (result i32) (local $i i32)
    (block (loop (br_if 1 (i32.ge_u (local.get $i) (local.get 0)))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br 0))) local.get $i)
  (memory 1))
"""


def test_trap_kinds_messages_and_backtraces(engine, store):
    ex = instantiate(engine, store, TRAPS)
    with pytest.raises(wedge.Trap) as info:
        ex["outer"](store)
    trap = info.value
    assert trap.kind == "integer_divide_by_zero"
    assert trap.message == "integer divide by zero"
    assert [f.func_name for f in trap.frames] == ["div", "middle", "outer"]
    assert [f.func_index for f in trap.frames] == [0, 1, 2]
    assert trap.frames[0].module_name == "traps"
    assert "wasm backtrace" in str(trap) and "traps!middle" in str(trap)
    assert trap.exit_code is None
    with pytest.raises(wedge.Trap, match="out of bounds memory access") as info:
        ex["oob"](store)
    assert info.value.kind == "memory_out_of_bounds"
    with pytest.raises(wedge.Trap, match="call stack exhausted"):
        ex["rec"](store, 1)
    with pytest.raises(wedge.Trap, match="integer overflow"):
        ex["div"](store, -(2**31), -1)
    assert ex["div"](store, 9, 3) == 3  # the store keeps working after traps


def test_trapping_start_function(engine, store):
    module = wedge.Module(engine, "(module (func $s unreachable) (start $s))")
    with pytest.raises(wedge.Trap, match="unreachable"):
        wedge.Linker(engine).instantiate(store, module)


def metered(engine_kind="auto", **flags):
    config = wedge.Config()
    config.strategy = engine_kind
    for k, v in flags.items():
        setattr(config, k, v)
    return wedge.Engine(config)


@pytest.mark.parametrize("tier", ["interpreter", "auto"])
def test_gas_limit(tier):
    engine = metered(tier, metering=True)
    store = wedge.Store(engine)
    count = instantiate(engine, store, TRAPS)["count"]
    store.set_gas_limit(10_000)
    assert count(store, 10) == 10
    used = store.gas_used()
    assert 0 < used < 10_000 and store.gas_remaining() == 10_000 - used
    assert store.instruction_count() == used  # default cost table: one per operator
    with pytest.raises(wedge.Trap, match="gas exhausted") as info:
        count(store, 1_000_000)
    assert info.value.kind == "gas_exhausted"
    store.add_gas(1_000_000)
    assert count(store, 100) == 100


def test_cost_table():
    config = wedge.Config()
    config.metering = True
    config.cost_table = "default 1\ni32.add 100\n"
    engine = wedge.Engine(config)
    store = wedge.Store(engine)
    count = instantiate(engine, store, TRAPS)["count"]
    store.set_gas_limit(None)
    count(store, 10)
    assert store.gas_used() > 10 * 100
    with pytest.raises(wedge.WedgeError):
        config.cost_table = "i32.add lots"


@pytest.mark.parametrize("tier", ["interpreter", "auto"])
def test_time_limit_stops_an_endless_loop(tier):
    engine = metered(tier, interruptible=True)
    store = wedge.Store(engine)
    ex = instantiate(engine, store, TRAPS)
    store.set_time_limit(0.05)
    with pytest.raises(wedge.Trap) as info:
        ex["spin"](store)
    assert info.value.kind == "interrupted"
    assert ex["count"](store, 5) == 5  # short calls still run under the limit


def test_interrupt_from_another_python_thread_while_wasm_runs():
    """Wasm runs with the GIL released: a Python thread can interrupt it, and cannot
    use the busy store meanwhile."""
    engine = metered(interruptible=True)
    store = wedge.Store(engine)
    ex = instantiate(engine, store, TRAPS)
    handle = store.interrupt_handle()
    errors = []

    def other():
        time.sleep(0.1)
        try:
            ex["count"](store, 1)
        except wedge.WedgeError as e:
            errors.append(str(e))
        handle.interrupt()

    t = threading.Thread(target=other)
    t.start()
    with pytest.raises(wedge.Trap, match="interrupted"):
        ex["spin"](store)
    t.join()
    assert errors == ["the store is running wasm on another thread"]


def test_stores_in_threads_run_in_parallel_with_python(engine):
    module = wedge.Module(engine, TRAPS)
    results = {}

    def work(n):
        store = wedge.Store(engine)
        count = wedge.Linker(engine).instantiate(store, module).exports(store)["count"]
        results[n] = count(store, 100_000 + n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: 100_000 + n for n in range(4)}


def test_memory_limits(engine):
    store = wedge.Store(engine)
    ex = instantiate(
        engine,
        store,
        """(module (memory (export "m") 1) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))""",
    )
    store.set_limits(memory_pages=3)
    assert ex["grow"](store, 2) == 1
    assert ex["grow"](store, 1) == -1
    with pytest.raises(wedge.WedgeError):
        ex["m"].grow(store, 1)
