"""Probe kinds the web Deployment of test_node_agent.py does not use: gRPC and exec.

The gRPC probe targets the real runtime image (the Marine runtime server answers gRPC health
checks); the exec probes run commands next to the container, as a kubelet runs them in it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import RunningCluster
from .test_node_agent import eventually, get_json

NAMESPACE = "probe-tests"
POD_IP_ENV = {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}


def _pod(name: str, container: dict[str, Any], volumes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"terminationGracePeriodSeconds": 5, "containers": [container], "volumes": volumes or []},
    }


RUNTIME = _pod(
    "runtime",
    {
        "name": "runtime",
        "image": "cloudless/runtime:dev",
        "args": ["--state-dir", "/state", "--listen", "$(POD_IP):7100", "--key-file", "/state/key", "--create-key"],
        "env": [POD_IP_ENV],
        "volumeMounts": [{"name": "state", "mountPath": "/state"}],
        "readinessProbe": {"grpc": {"port": 7100}, "periodSeconds": 1, "timeoutSeconds": 5},
    },
    volumes=[{"name": "state", "emptyDir": {}}],
)


def _exec_pod(name: str, exit_code: int) -> dict[str, Any]:
    return _pod(
        name,
        {
            "name": "http",
            "image": "cloudless/tiny-http:dev",
            "env": [POD_IP_ENV],
            "readinessProbe": {
                "exec": {"command": ["python", "-c", f"raise SystemExit({exit_code})"]},
                "periodSeconds": 1,
            },
        },
    )


def _condition(pod: dict[str, Any], kind: str) -> str | None:
    for condition in pod.get("status", {}).get("conditions", []):
        if condition["type"] == kind:
            return str(condition["status"])
    return None


@pytest.fixture(scope="module")
def probes(running_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    cluster = running_cluster
    cluster.kubectl("create", "namespace", NAMESPACE)
    eventually(
        lambda: cluster.kubectl("get", "serviceaccount", "default", "-n", NAMESPACE, check=False).returncode == 0,
        what="the namespace's default ServiceAccount",
    )
    manifest = tmp_path_factory.mktemp("probes") / "pods.json"
    pods = [RUNTIME, _exec_pod("exec-ok", 0), _exec_pod("exec-failing", 1)]
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}))
    cluster.kubectl("apply", "-f", str(manifest))
    yield cluster
    cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)


def _pod_status(cluster: RunningCluster, name: str) -> dict[str, Any]:
    return dict(get_json(cluster, "pod", name, "-n", NAMESPACE))


def _ready_pod(cluster: RunningCluster, name: str) -> dict[str, Any] | None:
    pod = _pod_status(cluster, name)
    return pod if _condition(pod, "Ready") == "True" else None


def _running_pod(cluster: RunningCluster, name: str) -> dict[str, Any] | None:
    pod = _pod_status(cluster, name)
    return pod if pod.get("status", {}).get("phase") == "Running" else None


def test_a_grpc_readiness_probe_reads_the_runtime_health_service(probes: RunningCluster) -> None:
    pod = eventually(
        lambda: _ready_pod(probes, "runtime"),
        timeout=120,
        what="the runtime pod Ready through its gRPC health check",
    )
    assert pod["status"]["phase"] == "Running"
    assert pod["status"]["containerStatuses"][0]["ready"] is True


def test_exec_readiness_probes_follow_the_command_exit_code(probes: RunningCluster) -> None:
    eventually(
        lambda: _ready_pod(probes, "exec-ok"),
        what="the pod whose exec probe exits 0 to be Ready",
    )
    eventually(lambda: _running_pod(probes, "exec-failing"), what="the pod whose exec probe exits 1 to run")
    time.sleep(3)  # three probe periods after its twin became Ready
    failing = _pod_status(probes, "exec-failing")
    assert _condition(failing, "Ready") != "True"
    assert failing["status"]["containerStatuses"][0]["ready"] is False
