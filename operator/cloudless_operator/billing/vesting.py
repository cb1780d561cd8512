"""A commitment's reward vesting schedule, as Fluence's `Vesting.add` lays it out (reference 1.5).

A reward earned in epoch e is split into `count` equal slices that unlock at the epochs aligned to
multiples of `period`, starting with the first aligned epoch *after* e:
`first = e + (period - e % period)`, then `first + period`, and so on. Fluence's integer division
lost the remainder; here the last slice takes it, so the slices always sum to the reward. A slice
unlocks at the close of its epoch. When a commitment fails, the slices still pending are forfeited
("unvested rewards are lost").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cloudless_operator.billing import amounts


@dataclasses.dataclass(frozen=True, slots=True)
class Schedule:
    pending: tuple[tuple[int, Decimal], ...] = ()
    """(unlock epoch, amount), by epoch, one entry per epoch."""
    unlocked: Decimal = amounts.ZERO
    """Everything unlocked so far (what the provider and the staker may withdraw between them)."""

    @property
    def locked(self) -> Decimal:
        return sum((amount for _, amount in self.pending), amounts.ZERO)

    def add(self, reward: Decimal, *, epoch: int, period: int, count: int) -> Schedule:
        """The schedule with `reward`, earned in `epoch`, spread over its slices."""
        if reward <= 0:
            return self
        first = epoch + (period - epoch % period)
        piece = amounts.share(reward, 1, count)
        slices = {first + period * i: piece for i in range(count - 1)}
        slices[first + period * (count - 1)] = reward - piece * (count - 1)
        merged = dict(self.pending)
        for at, amount in slices.items():
            merged[at] = merged.get(at, amounts.ZERO) + amount
        return dataclasses.replace(self, pending=tuple(sorted(merged.items())))

    def unlock(self, through: int) -> tuple[Schedule, Decimal]:
        """Unlocks every slice due at or before epoch `through`; returns the new schedule and the amount."""
        due = sum((amount for at, amount in self.pending if at <= through), amounts.ZERO)
        later = tuple((at, amount) for at, amount in self.pending if at > through)
        return Schedule(pending=later, unlocked=self.unlocked + due), due

    def forfeit(self) -> tuple[Schedule, Decimal]:
        """Drops every pending slice (the commitment failed); returns the new schedule and what was lost."""
        return Schedule(unlocked=self.unlocked), self.locked

    def to_json(self) -> dict[str, Any]:
        return {
            "pending": [[at, amounts.text(amount)] for at, amount in self.pending],
            "unlocked": amounts.text(self.unlocked),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Schedule:
        pending = raw["pending"]
        return cls(
            pending=tuple((int(at), amounts.parse(amount, what="vesting slice")) for at, amount in pending),
            unlocked=amounts.parse(raw["unlocked"], what="vesting.unlocked"),
        )
