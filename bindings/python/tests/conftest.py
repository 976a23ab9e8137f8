import pathlib

import pytest
import wedge

GUEST = pathlib.Path(__file__).resolve().parents[2] / "guest" / "wasi_app.wasm"


@pytest.fixture(params=["interpreter", "auto", "tiered"])
def engine(request):
    """An engine per tier: the interpreter, (where the host compiles) Cranelift, and tiered."""
    config = wedge.Config()
    config.strategy = request.param
    return wedge.Engine(config)


@pytest.fixture
def store(engine):
    return wedge.Store(engine)


def instantiate(engine, store, wat, linker=None):
    module = wedge.Module(engine, wat)
    return (linker or wedge.Linker(engine)).instantiate(store, module).exports(store)
