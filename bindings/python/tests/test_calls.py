"""Calling wasm from Python: values, results, reflection, bad modules and arguments."""
import math

import pytest
import wedge
from conftest import instantiate

ARITH = """
(module $arith
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "mulf") (param f32 f64) (result f64) local.get 0 f64.promote_f32 local.get 1 f64.mul)
  (func (export "swap") (param i32 i64) (result i64 i32) local.get 1 local.get 0)
  (func (export "nothing"))
  (func (export "v") (param v128) (result v128) local.get 0 local.get 0 i32x4.add))
"""


def test_add_and_wrapping(engine, store):
    ex = instantiate(engine, store, ARITH)
    add = ex["add"]
    assert add(store, 2, 3) == 5
    assert add(store, 0x7FFFFFFF, 1) == -(2**31)
    assert add(store, 0xFFFFFFFF, 0) == -1  # unsigned input is accepted and wraps
    assert ex["add64"](store, 2**62, 2**62) == -(2**63)


def test_floats_multi_value_and_none(engine, store):
    ex = instantiate(engine, store, ARITH)
    assert ex["mulf"](store, 1.5, 4.0) == 6.0
    assert math.isnan(ex["mulf"](store, float("nan"), 1.0))
    assert ex["swap"](store, 7, 2**40) == (2**40, 7)
    assert ex["nothing"](store) is None
    assert ex["v"](store, (1 << 96) | 5) == (2 << 96) | 10


def test_wrong_arguments_raise(engine, store):
    add = instantiate(engine, store, ARITH)["add"]
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        add(store, 1)
    with pytest.raises(TypeError, match="takes 2 arguments, got 3"):
        add(store, 1, 2, 3)
    with pytest.raises(TypeError):
        add(store, "one", 2)
    with pytest.raises(OverflowError, match="does not fit in i32"):
        add(store, 2**32, 1)
    with pytest.raises(TypeError, match="Store or wedge.Caller"):
        add(None, 1, 2)
    assert add(store, 1, 2) == 3  # the store still works


def test_objects_of_another_store_are_refused(engine, store):
    add = instantiate(engine, store, ARITH)["add"]
    other = wedge.Store(engine)
    with pytest.raises(wedge.WedgeError, match="does not belong"):
        add(other, 1, 2)


def test_invalid_modules(engine):
    with pytest.raises(wedge.WedgeError, match="offset"):
        wedge.Module(engine, b"\x00asm\x01\x00\x00\x00\x01\x05")
    with pytest.raises(wedge.WedgeError, match="invalid module"):
        wedge.Module(engine, b"not wasm at all\x00\x01")
    with pytest.raises(wedge.WedgeError, match="text format"):
        wedge.Module(engine, "(module (func (export \"f\") (result i32) i64.const 1)))")
    with pytest.raises(wedge.WedgeError, match="type mismatch"):
        wedge.Module(engine, "(module (func (result i32) i64.const 1))")
    with pytest.raises(wedge.WedgeError):
        wedge.Module.validate(engine, b"\x00asm\x02\x00\x00\x00")
    wedge.Module.validate(engine, wedge.wat2wasm("(module)"))


def test_reflection(engine):
    module = wedge.Module(
        engine,
        """(module $m
             (import "env" "f" (func (param i32) (result i64)))
             (import "env" "g" (global (mut f64)))
             (import "env" "m" (memory 1 5))
             (import "env" "t" (table 2 funcref))
             (func (export "run")) (memory (export "mem") 2) (global (export "k") i32 (i32.const 1)))""",
    )
    assert module.name == "m"
    imports = [(i.module, i.name, i.kind) for i in module.imports]
    assert imports == [("env", "f", "func"), ("env", "g", "global"), ("env", "m", "memory"), ("env", "t", "table")]
    f, g, m, t = (i.type for i in module.imports)
    assert [str(p) for p in f.params] == ["i32"] and [str(r) for r in f.results] == ["i64"]
    assert str(g.content) == "f64" and g.mutable
    assert (m.minimum, m.maximum) == (1, 5)
    assert str(t.element) == "funcref" and t.minimum == 2 and t.maximum is None
    assert [(e.name, e.kind) for e in module.exports] == [("run", "func"), ("mem", "memory"), ("k", "global")]
    assert module.exports[1].type.minimum == 2


def test_module_from_file_and_serialize(engine, tmp_path):
    path = tmp_path / "arith.wasm"
    path.write_bytes(wedge.wat2wasm(ARITH))
    module = wedge.Module.from_file(engine, str(path))
    store = wedge.Store(engine)
    assert wedge.Linker(engine).instantiate(store, module).exports(store)["add"](store, 20, 22) == 42
    if not engine.compiles:
        with pytest.raises(wedge.WedgeError):
            module.serialize()
        return
    aot = module.serialize()
    assert len(aot) > len(path.read_bytes())
    loaded = wedge.Module.deserialize(engine, aot)
    assert loaded.is_native and loaded.native_code_warning is None
    other = wedge.Config()
    other.native_code_key = bytes(range(16))
    foreign = wedge.Module.deserialize(wedge.Engine(other), aot)
    assert "signature" in foreign.native_code_warning  # signed with another key: compiled again
    with pytest.raises(wedge.WedgeError, match="16 bytes"):
        other.native_code_key = b"short"
    store = wedge.Store(engine)
    assert wedge.Linker(engine).instantiate(store, loaded).exports(store)["add"](store, 1, 2) == 3


def test_instance_with_positional_imports(engine, store):
    module = wedge.Module(
        engine,
        """(module (import "a" "twice" (func $t (param i32) (result i32)))
                   (import "a" "g" (global $g i32))
                   (func (export "run") (result i32) global.get $g call $t))""",
    )
    twice = wedge.Func(store, wedge.FuncType(["i32"], ["i32"]), lambda x: 2 * x)
    g = wedge.Global(store, wedge.GlobalType("i32", False), 21)
    instance = wedge.Instance(store, module, [twice, g])
    assert instance.get(store, "run")(store) == 42
    assert instance.get(store, "missing") is None
    with pytest.raises(wedge.WedgeError, match="expected 2 imports, got 1"):
        wedge.Instance(store, module, [twice])
    with pytest.raises(wedge.WedgeError, match="incompatible import type"):
        wedge.Instance(store, module, [g, twice])


def test_linker_instances_and_shadowing(engine, store):
    linker = wedge.Linker(engine)
    lib = linker.instantiate(store, wedge.Module(engine, ARITH))
    linker.define_instance(store, "arith", lib)
    user = wedge.Module(
        engine,
        """(module (import "arith" "add" (func $add (param i32 i32) (result i32)))
                   (func (export "inc") (param i32) (result i32) local.get 0 i32.const 1 call $add))""",
    )
    assert linker.instantiate(store, user).exports(store)["inc"](store, 41) == 42
    assert linker.get(store, "arith", "add")(store, 1, 1) == 2
    with pytest.raises(wedge.WedgeError, match="already defined"):
        linker.define_instance(store, "arith", lib)
    with pytest.raises(wedge.WedgeError, match="unknown import"):
        wedge.Linker(engine).instantiate(store, user)
    with pytest.raises(wedge.WedgeError, match="another store"):
        linker.instantiate(wedge.Store(engine), user)
