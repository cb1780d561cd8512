"""Runtime API messages <-> Marine host values. No I/O: the servicer calls these on each request.

Zero in a `Limits` field means the default (proto3 has no absent scalars); a malformed request
(arguments that are not a JSON array, limits below one page) raises `BadRequest` with the reason.
"""

from __future__ import annotations

import dataclasses

import orjson

from cloudless_runtime import marine
from cloudless_runtime.marine import abi, interface, store
from cloudless_runtime.proto._gen.cloudless.v1 import runtime_pb2


class BadRequest(ValueError):
    """A request the runtime cannot even try; the server answers INVALID_ARGUMENT with this message."""


def service_config(message: runtime_pb2.ServiceConfig) -> marine.ServiceConfig:
    defaults = marine.Limits()
    try:
        limits = marine.Limits(
            memory_bytes=message.limits.memory_bytes or defaults.memory_bytes,
            fuel=message.limits.fuel or defaults.fuel,
            timeout_ms=message.limits.timeout_ms or defaults.timeout_ms,
        )
    except ValueError as e:
        raise BadRequest(str(e)) from None
    return marine.ServiceConfig(
        limits=limits,
        envs=tuple(sorted(message.envs.items())),
        mapped_dirs=tuple(sorted(message.mapped_dirs.items())),
        effectors=tuple(sorted(message.effectors.items())),
        effector_timeout_ms=message.effector_timeout_ms or marine.ServiceConfig().effector_timeout_ms,
    )


def arguments(raw: str) -> list[abi.Json]:
    try:
        value = orjson.loads(raw or "[]")
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"arguments_json is not JSON: {e}") from None
    if not isinstance(value, list):
        raise BadRequest("arguments_json must be a JSON array, one element per parameter")
    return value


def call_parameters(message: runtime_pb2.CallParameters) -> marine.CallParameters:
    particle = message.particle
    return marine.CallParameters(
        particle=marine.Particle(
            id=particle.id,
            init_peer_id=particle.init_peer_id,
            timestamp=particle.timestamp,
            ttl=particle.ttl,
            script=particle.script,
            signature=particle.signature,
            token=particle.token,
        ),
        service_creator_peer_id=message.service_creator_peer_id,
        host_id=message.host_id,
        worker_id=message.worker_id,
        tetraplets=tuple(
            tuple(
                marine.SecurityTetraplet(
                    peer_pk=t.peer_pk, service_id=t.service_id, function_name=t.function_name, lens=t.lens
                )
                for t in argument.tetraplets
            )
            for argument in message.tetraplets
        ),
    )


def receipt(value: marine.Receipt) -> runtime_pb2.Receipt:
    fields = dataclasses.asdict(value)
    return runtime_pb2.Receipt(**{**fields, "modules": list(value.modules)})


def service_info(record: marine.ServiceRecord, service: marine.Service) -> runtime_pb2.ServiceInfo:
    return runtime_pb2.ServiceInfo(
        service_id=record.service_id,
        blueprint_id=record.blueprint_id,
        owner_id=record.owner_id,
        module_hashes=list(service.module_hashes),
        aliases=list(record.aliases),
        functions=_signatures(service.interface),
    )


def module_info(record: store.ModuleRecord) -> runtime_pb2.ModuleInfo:
    return runtime_pb2.ModuleInfo(module_hash=record.hash, name=record.name, functions=_signatures(record.interface))


def _signatures(declared: interface.Interface) -> list[runtime_pb2.FunctionSignature]:
    return [
        runtime_pb2.FunctionSignature(name=f.name, signature_json=orjson.dumps(f.to_json()).decode())
        for f in declared.functions
    ]
