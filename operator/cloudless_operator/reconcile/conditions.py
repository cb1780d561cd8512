"""Conditions as the Kubernetes API conventions define them, merged so only a flip moves lastTransitionTime.

A condition keeps the `lastTransitionTime` it had while its `status` stays the same; otherwise a
rewritten timestamp on every reconcile would make each status write look like news to watchers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from cloudless_operator.models import raw


def timestamp(now: dt.datetime) -> str:
    """RFC 3339 in UTC, to the second, as the API server writes times."""
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(kind: str, *, ok: bool, reason: str, message: str, generation: int) -> raw.RawCondition:
    """A condition without its transition time (`merge` adds it)."""
    return {
        "type": kind,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
    }


def merge(
    previous: Sequence[raw.RawCondition], current: Iterable[raw.RawCondition], *, now: dt.datetime
) -> list[raw.RawCondition]:
    """`current`, each with the previous transition time when its status did not flip, else `now`."""
    before = {item.get("type"): item for item in previous}
    merged: list[raw.RawCondition] = []
    for item in current:
        old = before.get(item.get("type"))
        same = old is not None and old.get("status") == item.get("status") and "lastTransitionTime" in old
        stamped: raw.RawCondition = {
            **item,
            "lastTransitionTime": old["lastTransitionTime"] if same and old else timestamp(now),
        }
        merged.append(stamped)
    return merged


def without_times(items: Sequence[raw.RawCondition]) -> list[dict[str, object]]:
    """The conditions minus lastTransitionTime, sorted by type: what `changed` compares."""
    return sorted(
        ({k: v for k, v in item.items() if k != "lastTransitionTime"} for item in items),
        key=lambda c: str(c.get("type")),
    )
