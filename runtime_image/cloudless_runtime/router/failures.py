"""The router's failure record: particles it could not run or deliver, and why.

Each entry is also logged (with its particle id as a structured field) and shown to an optional
observer (the router's metrics count them); the record keeps the latest `capacity` so that an
operator (or a test) can ask "what happened to particle X" without searching logs. Thread-safe; no I/O.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Literal

log = logging.getLogger(__name__)

Stage = Literal["interpretation", "delivery", "expired"]


@dataclasses.dataclass(frozen=True, slots=True)
class Failure:
    particle_id: str
    stage: Stage
    reason: str
    """A short stable word: unreachable, unknown_peer, rejected:<reason>, air:<ret_code>, ttl."""
    detail: str
    peer_id: str = ""
    attempts: int = 0


class Journal:
    def __init__(self, capacity: int = 10_000, *, observer: Callable[[Failure], None] | None = None) -> None:
        self._entries: collections.deque[Failure] = collections.deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._observer = observer

    def record(self, failure: Failure) -> None:
        log.warning(
            "particle %s %s failed (%s) peer=%s attempts=%d: %s",
            failure.particle_id,
            failure.stage,
            failure.reason,
            failure.peer_id or "-",
            failure.attempts,
            failure.detail,
            extra={"particle_id": failure.particle_id, "stage": failure.stage, "reason": failure.reason},
        )
        with self._lock:
            self._entries.append(failure)
        if self._observer is not None:
            self._observer(failure)

    def entries(self, particle_id: str | None = None) -> list[Failure]:
        with self._lock:
            return [f for f in self._entries if particle_id is None or f.particle_id == particle_id]
