"""Merging the next state of both input traces as one kind of state (AquaVM's merger module).

Every function pops one state from each slider. A missing state on one side means that peer
never got there; two present states must be of the expected kind and compatible, otherwise the
traces disagree about what happened and merging stops with a TraceError.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from cloudless_runtime.air.data import trace as tr
from cloudless_runtime.air.merge.keeper import Keeper, TraceError

FROM_PREV: Final = 0
FROM_CURRENT: Final = 1
FROM_BOTH: Final = 2

_EXECUTED = (tr.SCALAR, tr.STREAM, tr.UNUSED)
_REQUESTED = (tr.SENT, tr.SENT_ID)


@dataclasses.dataclass(slots=True)
class MetCall:
    """A call state found in the input traces: where it lands in the result and where its value
    came from (previous data or received data: this decides the value's stream generation group)."""

    state: tr.State
    trace_pos: int
    from_prev: bool


def _pop_pair(keeper: Keeper, kind: str) -> tuple[tr.State | None, tr.State | None]:
    prev = keeper.prev.next_state()
    current = keeper.current.next_state()
    if (prev is not None and prev[0] != kind) or (current is not None and current[0] != kind):
        raise TraceError(
            f"expected {tr.KIND_NAMES[kind]} states, found {_describe(prev)} (previous) "
            f"and {_describe(current)} (current)"
        )
    return prev, current


def _describe(state: tr.State | None) -> str:
    return "nothing" if state is None else str(state)


def _map_positions(keeper: Keeper, scheme: int) -> None:
    new_pos = len(keeper.result)
    if scheme != FROM_CURRENT:
        keeper.new_to_prev.insert(new_pos, keeper.prev.position - 1)
    if scheme != FROM_PREV:
        keeper.new_to_current.insert(new_pos, keeper.current.position - 1)


def call(keeper: Keeper) -> MetCall | None:
    prev, current = _pop_pair(keeper, tr.CALL)
    if prev is None and current is None:
        return None
    if prev is None:
        merged, scheme = current, FROM_CURRENT
    elif current is None:
        merged, scheme = prev, FROM_PREV
    else:
        merged, scheme = _merge_calls(prev, current)
    assert merged is not None
    trace_pos = len(keeper.result)
    _map_positions(keeper, scheme)
    return MetCall(merged, trace_pos, scheme != FROM_CURRENT)


def _merge_calls(prev: tr.State, current: tr.State) -> tuple[tr.State, int]:
    p, c = prev[1], current[1]
    if p == tr.FAILED and c == tr.FAILED:
        if prev != current:
            raise TraceError(f"incompatible failed calls {prev} and {current}")
        return prev, FROM_PREV
    if p in _REQUESTED and c == tr.FAILED:
        return current, FROM_CURRENT
    if p == tr.FAILED and c in _REQUESTED:
        return prev, FROM_PREV
    if p in _REQUESTED and c in _REQUESTED:
        return prev, FROM_PREV
    if p in _REQUESTED and c in _EXECUTED:
        return current, FROM_CURRENT
    if p in _EXECUTED and c in _REQUESTED:
        return prev, FROM_PREV
    if p in _EXECUTED and c in _EXECUTED:
        same = prev[2] == current[2] if p == c == tr.STREAM else prev == current
        if p != c or not same:
            raise TraceError(f"call results differ: {prev} and {current}")
        return prev, FROM_BOTH
    raise TraceError(f"incompatible call states {prev} and {current}")


def ap(keeper: Keeper) -> tuple[int, bool] | None:
    """The generation and origin (True: previous data) of an `ap` into a stream, if any."""
    prev, current = _pop_pair(keeper, tr.AP)
    if prev is None and current is None:
        return None
    if prev is not None and current is not None:
        state, scheme = prev, FROM_BOTH
    elif prev is not None:
        state, scheme = prev, FROM_PREV
    else:
        assert current is not None
        state, scheme = current, FROM_CURRENT
    _map_positions(keeper, scheme)
    return int(state[1]), scheme != FROM_CURRENT


def canon(keeper: Keeper) -> tr.State | None:
    prev, current = _pop_pair(keeper, tr.CANON)
    if prev is None or current is None:
        return prev if prev is not None else current
    if prev[1] == tr.EXECUTED and current[1] == tr.EXECUTED and prev != current:
        raise TraceError(f"canon results differ: {prev} and {current}")
    if prev[1] == tr.SENT and current[1] == tr.EXECUTED:
        return current
    return prev


def par(keeper: Keeper) -> tuple[tr.State | None, tr.State | None]:
    return _pop_pair(keeper, tr.PAR)


@dataclasses.dataclass(slots=True)
class ResolvedLore:
    """Where one iterated value's subtraces (before and after `next`) lie in an input trace."""

    before_pos: int
    before_len: int
    after_pos: int
    after_len: int


@dataclasses.dataclass(slots=True)
class ResolvedFold:
    lore: dict[int, ResolvedLore] = dataclasses.field(default_factory=dict)
    states_count: int = 0


def fold(keeper: Keeper) -> tuple[ResolvedFold, ResolvedFold]:
    prev, current = _pop_pair(keeper, tr.FOLD)
    prev_fold = _resolve_fold(prev, keeper.prev.generation_at) if prev is not None else ResolvedFold()
    current_fold = _resolve_fold(current, keeper.current.generation_at) if current is not None else ResolvedFold()
    return prev_fold, current_fold


def _resolve_fold(state: tr.State, generation_at: object) -> ResolvedFold:
    """AquaVM's lens convolution: a stored lore lists each value's own subtrace lengths; the
    lengths the sliders need also span the iterations nested inside it (the recursion through
    `next`), computed per generation."""
    lore = state[1]
    if not isinstance(lore, list):
        raise TraceError(f"malformed fold state {state}")
    assert callable(generation_at)
    count = 0
    befores: list[int] = []
    afters: list[int] = []
    last_generation = 0
    generation_start = 0
    cumulative_after = 0
    for index, entry in enumerate(lore):
        if not (isinstance(entry, list) and len(entry) == 5 and all(isinstance(x, int) for x in entry)):
            raise TraceError(f"malformed fold lore entry {entry}")
        generation = generation_at(entry[0])
        if generation != last_generation:
            if index > 0:
                _convolve_befores(befores, afters, generation_start, index - 1)
            last_generation = generation
            generation_start = index
            cumulative_after = 0
        count += entry[2] + entry[4]
        cumulative_after += entry[4]
        befores.append(entry[2])
        afters.append(cumulative_after)
    if lore:
        _convolve_befores(befores, afters, generation_start, len(lore) - 1)
    resolved = ResolvedFold(states_count=count)
    for entry, before_len, after_len in zip(lore, befores, afters, strict=True):
        if entry[0] in resolved.lore:
            raise TraceError(f"fold lore has several records for value position {entry[0]}")
        resolved.lore[entry[0]] = ResolvedLore(entry[1], before_len, entry[3], after_len)
    return resolved


def _convolve_befores(befores: list[int], afters: list[int], begin: int, end: int) -> None:
    cumulative = 0
    after_len = afters[end]
    for index in range(end, begin - 1, -1):
        cumulative += befores[index]
        befores[index] = cumulative + after_len
