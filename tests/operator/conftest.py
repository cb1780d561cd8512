"""Fixtures for the operator tests: the CRDs as parsed YAML, and one real API server with them installed.

The cluster fixture reuses the local-cluster test helpers (`cloudless cluster up/down` on a temp
state folder) but is its own session fixture: these tests need the CRDs applied, and a cluster of
their own keeps them from depending on the order the local-cluster tests run in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.localcluster.conftest import RunningCluster, cluster_cli
from tests.operator import manifests
from tests.operator.operator_process import OperatorProcess

from cloudless_localcluster import build


@pytest.fixture(scope="session")
def crds() -> dict[str, dict[str, Any]]:
    """The CustomResourceDefinitions in crds/, by kind."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(manifests.CRD_DIR.glob("*.yaml")):
        for doc in manifests.load_yaml_documents(path):
            found[doc["spec"]["names"]["kind"]] = doc
    return found


@pytest.fixture(scope="session")
def crd_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """A real control plane with the CRDs applied and Established."""
    bin_dir = build.installed_bin_dir()
    if bin_dir is None:
        pytest.fail("the control-plane binaries are not built: run `make install`", pytrace=False)
    state = tmp_path_factory.mktemp("operator-cluster")
    up = cluster_cli("up", f"--state={state}")
    try:
        cluster = RunningCluster(state, bin_dir, up.stdout + up.stderr)
        cluster.kubectl("apply", "-f", str(manifests.CRD_DIR))
        cluster.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
        yield cluster
    finally:
        cluster_cli("down", f"--state={state}", check=False)


@pytest.fixture
def operator(crd_cluster: RunningCluster, tmp_path: Path) -> Iterator[OperatorProcess]:
    """A fresh operator on a cluster without the Deals earlier tests left behind: the operator
    watches every namespace, and a leftover valid Deal would compete for these tests' units (the
    operator itself must run while they go, to release their finalizers)."""
    running = OperatorProcess(crd_cluster, tmp_path / "operator.log", port=18181)
    try:
        crd_cluster.kubectl("delete", "deals", "--all", "--all-namespaces", "--wait=true")
        yield running
    finally:
        running.stop()
