"""Least privilege, proved against the API server's audit log: every call the chart's operator makes
is allowed, and every verb its ClusterRole grants is one the operator was seen using.

The local cluster's API server records, at Metadata level, every request of a workload's service
account (components.AUDIT_POLICY). The release runs with epochs on, and the node's CapacityCommitment
is Active (conftest): the epoch controller has closed epochs, mirrored them into the ledger ConfigMap
and the statuses, and the prover handlers have made the node's key and its idle unit's prover.
Before reading the log this test walks the operator through the paths that has not taken yet:
drift of a Subnet's Service and PodDisruptionBudget repaired, a worker dropped from its Subnet
(pod and identity Secret deleted), a Deal taking the idle unit (its prover deleted) and deleted
through its finalizer (the prover back).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.helm.conftest import NAMESPACE, RELEASE, ActiveCommitment, running_provers
from tests.localcluster.conftest import RunningCluster
from tests.operator import manifests
from tests.operator.operator_process import eventually, get

Permission = tuple[str, str, str]
"""(API group, resource[/subresource], verb)."""

JUSTIFIED: dict[Permission, str] = {}
"""Granted verbs this test does not provoke, each with the reason the operator needs it. (Secrets `get`, once
here for adopting a worker identity after a crash, is now provoked by the node and ledger keys.)"""


def granted(cluster: RunningCluster) -> set[Permission]:
    role = get(cluster, "clusterrole", RELEASE)
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def audit_events(cluster: RunningCluster, user: str) -> Iterator[dict[str, Any]]:
    log = Path(cluster.state) / "logs" / "kube-apiserver-audit.log"
    for line in log.read_text().splitlines():
        event = json.loads(line)
        if event["user"]["username"] == user:
            yield event


def permission(event: dict[str, Any]) -> Permission | None:
    ref = event.get("objectRef") or {}
    if not ref.get("resource"):
        return None  # discovery (/api, /apis): a non-resource URL every authenticated user may read
    resource = ref["resource"] + (f"/{ref['subresource']}" if ref.get("subresource") else "")
    return ref.get("apiGroup", ""), resource, event["verb"]


def restored(cluster: RunningCluster, kind: str, field: str, wanted: Any) -> bool:
    found = get(cluster, kind, "greeting")
    return bool(found and found["spec"].get(field) == wanted)


@pytest.fixture(scope="module")
def exercised(active_commitment: ActiveCommitment) -> RunningCluster:
    cluster = active_commitment.deal.release.cluster
    # Drift: the operator puts a Subnet's Service and PodDisruptionBudget back as it wants them.
    cluster.kubectl("patch", "pdb", "greeting", "--type=merge", "-p", '{"spec":{"minAvailable":1}}')
    cluster.kubectl("patch", "service", "greeting", "--type=merge", "-p", '{"spec":{"publishNotReadyAddresses":false}}')
    eventually(lambda: restored(cluster, "pdb", "minAvailable", 3), timeout=90, what="the PDB restored")
    eventually(lambda: restored(cluster, "service", "publishNotReadyAddresses", True), timeout=90, what="the Service")

    # A second, one-worker deal on the spare unit; its worker dropped from the Subnet (as the Deal
    # handler drops a worker it shrinks away), which the operator answers by deleting the worker's
    # pod and identity Secret; then the deal deleted through its finalizer, which frees the unit.
    (example,) = manifests.load_yaml_documents(manifests.EXAMPLES / "deal.yaml")
    example["metadata"]["name"] = "probe"
    example["spec"].update(minWorkers=1, targetWorkers=1, maxWorkersPerProvider=1)
    cluster.kubectl("apply", "-f", str(write(cluster, example)))
    eventually(
        lambda: (s := get(cluster, "subnet", "probe")) and s.get("status", {}).get("readyWorkers") == 1,
        timeout=180,
        what="deal probe's worker Ready",
    )
    pod, secret = get(cluster, "pod", "probe-w0"), get(cluster, "secret", "probe-w0-identity")
    cluster.kubectl("patch", "subnet", "probe", "--type=merge", "-p", '{"spec":{"workers":[]}}')
    eventually(
        lambda: (
            uid(get(cluster, "pod", "probe-w0")) != uid(pod)
            and uid(get(cluster, "secret", "probe-w0-identity")) != uid(secret)
        ),
        timeout=120,
        what="the dropped worker's pod and identity Secret deleted by the operator",
    )
    cluster.kubectl("delete", "deal", "probe", "--timeout=60s")
    eventually(
        lambda: (
            not [
                u
                for u in get(cluster, "computeunits")["items"]
                if u.get("status", {}).get("state") == "Reserved"
                and u["status"].get("dealRef", {}).get("name") == "probe"
            ]
        ),
        what="the probe's unit released",
    )
    eventually(lambda: running_provers(cluster), timeout=90, what="the freed unit's prover back")
    return cluster


def uid(found: dict[str, Any] | None) -> str | None:
    return None if found is None else str(found["metadata"]["uid"])


def write(cluster: RunningCluster, body: dict[str, Any]) -> Path:
    path = Path(cluster.state) / f"{body['metadata']['name']}.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


def operator_user(cluster: RunningCluster) -> str:
    deployment = get(cluster, "deployment", RELEASE, "-n", NAMESPACE)
    return f"system:serviceaccount:{NAMESPACE}:{deployment['spec']['template']['spec']['serviceAccountName']}"


def test_no_call_of_the_operator_is_refused(exercised: RunningCluster) -> None:
    events = list(audit_events(exercised, operator_user(exercised)))
    assert len(events) > 100  # the whole life of two deals went through this account
    refused = [
        (event["verb"], event["requestURI"])
        for event in events
        if event.get("responseStatus", {}).get("code") in (401, 403)
    ]
    assert not refused, f"refused calls of the operator: {refused}"


def test_every_granted_verb_is_used(exercised: RunningCluster) -> None:
    observed = {p for event in audit_events(exercised, operator_user(exercised)) if (p := permission(event))}
    allowed = granted(exercised)
    assert observed <= allowed, f"used but not granted (would be refused): {observed - allowed}"
    unused = allowed - observed - set(JUSTIFIED)
    assert not unused, f"granted but never used: {sorted(unused)}"
    assert set(JUSTIFIED) <= allowed, "a justification for a verb the role no longer grants: drop it"
    assert not set(JUSTIFIED) & observed, "a justification for a verb this test provokes: drop it"
