"""The ledger's clock and the next epoch to close: decided once, then kept, so epoch numbers never move.

The clock (Fluence's `initTimestamp` and `epochDuration`) is fixed when the ledger starts and is
stored in the ledger ConfigMap; a restarted controller takes it from there, or, if the ConfigMap is
gone, from the head record's window. Settings that name another epoch length later do not move it
(the epochs already recorded would no longer line up): the controller says so and keeps the clock.

Epochs are closed in order, one at a time, once they have ended. An empty ledger starts with the
epoch running when it first published a challenge (`first`), never with epochs before it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from cloudless_operator.billing import epochs
from cloudless_operator.billing.ledger import chain
from cloudless_operator.billing.settings import Settings


@dataclasses.dataclass(frozen=True, slots=True)
class Clock:
    init: int
    """Unix time at which epoch 1 starts."""
    duration: int
    """Seconds per epoch."""

    def epoch(self, now: float) -> int:
        return epochs.epoch_number(self.init, self.duration, now)

    def window(self, epoch: int) -> epochs.Window:
        return epochs.window(self.init, self.duration, epoch)

    def to_data(self) -> dict[str, str]:
        return {"initTimestamp": str(self.init), "epochDuration": str(self.duration)}

    @classmethod
    def from_data(cls, data: Mapping[str, str]) -> Clock | None:
        """The clock stored in the ConfigMap's data, None when it holds none (or an unreadable one)."""
        try:
            return cls(init=int(data["initTimestamp"]), duration=int(data["epochDuration"]))
        except (KeyError, ValueError):
            return None


@dataclasses.dataclass(frozen=True, slots=True)
class Chosen:
    clock: Clock
    settings: Settings
    """The configured settings with the clock's init and duration."""
    warning: str | None
    """Set when the configured epoch length was not taken."""


def choose(*, stored: Clock | None, head: chain.EpochRecord | None, configured: Settings, now: float) -> Chosen:
    """The clock to run on: the stored one, else the head record's, else a new one starting now.

    A new clock starts at the configured `init_timestamp` if it is set (not 0), else at `now`.
    """
    if stored is None and head is not None:
        window = head.body["window"]
        duration = int(window["end"]) - int(window["start"])
        stored = Clock(init=int(window["start"]) - (head.epoch - 1) * duration, duration=duration)
    clock = stored or Clock(init=configured.init_timestamp or int(now), duration=configured.epoch_duration)
    warning = None
    if clock.duration != configured.epoch_duration:
        warning = (
            f"the ledger's epochs last {clock.duration} s, the settings say {configured.epoch_duration} s: "
            "keeping the ledger's clock (start a new ledger to change the epoch length)"
        )
    settings = dataclasses.replace(configured, init_timestamp=clock.init, epoch_duration=clock.duration)
    return Chosen(clock=clock, settings=settings, warning=warning)


def next_to_close(*, head: int | None, first: int, current: int) -> int | None:
    """The epoch to close now: the one after the head (or `first` for an empty ledger) if it has ended."""
    candidate = first if head is None else head + 1
    return candidate if candidate < current else None
