"""What an event handler saw of each object at its previous event, so it can tell a change it acts on from any write.

kopf gives event handlers the new body only. Its update handlers get `old`, but only for what its
diff-base keeps (not the status), at the price of an annotation on every object. ComputeUnits get
a status write every epoch (the ledger mirror) that changes nothing their handlers act on, so each
such handler keeps the part it acts on here, per object, and acts only when that part changed.
kopf runs one object's events one at a time and in order, so one key is never swapped concurrently.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LastSeen(Generic[K, V]):
    """Per key, the value at the object's previous event; an object that went away is forgotten."""

    def __init__(self) -> None:
        self._values: dict[K, V] = {}

    def swap(self, key: K, now: V | None) -> V | None:
        """Remember `now` for `key` (None: the object is gone); what was remembered before (None: nothing)."""
        if now is None:
            return self._values.pop(key, None)
        previous = self._values.get(key)
        self._values[key] = now
        return previous
