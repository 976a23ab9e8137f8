"""Memories (zero-copy views), globals and tables."""
import gc
import weakref

import pytest
import wedge
from conftest import instantiate

MEM = """
(module
  (memory (export "memory") 1 4)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size))
"""


def test_memory_view_is_zero_copy(engine, store):
    ex = instantiate(engine, store, MEM)
    memory = ex["memory"]
    view = memory.data(store)
    assert isinstance(view, memoryview) and len(view) == 65536 and not view.readonly
    view[100] = 42
    assert ex["load"](store, 100) == 42  # wasm sees the Python write
    ex["store"](store, 200, 99)
    assert view[200] == 99  # Python sees the wasm write through the same view
    assert memory.read(store, 199, 202) == b"\x00c\x00"
    memory.write(store, bytearray(b"xyz"), 65533)
    assert bytes(view[-3:]) == b"xyz"
    with pytest.raises(wedge.WedgeError, match="out of bounds"):
        memory.write(store, b"toolong", 65533)
    with pytest.raises(wedge.WedgeError, match="out of bounds"):
        memory.read(store, 10, 70000)


def test_memory_grows_and_views_outlive_the_store(engine):
    store = wedge.Store(engine)
    ex = instantiate(engine, store, MEM)
    memory = ex["memory"]
    old = memory.data(store)
    assert memory.grow(store, 1) == 1
    assert ex["grow"](store, 1) == 2
    assert memory.size(store) == 3 and memory.data_len(store) == 3 * 65536
    assert ex["grow"](store, 5) == -1
    with pytest.raises(wedge.WedgeError):
        memory.grow(store, 5)
    old[0] = 1  # an old view keeps its length and stays valid
    new = memory.data(store)
    assert len(new) == 3 * 65536 and new[0] == 1
    del store, ex, memory, old
    gc.collect()
    new[-1] = 5  # the view keeps the store alive
    assert new[-1] == 5


def test_host_memory_imported_by_wasm(engine, store):
    memory = wedge.Memory(store, wedge.MemoryType(1, 2))
    linker = wedge.Linker(engine)
    linker.define(store, "env", "memory", memory)
    ex = instantiate(
        engine,
        store,
        """(module (import "env" "memory" (memory 1))
                   (func (export "sum") (param i32 i32) (result i32) (local $s i32)
                     (block (loop (br_if 1 (i32.eqz (local.get 1)))
                       (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get 0))))
                       (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                       (local.set 1 (i32.sub (local.get 1) (i32.const 1))) (br 0)))
                     local.get $s))""",
        linker,
    )
    memory.data(store)[0:4] = bytes([1, 2, 3, 4])
    assert ex["sum"](store, 0, 4) == 10
    assert memory.type(store).maximum == 2


def test_globals(engine, store):
    ex = instantiate(
        engine,
        store,
        """(module (global $g (export "g") (mut i64) (i64.const 5)) (global (export "k") f32 (f32.const 0.5))
                   (func (export "get") (result i64) global.get $g))""",
    )
    g, k = ex["g"], ex["k"]
    assert g.value(store) == 5 and k.value(store) == 0.5
    g.set_value(store, -9)
    assert ex["get"](store) == -9
    with pytest.raises(wedge.WedgeError, match="immutable|constant|const"):
        k.set_value(store, 1.0)
    with pytest.raises(TypeError):
        g.set_value(store, "x")
    assert g.type(store).mutable and str(g.type(store).content) == "i64"
    host = wedge.Global(store, wedge.GlobalType(wedge.ValType.f64(), True), 2.5)
    assert host.value(store) == 2.5


def test_tables(engine, store):
    double = wedge.Func(store, wedge.FuncType(["i32"], ["i32"]), lambda x: 2 * x)
    table = wedge.Table(store, wedge.TableType("funcref", 1, 3), None)
    linker = wedge.Linker(engine)
    linker.define(store, "env", "table", table)
    ex = instantiate(
        engine,
        store,
        """(module (import "env" "table" (table 1 funcref)) (type $t (func (param i32) (result i32)))
                   (func (export "call") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $t)))""",
        linker,
    )
    assert table.size(store) == 1 and table.get(store, 0) is None
    with pytest.raises(wedge.Trap, match="uninitialized element"):
        ex["call"](store, 0, 1)
    table.set(store, 0, double)
    assert ex["call"](store, 0, 21) == 42
    assert table.grow(store, 2, double) == 1
    assert ex["call"](store, 2, 5) == 10
    with pytest.raises(wedge.WedgeError):
        table.grow(store, 1, None)
    with pytest.raises(wedge.WedgeError, match="out of bounds"):
        table.get(store, 3)
    with pytest.raises(wedge.Trap, match="undefined element"):
        ex["call"](store, 3, 1)
    externs = wedge.Table(store, wedge.TableType("externref", 2), "init")
    assert externs.get(store, 1) == "init"


def test_a_store_in_a_cycle_through_its_data_is_collected(engine):
    class Holder:
        pass

    holder = Holder()
    store = wedge.Store(engine, data=holder)
    holder.store = store
    assert store.data is holder
    alive = weakref.ref(holder)
    del holder, store
    gc.collect()
    assert alive() is None
