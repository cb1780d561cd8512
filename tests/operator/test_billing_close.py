"""The epoch close end to end in pure code: proofs, pool, rewards, slashes, deals and samples into one
signed record; hand-computed figures; idempotent by epoch; a crash mid-append converges."""

from __future__ import annotations

import dataclasses
import pathlib
import random
from decimal import Decimal

import orjson
import pytest
from tests.operator.proofmaking import EASY, solve
from tests.operator.stepmaking import BUILTINS, PEER, ran
from tests.unit.marine.conftest import wasm

from cloudless_operator.billing import close, commitments, deals, state
from cloudless_operator.billing.ledger import chain, store
from cloudless_operator.billing.samples import candidates
from cloudless_operator.billing.settings import LOCAL
from cloudless_runtime.identity import KeyPair
from cloudless_runtime.prover import proof
from cloudless_runtime.router import steps

__all__ = ["ran", "wasm"]

D = Decimal
S = dataclasses.replace(LOCAL, difficulty=EASY, max_failed_ratio=2, min_duration=1)
"""Fluence's local parameters (min 2 / max 5 proofs, 1% slash of 0.1 FLT, pool init 10 within [100, 200],
vesting 3 x 6), an easy target, a commitment failing at 2 failed unit-epochs per unit."""
OPERATOR = KeyPair.from_seed(bytes([30]) * 32)
NODE = KeyPair.from_seed(bytes([31]) * 32)
SPEC = commitments.Spec("node-a", NODE.peer_id, ("u0", "u1", "u2"), 10, D("0.2"), collateral_posted=True)
DEAL = deals.Terms("d1", D("0.33"), 1, 1, ("u2",), deposit=D(2))
PLAN = {3: {"u0": 3, "u1": 1}, 4: {"u0": 2, "u1": 5}}
"""Accepted proofs per unit and epoch; u2 serves d1 and never proves."""


def inputs(book: chain.Ledger, epoch: int, **changes: object) -> close.Inputs:
    """Epoch `epoch`'s facts, its proofs solved against the challenge the ledger head implies."""
    head = book.head
    rules = (state.genesis(epoch, S) if head is None else state.after(head)).challenge()
    made: list[proof.Proof] = []
    for unit, count in PLAN.get(epoch, {}).items():
        made += solve(NODE, unit, rules, count)
    base = close.Inputs(epoch=epoch, commitments=[SPEC], in_deal=frozenset({"u2"}), proofs=made, deals=[DEAL])
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def run(book: chain.Ledger, epochs: range) -> list[chain.EpochRecord]:
    return [close.settle(book, inputs(book, epoch), S).record for epoch in epochs]


def test_four_epochs_hand_computed() -> None:
    book = chain.Ledger(OPERATOR)
    records = run(book, range(1, 5))
    first, _, third, fourth = (r.body for r in records)
    # Epoch 1: collateral seen, WaitStart from 3; the deal pays 0.33 a worker per epoch from 2.
    assert (first["commitments"][0]["status"], first["commitments"][0]["startEpoch"]) == ("WaitStart", 3)
    assert [r.body["commitments"][0]["status"] for r in records[1:]] == ["Active"] * 3
    assert [r.body["deals"][0]["balance"] for r in records] == ["1.67", "1.34", "1.01", "0.68"]
    # Epoch 3: 2 active units (init pool 10 x 1 / 2 = 5 > 0.3: x0.9 = 9, floored at 100); only u0 reached 2.
    units = {u["id"]: u for u in third["units"]}
    assert third["pool"]["value"] == "100"
    assert (units["u0"]["reward"], units["u0"]["success"]) == ("100", True)
    assert (units["u1"]["failed"], units["u1"]["slash"], units["u1"]["collateralLeft"]) == (True, "0.001", "0.099")
    assert (units["u2"]["duty"], units["u2"]["failed"]) == (False, False)
    # Epoch 4: max 5 proofs each count, 2 + 5 = 7; the pool stays at 100 with the same 2 units.
    units = {u["id"]: u for u in fourth["units"]}
    assert (units["u0"]["reward"], units["u1"]["reward"]) == ("28.571428571428571428", "71.428571428571428571")
    assert fourth["pool"]["undistributed"] == "0.000000000000000001"
    assert fourth["commitments"][0]["failCount"] == 1
    # Epoch 3's 100 vests in 6 slices from epoch 6 (3 + 3 - 0): nothing unlocked yet.
    vesting = fourth["commitments"][0]["vesting"]
    assert vesting["unlocked"] == "0"
    assert [at for at, _ in vesting["pending"]] == [6, 9, 12, 15, 18, 21]
    assert fourth["totals"]["proofs"]["accepted"] == 7
    assert fourth["totals"]["units"] == {"duty": 2, "succeeded": 2, "failed": 0}
    chain.verify_chain(book.records, OPERATOR.peer_id)


