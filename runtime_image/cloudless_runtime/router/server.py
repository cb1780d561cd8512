"""The router sidecar on the wire: `cloudless.v1.Peer` (Send between peers, Session for clients),
gRPC health checks, and the gRPC transport its forwarder sends through.

`serve(config)` assembles a running router from the pure parts: the validator (`particle`), the
dispatcher (`dispatch`), local services (`calls`, `builtins`, the runtime client), forwarding with
retries (`forwarding`), the address book and, when asked for, the step records (`stepstore`).
A client session answers the client's hello (`hello`) with the router's proven peer id. A
rejected particle is answered with a status code and its reason in trailing metadata
(`wire.REASON_KEY`), or a `Rejected` message on a session. What arrives, is refused and is
handed on is counted in `Config.metrics`.
"""

from __future__ import annotations

import dataclasses
import logging
import pathlib
import threading
from collections.abc import Iterator
from concurrent import futures
from typing import cast

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from cloudless_runtime import identity
from cloudless_runtime.proto._gen.cloudless.v1 import particle_pb2, particle_pb2_grpc
from cloudless_runtime.router import (
    addressbook,
    builtins,
    calls,
    dispatch,
    failures,
    forwarding,
    hello,
    metrics,
    particle,
    runtime,
    sessions,
    stepstore,
    wire,
)

log = logging.getLogger(__name__)

SERVICE_NAME = particle_pb2.DESCRIPTOR.services_by_name["Peer"].full_name

_STATUS: dict[str, grpc.StatusCode] = {
    "malformed": grpc.StatusCode.INVALID_ARGUMENT,
    "too_large": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "too_many_particles": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "bad_signature": grpc.StatusCode.UNAUTHENTICATED,
}
"""Anything else (expired, from_the_future, replay, id_reuse) is FAILED_PRECONDITION."""

_RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNKNOWN})


@dataclasses.dataclass(frozen=True, slots=True)
class Config:
    keys: identity.KeyPair
    listen: str
    """host:port to bind (port 0 picks a free one)."""
    runtime: runtime.Runtime
    book: addressbook.AddressBook
    clock: particle.Clock = particle.wall_clock
    limits: particle.Limits = dataclasses.field(default_factory=particle.Limits)
    metrics: metrics.RouterMetrics = dataclasses.field(default_factory=metrics.RouterMetrics)
    """A fresh registry by default; the sidecar passes one over the process-wide registry."""
    steps_dir: pathlib.Path | None = None
    """Where to keep executed step records (`stepstore`); None keeps none."""
    steps_retention: stepstore.Retention = dataclasses.field(default_factory=stepstore.Retention)
    max_workers: int = 32
    forward_attempts: int = 3
    forward_backoff_s: float = 0.2
    forward_timeout_s: float = 10.0


class GrpcTransport:
    """`forwarding.Transport` over gRPC, one cached channel per address."""

    def __init__(self, *, max_message_bytes: int) -> None:
        self._stubs: dict[str, tuple[grpc.Channel, particle_pb2_grpc.PeerStub]] = {}
        self._lock = threading.Lock()
        self._options = [
            ("grpc.max_send_message_length", max_message_bytes),
            # A restarted peer must be reachable again within our own retries, not gRPC's default
            # reconnect backoff of up to two minutes.
            ("grpc.initial_reconnect_backoff_ms", 200),
            ("grpc.max_reconnect_backoff_ms", 2000),
        ]

    def _channel(self, address: str) -> tuple[grpc.Channel, particle_pb2_grpc.PeerStub]:
        with self._lock:
            if address not in self._stubs:
                channel = grpc.insecure_channel(address, options=self._options)
                self._stubs[address] = (channel, particle_pb2_grpc.PeerStub(channel))
            return self._stubs[address]

    def _stub(self, address: str) -> particle_pb2_grpc.PeerStub:
        return self._channel(address)[1]

    def reachable(self, address: str, *, timeout_s: float = 2.0) -> bool:
        """Whether the router at `address` answers a health check as SERVING within the time."""
        channel, _ = self._channel(address)
        request = health_pb2.HealthCheckRequest(service=SERVICE_NAME)
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(request, timeout=timeout_s)
        except grpc.RpcError:
            return False
        return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)

    def send(self, address: str, message: particle.Particle, *, timeout_s: float) -> None:
        try:
            self._stub(address).Send(wire.to_message(message), timeout=timeout_s)
        except grpc.RpcError as e:
            failed = cast(grpc.Call, e)
            found = dict(failed.trailing_metadata() or ()).get(wire.REASON_KEY)
            reason = found if isinstance(found, str) else "unknown"
            if reason == "replay":
                return  # an earlier attempt did arrive; the peer already has this version
            if failed.code() in _RETRYABLE:
                raise forwarding.DeliveryError(
                    "unreachable", f"{address}: {failed.details()}", retryable=True
                ) from None
            raise forwarding.DeliveryError(f"rejected:{reason}", failed.details() or "", retryable=False) from None

    def close(self) -> None:
        with self._lock:
            for channel, _ in self._stubs.values():
                channel.close()
            self._stubs.clear()


