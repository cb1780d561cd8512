"""`srv.*`, `dist.*`, `stat.*` and the particle vault over a real runtime server (a Marine host
behind gRPC): aqua-lib's result types and nox's rules and error messages."""

from __future__ import annotations

import base64
import hashlib
import pathlib

import orjson
import pytest
import wasmtime

from cloudless_runtime import air, identity, marine
from cloudless_runtime.router import addressbook, builtins, calls, metrics, particle, runtime_client
from cloudless_runtime.router.builtins import vault

PEER = identity.KeyPair.from_seed(bytes(range(32)))
"""The peer: its router and its runtime share this key, as in a worker pod."""
OWNER = identity.KeyPair.from_seed(bytes(32))
STRANGER = identity.KeyPair.from_seed(bytes([7]) * 32)
GREETING_INTERFACE = {
    "function_signatures": [{"name": "greeting", "arguments": [["name", "string"]], "output_types": ["string"]}],
    "record_types": [],
}


def ascii_module() -> bytes:
    """A valid module (memory, the MX allocator pair, an empty interface) whose bytes are all ASCII,
    so it can travel as a `vault.put` string: the only way text-only builtins can carry a module."""
    base = wasmtime.wat2wasm(
        '(module (memory (export "memory") 1)'
        ' (func (export "mx_alloc") (param i32 i32) (result i32) i32.const 0)'
        ' (func (export "mx_free") (param i32 i32 i32)))'
    )
    name, payload = b"mx-interface", b'{"abi":"mx/1","functions":[]}'
    section = bytes([len(name)]) + name + payload
    return bytes(base) + bytes([0, len(section)]) + section


@pytest.fixture
def runtime_keys() -> identity.KeyPair:
    return PEER


@pytest.fixture
def peer(runtime: runtime_client.RuntimeClient) -> builtins.Builtins:
    book = addressbook.AddressBook([addressbook.Entry(PEER.peer_id, "127.0.0.2:7001", subnet="deal-1")])
    return builtins.Builtins(keys=PEER, clock=particle.wall_clock, runtime=runtime, book=book, reachable=lambda a: True)


def call(peer: builtins.Builtins, name: str, *args: object, by: identity.KeyPair = OWNER) -> object:
    return call_in(peer, particle.make(by, "(null)", ttl=60_000, now=particle.wall_clock()), name, *args)


def call_in(peer: builtins.Builtins, served: particle.Particle, name: str, *args: object) -> object:
    service, function = name.split(".")
    return peer.call(service, function, list(args), builtins.Context(particle=served, host_id=PEER.peer_id))


def fails(peer: builtins.Builtins, name: str, *args: object, by: identity.KeyPair = OWNER) -> str:
    with pytest.raises(builtins.BuiltinError) as failed:
        call(peer, name, *args, by=by)
    return str(failed.value)


def scope() -> str:
    return f'WorkerId(WorkerId(PeerId("{PEER.peer_id}")))'


def deploy(peer: builtins.Builtins, wasm: dict[str, bytes], *, by: identity.KeyPair = OWNER) -> tuple[str, str, str]:
    """(module hash, blueprint id, service id) of a greeting service created by `by`."""
    digest = call(peer, "dist.add_module", base64.b64encode(wasm["greeting_c"]).decode(), {"name": "greeting"})
    blueprint = call(peer, "dist.add_blueprint", call(peer, "dist.make_blueprint", "greeting", [digest]))
    service_id = call(peer, "srv.create", blueprint, by=by)
    assert isinstance(digest, str) and isinstance(blueprint, str) and isinstance(service_id, str)
    return digest, blueprint, service_id