def test_the_nonce_chains_from_the_previous_record() -> None:
    book = chain.Ledger(OPERATOR)
    records = run(book, range(1, 3))
    assert records[0].body["globalNonce"] == chain.genesis_nonce(1).hex()
    assert records[1].body["globalNonce"] == chain.global_nonce(records[0].hash, 2).hex()
    assert state.after(records[1]).challenge().global_nonce == chain.global_nonce(records[1].hash, 3)


def test_a_repeated_close_charges_nothing_twice() -> None:
    book = chain.Ledger(OPERATOR)
    run(book, range(1, 4))
    again = close.settle(book, inputs(book, 3, proofs=(), deals=[dataclasses.replace(DEAL, deposit=D(50))]), S)
    assert again.replayed
    assert again.record == book.records[2]
    assert again.state.deals["d1"].balance == D("1.01")
    assert len(book.records) == 3
    with pytest.raises(chain.LedgerError, match="close in order"):
        close.settle(book, inputs(book, 5), S)


def test_a_crash_mid_append_converges_to_one_record_per_epoch(tmp_path: pathlib.Path) -> None:
    clean = store.open_ledger(tmp_path / "clean.jsonl", OPERATOR)
    run(clean, range(1, 4))
    crashed_path = tmp_path / "crashed.jsonl"
    crashed = store.open_ledger(crashed_path, OPERATOR)
    run(crashed, range(1, 3))
    line = chain.canonical_json(clean.records[2].to_mapping())
    with crashed_path.open("ab") as out:
        out.write(line[: len(line) // 2])
    restarted = store.open_ledger(crashed_path, OPERATOR, repair_torn=True)
    run(restarted, range(3, 4))
    assert restarted.records == clean.records
    assert crashed_path.read_bytes() == (tmp_path / "clean.jsonl").read_bytes()


def test_the_body_does_not_depend_on_input_order() -> None:
    book = chain.Ledger(OPERATOR)
    run(book, range(1, 3))
    facts = inputs(book, 3)
    before = state.after(book.records[-1])
    shuffled = list(facts.proofs)
    random.Random(5).shuffle(shuffled)
    assert close.close(facts, before, S) == close.close(dataclasses.replace(facts, proofs=shuffled), before, S)
    with pytest.raises(ValueError, match="does not follow"):
        close.close(dataclasses.replace(facts, epoch=4), before, S)


def test_state_is_rebuilt_from_the_record_alone() -> None:
    book = chain.Ledger(OPERATOR)
    records = run(book, range(1, 5))
    rebuilt = state.after(chain.EpochRecord.from_mapping(orjson.loads(orjson.dumps(records[-1].to_mapping()))))
    assert rebuilt == state.after(records[-1])
    assert rebuilt.commitments["node-a"].slashed == {"u1": D("0.001")}
    assert rebuilt.pool.value == D(100)
    assert rebuilt.epoch == 4


def test_bad_specs_are_listed_and_removable_commitments_leave_when_deleted() -> None:
    settings = dataclasses.replace(S, withdraw_epochs_after_failed=0)
    book = chain.Ledger(OPERATOR)
    thief = commitments.Spec("node-b", NODE.peer_id, ("u0",), 10, D(1), collateral_posted=True)
    short = dataclasses.replace(SPEC, duration=1)
    body = close.settle(book, inputs(book, 1, commitments=[short, thief]), settings).record.body
    assert body["ignoredCommitments"] == [{"id": "node-b", "reason": "node-b: units u0 are in another commitment"}]
    statuses = [body["commitments"][0]["status"]]
    for epoch in range(2, 5):
        statuses.append(
            close.settle(book, inputs(book, epoch, commitments=[short]), settings).record.body["commitments"][0][
                "status"
            ]
        )
    # WaitStart, Active for epoch 3 only, then expired, then Removable once u2 left its deal.
    assert statuses == ["WaitStart", "Active", "Inactive", "Inactive"]
    body = close.settle(book, inputs(book, 5, commitments=[short], in_deal=frozenset()), settings).record.body
    assert body["commitments"][0]["status"] == "Removable"
    body = close.settle(book, inputs(book, 6, commitments=[], in_deal=frozenset()), settings).record.body
    assert (body["commitments"], [c["id"] for c in body["removedCommitments"]]) == ([], ["node-a"])
    assert close.settle(book, inputs(book, 7, commitments=[]), settings).record.body["removedCommitments"] == []


def test_a_deal_missing_for_an_epoch_is_carried_not_reopened() -> None:
    book = chain.Ledger(OPERATOR)
    run(book, range(1, 3))
    body = close.settle(book, inputs(book, 3, deals=[]), S).record.body
    assert (body["deals"], body["carriedDeals"][0]["balance"]) == ([], "1.34")
    body = close.settle(book, inputs(book, 4), S).record.body
    assert (body["deals"][0]["topUp"], body["deals"][0]["balance"]) == ("0", "1.01")


def test_samples_are_verified_in_the_close_and_failures_slash_the_executing_units(ran: list[steps.Step]) -> None:
    lines = [orjson.dumps(steps.to_json(step)) for step in ran] + [b"not a step"]
    offered = candidates.collect("s1", PEER.peer_id, lines, start_ms=0, end_ms=1 << 62)
    samples = close.SampleInputs(
        offered={"s1": offered.keys},
        records=offered.records,
        workers={PEER.peer_id: ("u2",)},
        builtin_services=BUILTINS,
    )
    settings = dataclasses.replace(S, samples_per_subnet=10)
    book = chain.Ledger(OPERATOR)
    close.settle(book, inputs(book, 1), settings)
    body = close.settle(book, inputs(book, 2, samples=samples), settings).record.body
    assert body["totals"]["samples"] == {
        "ok": 3,
        "bad_signature": 0,
        "trace_mismatch": 0,
        "receipt_mismatch": 0,
        "unavailable": 1,
    }
    (unavailable,) = [s for s in body["samples"] if s["verdict"] == "unavailable"]
    # 5% of u2's 0.1 FLT collateral.
    assert unavailable["slashes"] == {"u2": "0.005"}
    units = {u["id"]: u for u in body["units"]}
    assert (units["u2"]["sampleSlash"], units["u2"]["collateralLeft"]) == ("0.005", "0.095")
    assert body["totals"]["slashed"] == {"proofs": "0", "samples": "0.005"}


def test_a_commitment_deleted_before_its_collateral_leaves_at_once() -> None:
    book = chain.Ledger(OPERATOR)
    waiting = commitments.Spec("node-c", NODE.peer_id, ("u9",), 10, D(1))
    body = close.settle(book, inputs(book, 1, commitments=[SPEC, waiting]), S).record.body
    assert [c["status"] for c in body["commitments"]] == ["WaitStart", "WaitDelegation"]
    body = close.settle(book, inputs(book, 2), S).record.body
    assert [c["id"] for c in body["commitments"]] == ["node-a"]
    assert [c["id"] for c in body["removedCommitments"]] == ["node-c"]
