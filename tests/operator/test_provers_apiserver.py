"""`kube.provers.converge` against the session's real API server and node agent, with no operator running:
it creates a commitment's provers once, leaves them alone when nothing changed, replaces the ones
built from another template, follows the units the ledger froze in the status, and removes the ones no
longer wanted, all of them for a commitment whose body cannot be read."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from tests.localcluster.conftest import RunningCluster
from tests.operator import apiserver
from tests.operator.operator_process import apply, eventually, get

from cloudless_operator.kube import provers
from cloudless_operator.models import commitment, settings

NAMESPACE = "provers-api"


def pods_of(cluster: RunningCluster) -> dict[str, dict[str, Any]]:
    listed = get(cluster, "pods", "-n", NAMESPACE, "-l", "cloudless.dev/commitment=cc-api")["items"]
    return {p["metadata"]["name"]: p for p in listed}


def read(cluster: RunningCluster) -> commitment.CapacityCommitment:
    found = provers.get(apiserver.api(cluster), "cc-api")
    assert found is not None
    return commitment.CapacityCommitment.from_body(found)


def status(cluster: RunningCluster, **fields: object) -> None:
    patch = json.dumps({"status": fields})
    cluster.kubectl("patch", "cc", "cc-api", "--subresource=status", "--type=merge", "-p", patch)


def test_converge_is_idempotent_replaces_stale_provers_and_removes_unwanted_ones(
    crd_cluster: RunningCluster, tmp_path: Path
) -> None:
    cluster, api = crd_cluster, apiserver.api(crd_cluster)
    (node,) = [n["metadata"]["name"] for n in get(cluster, "nodes")["items"]]
    units = [apiserver.create_unit(cluster, provider="papi", node=node, name=f"{node}-papi{i}") for i in range(2)]
    cluster.kubectl("create", "namespace", NAMESPACE)
    # Pods are admitted only once the namespace's default service account exists (made shortly after it).
    eventually(lambda: get(cluster, "serviceaccount", "default", "-n", NAMESPACE), timeout=30, what="a service account")
    spec = {"nodeName": node, "units": units, "duration": 10, "stakerRewardRate": "0.5"}
    kind = {"apiVersion": "cloudless.dev/v1alpha1", "kind": "CapacityCommitment"}
    apply(cluster, {**kind, "metadata": {"name": "cc-api"}, "spec": spec})
    status(cluster, phase="WaitStart")
    cc = read(cluster)
    try:
        config = settings.Settings(namespace=NAMESPACE, data_dir=str(tmp_path / "a"))
        assert provers.converge(api, "cc-api", cc, config=settings.Settings(namespace=NAMESPACE)) == provers.Changes()
        first = provers.converge(api, "cc-api", cc, config=config)
        assert sorted(first.created) == sorted(f"prover-{u}" for u in units) and first.deleted == ()
        assert provers.converge(api, "cc-api", cc, config=config) == provers.Changes()
        assert get(cluster, "secret", "-n", NAMESPACE, f"cloudless-node-{node}") is not None

        moved = dataclasses.replace(config, data_dir=str(tmp_path / "b"))
        replaced = provers.converge(api, "cc-api", cc, config=moved)
        assert sorted(replaced.deleted) == sorted(first.created)
        assert replaced.created == ()  # a later pass makes the new ones, once the old pods are gone
        eventually(lambda: not pods_of(cluster) or None, timeout=60, what="the stale provers gone")
        assert sorted(provers.converge(api, "cc-api", cc, config=moved).created) == sorted(first.created)
        args = [p["spec"]["containers"][0]["args"] for p in pods_of(cluster).values()]
        assert all(a[a.index("--out") + 1] == str(tmp_path / "b" / "proofs") for a in args)

        # The ledger froze only the first unit: the other one's prover goes, whatever the spec lists.
        status(cluster, phase="Active", units=units[:1])
        frozen = provers.converge(api, "cc-api", read(cluster), config=moved)
        assert frozen == provers.Changes(deleted=(f"prover-{units[1]}",))

        # A commitment the operator cannot read gets no provers.
        assert provers.converge(api, "cc-api", None, config=moved) == provers.Changes(deleted=(f"prover-{units[0]}",))
        eventually(lambda: not pods_of(cluster) or None, timeout=60, what="the unreadable commitment's provers gone")
        assert sorted(provers.converge(api, "cc-api", read(cluster), config=moved).created) == [f"prover-{units[0]}"]

        status(cluster, phase="Inactive")
        ended = read(cluster)
        assert ended.phase == "Inactive"
        assert provers.converge(api, "cc-api", ended, config=moved).deleted == (f"prover-{units[0]}",)
    finally:
        cluster.kubectl("delete", "cc", "cc-api", "--wait=true")
        cluster.kubectl("delete", "computeunits", *units, "--wait=true")
        eventually(lambda: not pods_of(cluster) or None, timeout=60, what="the provers gone with their commitment")