def test_modules_blueprints_and_services_come_from_the_runtime(peer: builtins.Builtins, wasm: dict[str, bytes]) -> None:
    digest, blueprint, service_id = deploy(peer, wasm)
    assert digest == hashlib.sha256(wasm["greeting_c"]).hexdigest()
    assert call(peer, "dist.make_blueprint", "greeting", [digest]) == (
        f'{{"dependencies":[{{"/":"{digest}"}}],"name":"greeting"}}'
    )
    default_config = call(peer, "dist.default_module_config", "greeting")
    assert call(peer, "dist.list_modules") == [{"name": "greeting", "hash": digest, "config": default_config}]
    assert call(peer, "dist.get_module_interface", digest) == GREETING_INTERFACE
    assert call(peer, "dist.list_blueprints") == [{"id": blueprint, "name": "greeting", "dependencies": [digest]}]
    assert call(peer, "dist.get_blueprint", blueprint) == {
        "id": blueprint,
        "name": "greeting",
        "dependencies": [digest],
    }
    # the older aqua-lib form of a blueprint names the same one
    assert call(peer, "dist.add_blueprint", {"name": "greeting", "dependencies": [f"hash:{digest}"]}) == blueprint
    described = {
        "id": service_id,
        "blueprint_id": blueprint,
        "service_type": "service",
        "owner_id": OWNER.peer_id,
        "aliases": [],
        "worker_id": PEER.peer_id,
    }
    assert call(peer, "srv.list") == [described]
    assert call(peer, "srv.info", service_id) == described
    assert call(peer, "srv.get_interface", service_id) == GREETING_INTERFACE


def test_the_interface_of_a_service_is_its_facades(peer: builtins.Builtins, wasm: dict[str, bytes]) -> None:
    storage = call(peer, "dist.add_module", list(wasm["kv_storage"]), {"name": "storage"})  # builtin.aqua's Bytes
    facade = call(peer, "dist.add_module", base64.b64encode(wasm["kv_facade"]).decode(), {"name": "kv_facade"})
    blueprint = call(peer, "dist.add_blueprint", call(peer, "dist.make_blueprint", "kv", [storage, facade]))
    interface = call(peer, "srv.get_interface", call(peer, "srv.create", blueprint))
    assert isinstance(interface, dict)
    assert [f["name"] for f in interface["function_signatures"]] == ["set", "get", "whoami", "fail"]
    assert interface["function_signatures"][2] == {"name": "whoami", "arguments": [], "output_types": ["json"]}


def test_an_alias_names_a_service_for_calls_and_lookups(
    peer: builtins.Builtins, runtime: runtime_client.RuntimeClient, wasm: dict[str, bytes]
) -> None:
    _, _, service_id = deploy(peer, wasm)
    assert call(peer, "srv.add_alias", "hello", service_id) == ""
    assert call(peer, "srv.resolve_alias", "hello") == service_id
    assert call(peer, "srv.resolve_alias_opt", "hello") == [service_id]
    info = call(peer, "srv.info", "hello")
    assert isinstance(info, dict) and info["id"] == service_id and info["aliases"] == ["hello"]
    assert call(peer, "srv.get_interface", "hello") == GREETING_INTERFACE
    local = calls.LocalServices(builtins=peer, runtime=runtime, host_id=PEER.peer_id, metrics=metrics.RouterMetrics())
    request = air.CallRequest(service_id="hello", function_name="greeting", arguments=["alias"], tetraplets=[[]])
    answer = local.call(request, particle.make(OWNER, "(null)", ttl=60_000, now=particle.wall_clock()))
    assert answer.result.ret_code == 0 and "alias" in orjson.loads(answer.result.result)


def test_an_alias_moves_only_for_whoever_owns_what_it_names(peer: builtins.Builtins, wasm: dict[str, bytes]) -> None:
    _, blueprint, first = deploy(peer, wasm)
    second = call(peer, "srv.create", blueprint)
    theirs = call(peer, "srv.create", blueprint, by=STRANGER)
    call(peer, "srv.add_alias", "hello", first)
    forbidden = (
        f"Forbidden. User id '{STRANGER.peer_id}' cannot call function 'add_alias': only worker, worker creator "
        "and management peer id can add worker-level aliases"
    )
    assert fails(peer, "srv.add_alias", "hello", theirs, by=STRANGER) == forbidden  # not theirs to take
    assert fails(peer, "srv.add_alias", "mine", first, by=STRANGER) == forbidden  # nor their service
    call(peer, "srv.add_alias", "hello", second)  # the owner moves it, as on nox
    assert call(peer, "srv.resolve_alias", "hello") == second
    listed = call(peer, "srv.list")
    assert isinstance(listed, list)
    assert [s["aliases"] for s in listed if isinstance(s, dict) and s["id"] == first] == [[]]
    call(peer, "srv.add_alias", "hello", theirs, by=PEER)  # the peer itself may do anything
    assert call(peer, "srv.resolve_alias", "hello") == theirs


