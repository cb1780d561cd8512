"""The `cloudless` command as a user runs it, for the end-to-end tests: the installed CLI, `cu sync`
of the real node's units, and `cloudless run examples/hello.air` through a worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.localcluster.conftest import RunningCluster
from tests.operator import manifests

CLOUDLESS = str(Path(sys.executable).with_name("cloudless"))
"""The CLI as installed in the project's virtualenv, run as a user runs it."""


def sync_units(cluster: RunningCluster) -> None:
    """`cloudless cu sync`: the local cluster's one node gets its 4 ComputeUnits."""
    synced = subprocess.run(
        [CLOUDLESS, "cu", "sync", "--kubeconfig", str(cluster.kubeconfig)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "4 created" in synced.stdout, synced.stdout


def hello(cluster: RunningCluster, relay: str) -> list[str]:
    """`cloudless run examples/hello.air` through `relay`; the greetings it prints."""
    result = subprocess.run(
        [
            CLOUDLESS,
            "run",
            str(manifests.EXAMPLES / "hello.air"),
            "--relay",
            relay,
            "--data",
            'name="world"',
            "--timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    if result.returncode != 0:
        logs = [
            cluster.kubectl("logs", pod, "-c", "router", "--tail=15", check=False).stdout
            for pod in ("greeting-w0", "greeting-w1", "greeting-w2")
        ]
        pytest.fail(f"cloudless run failed: {result.stdout}{result.stderr}\nrouter logs:\n" + "\n".join(logs))
    (answer,) = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    greetings: list[str] = answer
    return greetings
