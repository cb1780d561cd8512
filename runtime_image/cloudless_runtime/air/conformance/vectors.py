"""Reading vector files and checking each vector the way the oracle does (lib/network.mjs
`validateVector`), so a vector the real AquaVM refused is refused here too, with the same words."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cloudless_runtime.air.conformance.javascript import is_number, object_keys, stringify, truthy
from cloudless_runtime.air.conformance.services import (
    ANY_PEER,
    FAIL_RET_CODE,
    Behavior,
    Echo,
    EchoFirst,
    Fail,
    Result,
    Seq,
    ServiceTable,
    Step,
)

if TYPE_CHECKING:
    from cloudless_runtime.air.interface import JValue

DEFAULT_PARTICLE_ID = "avm-oracle-particle"
DEFAULT_TIMESTAMP = 1_700_000_000_000
"""ms; the engine only reads it (`%timestamp%`), nothing expires."""
DEFAULT_TTL = 120_000


class VectorError(ValueError):
    """A malformed vector: reported as the outcome's `invalid`, never run."""


class VectorFileError(ValueError):
    """A vector file that cannot be read at all (the oracle exits with status 2)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Vector:
    name: str
    script: str
    peers: tuple[str, ...]
    init_peer: str
    services: ServiceTable
    expect: JValue
    """The expected outcome as written (any JSON); only an object is compared."""
    max_hops: int | None
    max_invocations: int | None
    particle_id: str
    timestamp: int
    ttl: int


def read_vectors(sources: Iterable[str]) -> list[JValue]:
    """The JSON values of all vector lines, in order; `-` is stdin; blank, `#` and `//` lines are
    skipped. Values are not checked here: a malformed vector becomes an `invalid` outcome."""
    vectors: list[JValue] = []
    for source in sources:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        for number, line in enumerate(raw.decode("utf-8", "replace").split("\n"), start=1):
            text = line.strip()
            if not text or text.startswith(("#", "//")):
                continue
            try:
                vectors.append(json.loads(text, parse_constant=_reject_constant))
            except ValueError as error:
                raise VectorFileError(f"{source}:{number}: not valid JSON: {error}") from error
    return vectors


def vector_name(raw: JValue) -> JValue:
    """The `name` an outcome reports, even for a vector too broken to run."""
    return raw.get("name") if isinstance(raw, dict) else None


def parse_vector(raw: JValue) -> Vector:
    if not isinstance(raw, dict):
        raise VectorError("vector must be a JSON object")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise VectorError('"name" must be a non-empty string')
    script = raw.get("script")
    if not isinstance(script, str):
        raise VectorError(f'{name}: "script" must be a string')
    peers = raw.get("peers")
    if not isinstance(peers, list) or not peers or not all(isinstance(p, str) and p for p in peers):
        raise VectorError(f'{name}: "peers" must be a non-empty array of names')
    if len(set(peers)) != len(peers):
        raise VectorError(f"{name}: duplicate peer names")
    if ANY_PEER in peers:
        raise VectorError(f'{name}: "*" is not a valid peer name')
    init_peer = raw.get("init_peer")
    if not isinstance(init_peer, str) or init_peer not in peers:
        raise VectorError(f'{name}: "init_peer" must be one of "peers"')
    return Vector(
        name=name,
        script=script,
        peers=tuple(peers),
        init_peer=init_peer,
        services=_parse_services(raw.get("services"), peers, name),
        expect=raw.get("expect"),
        max_hops=_optional_integer(raw, "max_hops", name),
        max_invocations=_optional_integer(raw, "max_invocations", name),
        particle_id=_string_or(raw, "particle_id", name, DEFAULT_PARTICLE_ID),
        timestamp=_integer_or(raw, "timestamp", name, DEFAULT_TIMESTAMP),
        ttl=_integer_or(raw, "ttl", name, DEFAULT_TTL),
    )


def _parse_services(services: JValue, peers: list[str], name: str) -> ServiceTable:
    if services is None:
        return {}
    if not isinstance(services, dict):
        raise VectorError(f'{name}: "services" must be an object')
    parsed: dict[str, Mapping[str, Behavior]] = {}
    for peer, table in services.items():
        if peer != ANY_PEER and peer not in peers:
            raise VectorError(f'{name}: services for unknown peer "{peer}"')
        if not isinstance(table, dict):
            raise VectorError(f'{name}: services["{peer}"] must be an object')
        parsed[peer] = {key: _parse_behavior(b, f'{name}: services["{peer}"]["{key}"]') for key, b in table.items()}
    return parsed


def _parse_behavior(b: JValue, where: str) -> Behavior:
    _validate_behavior(b, where, allow_seq=True)
    seq = b.get("seq")
    if not truthy(seq):
        return _step(b)
    if _accepted_by(b) != "seq":
        # The oracle validates by the first key it recognises but answers `seq` first, and then
        # crashes on the unvalidated steps; refuse up front instead.
        raise VectorError(f'{where}: "seq" mixed with another behavior')
    return Seq(tuple(_step(step) for step in seq))


def _validate_behavior(b: JValue, where: str, *, allow_seq: bool) -> None:
    """lib/network.mjs `validateBehavior`: the first recognised key decides, in this order."""
    if not isinstance(b, dict):
        raise VectorError(f"{where}: behavior must be an object")
    accepted = _accepted_by(b)
    if accepted in ("result", "echo"):
        return
    if accepted == "error":
        error = b["error"]
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            raise VectorError(f'{where}: "error" must be {{"message": str[, "ret_code": int != 0]}}')
        if "ret_code" in error and (not _is_integer(error["ret_code"]) or error["ret_code"] == 0):
            raise VectorError(f"{where}: error.ret_code must be a non-zero integer")
        return
    if accepted == "seq":
        if not allow_seq:
            raise VectorError(f'{where}: nested "seq" is not supported')
        steps = b["seq"]
        if not isinstance(steps, list) or not steps:
            raise VectorError(f'{where}: "seq" must be a non-empty array')
        for i, step in enumerate(steps):
            _validate_behavior(step, f"{where}.seq[{i}]", allow_seq=False)
        return
    raise VectorError(f"{where}: unknown behavior {stringify(object_keys(b))}")


def _accepted_by(b: dict[str, JValue]) -> str | None:
    if "result" in b:
        return "result"
    if b.get("echo") is True or b.get("echo_first") is True:
        return "echo"
    if "error" in b:
        return "error"
    if "seq" in b:
        return "seq"
    return None


def _step(b: dict[str, JValue]) -> Step:
    """lib/network.mjs `answer`'s precedence, which differs from validation's for mixed keys."""
    if "result" in b:
        return Result(b["result"])
    if truthy(b.get("echo")):
        return Echo()
    if truthy(b.get("echo_first")):
        return EchoFirst()
    error = b["error"]
    ret_code = error.get("ret_code")
    return Fail(error["message"], FAIL_RET_CODE if ret_code is None else int(ret_code))


def _is_integer(value: JValue) -> bool:
    """`Number.isInteger`: JSON `7.0` is the integer 7 in JavaScript."""
    return is_number(value) and float(value).is_integer()


def _optional_integer(raw: dict[str, JValue], key: str, name: str) -> int | None:
    # The oracle passes these through unchecked; a non-integer would only make AquaVM's argument
    # serialization fail, so it is refused as a malformed vector instead.
    value = raw.get(key)
    if value is None:
        return None
    if not _is_integer(value):
        raise VectorError(f'{name}: "{key}" must be an integer')
    return int(value)


def _integer_or(raw: dict[str, JValue], key: str, name: str, default: int) -> int:
    value = _optional_integer(raw, key, name)
    return default if value is None else value


def _string_or(raw: dict[str, JValue], key: str, name: str, default: str) -> str:
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise VectorError(f'{name}: "{key}" must be a string')
    return value


def _reject_constant(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")
