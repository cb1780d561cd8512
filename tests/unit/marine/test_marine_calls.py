"""Calls through the facade: the greeting in three languages, argument checks, both call paths."""

from __future__ import annotations

import dataclasses
import pathlib

import pytest
from tests.unit.marine.conftest import single

from cloudless_runtime import identity, marine


@pytest.mark.parametrize("language", ["c", "cpp", "rust"])
def test_greeting_in_every_language(host: marine.Host, wasm: dict[str, bytes], language: str) -> None:
    sid = single(host, wasm[f"greeting_{language}"], name="greeting")
    assert host.call(sid, "greeting", ["Fiona"]).value == "Hi, Fiona"
    assert host.call(sid, "greeting", [""]).value == "Hi, "
    assert host.call(sid, "greeting", ["Zoë 🌍" * 1000]).value == "Hi, " + "Zoë 🌍" * 1000


def test_fast_and_public_paths_agree(
    tmp_path: pathlib.Path, keys: identity.KeyPair, wasm: dict[str, bytes], fast: bool
) -> None:
    with marine.Host(tmp_path, keys=keys, fast=fast) as host:
        sid = single(host, wasm["runaway"], name="runaway")
        assert host.call(sid, "burn", [1000]).value == sum(range(1000))
        assert [host.call(sid, "count", []).value for _ in range(3)] == [1, 2, 3]
        greeting = single(host, wasm["greeting_c"], name="greeting")
        assert host.call(greeting, "greeting", ["x"]).value == "Hi, x"


def test_fuel_is_deterministic_for_the_same_state_and_input(host: marine.Host, wasm: dict[str, bytes]) -> None:
    """Fuel depends on the instance's state (the first malloc sets up the heap), so replays start fresh."""
    digest = host.add_module(wasm["greeting_c"], name="greeting")
    blueprint = host.add_blueprint("greeting", [digest])
    runs = []
    for _ in range(2):
        sid = host.create_service(blueprint)
        runs.append([host.call(sid, "greeting", [name]).fuel for name in ("Fiona", "Fiona", "Zoe")])
    assert runs[0] == runs[1]
    assert all(fuel > 0 for fuel in runs[0])


@pytest.mark.parametrize(
    ("function", "args"),
    [("greeting", []), ("greeting", [1]), ("greeting", ["a", "b"]), ("greeting", [None])],
)
def test_bad_arguments_are_rejected_before_the_module_runs(
    host: marine.Host, wasm: dict[str, bytes], function: str, args: list[marine.abi.Json]
) -> None:
    sid = single(host, wasm["greeting_c"], name="greeting")
    with pytest.raises(marine.BadArguments):
        host.call(sid, function, args)
    assert host.call(sid, "greeting", ["ok"]).value == "Hi, ok"


def test_unsigned_and_range_checks(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = single(host, wasm["runaway"], name="runaway")
    with pytest.raises(marine.BadArguments):
        host.call(sid, "burn", [-1])
    with pytest.raises(marine.BadArguments):
        host.call(sid, "burn", [2**32])
    with pytest.raises(marine.BadArguments):
        host.call(sid, "burn", [True])


def test_unknown_service_or_function(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = single(host, wasm["greeting_c"], name="greeting")
    with pytest.raises(marine.NotFound):
        host.call(sid, "mx_alloc", [1, 1])
    with pytest.raises(marine.NotFound):
        host.call("no-such-service", "greeting", ["x"])


def test_receipts_verify_and_detect_tampering(
    host: marine.Host, wasm: dict[str, bytes], keys: identity.KeyPair
) -> None:
    sid = single(host, wasm["greeting_rust"], name="greeting")
    params = marine.CallParameters(particle=marine.Particle(id="particle-1"))
    outcome = host.call(sid, "greeting", ["Fiona"], call_parameters=params)
    receipt = outcome.receipt
    assert receipt.peer_id == keys.peer_id
    assert receipt.particle_id == "particle-1"
    assert receipt.fuel == outcome.fuel
    assert receipt.modules == host.service(sid).module_hashes
    assert marine.verify(receipt, args=["Fiona"], result="Hi, Fiona")
    assert not marine.verify(receipt, result="Hi, Fionb")
    assert not marine.verify(dataclasses.replace(receipt, fuel=receipt.fuel - 1))
    other = identity.KeyPair.generate()
    assert not marine.verify(dataclasses.replace(receipt, peer_id=other.peer_id))
