"""The CapacityCommitment CRD and the ledger fields of the Deal and ComputeUnit statuses: offline checks of
their patterns against the code that writes them, and the real API server accepting, refusing and
keeping what the epoch controller writes (a structural schema prunes any field it does not declare)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from tests.localcluster.conftest import RunningCluster
from tests.operator.test_crds_apiserver import create, good_deal, refused
from tests.operator.test_ledger_mirror import DEAL, NOW, records

from cloudless_operator.billing import amounts
from cloudless_operator.billing.ledger import chain
from cloudless_operator.models import commitment
from cloudless_operator.reconcile import ledgermirror

__all__ = ["records"]


def schema(crds: dict[str, dict[str, Any]], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = crds[kind]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return found


def test_printer_columns_tell_the_commitments_story(crds: dict[str, dict[str, Any]]) -> None:
    columns = crds["CapacityCommitment"]["spec"]["versions"][0]["additionalPrinterColumns"]
    assert [c["name"] for c in columns if not c.get("priority")] == ["Phase", "Node", "Units", "Start", "Fails", "Age"]


def test_the_staker_rate_pattern_is_the_models(crds: dict[str, dict[str, Any]]) -> None:
    rate = schema(crds, "CapacityCommitment")["properties"]["spec"]["properties"]["stakerRewardRate"]
    assert rate["pattern"] == commitment.RATE.pattern
    for good in ("0.2", "1", "1.0", "0.000000000000000001"):
        jsonschema.validate(good, rate)
    for bad in ("1.5", "2", "-0.1", ".5", "0.5e1", "0.1234567890123456789"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, rate)


def test_token_amounts_as_the_ledger_writes_them_fit_the_status(crds: dict[str, dict[str, Any]]) -> None:
    token = schema(crds, "CapacityCommitment")["properties"]["status"]["properties"]["collateralPerUnit"]
    for written in ("0", "0.1", "28.571428571428571428", "1000000", "0.000000000000000001"):
        assert amounts.text(amounts.floor(amounts.parse(written, what="x"))) == written
        jsonschema.validate(written, token)
    for bad in ("-1", "1e-18", "0.0000000000000000001"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, token)


def good_commitment(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "CapacityCommitment",
        "metadata": {"name": name},
        "spec": {"nodeName": "node-a", "duration": 20, "stakerRewardRate": "0.2"},
    }


def test_a_good_commitment_is_stored_with_its_defaults(crd_cluster: RunningCluster) -> None:
    result = create(crd_cluster, good_commitment("cc-stored"), dry_run=False)
    assert result.returncode == 0, result.stderr
    stored = json.loads(result.stdout)
    assert stored["spec"]["collateralPosted"] is False
    assert "units" not in stored["spec"]
    header = crd_cluster.kubectl("get", "cc", "cc-stored", "-o", "wide").stdout.splitlines()[0].split()
    assert header == ["NAME", "PHASE", "NODE", "UNITS", "START", "FAILS", "AGE", "EPOCH", "MESSAGE"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"stakerRewardRate": "0"}, "stakerRewardRate must be greater than zero"),
        ({"stakerRewardRate": "1.5"}, "spec.stakerRewardRate in body should match"),
        ({"duration": 0}, "spec.duration in body should be greater than or equal to 1"),
        ({"units": ["a", "a"]}, 'spec.units[1]: Duplicate value: "a"'),
        ({"nodeName": ""}, "spec.nodeName in body should be at least 1 chars long"),
    ],
)
def test_bad_commitments_are_refused(crd_cluster: RunningCluster, spec: dict[str, Any], message: str) -> None:
    body = good_commitment("cc-bad")
    body["spec"].update(spec)
    assert message in refused(crd_cluster, body)


def test_missing_terms_are_refused(crd_cluster: RunningCluster) -> None:
    for field in ("nodeName", "duration", "stakerRewardRate"):
        body = copy.deepcopy(good_commitment("cc-missing"))
        del body["spec"][field]
        assert f"spec.{field}: Required value" in refused(crd_cluster, body)


def test_the_node_is_fixed_and_posted_collateral_stays_posted(crd_cluster: RunningCluster) -> None:
    body = good_commitment("cc-frozen")
    body["spec"]["collateralPosted"] = True
    assert create(crd_cluster, body, dry_run=False).returncode == 0
    moved = crd_cluster.kubectl(
        "patch", "cc", "cc-frozen", "--type=merge", "-p", '{"spec":{"nodeName":"node-b"}}', check=False
    )
    assert "nodeName is immutable" in moved.stderr
    taken = crd_cluster.kubectl(
        "patch", "cc", "cc-frozen", "--type=merge", "-p", '{"spec":{"collateralPosted":false}}', check=False
    )
    assert "posted collateral cannot be withdrawn by editing the spec" in taken.stderr


def patch_status(cluster: RunningCluster, kind: str, name: str, status: dict[str, Any], *namespace: str) -> Any:
    body = json.dumps({"status": status})
    cluster.kubectl("patch", kind, name, *namespace, "--subresource=status", "--type=merge", "-p", body)
    return json.loads(cluster.kubectl("get", kind, name, *namespace, "-o", "json").stdout)["status"]


@pytest.fixture
def mirrored_objects(crd_cluster: RunningCluster) -> Iterator[RunningCluster]:
    """The test's objects are removed after it, so no later test of the session finds them."""
    yield crd_cluster
    crd_cluster.kubectl("delete", "cc", "cc-node-a", "--ignore-not-found")
    crd_cluster.kubectl("delete", "cu", "u1", "--ignore-not-found")
    crd_cluster.kubectl("delete", "deal", "mirrored", "-n", "default", "--ignore-not-found")


def test_what_the_controller_writes_is_kept(mirrored_objects: RunningCluster, records: list[chain.EpochRecord]) -> None:
    crd_cluster, head = mirrored_objects, records[-1]
    assert create(crd_cluster, good_commitment("cc-node-a"), dry_run=False).returncode == 0
    status = ledgermirror.commitment_status("cc-node-a", head, previous={}, generation=1, now=NOW)
    assert status is not None
    kept = patch_status(crd_cluster, "cc", "cc-node-a", status)
    assert kept == {key: value for key, value in status.items() if value is not None}
    row = crd_cluster.kubectl("get", "cc", "cc-node-a", "--no-headers").stdout.split()
    assert row[:6] == ["cc-node-a", "Active", "node-a", "2", "3", "1"]

    unit = {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "ComputeUnit",
        "metadata": {"name": "u1"},
        "spec": {"provider": "acme", "nodeName": "node-a"},
    }
    assert create(crd_cluster, unit, dry_run=False).returncode == 0
    mirrored = ledgermirror.unit_statuses(head)["u1"]
    kept = patch_status(crd_cluster, "cu", "u1", mirrored)
    assert kept == {"ledger": {k: v for k, v in mirrored["ledger"].items() if v is not None}}
    assert "Failed" in crd_cluster.kubectl("get", "cu", "u1", "--no-headers").stdout.split()

    assert create(crd_cluster, good_deal("mirrored"), dry_run=False).returncode == 0
    line = ledgermirror.deal_statuses(head)[DEAL]
    kept = patch_status(crd_cluster, "deal", "mirrored", line, "-n", "default")
    assert {key: kept[key] for key in line} == line
