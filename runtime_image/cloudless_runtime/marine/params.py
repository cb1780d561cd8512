"""The parameters of the current call, as a module reads them through `mx_host.call_parameters`.

Field names are Marine's (host API v3), so Aqua-side code and provenance checks written for Fluence
services read the same JSON here: `particle{id, init_peer_id, timestamp, ttl, script, signature,
token}`, `service_id`, `service_creator_peer_id`, `host_id`, `worker_id` and `tetraplets` (one list
per argument of `{peer_pk, service_id, function_name, lens}`).
"""

from __future__ import annotations

import dataclasses

import orjson


@dataclasses.dataclass(frozen=True, slots=True)
class SecurityTetraplet:
    """Where an argument came from: the peer, service and function that produced it, and the lens applied."""

    peer_pk: str
    service_id: str = ""
    function_name: str = ""
    lens: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Particle:
    """The particle being served; `signature` is the initiator's, `token` the host's over it."""

    id: str = ""
    init_peer_id: str = ""
    timestamp: int = 0
    ttl: int = 0
    script: str = ""
    signature: bytes = b""
    token: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class CallParameters:
    """Everything a module may ask about the call it is serving. The host fills service_id itself."""

    particle: Particle = Particle()
    service_id: str = ""
    service_creator_peer_id: str = ""
    host_id: str = ""
    worker_id: str = ""
    tetraplets: tuple[tuple[SecurityTetraplet, ...], ...] = ()

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "particle": {**dataclasses.asdict(self.particle), "signature": list(self.particle.signature)},
                "service_id": self.service_id,
                "service_creator_peer_id": self.service_creator_peer_id,
                "host_id": self.host_id,
                "worker_id": self.worker_id,
                "tetraplets": [[dataclasses.asdict(t) for t in arg] for arg in self.tetraplets],
            }
        )
