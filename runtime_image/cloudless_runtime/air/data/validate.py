"""Shape checks for received data: every trace state well-formed before any merge reads it.

Merging trusts positions and kinds; a malformed state from another peer must become a clean
preparation error, never an exception deep inside the interpreter.
"""

from __future__ import annotations

from typing import Any

from cloudless_runtime.air.data import trace as tr
from cloudless_runtime.air.data.codec import DataError, InterpreterData


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _check_state(state: Any) -> bool:
    if not isinstance(state, list) or not state:
        return False
    kind = state[0]
    n = len(state)
    if kind == tr.CALL and n >= 3:
        sub = state[1]
        if sub in (tr.SENT, tr.SCALAR, tr.UNUSED, tr.FAILED):
            return n == 3 and isinstance(state[2], str)
        if sub == tr.SENT_ID:
            return n == 4 and isinstance(state[2], str) and _is_int(state[3])
        if sub == tr.STREAM:
            return n == 4 and isinstance(state[2], str) and _is_int(state[3])
        return False
    if kind == tr.PAR:
        return n == 3 and _is_int(state[1]) and _is_int(state[2])
    if kind == tr.AP:
        return n == 2 and _is_int(state[1])
    if kind == tr.CANON:
        return n == 3 and state[1] in (tr.SENT, tr.EXECUTED) and isinstance(state[2], str)
    if kind == tr.FOLD:
        return (
            n == 2
            and isinstance(state[1], list)
            and all(isinstance(e, list) and len(e) == 5 and all(_is_int(x) for x in e) for e in state[1])
        )
    return False


def check(data: InterpreterData) -> None:
    for position, state in enumerate(data.trace):
        if not _check_state(state):
            raise DataError(f"malformed trace state at position {position}: {state!r}")
    if not _is_int(data.last_call_id):
        raise DataError("malformed last call id")
    for name, store, width in (
        ("tetraplets", data.tetraplets, 4),
        ("service_results", data.service_results, 3),
        ("canon_elements", data.canon_elements, 2),
        ("canon_results", data.canon_results, 2),
    ):
        for key, entry in store.items():
            if not isinstance(entry, list) or len(entry) != width:
                raise DataError(f"malformed {name} entry {key}")
    for key, entry in data.canon_results.items():
        if not isinstance(entry[1], list) or not all(isinstance(x, str) for x in entry[1]):
            raise DataError(f"malformed canon_results entry {key}")
    for peer, signature in data.signatures.items():
        if not isinstance(signature, str):
            raise DataError(f"malformed signature of {peer}")
