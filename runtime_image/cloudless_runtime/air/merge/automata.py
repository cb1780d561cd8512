"""The state machines that re-aim the sliders for `par` branches and stream `fold` iterations
(AquaVM's state_automata: ParFSM and FoldFSM).

Both reserve their own state's slot in the result trace when they start and fill it in when they
end, because only then is it known how many states each branch or iteration produced.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Final

from cloudless_runtime.air.data import trace as tr
from cloudless_runtime.air.merge import states
from cloudless_runtime.air.merge.keeper import Keeper, Slider, TraceError

_BEFORE_STARTED: Final = 0
_BEFORE_COMPLETED: Final = 1
_AFTER_STARTED: Final = 2
_AFTER_COMPLETED: Final = 3


def _window(slider: Slider, skip: int, length: int) -> tuple[int, int]:
    return slider.position + skip, length


class ParFSM:
    """Gives the left branch the left subtraces of both inputs, then the right ones, and finally
    places both sliders after the whole par."""

    __slots__ = ("current_par", "keeper", "left_len", "prev_par", "saved", "slot", "windows")

    def __init__(self, keeper: Keeper) -> None:
        prev_state, current_state = states.par(keeper)
        self.keeper = keeper
        self.prev_par = (prev_state[1], prev_state[2]) if prev_state is not None else (0, 0)
        self.current_par = (current_state[1], current_state[2]) if current_state is not None else (0, 0)
        for left, right in (self.prev_par, self.current_par):
            if not (isinstance(left, int) and isinstance(right, int) and left >= 0 and right >= 0):
                raise TraceError(f"malformed par state ({left}, {right})")
        self.slot = len(keeper.result)
        keeper.result.append(tr.par(0, 0))
        self.windows = {
            "left": [_window(s, p[0], p[0]) for s, p in self._pairs()],
            "right": [self._right_window(s, p) for s, p in self._pairs()],
        }
        self.saved = len(keeper.result)
        self.left_len = 0
        keeper.prev.set_subtrace_len(self.prev_par[0])
        keeper.current.set_subtrace_len(self.current_par[0])

    def _pairs(self) -> list[tuple[Slider, tuple[int, int]]]:
        return [(self.keeper.prev, self.prev_par), (self.keeper.current, self.current_par)]

    @staticmethod
    def _right_window(slider: Slider, par: tuple[int, int]) -> tuple[int, int]:
        size = par[0] + par[1]
        remaining = slider.remaining() - size
        if remaining < 0:
            raise TraceError(f"par {par} is longer than its enclosing subtrace ({slider.remaining()} states)")
        return slider.position + size, remaining

    def _set_windows(self, which: str) -> None:
        for slider, (position, length) in zip(
            (self.keeper.prev, self.keeper.current), self.windows[which], strict=True
        ):
            with contextlib.suppress(
                TraceError
            ):  # AquaVM ignores these, the next state pulled reports any inconsistency
                slider.set_position_and_len(position, length)

    def left_completed(self) -> None:
        self.left_len = len(self.keeper.result) - self.saved
        self.saved = len(self.keeper.result)
        self._set_windows("left")
        for slider, size in (
            (self.keeper.prev, self.prev_par[1]),
            (self.keeper.current, self.current_par[1]),
        ):
            with contextlib.suppress(TraceError):
                slider.set_subtrace_len(size)

    def right_completed(self) -> None:
        right_len = len(self.keeper.result) - self.saved
        self.keeper.result[self.slot] = tr.par(self.left_len, right_len)
        self._set_windows("right")


@dataclasses.dataclass(slots=True)
class _LoreCtor:
    """Records where one value's iteration put its states in the result trace."""

    value_pos: int
    before_start: int
    before_end: int = 0
    after_start: int = 0
    after_end: int = 0
    state: int = _BEFORE_STARTED
    prev_lore: states.ResolvedLore | None = None
    current_lore: states.ResolvedLore | None = None

    def end_before(self, position: int) -> None:
        self.before_end = position
        self.state = min(self.state + 1, _AFTER_COMPLETED)

    def start_after(self, position: int) -> None:
        self.after_start = position
        self.state = min(self.state + 1, _AFTER_COMPLETED)

    def end_after(self, position: int) -> None:
        self.after_end = position
        self.state = min(self.state + 1, _AFTER_COMPLETED)

    def finish(self, position: int) -> None:
        if self.state == _BEFORE_STARTED:
            self.end_before(position)
        if self.state == _BEFORE_COMPLETED:
            self.start_after(position)
        if self.state == _AFTER_STARTED:
            self.end_after(position)

    def to_lore(self) -> list[int]:
        return [
            self.value_pos,
            self.before_start,
            self.before_end - self.before_start,
            self.after_start,
            self.after_end - self.after_start,
        ]


