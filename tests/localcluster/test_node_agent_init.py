"""Init containers: run in order, each to success, before the containers; failures as a kubelet reports them.

Each init container appends its name to a file in an emptyDir every time it runs, so the file
tells the order and how often each ran; `kubectl get pods` shows the kubelet's Init:N/M,
Init:CrashLoopBackOff and Init:Error.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import RunningCluster
from .test_node_agent import eventually, get_json

NAMESPACE = "init-tests"
APPEND = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n'); raise SystemExit(int(sys.argv[3]))"
SLEEP = "import time; time.sleep(3600)"
POD_IP_ENV = [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]


def _step(name: str, exit_code: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "image": "cloudless/tiny-http:dev",
        "command": ["python", "-c", APPEND, "/work/order", name, str(exit_code)],
        "volumeMounts": [{"name": "work", "mountPath": "/work"}],
    }


def _pod(name: str, inits: list[dict[str, Any]], *, restart_policy: str = "Always") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "restartPolicy": restart_policy,
            "terminationGracePeriodSeconds": 2,
            "initContainers": inits,
            "containers": [
                {
                    "name": "app",
                    "image": "cloudless/tiny-http:dev",
                    "env": POD_IP_ENV,
                    "volumeMounts": [{"name": "work", "mountPath": "/work"}],
                }
            ],
            "volumes": [{"name": "work", "emptyDir": {}}],
        },
    }


SLEEPER = {"name": "sleeper", "image": "cloudless/tiny-http:dev", "command": ["python", "-c", SLEEP]}
PODS = [
    _pod("in-order", [_step("first"), _step("second")]),
    _pod("waiting", [_step("first"), SLEEPER]),
    _pod("retried", [_step("failing", exit_code=1)]),
    _pod("failed", [_step("failing", exit_code=1)], restart_policy="Never"),
]


@pytest.fixture(scope="module")
def inits(running_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    cluster = running_cluster
    cluster.kubectl("create", "namespace", NAMESPACE)
    eventually(
        lambda: cluster.kubectl("get", "serviceaccount", "default", "-n", NAMESPACE, check=False).returncode == 0,
        what="the namespace's default ServiceAccount",
    )
    manifest = tmp_path_factory.mktemp("init") / "pods.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": PODS}))
    cluster.kubectl("apply", "-f", str(manifest))
    yield cluster
    cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)


def _pod_json(cluster: RunningCluster, name: str) -> dict[str, Any]:
    return dict(get_json(cluster, "pod", name, "-n", NAMESPACE))


def _shown_status(cluster: RunningCluster, name: str) -> str:
    """The STATUS column of `kubectl get pod`, which kubectl computes from the init container statuses."""
    columns: list[str] = cluster.kubectl("get", "pod", name, "-n", NAMESPACE, "--no-headers").stdout.split()
    return columns[2]


def _order_file(cluster: RunningCluster, pod: dict[str, Any]) -> str:
    folder = cluster.state / "agent" / "pods" / str(pod["metadata"]["uid"])
    return (folder / "volumes" / "work" / "order").read_text()


def _condition(pod: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in pod["status"]["conditions"] if c["type"] == kind)


def test_init_containers_run_in_order_to_completion_before_the_app(inits: RunningCluster) -> None:
    def running() -> dict[str, Any] | None:
        pod = _pod_json(inits, "in-order")
        return pod if pod.get("status", {}).get("phase") == "Running" else None

    pod = eventually(running, what="the pod Running after its init containers")
    assert _order_file(inits, pod) == "first\nsecond\n"
    statuses = pod["status"]["initContainerStatuses"]
    assert [s["name"] for s in statuses] == ["first", "second"]
    for status in statuses:
        assert status["state"]["terminated"]["exitCode"] == 0
        assert status["state"]["terminated"]["reason"] == "Completed"
        assert status["restartCount"] == 0
    finished = statuses[1]["state"]["terminated"]["finishedAt"]
    assert statuses[0]["state"]["terminated"]["finishedAt"] <= statuses[1]["state"]["terminated"]["startedAt"]
    assert pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"] >= finished
    assert _condition(pod, "Initialized")["status"] == "True"
    assert _shown_status(inits, "in-order") == "Running"


def test_a_running_init_container_holds_the_app_and_shows_init_n_of_m(inits: RunningCluster) -> None:
    eventually(lambda: _shown_status(inits, "waiting") == "Init:1/2", what="Init:1/2 for the pod whose 2nd init sleeps")
    pod = _pod_json(inits, "waiting")
    assert pod["status"]["phase"] == "Pending"
    initialized = _condition(pod, "Initialized")
    assert (initialized["status"], initialized["reason"]) == ("False", "ContainersNotInitialized")
    assert initialized["message"] == "containers with incomplete status: [sleeper]"
    assert pod["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}


def test_a_failing_init_container_is_retried_with_back_off(inits: RunningCluster) -> None:
    eventually(
        lambda: _shown_status(inits, "retried") == "Init:CrashLoopBackOff",
        timeout=60,
        what="Init:CrashLoopBackOff for the pod whose init container keeps failing",
    )
    pod = _pod_json(inits, "retried")
    (status,) = pod["status"]["initContainerStatuses"]
    assert status["restartCount"] >= 1
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert pod["status"]["phase"] == "Pending"
    assert _order_file(inits, pod).count("failing\n") == status["restartCount"] + 1
    assert "running" not in pod["status"]["containerStatuses"][0]["state"]


def test_with_restart_policy_never_a_failed_init_container_fails_the_pod(inits: RunningCluster) -> None:
    def failed() -> dict[str, Any] | None:
        pod = _pod_json(inits, "failed")
        return pod if pod.get("status", {}).get("phase") == "Failed" else None

    pod = eventually(failed, what="the pod Failed after its init container failed")
    (status,) = pod["status"]["initContainerStatuses"]
    assert status["state"]["terminated"]["exitCode"] == 1
    assert status["restartCount"] == 0
    assert _shown_status(inits, "failed") == "Init:Error"
    assert _order_file(inits, pod) == "failing\n"
    assert "running" not in pod["status"]["containerStatuses"][0]["state"]


def test_completed_init_containers_do_not_run_again_after_an_agent_restart(inits: RunningCluster) -> None:
    before = _pod_json(inits, "in-order")
    agent_pid = int((inits.state / "run" / "node-agent.pid").read_text().split()[0])
    os.kill(agent_pid, signal.SIGKILL)
    restarted = inits.cluster_cli("up")
    assert "node-agent: started" in restarted.stderr, restarted.stderr
    eventually(
        lambda: inits.cluster_cli("status", check=False).returncode == 0, timeout=60, what="the agent healthy again"
    )
    after = eventually(
        lambda: (pod := _pod_json(inits, "in-order"))["status"]["phase"] == "Running" and pod,
        what="the pod still Running after the agent restart",
    )
    assert _order_file(inits, after) == "first\nsecond\n"
    assert after["status"]["initContainerStatuses"] == before["status"]["initContainerStatuses"]
    app = after["status"]["containerStatuses"][0]
    assert app["restartCount"] == 0
    assert app["containerID"] == before["status"]["containerStatuses"][0]["containerID"]
