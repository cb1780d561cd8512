"""Re-verifying one retained step (one AIR engine run, `cloudless_runtime.router.steps`).

The verdict is the first of these that fails, in this order:

- `unavailable`: the sampled step has no record that can be read.
- `bad_signature`: the init peer's signature of the particle, a peer's signature over the data it
  produced (in the previous or the resulting data), or a receipt's signature does not verify.
- `receipt_mismatch`: a successful call to a non-builtin service has no receipt (or a builtin or
  failed call has one); a receipt is by another peer, for another particle or function, or hashes
  other arguments or another result than the record; or the call it covers is not one the
  interpretation made (no result in the re-run's data with that service, function, argument
  hash and value).
- `trace_mismatch`: re-running the engine on the record gives another outcome (return code,
  error, data, next peers or call requests) than the one the peer recorded.

Data received from upstream is not pre-checked: an honest peer that received bad data ran the
engine, got its error and kept its previous data; the re-run reproduces exactly that, so it is ok.

The re-run uses our AIR engine with the executing peer's id and a verifier key: the engine signs
what the peer produced with that key, so the peer's own signature entry is checked by verifying
the recorded one, not by equality. Builtin results (clock, peer info) cannot be re-derived and
are taken on the peer's signed word; Marine results are bound by the runtime's receipts. A call
whose result the script discards (no output variable) leaves no argument hash in the data, so for
it the receipt is bound to the value only.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

import orjson

from cloudless_runtime import air, identity
from cloudless_runtime.air import signatures
from cloudless_runtime.air.data import cid, codec
from cloudless_runtime.air.data import trace as tr
from cloudless_runtime.marine import receipts
from cloudless_runtime.router import runtime, steps

_VERIFIER = identity.KeyPair.from_seed(b"cloudless sample verifier seed!!")
"""Signs the re-run's own results, which are never compared; any fixed key would do."""


class Verdict(enum.StrEnum):
    OK = "ok"
    BAD_SIGNATURE = "bad_signature"
    TRACE_MISMATCH = "trace_mismatch"
    RECEIPT_MISMATCH = "receipt_mismatch"
    UNAVAILABLE = "unavailable"


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    verdict: Verdict
    detail: str = ""


class _Failed(Exception):
    def __init__(self, verdict: Verdict, detail: str) -> None:
        super().__init__(detail)
        self.finding = Finding(verdict, detail)


def verify(step: steps.Step | None, *, builtin_services: frozenset[str]) -> Finding:
    """The verdict on one sampled step; `builtin_services` are the service names a router serves itself."""
    if step is None:
        return Finding(Verdict.UNAVAILABLE, "no readable record of this step was retained")
    try:
        _check_signatures(step)
        rerun = air.run(
            step.particle.script,
            step.prev_data,
            step.current_data,
            step.run_parameters(_VERIFIER.seed),
            step.call_results(),
        )
        made = codec.decode(rerun.data)
        for call_id, call in sorted(step.calls.items()):
            _check_call(step, call, made, f"call {call_id}", builtin_services)
        _compare(step, rerun)
    except _Failed as e:
        return e.finding
    return Finding(Verdict.OK)


def _check_signatures(step: steps.Step) -> None:
    header = step.particle
    try:
        valid = identity.verify(header.init_peer_id, header.signed_bytes(), header.signature)
    except identity.InvalidPeerId:
        valid = False
    if not valid:
        raise _Failed(Verdict.BAD_SIGNATURE, f"the particle is not signed by its init peer {header.init_peer_id}")
    for call_id, call in sorted(step.calls.items()):
        if call.receipt is not None and not receipts.verify(_receipt(call.receipt)):
            raise _Failed(Verdict.BAD_SIGNATURE, f"call {call_id}: the receipt's signature is invalid")
    for name, data in (("previous", step.prev_data), ("resulting", step.outcome.data)):
        try:
            signatures.verify(codec.decode(data), header.id)
        except codec.DataError as e:
            raise _Failed(Verdict.TRACE_MISMATCH, f"the {name} data does not decode: {e}") from None
        except signatures.SignatureError as e:
            raise _Failed(Verdict.BAD_SIGNATURE, f"the {name} data: {e}") from None


