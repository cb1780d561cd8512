"""`helm uninstall` leaves no orphaned objects: nothing of the release anywhere, no child of a deal or
commitment left behind, and the CRDs kept (as Helm keeps crds/), with the provider's ComputeUnits all Free.

Runs last among the chart tests (conftest's CHANGES_RELEASE). As docs/install.md tells a provider, the
Deals are deleted first, while the operator still runs to release their units through the finalizer,
and the CapacityCommitments (their prover pods go with them). What the operator keeps on purpose
stays, as the data folder does: the epoch ledger's ConfigMap, its signing key and the nodes' keys,
so a reinstall continues the same ledger with the same peer ids.
"""

from __future__ import annotations

from tests.helm.conftest import NAMESPACE, PROVIDER, RELEASE, ActiveCommitment, node_name
from tests.localcluster.conftest import RunningCluster
from tests.operator.operator_process import eventually, get

CHILD_KINDS = "pods,secrets,configmaps,services,poddisruptionbudgets,subnets"


def listable_kinds(cluster: RunningCluster) -> str:
    """Every resource type the API server can list, except Events (records that expire, never owned)."""
    names = cluster.kubectl("api-resources", "--verbs=list", "-o", "name").stdout.split()
    return ",".join(name for name in names if name not in ("events", "events.events.k8s.io"))


def labelled(cluster: RunningCluster, kinds: str, label: str) -> list[str]:
    found = cluster.kubectl("get", kinds, "--all-namespaces", "-l", label, "-o", "name", "--ignore-not-found")
    return found.stdout.split()


def kept(cluster: RunningCluster) -> set[str]:
    """The operator's state that outlives the release: the ledger's mirror and key, one key per node."""
    return {"configmap/cloudless-ledger", "secret/cloudless-ledger-key", f"secret/cloudless-node-{node_name(cluster)}"}


def test_uninstall_leaves_nothing_behind_but_the_crds(active_commitment: ActiveCommitment) -> None:
    release = active_commitment.deal.release
    cluster = release.cluster
    cluster.kubectl("delete", "deals", "--all", "--all-namespaces", "--wait=true", "--timeout=120s")
    cluster.kubectl("delete", "capacitycommitments", "--all", "--wait=true", "--timeout=120s")
    eventually(
        lambda: set(labelled(cluster, CHILD_KINDS, "app.kubernetes.io/managed-by=cloudless-operator")) == kept(cluster),
        timeout=120,
        what="the deals' and commitments' children garbage-collected",
    )
    assert labelled(cluster, listable_kinds(cluster), f"app.kubernetes.io/instance={RELEASE}")  # the release, before

    release.helm.run("uninstall", RELEASE, "-n", NAMESPACE, "--wait", "--timeout=5m")

    assert not release.installed()
    kinds = listable_kinds(cluster)
    # `--wait` covers what Helm deleted; the ReplicaSet and pod go through the garbage collector and
    # the pod's graceful termination after that.
    eventually(
        lambda: not labelled(cluster, kinds, f"app.kubernetes.io/instance={RELEASE}"),
        timeout=120,
        what="every object of the release gone",
    )
    assert set(labelled(cluster, CHILD_KINDS, "app.kubernetes.io/managed-by=cloudless-operator")) == kept(cluster)
    assert (release.data_dir / "ledger" / "ledger.jsonl").stat().st_size > 0
    assert get(cluster, "clusterrole", RELEASE) is None and get(cluster, "clusterrolebinding", RELEASE) is None
    for plural in ("deals", "subnets", "computeunits", "capacitycommitments"):
        crd = f"{plural}.cloudless.dev"
        assert get(cluster, "crd", crd) is not None, f"{crd} was removed; Helm keeps the CRDs of crds/"
    units = get(cluster, "computeunits", "-l", f"cloudless.dev/provider={PROVIDER}")["items"]
    assert len(units) == 4
    assert [u["metadata"]["name"] for u in units if u.get("status", {}).get("state") == "Reserved"] == []
