"""The ledger on disk: one record per line (JSON Lines), append-only, each append fsynced.

A record is written as one line and its newline; a crash can only leave the *last* line without
its newline, and that is how a torn append is recognised (`Torn`). It is reported, never silently
dropped: the controller repairs it explicitly (`open_ledger(..., repair=True)` truncates the file
back to the last complete record, whose epoch is then closed again with the same result), while
`cloudless ledger verify` names it. A complete line that does not parse is corruption, not a crash,
and is reported as the first bad record (`Unreadable`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
from collections.abc import Mapping
from typing import Any

from cloudless_operator.billing.ledger import chain
from cloudless_runtime.identity import KeyPair


@dataclasses.dataclass(frozen=True, slots=True)
class Torn:
    """The file ends with `length` bytes at `offset` that are not a complete line: an interrupted append."""

    offset: int
    length: int


@dataclasses.dataclass(frozen=True, slots=True)
class Unreadable:
    """Line `line` (1-based), which would be record `index`, is not a ledger record."""

    index: int
    line: int
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class Contents:
    """The records that read cleanly, in file order, and what stopped or ended the reading."""

    records: tuple[chain.EpochRecord, ...]
    torn: Torn | None = None
    unreadable: Unreadable | None = None


class TornTail(chain.LedgerError):
    """The ledger file ends in a torn append; repair it (truncate to the last record) before writing."""

    def __init__(self, path: pathlib.Path, torn: Torn) -> None:
        super().__init__(
            f"{path}: the last {torn.length} bytes (from byte {torn.offset}) are an unfinished record; "
            "open with repair to truncate them"
        )
        self.torn = torn


class UnreadableLedger(chain.LedgerError):
    def __init__(self, path: pathlib.Path, bad: Unreadable) -> None:
        super().__init__(f"{path}: record {bad.index} (line {bad.line}) is not a ledger record: {bad.reason}")
        self.unreadable = bad


def read(path: pathlib.Path) -> Contents:
    """Parses the file; a missing file is an empty ledger. Reading stops at the first unreadable line."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return Contents(records=())
    lines = content.split(b"\n")
    tail = lines.pop()
    torn = Torn(offset=len(content) - len(tail), length=len(tail)) if tail else None
    records: list[chain.EpochRecord] = []
    for number, line in enumerate(lines, start=1):
        try:
            records.append(_record(json.loads(line)))
        except (ValueError, TypeError, KeyError) as e:
            reason = f"missing field {e}" if isinstance(e, KeyError) else str(e)
            return Contents(tuple(records), torn, Unreadable(index=len(records), line=number, reason=reason))
    return Contents(tuple(records), torn)


def append(path: pathlib.Path, record: chain.EpochRecord) -> None:
    """Writes one record line and fsyncs it (and the folder, when the file is new)."""
    created = not path.exists()
    if created:
        path.parent.mkdir(parents=True, exist_ok=True)
    line = chain.canonical_json(record.to_mapping()) + b"\n"
    with path.open("ab") as out:
        out.write(line)
        out.flush()
        os.fsync(out.fileno())
    if created:
        _fsync_dir(path.parent)


def repair(path: pathlib.Path) -> Torn | None:
    """Truncates a torn last line away (durably); returns what was cut, or None if nothing was torn."""
    torn = read(path).torn
    if torn is not None:
        with path.open("r+b") as f:
            f.truncate(torn.offset)
            f.flush()
            os.fsync(f.fileno())
    return torn


def open_ledger(path: pathlib.Path, key: KeyPair, *, repair_torn: bool = False) -> chain.Ledger:
    """The ledger in `path`, verified, whose appends go to the file before they count.

    A torn tail raises TornTail unless `repair_torn`; an unreadable line or a broken chain always
    raises, since only a person can decide what to do with a tampered or corrupted ledger.
    """
    contents = read(path)
    if contents.unreadable is not None:
        raise UnreadableLedger(path, contents.unreadable)
    if contents.torn is not None:
        if not repair_torn:
            raise TornTail(path, contents.torn)
        repair(path)
    return chain.Ledger(key, contents.records, sink=lambda record: append(path, record))


def _record(raw: object) -> chain.EpochRecord:
    if not isinstance(raw, Mapping):
        raise ValueError("a record is a JSON object")
    record = chain.EpochRecord.from_mapping(raw)
    _expect(raw, "epoch", int)
    _expect(raw, "body", Mapping)
    for name in ("prevHash", "hash", "signer", "signature"):
        _expect(raw, name, str)
    return record


def _expect(raw: Mapping[str, Any], name: str, kind: type) -> None:
    value = raw[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"{name}: expected {kind.__name__}, got {type(value).__name__}")


def _fsync_dir(folder: pathlib.Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
