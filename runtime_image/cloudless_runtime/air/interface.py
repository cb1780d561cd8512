"""The host contract of the AIR engine: what goes into one interpreter run and what comes out.

Mirrors AquaVM's `interpreter-interface` (RunParameters, CallRequestParams, CallServiceResult,
InterpreterOutcome). The engine is a pure function of these values: no clock, no randomness, no
I/O. Hosts (the router, the conformance runner) own the network, time and keys and pass them in.

JSON values are plain Python values as `orjson`/`json` produce them; `int` and `float` stay
distinct (AquaVM's `1` and `1.0` differ).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeAlias

JValue: TypeAlias = Any
"""A JSON value: None, bool, int, float, str, list or dict with str keys."""


@dataclasses.dataclass(frozen=True, slots=True)
class RunParameters:
    """The particle's fields and the executing peer's identity for one run."""

    init_peer_id: str
    current_peer_id: str
    timestamp: int
    """Particle creation time, unix ms (`%timestamp%`)."""
    ttl: int
    """Particle time to live, ms (`%ttl%`)."""
    particle_id: str
    secret_key: bytes
    """The current peer's 32-byte Ed25519 seed: the engine signs what this peer produced."""


@dataclasses.dataclass(frozen=True, slots=True)
class CallResult:
    """A local service's answer to a call request, as AquaVM's CallServiceResult."""

    ret_code: int
    """0 for success; anything else is a service failure (catchable error 10000)."""
    result: str
    """JSON text: the value on success, the error payload otherwise."""


@dataclasses.dataclass(frozen=True, slots=True)
class Tetraplet:
    """Where an argument came from (AquaVM's SecurityTetraplet)."""

    peer_pk: str
    service_id: str
    function_name: str
    lens: str

    def to_json(self) -> dict[str, str]:
        return {
            "peer_pk": self.peer_pk,
            "service_id": self.service_id,
            "function_name": self.function_name,
            "lens": self.lens,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class CallRequest:
    """A local call the host must serve and answer by id in a later run."""

    service_id: str
    function_name: str
    arguments: list[JValue]
    tetraplets: list[list[Tetraplet]]
    """One list per argument: one tetraplet for a scalar, one per element for a canon stream."""


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one run. `data` must be stored by the host and passed back as `prev_data`
    next time, whatever `ret_code` is."""

    ret_code: int
    error_message: str
    data: bytes
    next_peer_pks: list[str]
    call_requests: dict[int, CallRequest]
