"""Client sessions a relay holds: which connected client answers to which peer id.

A session is bound to a peer id when that client sends a particle it initiated and signed, so a
session only receives particles addressed to a key its client proved it holds. A mailbox is a
queue the session's stream drains: particles for the client, rejections of its particles, and the
relay's introduction (`hello`); `close` ends the stream. No gRPC here.
"""

from __future__ import annotations

import dataclasses
import queue
import threading

from cloudless_runtime.router import particle


@dataclasses.dataclass(frozen=True, slots=True)
class Rejection:
    particle_id: str
    error: particle.Rejected


@dataclasses.dataclass(frozen=True, slots=True)
class Introduction:
    """The relay's answer to a client's hello: its signature over the client's challenge."""

    signature: bytes


Item = particle.Particle | Rejection | Introduction | None
"""What a session stream sends next; None ends the stream."""


class Mailbox:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Item] = queue.SimpleQueue()

    def put(self, item: particle.Particle | Rejection | Introduction) -> None:
        self._queue.put(item)

    def close(self) -> None:
        self._queue.put(None)

    def get(self) -> Item:
        return self._queue.get()


class Sessions:
    def __init__(self) -> None:
        self._by_peer: dict[str, Mailbox] = {}
        self._lock = threading.Lock()

    def bind(self, peer_id: str, mailbox: Mailbox) -> None:
        """The latest session of a peer wins, as a reconnecting client expects."""
        with self._lock:
            self._by_peer[peer_id] = mailbox

    def unbind(self, mailbox: Mailbox) -> None:
        with self._lock:
            for peer_id in [p for p, m in self._by_peer.items() if m is mailbox]:
                del self._by_peer[peer_id]

    def push(self, peer_id: str, message: particle.Particle) -> bool:
        """Whether `peer_id` has a session here (and so got the particle)."""
        with self._lock:
            mailbox = self._by_peer.get(peer_id)
        if mailbox is None:
            return False
        mailbox.put(message)
        return True
