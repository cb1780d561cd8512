"""Handing particles to other peers by their address book entry, with retries.

A send runs in the background so that a slow or dead peer never holds up the particle's other
steps. Each attempt looks the peer up again, so an address book update applies to the next retry.
Only transport failures are retried (the peer is unreachable or timed out); a peer that rejects the
particle has answered, and retrying would not change its mind. A send that gives up leaves one
`failures.Failure` with the reason and the number of attempts. No gRPC here: `Transport` is.
"""

from __future__ import annotations

import time
from concurrent import futures
from typing import Protocol

from cloudless_runtime.router import addressbook, failures, particle


class DeliveryError(Exception):
    """One attempt failed; `retryable` says whether another attempt could succeed."""

    def __init__(self, reason: str, detail: str, *, retryable: bool) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.retryable = retryable


class Transport(Protocol):
    def send(self, address: str, message: particle.Particle, *, timeout_s: float) -> None:
        """Delivers or raises `DeliveryError`."""


class Forwarder:
    def __init__(
        self,
        *,
        book: addressbook.AddressBook,
        transport: Transport,
        journal: failures.Journal,
        clock: particle.Clock = particle.wall_clock,
        attempts: int = 3,
        backoff_s: float = 0.2,
        timeout_s: float = 10.0,
        max_workers: int = 8,
    ) -> None:
        self._book = book
        self._transport = transport
        self._journal = journal
        self._clock = clock
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._pool = futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="forward")

    def send(self, peer_id: str, message: particle.Particle) -> futures.Future[bool]:
        """Starts delivering; the future says whether it arrived (failures are also recorded)."""
        return self._pool.submit(self._deliver, peer_id, message)

    def _deliver(self, peer_id: str, message: particle.Particle) -> bool:
        last = DeliveryError("unknown_peer", f"{peer_id} is not in the address book", retryable=True)
        attempt = 0
        for attempt in range(1, self._attempts + 1):
            if self._clock() > message.expires_at:
                last = DeliveryError("ttl", "the particle expired before it could be delivered", retryable=False)
                break
            entry = self._book.lookup(peer_id)
            try:
                if entry is None:
                    raise last
                self._transport.send(entry.address, message, timeout_s=self._timeout_s)
                return True
            except DeliveryError as e:
                last = e
                if not e.retryable:
                    break
            if attempt < self._attempts:
                time.sleep(self._backoff_s * 2 ** (attempt - 1))
        self._journal.record(
            failures.Failure(
                particle_id=message.id,
                stage="delivery",
                reason=last.reason,
                detail=last.detail,
                peer_id=peer_id,
                attempts=attempt,
            )
        )
        return False

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
