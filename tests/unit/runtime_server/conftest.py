"""A real runtime server on a loopback port over a fresh Marine host, and a channel to it."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import grpc
import pytest
from tests.unit.marine.conftest import SEED, wasm

from cloudless_runtime import identity, marine, runtime_server
from cloudless_runtime.proto._gen.cloudless.v1 import runtime_pb2_grpc

__all__ = ["wasm"]  # the example modules, built from source by the Marine tests' fixture


@pytest.fixture
def runtime(tmp_path: pathlib.Path) -> Iterator[runtime_server.Running]:
    with marine.Host(tmp_path / "state", keys=identity.KeyPair.from_seed(SEED)) as host:
        running = runtime_server.serve(host, address="127.0.0.1:0")
        yield running
        running.stop(0)


@pytest.fixture
def channel(runtime: runtime_server.Running) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(runtime.address) as opened:
        yield opened


@pytest.fixture
def stub(channel: grpc.Channel) -> runtime_pb2_grpc.RuntimeStub:
    return runtime_pb2_grpc.RuntimeStub(channel)
