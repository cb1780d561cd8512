"""Five peers as real processes on 127.0.0.101-105, shared by the tests of a module; the example
greeting module deployed on each. Every process is stopped when the module's tests end, pass or fail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.peerset_processes import peerset
from tests.unit.marine.conftest import wasm

__all__ = ["wasm"]

PEERS = 5


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory, wasm: dict[str, bytes]) -> Iterator[peerset.PeerSet]:
    started = peerset.PeerSet(tmp_path_factory.mktemp("peers"), count=PEERS)
    try:
        started.start()
        started.deploy(wasm["greeting_c"])
        yield started
    finally:
        started.stop()
