"""Particles and the checks a router makes before it runs one: size, shape, time, signature, replay.

The init peer signs id (UTF-8) || timestamp (u64 LE) || ttl (u32 LE) || script (UTF-8), exactly as
Fluence's js-client and nox do; the data is not covered, because every peer's part of it carries
that peer's own signatures, which the AIR engine verifies on each run. A rejection is an exception
with a stable `reason` word (for metrics and for the client) and a detail for people; checking
never raises anything else, whatever the input. This module does no I/O and knows no gRPC.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import re
import struct
import threading
import time
import uuid
from collections.abc import Callable
from typing import Literal

from cloudless_runtime import identity

Clock = Callable[[], int]
"""Unix time in milliseconds; injected so that tests can move time."""

Reason = Literal[
    "malformed", "too_large", "expired", "from_the_future", "bad_signature", "replay", "id_reuse", "too_many_particles"
]

_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_U32 = 2**32
_U64 = 2**64


def wall_clock() -> int:
    return time.time_ns() // 1_000_000


@dataclasses.dataclass(frozen=True, slots=True)
class Particle:
    """A particle as it travels: the signed header fields and the interpreter data."""

    id: str
    init_peer_id: str
    timestamp: int
    """Creation time, unix ms."""
    ttl: int
    """Time to live, ms."""
    script: str
    signature: bytes
    data: bytes

    @property
    def expires_at(self) -> int:
        return self.timestamp + self.ttl

    def signed_bytes(self) -> bytes:
        return signed_bytes(id=self.id, timestamp=self.timestamp, ttl=self.ttl, script=self.script)

    def with_data(self, data: bytes) -> Particle:
        return dataclasses.replace(self, data=data)


def signed_bytes(*, id: str, timestamp: int, ttl: int, script: str) -> bytes:
    """What the init peer signs (js-client's buildParticleMessage)."""
    return id.encode() + struct.pack("<QI", timestamp, ttl) + script.encode()


def make(keys: identity.KeyPair, script: str, *, ttl: int, now: int, data: bytes = b"") -> Particle:
    """A new particle initiated and signed by `keys`, with a fresh UUID id."""
    particle_id = str(uuid.uuid4())
    signature = keys.sign(signed_bytes(id=particle_id, timestamp=now, ttl=ttl, script=script))
    return Particle(particle_id, keys.peer_id, now, ttl, script, signature, data)


class Rejected(Exception):
    """The particle must not be run; `reason` is stable, `detail` explains."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: Reason = reason
        self.detail = detail


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """What a router accepts. The defaults follow nox's (ttl well under a day, a few MiB of data)."""

    max_script_bytes: int = 1 << 20
    max_data_bytes: int = 16 << 20
    max_ttl_ms: int = 24 * 3600 * 1000
    max_clock_skew_ms: int = 60_000
    """How far in the future a timestamp may be: peers' clocks are never quite in step."""
    max_tracked: int = 100_000
    """Live particles tracked at once: each holds replay-protection state here and a worker in the
    dispatcher until it expires. Beyond this a new particle is rejected (`too_many_particles`)
    until some expire; versions of particles already tracked are still accepted."""


@dataclasses.dataclass(slots=True)
class _Seen:
    signature: bytes
    expires_at: int
    data_hashes: set[bytes]


class Validator:
    """Checks incoming particles and remembers what it let in until each particle expires.

    A particle id stands for one signed header: the same id with another header is `id_reuse`, and
    the same header with data already accepted once is `replay` (a retried or re-sent old version,
    which could only repeat work). What is remembered is bounded: expired particles are forgotten
    (in expiry order, so each check costs O(log n)), and at `Limits.max_tracked` live particles a
    new one is refused rather than forgetting a live one, which would open it to replays.
    Thread-safe.
    """

    def __init__(self, *, limits: Limits = Limits(), clock: Clock = wall_clock) -> None:
        self.limits = limits
        self._clock = clock
        self._seen: dict[str, _Seen] = {}
        self._expiry: list[tuple[int, str]] = []
        """A heap of (expires_at, particle id), one entry per remembered id."""
        self._lock = threading.Lock()

    def tracked(self) -> int:
        """How many live particles are remembered now."""
        with self._lock:
            return len(self._seen)

    def check(self, particle: Particle) -> None:
        """Raises `Rejected` unless the particle may run; records it as seen when it may."""
        self._check_shape(particle)
        now = self._clock()
        if particle.expires_at < now:
            raise Rejected("expired", f"particle {particle.id} expired {now - particle.expires_at} ms ago")
        if particle.timestamp > now + self.limits.max_clock_skew_ms:
            raise Rejected("from_the_future", f"timestamp {particle.timestamp} is ahead of this peer's clock {now}")
        try:
            valid = identity.verify(particle.init_peer_id, particle.signed_bytes(), particle.signature)
        except identity.InvalidPeerId as e:
            raise Rejected("malformed", str(e)) from None
        if not valid:
            raise Rejected("bad_signature", f"signature of particle {particle.id} is not {particle.init_peer_id}'s")
        self._remember(particle, now)

    def _check_shape(self, particle: Particle) -> None:
        limits = self.limits
        if len(particle.data) > limits.max_data_bytes:
            raise Rejected("too_large", f"data is {len(particle.data)} bytes, limit {limits.max_data_bytes}")
        if len(particle.script.encode()) > limits.max_script_bytes:
            raise Rejected("too_large", f"script is over the limit of {limits.max_script_bytes} bytes")
        if not _ID.fullmatch(particle.id):
            raise Rejected("malformed", "particle id must be 1-128 characters of [A-Za-z0-9_.:-]")
        if not particle.script.strip():
            raise Rejected("malformed", "empty script")
        if not (0 <= particle.timestamp < _U64 and 0 < particle.ttl < _U32):
            raise Rejected("malformed", "timestamp must fit u64 and ttl a non-zero u32")
        if particle.ttl > limits.max_ttl_ms:
            raise Rejected("malformed", f"ttl {particle.ttl} ms is above the limit of {limits.max_ttl_ms} ms")

    def _remember(self, particle: Particle, now: int) -> None:
        digest = hashlib.sha256(particle.data).digest()
        with self._lock:
            self._forget_expired(now)
            seen = self._seen.get(particle.id)
            if seen is None:
                if len(self._seen) >= self.limits.max_tracked:
                    raise Rejected(
                        "too_many_particles",
                        f"this peer tracks {len(self._seen)} live particles, its limit; "
                        "send again when some have expired",
                    )
                self._seen[particle.id] = _Seen(particle.signature, particle.expires_at, {digest})
                heapq.heappush(self._expiry, (particle.expires_at, particle.id))
                return
            if seen.signature != particle.signature:
                raise Rejected("id_reuse", f"particle id {particle.id} was already used by another particle")
            if digest in seen.data_hashes:
                raise Rejected("replay", f"this version of particle {particle.id} was already received")
            seen.data_hashes.add(digest)

    def _forget_expired(self, now: int) -> None:
        while self._expiry and self._expiry[0][0] < now:
            _, pid = heapq.heappop(self._expiry)
            del self._seen[pid]
