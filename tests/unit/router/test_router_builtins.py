"""Builtins with Fluence's names and conventions (`srv`, `dist` and the vault: test_router_services.py)."""

from __future__ import annotations

import pathlib

import pytest
from tests.unit.router.conftest import StartRouter

from cloudless_runtime import air, client, identity
from cloudless_runtime.router import addressbook, builtins, particle, runtime_client, stepstore

KEYS = identity.KeyPair.from_seed(bytes(range(32)))
OWNER = identity.KeyPair.from_seed(bytes(32))


@pytest.fixture
def services(runtime: runtime_client.RuntimeClient) -> builtins.Builtins:
    book = addressbook.AddressBook([addressbook.Entry(KEYS.peer_id, "127.0.0.2:7001", subnet="deal-1")])
    return builtins.Builtins(
        keys=KEYS,
        clock=lambda: 1_700_000_123_456,
        runtime=runtime,
        book=book,
        reachable=lambda a: a == "127.0.0.2:7001",
    )


def _call(services: builtins.Builtins, name: str, *args: object, init: identity.KeyPair = OWNER) -> object:
    served = particle.make(init, "(null)", ttl=1000, now=0)
    service, function = name.split(".")
    return services.call(service, function, list(args), builtins.Context(particle=served, host_id=KEYS.peer_id))


def test_peer_and_op(services: builtins.Builtins) -> None:
    assert _call(services, "peer.timestamp_ms") == 1_700_000_123_456
    assert _call(services, "peer.timestamp_sec") == 1_700_000_123
    assert _call(services, "op.noop") == ""
    assert _call(services, "op.identity", {"a": 1}) == {"a": 1}
    assert _call(services, "op.array", 1, "b") == [1, "b"]
    assert _call(services, "op.concat", [1], [], [2, 3]) == [1, 2, 3]
    assert _call(services, "op.array_length", [1, 2]) == 2
    for bad in (("op.identity", 1, 2), ("op.concat", [1], 2), ("op.array_length", 5), ("op.nope",)):
        with pytest.raises(builtins.BuiltinError):
            _call(services, *bad)
    identify = _call(services, "peer.identify")
    assert isinstance(identify, dict) and identify["node_version"] == builtins.NODE_VERSION


def test_sig_and_subnet(services: builtins.Builtins) -> None:
    signed = _call(services, "sig.sign", [1, 2, 3], init=KEYS)
    assert isinstance(signed, dict) and signed["success"] is True and signed["error"] == []
    with pytest.raises(builtins.BuiltinError, match="expected a sequence"):
        _call(services, "sig.sign", "text", init=KEYS)
    with pytest.raises(builtins.BuiltinError, match=f"peer '{OWNER.peer_id}' is not allowed to sign data on"):
        _call(services, "sig.sign", [1, 2, 3])  # another peer's particle: no signature in this peer's name
    (signature,) = signed["signature"]
    assert _call(services, "sig.verify", signature, [1, 2, 3]) is True
    assert _call(services, "sig.verify", signature, [1, 2, 4]) is False
    assert _call(services, "sig.get_peer_id") == KEYS.peer_id
    assert _call(services, "subnet.resolve", "deal-1") == {
        "success": True,
        "workers": [{"host_id": KEYS.peer_id, "worker_id": [KEYS.peer_id], "cu_ids": [], "address": "127.0.0.2:7001"}],
        "error": [],
    }
    resolved = _call(services, "subnet.resolve", "other")
    assert isinstance(resolved, dict) and resolved["workers"] == []


def test_peer_connect_probes_the_address_book_address(services: builtins.Builtins) -> None:
    assert _call(services, "peer.connect", KEYS.peer_id) is True
    assert _call(services, "peer.connect", OWNER.peer_id, []) is False  # not in the book
    with pytest.raises(builtins.BuiltinError, match=r"peer\.connect takes"):
        _call(services, "peer.connect")


PEER_TIMEOUT = """
(seq
  (par
    (call "{relay}" ("peer" "timeout") [{after} "late"] late)
    (call "{relay}" ("op" "identity") ["early"] $answers))
  (seq
    (seq
      (canon "{relay}" $answers #before)
      (call "{relay}" ("op" "noop") [late]))
    (call %init_peer_id% ("callbackSrv" "response") [#before late])))
"""


def test_peer_timeout_answers_later_while_other_branches_run(start_router: StartRouter, tmp_path: pathlib.Path) -> None:
    """The canon runs while the timeout is pending (it holds only "early"); the timeout's message
    arrives afterwards and lets the rest of the script run. The run fed the late result is a step
    record like any other: it runs again to the same outcome."""
    relay = start_router(steps_dir=tmp_path)
    script = PEER_TIMEOUT.format(relay=relay.peer_id, after=300)
    result = client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=60)
    assert result.responses == [[["early"], "late"]]
    assert not relay.router.journal.entries()
    assert relay.router.dispatcher.wait_idle(60)
    records = list(stepstore.read(tmp_path))
    late = [r for r in records if any(c.request.function_name == "timeout" for c in r.calls.values())]
    assert [(r.current_data, len(r.calls)) for r in late] == [(b"", 1)]  # fed the timeout's result alone
    for record in records:
        params = record.run_parameters(relay.router.config.keys.seed)
        again = air.run(record.particle.script, record.prev_data, record.current_data, params, record.call_results())
        assert again == record.outcome
