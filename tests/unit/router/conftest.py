"""Routers on loopback ports in this process, sharing one real runtime server with a greeting service."""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator

import pytest
from tests.unit.marine.conftest import wasm

from cloudless_runtime import identity, marine, runtime_server
from cloudless_runtime.router import addressbook, runtime_client, server

__all__ = ["wasm"]  # the example modules, built from source by the Marine tests' fixture

StartRouter = Callable[..., server.Running]


@pytest.fixture
def runtime_keys() -> identity.KeyPair:
    """The runtime's peer key; a test module that needs a known one overrides this fixture."""
    return identity.KeyPair.generate()


@pytest.fixture
def runtime(tmp_path: pathlib.Path, runtime_keys: identity.KeyPair) -> Iterator[runtime_client.RuntimeClient]:
    with marine.Host(tmp_path / "state", keys=runtime_keys) as host:
        running = runtime_server.serve(host, address="127.0.0.1:0")
        client = runtime_client.RuntimeClient(running.address, timeout_s=60)
        yield client
        client.close()
        running.stop(0)


@pytest.fixture
def greeting(runtime: runtime_client.RuntimeClient, wasm: dict[str, bytes]) -> str:
    """The id of a greeting service (C) on the shared runtime."""
    digest = runtime.add_module(wasm["greeting_c"], name="greeting")
    return runtime.create_service(runtime.add_blueprint("greeting", [digest]), owner_id="")


@pytest.fixture
def book() -> addressbook.AddressBook:
    return addressbook.AddressBook()


@pytest.fixture
def start_router(runtime: runtime_client.RuntimeClient, book: addressbook.AddressBook) -> Iterator[StartRouter]:
    """Starts routers that all know each other through the shared address book."""
    started: list[server.Running] = []

    def start(**overrides: object) -> server.Running:
        config = server.Config(
            keys=identity.KeyPair.generate(),
            listen="127.0.0.1:0",
            runtime=runtime,
            book=book,
            forward_backoff_s=0.05,
            **overrides,  # type: ignore[arg-type]
        )
        running = server.serve(config)
        started.append(running)
        book.replace([*book.entries(), addressbook.Entry(running.peer_id, running.address, subnet="deal-1")])
        return running

    yield start
    for running in started:
        running.stop(0)
