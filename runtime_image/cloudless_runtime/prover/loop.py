"""The prover's work loop for one unit: solve the current challenge in rounds, write each proof found,
stop at the epoch's maximum, switch when a new challenge appears, end when asked.

Rounds keep the loop responsive without slowing it: between rounds (sized to last about
`ROUND_SECONDS`, whatever the algorithm's speed) the loop checks the stop event and the challenge
source, and updates the metrics. Like the CCP it mines past the minimum up to the maximum, since
rewards grow with the number of proofs; beyond the maximum proofs would only be dropped.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pathlib
import threading
import time
from collections.abc import Callable
from typing import Protocol

from cloudless_runtime import identity
from cloudless_runtime.prover import challenge, metrics, outbox, proof, puzzle

log = logging.getLogger(__name__)

ROUND_SECONDS = 0.2
MAX_ROUND = 1 << 16
POLL_SECONDS = 0.5
"""How often an idle prover (no challenge yet, or the maximum reached) looks for a new challenge."""


class Source(Protocol):
    def current(self) -> challenge.Challenge | None:
        """The challenge to solve now, or None while there is none."""

    @property
    def final(self) -> bool:
        """True when no other challenge can ever come: the loop ends once this one is done."""


@dataclasses.dataclass(frozen=True, slots=True)
class Fixed:
    """A challenge given on the command line: solved once, then the prover exits."""

    given: challenge.Challenge
    final: bool = True

    def current(self) -> challenge.Challenge:
        return self.given


class Published:
    """The controller's challenge file, re-read whenever its size or modification time changes."""

    final = False

    def __init__(self, path: pathlib.Path) -> None:
        self._path = path
        self._seen: tuple[int, int] | None = None
        self._challenge: challenge.Challenge | None = None

    def current(self) -> challenge.Challenge | None:
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            return self._challenge
        if (stat.st_mtime_ns, stat.st_size) != self._seen:
            self._seen = (stat.st_mtime_ns, stat.st_size)
            try:
                self._challenge = challenge.read(self._path)
            except challenge.BadChallenge as e:
                log.warning("challenge %s unusable, keeping the previous one: %s", self._path, e)
        return self._challenge


@dataclasses.dataclass(slots=True)
class _Work:
    """The search state for one challenge: its hasher, target, where the counter is, proofs made."""

    solving: challenge.Challenge
    run: puzzle.Hasher
    target: bytes
    tail: bytes
    counter: int
    made: int


def prove(
    *,
    unit: str,
    keys: identity.KeyPair,
    source: Source,
    box: outbox.Outbox,
    counters: metrics.ProverMetrics,
    stop: threading.Event,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Runs until `stop` is set (or a final challenge is done); returns the number of proofs written."""
    work: _Work | None = None
    written = 0
    size = 1
    while not stop.is_set():
        current = source.current()
        if current is None:
            stop.wait(POLL_SECONDS)
            continue
        if work is None or work.solving != current:
            work = _start(current, unit=unit, box=box)
            counters.epoch.set(current.epoch)
        if work.made >= current.max_proofs:
            if source.final:
                break
            stop.wait(POLL_SECONDS)
            continue
        began = clock()
        found = puzzle.search(work.run, work.target, tail=work.tail, start=work.counter, count=size)
        elapsed = clock() - began
        work.counter += size
        counters.round(size, elapsed)
        for local_nonce, result in found[: current.max_proofs - work.made]:
            box.write(proof.make(keys, unit=unit, solved=current, local_nonce=local_nonce, result=result))
            work.made += 1
            written += 1
            counters.proofs.inc()
            log.debug("epoch %d: proof %d of %d", current.epoch, work.made, current.max_proofs)
        size = _next_size(size, elapsed)
    return written


def _start(current: challenge.Challenge, *, unit: str, box: outbox.Outbox) -> _Work:
    """A fresh random tail per challenge, so a restarted prover never repeats a local nonce."""
    made = box.written(current.epoch)
    log.info(
        "epoch %d: solving for unit %s (%s, %d of %d proofs already written)",
        current.epoch,
        unit,
        current.algorithm,
        made,
        current.max_proofs,
        extra={"epoch": current.epoch, "unit": unit},
    )
    return _Work(
        solving=current,
        run=puzzle.hasher(current.algorithm, current.key(unit)),
        target=current.target,
        tail=os.urandom(puzzle.NONCE_BYTES - puzzle.COUNTER_BYTES),
        counter=0,
        made=made,
    )


def _next_size(size: int, elapsed: float) -> int:
    """Aims the next round at ROUND_SECONDS, at most doubling at a time so one slow round is no shock."""
    if elapsed <= 0:
        return min(size * 2, MAX_ROUND)
    return max(1, min(int(size * ROUND_SECONDS / elapsed), size * 2, MAX_ROUND))
