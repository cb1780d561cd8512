"""Every program in examples/aqua, compiled by the real Aqua compiler and run as js-client would
on three peers (real processes): the values that come back are the ones Fluence would return."""

from __future__ import annotations

from typing import Any

import pytest
from tests.aqua.conftest import EXAMPLES
from tests.peerset_processes import peerset

from cloudless_runtime import identity
from cloudless_runtime.client import function
from cloudless_runtime.router import runtime_client

TIMEOUT = 60.0
"""Per run; generous because the machine may be busy building in parallel."""


def _run(peers: peerset.PeerSet, file: str, func: str, /, **arguments: Any) -> Any:
    relay = peers.peers[0]
    return function.run(
        EXAMPLES / file,
        func,
        arguments,
        relay_address=relay.address,
        relay_id=relay.peer_id,
        keys=identity.KeyPair.generate(),
        timeout_s=TIMEOUT,
    )


def _deployed(peers: peerset.PeerSet) -> list[dict[str, str]]:
    return [{"worker": p.peer_id, "service_id": p.greeting} for p in peers.peers]


def test_hello_through_the_relay(peers: peerset.PeerSet) -> None:
    assert _run(peers, "hello.aqua", "hello", name="world") == ["Hello, world", peers.peers[0].peer_id]


def test_arithmetic_and_comparisons_on_the_relay_and_the_client(peers: peerset.PeerSet) -> None:
    assert _run(peers, "arithmetic.aqua", "calc", a=17, b=5) == [22, 12, 85, 3, True, False, 211]
    assert _run(peers, "arithmetic.aqua", "calc", a=-7, b=2) == [-5, -9, -14, -3, False, True, -35]


def test_division_by_zero_is_the_functions_error(peers: peerset.PeerSet) -> None:
    with pytest.raises(function.FunctionFailed, match="i64 div overflow") as failed:
        _run(peers, "arithmetic.aqua", "calc", a=1, b=0)
    assert failed.value.error["peer_id"] == peers.peers[0].peer_id


def test_optional_values_structures_and_arrays(peers: peerset.PeerSet) -> None:
    profile = {"name": "ann", "nick": None, "tags": ["x", "y"]}
    assert _run(peers, "structures.aqua", "describe", profile=profile, extra="e") == [
        {"title": "ann!", "tag_count": 2, "first_tag": "x", "has_nick": False},
        ["x", "y", "aqua"],
        "e",
    ]
    bare = {"name": "bob", "nick": "b", "tags": []}
    assert _run(peers, "structures.aqua", "describe", profile=bare, extra=None) == [
        {"title": "bob!", "tag_count": 0, "first_tag": None, "has_nick": True},
        ["aqua"],
        None,
    ]


def test_fan_out_over_the_subnet_joins_every_worker(peers: peerset.PeerSet) -> None:
    answered = _run(peers, "fanout.aqua", "fan_out")
    assert sorted(answered) == sorted(p.peer_id for p in peers.peers)


def test_a_marine_service_on_every_worker(peers: peerset.PeerSet) -> None:
    assert _run(peers, "greeting.aqua", "greet_all", deployed=_deployed(peers), name="fluence") == ["Hi, fluence"] * 3


def test_structures_built_in_stream_maps_on_the_workers(peers: peerset.PeerSet) -> None:
    answers = _run(peers, "streammap.aqua", "by_worker", deployed=_deployed(peers), name="map")
    assert sorted(answers, key=lambda a: a["worker"]) == sorted(
        ({"worker": p.peer_id, "greeting": "Hi, map"} for p in peers.peers), key=lambda a: a["worker"]
    )


def test_try_catch_fails_over_to_the_backup_worker(peers: peerset.PeerSet) -> None:
    first, backup = peers.peers[1], peers.peers[2]
    answer, failure = _run(
        peers,
        "failover.aqua",
        "failover",
        first=first.peer_id,
        backup=backup.peer_id,
        service_id=backup.greeting,
        name="failover",
    )
    assert answer == "Hi, failover"
    # the first worker has no such service: nox's error for that is what was caught
    assert (
        f"ret_code is 1, error message is '\"Service with id '{backup.greeting}' not found (function greeting)"
        in failure
    )


def test_a_service_created_aliased_called_and_removed_by_name(peers: peerset.PeerSet) -> None:
    worker = peers.peers[1]
    report = _run(peers, "aliases.aqua", "by_alias", worker=worker.peer_id, blueprint_name="greeting", alias="hello",
                  name="alias")  # fmt: skip
    assert report == {
        "greeting": "Hi, alias",
        "same_service": True,
        "aliases": ["hello"],
        "functions": ["greeting"],
        "after_removal": None,
    }
    services = runtime_client.RuntimeClient(worker.runtime_address)
    try:
        assert [s.service_id for s in services.list_services()] == [worker.greeting]  # the new one is gone
    finally:
        services.close()


def test_a_race_against_peer_timeout(peers: peerset.PeerSet) -> None:
    worker = peers.peers[1]
    up = _run(peers, "timeout.aqua", "race", worker=worker.peer_id, service_id=worker.greeting, name="race",
              wait_ms=20_000)  # fmt: skip
    assert up == "Hi, race"
    down = identity.KeyPair.generate().peer_id  # no such peer: the particle sent there is lost
    assert _run(peers, "timeout.aqua", "race", worker=down, service_id="x", name="race", wait_ms=300) == "timed out"
