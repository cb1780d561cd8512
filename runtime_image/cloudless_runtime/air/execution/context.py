"""Everything one run of the interpreter knows and accumulates (AquaVM's ExecutionCtx).

Rebuilt from scratch on every run: variables, streams, error state, the call requests and next
peers this run emits, the content-addressed stores (previous and received data merged), and the
set of CIDs this peer produced, which it signs at the end.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cloudless_runtime.air.data import cid
from cloudless_runtime.air.data.codec import InterpreterData
from cloudless_runtime.air.execution import errors
from cloudless_runtime.air.execution.scalars import ScopedValues
from cloudless_runtime.air.execution.streams import ScopedStreams
from cloudless_runtime.air.execution.values import CanonMap, CanonStream, Tetraplet, Value
from cloudless_runtime.air.interface import CallRequest, CallResult, RunParameters
from cloudless_runtime.air.merge.keeper import Keeper
from cloudless_runtime.air.syntax import ast


def no_error_object() -> dict[str, Any]:
    return {"error_code": 0, "message": ""}


@dataclasses.dataclass(slots=True)
class InstructionError:
    """The object `%last_error%` or `:error:` evaluates to, with the error it came from."""

    error: dict[str, Any] = dataclasses.field(default_factory=no_error_object)
    tetraplet: Tetraplet | None = None
    original: errors.CatchableError | None = None


class ErrorSlot:
    """One of the two error variables and whether the next error may overwrite it."""

    __slots__ = ("can_be_set", "value")

    def __init__(self) -> None:
        self.value = InstructionError()
        self.can_be_set = True


class Iterable:
    """The values a fold walks, with a cursor; `next` moves it forward and back (recursion)."""

    __slots__ = ("cursor", "items")

    def __init__(self, items: list[Value]) -> None:
        self.items = items
        self.cursor = 0

    def peek(self) -> Value:
        return self.items[self.cursor]


class FoldState:
    """What `next i` needs: the iterable, the fold body and last instruction, and for a fold over
    a stream the state machine that re-aims the trace sliders per iteration."""

    __slots__ = ("back_iteration_started", "body", "fsm", "iterable", "last")

    def __init__(self, iterable: Iterable, body: ast.Instruction, last: ast.Instruction | None, fsm: Any) -> None:
        self.iterable = iterable
        self.body = body
        self.last = last
        self.fsm = fsm
        self.back_iteration_started = False


class Context:
    def __init__(
        self,
        *,
        params: RunParameters,
        prev: InterpreterData,
        current: InterpreterData,
        call_results: dict[int, CallResult],
        scopes: dict[int, frozenset[int]],
    ) -> None:
        self.params = params
        self.init_peer_id = params.init_peer_id
        self.current_peer_id = params.current_peer_id
        self.scalars: ScopedValues[Value] = ScopedValues()
        self.canons: ScopedValues[CanonStream] = ScopedValues()
        self.canon_maps: ScopedValues[CanonMap] = ScopedValues()
        self.iterables: dict[str, FoldState] = {}
        self.streams = ScopedStreams()
        self.stream_maps = ScopedStreams()
        self.scopes = scopes
        self.next_peers: list[str] = []
        self.last_error = ErrorSlot()
        self.error = ErrorSlot()
        self.complete = True
        self.last_call_id = prev.last_call_id
        self.call_results = call_results
        self.call_requests: dict[int, CallRequest] = {}
        self.keeper = Keeper(prev.trace, current.trace)
        self.store = _merged_stores(prev, current)
        self.produced: set[str] = set()

    # --- variables -----------------------------------------------------------------------------

    def scalar_value(self, name: str) -> Value:
        """A scalar or the current element of a fold iterator."""
        fold = self.iterables.get(name)
        if fold is not None:
            return fold.iterable.peek()
        value = self.scalars.get(name)
        if value is None:
            raise errors.not_initialized_after_new(name)
        return value

    def scalar_json(self, name: str) -> Any:
        return self.scalar_value(name).result

    def canon(self, name: str) -> CanonStream:
        value = self.canons.get(name)
        if value is None:
            raise errors.not_initialized_after_new(name)
        return value

    def canon_map(self, name: str) -> CanonMap:
        value = self.canon_maps.get(name)
        if value is None:
            raise errors.not_initialized_after_new(name)
        return value

    def set_scalar(self, name: str, value: Value) -> None:
        self.scalars.set(name, value)

    def scope_of(self, node: ast.Stream | ast.StreamMap) -> frozenset[int]:
        return self.scopes.get(id(node), frozenset())

    # --- errors --------------------------------------------------------------------------------

    def set_errors(
        self, error: errors.CatchableError, instruction: str, tetraplet: Tetraplet | None, log_peer_id: bool
    ) -> None:
        peer_id = tetraplet[0] if tetraplet is not None and log_peer_id else self.current_peer_id
        last = self.last_error
        if last.can_be_set and error.affects_last_error:
            last.value = InstructionError(_error_object(error, instruction, peer_id), tetraplet)
            last.can_be_set = False
        slot = self.error
        if slot.can_be_set:
            slot.value = InstructionError(
                _error_object(error, instruction, peer_id if log_peer_id else None), tetraplet
            )
            slot.can_be_set = False

    # --- content-addressed stores --------------------------------------------------------------

    def track_value(self, value: Any) -> str:
        key = cid.of(value)
        self.store.values.setdefault(key, value)
        return key

    def track_tetraplet(self, tetraplet: Tetraplet) -> str:
        as_list = list(tetraplet)
        key = cid.of(as_list)
        self.store.tetraplets.setdefault(key, as_list)
        return key

    def track_service_result(self, value: Any, tetraplet: Tetraplet, argument_hash: str) -> str:
        entry = [self.track_value(value), self.track_tetraplet(tetraplet), argument_hash]
        key = cid.of(entry)
        self.store.service_results.setdefault(key, entry)
        return key

    def service_result(self, key: str) -> tuple[Any, Tetraplet, str]:
        """(value, tetraplet, argument hash) of a stored service result."""
        entry = self.store.service_results.get(key)
        if entry is None:
            raise _missing("service result", key)
        return self._value(entry[0]), self._tetraplet(entry[1]), entry[2]

    def _value(self, key: str) -> Any:
        if key not in self.store.values:
            raise _missing("value", key)
        return self.store.values[key]

    def _tetraplet(self, key: str) -> Tetraplet:
        entry = self.store.tetraplets.get(key)
        if entry is None:
            raise _missing("tetraplet", key)
        return (entry[0], entry[1], entry[2], entry[3])

    def track_canon(self, values: list[Value], tetraplet: Tetraplet) -> str:
        elements = []
        for value in values:
            element = [self.track_value(value.result), self.track_tetraplet(value.tetraplet)]
            element_cid = cid.of(element)
            self.store.canon_elements.setdefault(element_cid, element)
            elements.append(element_cid)
        entry = [self.track_tetraplet(tetraplet), elements]
        key = cid.of(entry)
        self.store.canon_results.setdefault(key, entry)
        return key

    def canon_result(self, key: str, trace_pos: int) -> tuple[list[Value], Tetraplet]:
        entry = self.store.canon_results.get(key)
        if entry is None:
            raise _missing("canon result", key)
        values = []
        for element_cid in entry[1]:
            element = self.store.canon_elements.get(element_cid)
            if element is None:
                raise _missing("canon element", element_cid)
            values.append(Value(self._value(element[0]), self._tetraplet(element[1]), trace_pos))
        return values, self._tetraplet(entry[0])

    def record_produced(self, peer_id: str, key: str) -> None:
        if peer_id == self.current_peer_id:
            self.produced.add(key)


def _error_object(error: errors.CatchableError, instruction: str, peer_id: str | None) -> dict[str, Any]:
    obj: dict[str, Any] = {"error_code": error.code, "message": error.message, "instruction": instruction}
    if peer_id is not None:
        obj["peer_id"] = peer_id
    return obj


def _missing(what: str, key: str) -> errors.UncatchableError:
    return errors.UncatchableError(errors.VALUE_FOR_CID_NOT_FOUND, f"{what} for CID {key!r} not found")


def _merged_stores(prev: InterpreterData, current: InterpreterData) -> InterpreterData:
    """Previous data wins: it was produced or verified by this peer already."""
    return InterpreterData(
        values={**current.values, **prev.values},
        tetraplets={**current.tetraplets, **prev.tetraplets},
        service_results={**current.service_results, **prev.service_results},
        canon_elements={**current.canon_elements, **prev.canon_elements},
        canon_results={**current.canon_results, **prev.canon_results},
    )
