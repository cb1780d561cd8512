"""The router's side of the runtime API: `runtime.Runtime` over a gRPC channel to the runtime sidecar.

gRPC failures become `runtime.RuntimeFailure` with the Marine error code the runtime put in the
trailing metadata, so a script sees the same code whether the service ran here or in-process.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

import grpc
import orjson

from cloudless_runtime import air
from cloudless_runtime.proto._gen.cloudless.v1 import runtime_pb2, runtime_pb2_grpc
from cloudless_runtime.router import runtime

CODE_KEY = "cloudless-marine-code"
"""Set by the runtime server (`runtime_server.status.CODE_KEY`); spelled here to keep the router
independent of the server's package."""

T = TypeVar("T")


class RuntimeClient:
    """A `runtime.Runtime` that calls the runtime sidecar at `address` (host:port or unix:/path)."""

    def __init__(self, address: str, *, timeout_s: float = 30.0) -> None:
        self._channel = grpc.insecure_channel(address, options=[("grpc.max_send_message_length", 64 << 20)])
        self._stub = runtime_pb2_grpc.RuntimeStub(self._channel)
        self._timeout_s = timeout_s

    def _ask(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except grpc.RpcError as e:
            failed = cast(grpc.Call, e)
            trailers = dict(failed.trailing_metadata() or ())
            code = trailers.get(CODE_KEY)
            raise runtime.RuntimeFailure(
                failed.details() or str(failed.code()),
                code=int(code) if isinstance(code, str) and code.isdigit() else 1,
                kind=failed.code().name.lower(),
            ) from None

    def add_module(self, wasm: bytes, *, name: str) -> str:
        request = runtime_pb2.AddModuleRequest(wasm=wasm, name=name)
        return self._ask(lambda: self._stub.AddModule(request, timeout=self._timeout_s)).module_hash

    def add_blueprint(self, name: str, modules: Sequence[str]) -> str:
        request = runtime_pb2.AddBlueprintRequest(name=name, module_hashes=list(modules))
        return self._ask(lambda: self._stub.AddBlueprint(request, timeout=self._timeout_s)).blueprint_id

    def create_service(
        self, blueprint_id: str, *, owner_id: str, settings: runtime.ServiceSettings = runtime.DEFAULT_SETTINGS
    ) -> str:
        config = runtime_pb2.ServiceConfig(
            limits=runtime_pb2.Limits(memory_bytes=settings.memory_bytes),
            envs=dict(settings.envs),
            mapped_dirs=dict(settings.mapped_dirs),
        )
        request = runtime_pb2.CreateServiceRequest(
            blueprint_id=blueprint_id, owner_id=owner_id, config=config, alias=settings.alias
        )
        return self._ask(lambda: self._stub.CreateService(request, timeout=self._timeout_s)).service_id

    def remove_service(self, service_id: str) -> None:
        request = runtime_pb2.RemoveServiceRequest(service_id=service_id)
        self._ask(lambda: self._stub.RemoveService(request, timeout=self._timeout_s))

    def list_services(self) -> list[runtime.ServiceInfo]:
        answer = self._ask(lambda: self._stub.ListServices(runtime_pb2.ListServicesRequest(), timeout=self._timeout_s))
        return [
            runtime.ServiceInfo(
                s.service_id, s.blueprint_id, s.owner_id, aliases=tuple(s.aliases), module_hashes=tuple(s.module_hashes)
            )
            for s in answer.services
        ]

    def add_alias(self, alias: str, service_id: str) -> None:
        request = runtime_pb2.AddAliasRequest(alias=alias, service_id=service_id)
        self._ask(lambda: self._stub.AddAlias(request, timeout=self._timeout_s))

    def list_modules(self) -> list[runtime.ModuleInfo]:
        answer = self._ask(lambda: self._stub.ListModules(runtime_pb2.ListModulesRequest(), timeout=self._timeout_s))
        return [
            runtime.ModuleInfo(m.module_hash, m.name, tuple(orjson.loads(f.signature_json) for f in m.functions))
            for m in answer.modules
        ]

    def list_blueprints(self) -> list[runtime.BlueprintInfo]:
        request = runtime_pb2.ListBlueprintsRequest()
        answer = self._ask(lambda: self._stub.ListBlueprints(request, timeout=self._timeout_s))
        return [runtime.BlueprintInfo(b.blueprint_id, b.name, tuple(b.module_hashes)) for b in answer.blueprints]

    def call(
        self, service_id: str, function: str, args: Sequence[air.interface.JValue], *, context: runtime.CallContext
    ) -> runtime.Called:
        served = context.particle
        request = runtime_pb2.CallRequest(
            service_id=service_id,
            function_name=function,
            arguments_json=orjson.dumps(list(args)).decode(),
            call_parameters=runtime_pb2.CallParameters(
                particle=runtime_pb2.ParticleParameters(
                    id=served.id,
                    init_peer_id=served.init_peer_id,
                    timestamp=served.timestamp,
                    ttl=served.ttl,
                    script=served.script,
                    signature=served.signature,
                ),
                host_id=context.host_id,
                worker_id=context.host_id,
                tetraplets=[
                    runtime_pb2.ArgumentTetraplets(
                        tetraplets=[
                            runtime_pb2.Tetraplet(
                                peer_pk=t.peer_pk, service_id=t.service_id, function_name=t.function_name, lens=t.lens
                            )
                            for t in argument
                        ]
                    )
                    for argument in context.tetraplets
                ],
            ),
        )
        answer = self._ask(lambda: self._stub.Call(request, timeout=self._timeout_s))
        value = orjson.loads(answer.result_json)
        return runtime.Called(value, _receipt(answer.receipt) if answer.HasField("receipt") else None)

    def close(self) -> None:
        self._channel.close()


def _receipt(message: runtime_pb2.Receipt) -> runtime.Receipt:
    return runtime.Receipt(
        peer_id=message.peer_id,
        service_id=message.service_id,
        blueprint_id=message.blueprint_id,
        modules=list(message.modules),
        function=message.function,
        args_hash=message.args_hash,
        result_hash=message.result_hash,
        fuel=message.fuel,
        particle_id=message.particle_id,
        signature=base64.b64encode(message.signature).decode(),
    )
