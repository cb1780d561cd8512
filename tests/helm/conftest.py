"""Fixtures for the chart tests: the real helm, a local cluster of their own, the chart installed on
it, and the example Deal running through the chart's operator.

The cluster is this folder's own (tests/operator run an operator process on theirs; two operators
on one cluster would fight over the same Deals). It serves the Prometheus Operator's CRDs, so
`helm install` takes the chart's `.Capabilities.APIVersions` branch and the API server validates
the ServiceMonitor, PodMonitor and PrometheusRule. The release namespace enforces the `restricted`
Pod Security Standard, so a pod spec of the chart that is not restricted is refused.

The session's release and deal are shared by the test files, which pytest runs in name order: the
ones that change the release (test_rolling_upgrade.py, then test_uninstall.py) sort last on purpose.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.helm import chart
from tests.localcluster.conftest import RunningCluster, cluster_cli
from tests.operator import apiserver, manifests
from tests.operator.operator_process import eventually, get

from cloudless_localcluster import build

NAMESPACE = "cloudless-system"
RELEASE = "cloudless"
PROVIDER = "chart-test"
PRICE = "0.25"
CLOUDLESS = str(Path(sys.executable).with_name("cloudless"))
"""The CLI as installed in the project's virtualenv, run as a provider runs it."""


@pytest.fixture(scope="session")
def helm(tmp_path_factory: pytest.TempPathFactory) -> chart.Helm:
    """helm without a cluster (lint, template)."""
    return chart.Helm(chart.helm_binary(), tmp_path_factory.mktemp("helm-home"))


@pytest.fixture(scope="session")
def chart_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """A local cluster with the monitoring CRDs and a restricted release namespace; no cloudless CRDs (the chart's)."""
    bin_dir = build.installed_bin_dir()
    if bin_dir is None:
        pytest.fail("the control-plane binaries are not built: run `make install`", pytrace=False)
    state = tmp_path_factory.mktemp("chart-cluster")
    up = cluster_cli("up", f"--state={state}")
    try:
        cluster = RunningCluster(state, bin_dir, up.stdout + up.stderr)
        cluster.kubectl("apply", "--server-side", "-f", str(chart.MONITORING_CRDS))
        cluster.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
        cluster.kubectl("create", "namespace", NAMESPACE)
        cluster.kubectl("label", "namespace", NAMESPACE, "pod-security.kubernetes.io/enforce=restricted")
        yield cluster
    finally:
        cluster_cli("down", f"--state={state}", check=False)


def api_url(cluster: RunningCluster) -> str:
    """The API server's URL, from the admin kubeconfig (what the chart's apiServer.url needs here)."""
    config: dict[str, Any] = manifests.load_yaml_documents(cluster.kubeconfig)[0]
    url: str = config["clusters"][0]["cluster"]["server"]
    return url


@dataclass(frozen=True)
class Release:
    helm: chart.Helm
    cluster: RunningCluster
    notes: str
    """What `helm install` printed after NOTES:."""
    values: tuple[str, ...]
    """The --set arguments it was installed with."""

    def operator_pod(self) -> dict[str, Any]:
        """The one Running pod of the operator Deployment."""
        pods: list[dict[str, Any]] = get(
            self.cluster, "pods", "-n", NAMESPACE, "-l", f"app.kubernetes.io/instance={RELEASE}"
        )["items"]
        (pod,) = [
            p for p in pods if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
        ]
        return pod

    def installed(self) -> bool:
        return self.helm.run("status", RELEASE, "-n", NAMESPACE, check=False).returncode == 0


@pytest.fixture(scope="session")
def release(chart_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Release]:
    """`helm install` of the chart, waited for (the operator pod Ready by kopf's /healthz)."""
    helm = chart.Helm(chart.helm_binary(), tmp_path_factory.mktemp("helm-home"), chart_cluster.kubeconfig)
    values = (
        f"--set=apiServer.url={api_url(chart_cluster)}",
        f"--set=provider.name={PROVIDER}",
        f"--set=computeUnits.price={PRICE}",
    )
    installed = helm.run("install", RELEASE, str(chart.CHART), "-n", NAMESPACE, *values, "--wait", "--timeout=5m")
    found = Release(helm, chart_cluster, installed.stdout.partition("NOTES:")[2], values)
    try:
        yield found
    finally:
        if found.installed():
            chart_cluster.kubectl("delete", "deals", "--all", "--all-namespaces", "--timeout=60s", check=False)
            helm.run("uninstall", RELEASE, "-n", NAMESPACE, "--wait", check=False)


def sync_command(notes: str) -> list[str]:
    """The `cloudless cu sync ...` line NOTES.txt tells the provider to run, as argv."""
    (line,) = [line.strip() for line in notes.splitlines() if "cloudless cu sync" in line]
    return line.split()


@dataclass(frozen=True)
class RunningDeal:
    release: Release
    subnet: dict[str, Any]
    """The Subnet once every worker is Ready with the greeting service deployed."""
    synced: str
    """What `cloudless cu sync` printed."""


@pytest.fixture(scope="session")
def running_deal(release: Release) -> RunningDeal:
    """The NOTES' `cloudless cu sync`, then examples/deal.yaml applied with kubectl, until its 3 workers are Ready."""
    cluster = release.cluster
    argv = sync_command(release.notes)
    assert argv[:3] == ["cloudless", "cu", "sync"], argv
    synced = subprocess.run(
        [CLOUDLESS, *argv[1:], "--kubeconfig", str(cluster.kubeconfig)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    apiserver.greeting_module(cluster)
    cluster.kubectl("apply", "-f", str(manifests.EXAMPLES / "deal.yaml"))

    def ready() -> dict[str, Any] | None:
        found = get(cluster, "subnet", "greeting")
        status = (found or {}).get("status", {})
        entries = status.get("workers", [])
        deployed = all([s["state"] for s in w.get("services", [])] == ["Deployed"] for w in entries)
        return found if status.get("readyWorkers") == 3 and len(entries) == 3 and deployed else None

    subnet = eventually(ready, timeout=240, what="subnet greeting with 3 Ready workers running the greeting service")
    return RunningDeal(release, subnet, synced)