class FoldFSM:
    """Points the sliders at each iterated value's old subtraces, before and after its `next`."""

    __slots__ = (
        "back_pos",
        "back_started",
        "current_fold",
        "final",
        "keeper",
        "lore",
        "prev_fold",
        "queue",
        "slot",
    )

    def __init__(self, keeper: Keeper) -> None:
        self.keeper = keeper
        self.prev_fold, self.current_fold = states.fold(keeper)
        self.slot = len(keeper.result)
        keeper.result.append(tr.par(0, 0))
        self.final = [
            self._final_window(keeper.prev, self.prev_fold),
            self._final_window(keeper.current, self.current_fold),
        ]
        self.queue: list[_LoreCtor] = []
        self.back_pos = 0
        self.back_started = False
        self.lore: list[list[int]] = []

    @staticmethod
    def _final_window(slider: Slider, fold: states.ResolvedFold) -> tuple[int, int]:
        remaining = slider.remaining() - fold.states_count
        if remaining < 0:
            raise TraceError(f"fold of {fold.states_count} states is longer than its enclosing subtrace")
        return slider.position + fold.states_count, remaining

    def _current(self) -> _LoreCtor:
        if not 0 < self.back_pos <= len(self.queue):
            raise TraceError("fold iteration bookkeeping is out of order")
        return self.queue[self.back_pos - 1]

    def iteration_start(self, value_pos: int) -> None:
        keeper = self.keeper
        prev_pos = keeper.new_to_prev.get(value_pos)
        current_pos = keeper.new_to_current.get(value_pos)
        prev_lore = self.prev_fold.lore.pop(prev_pos, None) if prev_pos is not None else None
        current_lore = self.current_fold.lore.pop(current_pos, None) if current_pos is not None else None
        self._apply(keeper.prev, prev_lore, before=True)
        self._apply(keeper.current, current_lore, before=True)
        self.queue.append(_LoreCtor(value_pos, len(keeper.result), prev_lore=prev_lore, current_lore=current_lore))
        self.back_pos += 1

    @staticmethod
    def _apply(slider: Slider, lore: states.ResolvedLore | None, *, before: bool) -> None:
        if lore is None:
            slider.set_subtrace_len(0)
        elif before:
            slider.set_position_and_len(lore.before_pos, lore.before_len)
        else:
            slider.set_position_and_len(lore.after_pos, lore.after_len)

    def iteration_end(self) -> None:
        self._current().end_before(len(self.keeper.result))

    def back_iterator(self) -> None:
        position = len(self.keeper.result)
        if not self.back_started:
            ctor = self._current()
            if ctor.state == _BEFORE_STARTED:
                ctor.end_before(position)
            ctor.start_after(position)
            self.back_started = True
        else:
            self._current().end_after(position)
            self.back_pos -= 1
            ctor = self._current()
            ctor.start_after(position)
        self._apply(self.keeper.prev, ctor.prev_lore, before=False)
        self._apply(self.keeper.current, ctor.current_lore, before=False)

    def generation_end(self) -> None:
        position = len(self.keeper.result)
        for ctor in self.queue:
            ctor.finish(position)
        self.back_pos = 0
        self.back_started = False
        self.lore.extend(ctor.to_lore() for ctor in self.queue)
        self.queue.clear()

    def fold_end(self) -> None:
        self.keeper.result[self.slot] = tr.fold(self.lore)
        for slider, (position, length) in zip((self.keeper.prev, self.keeper.current), self.final, strict=True):
            with contextlib.suppress(TraceError):
                slider.set_position_and_len(position, length)