class Router:
    """One running router: accepts particles, runs them and sends them on."""

    def __init__(self, config: Config, *, address: str) -> None:
        self.config = config
        self.address = address
        self.peer_id = config.keys.peer_id
        self.metrics = config.metrics
        self.journal = failures.Journal(observer=self.metrics.failure)
        self.validator = particle.Validator(limits=config.limits, clock=config.clock)
        self.metrics.tracked.set_function(self.validator.tracked)
        self.sessions = sessions.Sessions()
        self.transport = GrpcTransport(max_message_bytes=_max_message(config.limits))
        self.forwarder = forwarding.Forwarder(
            book=config.book,
            transport=self.transport,
            journal=self.journal,
            clock=config.clock,
            attempts=config.forward_attempts,
            backoff_s=config.forward_backoff_s,
            timeout_s=config.forward_timeout_s,
        )
        self.steps = (
            None
            if config.steps_dir is None
            else stepstore.Store(
                config.steps_dir,
                retention=config.steps_retention,
                clock=config.clock,
                observer=self.metrics.step_record,
            )
        )
        local = builtins.Builtins(
            keys=config.keys,
            clock=config.clock,
            runtime=config.runtime,
            book=config.book,
            reachable=self.transport.reachable,
            external_addresses=[address],
        )
        self.dispatcher = dispatch.Dispatcher(
            keys=config.keys,
            services=calls.LocalServices(
                builtins=local, runtime=config.runtime, host_id=self.peer_id, metrics=self.metrics
            ),
            outbox=self,
            journal=self.journal,
            metrics=self.metrics,
            clock=config.clock,
            recorder=self.steps,
        )

    @property
    def rejections(self) -> dict[str, int]:
        return self.metrics.rejections()

    def accept(self, message: particle.Particle, *, session: sessions.Mailbox | None = None) -> None:
        """Validates and queues a particle; raises `particle.Rejected` (and counts it) when bad.

        A particle that came over a client session binds that session to its init peer first, so
        the particle's way back to its client is known before it runs.
        """
        self.metrics.received.labels("peer" if session is None else "client").inc()
        try:
            self.validator.check(message)
        except particle.Rejected as e:
            self.metrics.rejected.labels(e.reason).inc()
            log.info(
                "particle %s rejected: %s",
                message.id,
                e,
                extra={"particle_id": message.id, "init_peer_id": message.init_peer_id, "reason": e.reason},
            )
            raise
        if session is not None:
            self.sessions.bind(message.init_peer_id, session)
        self.dispatcher.submit(message)

    def send(self, peer_id: str, message: particle.Particle) -> object:
        """`dispatch.Outbox`: a connected client gets it over its session, any other peer by address."""
        if self.sessions.push(peer_id, message):
            self.metrics.forwarded.labels("client").inc()
            return None
        delivery = self.forwarder.send(peer_id, message)
        delivery.add_done_callback(self._count_delivery)
        return delivery

    def _count_delivery(self, delivery: futures.Future[bool]) -> None:
        if not delivery.cancelled() and delivery.result():
            self.metrics.forwarded.labels("peer").inc()

    def close(self) -> None:
        self.dispatcher.close()
        self.forwarder.close()
        self.transport.close()


