"""Modules, blueprints and services: content addressing, linking, call parameters, persistence."""

from __future__ import annotations

import hashlib
import pathlib

import pytest
from tests.unit.marine.conftest import kv_service, single

from cloudless_runtime import identity, marine


def test_modules_are_addressed_by_sha256(host: marine.Host, wasm: dict[str, bytes]) -> None:
    digest = host.add_module(wasm["greeting_c"], name="greeting")
    assert digest == hashlib.sha256(wasm["greeting_c"]).hexdigest()
    assert host.add_module(wasm["greeting_c"], name="greeting") == digest
    with pytest.raises(marine.InvalidModule):
        host.add_module(wasm["greeting_c"], name="other")


def test_modules_without_the_abi_are_refused(host: marine.Host, wasm: dict[str, bytes]) -> None:
    raw = (pathlib.Path(__file__).parents[3] / "examples/modules/build/greeting_c.raw.wasm").read_bytes()
    with pytest.raises(marine.InvalidModule, match="mx-interface"):
        host.add_module(raw, name="greeting")
    with pytest.raises(marine.InvalidModule):
        host.add_module(b"not wasm", name="greeting")
    with pytest.raises(marine.InvalidModule):
        host.add_module(wasm["greeting_c"], name="mx_host")


def test_two_module_service_links_by_import_name(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = kv_service(host, wasm)
    assert host.call(sid, "set", ["a", "1"]).value == "stored, 1 keys"
    assert host.call(sid, "set", ["b", "2" * 10000]).value == "stored, 2 keys"
    assert host.call(sid, "get", ["b"]).value == "2" * 10000
    assert host.call(sid, "get", ["missing"]).value == ""


def test_only_the_facade_is_callable(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = kv_service(host, wasm)
    assert [f.name for f in host.service(sid).interface.functions] == ["set", "get", "whoami", "fail"]
    with pytest.raises(marine.NotFound):
        host.call(sid, "put", ["a", "1"])


def test_dependencies_must_come_first(host: marine.Host, wasm: dict[str, bytes]) -> None:
    storage = host.add_module(wasm["kv_storage"], name="storage")
    facade = host.add_module(wasm["kv_facade"], name="kv")
    with pytest.raises(marine.InvalidBlueprint, match="storage"):
        host.add_blueprint("kv", [facade, storage])
    with pytest.raises(marine.InvalidBlueprint):
        host.add_blueprint("kv", [facade])
    with pytest.raises(marine.InvalidBlueprint):
        host.add_blueprint("empty", [])
    with pytest.raises(marine.NotFound):
        host.add_blueprint("ghost", ["0" * 64])


def test_blueprint_ids_are_content_addressed(host: marine.Host, wasm: dict[str, bytes]) -> None:
    storage = host.add_module(wasm["kv_storage"], name="storage")
    facade = host.add_module(wasm["kv_facade"], name="kv")
    first = host.add_blueprint("kv", [storage, facade])
    assert host.add_blueprint("kv", [storage, facade]) == first
    assert host.add_blueprint("kv2", [storage, facade]) != first


def test_module_errors_are_structured_and_keep_state(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = kv_service(host, wasm)
    host.call(sid, "set", ["a", "1"])
    with pytest.raises(marine.ModuleError, match="boom") as failure:
        host.call(sid, "fail", ["boom"])
    assert failure.value.code == marine.ModuleError.code
    assert host.call(sid, "get", ["a"]).value == "1"


def test_call_parameters_reach_the_module(host: marine.Host, wasm: dict[str, bytes]) -> None:
    sid = kv_service(host, wasm)
    tetraplet = marine.SecurityTetraplet(peer_pk="peer-a", service_id="peer", function_name="timestamp_sec", lens=".$")
    params = marine.CallParameters(
        particle=marine.Particle(id="p-1", init_peer_id="init", timestamp=1700, ttl=5000, signature=b"\x01\x02"),
        service_creator_peer_id="creator",
        host_id="host",
        worker_id="worker",
        tetraplets=((tetraplet,),),
    )
    seen = host.call(sid, "whoami", [], call_parameters=params).value
    assert seen == {
        "particle": {
            "id": "p-1",
            "init_peer_id": "init",
            "timestamp": 1700,
            "ttl": 5000,
            "script": "",
            "signature": [1, 2],
            "token": "",
        },
        "service_id": sid,
        "service_creator_peer_id": "creator",
        "host_id": "host",
        "worker_id": "worker",
        "tetraplets": [[{"peer_pk": "peer-a", "service_id": "peer", "function_name": "timestamp_sec", "lens": ".$"}]],
    }


def test_everything_survives_a_restart(tmp_path: pathlib.Path, keys: identity.KeyPair, wasm: dict[str, bytes]) -> None:
    config = marine.ServiceConfig(mapped_dirs=(("/storage", "storage"),), limits=marine.Limits(fuel=10**8))
    with marine.Host(tmp_path, keys=keys) as host:
        kv = kv_service(host, wasm)
        files = single(host, wasm["files"], name="files", config=config)
        host.call(files, "write_file", ["note", "kept"])
        modules = {m.hash for m in host.modules.list()}
        blueprints = {b.id for b in host.blueprints.list()}
    with marine.Host(tmp_path, keys=keys) as host:
        assert {m.hash for m in host.modules.list()} == modules
        assert {b.id for b in host.blueprints.list()} == blueprints
        assert {s.service_id for s in host.list_services()} == {kv, files}
        assert host.service(files).config == config
        assert host.call(files, "read_file", ["note"]).value == "kept"
        assert host.call(kv, "set", ["k", "v"]).value == "stored, 1 keys"
        host.remove_service(kv)
    with marine.Host(tmp_path, keys=keys) as host:
        assert [s.service_id for s in host.list_services()] == [files]


def test_closed_handles_refuse_use(tmp_path: pathlib.Path, keys: identity.KeyPair, wasm: dict[str, bytes]) -> None:
    host = marine.Host(tmp_path, keys=keys)
    sid = single(host, wasm["greeting_c"], name="greeting")
    svc = host.service(sid)
    host.close()
    host.close()
    with pytest.raises(marine.Closed):
        svc.call("greeting", ["x"])
    with pytest.raises(marine.Closed):
        host.call(sid, "greeting", ["x"])


def test_an_alias_names_its_service_until_removed_and_survives_a_restart(
    tmp_path: pathlib.Path, keys: identity.KeyPair, wasm: dict[str, bytes]
) -> None:
    with marine.Host(tmp_path, keys=keys) as host:
        blueprint = host.add_blueprint("greeting", [host.add_module(wasm["greeting_c"], name="greeting")])
        sid = host.create_service(blueprint, alias="greeting")
        with pytest.raises(marine.AlreadyExists, match="greeting"):
            host.create_service(blueprint, alias="greeting")
        assert [s.service_id for s in host.list_services()] == [sid]
    with marine.Host(tmp_path, keys=keys) as host:
        assert host.list_services()[0].aliases == ("greeting",)
        outcome = host.call("greeting", "greeting", ["alias"])
        assert outcome.receipt.service_id == sid
        assert outcome.value == host.call(sid, "greeting", ["alias"]).value
        host.remove_service("greeting")
        assert host.list_services() == []
        with pytest.raises(marine.NotFound):
            host.call("greeting", "greeting", ["alias"])
        assert host.create_service(blueprint, alias="greeting") != sid
