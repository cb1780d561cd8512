"""The Runtime gRPC API against the real example modules: every RPC, call parameters, statuses."""

from __future__ import annotations

import pathlib
from typing import cast

import grpc
import orjson
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cloudless_runtime import identity, marine, runtime_server
from cloudless_runtime.proto._gen.cloudless.v1 import runtime_pb2, runtime_pb2_grpc
from cloudless_runtime.runtime_server import server, status

TIMEOUT = 60.0
"""Generous: the machine builds Go in parallel, and the first compile of a module takes a while."""


def _service(
    stub: runtime_pb2_grpc.RuntimeStub,
    wasm: bytes,
    *,
    name: str,
    limits: runtime_pb2.Limits | None = None,
) -> str:
    digest = stub.AddModule(runtime_pb2.AddModuleRequest(wasm=wasm, name=name), timeout=TIMEOUT).module_hash
    blueprint = stub.AddBlueprint(runtime_pb2.AddBlueprintRequest(name=name, module_hashes=[digest]), timeout=TIMEOUT)
    config = runtime_pb2.ServiceConfig(limits=limits)
    created = stub.CreateService(
        runtime_pb2.CreateServiceRequest(blueprint_id=blueprint.blueprint_id, config=config), timeout=TIMEOUT
    )
    return created.service_id


def _call(
    stub: runtime_pb2_grpc.RuntimeStub, service_id: str, function: str, *args: object
) -> runtime_pb2.CallResponse:
    request = runtime_pb2.CallRequest(
        service_id=service_id, function_name=function, arguments_json=orjson.dumps(list(args)).decode()
    )
    response: runtime_pb2.CallResponse = stub.Call(request, timeout=TIMEOUT)
    return response


def _failure(error: grpc.RpcError) -> grpc.Call:
    """A failed unary call's error is also its `grpc.Call` (grpc-stubs cannot say so)."""
    return cast(grpc.Call, error)


def test_health_is_serving(channel: grpc.Channel) -> None:
    checks = health_pb2_grpc.HealthStub(channel)
    for name in ("", server.SERVICE_NAME):
        answer = checks.Check(health_pb2.HealthCheckRequest(service=name), timeout=TIMEOUT)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("module", ["greeting_c", "greeting_cpp", "greeting_rust"])
def test_greeting_round_trip_with_a_verifiable_receipt(
    stub: runtime_pb2_grpc.RuntimeStub, wasm: dict[str, bytes], module: str
) -> None:
    sid = _service(stub, wasm[module], name="greeting")
    answer = _call(stub, sid, "greeting", "world")
    result = orjson.loads(answer.result_json)
    assert "world" in result
    got = answer.receipt
    receipt = marine.Receipt(
        peer_id=got.peer_id,
        service_id=got.service_id,
        blueprint_id=got.blueprint_id,
        modules=tuple(got.modules),
        function=got.function,
        args_hash=got.args_hash,
        result_hash=got.result_hash,
        fuel=got.fuel,
        particle_id=got.particle_id,
        signature=got.signature,
    )
    assert receipt.service_id == sid and receipt.fuel == answer.fuel > 0
    assert marine.verify(receipt, args=["world"], result=result)
    assert not marine.verify(receipt, args=["someone else"])


def test_list_and_remove_services(stub: runtime_pb2_grpc.RuntimeStub, wasm: dict[str, bytes]) -> None:
    sid = _service(stub, wasm["greeting_c"], name="greeting")
    listed = stub.ListServices(runtime_pb2.ListServicesRequest(), timeout=TIMEOUT).services
    assert [s.service_id for s in listed] == [sid]
    assert [f.name for f in listed[0].functions] == ["greeting"]
    assert orjson.loads(listed[0].functions[0].signature_json)["params"] == [["name", "string"]]
    stub.RemoveService(runtime_pb2.RemoveServiceRequest(service_id=sid), timeout=TIMEOUT)
    assert not stub.ListServices(runtime_pb2.ListServicesRequest(), timeout=TIMEOUT).services
    with pytest.raises(grpc.RpcError) as failure:
        _call(stub, sid, "greeting", "world")
    assert _failure(failure.value).code() == grpc.StatusCode.NOT_FOUND


