"""The steps a sample is drawn from: retained step records (the router's `steps` format, one JSON
line per engine run, kept by `--steps-dir`), keyed so that the choice can name them in the ledger.

A key is (subnet, executing peer, particle id, SHA-256 of the record line): the digest makes the
key name exactly one record, so the ledger commits to what was checked and a record edited after
the fact no longer matches its key. `collect` turns one peer's lines into candidates for the close:
the records of the sampled epoch's window, and, as candidates without a record, the lines that do
not parse (a retained step that cannot be re-run is `unavailable` if drawn).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from cloudless_runtime.router import steps

UNREADABLE = "(unreadable)"
"""The particle id a key carries for a line that is not a step record."""


@dataclasses.dataclass(frozen=True, slots=True, order=True)
class StepKey:
    subnet: str
    peer_id: str
    particle_id: str
    digest: str
    """SHA-256 (hex) of the record's JSON line, without its newline."""

    def text(self) -> str:
        return f"{self.subnet}/{self.peer_id}/{self.particle_id}/{self.digest}"

    def to_json(self) -> dict[str, Any]:
        return {"subnet": self.subnet, "peer": self.peer_id, "particleId": self.particle_id, "digest": self.digest}


@dataclasses.dataclass(frozen=True, slots=True)
class Collected:
    keys: tuple[StepKey, ...]
    records: dict[StepKey, steps.Step]


def collect(subnet: str, peer_id: str, lines: Iterable[bytes], *, start_ms: int, end_ms: int) -> Collected:
    """One peer's candidates: its records with `start_ms <= recorded_at < end_ms`, and its unreadable lines.

    A record naming another executing peer than the one whose store it came from is unreadable
    too: a peer answers for its own steps only.
    """
    keys: list[StepKey] = []
    records: dict[StepKey, steps.Step] = {}
    for raw in lines:
        line = raw.rstrip(b"\n")
        if not line.strip():
            continue
        digest = hashlib.sha256(line).hexdigest()
        try:
            step = steps.from_json(orjson.loads(line))
        except (orjson.JSONDecodeError, steps.BadRecord):
            keys.append(StepKey(subnet, peer_id, UNREADABLE, digest))
            continue
        if step.peer_id != peer_id:
            keys.append(StepKey(subnet, peer_id, UNREADABLE, digest))
        elif start_ms <= step.recorded_at < end_ms:
            key = StepKey(subnet, peer_id, step.particle.id, digest)
            keys.append(key)
            records[key] = step
    return Collected(tuple(keys), records)


def key_of(subnet: str, step: steps.Step) -> StepKey:
    """The key of a record as `collect` computes it from the line the router writes."""
    line = orjson.dumps(steps.to_json(step))
    return StepKey(subnet, step.peer_id, step.particle.id, hashlib.sha256(line).hexdigest())
