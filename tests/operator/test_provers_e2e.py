"""Provers and step records on the local cluster, with epochs on (`CLOUDLESS_DATA_DIR`).

A real operator, node agent and prover processes: a CapacityCommitment in a proving phase gets one
prover pod per idle unit of its node, the provers solve the challenge the epoch controller
publishes and file proofs its checker accepts, a unit a deal reserves or its provider pauses loses
its prover, the worker's router keeps step records of a particle it runs, a killed prover is
replaced, and deleting the commitment takes its provers along.

The epochs are a day long and start just before the test, so no epoch closes while it runs: the
controller publishes the first epoch's challenge and leaves the commitment's status alone, and the
test writes the phase a close would (WaitStart or Active come only after epochs of waiting). An
easy puzzle with two proofs per epoch keeps the provers' work to a fraction of a second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.localcluster.conftest import RunningCluster
from tests.operator import apiserver, cloudless_cli, manifests
from tests.operator.operator_process import OperatorProcess, apply, eventually, get

from cloudless_operator.billing import proofs
from cloudless_operator.billing import settings as billing_settings
from cloudless_operator.reconcile import identities
from cloudless_runtime.prover import challenge, outbox

NAMESPACE = "cloudless-provers"
PROVER_LABEL = "app.kubernetes.io/component=prover"
MAX_PROOFS = 2


@pytest.fixture
def epochs(crd_cluster: RunningCluster, tmp_path: Path) -> Iterator[tuple[RunningCluster, Path]]:
    """An operator with epochs on over the node's real units (`cloudless cu sync`); the data folder."""
    cluster, data = crd_cluster, tmp_path / "epochs"
    cluster.kubectl("create", "namespace", NAMESPACE, check=False)
    billing = tmp_path / "billing.json"
    billing.write_text(
        json.dumps(
            {
                "initTimestamp": int(time.time()) - 10,
                "difficulty": challenge.difficulty_text(billing_settings.LOCAL_DIFFICULTY),
                "minProofsPerEpoch": 1,
                "maxProofsPerEpoch": MAX_PROOFS,
            }
        )
    )
    env = {"CLOUDLESS_DATA_DIR": str(data), "CLOUDLESS_NAMESPACE": NAMESPACE, "CLOUDLESS_BILLING_FILE": str(billing)}
    running = OperatorProcess(cluster, tmp_path / "operator.log", port=18191, env=env)
    try:
        # With the operator running: earlier tests' Deals carry its finalizer.
        cluster.kubectl("delete", "deals", "--all", "--all-namespaces", "--wait=true")
        cluster.kubectl("delete", "computeunits,capacitycommitments", "--all", "--wait=true")
        cloudless_cli.sync_units(cluster)
        yield cluster, data
    finally:
        cluster.kubectl("delete", "deals", "--all", "--all-namespaces", "--wait=true", check=False)
        running.stop()


def provers_by_unit(cluster: RunningCluster) -> dict[str, dict[str, Any]]:
    listed = get(cluster, "pods", "-n", NAMESPACE, "-l", PROVER_LABEL)["items"]
    return {
        p["metadata"]["labels"]["cloudless.dev/unit"]: p for p in listed if not p["metadata"].get("deletionTimestamp")
    }


def running_provers(cluster: RunningCluster, units: set[str]) -> dict[str, dict[str, Any]]:
    """The prover pods once exactly `units` have one, all Running."""

    def probe() -> dict[str, dict[str, Any]] | None:
        found = provers_by_unit(cluster)
        running = all(p.get("status", {}).get("phase") == "Running" for p in found.values())
        return found if set(found) == units and running else None

    found: dict[str, dict[str, Any]] = eventually(
        probe, timeout=90, what=f"provers running for exactly {sorted(units)}"
    )
    return found


def published(data: Path) -> challenge.Challenge | None:
    try:
        return challenge.read(data / "challenge.json")
    except challenge.BadChallenge:
        return None


def filed(data: Path, epoch: int, units: set[str]) -> outbox.Submissions | None:
    """The epoch's proofs once every unit in `units` has filed MAX_PROOFS."""
    submissions = outbox.read_epoch(data / "proofs", epoch)
    counts = {unit: sum(p.unit == unit for p in submissions.proofs) for unit in units}
    return submissions if all(count >= MAX_PROOFS for count in counts.values()) else None


