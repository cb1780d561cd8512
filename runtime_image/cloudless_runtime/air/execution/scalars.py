"""Scalar, canon and canon-map variables with AquaVM's scoping (ValuesSparseMatrix).

Scalars are write-once at the top level; inside a fold every iteration is a deeper scope where
they may be set again and from which they vanish when the iteration unwinds. `new` pushes an
unset cell that hides the outer value until the scope ends.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from cloudless_runtime.air.execution import errors

T = TypeVar("T")

_GLOBAL = 0


class _Cell(Generic[T]):
    __slots__ = ("depth", "value")

    def __init__(self, depth: int, value: T | None) -> None:
        self.depth = depth
        self.value = value


class ScopedValues(Generic[T]):
    __slots__ = ("allowed", "cells", "depth")

    def __init__(self) -> None:
        self.cells: dict[str, list[_Cell[T]]] = {}
        self.allowed: set[int] = {_GLOBAL}
        self.depth = _GLOBAL

    def set(self, name: str, value: T) -> None:
        cells = self.cells.get(name)
        if cells is None:
            self.cells[name] = [_Cell(self.depth, value)]
            return
        if not self.could_be_set(name):
            raise errors.shadowing(name)
        last = cells[-1]
        if last.depth == self.depth:
            last.value = value
        else:
            cells.append(_Cell(self.depth, value))

    def get(self, name: str) -> T | None:
        """The value; None when `new` cleared it. Raises VariableNotFound when undefined here."""
        cells = self.cells.get(name)
        if cells is None or cells[-1].depth not in self.allowed:
            raise errors.variable_not_found(name)
        return cells[-1].value

    def defined(self, name: str) -> bool:
        cells = self.cells.get(name)
        return cells is not None and cells[-1].depth in self.allowed

    def could_be_set(self, name: str) -> bool:
        if self.depth != _GLOBAL:
            return True
        cells = self.cells.get(name)
        return cells is not None and cells[-1].value is None

    def fold_start(self) -> None:
        self.depth += 1
        self.allowed.add(self.depth)

    def next_before(self) -> None:
        self.allowed.discard(self.depth)
        self.depth += 1
        self.allowed.add(self.depth)

    def next_after(self) -> None:
        self.allowed.discard(self.depth)
        self.depth -= 1
        self.allowed.add(self.depth)
        self._cleanup()

    def fold_end(self) -> None:
        self.allowed.discard(self.depth)
        self.depth -= 1
        self._cleanup()

    def new_start(self, name: str) -> None:
        self.cells.setdefault(name, []).append(_Cell(self.depth, None))

    def new_end(self, name: str) -> None:
        cells = self.cells.get(name)
        if cells and len(cells) > 1:
            if cells.pop().depth == self.depth:
                return
        elif cells and cells[0].depth == self.depth:
            del self.cells[name]
            return
        raise errors.UncatchableError(
            errors.SCALARS_STATE_CORRUPTED,
            f"new end block tries to pop up a variable '{name}' that wasn't defined at depth {self.depth}",
        )

    def _cleanup(self) -> None:
        obsolete = [
            name for name, cells in self.cells.items() if cells[-1].depth != _GLOBAL and cells[-1].depth > self.depth
        ]
        for name in obsolete:
            cells = self.cells[name]
            cells.pop()
            if not cells:
                del self.cells[name]