class PeerServicer(particle_pb2_grpc.PeerServicer):
    def __init__(self, router: Router) -> None:
        self._router = router

    def Send(self, request: particle_pb2.Particle, context: grpc.ServicerContext) -> particle_pb2.SendResponse:
        try:
            self._router.accept(wire.from_message(request))
        except particle.Rejected as e:
            context.set_trailing_metadata(((wire.REASON_KEY, e.reason),))
            context.abort(_STATUS.get(e.reason, grpc.StatusCode.FAILED_PRECONDITION), str(e))
        return particle_pb2.SendResponse()

    def Session(
        self, request_iterator: Iterator[particle_pb2.ClientMessage], context: grpc.ServicerContext
    ) -> Iterator[particle_pb2.RelayMessage]:
        mailbox = sessions.Mailbox()
        context.add_callback(mailbox.close)
        reader = threading.Thread(target=self._read, args=(request_iterator, mailbox), daemon=True)
        reader.start()
        try:
            while (item := mailbox.get()) is not None:
                if isinstance(item, sessions.Rejection):
                    yield wire.rejected(item.particle_id, item.error)
                elif isinstance(item, sessions.Introduction):
                    yield wire.hello(self._router.peer_id, item.signature)
                else:
                    yield particle_pb2.RelayMessage(particle=wire.to_message(item))
        finally:
            self._router.sessions.unbind(mailbox)

    def _read(self, requests: Iterator[particle_pb2.ClientMessage], mailbox: sessions.Mailbox) -> None:
        """Answers hellos; takes the client's particles, binding the session to each accepted
        particle's init peer. A kind of message this relay does not know is skipped."""
        try:
            for request in requests:
                kind = request.WhichOneof("kind")
                if kind == "hello":
                    self._introduce(request.hello.challenge, mailbox)
                elif kind == "particle":
                    self._take(wire.from_message(request.particle), mailbox)
                else:
                    log.info("a client sent a session message of a kind this relay does not know; skipped")
        except grpc.RpcError:
            log.info("a client session was closed by its client")
        finally:
            mailbox.close()

    def _introduce(self, challenge: bytes, mailbox: sessions.Mailbox) -> None:
        try:
            mailbox.put(sessions.Introduction(hello.sign(self._router.config.keys, challenge)))
        except hello.BadChallenge as e:
            mailbox.put(sessions.Rejection("", particle.Rejected("malformed", str(e))))

    def _take(self, message: particle.Particle, mailbox: sessions.Mailbox) -> None:
        try:
            self._router.accept(message, session=mailbox)
        except particle.Rejected as e:
            mailbox.put(sessions.Rejection(message.id, e))


def _max_message(limits: particle.Limits) -> int:
    return limits.max_data_bytes + limits.max_script_bytes + (1 << 20)


@dataclasses.dataclass(frozen=True, slots=True)
class Running:
    router: Router
    server: grpc.Server
    health: health.HealthServicer

    @property
    def address(self) -> str:
        return self.router.address

    @property
    def peer_id(self) -> str:
        return self.router.peer_id

    def stop(self, grace_s: float = 1.0) -> None:
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_s).wait()
        self.router.close()


def serve(config: Config) -> Running:
    """Starts a router listening on `config.listen`."""
    size = _max_message(config.limits)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=config.max_workers, thread_name_prefix="rpc"),
        options=[("grpc.max_receive_message_length", size), ("grpc.so_reuseport", 0)],
    )
    port = server.add_insecure_port(config.listen)
    router = Router(config, address=f"{config.listen.rsplit(':', 1)[0]}:{port}")
    particle_pb2_grpc.add_PeerServicer_to_server(PeerServicer(router), server)
    checks = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checks, server)
    server.start()
    for name in ("", SERVICE_NAME):
        checks.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("router of peer %s listening on %s", router.peer_id, router.address)
    return Running(router=router, server=server, health=checks)