def test_aliases_that_nox_refuses(peer: builtins.Builtins, wasm: dict[str, bytes]) -> None:
    _, _, service_id = deploy(peer, wasm)
    for reserved in ("self", "spell", "worker-spell"):
        assert fails(peer, "srv.add_alias", reserved, service_id) == (
            f"Cannot add alias '{reserved}' because it is reserved"
        )
    call(peer, "srv.add_alias", "worker-spell", service_id, by=PEER)  # the host's (here: the peer's) name
    assert fails(peer, "srv.add_alias", service_id, service_id) == (
        f"Cannot add alias '{service_id}' because there is a service with that id"
    )
    assert fails(peer, "srv.add_alias", "x", "missing") == f"Service with id 'missing' not found on {scope()}"
    assert (
        fails(peer, "srv.resolve_alias", "nobody") == f"Service with alias 'nobody' is not found on worker '{scope()}'"
    )
    assert call(peer, "srv.resolve_alias_opt", "nobody") == []
    assert fails(peer, "srv.add_alias", "x") == "Field 'service_id' is missing from args to call_service"


def test_only_the_owner_or_the_peer_removes_a_service(peer: builtins.Builtins, wasm: dict[str, bytes]) -> None:
    _, blueprint, service_id = deploy(peer, wasm)
    call(peer, "srv.add_alias", "hello", service_id)
    assert fails(peer, "srv.remove", "hello", by=STRANGER) == (
        f"Forbidden. User id '{STRANGER.peer_id}' cannot call function 'remove_service': "
        "only creator can remove service"
    )
    assert call(peer, "srv.remove", "hello") == ""  # by alias, as nox finds it
    assert call(peer, "srv.list") == []
    assert call(peer, "srv.resolve_alias_opt", "hello") == []
    assert fails(peer, "srv.info", "hello") == f"Service with id 'hello' not found on {scope()}"
    assert fails(peer, "srv.remove", service_id) == f"Service with id '{service_id}' not found on {scope()}"
    another = call(peer, "srv.create", blueprint)
    assert call(peer, "srv.remove", another, by=PEER) == ""


def test_aliases_outlive_a_runtime_restart(tmp_path: pathlib.Path, wasm: dict[str, bytes]) -> None:
    with marine.Host(tmp_path, keys=PEER) as host:
        blueprint = host.add_blueprint("greeting", [host.add_module(wasm["greeting_c"], name="greeting")])
        first, second = host.create_service(blueprint, alias="a"), host.create_service(blueprint)
        host.add_alias("b", first)
        host.add_alias("a", second)  # moves
    with marine.Host(tmp_path, keys=PEER) as host:
        assert {s.service_id: s.aliases for s in host.list_services()} == {first: ("b",), second: ("a",)}
        assert host.call("a", "greeting", ["x"]).value == host.call(second, "greeting", ["x"]).value
        with pytest.raises(marine.AlreadyExists):
            host.add_alias(first, second)
        with pytest.raises(marine.NotFound):
            host.add_alias("c", "missing")


