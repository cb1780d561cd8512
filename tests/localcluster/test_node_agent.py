"""The node agent against the real control plane: nodes, pods as processes, probes, logs, deletion, restarts.

Tests share the session cluster and one Deployment of `cloudless/tiny-http:dev` in their own
namespace, and run in file order (the Deployment is scaled and finally deleted by later tests).
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from cloudless_localcluster import podnets
from cloudless_localcluster.agent import network
from cloudless_localcluster.state import StateDir

from .conftest import RunningCluster

NAMESPACE = "agent-tests"
T = TypeVar("T")

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": NAMESPACE},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "terminationGracePeriodSeconds": 10,
                "containers": [
                    {
                        "name": "http",
                        "image": "cloudless/tiny-http:dev",
                        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 1},
                        "livenessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 2},
                    }
                ],
            },
        },
    },
}


def eventually(check: Callable[[], T | None], *, timeout: float = 90, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)


def get_json(cluster: RunningCluster, *args: str) -> Any:
    return json.loads(cluster.kubectl("get", "-o", "json", *args).stdout)


def web_pods(cluster: RunningCluster) -> list[dict[str, Any]]:
    pods = get_json(cluster, "pods", "-n", NAMESPACE, "-l", "app=web")["items"]
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")]


def ready_pods(cluster: RunningCluster, count: int) -> list[dict[str, Any]] | None:
    pods = web_pods(cluster)
    ready = [
        p
        for p in pods
        if p.get("status", {}).get("phase") == "Running"
        and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
    ]
    return ready if len(ready) == count == len(pods) else None


def node_cidr(cluster: RunningCluster) -> str:
    """The podCIDR this cluster picked for its first node at its first `up` (kept in its state folder)."""
    return network.pod_cidr(podnets.load(StateDir(cluster.state))[0])


def pid_of(pod: dict[str, Any]) -> int:
    return int(pod["status"]["containerStatuses"][0]["containerID"].removeprefix("cloudless://"))


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie waiting for init to reap it is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def processes_with_pod_ip(ip: str) -> list[int]:
    """Every process whose environment says POD_IP=ip (a duplicate would show up here)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"POD_IP={ip}".encode() in environ:
                found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def web(running_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """The namespace with the `web` Deployment applied and its two pods Ready."""
    cluster = running_cluster
    cluster.kubectl("create", "namespace", NAMESPACE)
    manifest = tmp_path_factory.mktemp("manifests") / "web.json"
    manifest.write_text(json.dumps(DEPLOYMENT))
    cluster.kubectl("apply", "-f", str(manifest))
    eventually(lambda: ready_pods(cluster, 2), what="2 web pods Running and Ready")
    yield cluster
    cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)


def test_the_node_is_registered_ready_with_capacity_and_a_pod_cidr(running_cluster: RunningCluster) -> None:
    running_cluster.kubectl("wait", "--for=condition=Ready", "node/cloudless-node-1", "--timeout=60s")
    node = get_json(running_cluster, "node", "cloudless-node-1")
    cidr = node_cidr(running_cluster)
    assert node["spec"]["podCIDR"] == cidr
    assert f"pod networks: {cidr}" in running_cluster.up_output
    claim = podnets.registry_dir() / cidr.removesuffix(".0.0/16")
    assert claim.read_text().strip() == str(running_cluster.state.resolve())
    assert node["status"]["capacity"]["cpu"] == "4"
    assert node["status"]["capacity"]["memory"] == "16Gi"
    assert {"type": "InternalIP", "address": "127.0.0.1"} in node["status"]["addresses"]
    lease = get_json(running_cluster, "lease", "-n", "kube-node-lease", "cloudless-node-1")
    assert lease["spec"]["holderIdentity"] == "cloudless-node-1"


def test_deployment_pods_run_ready_and_answer_on_their_pod_ips(web: RunningCluster) -> None:
    pods = web_pods(web)
    ips = [p["status"]["podIP"] for p in pods]
    assert len(set(ips)) == 2
    for pod in pods:
        ip = pod["status"]["podIP"]
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(node_cidr(web))
        assert get(f"http://{ip}:8080/") == pod["metadata"]["name"] + "\n"


def test_kubectl_logs_returns_the_output(web: RunningCluster) -> None:
    pod = web_pods(web)[0]
    name, ip = pod["metadata"]["name"], pod["status"]["podIP"]
    get(f"http://{ip}:8080/from-the-test")
    logs = web.kubectl("logs", "-n", NAMESPACE, name).stdout
    assert "listening on" in logs
    assert "request: GET /from-the-test -> 200" in logs
    command = [
        str(web.bin_dir / "kubectl"),
        f"--kubeconfig={web.kubeconfig}",
        "logs",
        "-f",
        "--tail=0",
        "-n",
        NAMESPACE,
    ]
    with subprocess.Popen([*command, name], stdout=subprocess.PIPE, text=True) as follow:
        try:
            time.sleep(1)  # let the stream open before the request it should show
            get(f"http://{ip}:8080/followed")
            assert follow.stdout is not None
            eventually(lambda: "GET /followed" in follow.stdout.readline(), timeout=30, what="a followed log line")
        finally:
            follow.terminate()


