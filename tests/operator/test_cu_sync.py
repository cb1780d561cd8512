"""`cloudless cu sync` against the real API server: a node's capacity becomes units, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.localcluster.conftest import RunningCluster

CLOUDLESS = [str(Path(sys.executable).with_name("cloudless"))]
"""The installed console script, as a provider runs it."""


def cu(cluster: RunningCluster, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
    env.pop("CLOUDLESS_UNITS_PER_NODE", None)
    return subprocess.run([*CLOUDLESS, "cu", *args], capture_output=True, text=True, timeout=60, env=env, check=False)


def test_sync_creates_the_units_a_node_holds_and_is_idempotent(crd_cluster: RunningCluster) -> None:
    first = cu(crd_cluster, "sync", "--provider", "synced", "--price", "0.25")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == "4 created, 0 already present"  # the agent's node: 4 CPU, 16Gi, 20Gi
    again = cu(crd_cluster, "sync", "--provider", "synced")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "0 created, 4 already present"
    listed = json.loads(crd_cluster.kubectl("get", "cu", "-l", "cloudless.dev/provider=synced", "-o", "json").stdout)
    specs = sorted((item["metadata"]["name"], item["spec"]["pricePerEpoch"]) for item in listed["items"])
    assert specs == [(f"cloudless-node-1-cu{i}", "0.25") for i in range(4)]
    assert {item["spec"]["resources"]["memory"] for item in listed["items"]} == {"4Gi"}


def test_sync_refuses_a_bad_price_and_an_unknown_node(crd_cluster: RunningCluster) -> None:
    bad_price = cu(crd_cluster, "sync", "--price", "-1")
    assert bad_price.returncode == 2
    assert "--price" in bad_price.stderr
    no_node = cu(crd_cluster, "sync", "--node", "nowhere")
    assert no_node.returncode == 1
    assert "no node named 'nowhere'" in no_node.stderr
