"""The operator's deploy step (`cloudless_operator.workers.deploy`) against a real runtime server."""

from __future__ import annotations

import hashlib

import orjson

from cloudless_operator.models import deal
from cloudless_operator.reconcile import deployments
from cloudless_operator.workers import deploy
from cloudless_runtime import runtime_server
from cloudless_runtime.proto._gen.cloudless.v1 import runtime_pb2, runtime_pb2_grpc


def greeting(wasm: bytes, *, sha256: str | None = None) -> deal.Service:
    module = deal.Module("greeting", "greeting-c", "module.wasm", sha256 or hashlib.sha256(wasm).hexdigest())
    return deal.Service("greeting", (module,), env=(("LANG", "C"),), memory_limit="32Mi")


class Store:
    """The ConfigMap contents a deploy may fetch, counting the fetches."""

    def __init__(self, data: bytes | None) -> None:
        self.data, self.fetched = data, 0

    def __call__(self, module: deal.Module) -> bytes | None:
        self.fetched += 1
        return self.data


def test_a_service_is_deployed_once_under_its_name(
    runtime: runtime_server.Running, stub: runtime_pb2_grpc.RuntimeStub, wasm: dict[str, bytes]
) -> None:
    store = Store(wasm["greeting_c"])
    (state,) = deploy.deploy(runtime.address, [greeting(wasm["greeting_c"])], fetch=store)
    assert state["state"] == deployments.DEPLOYED and len(state["blueprintId"]) == 64
    answer = stub.Call(
        runtime_pb2.CallRequest(service_id="greeting", function_name="greeting", arguments_json='["op"]')
    )
    assert orjson.loads(answer.result_json) == "Hi, op"
    (listed,) = stub.ListServices(runtime_pb2.ListServicesRequest()).services
    assert list(listed.aliases) == ["greeting"]

    assert deploy.deploy(runtime.address, [greeting(wasm["greeting_c"])], fetch=store) == [state]
    assert store.fetched == 1  # the second run found it running and fetched nothing
    assert len(stub.ListServices(runtime_pb2.ListServicesRequest()).services) == 1


def test_an_edited_deal_replaces_the_service_with_its_new_modules(
    runtime: runtime_server.Running, stub: runtime_pb2_grpc.RuntimeStub, wasm: dict[str, bytes]
) -> None:
    deploy.deploy(runtime.address, [greeting(wasm["greeting_c"])], fetch=Store(wasm["greeting_c"]))
    (state,) = deploy.deploy(runtime.address, [greeting(wasm["greeting_rust"])], fetch=Store(wasm["greeting_rust"]))
    assert state["state"] == deployments.DEPLOYED
    (listed,) = stub.ListServices(runtime_pb2.ListServicesRequest()).services
    assert list(listed.module_hashes) == [hashlib.sha256(wasm["greeting_rust"]).hexdigest()]


def test_bytes_that_are_not_the_named_module_are_refused(
    runtime: runtime_server.Running, stub: runtime_pb2_grpc.RuntimeStub, wasm: dict[str, bytes]
) -> None:
    named = greeting(wasm["greeting_c"])
    (swapped,) = deploy.deploy(runtime.address, [named], fetch=Store(wasm["greeting_rust"]))
    assert swapped["state"] == deployments.FAILED and "the deal names" in swapped["message"]
    (missing,) = deploy.deploy(runtime.address, [named], fetch=Store(None))
    assert (
        missing["state"] == deployments.FAILED
        and "configmap 'greeting-c' key 'module.wasm' not found" in (missing["message"])
    )
    assert len(stub.ListServices(runtime_pb2.ListServicesRequest()).services) == 0


def test_an_unreachable_worker_fails_every_service_with_the_reason(wasm: dict[str, bytes]) -> None:
    (state,) = deploy.deploy("127.0.0.1:1", [greeting(wasm["greeting_c"])], fetch=Store(wasm["greeting_c"]))
    assert state["state"] == deployments.FAILED and state["message"].startswith("runtime unreachable")
