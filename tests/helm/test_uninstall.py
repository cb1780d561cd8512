"""`helm uninstall` leaves no orphaned objects: nothing of the release anywhere, no child of a deal
left behind, and the CRDs kept (as Helm keeps crds/), with the provider's ComputeUnits all Free.

Runs last (this file sorts last among the chart tests): the Deal is deleted first, while the operator
still runs to release its units through the finalizer, as docs/install.md tells a provider to do.
"""

from __future__ import annotations

from tests.helm.conftest import NAMESPACE, PROVIDER, RELEASE, Release
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


def test_uninstall_leaves_nothing_behind_but_the_crds(release: Release) -> None:
    cluster = release.cluster
    cluster.kubectl("delete", "deals", "--all", "--all-namespaces", "--wait=true", "--timeout=120s")
    eventually(
        lambda: not labelled(cluster, CHILD_KINDS, "app.kubernetes.io/managed-by=cloudless-operator"),
        timeout=120,
        what="the deals' children garbage-collected",
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
    assert not labelled(cluster, CHILD_KINDS, "app.kubernetes.io/managed-by=cloudless-operator")
    assert get(cluster, "clusterrole", RELEASE) is None and get(cluster, "clusterrolebinding", RELEASE) is None
    for crd in ("deals.cloudless.dev", "subnets.cloudless.dev", "computeunits.cloudless.dev"):
        assert get(cluster, "crd", crd) is not None, f"{crd} was removed; Helm keeps the CRDs of crds/"
    units = get(cluster, "computeunits", "-l", f"cloudless.dev/provider={PROVIDER}")["items"]
    assert len(units) == 4
    assert [u["metadata"]["name"] for u in units if u.get("status", {}).get("state") == "Reserved"] == []
