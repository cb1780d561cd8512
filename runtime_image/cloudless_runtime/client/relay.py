"""Running a script through a relay: sign a particle, run it locally as the init peer, send it
over a session with the relay, and keep interpreting what comes back until the script answers.

The session is one gRPC bidirectional stream: every local run whose outcome names next peers
sends the particle with the new data to the relay (the relay routes it on); every particle the
relay pushes back is merged into the local data and run. The run ends at the first
`callbackSrv.response` or `errorHandlingSrv.error`, on a rejection, or at the timeout.
"""

from __future__ import annotations

import dataclasses
import queue
from collections.abc import Iterator, Mapping
from typing import cast

import grpc

from cloudless_runtime import air, identity
from cloudless_runtime.client import local
from cloudless_runtime.proto._gen.cloudless.v1 import particle_pb2, particle_pb2_grpc
from cloudless_runtime.router import particle, wire


class ClientError(Exception):
    """The run did not produce an answer; the message says why (rejected, timed out, unreachable)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Result:
    particle_id: str
    responses: list[list[local.JValue]]
    """Arguments of each `callbackSrv.response` call."""
    errors: list[local.JValue]
    """Arguments of each `errorHandlingSrv.error` call."""


class _Run:
    def __init__(self, keys: identity.KeyPair, message: particle.Particle, services: local.LocalServices) -> None:
        self._keys = keys
        self.particle = message
        self._services = services
        self._data = b""
        self.outgoing: queue.SimpleQueue[particle_pb2.ClientMessage | None] = queue.SimpleQueue()
        self._params = air.RunParameters(
            init_peer_id=keys.peer_id,
            current_peer_id=keys.peer_id,
            timestamp=message.timestamp,
            ttl=message.ttl,
            particle_id=message.id,
            secret_key=keys.seed,
        )

    def step(self, received: bytes) -> None:
        current = received
        results: dict[int, air.CallResult] = {}
        while True:
            outcome = air.run(self.particle.script, self._data, current, self._params, results)
            self._data = outcome.data
            if outcome.ret_code != 0 and not outcome.call_requests and not outcome.next_peer_pks:
                raise ClientError(f"local interpretation failed ({outcome.ret_code}): {outcome.error_message}")
            if any(p != self._keys.peer_id for p in outcome.next_peer_pks):
                message = wire.to_message(self.particle.with_data(outcome.data))
                self.outgoing.put(particle_pb2.ClientMessage(particle=message))
            if not outcome.call_requests:
                return
            results = {cid: self._services.call(outcome.call_requests[cid]) for cid in sorted(outcome.call_requests)}
            current = b""

    def requests(self) -> Iterator[particle_pb2.ClientMessage]:
        while (item := self.outgoing.get()) is not None:
            yield item


def run(
    script: str,
    *,
    relay: str,
    keys: identity.KeyPair,
    data: Mapping[str, local.JValue] | None = None,
    ttl_ms: int = 30_000,
    timeout_s: float = 30.0,
    clock: particle.Clock = particle.wall_clock,
) -> Result:
    """Runs `script` with the relay at `relay` (host:port); raises `ClientError` if no answer comes."""
    services = local.LocalServices(data or {})
    session = _Run(keys, particle.make(keys, script, ttl=ttl_ms, now=clock()), services)
    session.step(b"")
    if not services.finished() and session.outgoing.empty():
        raise ClientError("the script neither answered locally nor sent the particle anywhere")
    if services.finished():
        return Result(particle_id=session.particle.id, responses=services.responses, errors=services.errors)
    try:
        with grpc.insecure_channel(relay) as channel:
            stream = particle_pb2_grpc.PeerStub(channel).Session(session.requests(), timeout=timeout_s)
            for reply in stream:
                if reply.HasField("rejected"):
                    raise ClientError(
                        f"the relay rejected the particle: {reply.rejected.reason}: {reply.rejected.detail}"
                    )
                if reply.particle.id == session.particle.id:
                    session.step(reply.particle.data)
                if services.finished():
                    break  # leaving the channel's block cancels the stream
            else:
                raise ClientError(f"relay {relay} closed the session before the script answered")
    except grpc.RpcError as e:
        failed = cast(grpc.Call, e)
        if failed.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            raise ClientError(f"no answer within {timeout_s} s (particle {session.particle.id})") from None
        raise ClientError(f"relay {relay}: {failed.code().name}: {failed.details()}") from None
    finally:
        session.outgoing.put(None)
    return Result(particle_id=session.particle.id, responses=services.responses, errors=services.errors)
