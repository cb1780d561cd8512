"""The CapacityCommitment read from its body: the spec the epoch close needs, the status the provers follow
(the ledger's phase and frozen units), or the path of what is wrong."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from cloudless_operator.models import commitment, errors, ids

BODY: dict[str, Any] = {
    "metadata": {"name": "cc-node-a", "uid": "uid-a"},
    "spec": {"nodeName": "node-a", "duration": 20, "stakerRewardRate": "0.25"},
}


def test_a_commitment_without_units_or_status_covers_its_node_and_has_no_phase() -> None:
    cc = commitment.CapacityCommitment.from_body(BODY)
    assert cc == commitment.CapacityCommitment(
        name="cc-node-a",
        uid="uid-a",
        node=ids.NodeName("node-a"),
        units=None,
        duration=20,
        staker_reward_rate=Decimal("0.25"),
        collateral_posted=False,
        phase=None,
        ledger_units=None,
    )


def test_listed_units_and_posted_collateral() -> None:
    body = copy.deepcopy(BODY)
    body["spec"].update(units=["node-a-cu1", "node-a-cu0"], collateralPosted=True, stakerRewardRate="1")
    cc = commitment.CapacityCommitment.from_body(body)
    assert cc.units == ("node-a-cu1", "node-a-cu0")
    assert (cc.collateral_posted, cc.staker_reward_rate) == (True, Decimal(1))
    body["spec"]["units"] = None
    assert commitment.CapacityCommitment.from_body(body).units is None, "a null list is an absent one"


def test_the_status_gives_the_ledgers_phase_and_frozen_units() -> None:
    body = copy.deepcopy(BODY)
    body["spec"]["units"] = ["node-a-cu0", "node-a-cu2"]
    body["status"] = {"phase": "Active", "units": ["node-a-cu0", "node-a-cu1"], "failCount": 1}
    cc = commitment.CapacityCommitment.from_body(body)
    assert (cc.phase, cc.ledger_units, cc.units) == (
        "Active",
        ("node-a-cu0", "node-a-cu1"),
        ("node-a-cu0", "node-a-cu2"),
    )
    body["status"] = {"ledgerEpoch": 3, "conditions": []}  # an ignored spec: the ledger holds no entry for it
    assert commitment.CapacityCommitment.from_body(body).ledger_units is None


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"spec": {"nodeName": None}}, "spec.nodeName"),
        ({"spec": {"duration": 0}}, "spec.duration"),
        ({"spec": {"duration": "20"}}, "spec.duration"),
        ({"spec": {"stakerRewardRate": "0"}}, "spec.stakerRewardRate"),
        ({"spec": {"stakerRewardRate": "1.5"}}, "spec.stakerRewardRate"),
        ({"spec": {"stakerRewardRate": 0.5}}, "spec.stakerRewardRate"),
        ({"spec": {"units": "node-a-cu0"}}, "spec.units"),
        ({"spec": {"collateralPosted": "yes"}}, "spec.collateralPosted"),
        ({"metadata": {"uid": None}}, "metadata.uid"),
        ({"status": {"phase": 3}}, "status.phase"),
        ({"status": {"units": [1]}}, "status.units[0]"),
    ],
)
def test_a_malformed_body_names_its_field(changes: dict[str, dict[str, Any]], path: str) -> None:
    body = copy.deepcopy(BODY)
    for part, fields in changes.items():
        merged = {**body.get(part, {}), **fields}
        body[part] = {key: value for key, value in merged.items() if value is not None}
    with pytest.raises(errors.MalformedBody) as caught:
        commitment.CapacityCommitment.from_body(body)
    assert caught.value.path == path
