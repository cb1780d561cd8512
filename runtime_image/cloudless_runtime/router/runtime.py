"""What the router needs from its peer's Marine runtime, as a Protocol: the gRPC client implements
it (`runtime_client`), and tests or an embedded host may provide another. No gRPC here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

from cloudless_runtime import air
from cloudless_runtime.router import particle


class RuntimeFailure(Exception):
    """The runtime refused or failed a request. `code` is the Marine error code (docs/abi.md), or 1
    when the runtime could not be reached or gave none; `kind` is a short word for logs."""

    def __init__(self, message: str, *, code: int = 1, kind: str = "failed") -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceInfo:
    service_id: str
    blueprint_id: str
    owner_id: str


@dataclasses.dataclass(frozen=True, slots=True)
class CallContext:
    """What a Marine call is told about the particle it serves (Marine's call parameters)."""

    particle: particle.Particle
    host_id: str
    tetraplets: Sequence[Sequence[air.Tetraplet]]


class Runtime(Protocol):
    def add_module(self, wasm: bytes, *, name: str) -> str: ...

    def add_blueprint(self, name: str, modules: Sequence[str]) -> str: ...

    def create_service(self, blueprint_id: str, *, owner_id: str) -> str: ...

    def remove_service(self, service_id: str) -> None: ...

    def list_services(self) -> list[ServiceInfo]: ...

    def call(
        self, service_id: str, function: str, args: Sequence[air.interface.JValue], *, context: CallContext
    ) -> air.interface.JValue: ...
