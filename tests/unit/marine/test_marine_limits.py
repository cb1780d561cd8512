"""Limits and isolation: fuel, deadlines, memory caps, traps, recovery, and services kept apart."""

from __future__ import annotations

import pathlib
import sys

import orjson
import pytest
from tests.unit.marine.conftest import kv_service, single

from cloudless_runtime import marine

FAST_FAIL = marine.Limits(fuel=10**8, timeout_ms=5_000)


def test_runaway_loop_runs_out_of_fuel(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = single(host, wasm["runaway"], name="runaway", config=marine.ServiceConfig(limits=FAST_FAIL))
    with pytest.raises(marine.OutOfFuel) as failure:
        host.call(sid, "spin", [])
    assert failure.value.code == marine.OutOfFuel.code


def test_runaway_loop_hits_its_deadline(host: marine.Host, wasm: dict[str, bytes]) -> None:
    limits = marine.Limits(fuel=10**15, timeout_ms=100)
    sid = single(host, wasm["runaway"], name="runaway", config=marine.ServiceConfig(limits=limits))
    with pytest.raises(marine.Timeout):
        host.call(sid, "spin", [])
    assert host.call(sid, "burn", [10]).value == 45


def test_fuel_budget_admits_bounded_work(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = single(host, wasm["runaway"], name="runaway", config=marine.ServiceConfig(limits=FAST_FAIL))
    small = host.call(sid, "burn", [1000]).fuel
    assert host.call(sid, "burn", [100_000]).fuel > small
    with pytest.raises(marine.OutOfFuel):
        host.call(sid, "burn", [10**9])


@pytest.mark.parametrize("chunk", [1000, 65536, 1 << 20])
def test_memory_bomb_hits_the_memory_limit(host: marine.Host, wasm: dict[str, bytes], chunk: int) -> None:
    limits = marine.Limits(memory_bytes=4 << 20, fuel=10**10)
    sid = single(host, wasm["membomb"], name="membomb", config=marine.ServiceConfig(limits=limits))
    assert host.call(sid, "take", [100_000]).value == 100_000
    with pytest.raises(marine.MemoryLimit):
        host.call(sid, "bomb", [chunk])
    assert host.call(sid, "take", [100_000]).value == 100_000


def test_a_module_larger_than_its_limit_does_not_start(host: marine.Host, wasm: dict[str, bytes]) -> None:
    with pytest.raises(marine.MemoryLimit):
        single(
            host,
            wasm["greeting_c"],
            name="greeting",
            config=marine.ServiceConfig(limits=marine.Limits(memory_bytes=65536)),
        )


def test_a_trapped_instance_is_recreated(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = single(host, wasm["runaway"], name="runaway")
    assert [host.call(sid, "count", []).value for _ in range(3)] == [1, 2, 3]
    with pytest.raises(marine.Trap, match="unreachable") as failure:
        host.call(sid, "crash", [])
    assert type(failure.value) is marine.Trap
    assert host.call(sid, "count", []).value == 1


def test_a_failure_in_a_dependency_unwinds_the_facade_and_keeps_the_dependency(
    host: marine.Host, wasm: dict[str, bytes]
) -> None:
    sid = kv_service(host, wasm)
    for i in range(256):
        host.call(sid, "set", [f"key-{i}", str(i)])
    with pytest.raises(marine.ModuleError, match="storage: storage is full"):
        host.call(sid, "set", ["one-too-many", "x"])
    assert host.call(sid, "get", ["key-7"]).value == "7"
    assert host.call(sid, "set", ["key-7", "seven"]).value == "stored, 256 keys"


def test_one_services_failure_never_affects_another(host: marine.Host, wasm: dict[str, bytes]) -> None:
    digest = host.add_module(wasm["runaway"], name="runaway")
    blueprint = host.add_blueprint("runaway", [digest])
    calm = host.create_service(blueprint, config=marine.ServiceConfig(limits=FAST_FAIL))
    wild = host.create_service(blueprint, config=marine.ServiceConfig(limits=FAST_FAIL))
    assert [host.call(calm, "count", []).value for _ in range(2)] == [1, 2]
    for function, error in (("spin", marine.OutOfFuel), ("crash", marine.Trap)):
        with pytest.raises(error):
            host.call(wild, function, [])
    assert host.call(calm, "count", []).value == 3


def test_wasi_sees_only_its_own_mapped_dir(host: marine.Host, wasm: dict[str, bytes], tmp_path: pathlib.Path) -> None:
    config = marine.ServiceConfig(mapped_dirs=(("/storage", "storage"),), envs=(("COLOR", "blue"),))
    digest = host.add_module(wasm["files"], name="files")
    blueprint = host.add_blueprint("files", [digest])
    one = host.create_service(blueprint, config=config)
    two = host.create_service(blueprint, config=config)
    assert host.call(one, "write_file", ["note.txt", "from one"]).value == 8
    assert host.call(one, "read_file", ["note.txt"]).value == "from one"
    with pytest.raises(marine.ModuleError, match="open"):
        host.call(two, "read_file", ["note.txt"])
    for path in ("/etc/passwd", "/storage/../../note.txt", str(tmp_path)):
        with pytest.raises(marine.ModuleError):
            host.call(one, "read_path", [path])
    assert host.call(one, "env", ["COLOR"]).value == "blue"
    assert host.call(one, "env", ["service_id"]).value == one
    assert host.call(one, "env", ["HOME"]).value == ""


def test_no_mapped_dir_means_no_files(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = single(host, wasm["files"], name="files")
    with pytest.raises(marine.ModuleError):
        host.call(sid, "write_file", ["x", "y"])


def test_stdout_and_stderr_go_to_the_log(
    host: marine.Host, wasm: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    sid = single(host, wasm["files"], name="files")
    with caplog.at_level("INFO", logger="cloudless_runtime.marine.wasm"):
        host.call(sid, "shout", ["hello there"])
    lines = [r.getMessage() for r in caplog.records]
    assert f"{sid}/files stdout: hello there" in lines
    assert f"{sid}/files stderr: shouted 11 bytes" in lines


def test_module_log_calls_reach_the_log(
    host: marine.Host, wasm: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    sid = single(host, wasm["greeting_rust"], name="greeting")
    with caplog.at_level("DEBUG", logger="cloudless_runtime.marine.wasm"):
        host.call(sid, "greeting", ["Fiona"])
    assert f"{sid}/greeting: greeting Fiona" in [r.getMessage() for r in caplog.records]


def test_effectors_run_only_when_granted(tmp_path: pathlib.Path) -> None:
    grants = {"python": sys.executable}
    done = marine.effectors.run(grants, "python", b'["-c", "print(6 * 7)"]', timeout_s=10)
    assert orjson.loads(done) == {"ret_code": 0, "error": "", "stdout": "42\n", "stderr": ""}
    slow = marine.effectors.run(grants, "python", b'["-c", "import time; time.sleep(5)"]', timeout_s=0.2)
    assert orjson.loads(slow)["ret_code"] == marine.effectors.TIMED_OUT
    with pytest.raises(marine.EffectorDenied):
        marine.effectors.run(grants, "sh", b'["-c", "true"]', timeout_s=1)
    assert orjson.loads(marine.effectors.run(grants, "python", b"[1]", timeout_s=1))["ret_code"] == (
        marine.effectors.BAD_ARGUMENTS
    )


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        marine.Limits(memory_bytes=100)
    with pytest.raises(ValueError):
        marine.Limits(fuel=0)
