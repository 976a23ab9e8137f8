"""WASI from Python: a C program with arguments, environment, stdio files, preopened
directories (read-only and read-write), its exit code, and calls to its exports."""
import pytest
import wedge
from conftest import GUEST


def run(engine, tmp_path, argv, readonly):
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "message.txt").write_text("a message from the host\n")
    (tmp_path / "stdin.txt").write_text("line from stdin\n")
    config = wedge.WasiConfig()
    config.argv = argv
    config.env = {"GREETING": "hello from Python"}
    config.stdin_file = str(tmp_path / "stdin.txt")
    config.stdout_file = str(tmp_path / "stdout.txt")
    config.stderr_file = str(tmp_path / "stderr.txt")
    config.preopen_dir(str(data), "/data", readonly=readonly)
    store = wedge.Store(engine)
    store.set_wasi(config)
    linker = wedge.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, wedge.Module.from_file(engine, str(GUEST)))
    return store, instance


def test_wasi_program_runs_and_exits(engine, tmp_path):
    store, instance = run(engine, tmp_path, ["app", "x y", "3"], readonly=True)
    start = instance.exports(store)["_start"]
    with pytest.raises(wedge.ExitTrap) as info:
        start(store)
    assert info.value.code == 3 and info.value.exit_code == 3 and info.value.kind == "exit"
    assert (tmp_path / "stdout.txt").read_text() == (
        "hello from WASI, 3 args: app x y 3\n"
        "GREETING=hello from Python\n"
        "stdin: line from stdin\n"
        "file: a message from the host\n"
        "create in /data: Capabilities insufficient\n"
        "open /etc/passwd: refused\n"
    )
    assert (tmp_path / "stderr.txt").read_text() == "to stderr\n"
    assert not (tmp_path / "data" / "new.txt").exists()


def test_wasi_read_write_directory_and_exports(engine, tmp_path):
    store, instance = run(engine, tmp_path, ["app"], readonly=False)
    exports = instance.exports(store)
    assert exports["_start"](store) is None  # exit status 0 returns normally
    assert "create in /data: allowed" in (tmp_path / "stdout.txt").read_text()
    assert (tmp_path / "data" / "new.txt").read_text() == "written by the guest\n"
    # Then call the program's exports, passing bytes through its memory.
    assert exports["add"](store, 40, 2) == 42
    ptr = exports["buffer"](store)
    payload = bytes(range(1, 101))
    exports["memory"].data(store)[ptr : ptr + len(payload)] = payload
    assert exports["checksum"](store, len(payload)) == sum(b * (i + 1) for i, b in enumerate(payload))


def test_wasi_setup_errors(engine, tmp_path):
    config = wedge.WasiConfig()
    config.preopen_dir(str(tmp_path / "missing"), "/data")
    with pytest.raises(wedge.WedgeError, match="cannot open directory"):
        wedge.Store(engine).set_wasi(config)
    config = wedge.WasiConfig()
    config.stdin_file = str(tmp_path / "missing.txt")
    with pytest.raises(OSError):
        wedge.Store(engine).set_wasi(config)
    config = wedge.WasiConfig()
    config.argv = ["a\0b"]
    with pytest.raises(wedge.WedgeError, match="NUL"):
        wedge.Store(engine).set_wasi(config)


def test_wasi_needs_the_linker(engine):
    module = wedge.Module.from_file(engine, str(GUEST))
    with pytest.raises(wedge.WedgeError, match="wasi_snapshot_preview1"):
        wedge.Linker(engine).instantiate(wedge.Store(engine), module)
