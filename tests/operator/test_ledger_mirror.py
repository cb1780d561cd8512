"""What a real ledger record shows on Kubernetes objects and in the metrics: the Deal's balance and ledger
line, each unit's outcome, the CapacityCommitment's phase and money, the ConfigMap, the epoch counters."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
from tests.operator.proofmaking import EASY, solve

from cloudless_operator.billing import close, commitments, deals, state
from cloudless_operator.billing.ledger import chain
from cloudless_operator.billing.settings import LOCAL
from cloudless_operator.handlers import metrics
from cloudless_operator.reconcile import epochclock, ledgermirror, serving
from cloudless_runtime.identity import KeyPair

S = dataclasses.replace(LOCAL, difficulty=EASY, min_duration=1)
OPERATOR = KeyPair.from_seed(bytes([40]) * 32)
NODE = KeyPair.from_seed(bytes([41]) * 32)
DEAL = serving.deal_id("default", "greeting", "uid-1")
SPEC = commitments.Spec("cc-node-a", NODE.peer_id, ("u0", "u1"), 10, Decimal("0.2"), collateral_posted=True)
CLAIM = commitments.Spec("cc-other", NODE.peer_id, ("u0",), 10, Decimal("0.2"))
"""Claims a unit of cc-node-a: ignored by the close, with its reason."""
NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def records() -> list[chain.EpochRecord]:
    """Three epochs: cc-node-a waits (1), starts (2), is judged (3: u0 proves 3 times, u1 not at all);
    the deal pays 1 for its one unit u2 each epoch, from a deposit of 3."""
    book = chain.Ledger(OPERATOR)
    made = []
    for epoch in (1, 2, 3):
        head = book.head
        rules = (state.genesis(epoch, S) if head is None else state.after(head)).challenge()
        inputs = close.Inputs(
            epoch=epoch,
            commitments=[SPEC, CLAIM],
            in_deal=frozenset({"u2"}),
            proofs=solve(NODE, "u0", rules, 3),
            deals=[deals.Terms(DEAL, Decimal(1), 1, 1, ("u2",), deposit=Decimal(3))],
        )
        made.append(close.settle(book, inputs, S).record)
    return made


def test_the_deal_shows_its_balance_and_its_line_of_the_head(records: list[chain.EpochRecord]) -> None:
    head = records[-1]
    assert ledgermirror.deal_statuses(head) == {
        DEAL: {
            "balance": "0",
            "lastBilledEpoch": 3,
            "maxPaidEpoch": 3,
            "ledger": {
                "epoch": 3,
                "head": head.hash,
                "phase": "INSUFFICIENT_FUNDS",
                "workers": 1,
                "charged": "1",
                "gap": False,
            },
        }
    }
    assert ledgermirror.deal_statuses(records[0])[DEAL]["maxPaidEpoch"] == 3, "2 left at 1 an epoch after epoch 1"


def test_each_unit_shows_its_proofs_slashes_and_earnings(records: list[chain.EpochRecord]) -> None:
    head = records[-1]
    statuses = {unit: status["ledger"] for unit, status in ledgermirror.unit_statuses(head).items()}
    common = {"epoch": 3, "head": head.hash, "commitment": "cc-node-a"}
    assert statuses["u0"] == {
        **common,
        "outcome": "Proved",
        "proofs": 3,
        "reward": "100",
        "slashed": "0",
        "collateralLeft": "0.1",
        "earned": None,
    }
    assert statuses["u1"] == {
        **common,
        "outcome": "Failed",
        "proofs": 0,
        "reward": "0",
        "slashed": "0.001",
        "collateralLeft": "0.099",
        "earned": None,
    }
    assert {k: v for k, v in statuses["u2"].items() if v is not None} == {"epoch": 3, "head": head.hash, "earned": "1"}
    waiting = ledgermirror.unit_statuses(records[0])["u0"]["ledger"]
    assert waiting["outcome"] == "NoDuty"


def test_the_commitment_shows_the_ledgers_phase_and_money(records: list[chain.EpochRecord]) -> None:
    head = records[-1]
    status = ledgermirror.commitment_status("cc-node-a", head, previous={}, generation=4, now=NOW)
    assert status is not None
    conditions = status.pop("conditions")
    assert status == {
        "ledgerEpoch": 3,
        "ledgerHead": head.hash,
        "phase": "Active",
        "peerId": NODE.peer_id,
        "units": ["u0", "u1"],
        "unitCount": 2,
        "startEpoch": 3,
        "failCount": 1,
        "failedEpoch": None,
        "collateralPerUnit": "0.1",
        "slashed": {"u1": "0.001"},
        "rewards": {"unlocked": "0", "pending": "100"},
    }
    assert [(c["type"], c["status"], c["reason"], c["observedGeneration"]) for c in conditions] == [
        ("Accepted", "True", "InLedger", 4)
    ]
    waiting = ledgermirror.commitment_status("cc-node-a", records[0], previous={}, generation=4, now=NOW)
    assert waiting is not None and (waiting["phase"], waiting["startEpoch"]) == ("WaitStart", 3)
    ignored = ledgermirror.commitment_status("cc-other", head, previous={}, generation=1, now=NOW)
    assert ignored is not None and "phase" not in ignored
    (condition,) = ignored["conditions"]
    assert (condition["status"], condition["reason"]) == ("False", "InvalidSpec")
    assert "units u0 are in another commitment" in condition["message"]
    assert ledgermirror.commitment_status("cc-unknown", head, previous={}, generation=1, now=NOW) is None


def test_a_status_is_written_only_when_a_reader_would_see_a_change(records: list[chain.EpochRecord]) -> None:
    head = records[-1]
    status = ledgermirror.commitment_status("cc-node-a", head, previous={}, generation=4, now=NOW)
    assert status is not None
    stored = {k: v for k, v in status.items() if v is not None}  # the API server keeps no nulls
    later = ledgermirror.commitment_status(
        "cc-node-a", head, previous=stored, generation=4, now=NOW + dt.timedelta(hours=1)
    )
    assert later is not None and not ledgermirror.changed(stored, later)
    unit = ledgermirror.unit_statuses(head)["u2"]
    assert not ledgermirror.changed({"ledger": {k: v for k, v in unit["ledger"].items() if v is not None}}, unit)
    assert ledgermirror.changed({"ledger": {"epoch": 2}}, unit)
    assert ledgermirror.changed(stored, {**later, "failCount": 2})


def test_the_configmap_holds_the_clock_signer_head_and_serving_log(records: list[chain.EpochRecord]) -> None:
    head = records[-1]
    log = serving.observe({}, {"u2": (DEAL, 4)}, current=4, first_open=4)
    data = ledgermirror.configmap_data(
        clock=epochclock.Clock(init=1_000, duration=15), first=1, signer=OPERATOR.peer_id, head=head, served=log
    )
    assert {k: v for k, v in data.items() if k not in ("totals", "served")} == {
        "initTimestamp": "1000",
        "epochDuration": "15",
        "firstEpoch": "1",
        "signer": OPERATOR.peer_id,
        "epoch": "3",
        "head": head.hash,
    }
    assert json.loads(data["totals"]) == head.body["totals"]
    assert serving.from_text(data["served"]) == log


def test_the_metrics_count_a_close_and_show_the_head(records: list[chain.EpochRecord]) -> None:
    meter = metrics.OperatorMetrics()
    for record in records:
        meter.epochs.closed(record, 0.05)
    value = meter.registry.get_sample_value
    assert value("cloudless_operator_epoch") == 3
    assert value("cloudless_operator_epoch_close_duration_seconds_count") == 3
    assert value("cloudless_operator_proofs_total", {"outcome": "accepted"}) == 3
    assert value("cloudless_operator_proofs_total", {"outcome": "dropped"}) == 0
    assert value("cloudless_operator_proofs_total", {"outcome": "wrong_epoch_nonce"}) == 0
    assert value("cloudless_operator_rewards_total") == 100
    assert value("cloudless_operator_slashes_total", {"kind": "proof"}) == 0.001
    assert value("cloudless_operator_slashes_total", {"kind": "sample"}) == 0
    assert value("cloudless_operator_deal_charges_total", {"namespace": "default", "deal": "greeting"}) == 3
    assert value("cloudless_operator_deal_balance", {"namespace": "default", "deal": "greeting"}) == 0
    assert value("cloudless_operator_commitments", {"phase": "Active"}) == 1
    assert value("cloudless_operator_samples_total", {"verdict": "ok"}) == 0
    meter.epochs.head.show(records[0])
    assert value("cloudless_operator_epoch") == 1
    assert value("cloudless_operator_commitments", {"phase": "WaitStart"}) == 1
    assert value("cloudless_operator_proofs_total", {"outcome": "accepted"}) == 3, "showing a head counts nothing"
