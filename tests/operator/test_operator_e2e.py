"""The operator as a process against the real API server: Deals matched, Subnets owned, units freed, restarts safe."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tests.localcluster.conftest import RunningCluster
from tests.operator import apiserver
from tests.operator.operator_process import OperatorProcess, apply, eventually, get

from cloudless_runtime.identity import keys


def status_when(cluster: RunningCluster, name: str, phase: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        found = get(cluster, "deal", name)
        return found if found and found.get("status", {}).get("phase") == phase else None

    found: dict[str, Any] = eventually(probe, what=f"deal {name} in {phase}")
    return found


def conditions(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in body["status"]["conditions"]}


def held_by(cluster: RunningCluster, provider: str, uid: str) -> set[str]:
    return {name for name, unit in apiserver.units_of(cluster, provider).items() if unit.held_by(uid)}  # type: ignore[arg-type]


def test_deal_becomes_active_with_an_owned_subnet(crd_cluster: RunningCluster, operator: OperatorProcess) -> None:
    apiserver.make_units(crd_cluster, provider="e2e-active", count=3)
    apply(crd_cluster, apiserver.deal_manifest("active", "e2e-active", targetWorkers=3, minWorkers=2))
    status_when(crd_cluster, "active", "ACTIVE")

    def grown_to_target() -> dict[str, Any] | None:
        """ACTIVE comes with minWorkers; a unit that turned Free a moment later makes it grow."""
        found = get(crd_cluster, "deal", "active")
        return found if found and len(found["status"].get("matchedUnits", [])) == 3 else None

    body: dict[str, Any] = eventually(grown_to_target, what="deal active holding its 3 target units")
    status = body["status"]
    assert conditions(body) == {
        "Funded": ("True", "DepositSufficient"),
        "Matched": ("True", "UnitsReserved"),
        "Ready": ("False", "WorkersPending"),
    }
    assert status["observedGeneration"] == body["metadata"]["generation"]
    assert set(status["matchedUnits"]) == held_by(crd_cluster, "e2e-active", body["metadata"]["uid"])
    assert len(status["matchedUnits"]) == 3
    subnet = get(crd_cluster, "subnet", status["subnetRef"]["name"])
    (owner,) = subnet["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["uid"], owner["controller"]) == ("Deal", body["metadata"]["uid"], True)
    assert sorted(w["computeUnit"] for w in subnet["spec"]["workers"]) == sorted(status["matchedUnits"])


def test_too_few_units_waits_with_a_reason_then_grows_when_units_appear(
    crd_cluster: RunningCluster, operator: OperatorProcess
) -> None:
    apiserver.make_units(crd_cluster, provider="e2e-wait", count=1)
    apply(crd_cluster, apiserver.deal_manifest("waiting", "e2e-wait", targetWorkers=3, minWorkers=3))
    body = status_when(crd_cluster, "waiting", "NOT_ENOUGH_WORKERS")
    (matched,) = (c for c in body["status"]["conditions"] if c["type"] == "Matched")
    assert matched["status"] == "False"  # the reason names the filter excluding most units in this shared cluster
    assert matched["message"].startswith("0 of 3 workers (at least 3 needed): ")
    assert held_by(crd_cluster, "e2e-wait", body["metadata"]["uid"]) == set()
    for index in (1, 2):  # two more units of the same provider, created as `cu sync` would
        apiserver.create_unit(crd_cluster, provider="e2e-wait", node=f"e2e-wait-n{index}")
    body = status_when(crd_cluster, "waiting", "ACTIVE")
    assert len(held_by(crd_cluster, "e2e-wait", body["metadata"]["uid"])) == 3


def test_deleting_a_deal_frees_its_units(crd_cluster: RunningCluster, operator: OperatorProcess) -> None:
    apiserver.make_units(crd_cluster, provider="e2e-del", count=2)
    apply(crd_cluster, apiserver.deal_manifest("leaving", "e2e-del", targetWorkers=2))
    body = status_when(crd_cluster, "leaving", "ACTIVE")
    assert "cloudless.dev/finalizer" in body["metadata"]["finalizers"]
    crd_cluster.kubectl("delete", "deal", "leaving", "--timeout=60s")
    assert held_by(crd_cluster, "e2e-del", body["metadata"]["uid"]) == set()
    assert all(unit.deal is None for unit in apiserver.units_of(crd_cluster, "e2e-del").values())


def test_killed_mid_reconcile_then_restarted_converges_without_duplicates(
    crd_cluster: RunningCluster, tmp_path: Path
) -> None:
    apiserver.make_units(crd_cluster, provider="e2e-kill", count=4)
    first = OperatorProcess(crd_cluster, tmp_path / "first.log", port=18182)
    try:
        apply(crd_cluster, apiserver.deal_manifest("crashy", "e2e-kill", targetWorkers=4))
        eventually(
            lambda: any(u.deal for u in apiserver.units_of(crd_cluster, "e2e-kill").values()),
            timeout=60,
            what="a first reservation",
        )
    finally:
        first.kill()  # reservations may be written, the status and Subnet not yet
    second = OperatorProcess(crd_cluster, tmp_path / "second.log", port=18183)
    try:
        body = status_when(crd_cluster, "crashy", "ACTIVE")
    finally:
        second.stop()
    uid = body["metadata"]["uid"]
    assert set(body["status"]["matchedUnits"]) == held_by(crd_cluster, "e2e-kill", uid)
    assert len(body["status"]["matchedUnits"]) == 4
    subnets = get(crd_cluster, "subnets", "-l", "cloudless.dev/deal=crashy")["items"]
    assert len(subnets) == 1
    assert sorted(w["computeUnit"] for w in subnets[0]["spec"]["workers"]) == sorted(body["status"]["matchedUnits"])


def test_a_deal_on_the_clusters_node_gets_ready_worker_pods_with_stable_identities(
    crd_cluster: RunningCluster, operator: OperatorProcess
) -> None:
    node = crd_cluster_node(crd_cluster)
    for index in range(2):  # two units on the one real node, so the node agent runs their pods
        apiserver.create_unit(crd_cluster, provider="e2e-pods", node=node, name=f"e2e-pods-cu{index}")
    apiserver.greeting_module(crd_cluster)
    services = apiserver.example_services()
    apply(crd_cluster, apiserver.deal_manifest("pods", "e2e-pods", targetWorkers=2, minWorkers=2, services=services))
    status_when(crd_cluster, "pods", "ACTIVE")

    def all_ready() -> dict[str, Any] | None:
        found = get(crd_cluster, "subnet", "pods")
        status = found.get("status", {}) if found else {}
        return found if status.get("readyWorkers") == 2 and len(status.get("workers", [])) == 2 else None

    subnet = eventually(all_ready, timeout=180, what="subnet pods with 2 Ready workers")
    listed = get(crd_cluster, "pods", "-l", "cloudless.dev/subnet=pods")["items"]
    assert sorted(p["metadata"]["name"] for p in listed) == ["pods-w0", "pods-w1"]
    for pod in listed:
        assert pod["status"]["phase"] == "Running"
        assert {c["type"]: c["status"] for c in pod["status"]["conditions"]}["Ready"] == "True"
        assert pod["spec"]["nodeName"] == node
    pod_ips = {p["metadata"]["name"]: p["status"]["podIP"] for p in listed}
    for worker in subnet["status"]["workers"]:
        secret = get(crd_cluster, "secret", f"{worker['name']}-identity")
        seed = bytes.fromhex(base64.b64decode(secret["data"]["key"]).decode().strip())
        assert worker["peerId"] == keys.KeyPair.from_seed(seed).peer_id
        assert (worker["phase"], worker["pod"]) == ("Ready", worker["name"])
        assert worker["address"] == f"{pod_ips[worker['pod']]}:7001"
    ready = {c["type"]: c["status"] for c in subnet["status"]["conditions"]}
    assert ready == {"Ready": "True", "Degraded": "False"}

    peers = {w["name"]: w["peerId"] for w in subnet["status"]["workers"]}
    old_uid = next(p["metadata"]["uid"] for p in listed if p["metadata"]["name"] == "pods-w0")
    crd_cluster.kubectl("delete", "pod", "pods-w0", "--wait=true", "--timeout=60s")

    def replaced() -> dict[str, Any] | None:
        """The new pod Ready by its own condition first: by then the operator has recorded it as Pending."""
        pod = get(crd_cluster, "pod", "pods-w0")
        if not pod or pod["metadata"]["uid"] == old_uid:
            return None
        if {c["type"]: c["status"] for c in pod["status"].get("conditions", [])}.get("Ready") != "True":
            return None
        return all_ready()

    again = eventually(replaced, timeout=180, what="pods-w0 recreated and Ready")
    assert {w["name"]: w["peerId"] for w in again["status"]["workers"]} == peers

    shrink = {"spec": {"minWorkers": 1, "targetWorkers": 1}}  # the Deal gives back its last unit; the Subnet follows
    crd_cluster.kubectl("patch", "deal", "pods", "--type=merge", "-p", json.dumps(shrink))
    eventually(
        lambda: get(crd_cluster, "pod", "pods-w1") is None and get(crd_cluster, "secret", "pods-w1-identity") is None,
        what="the dropped worker's pod and identity Secret deleted",
    )
    shrunk = eventually(
        lambda: (found := get(crd_cluster, "subnet", "pods")) and found["status"]["desiredWorkers"] == 1 and found,
        what="the subnet status down to 1 worker",
    )
    assert [w["name"] for w in shrunk["status"]["workers"]] == ["pods-w0"]


def crd_cluster_node(cluster: RunningCluster) -> str:
    (node,) = get(cluster, "nodes")["items"]
    name: str = node["metadata"]["name"]
    return name