def test_call_parameters_and_tetraplets_reach_the_module(
    stub: runtime_pb2_grpc.RuntimeStub, wasm: dict[str, bytes]
) -> None:
    storage = stub.AddModule(runtime_pb2.AddModuleRequest(wasm=wasm["kv_storage"], name="storage"), timeout=TIMEOUT)
    facade = stub.AddModule(runtime_pb2.AddModuleRequest(wasm=wasm["kv_facade"], name="kv"), timeout=TIMEOUT)
    blueprint = stub.AddBlueprint(
        runtime_pb2.AddBlueprintRequest(name="kv", module_hashes=[storage.module_hash, facade.module_hash]),
        timeout=TIMEOUT,
    )
    sid = stub.CreateService(
        runtime_pb2.CreateServiceRequest(blueprint_id=blueprint.blueprint_id), timeout=TIMEOUT
    ).service_id
    tetraplet = runtime_pb2.Tetraplet(peer_pk="12D3KooWpeer", service_id="getDataSrv", function_name="x", lens=".$")
    parameters = runtime_pb2.CallParameters(
        particle=runtime_pb2.ParticleParameters(id="particle-1", init_peer_id="12D3KooWinit", timestamp=7, ttl=9),
        host_id="12D3KooWhost",
        tetraplets=[runtime_pb2.ArgumentTetraplets(tetraplets=[tetraplet])],
    )
    request = runtime_pb2.CallRequest(service_id=sid, function_name="whoami", call_parameters=parameters)
    seen = orjson.loads(stub.Call(request, timeout=TIMEOUT).result_json)
    assert seen["particle"]["id"] == "particle-1"
    assert seen["particle"]["timestamp"] == 7
    assert seen["service_id"] == sid
    assert seen["host_id"] == "12D3KooWhost"
    assert seen["tetraplets"] == [
        [{"peer_pk": "12D3KooWpeer", "service_id": "getDataSrv", "function_name": "x", "lens": ".$"}]
    ]
    assert _call(stub, sid, "set", "a", "1").result_json == '"stored, 1 keys"'


def test_bad_input_is_invalid_argument(stub: runtime_pb2_grpc.RuntimeStub, wasm: dict[str, bytes]) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        stub.AddModule(runtime_pb2.AddModuleRequest(wasm=b"not wasm", name="x"), timeout=TIMEOUT)
    assert _failure(failure.value).code() == grpc.StatusCode.INVALID_ARGUMENT
    sid = _service(stub, wasm["greeting_c"], name="greeting")
    for arguments in ("not json", '{"name": "x"}', "[1]"):
        request = runtime_pb2.CallRequest(service_id=sid, function_name="greeting", arguments_json=arguments)
        with pytest.raises(grpc.RpcError) as failure:
            stub.Call(request, timeout=TIMEOUT)
        assert _failure(failure.value).code() == grpc.StatusCode.INVALID_ARGUMENT, arguments
    with pytest.raises(grpc.RpcError) as failure:
        _call(stub, sid, "no_such_function")
    assert _failure(failure.value).code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as failure:
        stub.CreateService(
            runtime_pb2.CreateServiceRequest(blueprint_id="0" * 64, config=runtime_pb2.ServiceConfig()),
            timeout=TIMEOUT,
        )
    assert _failure(failure.value).code() == grpc.StatusCode.NOT_FOUND


def test_limits_are_resource_exhausted_or_deadline_exceeded(
    stub: runtime_pb2_grpc.RuntimeStub, wasm: dict[str, bytes]
) -> None:
    fuel = _service(stub, wasm["runaway"], name="runaway", limits=runtime_pb2.Limits(fuel=10**8))
    with pytest.raises(grpc.RpcError) as failure:
        _call(stub, fuel, "spin")
    error = _failure(failure.value)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    trailers = dict(error.trailing_metadata() or ())
    assert trailers[status.CODE_KEY] == str(marine.OutOfFuel.code)
    assert orjson.loads(_call(stub, fuel, "burn", 10).result_json) == 45

    slow = _service(stub, wasm["runaway"], name="runaway", limits=runtime_pb2.Limits(fuel=10**15, timeout_ms=100))
    with pytest.raises(grpc.RpcError) as failure:
        _call(stub, slow, "spin")
    assert _failure(failure.value).code() == grpc.StatusCode.DEADLINE_EXCEEDED

    bomb = _service(stub, wasm["membomb"], name="membomb", limits=runtime_pb2.Limits(memory_bytes=4 << 20))
    with pytest.raises(grpc.RpcError) as failure:
        _call(stub, bomb, "bomb", 65536)
    assert _failure(failure.value).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    with pytest.raises(grpc.RpcError) as failure:
        _service(stub, wasm["greeting_c"], name="greeting", limits=runtime_pb2.Limits(memory_bytes=100))
    assert _failure(failure.value).code() == grpc.StatusCode.INVALID_ARGUMENT


def test_serves_on_a_unix_socket(tmp_path: pathlib.Path, wasm: dict[str, bytes]) -> None:
    with marine.Host(tmp_path / "state", keys=identity.KeyPair.generate()) as host:
        running = runtime_server.serve(host, address=f"unix:{tmp_path / 'runtime.sock'}")
        try:
            with grpc.insecure_channel(running.address) as channel:
                stub = runtime_pb2_grpc.RuntimeStub(channel)
                sid = _service(stub, wasm["greeting_rust"], name="greeting")
                assert "unix" in orjson.loads(_call(stub, sid, "greeting", "unix").result_json)
        finally:
            running.stop(0)
