"""Running a script through a relay: open a session, learn the relay's peer id from its hello,
sign a particle, run it locally as the init peer, send it on, and keep interpreting what comes
back until the script answers.

The session is one gRPC bidirectional stream. It opens with a hello (`router.hello`): the client
sends a fresh random challenge, the relay answers with its peer id and its signature over the
challenge, so the client knows whom it talks to without being told (`getDataSrv.-relay-`) and,
when it was told (`relay_id`), that nobody else answers in the relay's name. Then every local run
whose outcome names next peers sends the particle with the new data to the relay (the relay
routes it on); every particle the relay pushes back is merged into the local data and run. The
run ends at the first `callbackSrv.response` or `errorHandlingSrv.error`, on a rejection, or at
the timeout.
"""

from __future__ import annotations

import dataclasses
import queue
import secrets
from collections.abc import Iterator, Mapping
from typing import cast

import grpc

from cloudless_runtime import air, identity
from cloudless_runtime.client import local
from cloudless_runtime.proto._gen.cloudless.v1 import particle_pb2, particle_pb2_grpc
from cloudless_runtime.router import hello, particle, wire


class ClientError(Exception):
    """The run did not produce an answer; the message says why (rejected, timed out, unreachable,
    or the relay is not the peer it was expected to be)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Result:
    particle_id: str
    relay_id: str
    """The relay's peer id, as it proved it in its hello."""
    responses: list[list[local.JValue]]
    """Arguments of each `callbackSrv.response` call."""
    errors: list[local.JValue]
    """Arguments of each `errorHandlingSrv.error` call."""


Outgoing = queue.SimpleQueue[particle_pb2.ClientMessage | None]


class _Run:
    def __init__(
        self, keys: identity.KeyPair, message: particle.Particle, services: local.LocalServices, outgoing: Outgoing
    ) -> None:
        self._keys = keys
        self.particle = message
        self._services = services
        self._data = b""
        self._outgoing = outgoing
        self.sent = 0
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
                self._outgoing.put(particle_pb2.ClientMessage(particle=message))
                self.sent += 1
            if not outcome.call_requests:
                return
            results = {cid: self._services.call(outcome.call_requests[cid]) for cid in sorted(outcome.call_requests)}
            current = b""


def _requests(outgoing: Outgoing) -> Iterator[particle_pb2.ClientMessage]:
    while (item := outgoing.get()) is not None:
        yield item


def _introduced(reply: particle_pb2.RelayMessage | None, challenge: bytes, *, relay: str, expected: str | None) -> str:
    """The relay's peer id from its hello; raises `ClientError` unless the hello proves it."""
    if reply is None:
        raise ClientError(f"relay {relay} closed the session before saying who it is")
    if not reply.HasField("hello"):
        said = f"{reply.rejected.reason}: {reply.rejected.detail}" if reply.HasField("rejected") else "a particle"
        raise ClientError(f"relay {relay} did not answer the hello (it sent {said}); is it an older router?")
    peer_id = reply.hello.peer_id
    if not hello.proves(peer_id, challenge, reply.hello.signature):
        raise ClientError(f"relay {relay} says it is {peer_id!r} but its hello is not signed by that peer")
    if expected is not None and peer_id != expected:
        raise ClientError(
            f"relay {relay} is peer {peer_id}, not the expected {expected}: a wrong relay id or address, "
            "or another peer answers at that address"
        )
    return peer_id


def run(
    script: str,
    *,
    relay: str,
    keys: identity.KeyPair,
    data: Mapping[str, local.JValue] | None = None,
    relay_id: str | None = None,
    ttl_ms: int = 30_000,
    timeout_s: float = 30.0,
    clock: particle.Clock = particle.wall_clock,
) -> Result:
    """Runs `script` with the relay at `relay` (host:port); raises `ClientError` if no answer comes,
    or if `relay_id` is given and the relay cannot prove it is that peer."""
    challenge = secrets.token_bytes(hello.CHALLENGE_BYTES)
    outgoing: Outgoing = queue.SimpleQueue()
    outgoing.put(particle_pb2.ClientMessage(hello=particle_pb2.ClientHello(challenge=challenge)))
    particle_id = ""
    try:
        with grpc.insecure_channel(relay) as channel:
            replies = iter(particle_pb2_grpc.PeerStub(channel).Session(_requests(outgoing), timeout=timeout_s))
            introduced = _introduced(next(replies, None), challenge, relay=relay, expected=relay_id)
            services = local.LocalServices(data or {}, relay_id=introduced)
            session = _Run(keys, particle.make(keys, script, ttl=ttl_ms, now=clock()), services, outgoing)
            particle_id = session.particle.id
            session.step(b"")
            if not services.finished() and not session.sent:
                raise ClientError("the script neither answered locally nor sent the particle anywhere")
            while not services.finished():
                reply = next(replies, None)
                if reply is None:
                    raise ClientError(f"relay {relay} closed the session before the script answered")
                if reply.HasField("rejected"):
                    raise ClientError(
                        f"the relay rejected the particle: {reply.rejected.reason}: {reply.rejected.detail}"
                    )
                if reply.particle.id == particle_id:
                    session.step(reply.particle.data)
            # returning leaves the channel's block, which cancels the stream
            return Result(particle_id, introduced, responses=services.responses, errors=services.errors)
    except grpc.RpcError as e:
        failed = cast(grpc.Call, e)
        if failed.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            raise ClientError(f"no answer within {timeout_s} s (particle {particle_id or 'not sent yet'})") from None
        raise ClientError(f"relay {relay}: {failed.code().name}: {failed.details()}") from None
    finally:
        outgoing.put(None)
