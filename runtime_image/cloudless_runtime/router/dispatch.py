"""Running particles: one worker per particle id, the AIR engine, local calls and next peers.

Every particle id has an actor holding the peer's stored data for it and a queue of received
versions. An actor is drained by one pool thread at a time, so one particle's steps run in
order while different particles run in parallel. A step runs the engine on the received data,
stores the new data whatever the outcome (nox's rule), hands the particle to each next peer (or
back to its own queue when the next peer is this one), serves the call requests locally and runs
the engine again with their results, until a run asks for no more calls. Actors are dropped
when their particle expires; how many particles may be live at once is bounded where they are
admitted (`particle.Validator`), so the actors are too. A call whose result is due later
(`peer.timeout`) is left unanswered in its run; when it is due, the result is queued to the actor
like received data and the engine runs again with it alone (AquaVM keeps the call waiting in the
trace until then), unless the particle has expired. Nothing a particle does escapes a step:
errors are recorded. Every engine run is timed into the router's metrics and, when the router
keeps step records, handed to its `Recorder` with everything needed to run it again (`steps`).
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
from concurrent import futures
from typing import Protocol

from cloudless_runtime import air, identity
from cloudless_runtime.router import calls, failures, metrics, particle, steps, timers

log = logging.getLogger(__name__)


class Outbox(Protocol):
    def send(self, peer_id: str, message: particle.Particle) -> object:
        """Starts delivering `message` to `peer_id` (a client session or a peer); must not block."""


class Recorder(Protocol):
    def record(self, step: steps.Step) -> None:
        """Keeps one executed run; must not raise (a particle has run whether or not it is kept)."""


_Input = bytes | dict[int, steps.Call]
"""What an actor runs the engine on: received data, or call results that came due later."""


@dataclasses.dataclass(slots=True)
class _Actor:
    header: particle.Particle
    prev_data: bytes = b""
    pending: collections.deque[_Input] = dataclasses.field(default_factory=collections.deque)
    scheduled: bool = False


class Dispatcher:
    def __init__(
        self,
        *,
        keys: identity.KeyPair,
        services: calls.LocalServices,
        outbox: Outbox,
        journal: failures.Journal,
        metrics: metrics.RouterMetrics,
        clock: particle.Clock = particle.wall_clock,
        recorder: Recorder | None = None,
        max_workers: int = 8,
    ) -> None:
        self._keys = keys
        self._recorder = recorder
        self._metrics = metrics
        self._services = services
        self._outbox = outbox
        self._journal = journal
        self._clock = clock
        self._actors: dict[str, _Actor] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0
        self._pool = futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="particle")
        self._idle = threading.Condition(self._lock)
        self._timers = timers.Timers()

    @property
    def peer_id(self) -> str:
        return self._keys.peer_id

    def submit(self, message: particle.Particle) -> None:
        """Queues a validated particle version for its actor."""
        with self._lock:
            self._sweep()
            actor = self._actors.get(message.id)
            if actor is None:
                actor = self._actors[message.id] = _Actor(header=message.with_data(b""))
            self._enqueue_locked(actor, message.data)

    def _enqueue_locked(self, actor: _Actor, data: _Input) -> None:
        actor.pending.append(data)
        if not actor.scheduled:
            actor.scheduled = True
            self._pool.submit(self._drain, actor)

    def _drain(self, actor: _Actor) -> None:
        while True:
            with self._lock:
                if not actor.pending:
                    actor.scheduled = False
                    self._idle.notify_all()
                    return
                data = actor.pending.popleft()
            try:
                self._step(actor, data)
            except Exception as e:  # a bug in a step must not kill the worker or other particles
                log.exception("particle %s: step failed", actor.header.id, extra={"particle_id": actor.header.id})
                self._journal.record(
                    failures.Failure(actor.header.id, "interpretation", "host_error", f"{type(e).__name__}: {e}")
                )

    def _step(self, actor: _Actor, data: _Input) -> None:
        header = actor.header
        if self._clock() > header.expires_at:
            self._journal.record(failures.Failure(header.id, "expired", "ttl", "expired before it could run"))
            return
        params = air.RunParameters(
            init_peer_id=header.init_peer_id,
            current_peer_id=self._keys.peer_id,
            timestamp=header.timestamp,
            ttl=header.ttl,
            particle_id=header.id,
            secret_key=self._keys.seed,
        )
        current, served = (data, {}) if isinstance(data, bytes) else (b"", data)
        while True:
            results = {cid: call.result for cid, call in served.items()}
            with self._metrics.interpretation.time():
                outcome = air.run(header.script, actor.prev_data, current, params, results)
            if self._recorder is not None:
                self._recorder.record(
                    steps.Step(
                        peer_id=self._keys.peer_id,
                        recorded_at=self._clock(),
                        particle=header,
                        prev_data=actor.prev_data,
                        current_data=current,
                        calls=served,
                        outcome=outcome,
                    )
                )
            actor.prev_data = outcome.data
            log.debug(
                "particle %s: ran, ret_code %d, %d next peers, %d calls",
                header.id,
                outcome.ret_code,
                len(outcome.next_peer_pks),
                len(outcome.call_requests),
                extra={"particle_id": header.id},
            )
            if outcome.ret_code != 0:
                self._journal.record(
                    failures.Failure(header.id, "interpretation", f"air:{outcome.ret_code}", outcome.error_message)
                )
            for peer_id in dict.fromkeys(outcome.next_peer_pks):
                if peer_id == self._keys.peer_id:
                    with self._lock:
                        self._enqueue_locked(actor, outcome.data)
                else:
                    self._outbox.send(peer_id, header.with_data(outcome.data))
            if not outcome.call_requests:
                return
            message = header.with_data(outcome.data)
            served = {}
            for cid, request in sorted(outcome.call_requests.items()):
                answer = self._services.call(request, message)
                call = steps.Call(request, answer.result, answer.receipt)
                if answer.after_ms:
                    self._later(actor, cid, call, answer.after_ms)
                else:
                    served[cid] = call
            if not served:
                return
            current = b""

    def _later(self, actor: _Actor, call_id: int, call: steps.Call, after_ms: int) -> None:
        """Queues `call`'s result to the actor when it is due; never, if the particle expires first."""
        if self._clock() + after_ms > actor.header.expires_at:
            return

        def due() -> None:
            with self._lock:
                if self._clock() <= actor.header.expires_at:
                    self._enqueue_locked(actor, {call_id: call})

        self._timers.after(after_ms / 1000, due)

    def _sweep(self) -> None:
        """Drops idle actors of expired particles, at most once a second (called under the lock)."""
        now = self._clock()
        if now < self._next_sweep:
            return
        self._next_sweep = now + 1000
        for pid in [pid for pid, a in self._actors.items() if not a.scheduled and a.header.expires_at < now]:
            del self._actors[pid]

    def stored_data(self, particle_id: str) -> bytes | None:
        """This peer's data for a particle it still tracks (for tests and inspection)."""
        with self._lock:
            actor = self._actors.get(particle_id)
            return None if actor is None else actor.prev_data

    def wait_idle(self, timeout_s: float) -> bool:
        """Whether every actor ran out of work within the time (tests use this to settle)."""
        with self._idle:
            return self._idle.wait_for(lambda: not any(a.scheduled for a in self._actors.values()), timeout_s)

    def close(self) -> None:
        self._timers.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
