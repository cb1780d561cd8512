"""Values as the interpreter holds them: the JSON result with its tetraplet and the trace
position of the state that produced it (AquaVM's ValueAggregate).

The position is what ties a stream value to its executed state: stream folds find a value's old
iterations by it, and generations are renumbered through it at the end of a run. Tetraplets are
plain tuples `(peer_pk, service_id, function_name, lens)` because they are created on every
resolution.
"""

from __future__ import annotations

from typing import Any, TypeAlias

Tetraplet: TypeAlias = tuple[str, str, str, str]


def literal_tetraplet(init_peer_id: str) -> Tetraplet:
    return (init_peer_id, "", "", "")


def with_lens(tetraplet: Tetraplet, lens: str) -> Tetraplet:
    return (tetraplet[0], tetraplet[1], tetraplet[2], tetraplet[3] + lens)


class Value:
    __slots__ = ("result", "tetraplet", "trace_pos")

    def __init__(self, result: Any, tetraplet: Tetraplet, trace_pos: int) -> None:
        self.result = result
        self.tetraplet = tetraplet
        self.trace_pos = trace_pos

    def at(self, trace_pos: int) -> Value:
        return Value(self.result, self.tetraplet, trace_pos)

    def __repr__(self) -> str:
        return f"Value({self.result!r}, {self.tetraplet!r}, {self.trace_pos})"


class CanonStream:
    """A frozen stream: its values and the tetraplet `(peer, "", "", "")` of the peer that froze it."""

    __slots__ = ("cid", "tetraplet", "values")

    def __init__(self, values: list[Value], tetraplet: Tetraplet, cid: str) -> None:
        self.values = values
        self.tetraplet = tetraplet
        self.cid = cid

    def as_json(self) -> list[Any]:
        return [v.result for v in self.values]


def map_key(value: Any) -> str | int | None:
    """A stream-map key: a string or an integer (not a bool), else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


class CanonMap:
    """A frozen stream map: the key/value pair objects in order, and per key the canon stream of
    its values (keys rendered as strings, as AquaVM's JSON view does)."""

    __slots__ = ("by_key", "cid", "tetraplet", "values")

    def __init__(self, values: list[Value], tetraplet: Tetraplet, cid: str) -> None:
        self.values = values
        self.tetraplet = tetraplet
        self.cid = cid
        self.by_key: dict[str, list[Value]] = {}
        for pair in values:
            key = map_key(pair.result.get("key")) if isinstance(pair.result, dict) else None
            if key is None or "value" not in pair.result:
                continue
            self.by_key.setdefault(str(key), []).append(Value(pair.result["value"], pair.tetraplet, pair.trace_pos))

    def as_json(self) -> dict[str, Any]:
        return {key: [v.result for v in values] for key, values in self.by_key.items()}
