"""Fixtures for the chart tests: the real helm, a local cluster of their own, the chart installed on
it, and the example Deal running through the chart's operator.

The cluster is this folder's own (tests/operator run an operator process on theirs; two operators
on one cluster would fight over the same Deals). It serves the Prometheus Operator's CRDs, so
`helm install` takes the chart's `.Capabilities.APIVersions` branch and the API server validates
the ServiceMonitor, PodMonitor and PrometheusRule. Epochs are on, with Fluence's local profile
(15 s epochs) and the data folder a folder of this machine (the node agent's hostPath is the host
path itself). A hostPath is what no Pod Security level but `privileged` admits, so the release
namespace warns at `restricted` instead of enforcing it: the install test checks that the data
folder is the chart's only departure from it.

One release and one deal serve every test file: installing is the slow part. Each module states
what it needs through a module-scoped fixture that checks it and restores it only when missing:
`release` (installed, operator rolled out), `running_deal` (the example deal's 3 workers Ready with
the greeting service) and `active_commitment` (the node's CapacityCommitment Active in the ledger,
its idle unit's prover running), so any file runs alone or in any order. Files that change the
release run after the ones that only read it, in the order of `CHANGES_RELEASE`
(`pytest_collection_modifyitems` below), so in a whole run nothing is installed twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.helm import chart
from tests.localcluster.conftest import RunningCluster, cluster_cli
from tests.operator import apiserver, manifests, operator_process
from tests.operator.operator_process import eventually, get

from cloudless_localcluster import build

NAMESPACE = "cloudless-system"
RELEASE = "cloudless"
PROVIDER = "chart-test"
PRICE = "0.25"
CLOUDLESS = str(Path(sys.executable).with_name("cloudless"))
"""The CLI as installed in the project's virtualenv, run as a provider runs it."""
DEPOSIT = "1000"
"""The example deal's deposit once topped up: hours of 15 s epochs."""
CHANGES_RELEASE = ("test_rolling_upgrade.py", "test_uninstall.py")
"""The files that change the shared release (upgrade, then uninstall), in the order they run, after the rest."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Within this folder's tests, move the files of CHANGES_RELEASE last, in that order (a stable sort)."""
    here = Path(__file__).parent
    mine = [index for index, item in enumerate(items) if item.path.parent == here]

    def stage(item: pytest.Item) -> int:
        name = item.path.name
        return CHANGES_RELEASE.index(name) + 1 if name in CHANGES_RELEASE else 0

    for index, item in zip(mine, sorted((items[i] for i in mine), key=stage), strict=True):
        items[index] = item


@pytest.fixture(scope="session")
def helm(tmp_path_factory: pytest.TempPathFactory) -> chart.Helm:
    """helm without a cluster (lint, template)."""
    return chart.Helm(chart.helm_binary(), tmp_path_factory.mktemp("helm-home"))


@pytest.fixture(scope="session")
def chart_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """A local cluster with the monitoring CRDs and the release namespace; no cloudless CRDs (the chart's)."""
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
        cluster.kubectl("label", "namespace", NAMESPACE, "pod-security.kubernetes.io/warn=restricted")
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
    values: tuple[str, ...]
    """The --set arguments it was installed with."""
    data_dir: Path
    """The epoch data folder (epochs.dataDir.hostPath): the ledger, challenge, proofs and step records."""
    installed_output: str
    """What `helm install` printed (stdout, then stderr: the API server's warnings), whoever installed it."""

    @property
    def notes(self) -> str:
        """The release's NOTES.txt as Helm rendered it (`helm get notes`), whoever installed or upgraded it."""
        return self.helm.run("get", "notes", RELEASE, "-n", NAMESPACE).stdout

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


@dataclass
class Installer:
    """Installs the chart when asked and it is not installed; remembers the last install's output."""

    helm: chart.Helm
    cluster: RunningCluster
    data_dir: Path
    output: str = ""

    @property
    def values(self) -> tuple[str, ...]:
        return (
            f"--set=apiServer.url={api_url(self.cluster)}",
            f"--set=provider.name={PROVIDER}",
            f"--set=computeUnits.price={PRICE}",
            "--set=epochs.enabled=true",
            "--set=epochs.billing.profile=local",
            f"--set=epochs.dataDir.hostPath={self.data_dir}",
        )

    def release(self) -> Release:
        return Release(self.helm, self.cluster, self.values, self.data_dir, self.output)

    def ensure(self) -> Release:
        """The release, installed (again, if a test uninstalled it) and with its operator rolled out."""
        if self.release().installed():
            self.cluster.kubectl("rollout", "status", f"deployment/{RELEASE}", "-n", NAMESPACE, "--timeout=300s")
            return self.release()
        installed = self.helm.run(
            "install", RELEASE, str(chart.CHART), "-n", NAMESPACE, *self.values, "--wait", "--timeout=5m"
        )
        self.output = installed.stdout + installed.stderr
        return self.release()


