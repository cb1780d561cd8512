"""Streams and stream maps: local, append-only, grouped in generations (AquaVM's Stream).

A stream on a peer is three ordered groups: values from the previous data, values learnt from the
received data, values produced in this run; each group is a list of generations. At the end of a
run (or of a `new` scope) generations are renumbered 0..n and written back into the states that
produced the values, so the next run sees a compact, consistent numbering.

Stream variables are resolved by scope: a reference belongs to the innermost `new` of the same
name that lexically encloses it (found once per script by `scopes`), else to the global stream.
"""

from __future__ import annotations

from typing import Final

from cloudless_runtime.air.data import trace as tr
from cloudless_runtime.air.execution import errors
from cloudless_runtime.air.execution.values import Value
from cloudless_runtime.air.merge.keeper import Keeper

MAX_STREAM_SIZE: Final = 1024

PREVIOUS: Final = 0
CURRENT: Final = 1
NEW: Final = 2


class Stream:
    __slots__ = ("groups", "size")

    def __init__(self) -> None:
        self.groups: tuple[list[list[Value]], list[list[Value]], list[list[Value]]] = ([], [], [])
        self.size = 0

    def add(self, value: Value, group: int, generation: int) -> None:
        generations = self.groups[group]
        if group == NEW:
            if not generations:
                generations.append([])
            generations[-1].append(value)
        else:
            while len(generations) <= generation:
                generations.append([])
            generations[generation].append(value)
        self.size += 1
        if self.size >= MAX_STREAM_SIZE:
            raise errors.UncatchableError(
                errors.STREAM_SIZE_LIMIT, f"stream size goes over the allowed limit of {MAX_STREAM_SIZE}"
            )

    def values(self) -> list[Value]:
        return [value for group in self.groups for generation in group for value in generation]

    def cursor(self) -> tuple[int, int, int]:
        return (len(self.groups[0]), len(self.groups[1]), len(self.groups[2]))

    def slices(self, cursor: tuple[int, int, int]) -> list[list[Value]]:
        """Non-empty generations past the cursor (AquaVM skips counting only non-empty ones)."""
        result: list[list[Value]] = []
        for group, skip in zip(self.groups, cursor, strict=True):
            result.extend([g for g in group if g][skip:])
        return result

    def open_new_generation(self) -> None:
        self.groups[NEW].append([])

    def drop_last_generation_if_empty(self) -> None:
        new = self.groups[NEW]
        if new and not new[-1]:
            new.pop()

    def compactify(self, keeper: Keeper) -> None:
        generation = 0
        for group in self.groups:
            group[:] = [g for g in group if g]
            for values in group:
                for value in values:
                    _set_generation(keeper, value.trace_pos, generation)
                generation += 1


def _set_generation(keeper: Keeper, position: int, generation: int) -> None:
    result = keeper.result
    if not 0 <= position < len(result):
        raise errors.UncatchableError(
            errors.GENERATION_COMPACTIFICATION, f"trace position {position} points to nowhere"
        )
    state = result[position]
    if state[0] == tr.AP:
        result[position] = tr.ap(generation)
    elif state[0] == tr.CALL and state[1] == tr.STREAM:
        result[position] = tr.stream(state[2], generation)
    else:
        raise errors.UncatchableError(
            errors.GENERATION_COMPACTIFICATION,
            f"trace position {position} points to an invalid state {state}",
        )


class ScopedStreams:
    """All streams (or all stream maps) of a run, each name with its stack of `new` scopes.

    A scope is identified by the `new` node that opened it (its id); `None` is the global scope."""

    __slots__ = ("by_name",)

    def __init__(self) -> None:
        self.by_name: dict[str, list[tuple[int | None, Stream]]] = {}

    def get(self, name: str, scopes: frozenset[int]) -> Stream | None:
        for owner, stream in reversed(self.by_name.get(name, ())):
            if owner is None or owner in scopes:
                return stream
        return None

    def get_or_create(self, name: str, scopes: frozenset[int]) -> Stream:
        stream = self.get(name, scopes)
        if stream is None:
            stream = Stream()
            self.by_name.setdefault(name, []).insert(0, (None, stream))
        return stream

    def scope_start(self, name: str, owner: int) -> None:
        self.by_name.setdefault(name, []).append((owner, Stream()))

    def scope_end(self, name: str, keeper: Keeper) -> None:
        descriptors = self.by_name[name]
        _, stream = descriptors.pop()
        if not descriptors:
            del self.by_name[name]
        stream.compactify(keeper)

    def compactify(self, keeper: Keeper) -> None:
        for descriptors in self.by_name.values():
            for _, stream in descriptors:
                stream.compactify(keeper)
