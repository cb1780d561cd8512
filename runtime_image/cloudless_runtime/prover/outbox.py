"""How proofs reach the controller: JSON Lines files in a folder, one file per unit per epoch.

    OUT/epoch-12/cu-0.jsonl      one signed proof per line (`proof.Proof.to_json`)

The prover appends each proof and fsyncs it, so a proof it counted is on disk; the controller
reads the folder of the epoch it closes (`read_epoch`). Files were chosen over an HTTP endpoint
because a folder needs no server in the operator and survives restarts of either side; on a
cluster with many nodes the folder is a shared volume (or is shipped by any file collector):
proofs are signed, so the transport does not have to be trusted. A last line without its newline
is a write cut short by a crash: the reader counts it as malformed, and a restarted prover
starts a new line after it.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
from typing import BinaryIO

import orjson

from cloudless_runtime.prover import proof

_UNIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")
"""Kubernetes object names (and more): safe as a file name, never a path."""


class BadUnitId(ValueError):
    """A unit id that cannot name a file."""


def epoch_dir(root: pathlib.Path, epoch: int) -> pathlib.Path:
    return root / f"epoch-{epoch}"


def unit_file(root: pathlib.Path, epoch: int, unit: str) -> pathlib.Path:
    _check_unit(unit)
    return epoch_dir(root, epoch) / f"{unit}.jsonl"


def _check_unit(unit: str) -> None:
    if not _UNIT.fullmatch(unit):
        raise BadUnitId(f"unit id {unit!r} must be 1-253 characters of [A-Za-z0-9._-], starting alphanumeric")


class Outbox:
    """One unit's proof files; appends are durable before `write` returns."""

    def __init__(self, root: pathlib.Path, unit: str) -> None:
        _check_unit(unit)
        self._root = root
        self._unit = unit
        self._epoch = 0
        self._out: BinaryIO | None = None

    def written(self, epoch: int) -> int:
        """Complete proofs already in this epoch's file: a restarted prover does not redo them."""
        path = unit_file(self._root, epoch, self._unit)
        return len(_read_file(path)[0]) if path.exists() else 0

    def write(self, made: proof.Proof) -> None:
        if made.unit != self._unit:
            raise ValueError(f"this outbox is for unit {self._unit}, not {made.unit}")
        out = self._file(made.epoch)
        out.write(orjson.dumps(made.to_json()) + b"\n")
        out.flush()
        os.fsync(out.fileno())

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _file(self, epoch: int) -> BinaryIO:
        if self._out is not None and self._epoch == epoch:
            return self._out
        self.close()
        path = unit_file(self._root, epoch, self._unit)
        path.parent.mkdir(parents=True, exist_ok=True)
        out = path.open("ab")
        if out.tell() > 0 and not _ends_with_newline(path):
            out.write(b"\n")
        self._out, self._epoch = out, epoch
        return out


@dataclasses.dataclass(frozen=True, slots=True)
class Submissions:
    """What an epoch's folder holds: the proofs that parse, and how many lines did not."""

    proofs: tuple[proof.Proof, ...]
    malformed: int


def read_epoch(root: pathlib.Path, epoch: int) -> Submissions:
    """Every proof filed for `epoch`, file by file in name order; a missing folder is no proofs."""
    folder = epoch_dir(root, epoch)
    proofs: list[proof.Proof] = []
    malformed = 0
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        parsed, bad = _read_file(path)
        proofs.extend(parsed)
        malformed += bad
    return Submissions(proofs=tuple(proofs), malformed=malformed)


def _read_file(path: pathlib.Path) -> tuple[list[proof.Proof], int]:
    lines = path.read_bytes().split(b"\n")
    # The piece after the last newline is empty for a clean file, a torn write otherwise.
    malformed = int(bool(lines[-1]))
    proofs = []
    for line in lines[:-1]:
        if not line.strip():
            continue
        try:
            proofs.append(proof.Proof.from_json(orjson.loads(line)))
        except (orjson.JSONDecodeError, proof.MalformedProof):
            malformed += 1
    return proofs, malformed


def _ends_with_newline(path: pathlib.Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"
