"""Builtins with Fluence's names and conventions, over an in-memory runtime fake."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pytest

from cloudless_runtime import air, identity
from cloudless_runtime.router import addressbook, builtins, particle, runtime

KEYS = identity.KeyPair.from_seed(bytes(range(32)))
OWNER = identity.KeyPair.from_seed(bytes(32))


class FakeRuntime:
    """Just enough of a runtime to see what the builtins ask of it."""

    def __init__(self) -> None:
        self.services: dict[str, runtime.ServiceInfo] = {}
        self.modules: dict[str, bytes] = {}

    def add_module(self, wasm: bytes, *, name: str) -> str:
        self.modules[name] = wasm
        return f"hash-of-{name}"

    def add_blueprint(self, name: str, modules: Sequence[str]) -> str:
        return f"{name}:{','.join(modules)}"

    def create_service(self, blueprint_id: str, *, owner_id: str) -> str:
        sid = f"svc-{len(self.services)}"
        self.services[sid] = runtime.ServiceInfo(sid, blueprint_id, owner_id)
        return sid

    def remove_service(self, service_id: str) -> None:
        del self.services[service_id]

    def list_services(self) -> list[runtime.ServiceInfo]:
        return list(self.services.values())

    def call(
        self, service_id: str, function: str, args: Sequence[air.interface.JValue], *, context: runtime.CallContext
    ) -> air.interface.JValue:
        raise runtime.RuntimeFailure("not here")


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
def services(fake: FakeRuntime) -> builtins.Builtins:
    book = addressbook.AddressBook([addressbook.Entry(KEYS.peer_id, "127.0.0.2:7001", subnet="deal-1")])
    return builtins.Builtins(
        keys=KEYS, clock=lambda: 1_700_000_123_456, runtime=fake, book=book, reachable=lambda a: a == "127.0.0.2:7001"
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


def test_srv_and_dist(services: builtins.Builtins, fake: FakeRuntime) -> None:
    digest = _call(services, "dist.add_module", base64.b64encode(b"\0asm").decode(), {"name": "greeting"})
    assert digest == "hash-of-greeting" and fake.modules["greeting"] == b"\0asm"
    blueprint = _call(services, "dist.add_blueprint", {"name": "bp", "dependencies": ["hash:a", "b"]})
    assert blueprint == "bp:a,b"
    sid = _call(services, "srv.create", blueprint)
    assert _call(services, "srv.list") == [
        {"id": sid, "blueprint_id": "bp:a,b", "owner_id": OWNER.peer_id, "aliases": [], "worker_id": KEYS.peer_id}
    ]
    with pytest.raises(builtins.BuiltinError, match="does not own"):
        _call(services, "srv.remove", sid, init=identity.KeyPair.generate())
    assert _call(services, "srv.remove", sid) == ""
    assert fake.services == {}
    with pytest.raises(builtins.BuiltinError, match="base64"):
        _call(services, "dist.add_module", "!!", {"name": "x"})


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
