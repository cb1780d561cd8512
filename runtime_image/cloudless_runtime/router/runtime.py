"""What the router needs from its peer's Marine runtime, as a Protocol: the gRPC client implements
it (`runtime_client`), and tests or an embedded host may provide another. No gRPC here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Final, Protocol, TypedDict

from cloudless_runtime import air
from cloudless_runtime.router import particle

NOT_FOUND: Final = 2
"""The Marine error code of a module, blueprint, service or function that does not exist (docs/abi.md)."""


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
    aliases: tuple[str, ...] = ()
    module_hashes: tuple[str, ...] = ()

    def answers_to(self, name: str) -> bool:
        """Whether a call naming `name` reaches this service (by its id or an alias)."""
        return name == self.service_id or name in self.aliases


@dataclasses.dataclass(frozen=True, slots=True)
class ModuleInfo:
    module_hash: str
    name: str
    """The import name the module was added under."""
    functions: tuple[Mapping[str, air.interface.JValue], ...] = ()
    """Each exported function as the module declares it (docs/abi.md): `{"name", "params": [[name,
    type]], "results": [type]}`."""


@dataclasses.dataclass(frozen=True, slots=True)
class BlueprintInfo:
    blueprint_id: str
    name: str
    module_hashes: tuple[str, ...]
    """In order; the last is the facade."""


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceSettings:
    """What a service is created with besides its blueprint: an alias to be called by, and the
    part of runtime.proto's ServiceConfig an operator sets (zero and empty mean the defaults)."""

    alias: str = ""
    memory_bytes: int = 0
    envs: tuple[tuple[str, str], ...] = ()
    mapped_dirs: tuple[tuple[str, str], ...] = ()


DEFAULT_SETTINGS: Final = ServiceSettings()


class Receipt(TypedDict):
    """The signed receipt of one Marine call (`marine.receipts.Receipt`) as the runtime reports it,
    with the signature in base64: kept in step records (docs/data-format.md)."""

    peer_id: str
    service_id: str
    blueprint_id: str
    modules: list[str]
    function: str
    args_hash: str
    result_hash: str
    fuel: int
    particle_id: str
    signature: str


@dataclasses.dataclass(frozen=True, slots=True)
class Called:
    """A Marine call's result and its receipt (None when the runtime signs none)."""

    value: air.interface.JValue
    receipt: Receipt | None = None


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

    def add_alias(self, alias: str, service_id: str) -> None: ...

    def list_modules(self) -> list[ModuleInfo]: ...

    def list_blueprints(self) -> list[BlueprintInfo]: ...

    def call(
        self, service_id: str, function: str, args: Sequence[air.interface.JValue], *, context: CallContext
    ) -> Called: ...