def test_a_killed_process_is_restarted_and_counted(web: RunningCluster) -> None:
    pod = web_pods(web)[0]
    name = pod["metadata"]["name"]
    os.kill(pid_of(pod), signal.SIGKILL)

    def restarted() -> dict[str, Any] | None:
        status = get_json(web, "pod", "-n", NAMESPACE, name)["status"]["containerStatuses"][0]
        return status if status["restartCount"] == 1 and status["ready"] else None

    status = eventually(restarted, what="the killed container restarted and Ready")
    assert status["lastState"]["terminated"]["exitCode"] == 128 + signal.SIGKILL
    assert "listening on" in web.kubectl("logs", "-n", NAMESPACE, name, "--previous").stdout


def test_an_agent_restart_readopts_without_duplicates_and_kills_orphans(web: RunningCluster) -> None:
    before = {p["metadata"]["name"]: p for p in web_pods(web)}
    agent_pid = int((web.state / "run" / "node-agent.pid").read_text().split()[0])
    os.kill(agent_pid, signal.SIGKILL)
    # While no agent runs, one pod is force-deleted: its process becomes an orphan.
    orphan_name, orphan = sorted(before.items())[0]
    web.kubectl("delete", "pod", "-n", NAMESPACE, orphan_name, "--grace-period=0", "--force")
    restarted = web.cluster_cli("up")
    assert "node-agent: started" in restarted.stderr, restarted.stderr
    eventually(lambda: not running(pid_of(orphan)), timeout=30, what="the orphan killed")
    pods = eventually(lambda: ready_pods(web, 2), what="the Deployment back at 2 Ready pods")
    survivors = [p for p in pods if p["metadata"]["name"] in before]
    assert [p["metadata"]["name"] for p in survivors] == [n for n in sorted(before) if n != orphan_name]
    for pod in survivors:
        assert pid_of(pod) == pid_of(before[pod["metadata"]["name"]])
        assert (
            pod["status"]["containerStatuses"][0]["restartCount"]
            == (before[pod["metadata"]["name"]]["status"]["containerStatuses"][0]["restartCount"])
        )
    for pod in pods:
        assert processes_with_pod_ip(pod["status"]["podIP"]) == [pid_of(pod)]


def test_scaling_down_terminates_gracefully(web: RunningCluster) -> None:
    names = {p["metadata"]["name"]: p["metadata"]["uid"] for p in web_pods(web)}
    web.kubectl("scale", "deployment/web", "-n", NAMESPACE, "--replicas=1")
    remaining = eventually(lambda: ready_pods(web, 1), what="one pod left")
    (gone,) = set(names) - {remaining[0]["metadata"]["name"]}
    eventually(
        lambda: web.kubectl("get", "pod", "-n", NAMESPACE, gone, check=False).returncode != 0,
        what="the removed pod deleted after its graceful stop",
    )
    logs = web.state / "agent" / "logs" / f"{NAMESPACE}_{gone}_{names[gone]}" / "http"
    text = "".join(path.read_text() for path in sorted(logs.glob("*.log")))
    assert "received SIGTERM, shutting down" in text
    assert text.rstrip().endswith("stopped")


def test_deleting_the_owner_removes_its_pods_through_the_garbage_collector(web: RunningCluster) -> None:
    pods = web_pods(web)
    web.kubectl("delete", "deployment/web", "-n", NAMESPACE, "--cascade=background", "--wait=false")
    eventually(lambda: not get_json(web, "pods", "-n", NAMESPACE, "-l", "app=web")["items"], what="pods deleted")
    assert not get_json(web, "replicasets", "-n", NAMESPACE)["items"]
    for pod in pods:
        assert not processes_with_pod_ip(pod["status"]["podIP"])


def test_an_unknown_image_waits_with_err_image_pull(web: RunningCluster) -> None:
    web.kubectl("run", "unknown-image", "-n", NAMESPACE, "--image=example.com/not-a-cloudless-image:1")

    def waiting() -> dict[str, Any] | None:
        statuses = get_json(web, "pod", "-n", NAMESPACE, "unknown-image").get("status", {}).get("containerStatuses")
        return statuses[0]["state"].get("waiting") if statuses else None

    state = eventually(waiting, what="a waiting state")
    assert state["reason"] in ("ErrImagePull", "ImagePullBackOff")
    assert "example.com/not-a-cloudless-image:1" in state["message"]
    assert "images.py" in state["message"]
    assert web.cluster_cli("status").returncode == 0
