"""Processing samples: real steps (AIR engine, Marine host, signed receipts) re-verified; a tampered
step and a tampered receipt get their verdicts; the nonce-seeded draw and the candidates' keys."""

from __future__ import annotations

import base64
import dataclasses
import pathlib

import orjson
from tests.operator.stepmaking import BUILTINS, CLIENT, PEER, Peer, ran, receipt_record
from tests.unit.marine.conftest import wasm

from cloudless_operator.billing.samples import candidates, select, verify
from cloudless_operator.billing.samples.verify import Verdict
from cloudless_runtime import air, identity, marine
from cloudless_runtime.air.data import codec
from cloudless_runtime.marine import receipts
from cloudless_runtime.router import steps

__all__ = ["ran", "wasm"]

STRANGER = identity.KeyPair.from_seed(bytes([23]) * 32)


def judge(step: steps.Step | None) -> verify.Finding:
    return verify.verify(step, builtin_services=BUILTINS)


def with_call(step: steps.Step, call_id: int, **changes: object) -> steps.Step:
    calls = dict(step.calls)
    calls[call_id] = dataclasses.replace(calls[call_id], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(step, calls=calls)


def test_honest_runs_verify(ran: list[steps.Step]) -> None:
    assert [len(step.calls) for step in ran] == [0, 1, 2]
    assert ran[-1].outcome.next_peer_pks == [CLIENT.peer_id]
    assert [judge(step) for step in ran] == [verify.Finding(Verdict.OK)] * 3


def test_a_missing_record_is_unavailable() -> None:
    assert judge(None).verdict is Verdict.UNAVAILABLE


def test_a_tampered_script_breaks_the_particle_signature(ran: list[steps.Step]) -> None:
    header = dataclasses.replace(ran[0].particle, script=ran[0].particle.script.replace("world", "there"))
    finding = judge(dataclasses.replace(ran[0], particle=header))
    assert finding.verdict is Verdict.BAD_SIGNATURE
    assert "init peer" in finding.detail


def test_a_tampered_stored_result_no_longer_matches_its_receipt(ran: list[steps.Step]) -> None:
    step = ran[2]
    tampered = with_call(step, min(step.calls), result=air.CallResult(0, '"Hi, mallory"'))
    finding = judge(tampered)
    assert finding.verdict is Verdict.RECEIPT_MISMATCH
    assert "result" in finding.detail


def test_tampered_stored_output_is_a_trace_mismatch(ran: list[steps.Step]) -> None:
    step = ran[2]
    data = codec.decode(step.outcome.data)
    value_cid = next(k for k, v in data.values.items() if v == "Hi, world")
    data.values[value_cid] = "Hi, mallory"
    edited = dataclasses.replace(step, outcome=dataclasses.replace(step.outcome, data=codec.encode(data)))
    assert judge(edited).verdict is Verdict.TRACE_MISMATCH
    rerouted = dataclasses.replace(step, outcome=dataclasses.replace(step.outcome, next_peer_pks=[STRANGER.peer_id]))
    finding = judge(rerouted)
    assert finding.verdict is Verdict.TRACE_MISMATCH
    assert "next peers" in finding.detail


def test_a_tampered_receipt_is_a_bad_signature(ran: list[steps.Step]) -> None:
    step = ran[2]
    call_id = min(step.calls)
    receipt = step.calls[call_id].receipt
    assert receipt is not None
    finding = judge(with_call(step, call_id, receipt={**receipt, "fuel": receipt["fuel"] + 1}))
    assert finding.verdict is Verdict.BAD_SIGNATURE
    assert "receipt" in finding.detail


def test_a_receipt_signed_by_another_peer_or_missing_is_a_receipt_mismatch(ran: list[steps.Step]) -> None:
    step = ran[2]
    call_id = min(step.calls)
    call = step.calls[call_id]
    assert call.receipt is not None
    stranger = receipts.issue(
        STRANGER,
        service_id=call.receipt["service_id"],
        blueprint_id=call.receipt["blueprint_id"],
        modules=tuple(call.receipt["modules"]),
        function=call.request.function_name,
        args=call.request.arguments,
        result=orjson.loads(call.result.result),
        fuel=call.receipt["fuel"],
        particle_id=step.particle.id,
    )
    finding = judge(with_call(step, call_id, receipt=receipt_record(stranger)))
    assert (finding.verdict, "peer" in finding.detail) == (Verdict.RECEIPT_MISMATCH, True)
    assert judge(with_call(step, call_id, receipt=None)).verdict is Verdict.RECEIPT_MISMATCH
    builtin = ran[1]
    assert judge(with_call(builtin, 1, receipt=call.receipt)).verdict is Verdict.RECEIPT_MISMATCH


def test_a_consistent_lie_about_the_call_is_caught_by_the_interpretation(ran: list[steps.Step]) -> None:
    """The peer rewrites a call's arguments and signs a matching receipt with its own key: every
    signature checks, but the engine's data shows the call was made with other arguments."""
    step = ran[2]
    kept = next(cid for cid, call in step.calls.items() if call.request.arguments == ["world"])
    call = step.calls[kept]
    assert call.receipt is not None
    request = dataclasses.replace(call.request, arguments=["mallory"])
    forged = receipts.issue(
        PEER,
        service_id=call.receipt["service_id"],
        blueprint_id=call.receipt["blueprint_id"],
        modules=tuple(call.receipt["modules"]),
        function=request.function_name,
        args=request.arguments,
        result=orjson.loads(call.result.result),
        fuel=call.receipt["fuel"],
        particle_id=step.particle.id,
    )
    finding = judge(with_call(step, kept, request=request, receipt=receipt_record(forged)))
    assert finding.verdict is Verdict.RECEIPT_MISMATCH
    assert "made no such call" in finding.detail


def test_a_peer_that_refused_badly_signed_data_is_ok(ran: list[steps.Step], tmp_path: pathlib.Path) -> None:
    data = codec.decode(ran[2].outcome.data)
    data.signatures[PEER.peer_id] = base64.urlsafe_b64encode(bytes(64)).decode()
    with marine.Host(tmp_path, keys=STRANGER) as host:
        refused = Peer(STRANGER, host).run(ran[0].particle, b"", codec.encode(data))
    assert refused[0].outcome.ret_code != 0
    assert judge(refused[0]).verdict is Verdict.OK


def test_candidates_are_keyed_by_their_line_and_filtered_by_window(ran: list[steps.Step]) -> None:
    lines = [orjson.dumps(steps.to_json(step)) + b"\n" for step in ran]
    late = dataclasses.replace(ran[0], recorded_at=ran[0].recorded_at + 10_000)
    lines += [orjson.dumps(steps.to_json(late)) + b"\n", b"garbage\n", b"\n"]
    got = candidates.collect("s1", PEER.peer_id, lines, start_ms=0, end_ms=ran[0].recorded_at + 1)
    assert got.keys[:3] == tuple(candidates.key_of("s1", step) for step in ran)
    assert got.keys[3].particle_id == candidates.UNREADABLE
    assert len(got.keys) == 4
    assert [got.records[key] for key in got.keys[:3]] == ran
    elsewhere = candidates.collect("s1", STRANGER.peer_id, lines[:1], start_ms=0, end_ms=1 << 62)
    assert elsewhere.records == {}
    assert elsewhere.keys[0].particle_id == candidates.UNREADABLE


def test_the_draw_is_k_per_subnet_seeded_and_order_free() -> None:
    keys = {s: [candidates.StepKey(s, "p", f"particle-{i}", f"{i:064x}") for i in range(20)] for s in ("a", "b")}
    drawn = select.select(bytes(32), keys, 3)
    assert [key.subnet for key in drawn] == ["a"] * 3 + ["b"] * 3
    assert drawn == select.select(bytes(32), {s: list(reversed(k)) for s, k in reversed(keys.items())}, 3)
    assert drawn != select.select(bytes([1]) * 32, keys, 3)
    ranks = sorted(select.rank(bytes(32), key) for key in keys["a"])
    assert [select.rank(bytes(32), key) for key in drawn[:3]] == ranks[:3]
    misfiled = select.select(bytes(32), {"a": keys["b"]}, 3)
    assert misfiled == []
    assert len(select.select(bytes(32), {"a": keys["a"][:2]}, 3)) == 2
