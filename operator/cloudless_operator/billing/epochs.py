"""The epoch clock, by Fluence's formula, so our epoch numbers match what Nox and the subgraph computed.

Epoch 1 starts at the init timestamp; `epoch = 1 + (now - init) // duration`. Epoch 0 does not exist:
before the init timestamp there is no epoch, which is an error rather than a negative number.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, slots=True)
class Window:
    """An epoch's time span, `start` inclusive and `end` exclusive, so consecutive windows tile time."""

    epoch: int
    start: int
    end: int


def epoch_number(start: int, length: int, now: float) -> int:
    """Fluence's `1 + (now - initTimestamp) / epochDuration`, integer division on whole seconds."""
    _check_length(length)
    if now < start:
        raise ValueError(f"{now} is before the first epoch starts at {start}")
    return 1 + (int(now) - start) // length


def window(start: int, length: int, epoch: int) -> Window:
    """When epoch `epoch` runs: the inverse of `epoch_number`."""
    _check_length(length)
    if epoch < 1:
        raise ValueError(f"epochs are numbered from 1, got {epoch}")
    begin = start + (epoch - 1) * length
    return Window(epoch=epoch, start=begin, end=begin + length)


def _check_length(length: int) -> None:
    if length < 1:
        raise ValueError(f"an epoch lasts at least one second, got {length}")
