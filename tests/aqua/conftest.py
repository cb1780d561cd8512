"""Three peers as real processes on 127.0.0.131-133 (one subnet), the greeting module deployed on
each, shared by every Aqua test that runs programs; stopped when those tests end, pass or fail.
Compiled output goes to a cache folder of this package's own (not the whole session's: the
cache root also locates the control-plane binaries other tests need), so the tests exercise the
compiler itself."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest
from tests.peerset_processes import peerset
from tests.unit.marine.conftest import wasm

__all__ = ["wasm"]

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "aqua"


@pytest.fixture(scope="package", autouse=True)
def aqua_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pathlib.Path]:
    folder = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder / "cloudless" / "aqua"


@pytest.fixture(scope="package")
def peers(tmp_path_factory: pytest.TempPathFactory, wasm: dict[str, bytes]) -> Iterator[peerset.PeerSet]:
    started = peerset.PeerSet(tmp_path_factory.mktemp("aqua-peers"), count=3, first_host=131)
    try:
        started.start()
        started.deploy(wasm["greeting_c"])
        yield started
    finally:
        started.stop()