def test_provers_follow_the_commitment_and_the_units_and_routers_keep_steps(
    epochs: tuple[RunningCluster, Path],
) -> None:
    cluster, data = epochs
    (node,) = [n["metadata"]["name"] for n in get(cluster, "nodes")["items"]]
    units = {u["metadata"]["name"] for u in get(cluster, "computeunits")["items"]}
    assert len(units) == 4

    commitment = {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "CapacityCommitment",
        "metadata": {"name": f"cc-{node}"},
        "spec": {"nodeName": node, "duration": 10, "stakerRewardRate": "0.5"},
    }
    apply(cluster, commitment)
    assert provers_by_unit(cluster) == {}  # no phase yet: the ledger has not seen the commitment
    patch = json.dumps({"status": {"phase": "Active"}})
    cluster.kubectl("patch", "cc", f"cc-{node}", "--subresource=status", "--type=merge", "-p", patch)

    pods = running_provers(cluster, units)
    assert {p["spec"]["nodeName"] for p in pods.values()} == {node}
    secret = get(cluster, "secret", "-n", NAMESPACE, f"cloudless-node-{node}")
    peer = identities.peer_id(secret)
    assert peer is not None

    rules = eventually(lambda: published(data), timeout=30, what="the controller's challenge")
    assert (rules.epoch, rules.difficulty, rules.max_proofs) == (1, billing_settings.LOCAL_DIFFICULTY, MAX_PROOFS)
    submissions = eventually(lambda: filed(data, 1, units), timeout=90, what="every unit's proofs of epoch 1")
    assert submissions.malformed == 0
    assert sorted(path.name for path in (data / "proofs" / "epoch-1").iterdir()) == sorted(f"{u}.jsonl" for u in units)
    tallies = proofs.check(submissions.proofs, rules=rules, provers=dict.fromkeys(units, peer))
    assert {unit: (t.accepted, t.rejected) for unit, t in tallies.items()} == dict.fromkeys(units, (MAX_PROOFS, {}))

    # A deal reserves one unit: its prover goes; the worker's router records the steps it runs.
    apiserver.greeting_module(cluster)
    (deal,) = manifests.load_yaml_documents(manifests.EXAMPLES / "deal.yaml")
    deal["spec"].update(minWorkers=1, targetWorkers=1, maxWorkersPerProvider=1)
    apply(cluster, deal)
    subnet = eventually(
        lambda: (s := get(cluster, "subnet", "greeting")) and s.get("status", {}).get("readyWorkers") == 1 and s,
        timeout=120,
        what="the one-worker deal ready",
    )
    (worker,) = subnet["spec"]["workers"]
    reserved = worker["computeUnit"]
    running_provers(cluster, units - {reserved})
    (entry,) = subnet["status"]["workers"]
    assert cloudless_cli.hello(cluster, entry["address"]) == [f"{entry['peerId']}: Hi, world"]
    steps = data / "steps" / "default" / "greeting" / worker["name"]
    records = eventually(
        lambda: [
            json.loads(line) for path in sorted(steps.glob("steps-*.jsonl")) for line in path.read_text().splitlines()
        ],
        timeout=30,
        what=f"step records in {steps}",
    )
    assert {record["peer_id"] for record in records} == {entry["peerId"]}
    calls = [(c["service_id"], c["function_name"]) for record in records for c in record["call_results"].values()]
    assert ("greeting", "greeting") in calls

    # The provider pauses a unit: its prover goes; lifting the pause brings it back.
    paused = sorted(units - {reserved})[0]
    cluster.kubectl("annotate", "computeunit", paused, "cloudless.dev/prover=paused")
    running_provers(cluster, units - {reserved, paused})
    cluster.kubectl("annotate", "computeunit", paused, "cloudless.dev/prover-")
    before = running_provers(cluster, units - {reserved})

    # A killed prover is replaced.
    killed = before[paused]["metadata"]
    cluster.kubectl("delete", "pod", "-n", NAMESPACE, killed["name"], "--wait=true")
    after = eventually(
        lambda: (
            (found := running_provers(cluster, units - {reserved}))[paused]["metadata"]["uid"] != killed["uid"]
            and found
        ),
        timeout=60,
        what=f"{killed['name']} replaced",
    )
    assert after[paused]["spec"]["nodeName"] == node

    # The commitment goes: the garbage collector takes its provers (they are owned by it).
    cluster.kubectl("delete", "cc", f"cc-{node}", "--wait=true")
    eventually(
        lambda: not get(cluster, "pods", "-n", NAMESPACE, "-l", PROVER_LABEL)["items"] or None,
        timeout=60,
        what="the provers gone with their commitment",
    )
