"""Fixtures for the Marine host tests: the example modules built from source, and a host per test.

The modules come from `examples/modules` (built by `make modules`); if they are missing the fixture
builds them once with the same Makefile, and fails with the reason if the toolchains are absent.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from cloudless_runtime import identity, marine

ROOT = pathlib.Path(__file__).resolve().parents[3]
MODULES = ROOT / "examples" / "modules"
BUILD = MODULES / "build"
NAMES = ("greeting_c", "greeting_cpp", "greeting_rust", "kv_storage", "kv_facade", "files", "runaway", "membomb")
SEED = bytes(range(32))


@pytest.fixture(scope="session")
def wasm() -> dict[str, bytes]:
    """Bytes of every example module, built from source if needed."""
    missing = [n for n in NAMES if not (BUILD / f"{n}.wasm").exists()]
    if missing:
        if shutil.which("make") is None:
            pytest.fail("example modules are missing and make is not installed: run `make modules`")
        done = subprocess.run(
            ["make", "-C", str(MODULES), f"PYTHON={sys.executable}"], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.fail(f"building the example modules failed; run `make modules` to see why:\n{done.stderr[-3000:]}")
    return {n: (BUILD / f"{n}.wasm").read_bytes() for n in NAMES}


@pytest.fixture
def keys() -> identity.KeyPair:
    return identity.KeyPair.from_seed(SEED)


@pytest.fixture(params=[True, False], ids=["fast", "public"])
def fast(request: pytest.FixtureRequest) -> bool:
    """Both call paths: the cached-signature fast path and wasmtime's public API fallback."""
    value: bool = request.param
    return value


@pytest.fixture
def host(tmp_path: pathlib.Path, keys: identity.KeyPair) -> Iterator[marine.Host]:
    with marine.Host(tmp_path / "state", keys=keys) as opened:
        yield opened


def single(host: marine.Host, module: bytes, *, name: str, config: marine.ServiceConfig | None = None) -> str:
    """A service of one module; returns its id."""
    digest = host.add_module(module, name=name)
    return host.create_service(host.add_blueprint(name, [digest]), config=config)


def kv_service(host: marine.Host, wasm: dict[str, bytes]) -> str:
    """The two-module key-value service: storage first, facade last."""
    storage = host.add_module(wasm["kv_storage"], name="storage")
    facade = host.add_module(wasm["kv_facade"], name="kv")
    return host.create_service(host.add_blueprint("kv", [storage, facade]))
