"""The versioned byte format of particle data (see docs/data-format.md).

    MAGIC (4 bytes: b"CLA" + format version byte) || JSON object (orjson, sorted keys)

The magic is read before anything else, so a peer can reject data of an unknown format version
without decoding it (AquaVM's envelope does the same with msgpack). JSON was chosen over a binary
layout because orjson decodes it faster than any pure-Python binary reader, values are JSON
anyway, and the whole state stays readable with `json.loads(data[4:])` when debugging.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

import orjson

from cloudless_runtime.air.data import trace as trace_states

FORMAT_VERSION: Final = 1
MAGIC: Final = b"CLA" + bytes([FORMAT_VERSION])
INTERPRETER_VERSION: Final = "cloudless-air/0.1.0"


class DataError(Exception):
    """Data that cannot be decoded: wrong magic, unknown version, malformed fields."""


@dataclasses.dataclass(slots=True)
class InterpreterData:
    """Everything a peer keeps for one particle; AquaVM's InterpreterData with CidInfo inlined."""

    trace: trace_states.Trace = dataclasses.field(default_factory=list)
    last_call_id: int = 0
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    """value CID -> JSON value"""
    tetraplets: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    """tetraplet CID -> [peer_pk, service_id, function_name, lens]"""
    service_results: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    """service-result CID -> [value CID, tetraplet CID, argument hash]"""
    canon_elements: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    """canon-element CID -> [value CID, tetraplet CID]"""
    canon_results: dict[str, list[Any]] = dataclasses.field(default_factory=dict)
    """canon-result CID -> [tetraplet CID, [canon-element CIDs]]"""
    signatures: dict[str, str] = dataclasses.field(default_factory=dict)
    """peer id -> base64url Ed25519 signature over that peer's produced CIDs"""
    interpreter: str = INTERPRETER_VERSION


_FIELDS: Final = (
    ("trace", list),
    ("lcid", int),
    ("values", dict),
    ("tetraplets", dict),
    ("service_results", dict),
    ("canon_elements", dict),
    ("canon_results", dict),
    ("signatures", dict),
    ("interpreter", str),
)


def encode(data: InterpreterData) -> bytes:
    body = {
        "trace": data.trace,
        "lcid": data.last_call_id,
        "values": data.values,
        "tetraplets": data.tetraplets,
        "service_results": data.service_results,
        "canon_elements": data.canon_elements,
        "canon_results": data.canon_results,
        "signatures": data.signatures,
        "interpreter": data.interpreter,
    }
    return MAGIC + orjson.dumps(body)


def decode(raw: bytes) -> InterpreterData:
    """Empty bytes are the empty data of a particle this peer has not seen yet."""
    if not raw:
        return InterpreterData()
    if len(raw) < len(MAGIC) or raw[:3] != MAGIC[:3]:
        raise DataError("not cloudless AIR data (bad magic)")
    if raw[3] != FORMAT_VERSION:
        raise DataError(f"unsupported data format version {raw[3]}, this engine reads {FORMAT_VERSION}")
    try:
        body = orjson.loads(raw[4:])
    except orjson.JSONDecodeError as e:
        raise DataError(f"malformed data: {e}") from None
    if not isinstance(body, dict):
        raise DataError("malformed data: the body is not an object")
    for name, kind in _FIELDS:
        if not isinstance(body.get(name), kind) or (kind is int and isinstance(body[name], bool)):
            raise DataError(f"malformed data: field {name!r} missing or not {kind.__name__}")
    return InterpreterData(
        trace=body["trace"],
        last_call_id=body["lcid"],
        values=body["values"],
        tetraplets=body["tetraplets"],
        service_results=body["service_results"],
        canon_elements=body["canon_elements"],
        canon_results=body["canon_results"],
        signatures=body["signatures"],
        interpreter=body["interpreter"],
    )
