"""The pure side of the provers: which units of a CapacityCommitment (read from its body) get a prover,
the ledger's units over the spec's, the prover pod, and when a stored pod is stale."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from cloudless_operator.models import commitment as cc_model
from cloudless_operator.models import computeunit, ids
from cloudless_operator.reconcile import names, provers

DATA = "/srv/epochs"


def commitment(
    *,
    phase: str | None = "Active",
    units: list[str] | None = None,
    ledger_units: list[str] | None = None,
    node: str = "node-1",
    uid: str = "uid-cc",
) -> cc_model.CapacityCommitment:
    """A commitment read from its body, as the handlers read it; `phase` and `ledger_units` are its status."""
    spec: dict[str, Any] = {"nodeName": node, "duration": 10, "stakerRewardRate": "0.5"}
    body: dict[str, Any] = {"metadata": {"name": f"cc-{node}", "uid": uid}, "spec": spec, "status": {}}
    if units is not None:
        spec["units"] = units
    if phase is not None:
        body["status"]["phase"] = phase
    if ledger_units is not None:
        body["status"]["units"] = ledger_units
    return cc_model.CapacityCommitment.from_body(body)


def unit(name: str, *, node: str = "node-1", reserved: bool = False, paused: bool = False) -> computeunit.ComputeUnit:
    return computeunit.ComputeUnit(
        name=ids.UnitName(name),
        provider=ids.ProviderName("acme"),
        node=ids.NodeName(node),
        price=Decimal("0.1"),
        state=computeunit.State.RESERVED if reserved else computeunit.State.FREE,
        prover_paused=paused,
    )


UNITS = [
    unit("node-1-cu1"),
    unit("node-1-cu0"),
    unit("node-1-cu2", reserved=True),
    unit("node-1-cu3", paused=True),
    unit("node-2-cu0", node="node-2"),
]


def proven(cc: cc_model.CapacityCommitment, units: list[computeunit.ComputeUnit] = UNITS) -> list[str]:
    return [u.name for u in provers.proving_units(cc, units)]


@pytest.mark.parametrize("phase", ["WaitStart", "Active"])
def test_idle_unpaused_units_of_the_node_are_proven_in_a_proving_phase(phase: str) -> None:
    assert proven(commitment(phase=phase)) == ["node-1-cu0", "node-1-cu1"]


@pytest.mark.parametrize("phase", [None, "WaitDelegation", "Inactive", "Failed", "Removable"])
def test_no_unit_is_proven_outside_waitstart_and_active(phase: str | None) -> None:
    assert proven(commitment(phase=phase)) == []


def test_a_unit_list_narrows_the_node_and_never_reaches_another_node() -> None:
    assert proven(commitment(units=["node-1-cu1", "node-1-cu2", "node-2-cu0", "gone"])) == ["node-1-cu1"]


def test_the_ledgers_frozen_units_rule_over_a_later_spec() -> None:
    # Collateral posted with cu0 and cu1; the provider then edits the spec: the ledger counts duty on its own list.
    edited = commitment(units=["node-1-cu1", "node-1-cu4"], ledger_units=["node-1-cu0", "node-1-cu1"])
    assert proven(edited, [*UNITS, unit("node-1-cu4")]) == ["node-1-cu0", "node-1-cu1"]
    assert proven(commitment(ledger_units=["node-1-cu1", "node-2-cu0"])) == ["node-1-cu1"]
    assert proven(commitment(ledger_units=[])) == [], "an empty list in the ledger is no unit, not every unit"


def test_a_unit_that_is_reserved_or_paused_after_all_loses_its_prover() -> None:
    cc = commitment()
    assert "node-1-cu0" in proven(cc)
    assert "node-1-cu0" not in proven(cc, [unit("node-1-cu0", reserved=True)])
    assert "node-1-cu0" not in proven(cc, [unit("node-1-cu0", paused=True)])


def test_the_pause_annotation_is_read_from_the_unit_body() -> None:
    body: dict[str, Any] = {
        "metadata": {"name": "node-1-cu0", "annotations": {"cloudless.dev/prover": "paused"}},
        "spec": {"provider": "acme", "nodeName": "node-1"},
    }
    assert computeunit.ComputeUnit.from_body(body).prover_paused
    body["metadata"]["annotations"]["cloudless.dev/prover"] = "running"
    assert not computeunit.ComputeUnit.from_body(body).prover_paused
    del body["metadata"]["annotations"]
    assert not computeunit.ComputeUnit.from_body(body).prover_paused


def test_the_prover_pod_runs_the_prover_on_the_units_node_with_the_nodes_key() -> None:
    pod = provers.prover_pod(commitment(), unit("node-1-cu0"), namespace="cloudless-system", node_data_dir=DATA)
    meta, spec = pod["metadata"], pod["spec"]
    assert (meta["name"], meta["namespace"]) == ("prover-node-1-cu0", "cloudless-system")
    assert meta["labels"] == names.prover_labels(commitment="cc-node-1", node="node-1", unit="node-1-cu0")
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "cloudless.dev/v1alpha1",
            "kind": "CapacityCommitment",
            "name": "cc-node-1",
            "uid": "uid-cc",
            "controller": True,
        }
    ]
    assert spec["nodeName"] == "node-1"
    (prover,) = spec["containers"]
    assert prover["image"] == "cloudless/prover:dev"
    assert prover["args"] == [
        "--unit",
        "node-1-cu0",
        "--key-file",
        "/etc/cloudless/identity/key",
        "--out",
        "/srv/epochs/proofs",
        "--challenge",
        "/srv/epochs/challenge.json",
        "--metrics",
        "$(POD_IP):9103",
    ]
    assert prover["ports"] == [{"name": "metrics", "containerPort": 9103}]
    assert prover["resources"] == {"requests": {"cpu": "50m"}, "limits": {"cpu": "1"}}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["identity"]["secret"] == {"secretName": "cloudless-node-node-1"}
    assert volumes["epoch-data"]["hostPath"]["path"] == DATA
    assert {"name": "epoch-data", "mountPath": DATA} in prover["volumeMounts"]
    assert {"name": "identity", "mountPath": "/etc/cloudless/identity", "readOnly": True} in prover["volumeMounts"]


def test_the_desired_set_is_one_pod_per_proven_unit_by_pod_name() -> None:
    wanted = provers.desired(commitment(), UNITS, namespace="ns", node_data_dir=DATA)
    assert sorted(wanted) == ["prover-node-1-cu0", "prover-node-1-cu1"]
    assert provers.desired(commitment(phase="Failed"), UNITS, namespace="ns", node_data_dir=DATA) == {}


def test_a_stored_pod_is_stale_only_when_its_template_changed() -> None:
    wanted = provers.prover_pod(commitment(), unit("node-1-cu0"), namespace="ns", node_data_dir=DATA)
    stored = copy.deepcopy(wanted)
    stored["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"  # the API server's defaults
    stored["metadata"]["uid"] = "uid-pod"
    assert not provers.stale(stored, wanted)
    moved = provers.prover_pod(commitment(), unit("node-1-cu0"), namespace="ns", node_data_dir="/elsewhere")
    assert provers.stale(stored, moved)
    recommitted = commitment(uid="uid-cc-2")
    assert provers.stale(
        stored, provers.prover_pod(recommitted, unit("node-1-cu0"), namespace="ns", node_data_dir=DATA)
    )
    assert provers.stale({"metadata": {}}, wanted)
