"""Deploying a deal's services to one worker over its runtime's gRPC API (`cloudless.v1.Runtime`).

Thin glue over `reconcile.deployments`: list what runs, then for each service that is missing or
stale, add its modules (fetched and checked only then), its blueprint, and a service under the
service's name as alias. Every step is idempotent on the runtime's side (modules and blueprints
are content-addressed; an alias taken by a racing deploy means the service exists), so a deploy
cut short by a crash is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import grpc

from cloudless_operator.models import deal
from cloudless_operator.reconcile import deployments
from cloudless_runtime.proto._gen.cloudless.v1 import runtime_pb2, runtime_pb2_grpc

TIMEOUT = 30.0
"""Seconds for one runtime call; compiling a large module on a loaded node is the slow case."""

Fetch = Callable[[deal.Module], bytes | None]
"""The bytes of a module as stored (its ConfigMap key), or None when missing."""


def deploy(address: str, services: Sequence[deal.Service], *, fetch: Fetch) -> list[dict[str, Any]]:
    """Make the worker at `address` (the runtime's host:port) run `services`; their status entries.

    A worker that cannot be reached fails every service with the reason; a bad module fails its
    own service only.
    """
    with grpc.insecure_channel(address, options=[("grpc.max_send_message_length", 64 << 20)]) as channel:
        stub = runtime_pb2_grpc.RuntimeStub(channel)
        try:
            listed = stub.ListServices(runtime_pb2.ListServicesRequest(), timeout=TIMEOUT)
        except grpc.RpcError as error:
            return [deployments.failed(service, f"runtime unreachable: {_details(error)}") for service in services]
        installed = [
            deployments.Installed(s.service_id, s.blueprint_id, tuple(s.module_hashes), tuple(s.aliases))
            for s in listed.services
        ]
        return [_apply(stub, step, fetch=fetch) for step in deployments.steps(services, installed)]


def _apply(stub: runtime_pb2_grpc.RuntimeStub, step: deployments.Step, *, fetch: Fetch) -> dict[str, Any]:
    service = step.service
    if step.current is not None:
        return deployments.deployed(service, step.current.blueprint_id)
    try:
        wasm = [deployments.verified(module, fetch(module)) for module in service.modules]
    except deployments.BadArtifact as error:
        return deployments.failed(service, str(error))
    try:
        if step.stale is not None:
            stub.RemoveService(runtime_pb2.RemoveServiceRequest(service_id=step.stale.service_id), timeout=TIMEOUT)
        hashes = [
            stub.AddModule(runtime_pb2.AddModuleRequest(wasm=data, name=module.name), timeout=TIMEOUT).module_hash
            for module, data in zip(service.modules, wasm, strict=True)
        ]
        blueprint = stub.AddBlueprint(
            runtime_pb2.AddBlueprintRequest(name=service.name, module_hashes=hashes), timeout=TIMEOUT
        ).blueprint_id
        config = runtime_pb2.ServiceConfig(
            limits=runtime_pb2.Limits(memory_bytes=deployments.memory_bytes(service)),
            envs=dict(service.env),
            mapped_dirs=dict(service.mapped_dirs),
        )
        request = runtime_pb2.CreateServiceRequest(blueprint_id=blueprint, config=config, alias=service.name)
        try:
            stub.CreateService(request, timeout=TIMEOUT)
        except grpc.RpcError as error:
            if _code(error) is not grpc.StatusCode.ALREADY_EXISTS:
                raise
    except grpc.RpcError as error:
        return deployments.failed(service, f"runtime refused: {_details(error)}")
    return deployments.deployed(service, blueprint)


def _code(error: grpc.RpcError) -> grpc.StatusCode | None:
    code: Any = getattr(error, "code", None)
    return code() if callable(code) else None


def _details(error: grpc.RpcError) -> str:
    details: Any = getattr(error, "details", None)
    text = details() if callable(details) else None
    return f"{_code(error)}: {text or error}"
