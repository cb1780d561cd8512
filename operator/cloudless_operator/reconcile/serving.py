"""Which units served which deals in the epochs not closed yet: the log the epoch close bills from.

A unit's status says who holds it *now*; the close of epoch e needs who held it at any moment of e
(it is billed, and has no proof duty, for that epoch). The controller samples the units at every
tick and adds to this log: a unit Reserved by a deal since `reservedAt` served it in every epoch
from then through the current one. The log lives in the ledger ConfigMap, so a restarted operator
still knows what it saw; closed epochs are pruned from it.

A unit reserved and released between two ticks is never seen, so it is neither billed nor excused
from proving for that epoch: a tick is a fraction of an epoch, and such a worker never ran.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

Log = Mapping[int, Mapping[str, tuple[str, ...]]]
"""Epoch -> unit -> the deals (ledger deal ids) it served in that epoch, each sorted."""
Built = dict[int, dict[str, tuple[str, ...]]]


def deal_id(namespace: str, name: str, uid: str) -> str:
    """A deal's id in the ledger: readable, and new for a re-created Deal of the same name."""
    return f"{namespace}/{name}/{uid}"


def deal_name(ledger_id: str) -> tuple[str, str]:
    """The (namespace, name) of a ledger deal id."""
    namespace, name, _ = ledger_id.split("/", 2)
    return namespace, name


def observe(log: Log, held: Mapping[str, tuple[str, int]], *, current: int, first_open: int) -> Built:
    """`log` plus what `held` shows: unit -> (deal id, epoch its reservation began), seen in epoch `current`.

    Each holding counts for every epoch from its start (never before `first_open`, the oldest
    epoch not closed) through `current`.
    """
    merged = {epoch: dict(units) for epoch, units in log.items()}
    for unit, (deal, since) in held.items():
        for epoch in range(max(since, first_open), current + 1):
            units = merged.setdefault(epoch, {})
            units[unit] = tuple(sorted({*units.get(unit, ()), deal}))
    return merged


def during(log: Log, epoch: int) -> Mapping[str, tuple[str, ...]]:
    """Unit -> the deals it served in `epoch`."""
    return log.get(epoch, {})


def prune(log: Log, *, closed: int) -> Built:
    """The log without the epochs up to `closed`, which the ledger holds now."""
    return {epoch: dict(units) for epoch, units in log.items() if epoch > closed}


def to_text(log: Log) -> str:
    return json.dumps(
        {
            str(epoch): {unit: list(deals) for unit, deals in sorted(units.items())}
            for epoch, units in sorted(log.items())
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def from_text(text: str | None) -> Built:
    """The log stored by `to_text`; a missing or unreadable one is empty (units still held are seen again)."""
    if not text:
        return {}
    try:
        raw = json.loads(text)
        return {
            int(epoch): {str(unit): tuple(str(deal) for deal in deals) for unit, deals in units.items()}
            for epoch, units in raw.items()
        }
    except (ValueError, AttributeError, TypeError):
        return {}