def _check_call(
    step: steps.Step, call: steps.Call, made: codec.InterpreterData, where: str, builtin_services: frozenset[str]
) -> None:
    request, result = call.request, call.result
    needs_receipt = result.ret_code == 0 and request.service_id not in builtin_services
    if call.receipt is None:
        if needs_receipt:
            called = f"{request.service_id}.{request.function_name}"
            raise _Failed(Verdict.RECEIPT_MISMATCH, f"{where}: {called} has no receipt")
        return
    if not needs_receipt:
        raise _Failed(Verdict.RECEIPT_MISMATCH, f"{where}: a receipt for a builtin or failed call")
    receipt = _receipt(call.receipt)
    try:
        value = orjson.loads(result.result)
    except orjson.JSONDecodeError:
        raise _Failed(Verdict.RECEIPT_MISMATCH, f"{where}: the recorded result is not JSON") from None
    stated = {
        "peer": (receipt.peer_id, step.peer_id),
        "particle": (receipt.particle_id, step.particle.id),
        "function": (receipt.function, request.function_name),
        "arguments": (receipt.args_hash, receipts.digest(request.arguments)),
        "result": (receipt.result_hash, receipts.digest(value)),
    }
    wrong = [name for name, (claimed, actual) in stated.items() if claimed != actual]
    if wrong:
        raise _Failed(Verdict.RECEIPT_MISMATCH, f"{where}: the receipt states another {', '.join(wrong)}")
    if not _made_by_engine(made, step.peer_id, request, value):
        raise _Failed(Verdict.RECEIPT_MISMATCH, f"{where}: the interpretation made no such call")


def _made_by_engine(made: codec.InterpreterData, peer: str, request: air.CallRequest, value: Any) -> bool:
    """Whether the re-run's data holds this call's result for this peer, service, function and arguments."""
    value_cid, arguments = cid.of(value), cid.of(request.arguments)
    called = [peer, request.service_id, request.function_name]
    for stored_value, tetraplet_cid, argument_hash in made.service_results.values():
        tetraplet = made.tetraplets.get(tetraplet_cid, [])
        if (stored_value, argument_hash, tetraplet[:3]) == (value_cid, arguments, called):
            return True
    return any(state[0] == tr.CALL and state[1] == tr.UNUSED and state[2] == value_cid for state in made.trace)


def _compare(step: steps.Step, rerun: air.Outcome) -> None:
    recorded = step.outcome
    differing = [
        name
        for name, (again, kept) in {
            "return code": (rerun.ret_code, recorded.ret_code),
            "error": (rerun.error_message, recorded.error_message),
            "next peers": (rerun.next_peer_pks, recorded.next_peer_pks),
            "call requests": (rerun.call_requests, recorded.call_requests),
        }.items()
        if again != kept
    ]
    again, kept = codec.decode(rerun.data), codec.decode(recorded.data)
    again.signatures = _without(again.signatures, step.peer_id)
    kept.signatures = _without(kept.signatures, step.peer_id)
    differing += [f.name for f in dataclasses.fields(again) if getattr(again, f.name) != getattr(kept, f.name)]
    if differing:
        raise _Failed(Verdict.TRACE_MISMATCH, f"the re-run gives another {', '.join(differing)} than recorded")


def _receipt(raw: runtime.Receipt) -> receipts.Receipt:
    try:
        signature = base64.b64decode(raw["signature"], validate=True)
    except binascii.Error:
        signature = b""
    return receipts.Receipt(
        peer_id=raw["peer_id"],
        service_id=raw["service_id"],
        blueprint_id=raw["blueprint_id"],
        modules=tuple(raw["modules"]),
        function=raw["function"],
        args_hash=raw["args_hash"],
        result_hash=raw["result_hash"],
        fuel=raw["fuel"],
        particle_id=raw["particle_id"],
        signature=signature,
    )


def _without(entries: Mapping[str, str], peer: str) -> dict[str, str]:
    return {key: value for key, value in entries.items() if key != peer}
