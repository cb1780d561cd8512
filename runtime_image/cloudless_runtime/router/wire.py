"""Particles <-> `cloudless.v1.Particle` messages, and where rejection reasons travel on the wire.

The one place that knows the message layout; the router's server, its transport and the client
convert through here. Imports only the generated messages, not gRPC.
"""

from __future__ import annotations

from cloudless_runtime.proto._gen.cloudless.v1 import particle_pb2
from cloudless_runtime.router import particle

REASON_KEY = "cloudless-reject-reason"
"""Trailing metadata of a rejected `Send`: the `particle.Reason` word."""


def to_message(value: particle.Particle) -> particle_pb2.Particle:
    return particle_pb2.Particle(
        id=value.id,
        init_peer_id=value.init_peer_id,
        timestamp=value.timestamp,
        ttl=value.ttl,
        script=value.script,
        signature=value.signature,
        data=value.data,
    )


def from_message(message: particle_pb2.Particle) -> particle.Particle:
    return particle.Particle(
        id=message.id,
        init_peer_id=message.init_peer_id,
        timestamp=message.timestamp,
        ttl=message.ttl,
        script=message.script,
        signature=message.signature,
        data=message.data,
    )


def hello(peer_id: str, signature: bytes) -> particle_pb2.RelayMessage:
    return particle_pb2.RelayMessage(hello=particle_pb2.RelayHello(peer_id=peer_id, signature=signature))


def rejected(particle_id: str, error: particle.Rejected) -> particle_pb2.RelayMessage:
    return particle_pb2.RelayMessage(
        rejected=particle_pb2.Rejected(particle_id=particle_id, reason=error.reason, detail=error.detail)
    )
