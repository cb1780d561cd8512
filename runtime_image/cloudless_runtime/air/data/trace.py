"""Executed states: one entry per trace-touching step of a script run (AquaVM's ExecutedState).

States are small lists rather than objects: they are created, compared and serialized millions
of times, and lists are what the JSON codec reads and writes without any conversion. The first
element is the kind; the layouts are:

    [CALL, SENT, peer]                 request sent to a remote peer by `peer`
    [CALL, SENT_ID, peer, call_id]     local request awaiting the host's result `call_id`
    [CALL, SCALAR, cid]                executed, result stored in a scalar (service-result CID)
    [CALL, STREAM, cid, generation]    executed, result appended to a stream
    [CALL, UNUSED, value_cid]          executed, result not stored (only its value CID)
    [CALL, FAILED, cid]                the service failed (service-result CID of {ret_code, message})
    [PAR, left_len, right_len]
    [FOLD, lore]                       lore: [[value_pos, before_pos, before_len, after_pos, after_len], ...]
    [AP, generation]
    [CANON, SENT, peer]
    [CANON, EXECUTED, cid]             canon-result CID
"""

from __future__ import annotations

from typing import Any, Final, TypeAlias

State: TypeAlias = list[Any]
Trace: TypeAlias = list[State]

CALL: Final = "c"
PAR: Final = "p"
FOLD: Final = "f"
AP: Final = "a"
CANON: Final = "n"

SENT: Final = "s"
SENT_ID: Final = "r"
SCALAR: Final = "x"
STREAM: Final = "t"
UNUSED: Final = "u"
FAILED: Final = "f"
EXECUTED: Final = "x"

KIND_NAMES: Final = {CALL: "call", PAR: "par", FOLD: "fold", AP: "ap", CANON: "canon"}


def sent(peer: str) -> State:
    return [CALL, SENT, peer]


def sent_with_id(peer: str, call_id: int) -> State:
    return [CALL, SENT_ID, peer, call_id]


def scalar(cid: str) -> State:
    return [CALL, SCALAR, cid]


def stream(cid: str, generation: int) -> State:
    return [CALL, STREAM, cid, generation]


def unused(value_cid: str) -> State:
    return [CALL, UNUSED, value_cid]


def failed(cid: str) -> State:
    return [CALL, FAILED, cid]


def par(left: int, right: int) -> State:
    return [PAR, left, right]


def fold(lore: list[list[int]]) -> State:
    return [FOLD, lore]


def ap(generation: int) -> State:
    return [AP, generation]


def canon_sent(peer: str) -> State:
    return [CANON, SENT, peer]


def canon_executed(cid: str) -> State:
    return [CANON, EXECUTED, cid]
