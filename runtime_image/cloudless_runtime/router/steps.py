"""Executed step records: everything needed to run one interpreter run of a particle again.

A router that keeps records (`--steps-dir`) writes one per AIR engine run: the particle's signed
header, the peer's previous data and the data it received, the call results it fed in (with the
call each answers and, for Marine calls, the peer's signed receipt), and the outcome. Running
`air.run(script, prev_data, current_data, params, call_results)` on a record gives its outcome
again: with the peer's own key byte for byte; with any other key everything but the peer's own
signature inside the data. That is what an epoch's Proof of Processing samples and re-checks.

The JSON layout is written down in docs/data-format.md ("Executed step records"); `to_json` and
`from_json` are its only writer and reader. Bytes are standard base64 with padding. No I/O here
(`stepstore` keeps the files).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Mapping
from typing import Any, Final, TypedDict

from cloudless_runtime import air
from cloudless_runtime.router import particle, runtime

FORMAT: Final = "cloudless-step/1"


class BadRecord(ValueError):
    """A record that does not follow the format; the message names the field."""


class RawParticle(TypedDict):
    id: str
    init_peer_id: str
    timestamp: int
    ttl: int
    script: str
    signature: str


class RawTetraplet(TypedDict):
    peer_pk: str
    service_id: str
    function_name: str
    lens: str


class RawCallResult(TypedDict):
    ret_code: int
    result: str
    service_id: str
    function_name: str
    arguments: list[Any]
    tetraplets: list[list[RawTetraplet]]
    receipt: runtime.Receipt | None


class RawCallRequest(TypedDict):
    service_id: str
    function_name: str
    arguments: list[Any]
    tetraplets: list[list[RawTetraplet]]


class RawOutcome(TypedDict):
    ret_code: int
    error_message: str
    data: str
    next_peer_pks: list[str]
    call_requests: dict[str, RawCallRequest]


class RawStep(TypedDict):
    format: str
    recorded_at: int
    peer_id: str
    particle: RawParticle
    prev_data: str
    current_data: str
    call_results: dict[str, RawCallResult]
    outcome: RawOutcome


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """One call this peer served for the run: the request (from an earlier run's outcome: the
    previous one, or an older one for a result that was due later), its answer and, for a Marine
    call that succeeded, the receipt the runtime signed."""

    request: air.CallRequest
    result: air.CallResult
    receipt: runtime.Receipt | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    peer_id: str
    """The peer that ran it (`current_peer_id`)."""
    recorded_at: int
    """Unix ms, by the router's clock."""
    particle: particle.Particle
    """The signed header; its `data` is not used (see prev_data and current_data)."""
    prev_data: bytes
    current_data: bytes
    calls: Mapping[int, Call]
    """By call id: the results given to this run."""
    outcome: air.Outcome

    def call_results(self) -> dict[int, air.CallResult]:
        return {cid: call.result for cid, call in self.calls.items()}

    def run_parameters(self, secret_key: bytes) -> air.RunParameters:
        """The run's parameters with `secret_key` to sign with (the peer's own gives equal bytes)."""
        header = self.particle
        return air.RunParameters(
            init_peer_id=header.init_peer_id,
            current_peer_id=self.peer_id,
            timestamp=header.timestamp,
            ttl=header.ttl,
            particle_id=header.id,
            secret_key=secret_key,
        )


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _tetraplets(request: air.CallRequest) -> list[list[RawTetraplet]]:
    return [
        [RawTetraplet(peer_pk=t.peer_pk, service_id=t.service_id, function_name=t.function_name, lens=t.lens)
         for t in argument]
        for argument in request.tetraplets
    ]  # fmt: skip