def test_dist_and_stat_errors_are_noxs(peer: builtins.Builtins, wasm: dict[str, bytes]) -> None:
    _, _, service_id = deploy(peer, wasm)
    assert fails(peer, "dist.get_blueprint", "nope") == "Blueprint 'nope' wasn't found"
    assert fails(peer, "srv.create", "nope") == "Blueprint 'nope' wasn't found"
    assert fails(peer, "dist.get_module_interface", "nope") == "Module with hash 'nope' not found"
    assert fails(peer, "dist.add_blueprint", '{"dependencies":[],"name":"bp"}') == (
        "Blueprint 'bp' has empty list of dependencies"
    )
    assert fails(peer, "dist.add_blueprint", '{"dependencies":["plain"],"name":"bp"}') == (
        "Error deserializing blueprint from IPLD: dependency is not a link"
    )
    assert fails(peer, "dist.add_blueprint", "{").startswith("Error deserializing blueprint from IPLD:")
    assert fails(peer, "dist.add_module", "!!", {"name": "x"}).startswith("dist.add_module: the module must be base64")
    assert (
        fails(peer, "dist.add_module", "AAAA", {}) == "Error while deserializing field 'config': missing field `name`"
    )
    assert fails(peer, "stat.service_stat", service_id) == "Service stats collection is disabled"
    assert fails(peer, "stat.service_stat", "nope") == f"Service with id 'nope' not found on {scope()}"
    assert fails(peer, "stat.service_memory", service_id) == "stat.service_memory is not supported by this peer"


def test_modules_and_blueprints_from_the_particle_vault(peer: builtins.Builtins) -> None:
    served = particle.make(OWNER, "(null)", ttl=60_000, now=particle.wall_clock())
    module = ascii_module()
    path = call_in(peer, served, "vault.put", module.decode())
    assert isinstance(path, str) and path.startswith(f"/tmp/vault/{served.id}/")
    digest = hashlib.sha256(module).hexdigest()
    assert call_in(peer, served, "dist.add_module_from_vault", path, {"name": "empty"}) == digest
    relative = path.rsplit("/", 1)[1]  # a path relative to the particle's vault works too
    assert call_in(peer, served, "dist.add_module_bytes_from_vault", "empty", relative) == digest
    text = call_in(peer, served, "dist.make_blueprint", "bp", [digest])
    stored = call_in(peer, served, "vault.put", text)
    assert call_in(peer, served, "dist.load_blueprint", stored) == text
    with pytest.raises(builtins.BuiltinError, match=r'Error parsing blueprint from vault "/tmp/vault/'):
        call_in(peer, served, "dist.load_blueprint", call_in(peer, served, "vault.put", "not a blueprint"))


def test_a_particle_reads_only_its_own_vault(peer: builtins.Builtins) -> None:
    mine = particle.make(OWNER, "(null)", ttl=60_000, now=particle.wall_clock())
    other = particle.make(OWNER, "(null)", ttl=60_000, now=particle.wall_clock())
    path = call_in(peer, mine, "vault.put", "hello")
    assert call_in(peer, mine, "vault.cat", path) == "hello"
    for foreign in (other, mine):
        target = path if foreign is other else f"/tmp/vault/{mine.id}/../{other.id}/x"
        with pytest.raises(builtins.BuiltinError, match=r"^Error reading vault file `"):
            call_in(peer, foreign, "vault.cat", target)
    with pytest.raises(builtins.BuiltinError, match=rf"Incorrect vault path `{path}`: doesn't belong to vault"):
        call_in(peer, other, "dist.add_module_from_vault", path, {"name": "x"})
    with pytest.raises(builtins.BuiltinError, match=r"Incorrect vault  path `x`: doesn't exist"):
        call_in(peer, other, "dist.add_module_from_vault", "x", {"name": "x"})


def test_the_vault_forgets_expired_particles_and_is_bounded() -> None:
    now = [1_000]
    kept = vault.Vault(clock=lambda: now[0], capacity_bytes=10)
    first = particle.make(OWNER, "(null)", ttl=100, now=1_000)
    path = kept.put(first, b"12345")
    with pytest.raises(builtins.BuiltinError, match=r"the vault of this peer is full \(10 bytes\)"):
        kept.put(first, b"123456")
    now[0] = 1_101  # the first particle expired: its files are gone, their room is free
    later = particle.make(OWNER, "(null)", ttl=100, now=1_101)
    kept.put(later, b"1234567890")
    with pytest.raises(builtins.BuiltinError, match="doesn't exist"):
        kept.read(first, path)