@pytest.fixture(scope="session")
def installer(chart_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installer]:
    """The session's one release of the chart: installed by the first module that needs it, removed at the end."""
    helm = chart.Helm(chart.helm_binary(), tmp_path_factory.mktemp("helm-home"), chart_cluster.kubeconfig)
    found = Installer(helm, chart_cluster, tmp_path_factory.mktemp("epoch-data"))
    try:
        yield found
    finally:
        if found.release().installed():
            chart_cluster.kubectl("delete", "deals", "--all", "--all-namespaces", "--timeout=60s", check=False)
            helm.run("uninstall", RELEASE, "-n", NAMESPACE, "--wait", check=False)


@pytest.fixture(scope="module")
def release(installer: Installer) -> Release:
    """Precondition of a module: the chart is installed and its operator Ready (`helm install --wait`)."""
    return installer.ensure()


def sync_command(notes: str) -> str:
    """The `... cloudless cu sync` line NOTES.txt tells the provider to run, as a shell command."""
    (line,) = [line.strip() for line in notes.splitlines() if "cloudless cu sync" in line]
    return line


def run_sync_from_notes(release: Release) -> str:
    """The NOTES' sync line run by a shell as a provider would: pinned kubectl and the CLI on PATH, nothing else."""
    cluster = release.cluster
    env = {
        "PATH": os.pathsep.join((str(cluster.bin_dir), str(Path(CLOUDLESS).parent), "/usr/bin", "/bin")),
        "KUBECONFIG": str(cluster.kubeconfig),
        "HOME": str(cluster.state),
    }
    result = subprocess.run(
        ["bash", "-c", sync_command(release.notes)], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@dataclass(frozen=True)
class RunningDeal:
    release: Release
    subnet: dict[str, Any]
    """The Subnet once every worker is Ready with the greeting service deployed."""
    synced: str
    """What the NOTES' `cloudless cu sync` printed when this module's precondition was checked."""


def ready_subnet(cluster: RunningCluster) -> dict[str, Any] | None:
    """Subnet greeting, if its 3 workers are Ready with the greeting service deployed."""
    found = get(cluster, "subnet", "greeting")
    status = (found or {}).get("status", {})
    entries = status.get("workers", [])
    deployed = all([s["state"] for s in w.get("services", [])] == ["Deployed"] for w in entries)
    return found if status.get("readyWorkers") == 3 and len(entries) == 3 and deployed else None


@pytest.fixture(scope="module")
def running_deal(release: Release) -> RunningDeal:
    """Precondition of a module: the NOTES' `cloudless cu sync` ran (idempotent), and examples/deal.yaml,
    applied with kubectl if it is not there, has its 3 workers Ready."""
    cluster = release.cluster
    synced = run_sync_from_notes(release)
    if get(cluster, "deal", "greeting") is None:
        apiserver.greeting_module(cluster)
        cluster.kubectl("apply", "-f", str(manifests.EXAMPLES / "deal.yaml"))
        # Its deposit lasts minutes of 15 s epochs; the session's tests take longer: a customer's top-up.
        cluster.kubectl("patch", "deal", "greeting", "--type=merge", "-p", f'{{"spec":{{"deposit":"{DEPOSIT}"}}}}')
    subnet = eventually(
        lambda: ready_subnet(cluster),
        timeout=240,
        what="subnet greeting with 3 Ready workers running the greeting service",
    )
    return RunningDeal(release, subnet, synced)


def node_name(cluster: RunningCluster) -> str:
    """The local cluster's one node."""
    (node,) = get(cluster, "nodes")["items"]
    name: str = node["metadata"]["name"]
    return name


def commitment_phase(cluster: RunningCluster, name: str) -> str | None:
    found = get(cluster, "capacitycommitment", name)
    return None if found is None else found.get("status", {}).get("phase")


def running_provers(cluster: RunningCluster) -> list[dict[str, Any]]:
    """The Running prover pods in the release namespace (labelled with their commitment)."""
    pods: list[dict[str, Any]] = get(cluster, "pods", "-n", NAMESPACE, "-l", "cloudless.dev/commitment")["items"]
    return [p for p in pods if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]


@dataclass(frozen=True)
class ActiveCommitment:
    deal: RunningDeal
    name: str
    """The CapacityCommitment, named after the node it commits."""


@pytest.fixture(scope="module")
def active_commitment(running_deal: RunningDeal) -> ActiveCommitment:
    """Precondition of a module: the node's CapacityCommitment (collateral posted, applied if missing) is
    Active in the ledger, and the prover of the unit the deal leaves idle runs."""
    cluster = running_deal.release.cluster
    node = node_name(cluster)
    if get(cluster, "capacitycommitment", node) is None:
        operator_process.apply(
            cluster,
            {
                "apiVersion": "cloudless.dev/v1alpha1",
                "kind": "CapacityCommitment",
                "metadata": {"name": node},
                "spec": {"nodeName": node, "duration": 1000, "stakerRewardRate": "0.2", "collateralPosted": True},
            },
        )
    eventually(
        lambda: commitment_phase(cluster, node) == "Active" and running_provers(cluster),
        timeout=180,
        what=f"CapacityCommitment {node} Active with a running prover",
    )
    return ActiveCommitment(running_deal, node)