def to_json(step: Step) -> RawStep:
    header = step.particle
    return RawStep(
        format=FORMAT,
        recorded_at=step.recorded_at,
        peer_id=step.peer_id,
        particle=RawParticle(
            id=header.id,
            init_peer_id=header.init_peer_id,
            timestamp=header.timestamp,
            ttl=header.ttl,
            script=header.script,
            signature=_b64(header.signature),
        ),
        prev_data=_b64(step.prev_data),
        current_data=_b64(step.current_data),
        call_results={
            str(cid): RawCallResult(
                ret_code=call.result.ret_code,
                result=call.result.result,
                service_id=call.request.service_id,
                function_name=call.request.function_name,
                arguments=list(call.request.arguments),
                tetraplets=_tetraplets(call.request),
                receipt=call.receipt,
            )
            for cid, call in sorted(step.calls.items())
        },
        outcome=RawOutcome(
            ret_code=step.outcome.ret_code,
            error_message=step.outcome.error_message,
            data=_b64(step.outcome.data),
            next_peer_pks=list(step.outcome.next_peer_pks),
            call_requests={
                str(cid): RawCallRequest(
                    service_id=request.service_id,
                    function_name=request.function_name,
                    arguments=list(request.arguments),
                    tetraplets=_tetraplets(request),
                )
                for cid, request in sorted(step.outcome.call_requests.items())
            },
        ),
    )


def from_json(raw: Mapping[str, Any]) -> Step:
    """The step a record describes; raises `BadRecord` for anything that does not fit the format."""
    try:
        if raw["format"] != FORMAT:
            raise BadRecord(f"format {raw['format']!r} is not {FORMAT!r}")
        header = raw["particle"]
        outcome = raw["outcome"]
        return Step(
            peer_id=_str(raw["peer_id"]),
            recorded_at=_int(raw["recorded_at"]),
            particle=particle.Particle(
                id=_str(header["id"]),
                init_peer_id=_str(header["init_peer_id"]),
                timestamp=_int(header["timestamp"]),
                ttl=_int(header["ttl"]),
                script=_str(header["script"]),
                signature=_bytes(header["signature"]),
                data=b"",
            ),
            prev_data=_bytes(raw["prev_data"]),
            current_data=_bytes(raw["current_data"]),
            calls={int(cid): _call(entry) for cid, entry in raw["call_results"].items()},
            outcome=air.Outcome(
                ret_code=_int(outcome["ret_code"]),
                error_message=_str(outcome["error_message"]),
                data=_bytes(outcome["data"]),
                next_peer_pks=[_str(p) for p in outcome["next_peer_pks"]],
                call_requests={int(cid): _request(entry) for cid, entry in outcome["call_requests"].items()},
            ),
        )
    except BadRecord:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise BadRecord(f"not a step record: {type(e).__name__}: {e}") from None


def _call(entry: Mapping[str, Any]) -> Call:
    result = air.CallResult(_int(entry["ret_code"]), _str(entry["result"]))
    return Call(_request(entry), result, _receipt(entry["receipt"]))


def _receipt(value: Any) -> runtime.Receipt | None:
    if value is None:
        return None
    return runtime.Receipt(
        peer_id=_str(value["peer_id"]),
        service_id=_str(value["service_id"]),
        blueprint_id=_str(value["blueprint_id"]),
        modules=[_str(m) for m in value["modules"]],
        function=_str(value["function"]),
        args_hash=_str(value["args_hash"]),
        result_hash=_str(value["result_hash"]),
        fuel=_int(value["fuel"]),
        particle_id=_str(value["particle_id"]),
        signature=_str(value["signature"]),
    )


def _request(entry: Mapping[str, Any]) -> air.CallRequest:
    return air.CallRequest(
        service_id=_str(entry["service_id"]),
        function_name=_str(entry["function_name"]),
        arguments=list(entry["arguments"]),
        tetraplets=[
            [air.Tetraplet(_str(t["peer_pk"]), _str(t["service_id"]), _str(t["function_name"]), _str(t["lens"]))
             for t in argument]
            for argument in entry["tetraplets"]
        ],
    )  # fmt: skip


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise BadRecord(f"expected a string, got {type(value).__name__}")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRecord(f"expected an integer, got {type(value).__name__}")
    return value


def _bytes(value: object) -> bytes:
    try:
        return base64.b64decode(_str(value), validate=True)
    except binascii.Error as e:
        raise BadRecord(f"not base64: {e}") from None
