"""Executed step records on disk (`--steps-dir`): JSON lines in rotated files under one folder,
kept within a count, an age and a size budget, so that a router keeps what an epoch's sampling
needs without filling its disk.

Files are named `steps-<recorded_at of the first record, 13 digits>-<sequence>.jsonl`, so names
sort by age; each line is one record (`steps.to_json`, docs/data-format.md). `Retention.files`
files share the budget: a file is closed and a new one started when it holds its share of
`max_records` or `max_bytes`, and after every write the oldest closed files are deleted while the
records kept exceed `max_records`, their bytes exceed `max_bytes`, or the oldest file's newest
record is older than `max_age_ms`. A restarted router takes over the files already in the folder
(and starts a new one). A record that cannot be written is logged and counted, never raised: the
particle it describes has run either way. Thread-safe.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import pathlib
import threading
from collections.abc import Callable, Iterator

import orjson

from cloudless_runtime.router import metrics, particle, steps

log = logging.getLogger(__name__)

PATTERN = "steps-*.jsonl"


@dataclasses.dataclass(frozen=True, slots=True)
class Retention:
    max_records: int = 10_000
    max_age_ms: int = 24 * 3600 * 1000
    """An epoch of Fluence's mainnet is a day: sampling at its end still finds the epoch's steps."""
    max_bytes: int = 1 << 30
    files: int = 8

    @property
    def records_per_file(self) -> int:
        return max(1, math.ceil(self.max_records / self.files))

    @property
    def bytes_per_file(self) -> int:
        return max(1, self.max_bytes // self.files)


@dataclasses.dataclass(slots=True)
class _File:
    path: pathlib.Path
    records: int
    size: int
    newest: int
    """recorded_at of its last record, unix ms."""


def _scan(path: pathlib.Path) -> _File:
    """A file left by an earlier run: its records, size and the time of its last record (its
    modification time when the last line cannot be read, e.g. cut short by a crash)."""
    records, last = 0, b""
    with path.open("rb") as f:
        for line in f:
            records += 1
            last = line
    try:
        newest = int(orjson.loads(last)["recorded_at"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        newest = int(path.stat().st_mtime * 1000)
    return _File(path, records, path.stat().st_size, newest)


class Store:
    """`dispatch.Recorder` over a folder of JSON lines files."""

    def __init__(
        self,
        folder: pathlib.Path,
        *,
        retention: Retention = Retention(),
        clock: particle.Clock = particle.wall_clock,
        observer: Callable[[metrics.StepRecordResult], None] | None = None,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.retention = retention
        self._clock = clock
        self._observer = observer
        self._lock = threading.Lock()
        self._files = [_scan(p) for p in sorted(folder.glob(PATTERN))]
        self._current: _File | None = None
        """The file this store appends to; files found at start are only ever deleted."""
        self._sequence = len(self._files)
        """Orders files started within the same millisecond."""
        with self._lock:
            self._enforce()

    def record(self, step: steps.Step) -> None:
        line = orjson.dumps(steps.to_json(step)) + b"\n"
        result: metrics.StepRecordResult
        with self._lock:
            try:
                result = self._append(line, step.recorded_at)
            except OSError as e:
                log.warning(
                    "step record of particle %s not written: %s",
                    step.particle.id,
                    e,
                    extra={"particle_id": step.particle.id},
                )
                result = "failed"
        if self._observer is not None:
            self._observer(result)

    def _append(self, line: bytes, recorded_at: int) -> metrics.StepRecordResult:
        budget = self.retention
        if len(line) > budget.bytes_per_file:
            log.warning("a step record of %d bytes is over a file's share of the budget; not kept", len(line))
            return "too_large"
        current = self._current
        if (
            current is None
            or current.records >= budget.records_per_file
            or current.size + len(line) > budget.bytes_per_file
        ):
            current = self._current = self._new_file(recorded_at)
            self._files.append(current)
        with current.path.open("ab") as f:
            f.write(line)
        current.records += 1
        current.size += len(line)
        current.newest = recorded_at
        self._enforce()
        return "written"

    def _new_file(self, recorded_at: int) -> _File:
        while (path := self.folder / f"steps-{recorded_at:013d}-{self._sequence:06d}.jsonl").exists():
            self._sequence += 1
        self._sequence += 1
        return _File(path, 0, 0, recorded_at)

    def _enforce(self) -> None:
        """Deletes the oldest files (never the one being written) until the rest fits the budget."""
        budget = self.retention
        oldest_kept = self._clock() - budget.max_age_ms
        while self._files and self._files[0] is not self._current:
            too_many = sum(f.records for f in self._files) > budget.max_records
            too_big = sum(f.size for f in self._files) > budget.max_bytes
            if not (too_many or too_big or self._files[0].newest < oldest_kept):
                return
            self._files.pop(0).path.unlink(missing_ok=True)


def read(folder: pathlib.Path) -> Iterator[steps.Step]:
    """Every record kept in `folder`, oldest first; raises `steps.BadRecord` at a line that is not one."""
    for path in sorted(folder.glob(PATTERN)):
        with path.open("rb") as f:
            for number, line in enumerate(f, start=1):
                try:
                    raw = orjson.loads(line)
                except orjson.JSONDecodeError as e:
                    raise steps.BadRecord(f"{path.name}:{number}: not JSON: {e}") from None
                yield steps.from_json(raw)
